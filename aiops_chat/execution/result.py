"""The structured outcome of one command: what a model, a UI and the audit log all read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiops_chat.cluster_problems import Diagnosis, classify
from aiops_chat.policy import Verdict


def unreachable_line(text: str) -> str | None:
    """Why the cluster could not be used, when the text (kubectl's or helm's stderr, an error message) says
    so; None for a failure of one request (a missing object, an RBAC refusal of one resource)."""
    found = classify(text)
    return found.message if found is not None and found.cluster_wide else None


class Status(StrEnum):
    """How a command ended. Callers branch on this, never on the wording of ``error``."""

    RAN = "ran"  # ran to its end with exit code 0
    FAILED = "failed"  # ran to its end with another exit code
    DENIED = "denied"  # the policy refused it; nothing started
    DECLINED = "declined"  # it needed a yes and did not get one (a person said no, or nobody was there)
    CHANGED = "changed"  # approved, but judged differently when about to run; refused
    DRY_RUN = "dry_run"  # not run on purpose
    NOT_FOUND = "not_found"  # the binary is not on PATH
    CANNOT_START = "cannot_start"  # the operating system would not start it
    TIMED_OUT = "timed_out"  # started, and its whole process group was killed at the time limit

    @property
    def executed(self) -> bool:
        """Whether the process ran to an end (a timed-out run did not)."""
        return self in (Status.RAN, Status.FAILED)

    @property
    def refused(self) -> bool:
        """Whether aiops refused it before it started (policy, approval, a change after approval)."""
        return self in (Status.DENIED, Status.DECLINED, Status.CHANGED)


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]  # as the caller asked, binary first, without the pinned flags
    verdict: Verdict
    status: Status
    exit_code: int | None = None
    stdout: str = ""  # redacted and capped
    stderr: str = ""  # redacted and capped
    duration_s: float = 0.0
    truncated: bool = False
    error: str | None = None  # why it did not run, or a timeout
    approver: str | None = None
    pinned_argv: tuple[str, ...] = ()  # what actually ran
    # Why kubectl/helm could not use the cluster (the kubeconfig, the credentials, the network), when they failed.
    diagnosis: Diagnosis | None = None

    @property
    def executed(self) -> bool:
        return self.status.executed

    @property
    def ok(self) -> bool:
        return self.status is Status.RAN

    @property
    def unreachable(self) -> str | None:
        """Why the cluster could not be reached, when that is why the command failed."""
        if self.ok or not self.executed:
            return None
        if self.diagnosis is not None:
            return self.diagnosis.message if self.diagnosis.cluster_wide else None
        return unreachable_line(self.stderr)

    def to_dict(self) -> dict[str, Any]:
        return {
            "argv": list(self.argv),
            "decision": self.verdict.decision.value,
            "risk": self.verdict.risk.value,
            "reason": self.verdict.reason,
            "status": self.status.value,
            "executed": self.executed,
            "exit_code": self.exit_code,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "duration_s": round(self.duration_s, 3),
            "truncated": self.truncated,
            "error": self.error,
            "approver": self.approver,
        }
