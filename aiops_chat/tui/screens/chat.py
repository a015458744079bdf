"""The main screen: transcript, prompt, status bar. Turns run in a thread worker; the UI only renders.

Events from the worker arrive through the EventBridge, in order; one EventsReady message per batch keeps
a fast stream from flooding the message queue, so keys typed meanwhile are handled at once.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Label

from aiops_chat.agent.events import Notice, ToolCallFinished, ToolCallStarted
from aiops_chat.analysis.findings import Finding
from aiops_chat.errors import AiopsError
from aiops_chat.safe_text import visible
from aiops_chat.tui.bridge import EventBridge, TextRun, TurnEnded
from aiops_chat.tui.messages import EventsReady, PromptSubmitted
from aiops_chat.tui.runbook import SessionRecord, ToolEntry, write_export
from aiops_chat.tui.screens.contexts import ContextChoice, ContextPicker
from aiops_chat.tui.screens.health import HealthScreen, question_about
from aiops_chat.tui.slash import COMMANDS, help_markdown, parse_slash
from aiops_chat.tui.widgets.chat.prompt import PromptInput
from aiops_chat.tui.widgets.chat.transcript import Transcript
from aiops_chat.tui.widgets.chat.welcome import welcome_text
from aiops_chat.tui.widgets.status.status_bar import StatusBar

if TYPE_CHECKING:
    from aiops_chat.tui.app import AiopsChatApp

# Slash commands that act on the session: refused with the reason while it is starting or failed to start.
NEEDS_SESSION = frozenset({"context", "namespace", "model", "clear", "export", "sessions"})


class ChatScreen(Screen[None]):
    # Every key here is one the focused prompt (a TextArea) does not take for itself, or a priority binding
    # that wins over it on purpose (pageup/pagedown scroll the transcript; ctrl+c cancels or copies):
    # tests/tui/test_keys.py presses each one from the prompt. /help and the README list these.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "cancel_or_copy", "Cancel turn / copy selection", show=False, priority=True),
        Binding("f1", "slash('help')", "Help"),
        Binding("f2", "slash('analyze')", "Health"),
        Binding("f3", "slash('context')", "Context"),
        Binding("f4", "copy_answer", "Copy answer"),
        Binding("ctrl+o", "toggle_output", "Output"),
        Binding("ctrl+s", "slash('export')", "Export"),
        Binding("ctrl+l", "slash('clear')", "Clear"),
        Binding("ctrl+q", "slash('quit')", "Quit"),
        Binding("pageup", "scroll_transcript('up')", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_transcript('down')", "Scroll down", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bridge = EventBridge(lambda: self.post_message(EventsReady()))
        self.record = SessionRecord()
        self.cancel: threading.Event | None = None
        self._streamed = False  # whether this turn's answer arrived as text deltas
        self._tools: dict[str, ToolEntry] = {}

    @property
    def chat_app(self) -> AiopsChatApp:
        from aiops_chat.tui.app import AiopsChatApp

        assert isinstance(self.app, AiopsChatApp)
        return self.app

    @property
    def busy(self) -> bool:
        return self.cancel is not None

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")
        yield Label("new messages below ↓  (pagedown, or click here)", id="new-below")
        yield PromptInput(id="prompt")
        yield StatusBar(id="status")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one(PromptInput).focus()
        transcript = self.query_one(Transcript)
        self.watch(transcript, "new_below", self._show_new_below)
        approver = self.chat_app.approver
        approver.on_waiting, approver.on_answer = transcript.approval_asked, transcript.approval_answered
        await transcript.add_welcome(welcome_text(None, None))
        self.refresh_status()

    def _show_new_below(self, shown: bool) -> None:
        self.query_one("#new-below").display = shown

    @on(events.Click, "#new-below")
    def _jump_to_new(self) -> None:
        self.query_one(Transcript).scroll_end(animate=False)

    def refresh_status(self) -> None:
        bar = self.query_one(StatusBar)
        if not self.chat_app.session_ready:
            bar.starting()
            return
        busy = "working… (ctrl+c cancels)" if self.busy else ""
        bar.show(self.chat_app.session.status, busy=busy)

    async def session_built(self) -> None:
        transcript = self.query_one(Transcript)
        problem = self.chat_app.session_problem
        if problem is not None:
            await transcript.add_welcome(welcome_text(None, problem))
            await transcript.add_notice(problem, kind="error")
            self.query_one(StatusBar).starting(failed=True)
            return
        await transcript.add_welcome(welcome_text(self.chat_app.session.status, None))
        self.refresh_status()

    # --- input -------------------------------------------------------------------------------------------

    @on(PromptSubmitted)
    async def _submitted(self, message: PromptSubmitted) -> None:
        text = message.text
        command = parse_slash(text)
        if command is not None:
            await self.run_slash(command.name, command.arg, known=command.known)
            return
        if text.lstrip().startswith("//"):
            text = text.lstrip()[1:]
        await self.start_turn(text)

    async def start_turn(self, text: str) -> None:
        transcript = self.query_one(Transcript)
        if self.busy:
            self.query_one(PromptInput).load_text(text)
            self.notify("A turn is still running: wait for it, or press ctrl+c to cancel it.", severity="warning")
            return
        self.cancel = threading.Event()
        self._streamed = False
        self.record.add("user", text)
        await transcript.add_user(text)
        self.refresh_status()
        self.run_turn(text, self.cancel)

    @work(thread=True, exclusive=True, group="turn", exit_on_error=False)
    def run_turn(self, text: str, cancel: threading.Event) -> None:
        session = self.chat_app.session
        try:
            result = session.ask(text, on_event=self.bridge, cancel=cancel)
        except AiopsError as exc:
            self.bridge(TurnEnded(None, exc, cancelled=cancel.is_set()))
        except Exception as exc:
            # A bug in the core must not leave the prompt locked; it is shown, not hidden.
            self.bridge(TurnEnded(None, exc, cancelled=cancel.is_set()))
        else:
            self.bridge(TurnEnded(result, cancelled=cancel.is_set()))

    def action_cancel_or_copy(self) -> None:
        """ctrl+c: cancel the running turn; with none running, copy what is selected, as terminals do."""
        if self.cancel is not None:
            self.action_cancel_turn()
            return
        selected = self.get_selected_text() or self.query_one(PromptInput).selected_text
        if selected:
            self.app.copy_to_clipboard(selected)
            self.notify(f"Copied {len(selected)} characters.", timeout=2)
        else:
            self.notify("Nothing selected to copy: drag over text with the mouse first, or press f4 to copy "
                        "the last answer. ctrl+q quits.", timeout=4)

    def action_copy_answer(self) -> None:
        answer = self.record.last_answer()
        if not answer:
            self.notify("No answer to copy yet.", timeout=3)
            return
        self.app.copy_to_clipboard(answer)
        self.notify(f"Copied the last answer ({len(answer)} characters, Markdown).", timeout=2)

    def action_toggle_output(self) -> None:
        if not self.query_one(Transcript).toggle_outputs():
            self.notify("No command output to show yet.", timeout=2)

    def action_scroll_transcript(self, direction: str) -> None:
        transcript = self.query_one(Transcript)
        if direction == "up":
            transcript.scroll_page_up()
        else:
            transcript.scroll_page_down()

    def action_cancel_turn(self) -> None:
        if self.cancel is None:
            self.notify("Nothing to cancel. ctrl+q or /quit leaves.", timeout=3)
            return
        self.cancel.set()
        self.chat_app.approver.release()
        self.chat_app.dismiss_modals()
        if self.chat_app.session_ready:
            self.query_one(StatusBar).show(self.chat_app.session.status, busy="cancelling…")

    # --- events from the worker ---------------------------------------------------------------------------

    @on(EventsReady)
    async def _drain(self) -> None:
        transcript = self.query_one(Transcript)
        for event in self.bridge.drain():
            await self.apply_event(transcript, event)
        transcript.content_added()

    async def apply_event(self, transcript: Transcript, event: Any) -> None:
        if isinstance(event, TextRun):
            self._streamed = True
            self.record.append_text(event.text)
            await transcript.add_text(event.text)
        elif isinstance(event, ToolCallStarted):
            entry = ToolEntry(event.call_id, event.tool, tuple(event.argv), str(event.decision), str(event.risk),
                              event.reason)
            self._tools[event.call_id] = entry
            self.record.add("tool", tool=entry)
            await transcript.add_tool(event.call_id, event.tool, entry.argv, entry.decision, entry.risk,
                                      event.reason)
        elif isinstance(event, ToolCallFinished):
            tool_entry = self._tools.get(event.call_id)
            if tool_entry is not None:
                tool_entry.result, tool_entry.output = event.result, event.output
            transcript.finish_tool(event.call_id, event.result, event.output)
        elif isinstance(event, Notice):
            self.record.add("notice", event.text)
            await transcript.add_notice(event.text)
        elif isinstance(event, TurnEnded):
            await self.end_turn(transcript, event)

    async def end_turn(self, transcript: Transcript, ended: TurnEnded) -> None:
        await transcript.end_answer()
        self.cancel = None
        self._tools.clear()
        if ended.error is not None:
            title = getattr(ended.error, "title", type(ended.error).__name__)
            self.record.add("error", f"{title}: {ended.error}")
            await transcript.add_notice(f"{title}: {ended.error}", kind="error")
        result = ended.result
        if result is not None:
            if not self._streamed and result.answer.strip():
                self.record.add("assistant", result.answer)
                await transcript.add_markdown(result.answer)
            if result.mode != "llm":
                note = {"offline": "Answered offline by the built-in planner (no language model).",
                        "kubectl-ai": "Answered by kubectl-ai (no language model reachable)."}
                await transcript.add_notice(note.get(result.mode, f"Answered in {result.mode} mode."),
                                            kind="mode")
        if ended.cancelled:
            self.record.add("notice", "turn cancelled")
            await transcript.add_notice("Turn cancelled.", kind="notice")
        self.refresh_status()

    # --- slash commands -------------------------------------------------------------------------------------

    def action_slash(self, name: str) -> None:
        self.run_worker(self.run_slash(name, ""), group="slash")

    async def run_slash(self, name: str, arg: str, *, known: bool = True) -> None:
        transcript = self.query_one(Transcript)
        if not known or name not in COMMANDS:
            await transcript.add_notice(f"Unknown command /{name}. /help lists them.", kind="error")
            return
        if name == "quit":
            await self.chat_app.action_quit()
        elif name == "help":
            keys = [(b.key, b.description) for b in self._bindings_for_help()]
            await transcript.add_markdown(help_markdown(keys), classes="help")
        elif name == "analyze":
            self.app.push_screen(HealthScreen(self._findings), self._asked_about)
        elif name in NEEDS_SESSION and self.chat_app.session_problem is not None:
            await transcript.add_notice(visible(f"/{name} needs the session: {self.chat_app.session_problem}"),
                                        kind="error")
        elif name in ("context", "namespace", "model", "clear", "sessions") and self.busy:
            await transcript.add_notice(f"/{name} waits until the turn ends (ctrl+c cancels it).", kind="error")
        elif name == "context":
            if arg:
                await self.switch_context(arg)
            else:
                self.app.push_screen(ContextPicker(self._contexts()), self._picked_context)
        elif name == "namespace":
            await self._set("namespace", arg, self.chat_app.session.set_namespace)
        elif name == "model":
            await self._set("model", arg, self.chat_app.session.set_model)
        elif name == "clear":
            self.chat_app.session.clear()
            self.record.clear()
            await transcript.clear()
            transcript.new_below = False
            self.refresh_status()
        elif name == "export":
            await self.export(arg)
        elif name == "sessions":
            await self.sessions(arg)

    async def sessions(self, arg: str) -> None:
        transcript = self.query_one(Transcript)
        session = self.chat_app.session
        try:
            if not arg:
                lines = session.saved_sessions()
                listing = "\n".join(f"    {line}" for line in lines) or "    (none yet)"
                await transcript.add_notice(visible(f"Saved sessions, newest first (/sessions ID continues one):\n{listing}"))
                return
            session.switch_session(arg)
        except AiopsError as exc:
            await transcript.add_notice(visible(f"{exc.title}: {exc}"), kind="error")
            return
        self.record.clear()
        await transcript.clear()
        transcript.new_below = False
        status = session.status
        await transcript.add_notice(visible(
            f"Continuing session {status.session_id} on {status.context or '(no context)'}/{status.namespace}: "
            "its history goes back to the model; approvals never carry over."))
        self.refresh_status()

    def _findings(self) -> list[Finding]:
        # Runs in the health panel's worker: waits for the session, and raises what building it raised,
        # which the panel shows as a turn shows an error.
        return list(self.chat_app.findings(self.chat_app.session.status))

    def _contexts(self) -> list[ContextChoice]:
        return self.chat_app.contexts(self.chat_app.session.status.context)

    def _bindings_for_help(self) -> list[Binding]:
        return [b for b in self.BINDINGS if isinstance(b, Binding)]

    async def _set(self, what: str, arg: str, setter: Any) -> None:
        transcript = self.query_one(Transcript)
        if not arg:
            await transcript.add_notice(f"Usage: /{what} NAME", kind="error")
            return
        try:
            setter(arg)
        except AiopsError as exc:
            await transcript.add_notice(f"{exc.title}: {exc}", kind="error")
            return
        self.record.add("notice", f"{what} set to {arg}")
        await transcript.add_notice(f"{what.capitalize()} is now {arg}.")
        self.refresh_status()

    async def switch_context(self, name: str) -> None:
        transcript = self.query_one(Transcript)
        known = [c.name for c in self._contexts()]
        if name not in known:
            await transcript.add_notice(f"No context {name!r} in the kubeconfig (have: {', '.join(known) or 'none'}).",
                                        kind="error")
            return
        try:
            self.chat_app.session.set_context(name)
        except AiopsError as exc:
            await transcript.add_notice(f"{exc.title}: {exc}", kind="error")
            return
        status = self.chat_app.session.status
        tier = status.tier.value
        self.record.add("notice", f"context switched to {name} (tier {tier})")
        await transcript.add_notice(f"Context is now {name}: tier {tier}, namespace {status.namespace}.")
        self.refresh_status()

    def _picked_context(self, name: str | None) -> None:
        if name:
            self.run_worker(self.switch_context(name), group="slash")

    def _asked_about(self, finding: Finding | None) -> None:
        if finding is not None:
            self.run_worker(self.start_turn(question_about(finding)), group="slash")

    async def export(self, arg: str) -> None:
        transcript = self.query_one(Transcript)
        directory = Path(arg).expanduser() if arg else self.chat_app.export_dir
        status = self.chat_app.session.status
        try:
            md, sh = write_export(self.record, list(self.chat_app.session.executed), directory,
                                  context=status.context, namespace=status.namespace, when=datetime.now())
        except OSError as exc:
            await transcript.add_notice(f"export failed: {exc}", kind="error")
            return
        await transcript.add_notice(f"Exported the runbook to {md} and the approved commands to {sh}.")
