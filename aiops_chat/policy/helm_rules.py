"""helm: from a parsed command line to an :class:`Action` (or a refusal).

Charts come from a local path under the working directory or `<repo>/<chart>` with the repository named
in the configuration's helm_repos; never a URL, `oci://` included. Values files follow the same rule.
install/upgrade/rollback/test are writes; uninstall (and upgrade or rollback with --force, which replaces
objects) is destructive. `repo update` is a write (it only refreshes the local index, but changes what
later installs fetch), `repo add/remove` are refused. A server-side dry run (`--dry-run=server`) stays a
write: it lets chart `lookup` calls read live objects, Secrets included, into the printed manifests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from aiops_chat.policy.action import Action, effective_namespace
from aiops_chat.policy.grammar import Parsed, parse
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


def _check_chart(ref: str, ctx: PolicyContext) -> None:
    if is_url(ref):
        raise Refusal(f"the chart {ref} is a URL; only local charts under the working directory or "
                      "<repo>/<chart> from configured repositories are allowed")
    # helm tries a local path first (relative to its working directory, where the executor starts it).
    if ref.startswith(("/", ".", "~")) or os.path.lexists(os.path.join(str(ctx.workdir), ref)):
        resolve_inside(ref, ctx.workdir, "the chart")
        return
    repo, sep, chart = ref.partition("/")
    if not sep or not chart or "/" in chart:
        raise Refusal(f"the chart {ref} is neither a local path under the working directory nor <repo>/<chart>")
    if repo not in ctx.helm_repos:
        raise Refusal(f"the chart repository {repo} is not one the configuration allows (policy.helm_repos)")


def _check_values(parsed: Parsed, ctx: PolicyContext) -> None:
    for value in parsed.values("values"):
        for part in value.split(","):  # a string slice: pflag splits on commas
            if part != "-":
                resolve_inside(part, ctx.workdir, "the values file")


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
        resolve_inside(path, ctx.workdir, "the chart")
    _check_values(parsed, ctx)
    return _action(parsed, ctx, Risk.READ)


def _install(parsed: Parsed, ctx: PolicyContext) -> Action:
    generated = parsed.enabled("generate-name")
    if parsed.command.name == "upgrade":
        _release_count(parsed, 2, 2, "a release name and a chart")
    elif generated:
        _release_count(parsed, 1, 1, "only a chart with --generate-name")
    else:
        _release_count(parsed, 2, 2, "a release name and a chart")
    _check_chart(parsed.positionals[-1], ctx)
    _check_values(parsed, ctx)
    risk = Risk.DESTRUCTIVE if parsed.enabled("force") else Risk.WRITE
    return _action(parsed, ctx, risk, dry=_optional_dry_run(parsed))


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
    **{verb: _read for verb in ("list", "status", "history", "version", "env", "repo list", "search repo",
                                *(f"get {s}" for s in ("all", "hooks", "manifest", "notes", "values", "metadata")))},
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
