"""Masking by position: every rule reports the spans it wants hidden; they are merged and applied once.

Rules never see each other's output, so no rule has to recognise a mask another rule left, and colour codes
can be taken out before the rules run and the spans mapped back onto the original text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable

MASK = "[REDACTED]"

Span = tuple[int, int]

# CSI sequences (colours, cursor moves): ESC [ params intermediates final. Bounded, so linear.
_CSI = re.compile(r"\x1b\[[0-9;:?<=>]{0,32}[ -/]{0,4}[@-~]")


def apply(text: str, spans: Iterable[Span]) -> str:
    """``text`` with each (merged) span replaced by one mask."""
    parts: list[str] = []
    pos = 0
    for start, end in merge(spans):
        if end <= pos:
            continue
        parts.append(text[pos:max(start, pos)])
        parts.append(MASK)
        pos = end
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


def merge(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def without_colour(text: str, find: Callable[[str], list[Span]]) -> list[Span]:
    """Run ``find`` on ``text`` with CSI sequences removed; return its spans in ``text``'s positions.

    Structured logs are often coloured around keys and values (``\\x1b[36mpassword\\x1b[0m=...``); no rule
    could see ``password=`` through the codes.
    """
    if "\x1b" not in text:
        return find(text)
    plain_starts: list[int] = []  # where each kept chunk starts in the plain text ...
    orig_starts: list[int] = []  # ... and in the original
    pieces: list[str] = []
    pos = plain_len = 0
    for m in _CSI.finditer(text):
        if m.start() > pos:
            plain_starts.append(plain_len)
            orig_starts.append(pos)
            pieces.append(text[pos:m.start()])
            plain_len += m.start() - pos
        pos = m.end()
    if pos < len(text):
        plain_starts.append(plain_len)
        orig_starts.append(pos)
        pieces.append(text[pos:])
    if not pieces:
        return []

    def to_orig(p: int) -> int:
        i = bisect_right(plain_starts, p) - 1
        return orig_starts[i] + (p - plain_starts[i])

    # A span's end maps from its last character, so the codes right after a value stay in place.
    return [(to_orig(s), to_orig(e - 1) + 1) for s, e in find("".join(pieces)) if e > s]
