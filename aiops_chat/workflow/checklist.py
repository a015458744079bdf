"""The result type every workflow command shares: a list of named checks, each with a status and a fix.

A checklist is open for appending (the doctor's LLM endpoint checks are added by another module), and it
decides the exit code from the checks alone: 1 when a required check failed, else 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiops_chat import exit_codes


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


_LABEL = {Status.OK: "ok", Status.WARN: "WARN", Status.FAIL: "FAIL", Status.SKIP: "skip"}


@dataclass(frozen=True)
class Check:
    """One line of a checklist. `hint` says how to fix a warning or failure; `required` failures fail the run."""

    name: str
    status: Status
    detail: str = ""
    hint: str = ""
    required: bool = True
    needed_for: str = ""  # set when the check matters only to one workflow, e.g. "only needed for `aiops cluster up`"
    refused: bool = False  # a step not run because the policy or a person said no (nothing was changed)

    @property
    def blocking(self) -> bool:
        return self.required and self.status is Status.FAIL

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status.value, "detail": self.detail, "hint": self.hint,
                "required": self.required, "needed_for": self.needed_for}


@dataclass
class Checklist:
    title: str
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    def extend(self, checks: Iterable[Check]) -> None:
        self.checks.extend(checks)

    def get(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def ok(self) -> bool:
        return not any(c.blocking for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def cli_exit_code(self) -> int:
        """What the command exits with (README "Exit codes"): 0 passed; 3 when every required step that
        failed was refused by the policy or declined by a person (nothing was changed by them); else 1."""
        blocking = [c for c in self.checks if c.blocking]
        if not blocking:
            return exit_codes.OK
        if all(c.refused for c in blocking):
            return exit_codes.DENIED
        return exit_codes.FAILURE

    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for c in self.checks if c.status is s) for s in Status}

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "ok": self.ok, "counts": self.counts(),
                "checks": [c.to_dict() for c in self.checks]}

    def render_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def render_table(self) -> str:
        names = [c.name if c.required else f"{c.name} (optional)" for c in self.checks]
        width = max([len("CHECK"), *(len(n) for n in names)])
        lines = [f"{'STATUS':<6}  {'CHECK':<{width}}  DETAIL"]
        for check, name in zip(self.checks, names, strict=True):
            # An optional failure does not fail the run, so it is not shouted in capitals.
            label = _LABEL[check.status] if check.required else check.status.value
            lines.append(f"{label:<6}  {name:<{width}}  {check.detail}".rstrip())
            if check.needed_for:
                lines.append(f"{'':<6}  {'':<{width}}  ({check.needed_for})")
            if check.hint and check.status in (Status.FAIL, Status.WARN):
                lines.append(f"{'':<6}  {'':<{width}}  fix: {check.hint}")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        counts = self.counts()
        optional_failed = sum(1 for c in self.checks if c.status is Status.FAIL and not c.required)
        parts = [f"{counts['ok']} ok", f"{counts['warn']} warning(s)", f"{counts['fail']} failed"]
        if optional_failed:
            parts[-1] += f" ({optional_failed} optional)"
        if counts["skip"]:
            parts.append(f"{counts['skip']} skipped")
        verdict = "passed" if self.ok else "FAILED"
        return f"{self.title}: {verdict}: {', '.join(parts)}"
