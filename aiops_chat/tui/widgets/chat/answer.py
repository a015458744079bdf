"""One stretch of the assistant's answer, rendered as Markdown while it streams.

Not Textual's Markdown widget: that one mounts a widget per paragraph and list item, and at thousands of
tokens a second the mounting alone starved the event loop. Not a Static holding a Rich Markdown either:
that re-rendered the whole block on every redraw, twice (once to measure its height, once to paint), which
at 2,000 tokens a second made a frame take tens of milliseconds and key echo wait for it
(bench/tui_latency.py). Here the finished part of the block is rendered once, in pieces
(see markdown_stream.py), and each redraw renders only the block or list item still being written. Height
and paint share one cache of lines, and a frame takes only the lines it shows from it (render_line), so
the cost of a frame does not grow with the length of the block.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip
from textual.timer import Timer
from textual.visual import RenderOptions, Visual
from textual.widget import Widget

from aiops_chat.tui.widgets.chat.markdown_stream import MarkdownStream, Piece, render_piece

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.css.styles import RulesMap
    from textual.selection import Selection
    from textual.style import Style

REDRAW_EVERY_S = 0.08  # streamed text is re-rendered at most this often; keys are echoed in between
RENDER_BUDGET_S = 0.008  # Markdown rendering per redraw; a stream faster than that is shown a little late


class StreamedMarkdown(Visual):
    """The lines of a MarkdownStream at one width, rendered piece by piece and kept.

    Asking for the lines never renders, except after a change of width or style (everything is rendered
    again then): new text is rendered by :meth:`advance`, a time budget at a time, so one redraw of a fast
    stream cannot hold the event loop for long. Until it has caught up, the newest text is not shown.
    """

    def __init__(self, widget: Widget, stream: MarkdownStream) -> None:
        self._widget = widget
        self._stream = stream
        self._key: tuple[int, RichStyle] | None = None
        self._settled: list[Strip] = []  # the lines of stream.pieces[:_rendered]
        self._rendered = 0
        self._tail_source: str | None = None
        self._tail: list[Strip] = []
        self._tail_continues = False
        self._whole = False  # _settled holds the whole text rendered at once
        self._all: list[Strip] = []

    def lines(self, width: int, style: RichStyle) -> list[Strip]:
        if self._key != (width, style):
            self._key = (width, style)
            self._settled, self._rendered, self._tail_source, self._whole = [], 0, None, False
            self._tail, self._all = [], []
            self.advance(None)
        return self._all

    def advance(self, budget_s: float | None) -> bool:
        """Render what the stream gained since the last call, for about ``budget_s`` (None: all of it).

        Returns whether the lines now show all of the stream's text.
        """
        if self._key is None:
            return True  # never laid out yet: the first layout renders everything
        width, style = self._key
        stream = self._stream
        if stream.finished and stream.approximate:
            if not self._whole:
                self._settled = self._render(Piece(stream.text, False, None, True), width, style, False)
                self._whole, self._tail, self._all = True, [], self._settled
            return True
        deadline = None if budget_s is None else time.perf_counter() + budget_s
        pieces = stream.pieces
        start = self._rendered
        for index in range(start, len(pieces)):
            if deadline is not None and index > start and time.perf_counter() > deadline:
                self._all = self._settled
                return False
            blank = index > 0 and pieces[index - 1].blank_after
            piece = pieces[index]
            if piece.source == self._tail_source and piece.continues_list == self._tail_continues:
                self._settled.extend(self._tail)  # the tail last shown was this whole piece already
            else:
                self._settled.extend(self._render(piece, width, style, blank))
            self._tail_source, self._tail = None, []
            self._rendered = index + 1
        tail = stream.tail_piece()
        if tail is None:
            self._tail_source, self._tail = None, []
        elif tail.source != self._tail_source:
            self._tail_source, self._tail_continues = tail.source, tail.continues_list
            self._tail = self._render(tail, width, style, bool(pieces) and pieces[-1].blank_after)
        self._all = self._settled + self._tail
        return True

    def _render(self, piece: Piece, width: int, style: RichStyle, blank_before: bool) -> list[Strip]:
        app = self._widget.app
        options = app.console_options.update(highlight=False, width=width)

        def wrap(renderable: RenderableType) -> RenderableType:
            return self._widget.post_render(renderable, style)

        return [Strip(line) for line in render_piece(piece, app.console, options, wrap, blank_before=blank_before)]

    # --- the Visual protocol ----------------------------------------------------------------------------

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        lines = self.lines(width, style.rich_style)
        return lines[:height] if height is not None else list(lines)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.lines(width, self._widget.visual_style.rich_style))

    @property
    def lines_shown(self) -> list[Strip]:
        return self._all


def _highlight(line: Strip, span: tuple[int, int], style: RichStyle) -> Strip:
    start, end = span
    end = line.cell_length if end == -1 else min(end, line.cell_length)
    if end <= start:
        return line
    chosen = Strip(Segment.apply_style(iter(line.crop(start, end)), post_style=style))
    return Strip.join([line.crop(0, start), chosen, line.crop(end, line.cell_length)])


class AnswerBlock(Widget):
    DEFAULT_CSS = "AnswerBlock { height: auto; }"

    def __init__(self, text: str = "", *, classes: str = "answer", streaming: bool = False) -> None:
        super().__init__(classes=classes)
        self.stream = MarkdownStream(text)
        if not streaming:
            self.stream.finish()
        self._visual = StreamedMarkdown(self, self.stream)
        self._timer: Timer | None = None

    @property
    def text_so_far(self) -> str:
        return self.stream.text

    def render(self) -> Visual:
        return self._visual

    def render_line(self, y: int) -> Strip:
        # Instead of Widget.render_line, which converts every line of the block whenever it changed.
        # (Rich Markdown links carry no @click meta, so there is no link style to apply here.)
        width, style = self.size.width, self.visual_style.rich_style
        lines = self._visual.lines(width, style)
        if not 0 <= y < len(lines):
            return Strip.blank(width, style)
        line = lines[y]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            line = _highlight(line, span, self.selection_style)
        # The offsets tell the screen which character the mouse is over, so a drag selects text here.
        return line.apply_offsets(0, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text as shown (the rendered lines), for ctrl+c; f4 copies the Markdown source."""
        lines = self._visual.lines(self.size.width, self.visual_style.rich_style)
        return selection.extract("\n".join(line.text.rstrip() for line in lines)), "\n"

    async def write(self, text: str) -> None:
        self.stream.append(text)
        if self._timer is None and self.is_mounted:
            self._timer = self.set_timer(REDRAW_EVERY_S, self._redraw)
        elif not self.is_mounted:
            self._redraw()

    def _redraw(self) -> None:
        self._timer = None
        self.stream.settle()
        self._show(RENDER_BUDGET_S)

    def _show(self, budget_s: float | None) -> None:
        before = len(self._visual.lines_shown)
        caught_up = self._visual.advance(budget_s)
        # A frame with a layout re-arranges the whole transcript; only a change of height needs one.
        self.refresh(layout=len(self._visual.lines_shown) != before or not self.is_mounted)
        if not caught_up and self._timer is None and self.is_mounted:
            self._timer = self.set_timer(REDRAW_EVERY_S / 2, self._redraw)

    async def finish(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.stream.finish()
        self._show(RENDER_BUDGET_S)  # a backlog is rendered by later redraws, as while streaming
