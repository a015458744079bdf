"""The slice of the core's chat session the TUI drives, as a Protocol.

Coding against this rather than the concrete class keeps the app buildable with any session whose
behaviour a test scripts, and documents exactly what the front end relies on. The types are the core's
own (Tier, TurnMode, CommandResult, the SessionEvent union): nothing crosses as a bare string or Any.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from aiops_chat.agent.events import EventSink, TurnFinished, TurnMode
from aiops_chat.execution.approval import Approver
from aiops_chat.execution.result import CommandResult
from aiops_chat.policy import Tier

__all__ = ["EventSink", "SessionFactory", "SessionLike", "StatusLike"]


class StatusLike(Protocol):
    @property
    def context(self) -> str | None: ...
    @property
    def namespace(self) -> str: ...
    @property
    def tier(self) -> Tier: ...
    @property
    def model(self) -> str | None: ...  # None means no LLM: offline
    @property
    def mode(self) -> TurnMode: ...
    @property
    def tokens_used(self) -> int: ...
    @property
    def session_id(self) -> str | None: ...  # the saved conversation, when one is saved


class SessionLike(Protocol):
    executed: list[CommandResult]

    def ask(self, text: str, *, on_event: EventSink = ...,
            cancel: threading.Event | None = None) -> TurnFinished: ...
    def set_context(self, name: str) -> None: ...
    def set_namespace(self, ns: str) -> None: ...
    def set_model(self, name: str) -> None: ...
    def clear(self) -> None: ...
    def saved_sessions(self) -> list[str]: ...
    def switch_session(self, given: str) -> None: ...

    @property
    def status(self) -> StatusLike: ...


SessionFactory = Callable[[Approver], SessionLike]
