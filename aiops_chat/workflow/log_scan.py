"""Which log lines are errors. A line that states its level is judged by that level (an INFO line that
mentions "error handler" is not an error); a line without one by its words."""

from __future__ import annotations

import re

_ERROR_LEVELS = frozenset({"error", "err", "fatal", "critical", "crit", "panic", "alert", "emerg", "emergency"})
_LEVEL_FIELD = re.compile(r"""(?i)(?:\blevel|\blvl|\bseverity|"level"|"severity")\s*[=:]\s*"?([A-Za-z]+)""")
_LEVEL_WORD = re.compile(r"(?:^|[\s\[|])(DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|PANIC)(?:\b|:)")
_ERROR_WORDS = re.compile(r"(?i)\b(?:error|fatal|panic|exception|unhandled)\b|Traceback \(most recent call last\)")


def is_error_line(line: str) -> bool:
    field = _LEVEL_FIELD.search(line)
    if field:
        return field.group(1).lower() in _ERROR_LEVELS
    word = _LEVEL_WORD.search(line)
    if word:
        return word.group(1).lower() in _ERROR_LEVELS
    return bool(_ERROR_WORDS.search(line))


def error_lines(text: str) -> list[str]:
    return [ln.rstrip() for ln in text.splitlines() if ln.strip() and is_error_line(ln)]
