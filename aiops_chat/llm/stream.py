"""Turning the SDK's responses (streamed chunks or one message) into a :class:`Completion`.

Streamed chunks are the decoded JSON of each server-sent event (plain dicts): building the SDK's pydantic
models for every token cost the worker thread most of its time at a few thousand tokens a second, and that
time was taken from the UI thread through the GIL (bench/tui_latency.py). SDK objects are accepted as well.

Streamed tool calls arrive as deltas keyed by `index`: the first carries the id and the name, later ones
append pieces of the JSON arguments. Some servers (Ollama, older vLLM) send a call whole in one chunk, or
omit the id; both are handled here so nothing else has to care.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiops_chat.llm.types import Completion, ToolCall, Usage

TextSink = Callable[[str], None]


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class StreamAccumulator:
    def __init__(self, on_text: TextSink | None = None) -> None:
        self.on_text = on_text
        self.text: list[str] = []
        self.calls: dict[int, _PartialCall] = {}
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.emitted = False  # whether any text reached on_text: a retry would then repeat it
        self.chunks = 0  # events received: none at all is not an answer (aiops_chat.llm.failures)

    def add(self, chunk: Any) -> None:
        self.chunks += 1
        usage = _field(chunk, "usage")
        if usage is not None:
            self.usage = usage_from(usage)
        for choice in _field(chunk, "choices") or ():
            if _field(choice, "index") not in (0, None):
                continue
            delta = _field(choice, "delta")
            if delta is not None:
                content = _field(delta, "content")
                if content:
                    self.text.append(content)
                    if self.on_text is not None:
                        self.emitted = True
                        self.on_text(content)
                for tc in _field(delta, "tool_calls") or ():
                    self._add_call_delta(tc)
            finish_reason = _field(choice, "finish_reason")
            if finish_reason:
                self.finish_reason = finish_reason

    def _add_call_delta(self, tc: Any) -> None:
        index = _field(tc, "index")
        part = self.calls.setdefault(len(self.calls) if index is None else index, _PartialCall())
        if _field(tc, "id"):
            part.id = _field(tc, "id")
        fn = _field(tc, "function")
        if fn is not None:
            if _field(fn, "name"):
                part.name = _field(fn, "name")
            if _field(fn, "arguments"):
                part.arguments.append(_field(fn, "arguments"))

    def completion(self) -> Completion:
        calls = tuple(
            ToolCall(id=encodable(p.id or f"call_{i}"), name=encodable(p.name), arguments=encodable("".join(p.arguments)))
            for i, p in sorted(self.calls.items())
        )
        return Completion(encodable("".join(self.text)), calls, self.usage or Usage(requests=1), self.finish_reason)


def consume_stream(chunks: Iterable[Any], acc: StreamAccumulator, cancel: threading.Event | None) -> Completion:
    for chunk in chunks:
        acc.add(chunk)
        if cancel is not None and cancel.is_set():
            acc.finish_reason = "cancelled"
            break
    return acc.completion()


def completion_from_response(response: Any) -> Completion:
    """A whole completion: the SDK's object, or its decoded JSON (a server that ignored stream=true)."""
    choices = _field(response, "choices") or ()
    choice = choices[0] if choices else None
    message = _field(choice, "message") if choice is not None else None
    calls = tuple(
        ToolCall(id=encodable(_field(tc, "id") or f"call_{i}"), name=encodable(_field(_field(tc, "function"), "name") or ""),
                 arguments=encodable(_field(_field(tc, "function"), "arguments") or ""))
        for i, tc in enumerate(_field(message, "tool_calls") or ())
    )
    usage = usage_from(_field(response, "usage")) if _field(response, "usage") else Usage(requests=1)
    return Completion(encodable(_field(message, "content") or ""), calls, usage,
                      _field(choice, "finish_reason") if choice is not None else None)


def usage_from(raw: Any) -> Usage:
    return Usage(
        prompt_tokens=int(_field(raw, "prompt_tokens") or 0),
        completion_tokens=int(_field(raw, "completion_tokens") or 0),
        requests=1,
    )


def encodable(value: str) -> str:
    """A model's text made encodable: JSON may carry a lone surrogate ("\\udc9b"), which no UTF-8 request,
    session file or terminal can take; it becomes U+FFFD here, once, before anything else holds it."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _field(obj: Any, name: str) -> Any:
    """A field of a decoded JSON object, or an attribute of an SDK model."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
