"""Running commands: policy, approval, pinning, spawning, redaction and audit, in that order."""

from aiops_chat.execution.approval import ApprovalResult, Approver, ApproveWrites, DenyAll, confirmation_word
from aiops_chat.execution.executor import Executor, Target, resolve_target
from aiops_chat.execution.result import CommandResult

__all__ = [
    "ApprovalResult",
    "ApproveWrites",
    "Approver",
    "CommandResult",
    "DenyAll",
    "Executor",
    "Target",
    "confirmation_word",
    "resolve_target",
]
