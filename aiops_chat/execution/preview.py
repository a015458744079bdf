"""What a write would do, asked of the server before anyone approves it.

`kubectl diff` where a manifest is applied, otherwise the server-side dry run of the same command. Both
are reads to the policy, so a preview never needs approval and never changes the cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiops_chat.execution.result import CommandResult

_KUBECTL_MANIFEST_VERBS = {"apply", "create", "replace"}
_KUBECTL_DRY_RUN_VERBS = {"set", "label", "annotate", "patch", "rollout", "delete", "autoscale",
                          "cordon", "uncordon", "taint", "expose", "create", "apply", "replace"}
_KUBECTL_NO_YAML = {"delete", "cordon", "uncordon", "rollout"}
# Of `rollout`'s subcommands only undo has --dry-run; restart, pause and resume would fail as an unknown flag
# (the policy denies it first, and the approval showed "no preview: denied by policy").
_ROLLOUT_DRY_RUN = {"undo"}
_HELM_DRY_RUN_VERBS = {"install", "upgrade", "uninstall", "rollback"}


def preview_argv(argv: Sequence[str]) -> list[str] | None:
    """The read-only command that shows what ``argv`` would change, or None when there is none."""
    # After `--` kubectl reads every word as a name, so an appended --dry-run would not be a flag.
    if len(argv) < 2 or "--" in argv or any(a.startswith("--dry-run") for a in argv):
        return None
    binary, words = argv[0], [a for a in argv[1:] if not a.startswith("-")]
    verb = words[0] if words else ""
    if binary == "kubectl":
        if verb == "scale":
            return _scale_preview(argv)
        if verb in _KUBECTL_MANIFEST_VERBS and ("-f" in argv or any(a.startswith(("--filename", "-f=")) for a in argv)):
            return ["kubectl", "diff", *_manifest_flags(argv)]
        if verb == "rollout" and not set(words[1:2]) & _ROLLOUT_DRY_RUN:
            return None
        if verb in _KUBECTL_DRY_RUN_VERBS:
            extra = ["--dry-run=server"] if verb in _KUBECTL_NO_YAML else ["--dry-run=server", "-o", "yaml"]
            return [*argv, *extra]
        return None
    if binary == "helm" and verb in _HELM_DRY_RUN_VERBS:
        return [*argv, "--dry-run"]
    return None


def _scale_preview(argv: Sequence[str]) -> list[str] | None:
    """`kubectl scale -o yaml` prints the object it read before scaling, so the dry run of the same change
    as a patch of spec.replicas is what shows the count a person is asked to approve."""
    from aiops_chat.policy.targets import single_target

    target = single_target(argv)
    replicas = [a.split("=", 1)[1] for a in argv if a.startswith("--replicas=")]
    replicas += [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--replicas"]
    if target is None or len(replicas) != 1 or not replicas[0].isdigit():
        return None
    kind, name = target
    return ["kubectl", "patch", f"{kind}/{name}", "--type=merge", "-p", f'{{"spec":{{"replicas":{int(replicas[0])}}}}}',
            "--dry-run=server", "-o", "yaml"]


def _manifest_flags(argv: Sequence[str]) -> list[str]:
    out: list[str] = []
    it = iter(range(len(argv)))
    for i in it:
        arg = argv[i]
        if arg in ("-f", "--filename", "-k", "--kustomize") and i + 1 < len(argv):
            out += [arg, argv[i + 1]]
            next(it, None)
        elif arg.startswith(("--filename=", "-f=", "--kustomize=")) or arg in ("-R", "--recursive"):
            out.append(arg)
    return out


def describe_preview(result: CommandResult) -> str:
    """What a person reads in an approval: the preview's output, or why there is none."""
    if not result.executed:
        return f"(no preview: {result.error})"
    # `kubectl diff` exits 1 when there are differences: its stdout is the answer, not a failure.
    if result.stdout.strip():
        return result.stdout.rstrip()
    if result.exit_code != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return f"(no preview: {lines[-1].strip() if lines else f'exit {result.exit_code}'})"
    return "(the server reports no change)"
