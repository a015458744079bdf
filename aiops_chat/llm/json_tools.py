"""The JSON tool protocol: tool calling in the prompt, for models without native tool calling.

The model answers every message with exactly one JSON object: `{"tool": NAME, "arguments": {...}}` to call a
tool, or `{"answer": TEXT}` to finish. Parsing is strict: the reply is that object and nothing else (a
single Markdown code fence around it is the one thing tolerated, as small models add one by habit); any
other key, a second object, prose around it, or arguments that are not an object is a protocol error the
model is told about once (`repair_message`). What the call names is not checked here: it becomes a
:class:`ToolCall` like a native one and takes the same path (registry, argument check, policy, guard,
approval) in aiops_chat/tools/runner.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiops_chat.llm.templates import render_prompt
from aiops_chat.llm.types import ToolCall

RESULT_PREFIX = "Result of tool call "
MAX_SHOWN = 200  # characters of a bad reply quoted back in the repair message
_FENCE = re.compile(r"\A```(?:json)?[ \t]*\n(?P<body>.*)\n```\Z", re.DOTALL)


@dataclass(frozen=True)
class JsonReply:
    """A reply that followed the protocol: either a call or an answer."""

    call: ToolCall | None = None
    answer: str = ""


class ProtocolError(ValueError):
    """The model's reply does not follow the JSON tool protocol (the model is at fault)."""


def protocol_prompt(tools: Sequence[dict[str, Any]]) -> str:
    """The system-prompt section describing the protocol and the tools."""
    listed = []
    for schema in tools:
        fn = schema.get("function", schema)
        listed.append(f"- {fn['name']}: {fn.get('description', '').strip()}\n  parameters: "
                      + json.dumps(fn.get("parameters", {}), separators=(",", ":"), sort_keys=True))
    return render_prompt("tool_protocol", tools="\n".join(listed))


def parse_reply(text: str, call_id: str) -> JsonReply:
    """The reply as a call or an answer; ProtocolError saying exactly what is wrong otherwise."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group("body").strip()
    if not body:
        raise ProtocolError("the reply was empty")
    try:
        value, end = json.JSONDecoder().raw_decode(body)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"the reply is not JSON ({exc.msg} at position {exc.pos})") from None
    if body[end:].strip():
        raise ProtocolError("the reply has text after the JSON object; send the object alone")
    if not isinstance(value, dict):
        raise ProtocolError(f"the reply is a JSON {type(value).__name__}, not an object")
    keys = set(value)
    if keys == {"answer"}:
        if not isinstance(value["answer"], str):
            raise ProtocolError('"answer" must be a string')
        return JsonReply(answer=value["answer"])
    if keys == {"tool", "arguments"}:
        name, arguments = value["tool"], value["arguments"]
        if not isinstance(name, str) or not name:
            raise ProtocolError('"tool" must be a tool name (a non-empty string)')
        if not isinstance(arguments, dict):
            raise ProtocolError(f'"arguments" must be a JSON object, got {type(arguments).__name__}')
        return JsonReply(call=ToolCall(call_id, name, json.dumps(arguments)))
    raise ProtocolError(f"the object has keys {sorted(keys)}; use exactly tool+arguments, or exactly answer")


def repair_message(problem: str, reply: str) -> str:
    shown = reply.strip()
    shown = shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 1] + "…"
    return (f"Your last reply did not follow the tool protocol: {problem}. You wrote: {json.dumps(shown)}\n"
            'Reply again with exactly one JSON object and nothing else: {"tool": "<name>", "arguments": {...}} '
            'or {"answer": "<text>"}.')


def result_message(call: ToolCall, output: str) -> dict[str, Any]:
    """A tool's output for the next request: a user message, since servers without tool calling may
    reject the `tool` role."""
    return {"role": "user", "content": f"{RESULT_PREFIX}{call.id} ({call.name}):\n{output}"}


def is_result_message(message: dict[str, Any]) -> bool:
    return message.get("role") == "user" and str(message.get("content") or "").startswith(RESULT_PREFIX)
