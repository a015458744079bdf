"""Telling a person the model is being waited for, instead of a blank terminal.

Each try starts a timer; if no byte of the answer has arrived after `patience` seconds, one line says
where and which try ("waiting for the model at http://…/v1, try 1 of up to 4 (timeout 30s)"). The first byte (or
the try ending) cancels it. Retries are announced by the client itself, before their back-off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

PATIENCE_S = 5.0


class _Timer(Protocol):
    daemon: bool

    def start(self) -> None: ...

    def cancel(self) -> None: ...


TimerFactory = Callable[[float, Callable[..., Any]], _Timer]


class WaitNotice:
    def __init__(self, say: Callable[[str], None], *, patience: float = PATIENCE_S,
                 timer: TimerFactory = threading.Timer) -> None:
        self.say = say
        self.patience = patience
        self.timer = timer
        self._pending: _Timer | None = None
        self._lock = threading.Lock()

    def start(self, endpoint: str, attempt: int, tries: int, timeout: float | None = None) -> None:
        """A try begins: unless answered() comes first, say so after `patience` seconds."""
        limit = f" (timeout {timeout:g}s)" if timeout else ""
        # Before the first failure its kind is unknown (a timeout gets fewer tries): "of up to".
        of = f"of up to {tries}" if attempt == 1 else f"of {tries}"
        text = f"waiting for the model at {endpoint}, try {attempt} {of}{limit}"
        with self._lock:
            self._cancel()
            pending = self.timer(self.patience, lambda: self.say(text))
            pending.daemon = True
            self._pending = pending
        pending.start()

    def answered(self) -> None:
        """The first byte arrived (or the try ended): nothing to say."""
        with self._lock:
            self._cancel()

    def _cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
