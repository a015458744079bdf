"""YAML read line by line, for YAML that is not a whole document: inside a log, a helm release's manifest
in a block scalar, `helm --debug` output, or a document too big (or too broken) to parse.

One pass keeps a stack of the mappings open at each indentation, so a `data:` block is known to belong to a
mapping with `kind: Secret` wherever in that mapping the `kind` line stands, and an env entry's `value:` is
known to belong to a `name:` that is secret, in either order. Linear: each line is looked at a bounded number
of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiops_chat.redaction.names import is_secret_name
from aiops_chat.redaction.patterns import PATTERNS, Text, is_placeholder, quoted_value
from aiops_chat.redaction.spans import Span

_KEY_LINE = re.compile(r"(?P<indent>[ \t]*+)(?P<dash>(?:-[ \t]{1,8})*+)"
                       r"(?:\"(?P<dq>[^\"\n]{1,128}+)\"|'(?P<sq>[^'\n]{1,128}+)'|(?P<plain>[\w./\-]{1,128}+))"
                       r"[ \t]*+:(?:[ \t]++(?P<rest>[^\n]*+)|$)")
_SECRET_KIND = re.compile(r"[\"']?Secret[\"']?[ \t]*+(?:#[^\n]*+)?")
_FLOW_PAIR = re.compile(r"(?P<k>[^{},:\s][^{},:\n]{0,255}+):[ \t]*+(?P<v>[^,}\n]*+)")
_BLOCK = re.compile(r"[|>][0-9+-]{0,3}+[ \t]*+(?:#[^\n]*+)?")
PATTERNS.extend(((_KEY_LINE, False), (_SECRET_KIND, False), (_FLOW_PAIR, True), (_BLOCK, False)))


@dataclass
class _Mapping:
    secret: bool = False
    data_lines: list[int] = field(default_factory=list)  # indexes of `data:` / `stringData:` lines
    secret_name: bool = False  # has `name: <a secret name>` (an env entry)
    value_line: int | None = None  # its `value:` line


def yaml_spans(t: Text) -> list[Span]:
    if ":" not in t.s:
        return []
    starts = [0, *(n + 1 for n in t.newlines)]
    ends = [*t.newlines, len(t.s)]
    keys: dict[int, re.Match[str]] = {}
    mappings: list[_Mapping] = []
    stack: list[tuple[int, int]] = []  # (indentation, index into mappings)
    for i, (ls, le) in enumerate(zip(starts, ends, strict=True)):
        if t.s.startswith("---", ls):
            stack.clear()  # the next document
            continue
        if t.s.find(":", ls, le) < 0:
            bare = t.s[ls:le].lstrip(" \t")
            if bare[:1] in ("{", "}"):  # JSON laid out on lines: each object is a mapping of its own
                indent = le - ls - len(bare)
                while stack and stack[-1][0] > indent:
                    stack.pop()
            continue
        m = _KEY_LINE.match(t.s, ls, le)
        if not m:
            continue
        keys[i] = m
        indent = len(m.group("indent")) + len(m.group("dash"))
        if m.group("dash"):
            while stack and stack[-1][0] >= indent:
                stack.pop()
        else:
            while stack and stack[-1][0] > indent:
                stack.pop()
        if not stack or stack[-1][0] != indent or m.group("dash"):
            mappings.append(_Mapping())
            stack.append((indent, len(mappings) - 1))
        mapping = mappings[stack[-1][1]]
        key = m.group("plain") or m.group("dq") or m.group("sq")
        rest = m.group("rest") or ""
        if key == "kind" and _SECRET_KIND.fullmatch(rest.strip().rstrip(",").rstrip()):
            mapping.secret = True
        elif key in ("data", "stringData"):
            mapping.data_lines.append(i)
        elif key == "name" and is_secret_name(rest.strip().rstrip(",").strip("\"'")):
            mapping.secret_name = True
        elif key == "value":
            mapping.value_line = i

    spans: list[Span] = []
    # In line order, skipping what an earlier block already covered: nested blocks are masked once.
    covered = -1
    for i in sorted(i for mapping in mappings if mapping.secret for i in mapping.data_lines):
        if i > covered:
            covered = _mask_block(t, keys, starts, ends, i, spans)
    covered = -1
    for i in sorted(m.value_line for m in mappings if m.secret_name and m.value_line is not None):
        if i > covered:
            span, covered = _value_of(t, keys[i], starts, ends, i)
            if span:
                spans.append(span)
    return spans


def _value_of(t: Text, m: re.Match[str], starts: list[int], ends: list[int], i: int) -> tuple[Span | None, int]:
    """The span of an env entry's value on line ``i`` (a block scalar included), and its last line."""
    rest = m.group("rest") or ""
    if not rest.strip() or is_placeholder(rest):
        return None, i
    start = m.start("rest")
    if _BLOCK.fullmatch(rest.strip()):
        indent = len(m.group("indent")) + len(m.group("dash"))
        j = i + 1
        while j < len(starts) and (not t.s[starts[j]:ends[j]].strip() or _indent(t.s, starts[j], ends[j]) > indent):
            j += 1
        return (start, ends[j - 1]), j - 1
    return _scalar(t.s, start, ends[i]), i


def _scalar(s: str, start: int, end: int) -> Span:
    """A one-line YAML (or JSON) value: inside its quotes, or up to a comment; JSON's trailing comma stays."""
    quoted = quoted_value(s, start)
    if quoted:
        return quoted
    value = s[start:end].split(" #", 1)[0].rstrip()
    return start, start + len(value)


def _mask_block(t: Text, keys: dict[int, re.Match[str]], starts: list[int], ends: list[int], i: int,
                spans: list[Span]) -> int:
    """Mask the values under the `data:` key on line ``i``; return the last line index looked at."""
    m = keys[i]
    rest = (m.group("rest") or "").strip()
    if rest.startswith("{"):  # flow style: data: {password: eHl6, user: YQ==}
        for pair in _FLOW_PAIR.finditer(t.s, m.start("rest"), ends[i]):
            if pair.group("v").strip():
                spans.append((pair.start("v"), pair.start("v") + len(pair.group("v").rstrip())))
    indent = len(m.group("indent")) + len(m.group("dash"))
    j = i + 1
    while j < len(starts):
        ls, le = starts[j], ends[j]
        if t.s[ls:le].strip():
            if _indent(t.s, ls, le) <= indent:
                break
            inner = keys.get(j)
            if inner and inner.group("rest") and not _BLOCK.fullmatch(inner.group("rest").strip()):
                spans.append(_scalar(t.s, inner.start("rest"), le))
            elif not inner:
                spans.append((ls + _indent(t.s, ls, le), le))
        j += 1
    return j - 1


def _indent(s: str, ls: int, le: int) -> int:
    line = s[ls:le]
    return len(line) - len(line.lstrip(" \t"))
