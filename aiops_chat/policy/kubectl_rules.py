"""kubectl: from a parsed command line to an :class:`Action` (or a refusal).

Reads are what issue 2 lists; writes need a named target or a manifest under the working directory;
`delete` is destructive and never en masse (`--all`, `-A`, label or field selectors, namespaces, nodes,
CRDs, whether named in argv or held in -f manifests). Rollout undo counts as a write, like the rollout it reverts.

Mass and outage writes are destructive (a person types the name; `--yes` and the auto tier never run them):
any write that picks its objects by `--all`, `-l`/`--selector`, `--field-selector` or a bare kind, because
the approver cannot see which objects it hits (`label pods --all`, `set image deploy --all`, `cordon -l`,
`rollout restart deploy`); `scale` to zero replicas; `taint ... :NoExecute` (a drain by another name);
`set image` with the `*` container wildcard; `create quota` with a zero or near-zero hard limit; `create priorityclass
--global-default` (every new pod gets it and may preempt running ones); a patch or -f manifest
that does one of these, or a patch that changes a selector or a targetPort (it silently moves a Service's
traffic). Near zero counts as zero (impact.py): `set resources --limits` below what a container needs, a
quota below ten such containers or `pods<2`; and so does too much: replicas (scale, an autoscaler's --min,
a patch or manifest) beyond ten times `auto_max_replicas`.

A manifest (-f files, directories, stdin) or patch body whose pod spec reaches the node (privileged, host
namespaces, hostPath, added capabilities ...: pod_security.py) is refused, as `run --privileged` is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiops_chat.policy import pod_security, rbac
from aiops_chat.policy.action import Action, effective_namespace
from aiops_chat.policy.grammar import Parsed, parse
from aiops_chat.policy.impact import (
    NO_EXECUTE,
    below_floor,
    go_int,
    largest_replicas,
    patch_impacts,
    replica_ceiling,
    zero_quantity,
)
from aiops_chat.policy.kubectl_checks import (
    CRDS,
    NAMESPACES,
    NODES,
    SECRETS,
    Resources,
    check_global_flags,
    check_no_kustomize,
    check_output,
    dry_run,
    manifests,
    resources,
)
from aiops_chat.policy.kubectl_raw import check_raw_path
from aiops_chat.policy.kubectl_tree import GLOBAL_FLAGS, ROOT
from aiops_chat.policy.manifest_scan import MAX_SCAN_BYTES, RefusedKinds, parse_documents, refuse_kinds
from aiops_chat.policy.paths import manifest_files, resolve_inside
from aiops_chat.policy.refusal import Refusal
from aiops_chat.policy.types import PolicyContext, Risk

Handler = Callable[[Parsed, PolicyContext], Action]

_PLAIN_READS = frozenset({"events", "top pod", "top node", "explain", "api-resources", "api-versions", "version",
                          "cluster-info", "auth can-i", "auth whoami"})
_RESOURCE_READS = frozenset({"describe", "rollout status", "rollout history", "diff"})
_NO_RESOURCES = Resources(frozenset(), (), ())  # drain, cordon, run: the word is a node or pod name, not a kind
_COMMAND_AFTER_DASHDASH = frozenset({"run", "create deployment", "create job", "create cronjob"})
# Deletes that take down far more than the object: refused by name and inside -f manifests alike.
_DELETE_REFUSED_KINDS: RefusedKinds = (
    (NAMESPACES, "deleting a namespace removes everything in it, a mass delete; it is denied"),
    (NODES, "deleting a node evicts its workloads; it is denied"),
    (CRDS, "deleting a CustomResourceDefinition removes every object of that kind, a mass delete; it is denied"),
)


def _action(parsed: Parsed, ctx: PolicyContext, risk: Risk, *, namespaced: bool = True, auto_ok: bool = False,
            protected_target: str | None = None, refused_kinds: RefusedKinds = ()) -> Action:
    return Action(
        binary="kubectl", verb=parsed.command.name, risk=risk, namespace=effective_namespace(parsed, ctx),
        namespaced=namespaced, dry_run=dry_run(parsed), all_namespaces=parsed.enabled("all-namespaces"),
        auto_ok=auto_ok, protected_target=protected_target, refused_kinds=refused_kinds,
    )


def _no_raw(parsed: Parsed) -> None:
    if parsed.has("raw"):
        raise Refusal(f"--raw with kubectl {parsed.command.name} sends an unchecked request to the API server; "
                      "it is not allowed")


def _no_command(parsed: Parsed, extra_positionals: Sequence[str] = ()) -> None:
    if parsed.after_dashdash or extra_positionals:
        raise Refusal(f"kubectl {parsed.command.name} with a command would run arbitrary code in the cluster; "
                      "it is never allowed")


def _named(res: Resources, parsed: Parsed) -> bool:
    """Explicitly named objects, not a whole kind, a selector or every object."""
    return bool(res.names) and not parsed.has("selector") and not parsed.enabled("all") and not parsed.has("filename")


def _protected_object(res: Resources, ctx: PolicyContext) -> str | None:
    """A protected namespace changed as an object (e.g. relabelled to switch off pod security)."""
    hit = sorted(res.names_of(NAMESPACES) & ctx.protected_namespaces)
    return hit[0] if hit else None


def _reads_with_files(parsed: Parsed, ctx: PolicyContext) -> Action:
    check_no_kustomize(parsed)
    given, _ = manifests(parsed, ctx, write=False)
    res = resources(parsed.positionals)
    check_output(parsed, None if given else res, parsed.command.name)
    return _action(parsed, ctx, Risk.READ)


def _wait(parsed: Parsed, ctx: PolicyContext) -> Action:
    """A jsonpath wait answers "does this field equal my guess" (met or timed out): no such oracle on Secrets."""
    jsonpath = any(v.strip().lower().startswith("jsonpath") for v in parsed.values("for"))
    if jsonpath and (parsed.has("filename") or resources(parsed.positionals).has_kind(SECRETS)):
        where = "objects from -f, which may be Secrets" if parsed.has("filename") else "Secrets"
        raise Refusal(f"kubectl wait --for=jsonpath on {where} tests guesses of values the policy may not reveal; "
                      "wait for a condition, create or delete instead")
    return _reads_with_files(parsed, ctx)


def _get(parsed: Parsed, ctx: PolicyContext) -> Action:
    for path in parsed.values("raw"):
        check_raw_path(path)
    return _reads_with_files(parsed, ctx)


def _logs(parsed: Parsed, ctx: PolicyContext) -> Action:
    if parsed.has("insecure-skip-tls-verify-backend"):
        raise Refusal("--insecure-skip-tls-verify-backend turns off kubelet certificate checks; it is not allowed")
    return _action(parsed, ctx, Risk.READ)


def _plain_read(parsed: Parsed, ctx: PolicyContext) -> Action:
    check_output(parsed, resources([]), parsed.command.name)
    return _action(parsed, ctx, Risk.READ)


def _write(parsed: Parsed, ctx: PolicyContext, *, risk: Risk = Risk.WRITE, namespaced: bool = True,
           auto_ok: bool = False, need_target: bool = True, refused_kinds: RefusedKinds = (),
           res: Resources | None = None) -> Action:
    """The common shape of a kubectl write: resources or -f, no -k, no --raw, no --edit, safe output.

    ``refused_kinds``: kinds the -f manifests (files now, stdin in the engine) may not hold. ``res``: the
    objects, when the verb's positionals hold more than resources (label's `key=value`, taint's specs).
    """
    _no_raw(parsed)
    check_no_kustomize(parsed)
    if parsed.enabled("edit"):
        raise Refusal("--edit opens an interactive editor; it is not allowed")
    given, facts = manifests(parsed, ctx, write=True)
    refuse_kinds(facts, refused_kinds, "given with -f")
    res = res if res is not None else resources(parsed.positionals)
    if need_target and not given and not res.kinds:
        raise Refusal(f"kubectl {parsed.command.name} needs a resource or a manifest to act on")
    check_output(parsed, None if given else res, parsed.command.name)
    protected = facts.protected_in(ctx.protected_namespaces) or _protected_object(res, ctx)
    action = _action(parsed, ctx, risk, namespaced=namespaced, auto_ok=auto_ok, protected_target=protected,
                     refused_kinds=refused_kinds)
    mass = _mass(parsed, res, given)
    if mass:
        action = action.destructive(mass)
    why = facts.outage("given with -f", replica_ceiling(ctx.auto_max_replicas))
    if why:
        action = action.destructive(why)
    return action


def _mass(parsed: Parsed, res: Resources, given: bool) -> str:
    """Why the write picks objects the approver cannot see by name, or "" when it names them.

    With -f the objects are the manifests' (scanned, and a selector only narrows them down)."""
    if given:
        return ""
    for flag, what in (("all", "--all"), ("selector", "a label selector"), ("field-selector", "a field selector")):
        if parsed.enabled(flag) if flag == "all" else parsed.has(flag):
            return f"{what} picks every matching object at once"
    if res.kinds and not res.names:
        return "a bare kind acts on every object of that kind"
    return ""


def _objects_only(parsed: Parsed, *, spec: str) -> Resources:
    """Resources of label/annotate/taint/set image: positionals that are `key=value` (or `key-`) specs aren't
    objects. kubectl reads specs from the first word holding `=` (or ending in `-`) on."""
    words = parsed.positionals
    first_spec = next((i for i, w in enumerate(words) if i > 0 and _is_spec(w, spec)), len(words))
    return resources(words[:first_spec])


def _is_spec(word: str, verb: str) -> bool:
    if "=" in word:
        return True
    return verb in ("label", "taint") and (word.endswith("-") or (verb == "taint" and ":" in word))


def _scale(parsed: Parsed, ctx: PolicyContext) -> Action:
    replicas = parsed.last("replicas")
    count = go_int(replicas) if replicas is not None else None
    # Scaling to zero takes the workload down (destructive); a large count can starve the cluster (not
    # approved without a person).
    low_risk = _named(resources(parsed.positionals), parsed) and replicas is not None and replicas.isdigit() \
        and 0 < int(replicas) <= ctx.auto_max_replicas
    action = _write(parsed, ctx, auto_ok=low_risk)
    if count == 0:
        action = action.destructive("scaling to zero replicas stops the workload")
    return _beyond_ceiling(action, count, ctx, "scaling to")


def _beyond_ceiling(action: Action, count: int | None, ctx: PolicyContext, doing: str) -> Action:
    ceiling = replica_ceiling(ctx.auto_max_replicas)
    if count is not None and count > ceiling:
        return action.destructive(f"{doing} {count} replicas is beyond {ceiling}, ten times the auto tier's "
                                  "ceiling, and can take the cluster's capacity from other workloads")
    return action


def _autoscale(parsed: Parsed, ctx: PolicyContext) -> Action:
    """An autoscaler's --min is a floor it scales up to at once."""
    minimum = parsed.last("min")
    return _beyond_ceiling(_write(parsed, ctx), go_int(minimum) if minimum is not None else None, ctx,
                           "an autoscaler keeping at least")


def _set_resources(parsed: Parsed, ctx: PolicyContext) -> Action:
    """Limits below what any container needs kill (memory) or starve (CPU) every replica on rollout."""
    action = _write(parsed, ctx)
    for value in parsed.values("limits"):
        for limit in value.split(","):
            why = below_floor(*limit.partition("=")[::2])
            if why:
                action = action.destructive(f"a limit near zero kills or starves every container it applies "
                                            f"to: {why}")
    return action


def _rollout_restart(parsed: Parsed, ctx: PolicyContext) -> Action:
    return _write(parsed, ctx, auto_ok=_named(resources(parsed.positionals), parsed))


def _labels(parsed: Parsed, ctx: PolicyContext) -> Action:
    """label / annotate: `kind name key=value`; en masse they can move pods out of their Services."""
    if parsed.command.name == "annotate":  # an AppArmor/seccomp `unconfined` annotation on a pod
        _check_annotations(parsed.positionals, "kubectl annotate")
    return _write(parsed, ctx, res=_objects_only(parsed, spec="label"))


def _check_annotations(specs: Sequence[str], where: str) -> None:
    annotations = dict(spec.split("=", 1) for spec in specs if "=" in spec)
    pod_security.check_object({"metadata": {"annotations": annotations}}, where)


def _set_image(parsed: Parsed, ctx: PolicyContext) -> Action:
    action = _write(parsed, ctx, res=_objects_only(parsed, spec="image"))
    if any(w.partition("=")[0] == "*" for w in parsed.positionals if "=" in w):
        action = action.destructive("the * container wildcard replaces the image of every container")
    return action


def _manifest_write(parsed: Parsed, ctx: PolicyContext) -> Action:
    """apply / create -f / replace: only from files under the working directory or stdin."""
    check_no_kustomize(parsed)
    if parsed.positionals:
        raise Refusal(f"kubectl {parsed.command.name} {parsed.positionals[0]} is not a form the policy knows")
    if not parsed.values("filename"):
        raise Refusal(f"kubectl {parsed.command.name} needs -f with a file under the working directory, or -f -")
    if parsed.enabled("prune") or parsed.enabled("all"):
        raise Refusal("kubectl apply --prune/--all deletes every object missing from the manifests; it is not allowed")
    if parsed.enabled("force"):
        # --force deletes and re-creates an object it cannot update: a Namespace would lose everything in it.
        return _write(parsed, ctx, risk=Risk.DESTRUCTIVE, refused_kinds=_DELETE_REFUSED_KINDS)
    return _write(parsed, ctx)


def _delete(parsed: Parsed, ctx: PolicyContext) -> Action:
    check_no_kustomize(parsed)
    res = resources(parsed.positionals)
    if parsed.enabled("all") or parsed.enabled("all-namespaces"):
        raise Refusal("delete --all/-A removes every object of a kind at once; mass deletes are denied")
    if parsed.has("selector") or parsed.has("field-selector"):
        raise Refusal("delete with a label or field selector can remove many objects at once; "
                      "name the objects instead")
    for kinds, why in _DELETE_REFUSED_KINDS:
        if res.has_kind(kinds):
            raise Refusal(why)
    if not res.names and not parsed.values("filename"):
        raise Refusal("delete needs named objects (kind/name or kind name) or a manifest under the working directory")
    return _write(parsed, ctx, risk=Risk.DESTRUCTIVE, refused_kinds=_DELETE_REFUSED_KINDS)


def _drain(parsed: Parsed, ctx: PolicyContext) -> Action:
    if parsed.has("selector") or not parsed.positionals:
        raise Refusal("drain needs one named node; draining by selector can empty many nodes at once")
    return _write(parsed, ctx, risk=Risk.DESTRUCTIVE, namespaced=False, need_target=False, res=_NO_RESOURCES)


def _taint(parsed: Parsed, ctx: PolicyContext) -> Action:
    if parsed.enabled("all") or parsed.has("selector"):
        raise Refusal("taint --all or with a selector changes many nodes at once; name the node")
    action = _write(parsed, ctx, namespaced=False, res=_objects_only(parsed, spec="taint"))
    # `key=value:NoExecute` (or `key:NoExecute`) evicts every pod without a toleration; `...:NoExecute-` removes it.
    if any(w.rpartition(":")[2].strip().lower() == NO_EXECUTE for w in parsed.positionals[1:] if ":" in w):
        action = action.destructive("a NoExecute taint evicts every pod on the node without a toleration, "
                                    "a drain by another name")
    return action


def _node_write(parsed: Parsed, ctx: PolicyContext) -> Action:
    """cordon / uncordon: one named node is a write; by selector it is a mass write."""
    action = _write(parsed, ctx, namespaced=False, need_target=False, res=_NO_RESOURCES)
    if parsed.has("selector"):
        action = action.destructive("a label selector picks every matching node at once")
    return action


def _patch(parsed: Parsed, ctx: PolicyContext) -> Action:
    bodies: list[tuple[str, str]] = [(value, "-p") for value in parsed.values("patch")]
    for path in parsed.values("patch-file"):
        real = resolve_inside(path, ctx.workdir, "--patch-file")
        try:
            with open(real, "rb") as handle:
                bodies.append((handle.read(MAX_SCAN_BYTES + 1).decode("utf-8", "replace"), path))
        except OSError:
            pass  # kubectl fails on it too; nothing gets patched
    action = _write(parsed, ctx)
    what = " ".join(parsed.positionals) or "the objects in -f"
    for text, where in bodies:
        for why in _patch_body_impacts(text, where, what, ctx):
            action = action.destructive(why)
    return action


def _patch_body_impacts(text: str, where: str, what: str, ctx: PolicyContext) -> list[str]:
    """kubectl reads a patch as YAML (JSON is YAML); one it cannot read is refused by kubectl, but the
    policy fails closed and asks a person all the same."""
    if len(text) > MAX_SCAN_BYTES:
        return [f"the patch {where} is too large for the policy to check"]
    try:
        documents = parse_documents(text.encode("utf-8", "replace"), f"patch {where}")
    except Refusal as refusal:  # unreadable, duplicate keys, a YAML tag (read differently by kubectl)
        return [f"the patch {where} is not YAML or JSON the policy can read ({refusal.reason})"]
    for body in documents:  # a pod spec given the node is refused outright, as `run --privileged` is
        pod_security.check_patch(body, f"the patch {where} to {what}")
    found = [why for body in documents for why in patch_impacts(body, what)]
    replicas = max((largest_replicas(body) for body in documents), default=0)
    ceiling = replica_ceiling(ctx.auto_max_replicas)
    if replicas > ceiling:
        found.append(f"it asks for {replicas} replicas, beyond {ceiling}, ten times the auto tier's ceiling, "
                     "which can take the cluster's capacity from other workloads")
    return found


def _run(parsed: Parsed, ctx: PolicyContext) -> Action:
    _no_command(parsed, parsed.positionals[1:])
    if parsed.enabled("command"):
        _no_command(parsed, ["--command"])
    for flag, why in (("overrides", "--overrides can rewrite the pod spec (command, privileges, host mounts)"),
                      ("privileged", "--privileged runs a privileged container"),
                      ("stdin", "-i/--stdin attaches to the container"), ("tty", "-t/--tty attaches to the container"),
                      ("attach", "--attach attaches to the container"), ("rm", "--rm needs an attached session"),
                      ("filename", "-f is not used by kubectl run")):
        if parsed.enabled(flag) or parsed.values(flag):
            raise Refusal(f"{why}; it is not allowed")
    if not parsed.positionals or not parsed.values("image"):
        raise Refusal("kubectl run needs a pod name and --image")
    _check_annotations(parsed.values("annotations"), "kubectl run --annotations")
    return _write(parsed, ctx, need_target=False, res=_NO_RESOURCES)


def _create_kind(kind: str) -> Handler:
    """create <kind>: a write of one new object; kinds that run code may not get a command."""
    def handler(parsed: Parsed, ctx: PolicyContext) -> Action:
        if kind in ("deployment", "job", "cronjob"):
            _no_command(parsed)
        for flag in ("from-file", "from-env-file"):
            for value in parsed.values(flag):
                # `[key=]path`; a directory is read file by file, so every entry is checked.
                manifest_files(value.split("=", 1)[1] if "=" in value else value, ctx.workdir, f"--{flag}")
        for flag in ("cert", "key"):
            for value in parsed.values(flag):
                resolve_inside(value, ctx.workdir, f"--{flag}")
        where = f"kubectl create {kind}"
        if kind in ("rolebinding", "clusterrolebinding"):
            for role in parsed.values("clusterrole") + parsed.values("role"):
                rbac.check_binding(role, cluster_wide=kind == "clusterrolebinding",
                                   subjects=parsed.values("user") + parsed.values("group"), where=where)
        if kind in ("role", "clusterrole"):
            if parsed.has("aggregation-rule"):
                raise Refusal("--aggregation-rule takes in the rules of other roles chosen by label, which can "
                              "include cluster-admin's; it is never allowed")
            # `--resource=NAME[.GROUP]`: a wildcard with no group is the core group's resources.
            groups = [r.partition(".")[2] for v in parsed.values("resource") for r in v.split(",")]
            rbac.check_role_rules([(parsed.values("verb"), parsed.values("resource"), groups or None)], where)
        if not parsed.positionals:
            raise Refusal(f"kubectl create {kind} needs a name")
        res = Resources(frozenset({"secrets"} if kind.startswith("secret") else {kind}), (), ())
        check_output(parsed, res, parsed.command.name)
        _no_raw(parsed)
        cluster_scoped = kind in ("namespace", "clusterrole", "clusterrolebinding", "priorityclass")
        action = _action(parsed, ctx, Risk.WRITE, namespaced=not cluster_scoped)
        if kind == "quota" and any(zero_quantity(limit.partition("=")[2])
                                   for value in parsed.values("hard") for limit in value.split(",")):
            action = action.destructive("a zero hard limit refuses every new object of that kind in the "
                                        "namespace (pods=0 stops every rollout and restart)")
        elif kind == "quota":
            for limit in (limit for value in parsed.values("hard") for limit in value.split(",")):
                why = below_floor(*limit.partition("=")[::2], quota=True)
                if why:
                    action = action.destructive(f"a quota near zero refuses new pods in the namespace: {why}")
        if kind == "priorityclass" and parsed.enabled("global-default"):
            action = action.destructive("a global default priority applies to every new pod in the cluster, "
                                        "which can then preempt running ones")
        return action
    return handler


HANDLERS: dict[str, Handler] = {
    "get": _get,
    "logs": _logs,
    "wait": _wait,
    **{verb: _plain_read for verb in _PLAIN_READS},
    **{verb: _reads_with_files for verb in _RESOURCE_READS},
    "scale": _scale,
    "rollout restart": _rollout_restart,
    **{f"rollout {v}": _write for v in ("undo", "pause", "resume")},
    "set image": _set_image,
    "set resources": _set_resources,
    "label": _labels,
    "annotate": _labels,
    "patch": _patch,
    "autoscale": _autoscale,
    "expose": _write,
    "apply": _manifest_write,
    "create": _manifest_write,
    "replace": _manifest_write,
    "delete": _delete,
    "cordon": _node_write,
    "uncordon": _node_write,
    "drain": _drain,
    "taint": _taint,
    "run": _run,
    **{f"create {k}": _create_kind(k) for k in (
        "namespace", "configmap", "deployment", "job", "cronjob", "serviceaccount", "role", "clusterrole",
        "rolebinding", "clusterrolebinding", "quota", "priorityclass", "poddisruptionbudget", "ingress")},
    **{f"create secret {k}": _create_kind(f"secret {k}") for k in ("generic", "tls", "docker-registry")},
    **{f"create service {k}": _create_kind("service") for k in ("clusterip", "nodeport", "loadbalancer",
                                                                "externalname")},
}


def kubectl_action(args: Sequence[str], ctx: PolicyContext) -> Action:
    """``args`` is argv without the binary."""
    if not args:
        raise Refusal("kubectl was given no command")
    parsed = parse(args, ROOT, GLOBAL_FLAGS)
    verb = parsed.command.name
    if parsed.command.denied is not None:
        raise Refusal(parsed.command.denied, verb=verb)
    check_global_flags(parsed, ctx)
    if (parsed.command.children and verb not in HANDLERS) or not verb:
        if parsed.positionals:
            where = f"kubectl {verb} {parsed.positionals[0]}" if verb else f"kubectl {parsed.positionals[0]}"
            raise Refusal(f"{where} is not a command the policy knows, so it is denied", verb=verb)
        if not parsed.enabled("help"):
            raise Refusal(f"kubectl {verb} needs a subcommand" if verb else "kubectl was given no command", verb=verb)
    if parsed.after_dashdash is not None and verb not in _COMMAND_AFTER_DASHDASH:
        # kubectl hands arguments after `--` to the command like any other: `get -o yaml -- secret x`
        # reads a Secret. Only run and create deployment/job/cronjob treat them as a container command.
        parsed.positionals += parsed.after_dashdash
        parsed.after_dashdash = None
    if parsed.enabled("help"):
        # cobra prints help and runs nothing when -h/--help comes before `--`. Denied commands, unknown
        # flags and overriding flags were refused above all the same.
        return Action("kubectl", f"{verb} --help".strip(), Risk.READ, ctx.namespace)
    return HANDLERS[verb](parsed, ctx)
