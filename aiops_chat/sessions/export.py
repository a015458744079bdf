"""A saved session as Markdown, for `aiops sessions show` and `export`.

Tool output and attached text are what workloads wrote: they go in fenced blocks whose fence is longer than
any backtick run inside, so a log line cannot close the block and pose as the assistant or the user.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiops_chat.sessions.store import StoredSession

_TICKS = re.compile(r"`{3,}")


def to_markdown(session: StoredSession) -> str:
    lines = [f"# aiops session {session.id}", "",
             f"- created: {session.created}", f"- updated: {session.updated}",
             f"- context: {session.context or '(kubeconfig default)'}", f"- namespace: {session.namespace}",
             f"- model: {session.model or '(none: offline)'}", f"- turns: {session.turns}"]
    if session.tainted_by:
        lines.append(f"- read untrusted text (via `{session.tainted_by}`): writes after it asked a person")
    lines.append("")
    names: dict[str, str] = {}
    for message in session.history:
        role = message["role"]
        content = message.get("content") or ""
        if role == "user":
            lines += ["## You", "", _quoted(content), ""]
        elif role == "assistant":
            if content:
                lines += ["## Assistant", "", content, ""]
            for call in message.get("tool_calls") or ():
                names[call["id"]] = call["function"]["name"]
                lines += [f"→ tool `{call['function']['name']}` {_args(call['function']['arguments'])}", ""]
        else:
            name = names.get(message.get("tool_call_id", ""), "tool")
            lines += [f"<details><summary>output of {name}</summary>", "", fenced(content), "", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def _quoted(text: str) -> str:
    from aiops_chat.agent.attachments import split

    question, has_attachment = split(text)
    if not has_attachment:
        return text
    return question.rstrip() + "\n\n" + fenced(text[len(question):].strip())


def _args(arguments: str) -> str:
    try:
        parsed: Any = json.loads(arguments or "{}")
    except ValueError:
        return fenced(arguments)
    return "`" + json.dumps(parsed, ensure_ascii=False).replace("`", "'") + "`"


def fenced(text: str) -> str:
    longest = max((len(m.group()) for m in _TICKS.finditer(text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}text\n{text}\n{fence}"
