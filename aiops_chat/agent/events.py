"""What a turn reports while it runs: small frozen dataclasses a front end renders as they come.

They are posted from the worker thread running `ChatSession.ask`; a TUI turns each into a message for its
own thread, a CLI prints them. None of them carries SDK types; decisions, risks and modes are the core's
enums (StrEnums, so a front end may still format or compare them as text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from aiops_chat.llm.types import Usage
from aiops_chat.policy import Decision, Risk
from aiops_chat.tools.runner import PlanStep

if TYPE_CHECKING:
    from aiops_chat.execution.result import CommandResult

__all__ = ["EventSink", "Notice", "PlanStep", "SessionEvent", "TextDelta", "ToolCallFinished", "ToolCallStarted",
           "TurnFinished", "TurnMode", "Usage"]


class TurnMode(StrEnum):
    """Who answered a turn (or, in a session's status, who will try first)."""

    LLM = "llm"
    KUBECTL_AI = "kubectl-ai"
    OFFLINE = "offline"


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer as the model streams it (Markdown)."""

    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    """A tool call about to run (approval, if needed, comes after this): the policy's decision and risk, or
    "invalid" and "" when the call could not become a command (reason says why)."""

    call_id: str
    tool: str
    argv: tuple[str, ...]
    decision: Decision | Literal["invalid"]
    risk: Risk | Literal[""]
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
    mode: TurnMode = TurnMode.LLM


# Everything a session posts to its ``on_event`` sink, in order; TurnFinished is always the last.
SessionEvent = TextDelta | ToolCallStarted | ToolCallFinished | Notice | TurnFinished
EventSink = Callable[[SessionEvent], None]
