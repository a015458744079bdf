"""One stretch of the assistant's answer, rendered as Markdown while it streams."""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream


class AnswerBlock(Markdown):
    def __init__(self, text: str = "", *, classes: str = "answer") -> None:
        super().__init__(text, classes=classes)
        self._stream: MarkdownStream | None = None
        self.text_so_far = text

    async def write(self, text: str) -> None:
        # The stream merges appends the widget cannot keep up with, so a fast model never backs up the UI.
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        self.text_so_far += text
        await self._stream.write(text)

    async def finish(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
