"""bench/tui_latency.py with Textual's own streaming Markdown (Markdown.get_stream) in place of AnswerBlock.

An experiment for issue 14 item 6: the same measurement, the same app, only the answer widget swapped (the
transcript's streamed and finished answers become a textual.widgets.Markdown fed through its MarkdownStream).

    .venv/bin/python bench/tui_latency_textual_md.py [--runs 3]   # same options as bench/tui_latency.py

Result (Textual 8.2.8, 2 shared cores): at the default 2,000 tokens/s the run aborts ("no echo within 10 s",
then a MountError from the stream's append task); with --seconds 3 --samples 10 the one echo sampled took
11.8 s. At --rate 200 --seconds 4 --samples 20: echo median 590 ms, p95 1,313 ms (5 presses got through)
against 37 ms / 1,027 ms for the hand-written AnswerBlock (20 presses). AnswerBlock stays.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tui_latency  # first: its clock starts before textual is imported


def use_textual_markdown() -> None:
    from textual.widgets import Markdown
    from textual.widgets._markdown import MarkdownStream

    from aiops_chat.tui.widgets.chat import transcript

    class AnswerBlock(Markdown):  # the bench counts answer text by this type name
        def __init__(self, text: str = "", *, classes: str = "answer", streaming: bool = False) -> None:
            super().__init__(text, classes=classes)
            self._text = text
            self._stream: MarkdownStream | None = None

        @property
        def text_so_far(self) -> str:
            return self._text

        async def write(self, text: str) -> None:
            self._text += text
            if self._stream is None:
                self._stream = Markdown.get_stream(self)
            await self._stream.write(text)

        async def finish(self) -> None:
            if self._stream is not None:
                await self._stream.stop()

    transcript.AnswerBlock = AnswerBlock  # type: ignore[misc, assignment]


if __name__ == "__main__":
    use_textual_markdown()
    tui_latency.__file__ = __file__  # --runs re-runs this script, not the stock one
    sys.exit(tui_latency.main())
