"""helm's command tree as far as the policy understands it, with the commands that are never allowed."""

from __future__ import annotations

from collections.abc import Sequence

from aiops_chat.policy.grammar import Command, FlagTable, tree
from aiops_chat.policy.helm_flags import HELM_FLAGS

GLOBAL_FLAGS = FlagTable.parse(HELM_FLAGS[""])

_DENIED: dict[str, str] = {
    "plugin": "helm plugin installs or runs local plugins; it is never allowed",
    "registry": "helm registry logs in to registries with credentials; it is never allowed",
    "push": "helm push uploads charts to a registry; it is not allowed",
    "pull": "helm pull downloads charts to this machine; it is not allowed",
    "fetch": "helm pull downloads charts to this machine; it is not allowed",
    "package": "helm package writes chart archives on this machine; it is not allowed",
    "create": "helm create writes a new chart on this machine; it is not allowed",
    "verify": "helm verify reads keyrings on this machine; it is not allowed",
    "completion": "helm completion sets up a shell, it does nothing in the cluster; it is not allowed",
    "help": "helm help only prints help; ask with --help instead",
    "repo add": "helm repo add changes which repositories charts come from; configure policy.helm_repos instead",
    "repo remove": "helm repo remove changes the chart repository configuration; it is not allowed",
    "repo index": "helm repo index writes repository index files; it is not allowed",
    "search hub": "helm search hub sends the query to an outside service; use helm search repo",
    "dependency update": "helm dependency update downloads charts from anywhere a Chart.yaml points; vendor them instead",
    "dependency build": "helm dependency build downloads charts from anywhere a Chart.yaml points; vendor them instead",
}


def _cmd(path: str, *children: tuple[Sequence[str], Command]) -> Command:
    return Command(path, FlagTable.parse(HELM_FLAGS.get(path, "")), tree(*children))


def _leaf(path: str, *aliases: str) -> tuple[Sequence[str], Command]:
    return (path.rsplit(" ", 1)[-1], *aliases), _cmd(path)


def _denied(path: str, *aliases: str) -> tuple[Sequence[str], Command]:
    return (path.rsplit(" ", 1)[-1], *aliases), Command(path, denied=_DENIED[path])


ROOT = Command("", children=tree(
    _leaf("list", "ls"), _leaf("status"), _leaf("history", "hist"), _leaf("template"), _leaf("lint"),
    _leaf("version"), _leaf("install"), _leaf("upgrade"), _leaf("rollback"),
    _leaf("uninstall", "del", "delete", "un"), _leaf("env"), _leaf("test"),
    (("get",), _cmd("get", *(_leaf(f"get {s}") for s in ("all", "hooks", "manifest", "notes", "values", "metadata")))),
    (("show", "inspect"), _cmd("show", *(_leaf(f"show {s}") for s in ("all", "chart", "readme", "values", "crds")))),
    (("repo",), _cmd("repo", _leaf("repo list", "ls"), _leaf("repo update", "up"), _denied("repo add"),
                     _denied("repo remove", "rm"), _denied("repo index"))),
    (("search",), _cmd("search", _leaf("search repo"), _denied("search hub"))),
    (("dependency", "dep", "dependencies"), _cmd("dependency", _leaf("dependency list", "ls"),
                                                 _denied("dependency update", "up"), _denied("dependency build"))),
    *(_denied(v) for v in ("plugin", "registry", "push", "package", "create", "verify", "completion", "help")),
    _denied("pull", "fetch"),
))
