"""Redaction stays linear: a structural check of every pattern (no timing here; bench/redaction.py times it).

A workload writes the text we scan. Python's `re` backtracks, so a pattern is quadratic or worse when (1) a
repeat can give back what it took and something after it retries (`[\\w.-]*x` on `a.a.a...`), (2) an
unbounded repeat sits inside another, or (3) a searched pattern can start anywhere inside a long run and
rescan it (`\\b[\\w.-]+=` starts at every `a` of `a.a.a...`). So: every unbounded repeat is possessive, none is
nested in another unbounded one, and a searched pattern starts at an anchor, a lookbehind or a literal.
"""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]  # the parser `re` itself uses
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest

import aiops_chat.redaction  # noqa: F401  (registers every pattern)
from aiops_chat.redaction import spans
from aiops_chat.redaction.patterns import PATTERNS

UNBOUNDED = sre_constants.MAXREPEAT
REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}
ALL = [*PATTERNS, (spans._CSI, True)]


def _walk(items: Any, inside_unbounded: bool, problems: list[str]) -> None:
    for op, arg in items:
        if op in REPEATS:
            low, high, body = arg
            unbounded = high == UNBOUNDED
            if unbounded and op != sre_constants.POSSESSIVE_REPEAT:
                problems.append(f"backtracking repeat {{{low},}}: make it possessive (*+, ++)")
            if unbounded and inside_unbounded:
                problems.append("an unbounded repeat nested in another")
            _walk(body, inside_unbounded or unbounded, problems)
        elif op == sre_constants.SUBPATTERN:
            _walk(arg[-1], inside_unbounded, problems)
        elif op == sre_constants.BRANCH:
            for alternative in arg[1]:
                _walk(alternative, inside_unbounded, problems)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            _walk(arg[1], inside_unbounded, problems)
        elif op == sre_constants.ATOMIC_GROUP:
            _walk(arg, inside_unbounded, problems)


def _starts_safely(items: Any) -> bool:
    """The first thing a searched pattern does pins where it may start."""
    if not items:
        return False
    op, arg = items[0]
    if op == sre_constants.AT:
        return arg in (sre_constants.AT_BEGINNING, sre_constants.AT_BEGINNING_STRING)
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return arg[0] == -1  # a lookbehind
    if op == sre_constants.SUBPATTERN:
        return _starts_safely(list(arg[-1]) + list(items[1:]))
    if op in REPEATS and arg[1] != UNBOUNDED:
        # A short optional prefix (`\\?"`): both it and what follows it must pin the start.
        return _starts_safely(list(arg[2])) and _starts_safely(list(items[1:]))
    if op == sre_constants.BRANCH:
        return all(_starts_safely(list(alternative)) for alternative in arg[1])
    return op in (sre_constants.LITERAL, sre_constants.IN)


@pytest.mark.parametrize("pattern,searched", ALL, ids=[p.pattern[:60] for p, _ in ALL])
def test_pattern_cannot_backtrack_super_linearly(pattern: re.Pattern[str], searched: bool) -> None:
    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    problems: list[str] = []
    _walk(tree, False, problems)
    assert not problems, f"{pattern.pattern!r}: {problems}"
    if searched:
        assert _starts_safely(list(tree)), f"{pattern.pattern!r} may start anywhere inside a run"


def test_the_check_catches_the_patterns_that_were_slow() -> None:
    # The shapes that made a 64 KiB `a.a.a...` line take 2.5 s before; the check must refuse each of them.
    for bad, searched in ((r"[A-Za-z0-9_.-]*(?:PASSWORD|TOKEN)[A-Za-z0-9_.-]*", True),
                          (r"(?i)\b((?:password|token)\s*[=:]\s*)[^\s,;]+", True),
                          (r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", True),
                          (r"^\s*-?\s*name:", False),
                          (r"(?:a+)+b", False)):
        tree = sre_parse.parse(bad)
        problems: list[str] = []
        _walk(tree, False, problems)
        assert problems or (searched and not _starts_safely(list(tree))), bad


def test_every_module_registers_its_patterns() -> None:
    # A compiled pattern not in PATTERNS escapes the check above.
    import inspect

    from aiops_chat.redaction import documents, names, patterns, yaml_lines

    registered = {id(p) for p, _ in ALL}
    for module in (patterns, yaml_lines, documents, spans):
        for name, value in inspect.getmembers(module):
            if isinstance(value, re.Pattern):
                assert id(value) in registered, f"{module.__name__}.{name} is not in PATTERNS"
    # names.py's word splitter backtracks a little, so it never sees more than MAX_NAME characters.
    assert names.words("A" * 10_000 + "a") == []
    assert not names.is_secret_name("PASSWORD" * 1_000)
