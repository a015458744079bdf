"""What an endpoint+model can do, how we learnt it, and the file that remembers it for a day.

Local servers differ in ways the OpenAI API does not say: a model may have no native tool calling (Ollama
answers HTTP 400 "does not support tools"; a llama.cpp server without --jinja ignores the tools), a server
may drop tool calls from a stream while returning them unstreamed (some Ollama versions), and the context
window is whatever the server was started with. `aiops doctor --llm` probes all of it (aiops_chat/llm/probe.py);
a session learns the same facts from live traffic (aiops_chat/agent/loop.py). Either way the result is kept
here, per endpoint and model, so the next session starts from it.

`None` means "not known": a fact is only written once something showed it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_FILE = "llm-capabilities.json"
TTL_SECONDS = 24 * 3600  # a server gets upgraded, a model re-pulled: re-learn daily
MAX_ENTRIES = 64
NOT_REPORTED = "not reported"  # context_source when the server was asked and reports no window


@dataclass(frozen=True)
class Capabilities:
    native_tools: bool | None = None  # the model calls tools through the API's `tools`
    streamed_tool_calls: bool | None = None  # tool calls survive streaming (False: some Ollama versions)
    streaming: bool | None = None
    context_tokens: int | None = None  # what the server reports as the model's window
    context_source: str = ""  # where context_tokens came from ("llama.cpp /props n_ctx", NOT_REPORTED, "" = not asked)

    def learnt(self, **facts: Any) -> Capabilities:
        return dataclasses.replace(self, **facts)


def resolve_tool_mode(configured: str, caps: Capabilities) -> str:
    """"native" or "json" for a configured [llm] tool_mode of "auto", "native" or "json"."""
    if configured in ("native", "json"):
        return configured
    return "json" if caps.native_tools is False else "native"


def refuses_tools(exc: BaseException) -> bool:
    """An endpoint error whose message says the model or server does not do tools (Ollama: "registry.ollama.ai/
    library/gemma:2b does not support tools"; llama.cpp without --jinja: "tools param requires --jinja flag")."""
    status = getattr(exc, "status", None)
    text = str(getattr(exc, "message", exc)).lower()
    return status in (400, 422, 500, 501) and "tool" in text and any(
        w in text for w in ("support", "jinja", "not allowed", "unsupported", "unknown"))


def recommend(caps: Capabilities) -> tuple[str, str]:
    """(tool_mode, why) for `aiops doctor --llm`."""
    if caps.native_tools is False:
        return "json", "the model does not call tools natively; the JSON protocol works without it"
    if caps.native_tools is None:
        return "auto", "tool calling could not be checked; auto starts native and switches to json if it fails"
    if caps.streamed_tool_calls is False:
        return ("auto", "native tool calls work, but not streamed: auto asks again without streaming when a "
                        "stream drops a call, and streams the final answer")
    return "auto", "native tool calls work, streamed too (native and auto behave the same here)"


class CapabilityCache:
    """A small JSON file: {"<endpoint>|<model>": {"at": epoch seconds, facts...}}. Unreadable or stale
    entries read as unknown; a write that fails (read-only home) is not an error, only a lost memo."""

    def __init__(self, path: Path | None, *, ttl: float = TTL_SECONDS, clock: Any = time.time) -> None:
        self.path = path
        self.ttl = ttl
        self.clock = clock

    @staticmethod
    def key(endpoint: str, model: str) -> str:
        return f"{endpoint.rstrip('/')}|{model}"

    def get(self, endpoint: str, model: str) -> Capabilities:
        entry = self._read().get(self.key(endpoint, model))
        if not isinstance(entry, dict):
            return Capabilities()
        at = entry.get("at")
        if not isinstance(at, int | float) or self.clock() - at > self.ttl:
            return Capabilities()
        return _from_entry(entry)

    def put(self, endpoint: str, model: str, caps: Capabilities) -> None:
        if self.path is None:
            return
        data = self._read()
        data[self.key(endpoint, model)] = {"at": self.clock(), **dataclasses.asdict(caps)}
        if len(data) > MAX_ENTRIES:  # the oldest go first
            ordered = sorted(data.items(), key=lambda kv: kv[1].get("at", 0) if isinstance(kv[1], dict) else 0)
            data = dict(ordered[-MAX_ENTRIES:])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def _from_entry(entry: dict[str, Any]) -> Capabilities:
    def flag(name: str) -> bool | None:
        value = entry.get(name)
        return value if isinstance(value, bool) else None

    ctx = entry.get("context_tokens")
    source = entry.get("context_source")
    return Capabilities(
        native_tools=flag("native_tools"), streamed_tool_calls=flag("streamed_tool_calls"),
        streaming=flag("streaming"),
        context_tokens=ctx if isinstance(ctx, int) and not isinstance(ctx, bool) and ctx > 0 else None,
        context_source=source if isinstance(source, str) else "")
