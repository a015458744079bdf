"""The objects a command names, read with the same grammar the policy judges it by."""

from __future__ import annotations

from collections.abc import Sequence

from aiops_chat.policy import helm_tree, kubectl_tree
from aiops_chat.policy.grammar import parse
from aiops_chat.policy.refusal import Refusal

_NODE_VERBS = frozenset({"drain", "cordon", "uncordon"})  # their first word is a node, not a kind
_SPEC_VERBS = frozenset({"label", "annotate", "taint", "set"})  # `key=value` / `container=image` after the objects
_TREES = {"kubectl": (kubectl_tree.ROOT, kubectl_tree.GLOBAL_FLAGS), "helm": (helm_tree.ROOT, helm_tree.GLOBAL_FLAGS)}


def single_target(argv: Sequence[str]) -> tuple[str, str] | None:
    """(kind, name) when a kubectl command names exactly one object, `x/y` or `x y`; else None."""
    tree = _TREES.get(argv[0]) if argv else None
    if tree is None or argv[0] != "kubectl":
        return None
    try:
        parsed = parse(list(argv[1:]), *tree)
    except Refusal:
        return None
    words = parsed.positionals
    if len(words) == 1 and words[0].count("/") == 1 and all(words[0].split("/")):
        kind, name = words[0].split("/")
        return kind, name
    if len(words) == 2 and "/" not in words[0] + words[1]:
        return words[0], words[1]
    return None


def named_objects(argv: Sequence[str]) -> tuple[str, list[str]]:
    """(the command path, e.g. "delete", and the names it acts on, without kinds); ("", []) if unparsable.

    `kubectl delete pod/x`, `kubectl delete pod x` and `helm uninstall x` all name "x"; a command that
    selects by file, label or --all names nothing.
    """
    tree = _TREES.get(argv[0]) if argv else None
    if tree is None:
        return "", []
    try:
        parsed = parse(list(argv[1:]), *tree)
    except Refusal:
        return "", []
    words = list(parsed.positionals)
    if argv[0] == "kubectl" and words and "/" not in words[0] and parsed.path[0] not in _NODE_VERBS:
        words = words[1:]  # `delete pod x y`: the first word is the kind
    if argv[0] == "helm" and parsed.path[:1] in (("install",), ("upgrade",)) and not parsed.enabled("generate-name"):
        words = words[:1]  # `install web ./chart`: the release is what a person names, not the chart path
    if argv[0] == "kubectl" and parsed.path[0] in _SPEC_VERBS:
        # `label pods --all app=x`, `taint nodes n1 k=v:NoExecute`: the specs are not objects to name.
        words = [w for w in words if "=" not in w and ":" not in w and not w.endswith("-")]
    return " ".join(parsed.path), [w.split("/", 1)[1] if "/" in w else w for w in words if w.strip("/")]
