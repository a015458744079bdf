"""The structured outcome of one command: what a model, a UI and the audit log all read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiops_chat.policy import Verdict


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]  # as the caller asked, binary first, without the pinned flags
    verdict: Verdict
    executed: bool
    exit_code: int | None = None
    stdout: str = ""  # redacted and capped
    stderr: str = ""  # redacted and capped
    duration_s: float = 0.0
    truncated: bool = False
    error: str | None = None  # why it did not run, or a timeout
    approver: str | None = None
    pinned_argv: tuple[str, ...] = ()  # what actually ran

    @property
    def ok(self) -> bool:
        return self.executed and self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "argv": list(self.argv),
            "decision": self.verdict.decision.value,
            "risk": self.verdict.risk.value,
            "reason": self.verdict.reason,
            "executed": self.executed,
            "exit_code": self.exit_code,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "duration_s": round(self.duration_s, 3),
            "truncated": self.truncated,
            "error": self.error,
            "approver": self.approver,
        }
