"""The chat app and its factory. Tests build it with a scripted session and fixture data; `aiops chat`
builds it with the real ChatSession, the live (or demo) health source and the user's kubeconfig.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar

from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding, BindingType

from aiops_chat.analysis.findings import Finding
from aiops_chat.tui.approver import TuiApprover
from aiops_chat.tui.messages import SessionReady
from aiops_chat.tui.screens.approval import ApprovalModal
from aiops_chat.tui.screens.chat import ChatScreen
from aiops_chat.tui.screens.contexts import ContextChoice
from aiops_chat.tui.session_api import SessionFactory, SessionLike, StatusLike

# Each provider is handed what it needs from the session when it runs, never holds on to the session.
FindingsProvider = Callable[[StatusLike], Sequence[Finding]]  # where the session points -> findings
ContextsProvider = Callable[[str | None], list[ContextChoice]]  # the session's context -> the choices


class AiopsChatApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "aiops chat"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        # Above every screen, modals included, so ctrl+c cancels a turn that waits on an approval.
        Binding("ctrl+c", "cancel_turn", "Cancel turn", show=False, priority=True),
    ]

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        findings: FindingsProvider,
        contexts: ContextsProvider,
        user: str = "user",
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.approver = TuiApprover(user)
        self.approver.attach(self)
        # Building the session loads the LLM SDK and reads the kubeconfig: it happens in a thread after the
        # first paint, so the window appears at once. Whoever needs the session first waits for it.
        self._session_factory = session_factory
        self._session: Future[SessionLike] = Future()
        self.findings = findings
        self.contexts = contexts
        self.export_dir = export_dir or Path.cwd()

    def get_default_screen(self) -> ChatScreen:
        return ChatScreen()

    def on_mount(self) -> None:
        self.call_after_refresh(self._start_session)

    def _start_session(self) -> None:
        threading.Thread(target=self._build_session, name="aiops-session", daemon=True).start()

    def _build_session(self) -> None:
        try:
            self._session.set_result(self._session_factory(self.approver))
        except BaseException as exc:  # shown by the chat screen; re-raised to whoever asks for the session
            self._session.set_exception(exc)
        self.post_message(SessionReady())

    async def on_session_ready(self, _message: SessionReady) -> None:
        # Textual, the LLM SDK and pydantic leave hundreds of thousands of long-lived objects behind. A
        # full collection walked all of them, and while an answer streams (many short-lived render objects)
        # that happened every second or so for 100-200 ms: the worst key echoes. Freezing what exists now
        # takes it out of every later collection.
        gc.freeze()
        await self.chat.session_built()

    @property
    def session_ready(self) -> bool:
        return self._session.done()

    @property
    def session(self) -> SessionLike:
        """The session; waits for it to be built and raises what building it raised. Not on the UI thread
        before `session_ready`: use `session_problem` there."""
        return self._session.result()

    @property
    def session_problem(self) -> str | None:
        """Why the session cannot be used right now (still starting, or the error that stopped it), or None."""
        if not self._session.done():
            return "the session is still starting"
        exc = self._session.exception()
        if exc is None:
            return None
        return f"{getattr(exc, 'title', type(exc).__name__)}: {exc}"

    @property
    def chat(self) -> ChatScreen:
        return next(s for s in self.screen_stack if isinstance(s, ChatScreen))

    def action_cancel_turn(self) -> None:
        if not self.chat.busy:
            # No turn to cancel: ctrl+c goes on to the screen, where it copies (the chat screen, a modal).
            raise SkipAction()
        self.chat.action_cancel_turn()

    def dismiss_modals(self) -> None:
        """Close an open approval modal (refusing), e.g. when the turn waiting on it is cancelled."""
        screen = self.screen
        if isinstance(screen, ApprovalModal):
            screen.dismiss(False)

    async def action_quit(self) -> None:
        self.approver.close()  # a worker blocked on an approval must not keep the process alive
        if self.chat.cancel is not None:
            self.chat.cancel.set()
        self.exit()

    def on_unmount(self) -> None:
        self.approver.close()


def create_app(
    session_factory: SessionFactory,
    *,
    findings: FindingsProvider,
    contexts: ContextsProvider,
    user: str = "user",
    export_dir: Path | None = None,
) -> AiopsChatApp:
    """The one way to build the app: what it talks to is passed in, nothing is looked up globally."""
    return AiopsChatApp(session_factory, findings=findings, contexts=contexts, user=user, export_dir=export_dir)
