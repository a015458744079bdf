"""The OpenAI chat-completions wire, scripted: SSE bodies for text and tool calls.

Shared by the respx-mocked Pilot tests and the stdlib HTTP server of the tmux smoke test, so both speak
byte for byte what an OpenAI-compatible endpoint streams. A mock only because no model can run here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

MODEL = "gpt-test"


def _chunk(delta: dict[str, Any], *, finish: str | None = None, usage: dict[str, int] | None = None) -> str:
    body: dict[str, Any] = {
        "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if usage is None else [],
    }
    if usage is not None:
        body["usage"] = usage
    return f"data: {json.dumps(body)}\n\n"


@dataclass(frozen=True)
class Reply:
    """One scripted model turn: text streamed in pieces, or tool calls (id, name, arguments)."""

    text: str = ""
    tool_calls: Sequence[tuple[str, str, dict[str, Any]]] = ()
    prompt_tokens: int = 100
    completion_tokens: int = 20
    piece: int = 6  # characters per streamed delta

    def sse_events(self) -> Iterator[str]:
        yield _chunk({"role": "assistant", "content": ""})
        for i in range(0, len(self.text), self.piece):
            yield _chunk({"content": self.text[i:i + self.piece]})
        for index, (call_id, name, args) in enumerate(self.tool_calls):
            raw = json.dumps(args)
            yield _chunk({"tool_calls": [{"index": index, "id": call_id, "type": "function",
                                          "function": {"name": name, "arguments": ""}}]})
            # Arguments arrive in fragments, as real endpoints send them.
            for j in range(0, len(raw), 10):
                yield _chunk({"tool_calls": [{"index": index, "function": {"arguments": raw[j:j + 10]}}]})
        yield _chunk({}, finish="tool_calls" if self.tool_calls else "stop")
        yield _chunk({}, usage={"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                                "total_tokens": self.prompt_tokens + self.completion_tokens})
        yield "data: [DONE]\n\n"

    def sse_body(self) -> bytes:
        return "".join(self.sse_events()).encode()


@dataclass
class Script:
    """Replies served in order; every request body is kept for assertions."""

    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)

    def next_body(self, request_json: dict[str, Any]) -> bytes:
        self.requests.append(request_json)
        reply = self.replies.pop(0) if self.replies else Reply(text="(script exhausted)")
        return reply.sse_body()
