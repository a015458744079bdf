"""Asking a person at a terminal: the approver `aiops ask` and `aiops run` use.

A write is shown with its risk and the policy's reason and needs `y`; a destructive one needs the object's
name typed out, so a reflexive `y` cannot delete anything. Questions go to /dev/tty when there is one (so
`aiops ask ... | less` still asks), else to stdin/stderr. End of input means no.
"""

from __future__ import annotations

import contextlib
import getpass
import shlex
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from aiops_chat.execution.approval import ApprovalResult, confirmation_word
from aiops_chat.safe_text import visible

if TYPE_CHECKING:
    from aiops_chat.policy import Verdict


class TerminalApprover:
    interactive = True  # a person answers: the injection guard may ask this approver

    def __init__(self, *, user: str | None = None, input: TextIO | None = None, output: TextIO | None = None) -> None:
        self.user = user or _user()
        self._input = input
        self._output = output

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        with self._streams() as (inp, out):
            risk = verdict.risk.value
            out.write(visible(f"\naiops wants to run ({risk}):\n    {shlex.join(argv)}\n    why asked: {verdict.reason}\n"))
            if risk == "destructive":
                word = confirmation_word(argv)
                out.write(visible(f"This is destructive. Type {word!r} to confirm, anything else refuses: "))
                out.flush()
                answer = inp.readline()
                approved = bool(answer) and answer.strip() == word  # EOF is a refusal
            else:
                out.write("Run it? [y/N] ")
                out.flush()
                answer = inp.readline()
                approved = answer.strip().lower() in ("y", "yes")
            if not answer:
                out.write("\n")
            out.write("approved\n" if approved else "refused\n")
            out.flush()
        return ApprovalResult(approved, f"user:{self.user}", "" if approved else "the user refused at the terminal")

    @contextlib.contextmanager
    def _streams(self) -> Iterator[tuple[TextIO, TextIO]]:
        if self._input is not None:
            yield self._input, self._output or sys.stderr
            return
        try:
            tty = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115 - closed below, after the answer
        except OSError:
            yield sys.stdin, self._output or sys.stderr
            return
        try:
            yield tty, self._output or tty
        finally:
            tty.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
