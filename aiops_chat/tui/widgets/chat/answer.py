"""One stretch of the assistant's answer, rendered as Markdown while it streams.

A single Static holding a Rich Markdown renderable, not Textual's Markdown widget: that one mounts a
widget per paragraph and list item, and at thousands of tokens a second the mounting alone starved the
event loop (key echo went past 10 s in bench/tui_latency.py). Here an update only swaps the renderable;
the text is laid out once per frame, and the transcript caps a block's length so that stays cheap.
"""

from __future__ import annotations

from rich.markdown import Markdown as RichMarkdown
from textual.timer import Timer
from textual.widgets import Static

REDRAW_EVERY_S = 0.08  # streamed text is re-rendered at most this often; keys are echoed in between


class AnswerBlock(Static):
    def __init__(self, text: str = "", *, classes: str = "answer") -> None:
        super().__init__(RichMarkdown(text), classes=classes)
        self.text_so_far = text
        self._shown = text
        self._timer: Timer | None = None

    async def write(self, text: str) -> None:
        self.text_so_far += text
        if self._timer is None and self.is_mounted:
            self._timer = self.set_timer(REDRAW_EVERY_S, self._redraw)
        elif not self.is_mounted:
            self._redraw()

    def _redraw(self) -> None:
        self._timer = None
        if self._shown != self.text_so_far:
            self._shown = self.text_so_far
            self.update(RichMarkdown(self.text_so_far))

    async def finish(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._redraw()
