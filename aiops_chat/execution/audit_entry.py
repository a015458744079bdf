"""What the executor writes to the audit log for one command: a typed entry, one shape for every path.

Two events per command at most: a ``decision`` (the verdict and who approved, "policy" for an allowed read)
and an ``execution`` when a process was started or could not be. A refused command writes only the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiops_chat.execution.result import CommandResult
from aiops_chat.policy import Decision, Risk, Verdict
from aiops_chat.redaction import redact_argv


class AuditEvent(StrEnum):
    DECISION = "decision"
    EXECUTION = "execution"


def _audit_argv(argv: Sequence[str], extra_patterns: Sequence[str]) -> list[str]:
    """The argv as stored in the log: every entry's argv passes through here and nowhere else, with secret
    values given on the command line (`--from-literal=password=...`, `--set auth.password=...`) masked."""
    return redact_argv(argv, extra_patterns)


@dataclass(frozen=True)
class AuditEntry:
    event: AuditEvent
    source: str  # which front end: "cli", "ask", "tui"
    context: str | None
    namespace: str  # the namespace the policy judged and the executor pinned, not the session's default
    request: str  # redacted
    argv: tuple[str, ...]  # as asked, binary first, without the pinned flags
    decision: Decision
    risk: Risk
    reason: str
    approver: str | None
    approved: bool | None = None  # decision events only
    guard: str | None = None  # "injection" when the injection guard refused it
    result: CommandResult | None = None  # execution events only

    @classmethod
    def of(cls, event: AuditEvent, verdict: Verdict, argv: Sequence[str], *, source: str, context: str | None,
           namespace: str, request: str, approver: str | None, approved: bool | None = None,
           guard: str | None = None, result: CommandResult | None = None) -> AuditEntry:
        return cls(event, source, context, namespace, request, tuple(argv), verdict.decision, verdict.risk,
                   verdict.reason, approver, approved, guard, result)

    def to_record(self, extra_patterns: Sequence[str] = ()) -> dict[str, Any]:
        """The JSON object the log stores (the log adds seq, time, user and the hash chain)."""
        record: dict[str, Any] = {
            "event": self.event.value,
            "source": self.source,
            "context": self.context,
            "namespace": self.namespace,
            "request": self.request,
            "argv": _audit_argv(self.argv, extra_patterns),
            "decision": self.decision.value,
            "risk": self.risk.value,
            "reason": self.reason,
            "approver": self.approver,
        }
        if self.approved is not None:
            record["approved"] = self.approved
        if self.guard is not None:
            record["guard"] = self.guard
        if self.result is not None:
            r = self.result
            record.update(status=r.status.value, exit_code=r.exit_code, duration_s=round(r.duration_s, 3),
                          executed=r.executed, error=r.error)
        return record
