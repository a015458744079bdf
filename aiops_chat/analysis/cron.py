"""Validate cron schedules as the CronJob controller parses them (robfig/cron standard parser)."""

from __future__ import annotations

import re

_MACROS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, low, high, names where names[i] stands for low + i)
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
_EVERY = re.compile(r"@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+")


def schedule_problem(schedule: str) -> str | None:
    """None for a valid schedule, else what is wrong with it."""
    text = schedule.strip()
    if text.startswith(("TZ=", "CRON_TZ=")):
        text = text.split(None, 1)[1] if " " in text else ""
    if not text:
        return "the schedule is empty"
    if text.startswith("@"):
        if text in _MACROS or _EVERY.fullmatch(text):
            return None
        return f"unknown descriptor {text!r}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    for value, (fname, low, high, names) in zip(fields, _FIELDS, strict=True):
        problem = _field_problem(value, low, high, names)
        if problem:
            return f"{fname} field {value!r}: {problem}"
    return None


def _field_problem(value: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    for part in value.split(","):
        rng, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return f"bad step {step!r}"
        if rng in ("*", "?"):
            continue
        bounds = rng.split("-")
        if len(bounds) > 2:
            return f"bad range {rng!r}"
        nums = []
        for b in bounds:
            n = _number(b, low, names)
            if n is None:
                return f"{b!r} is not a number or name"
            if not low <= n <= high:
                return f"{n} is outside {low}-{high}"
            nums.append(n)
        if len(nums) == 2 and nums[0] > nums[1]:
            return f"range {rng!r} runs backwards"
    return None


def _number(text: str, low: int, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    lowered = text.lower()
    if lowered in names:
        return low + names.index(lowered)
    return None
