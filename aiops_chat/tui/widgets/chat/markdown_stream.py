"""Markdown that grows at the end, rendered so that each frame costs the new text, not the whole answer.

Rich renders a Markdown document as its top-level blocks one after the other, with a blank line between
them, and a list as its items one after the other. Once the model has started a further block (or a
further item of a trailing list), everything before it is final: it is cut off as a *piece*, rendered once
and kept. Each redraw then parses and renders only the unsettled tail (the last block, or the last item).
Joining the pieces the way Rich joins blocks gives the same lines as rendering the whole text at once
(tests/tui/test_markdown_stream.py checks this); where it cannot be the same (an ordered list cut between
items may number with a narrower column), the block is rendered whole once it is finished.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rich.markdown import Markdown
from rich.segment import Segment

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.console import Console, ConsoleOptions, RenderableType

Line = list[Segment]
# Wraps a renderable before it is rendered (Textual applies the widget's base style this way).
Wrap = Callable[["RenderableType"], "RenderableType"]
_LIST_OPENERS = ("bullet_list_open", "ordered_list_open")
MIN_PIECE_CHARS = 400
_ITEM_START = re.compile(r" {0,3}(?:([-*+])|\d{1,9}([.)]))(?:[ \t]|$)", re.MULTILINE)


@dataclass(frozen=True)
class Piece:
    source: str
    continues_list: bool  # starts with further items of the list the previous piece ended in
    ends_in_list: str | None  # that list's kind when the piece was cut between two of its items
    blank_after: bool  # Rich puts a blank line after its last block (not after a horizontal rule)


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt().enable("strikethrough").enable("table")  # what rich.markdown.Markdown parses with


class MarkdownStream:
    """The text of one answer block, and where it has been cut into final pieces."""

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.pieces: list[Piece] = []
        self.settled = 0  # text[:settled] is covered by self.pieces
        self.finished = False
        self.approximate = False  # whether joined pieces may differ from rendering the whole text

    def append(self, text: str) -> None:
        self.text += text

    @property
    def tail(self) -> str:
        return self.text[self.settled:]

    def _open_list(self) -> str | None:
        return self.pieces[-1].ends_in_list if self.pieces else None

    def settle(self) -> None:
        """Cut off, as new pieces, every block of the tail that a later block has followed."""
        if self.finished:
            return
        tail = self.tail
        tokens = _parser().parse(tail)
        blocks = [t for t in tokens if t.level == 0 and t.nesting >= 0 and t.map]
        # Where a cut may go: before each block but the first, and before each item but the first of a
        # trailing list (those cuts carry the list's kind). Only where the first line after the cut is
        # complete: until then, what starts there may still change what precedes it ("2" after "1. x"
        # becomes "2. y", an item of that list; "-" may become a rule).
        complete_lines = tail.count("\n")
        cuts: list[tuple[int, str | None, str | None]] = [  # (line, list cut through, kind of what follows)
            (b.map[0], None, _list_kind(b)) for b in blocks[1:] if b.map]
        if blocks and blocks[-1].type in _LIST_OPENERS:
            kind = _list_kind(blocks[-1])
            start = next(i for i, t in enumerate(tokens) if t is blocks[-1])
            items = [t for t in tokens[start:] if t.type == "list_item_open" and t.level == 1 and t.map]
            cuts += [(item.map[0], kind, kind) for item in items[1:] if item.map]
        cuts = sorted(c for c in cuts if 0 < c[0] < complete_lines)
        if not cuts:
            return
        # Pieces of a few hundred characters: small enough to render a few per frame, large enough that
        # Rich's per-document overhead does not dominate.
        begin_line, begin_kind = 0, _list_kind(blocks[0])
        for index, (line, through, next_kind) in enumerate(cuts):
            last = index == len(cuts) - 1
            start_offset = _offset_of_line(tail, begin_line)
            end_offset = _offset_of_line(tail, line)
            if end_offset - start_offset < MIN_PIECE_CHARS and not last:
                continue
            ending = [b for b in blocks if b.map and b.map[0] < line][-1]
            self._add_piece(tail[start_offset:end_offset], first_kind=begin_kind, ends_in_list=through,
                            blank_after=ending.type != "hr")
            begin_line, begin_kind = line, next_kind
        self.settled += _offset_of_line(tail, cuts[-1][0])

    def finish(self) -> None:
        """No more text: the tail becomes the last piece."""
        if self.finished:
            return
        tail = self.tail
        if tail:
            blocks = [t for t in _parser().parse(tail) if t.level == 0 and t.nesting >= 0]
            if blocks:
                self._add_piece(tail, first_kind=_list_kind(blocks[0]), ends_in_list=None,
                                blank_after=blocks[-1].type != "hr")
            self.settled = len(self.text)
        self.finished = True

    def _add_piece(self, source: str, *, first_kind: str | None, ends_in_list: str | None,
                   blank_after: bool) -> None:
        open_list = self._open_list()
        continues = open_list is not None and first_kind == open_list
        if continues and open_list is not None and open_list.startswith("ordered"):
            self.approximate = True  # the number column is sized by the piece's own last number
        self.pieces.append(Piece(source, continues, ends_in_list, blank_after))

    def tail_piece(self) -> Piece | None:
        """The unsettled tail as a piece, to be rendered afresh on each redraw."""
        tail = self.tail
        if not tail.strip():
            return None
        open_list = self._open_list()
        # Cheaper than parsing the tail again: after a cut between items, the tail starts with an item.
        marker = _ITEM_START.match(tail)
        continues = False
        if open_list is not None and marker is not None:
            bullet, number_end = marker.group(1), marker.group(2)
            kind = f"bullet_list_open{bullet}" if bullet else f"ordered_list_open{number_end}"
            continues = kind == open_list
        return Piece(tail, continues, None, True)


def _list_kind(token: object) -> str | None:
    kind = getattr(token, "type", "")
    if kind not in _LIST_OPENERS:
        return None
    return f"{kind}{getattr(token, 'markup', '')}"


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def render_piece(piece: Piece, console: Console, options: ConsoleOptions, wrap: Wrap, *,
                 blank_before: bool) -> list[Line]:
    """The lines of one piece, with the separator Rich would put before it in the whole document.

    ``blank_before``: whether a block precedes the piece and Rich follows that block with a blank line.
    """
    width = options.max_width
    segments = console.render(wrap(Markdown(piece.source)), options.update_width(width))
    lines = list(Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=False))
    starts_with_blank = bool(lines) and not any(seg.text for seg in lines[0])
    if piece.continues_list:
        # The list's own leading blank line was already rendered with its first items.
        return lines[1:] if starts_with_blank else lines
    if blank_before and not starts_with_blank:  # a list brings its blank line along, even at the top
        return [[], *lines]
    return lines


def render_all(pieces: list[Piece], console: Console, options: ConsoleOptions, wrap: Wrap) -> list[Line]:
    out: list[Line] = []
    for index, piece in enumerate(pieces):
        out.extend(render_piece(piece, console, options, wrap,
                                blank_before=index > 0 and pieces[index - 1].blank_after))
    return out
