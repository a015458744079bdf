"""The TUI tests' spelling of the scripted model in tests/support/openai_wire.py (one encoder for every test).

`Reply(text=..., tool_calls=[(id, name, args)])` and `Script(replies=[...])`, as the Pilot, snapshot and tmux
tests write them; the bodies come from the shared module.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tests.support import openai_wire as wire
from tests.support.openai_wire import MODEL

__all__ = ["MODEL", "Reply", "Script"]


def Reply(text: str = "", tool_calls: Sequence[tuple[str, str, dict[str, Any]]] = (),
          prompt_tokens: int = 100, completion_tokens: int = 20, piece: int = 6) -> wire.Reply:
    """One scripted model turn: text streamed `piece` characters at a time, or tool calls (id, name, args)."""
    return wire.Reply(content=text, tool_calls=[wire.tool_call(name, args, call_id) for call_id, name, args in tool_calls],
                      prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, piece=piece)


class Script(wire.ScriptedModel):
    """Replies served in order, streamed whatever the request asks; every request body is kept."""

    def __init__(self, replies: Sequence[wire.Reply] = ()) -> None:
        super().__init__(replies, when_empty=Reply(text="(script exhausted)"))

    def next_body(self, request_json: dict[str, Any]) -> bytes:
        return self.answer(json.dumps({**request_json, "stream": True}).encode()).content
