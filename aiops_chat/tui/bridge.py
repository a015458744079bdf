"""From the worker thread to the screen: core events queued in order, text bursts merged.

The session calls ``on_event`` from its worker thread, up to thousands of times a second while a model
streams. Posting one Textual message per token would flood the UI loop, so events go into one ordered
queue and the UI is woken once per batch; consecutive text deltas then become one append.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from aiops_chat.agent.events import SessionEvent, TextDelta, TurnFinished


@dataclass(frozen=True)
class TextRun:
    """Several consecutive ``TextDelta`` merged into one piece of Markdown."""

    text: str


@dataclass(frozen=True)
class TurnEnded:
    """The worker's last word: the turn's result, or the error that ended it."""

    result: TurnFinished | None
    error: Exception | None = None
    cancelled: bool = False


# What the screen drains: the session's events (text deltas merged into runs) and the worker's last word.
BridgeItem = SessionEvent | TextRun | TurnEnded


class EventBridge:
    def __init__(self, wake: Callable[[], object]) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._pending: list[SessionEvent | TurnEnded] = []
        self._woken = False

    def __call__(self, event: SessionEvent | TurnEnded) -> None:
        """The session's ``on_event``; also used by the worker to post :class:`TurnEnded`."""
        if isinstance(event, TurnFinished):
            return  # the worker reports the returned TurnFinished once, after every event before it
        with self._lock:
            self._pending.append(event)
            if self._woken:
                return
            self._woken = True
        self._wake()

    def drain(self) -> list[BridgeItem]:
        """Everything queued since the last drain, in order, with text runs merged."""
        with self._lock:
            items, self._pending = self._pending, []
            self._woken = False
        return merge_text(items)


def merge_text(events: list[SessionEvent | TurnEnded]) -> list[BridgeItem]:
    out: list[BridgeItem] = []
    buffer: list[str] = []
    for event in events:
        if isinstance(event, TextDelta):
            buffer.append(event.text)
            continue
        if buffer:
            out.append(TextRun("".join(buffer)))
            buffer = []
        out.append(event)
    if buffer:
        out.append(TextRun("".join(buffer)))
    return out
