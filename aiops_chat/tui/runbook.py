"""What `/export` writes: the session as a Markdown runbook, and a shell script of the approved commands.

The runbook follows what the user saw (questions, answers, every command card); the script is built from
the session's own record of executed commands, so it holds exactly what ran, with the pinned context.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiops_chat.execution.result import CommandResult


@dataclass
class ToolEntry:
    call_id: str
    tool: str
    argv: tuple[str, ...]
    decision: str
    risk: str
    reason: str
    result: CommandResult | None = None
    output: str = ""


@dataclass
class Entry:
    kind: str  # "user" | "assistant" | "tool" | "notice" | "error"
    text: str = ""
    tool: ToolEntry | None = None


@dataclass
class SessionRecord:
    """The transcript as data, kept beside the widgets so an export never scrapes the screen."""

    entries: list[Entry] = field(default_factory=list)

    def add(self, kind: str, text: str = "", tool: ToolEntry | None = None) -> Entry:
        entry = Entry(kind, text, tool)
        self.entries.append(entry)
        return entry

    def append_text(self, text: str) -> None:
        """Streaming answer text joins the assistant entry in progress, or starts one."""
        if self.entries and self.entries[-1].kind == "assistant":
            self.entries[-1].text += text
        else:
            self.add("assistant", text)

    def clear(self) -> None:
        self.entries.clear()

    def last_answer(self) -> str:
        """The assistant's text since the last question (its whole answer, tool calls in between left out)."""
        parts: list[str] = []
        for entry in reversed(self.entries):
            if entry.kind == "user":
                break
            if entry.kind == "assistant" and entry.text.strip():
                parts.append(entry.text.strip())
        return "\n\n".join(reversed(parts))


def render_markdown(record: SessionRecord, *, context: str | None, namespace: str, when: datetime) -> str:
    lines = [
        f"# aiops chat session, {when:%Y-%m-%d %H:%M}",
        "",
        f"Context `{context or '(kubeconfig default)'}`, namespace `{namespace}`.",
        "",
    ]
    for entry in record.entries:
        if entry.kind == "user":
            lines += [f"## {_one_line(entry.text)}", ""]
            if "\n" in entry.text.strip():
                lines += [_quote(entry.text), ""]
        elif entry.kind == "assistant":
            lines += [entry.text.strip(), ""]
        elif entry.kind == "tool" and entry.tool is not None:
            lines += _tool_markdown(entry.tool)
        elif entry.kind in ("notice", "error"):
            lines += [_quote(("**error:** " if entry.kind == "error" else "") + entry.text), ""]
    return "\n".join(lines).rstrip() + "\n"


def _tool_markdown(tool: ToolEntry) -> list[str]:
    result = tool.result
    if result is None:
        status = "not finished"
    elif result.executed:
        status = f"exit {result.exit_code}, {result.duration_s:.2f}s, approved by {result.approver or 'policy'}"
    else:
        status = f"not run: {result.error or 'refused'}"
    out = result.stdout + (("\n" + result.stderr) if result.stderr else "") if result else tool.output
    lines = [f"```sh\n{shlex.join(tool.argv)}\n```", "", f"*{tool.decision} ({tool.risk}): {status}*", ""]
    if out.strip():
        lines += ["<details><summary>output</summary>", "", "```", out.rstrip(), "```", "", "</details>", ""]
    return lines


def render_script(executed: Sequence[CommandResult], *, context: str | None, when: datetime) -> str:
    """Approved writes as live lines; the reads that ran as comments, for the reader's orientation."""
    lines = [
        "#!/bin/sh",
        f"# Commands approved in an aiops chat session, {when:%Y-%m-%d %H:%M}, context {context or '(default)'}.",
        "# Reads that ran are kept as comments. Review before running: the cluster may have moved on.",
        "set -eu",
        "",
    ]
    for result in executed:
        if not result.executed:
            continue
        shown = shlex.join(result.pinned_argv or result.argv)
        if _decision(result) == "allow":
            lines.append(f"# read: {shown}")
        else:
            lines += [f"# {result.verdict.reason} (approved by {result.approver})", shown]
    return "\n".join(lines) + "\n"


def write_export(record: SessionRecord, executed: Sequence[CommandResult], directory: Path, *,
                 context: str | None, namespace: str, when: datetime | None = None) -> tuple[Path, Path]:
    when = when or datetime.now()
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"aiops-session-{when:%Y%m%d-%H%M%S}"
    md, sh = directory / f"{stem}.md", directory / f"{stem}.sh"
    md.write_text(render_markdown(record, context=context, namespace=namespace, when=when), encoding="utf-8")
    sh.write_text(render_script(executed, context=context, when=when), encoding="utf-8")
    sh.chmod(0o755)
    return md, sh


def _decision(result: CommandResult) -> str:
    decision: Any = result.verdict.decision
    return str(getattr(decision, "value", decision))


def _one_line(text: str, width: int = 80) -> str:
    first = " ".join(text.split())
    return first if len(first) <= width else first[: width - 1] + "…"


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in text.strip().splitlines())
