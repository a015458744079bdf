"""The TUI's Approver: the core asks from its worker thread, the user answers in a modal.

The worker blocks until the answer; the UI thread never waits. Who said yes or no goes back in the
ApprovalResult, and the executor writes it to the audit log (this module never writes audit entries).
Pure UI: the executor computes the server's preview of the write before it asks (ShowsPreview).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiops_chat.execution.approval import ApprovalResult, confirmation_word
from aiops_chat.policy import Risk
from aiops_chat.tui.screens.approval import ApprovalModal, ApprovalRequest

if TYPE_CHECKING:
    from textual.app import App

    from aiops_chat.policy import Verdict


class TuiApprover:
    def __init__(self, user: str) -> None:
        self.user = user
        self._app: App[Any] | None = None
        self._lock = threading.Lock()
        self._waiting: list[threading.Event] = []
        self._closed = False
        # Told on the UI thread when a dialog opens and when it is answered, so the command's card can say
        # "waiting for approval" rather than "running".
        self.on_waiting: Callable[[Sequence[str]], None] | None = None
        self.on_answer: Callable[[Sequence[str], bool], None] | None = None

    def attach(self, app: App[Any]) -> None:
        self._app = app

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        return self.ask_with_preview(verdict, argv, None)

    def ask_with_preview(self, verdict: Verdict, argv: Sequence[str], preview: str | None) -> ApprovalResult:
        app = self._app
        if app is None or self._closed:
            return ApprovalResult(False, "none", "the chat window is closed")
        word = confirmation_word(argv) if verdict.risk is Risk.DESTRUCTIVE else None
        request = ApprovalRequest(tuple(argv), verdict.risk.value, verdict.reason, preview, word)
        answered = threading.Event()
        answer: list[bool] = []

        def record(approved: bool | None) -> None:
            answer.append(bool(approved))
            answered.set()
            if self.on_answer is not None:
                self.on_answer(request.argv, bool(approved))

        def ask() -> None:
            app.push_screen(ApprovalModal(request), record)
            if self.on_waiting is not None:
                self.on_waiting(request.argv)

        with self._lock:
            self._waiting.append(answered)
        try:
            app.call_from_thread(ask)
            answered.wait()
        except RuntimeError:  # the app stopped between the check and the call: nobody can approve
            pass
        finally:
            with self._lock:
                self._waiting.remove(answered)
        approved = bool(answer and answer[0])
        note = "" if approved else "the user refused in aiops chat"
        if not answer:
            note = "the chat was closed or the turn cancelled before an answer"
        return ApprovalResult(approved, f"user:{self.user}", note)

    def release(self) -> None:
        """Unblock every waiting worker with a refusal (cancel or exit); the modal is dismissed by the UI."""
        with self._lock:
            waiting = list(self._waiting)
        for event in waiting:
            event.set()

    def close(self) -> None:
        self._closed = True
        self.release()
