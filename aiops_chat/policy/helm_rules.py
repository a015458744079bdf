"""helm: from a parsed command line to an :class:`Action` (or a refusal).

Charts come from a local path under the working directory or `<repo>/<chart>` with the repository named
in the configuration's helm_repos; never a URL, `oci://` included. Values files follow the same rule.
install/upgrade/rollback/test are writes; uninstall (and upgrade or rollback with --force, which replaces
objects) is destructive. `repo update` is a write (it only refreshes the local index, but changes what
later installs fetch), `repo add/remove` are refused. A server-side dry run (`--dry-run=server`) stays a
write: it lets chart `lookup` calls read live objects, Secrets included, into the printed manifests.

What a release holds is judged per command (issue 9 item 2):
- `helm get values` and `helm get all` print the values a release was installed with, where charts take
  passwords and keys, and `get all --template` can re-encode anything (urlquery, printf "%x", b64enc) past
  redaction: both are denied. `get manifest`, `get hooks`, `get notes`, `get metadata` stay reads (their
  Secret objects are masked by redaction as in `kubectl get -o yaml`).
- `helm status -o json|yaml` prints the whole release, values and manifest included: denied; the table is not.
- `helm upgrade --debug` and `upgrade -o json|yaml` print the release's values, which helm takes from the
  stored release when none are given (or with --reuse-values): denied unless `--reset-values` (and no
  reuse flag) makes them the values given here. `install` prints only values given here, so it keeps both.
- A local chart (directory or archive) is walked as helm loads it: a link leading out of the working
  directory is refused. A chart (or -f/--set value) that mentions `lookup` makes install/upgrade, whenever
  it renders against the cluster, destructive, with the file named in the reason the approval prompt shows.
  Charts from configured repositories cannot be inspected before helm downloads them: they are trusted as
  the repository is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from aiops_chat.policy.action import Action, effective_namespace
from aiops_chat.policy.grammar import Parsed, parse
from aiops_chat.policy.helm_chart import chart_files, lookup_in_chart, lookup_in_text
from aiops_chat.policy.helm_tree import GLOBAL_FLAGS, ROOT
from aiops_chat.policy.paths import resolve_inside
from aiops_chat.policy.refusal import Refusal
from aiops_chat.policy.tokens import is_url
from aiops_chat.policy.types import PolicyContext, Risk

Handler = Callable[[Parsed, PolicyContext], Action]

_OVERRIDE_FLAGS = frozenset({
    "kube-apiserver", "kube-as-group", "kube-as-user", "kube-ca-file", "kube-context",
    "kube-insecure-skip-tls-verify", "kube-tls-server-name", "kube-token", "kubeconfig",
})
_CONFIG_FLAGS = frozenset({"registry-config", "repository-cache", "repository-config"})
_SOURCE_FLAGS = frozenset({"repo", "ca-file", "cert-file", "key-file", "keyring", "username", "password",
                           "pass-credentials", "insecure-skip-tls-verify", "plain-http"})
_FLAG_REASONS = {
    "post-renderer": "--post-renderer runs a local program on the rendered manifests",
    "post-renderer-args": "--post-renderer-args feeds a local post-renderer program",
    "set-file": "--set-file reads files from this machine into values",
    "dependency-update": "--dependency-update downloads charts from anywhere a Chart.yaml points",
    "output-dir": "--output-dir writes files on this machine",
}


def _check_flags(parsed: Parsed, ctx: PolicyContext) -> None:
    for name in parsed.names():
        if name == "kube-context" and ctx.context is not None and set(parsed.values(name)) == {ctx.context}:
            continue  # the session's own context, which the executor pins anyway
        if name in _OVERRIDE_FLAGS:
            raise Refusal(f"--{name} would override the cluster, credentials or identity the session pins; "
                          "it is never allowed")
        if name in _CONFIG_FLAGS:
            raise Refusal(f"--{name} points helm at another repository or registry configuration; it is not allowed")
        if name in _SOURCE_FLAGS:
            raise Refusal(f"--{name} sets where or how charts are downloaded; only configured repositories "
                          "(policy.helm_repos) and local charts are allowed")
        if name in _FLAG_REASONS:
            raise Refusal(f"{_FLAG_REASONS[name]}; it is never allowed")


def _check_chart(ref: str, ctx: PolicyContext) -> bool:
    """Whether the chart is local (checked file by file); a repository chart must come from a configured one."""
    if is_url(ref):
        raise Refusal(f"the chart {ref} is a URL; only local charts under the working directory or "
                      "<repo>/<chart> from configured repositories are allowed")
    # helm tries a local path first (relative to its working directory, where the executor starts it).
    if ref.startswith(("/", ".", "~")) or os.path.lexists(os.path.join(str(ctx.workdir), ref)):
        chart_files(ref, ctx.workdir)
        return True
    repo, sep, chart = ref.partition("/")
    if not sep or not chart or "/" in chart:
        raise Refusal(f"the chart {ref} is neither a local path under the working directory nor <repo>/<chart>")
    if repo not in ctx.helm_repos:
        raise Refusal(f"the chart repository {repo} is not one the configuration allows (policy.helm_repos)")
    return False


def _check_values(parsed: Parsed, ctx: PolicyContext) -> list[str]:
    """The values files' real paths, each under the working directory."""
    files: list[str] = []
    for value in parsed.values("values"):
        for part in value.split(","):  # a string slice: pflag splits on commas
            if part != "-":
                files.append(resolve_inside(part, ctx.workdir, "the values file"))
    return files


_SET_FLAGS = ("set", "set-string", "set-json", "set-literal")


def _lookup_source(parsed: Parsed, ctx: PolicyContext, chart: str, local: bool, values: list[str]) -> str | None:
    """Where a `lookup` call would come from: a local chart's file, a values file, or a --set value."""
    hit = lookup_in_chart(chart, ctx.workdir) if local else None
    if hit:
        return f"the chart's {hit}"
    for path in values:
        try:
            with open(path, "rb") as handle:
                if lookup_in_text(handle.read(4 * 1024 * 1024).decode("utf-8", "replace")):
                    return f"the values file {os.path.basename(path)}"
        except OSError:
            continue
    for flag in _SET_FLAGS:
        if any(lookup_in_text(v) for v in parsed.values(flag)):
            return f"a --{flag} value"
    return None


def _prints_release(parsed: Parsed) -> str | None:
    """`-o json|yaml` prints the whole release object: values and manifest."""
    fmt = (parsed.last("output") or "table").strip().lower()
    return fmt if fmt != "table" else None


def _action(parsed: Parsed, ctx: PolicyContext, risk: Risk, *, dry: bool = False, namespaced: bool = True) -> Action:
    return Action("helm", parsed.command.name, risk, effective_namespace(parsed, ctx), namespaced=namespaced,
                  dry_run=dry, all_namespaces=parsed.enabled("all-namespaces"))


def _optional_dry_run(parsed: Parsed) -> bool:
    """install/upgrade/template: bare `--dry-run` means client; `server` is not treated as a dry run."""
    occurrences = [v for n, v in parsed.flags if n == "dry-run"]
    return bool(occurrences) and occurrences[-1] in (None, "client", "true")


def _release_count(parsed: Parsed, low: int, high: int, what: str) -> None:
    if not low <= len(parsed.positionals) <= high:
        raise Refusal(f"helm {parsed.command.name} takes {what}")


def _read(parsed: Parsed, ctx: PolicyContext) -> Action:
    return _action(parsed, ctx, Risk.READ)


def _check_offline_render(parsed: Parsed) -> None:
    """template renders as a dry run whatever `--dry-run` says; only client/true keep it off the cluster.

    helm (3.18 install.go) lets chart `lookup` calls read live objects when the dry-run option is server,
    none or false, so `helm template --dry-run=server` would print live Secret data into the manifests.
    """
    occurrences = [v for n, v in parsed.flags if n == "dry-run"]
    if occurrences and occurrences[-1] not in (None, "client", "true"):
        raise Refusal(f"helm {parsed.command.name} --dry-run={occurrences[-1]} lets chart lookups read live "
                      "objects, Secrets included, into the output; render with --dry-run=client or without "
                      "--dry-run")


def _chart_read(parsed: Parsed, ctx: PolicyContext) -> Action:
    """show/template: render or describe a chart without touching the cluster."""
    _release_count(parsed, 1, 2 if parsed.command.name == "template" else 1, "a chart (and for template a name)")
    _check_offline_render(parsed)
    _check_chart(parsed.positionals[-1], ctx)
    _check_values(parsed, ctx)
    return _action(parsed, ctx, Risk.READ)


def _local_paths(parsed: Parsed, ctx: PolicyContext) -> Action:
    """lint / dependency list: local chart directories only."""
    for path in parsed.positionals:
        chart_files(path, ctx.workdir)
    _check_values(parsed, ctx)
    return _action(parsed, ctx, Risk.READ)


def _install(parsed: Parsed, ctx: PolicyContext) -> Action:
    generated = parsed.enabled("generate-name")
    upgrade = parsed.command.name == "upgrade"
    if upgrade:
        _release_count(parsed, 2, 2, "a release name and a chart")
    elif generated:
        _release_count(parsed, 1, 1, "only a chart with --generate-name")
    else:
        _release_count(parsed, 2, 2, "a release name and a chart")
    chart = parsed.positionals[-1]
    local = _check_chart(chart, ctx)
    values = _check_values(parsed, ctx)
    stored_values = not parsed.enabled("reset-values") or parsed.enabled("reuse-values") \
        or parsed.enabled("reset-then-reuse-values")
    if upgrade and stored_values and (parsed.enabled("debug") or _prints_release(parsed)):
        shown = "--debug" if parsed.enabled("debug") else f"-o {_prints_release(parsed)}"
        raise Refusal(f"helm upgrade {shown} prints the release's values, which helm takes from the stored "
                      "release when none are given (or with --reuse-values), and charts keep passwords there; "
                      f"run it without {shown}, or with --reset-values to print only the values given here")
    risk = Risk.DESTRUCTIVE if parsed.enabled("force") else Risk.WRITE
    action = _action(parsed, ctx, risk, dry=_optional_dry_run(parsed))
    if not action.dry_run:  # rendered against the cluster: lookup reads live objects
        source = _lookup_source(parsed, ctx, chart, local, values)
        if source:
            action = action.destructive(f"{source} calls lookup, which reads live objects, Secrets included, "
                                        "into the release and its printed notes")
    return action


def _status(parsed: Parsed, ctx: PolicyContext) -> Action:
    shown = _prints_release(parsed)
    if shown:
        raise Refusal(f"helm status -o {shown} prints the whole release, its values and manifest included, where "
                      "charts keep passwords; use helm status without -o (or helm get manifest)")
    return _read(parsed, ctx)


def _release_values(parsed: Parsed, ctx: PolicyContext) -> Action:
    if parsed.command.name == "get all" and parsed.has("template"):
        raise Refusal("helm get all --template can re-encode the release (urlquery, printf, b64enc) past "
                      "redaction; it is not allowed")
    raise Refusal(f"helm {parsed.command.name} prints the values the release was installed with, where charts "
                  "keep passwords and keys; use helm get manifest, helm get notes or helm get metadata, and "
                  "helm show values CHART for the chart's defaults")


def _rollback(parsed: Parsed, ctx: PolicyContext) -> Action:
    _release_count(parsed, 1, 2, "a release name and optionally a revision")
    risk = Risk.DESTRUCTIVE if parsed.enabled("force") else Risk.WRITE
    return _action(parsed, ctx, risk, dry=parsed.enabled("dry-run"))


def _uninstall(parsed: Parsed, ctx: PolicyContext) -> Action:
    _release_count(parsed, 1, 64, "one or more release names")
    return _action(parsed, ctx, Risk.DESTRUCTIVE, dry=parsed.enabled("dry-run"))


def _test(parsed: Parsed, ctx: PolicyContext) -> Action:
    _release_count(parsed, 1, 1, "a release name")
    return _action(parsed, ctx, Risk.WRITE)


def _repo_update(parsed: Parsed, ctx: PolicyContext) -> Action:
    for repo in parsed.positionals:
        if repo not in ctx.helm_repos:
            raise Refusal(f"the chart repository {repo} is not one the configuration allows (policy.helm_repos)")
    return _action(parsed, ctx, Risk.WRITE, namespaced=False)


HANDLERS: dict[str, Handler] = {
    **{verb: _read for verb in ("list", "history", "version", "env", "repo list", "search repo",
                                *(f"get {s}" for s in ("hooks", "manifest", "notes", "metadata")))},
    "status": _status,
    "get values": _release_values,
    "get all": _release_values,
    **{f"show {s}": _chart_read for s in ("all", "chart", "readme", "values", "crds")},
    "template": _chart_read,
    "lint": _local_paths,
    "dependency list": _local_paths,
    "install": _install,
    "upgrade": _install,
    "rollback": _rollback,
    "uninstall": _uninstall,
    "test": _test,
    "repo update": _repo_update,
}


def helm_action(args: Sequence[str], ctx: PolicyContext) -> Action:
    if not args:
        raise Refusal("helm was given no command")
    parsed = parse(args, ROOT, GLOBAL_FLAGS)
    verb = parsed.command.name
    if parsed.command.denied is not None:
        raise Refusal(parsed.command.denied, verb=verb)
    _check_flags(parsed, ctx)
    if parsed.after_dashdash:
        raise Refusal("arguments after -- are not something helm commands take here; it is denied", verb=verb)
    handler = HANDLERS.get(verb)
    if handler is None:
        if parsed.enabled("help") and not parsed.positionals:
            return Action("helm", f"{verb} --help".strip(), Risk.READ, ctx.namespace)
        if parsed.positionals:
            what = " ".join(w for w in ("helm", verb, parsed.positionals[0]) if w)
            raise Refusal(f"{what} is not a command the policy knows, so it is denied", verb=verb)
        raise Refusal(f"helm {verb} needs a subcommand" if verb else "helm was given no command", verb=verb)
    if parsed.enabled("help"):
        # cobra prints help and runs nothing; denied commands and overriding flags were refused above.
        return Action("helm", f"{verb} --help", Risk.READ, ctx.namespace)
    return handler(parsed, ctx)
