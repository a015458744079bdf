"""A streamed answer, cut into pieces as it arrives, renders exactly as Rich renders the whole text."""

from __future__ import annotations

import random

import pytest
from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.segment import Segment

from aiops_chat.tui.widgets.chat.markdown_stream import MarkdownStream, render_all

WIDTH = 50
WORDS = ("pod ", "deployment ", "**ready** ", "`kubectl` ", "restart ", "the ", "replica ", "is ", "crash ",
         "namespace ", "\n\n- item ", "logs ", "event ", "node ", "and ", "service ")
DOCUMENTS = [
    "The **web** pods look fine.\n\n- 3 of 3 Running\n- no restarts",
    "para one\n\n- item a\n\n- item b\n\nafter para\n\n1. x\n\n2. y\n\n3. z",
    "- a\n- b\n\n\n- c",
    "```\ncode\n\nmore\n```\n\n# Head\n\ntext\n> quote\n\n> q2",
    "intro\n\n---\n\nafter rule\n\n- x\n- y\n\n---\n\n- z",
    "a\n\n- one\n  more\n\n  para in item\n- two\n    - nested\n    - nested2\n- three\n\nend",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\ntext `code` here\n\n```python\nx = 1\n```\n\nlast",
    "# T\n## U\npara\nline two\n\n* s\n* t\n\n+ other list\n\n1) q\n2) r",
    "".join(WORDS[i % len(WORDS)] for i in range(400)),
]


def _console() -> Console:
    return Console(width=WIDTH, force_terminal=True, color_system="truecolor")


def _same(renderable: RenderableType) -> RenderableType:
    return renderable


def _cells(lines: list[list[Segment]]) -> list[list[tuple[str, object]]]:
    return [[(s.text, s.style) for s in Segment.simplify(line) if s.text] for line in lines]


def _whole(console: Console, text: str) -> list[list[Segment]]:
    segments = console.render(Markdown(text), console.options)
    return list(Segment.split_and_crop_lines(segments, WIDTH, include_new_lines=False, pad=False))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d[:20])
@pytest.mark.parametrize("largest", [3, 40, 700])
def test_pieces_render_like_the_whole_text(document: str, largest: int) -> None:
    console = _console()
    for seed in range(4):
        chunks = random.Random(seed)
        stream = MarkdownStream()
        at = 0
        while at < len(document):
            size = chunks.randint(1, largest)
            stream.append(document[at:at + size])
            at += size
            stream.settle()
            assert stream.text[:stream.settled] == "".join(p.source for p in stream.pieces)
        stream.finish()
        assert "".join(p.source for p in stream.pieces) == document
        assert _cells(render_all(stream.pieces, console, console.options, _same)) == _cells(_whole(console, document))


def test_a_long_list_is_cut_between_items_while_it_streams() -> None:
    stream = MarkdownStream()
    for i in range(60):
        stream.append(f"- item {i} with some words to make it longer than a few characters\n")
        stream.settle()
    assert len(stream.pieces) >= 5
    assert len(stream.tail) < 200  # each redraw renders about one item, not the whole list
    assert all(p.continues_list for p in stream.pieces[1:])


def test_a_block_whose_first_line_is_incomplete_is_not_cut_before() -> None:
    stream = MarkdownStream("1. x\n\n2")  # "2" may still become "2. y", an item of the list above
    stream.settle()
    assert stream.pieces == []


def test_an_ordered_list_cut_between_items_is_marked_approximate() -> None:
    stream = MarkdownStream()
    text = "".join(f"{i}. step number {i} of the runbook, long enough to need a piece\n" for i in range(1, 40))
    for line in text.splitlines(keepends=True):
        stream.append(line)
        stream.settle()
    stream.finish()
    assert stream.approximate  # the finished block is then rendered whole (answer.py)
