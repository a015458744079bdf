"""The slice of the core's chat session the TUI drives, as a Protocol.

Coding against this rather than the concrete class keeps the app buildable with any session whose
behaviour a test scripts, and documents exactly what the front end relies on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from aiops_chat.execution.approval import Approver

EventSink = Callable[[Any], None]


class StatusLike(Protocol):
    @property
    def context(self) -> str | None: ...
    @property
    def namespace(self) -> str: ...
    @property
    def tier(self) -> Any: ...  # policy Tier (a StrEnum) or its value
    @property
    def model(self) -> str | None: ...  # None means no LLM: offline
    @property
    def mode(self) -> str: ...
    @property
    def tokens_used(self) -> int: ...


class SessionLike(Protocol):
    history: list[dict[str, Any]]
    executed: list[Any]

    def ask(self, text: str, *, on_event: EventSink = ..., cancel: threading.Event | None = None) -> Any: ...
    def set_context(self, name: str) -> None: ...
    def set_namespace(self, ns: str) -> None: ...
    def set_model(self, name: str) -> None: ...
    def clear(self) -> None: ...

    @property
    def status(self) -> StatusLike: ...


SessionFactory = Callable[[Approver], SessionLike]
