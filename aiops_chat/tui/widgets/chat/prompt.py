"""The prompt: multi-line entry with history. Enter sends; ctrl+j or shift+enter starts a new line."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import TextArea

from aiops_chat.tui.messages import PromptSubmitted


class PromptInput(TextArea):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+j,shift+enter,alt+enter", "newline", "New line", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus", compact=True,
                         placeholder="Ask about your cluster, or type /help  (Enter sends, ctrl+j new line)")
        self.sent: list[str] = []
        self._browse: int | None = None  # index into history while browsing with up/down
        self._draft = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.submit()
            return
        await super()._on_key(event)

    def submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        if not self.sent or self.sent[-1] != text:
            self.sent.append(text)
        self._browse = None
        self.clear()
        self.post_message(PromptSubmitted(text))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_cursor_up(self, select: bool = False) -> None:
        # Up on the first line walks back through history, as in a shell; elsewhere it moves the cursor.
        if select or self.cursor_location[0] > 0 or not self.sent:
            super().action_cursor_up(select)
            return
        if self._browse is None:
            self._draft = self.text
            self._browse = len(self.sent)
        if self._browse > 0:
            self._browse -= 1
            self._show(self.sent[self._browse])

    def action_cursor_down(self, select: bool = False) -> None:
        last_row = self.document.line_count - 1
        if select or self._browse is None or self.cursor_location[0] < last_row:
            super().action_cursor_down(select)
            return
        self._browse += 1
        if self._browse >= len(self.sent):
            self._browse = None
            self._show(self._draft)
        else:
            self._show(self.sent[self._browse])

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
