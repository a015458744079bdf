"""Messages the TUI's widgets and screens post to each other: small dataclasses, one per fact."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class EventsReady(Message):
    """The session's worker queued events; the chat screen should drain the bridge."""


@dataclass
class SessionReady(Message):
    """The session finished building (or failed to: the app's session property then raises)."""


@dataclass
class PromptSubmitted(Message):
    """The user pressed enter in the prompt."""

    text: str


