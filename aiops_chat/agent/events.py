"""What a turn reports while it runs: small frozen dataclasses a front end renders as they come.

They are posted from the worker thread running `ChatSession.ask`; a TUI turns each into a message for its
own thread, a CLI prints them. None of them carries SDK types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiops_chat.llm.types import Usage
from aiops_chat.tools.runner import PlanStep

if TYPE_CHECKING:
    from aiops_chat.execution.result import CommandResult

__all__ = ["Notice", "PlanStep", "TextDelta", "ToolCallFinished", "ToolCallStarted", "TurnFinished", "Usage"]


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer as the model streams it (Markdown)."""

    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    """A tool call about to run (approval, if needed, comes after this). decision is the policy's
    "allow" | "confirm" | "deny", or "invalid" when the call could not become a command (reason says why)."""

    call_id: str
    tool: str
    argv: tuple[str, ...]
    decision: str
    risk: str
    reason: str


@dataclass(frozen=True)
class ToolCallFinished:
    call_id: str
    tool: str
    result: CommandResult | None  # None for composite tools (analyze_cluster) and invalid calls
    output: str  # the redacted text the model saw


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not part of the answer (fallbacks, limits hit)."""

    text: str


@dataclass(frozen=True)
class TurnFinished:
    answer: str
    plan: list[PlanStep] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    mode: str = "llm"  # "llm" | "kubectl-ai" | "offline"
