"""What the model sees of a command: redacted, cut to a token budget (head and tail), marked untrusted.

The executor has already redacted and capped stdout/stderr by bytes; this applies redaction once more
(composite tools build text from cluster objects themselves) and the much tighter per-call token budget.
The markers tell the model where cluster-written text starts and ends; a marker forged inside the output
is defused so a log line cannot "close" the block and speak as us.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiops_chat.redaction import redact

if TYPE_CHECKING:
    from aiops_chat.execution.result import CommandResult

BEGIN = "<<<untrusted cluster output"
END = "untrusted cluster output>>>"
CHARS_PER_TOKEN = 4


def cut_to_budget(text: str, budget_tokens: int) -> str:
    limit = max(budget_tokens, 50) * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    head_n, tail_n = limit * 2 // 3, limit // 3
    head, tail = text[:head_n], text[-tail_n:]
    # Whole lines read better than half lines, when there are lines to cut at.
    if "\n" in head[head_n // 2:]:
        head = head[: head.rfind("\n") + 1]
    if "\n" in tail[: tail_n // 2]:
        tail = tail[tail.find("\n") + 1:]
    cut = len(text) - len(head) - len(tail)
    return f"{head}\n[… {cut} characters cut to fit the output budget …]\n{tail}"


def untrusted_block(text: str) -> str:
    safe = text.replace(BEGIN, "<<<(forged marker)").replace(END, "(forged marker)>>>")
    return f"{BEGIN}\n{safe.rstrip()}\n{END}"


def format_result(result: CommandResult, *, budget_tokens: int, extra_patterns: Sequence[str] = ()) -> str:
    command = shlex.join(result.argv)
    if not result.executed:
        why = result.error or "not run"
        return f"$ {command}\nNOT RUN: {why}"
    status = f"exit {result.exit_code}" if result.exit_code is not None else (result.error or "no exit code")
    if result.error and result.exit_code is not None:
        status += f"; {result.error}"
    body = result.stdout
    if result.stderr.strip():
        body = f"{body.rstrip()}\n[stderr]\n{result.stderr}" if body.strip() else f"[stderr]\n{result.stderr}"
    if not body.strip():
        body = "(no output)"
    if result.diagnosis is not None:
        # Inside the untrusted block: it quotes a line of stderr, which the server's error message shaped.
        body = f"{body.rstrip()}\n[aiops: {result.diagnosis.title}] {result.diagnosis}"
    body = cut_to_budget(redact(body, extra_patterns), budget_tokens)
    return f"$ {command} ({status})\n{untrusted_block(body)}"


def format_text(title: str, text: str, *, budget_tokens: int, extra_patterns: Sequence[str] = ()) -> str:
    """A composite tool's text, treated exactly like command output."""
    body = cut_to_budget(redact(text, extra_patterns), budget_tokens)
    return f"{title}\n{untrusted_block(body)}"


def format_error(message: str) -> str:
    """A problem with the call itself (unknown tool, bad arguments): our words, not the cluster's."""
    return f"ERROR: {message}"
