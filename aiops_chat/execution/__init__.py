"""Running commands: one pipeline (executor.py) from the policy's decision through approval, pinning,
spawning (spawn.py, the only place a process starts), redaction and the audit entry."""

from aiops_chat.execution.approval import (
    ApprovalResult,
    Approver,
    ApproveWrites,
    DenyAll,
    ShowsPreview,
    confirmation_word,
)
from aiops_chat.execution.audit_entry import AuditEntry, AuditEvent
from aiops_chat.execution.executor import Executor, Target, resolve_target
from aiops_chat.execution.result import CommandResult, Status

__all__ = [
    "ApprovalResult",
    "ApproveWrites",
    "Approver",
    "AuditEntry",
    "AuditEvent",
    "CommandResult",
    "DenyAll",
    "Executor",
    "ShowsPreview",
    "Status",
    "Target",
    "confirmation_word",
    "resolve_target",
]
