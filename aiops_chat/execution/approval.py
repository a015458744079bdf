"""Approval is a hook the front end supplies; the executor asks it, never decides by itself.

An approver is pure UI: everything it shows (the argv, the verdict, the server's preview of the change) is
computed by the executor before it is asked; it only returns a person's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiops_chat.policy import Risk, Verdict


@dataclass(frozen=True)
class ApprovalResult:
    approved: bool
    approver: str  # who said yes or no: "user:alice", "auto:--yes", "tier:auto", "policy"
    note: str = ""


class Approver(Protocol):
    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult: ...


@runtime_checkable
class ShowsPreview(Protocol):
    """An approver that shows a person what the write would change. The executor runs the server's dry run
    (or diff) first, as a read through its own pipeline, and asks with the text (None: no preview exists)."""

    def ask_with_preview(self, verdict: Verdict, argv: Sequence[str], preview: str | None) -> ApprovalResult: ...


class DenyAll:
    """For non-interactive runs: every write is proposed, none is run."""

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        return ApprovalResult(False, "none", "no one was there to approve (no terminal and no --yes)")


class ApproveWrites:
    """`--yes`: approves writes, but never a destructive action, which needs a person typing its name."""

    def __init__(self, fallback: Approver | None = None, name: str = "auto:--yes") -> None:
        self.fallback = fallback
        self.name = name

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        if verdict.risk is Risk.DESTRUCTIVE:
            if self.fallback is not None:
                return self.fallback(verdict, argv)
            return ApprovalResult(False, "none", "destructive actions need an interactive confirmation")
        return ApprovalResult(True, self.name)


def confirmation_word(argv: Sequence[str]) -> str:
    """What a person must type to confirm a destructive action: the one object it names, else the verb
    (`delete -f dir/`, `delete -l app=x`). Never empty: an empty word would let a bare Enter approve."""
    from aiops_chat.policy.targets import named_objects

    verb, names = named_objects(argv)
    if len(names) == 1 and names[0]:
        return names[0]
    return verb.split()[-1] if verb else "confirm"
