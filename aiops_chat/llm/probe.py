"""`aiops doctor --llm`: probe the configured endpoint and say what works and what to change.

Checks, each with a one-line result and, when it is not fine, the change to make: the configuration, the
models list (and whether the configured model is in it), a trivial tool call, the same call streamed (do
tool-call deltas survive streaming?), streaming text, the context window the server reports, and the
recommended [llm] tool_mode. Each costs at most one small request, without retries: a doctor should answer
quickly, not politely wait. What it learns is cached per endpoint+model (aiops_chat/llm/capabilities.py), so
tool_mode = "auto" starts from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiops_chat.errors import LLMError
from aiops_chat.llm.capabilities import Capabilities, recommend, refuses_tools
from aiops_chat.llm.failures import Failure

if TYPE_CHECKING:
    from aiops_chat.config import Config
    from aiops_chat.llm.client import LLMClient

PING_TOOL = {"type": "function", "function": {
    "name": "ping", "description": "Answer a ping.",
    "parameters": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}}}


@dataclass(frozen=True)
class ProbeCheck:
    name: str
    status: str  # "ok" | "warn" | "fail" | "skip"
    detail: str
    fix: str = ""


def probe(cfg: Config, *, client: LLMClient | None = None) -> list[ProbeCheck]:
    from aiops_chat.llm.client import LLMClient

    checks: list[ProbeCheck] = []
    try:
        llm = client or LLMClient.from_config(cfg)
    except LLMError as exc:
        return [ProbeCheck("config", "fail", exc.message,
                           exc.hint or "set [llm] base_url and api_key in the config, or OPENAI_API_KEY")]
    llm.max_retries = 0
    checks.append(ProbeCheck("config", "ok", f"{cfg.llm.provider} endpoint {llm.endpoint}, model {llm.model!r}"))
    found: dict[str, object] = {}  # facts learnt, for the capability cache
    steps: tuple[tuple[str, Callable[[LLMClient, dict[str, object]], ProbeCheck]], ...] = (
        ("models", lambda c, f: _models(c)), ("tool call", _tool_call), ("streamed tool call", _streamed_tool_call),
        ("streaming", _streaming), ("context", _context))
    blocked = False
    for name, step in steps:
        if blocked:
            checks.append(ProbeCheck(name, "skip", "not tried: the endpoint is unreachable or refused us"))
            continue
        try:
            checks.append(step(llm, found))
        except LLMError as exc:
            checks.append(ProbeCheck(name, "fail", exc.message, exc.hint or ""))
            blocked = _blocks_the_rest(exc)
    if blocked:
        return checks
    caps = llm.learn(**found) if found else llm.capabilities()
    checks.append(_tool_mode(cfg.llm.tool_mode, caps))
    return checks


def _blocks_the_rest(exc: LLMError) -> bool:
    """Whether the next checks would only fail the same way (no server, a refused key, not the API)."""
    return getattr(exc, "kind", None) in (Failure.UNREACHABLE, Failure.TIMEOUT, Failure.AUTH, Failure.NOT_AN_API)


def _models(llm: LLMClient) -> ProbeCheck:
    try:
        models = llm.list_models()
    except LLMError as exc:
        # Azure deployments and some proxies answer /models with a JSON 404 or 405; an HTML 404 is a wrong URL.
        if getattr(exc, "status", None) in (404, 405) and getattr(exc, "api_error", False):
            return ProbeCheck("models", "warn", "the endpoint does not list models (fine for Azure and some proxies)")
        raise
    if not models:
        return ProbeCheck("models", "warn", "the endpoint lists no models")
    if llm.model not in models:
        shown = ", ".join(models[:8]) + (" …" if len(models) > 8 else "")
        return ProbeCheck("models", "warn", f"{len(models)} models listed, but not {llm.model!r}",
                          f"set [llm] model to one of: {shown}")
    return ProbeCheck("models", "ok", f"{len(models)} models listed, including {llm.model!r}")


PING_MESSAGES = [{"role": "system", "content": "You test tool calling. Always answer by calling a tool."},
                 {"role": "user", "content": "Call the ping tool with word set to pong."}]
JSON_FIX = 'set [llm] tool_mode = "json" (a prompt-level protocol for models without tool calling), or keep "auto"'


def _tool_call(llm: LLMClient, found: dict[str, object]) -> ProbeCheck:
    try:
        completion = llm.chat(PING_MESSAGES, [PING_TOOL], stream=False)
    except LLMError as exc:
        if not refuses_tools(exc):
            raise
        found["native_tools"] = False
        return ProbeCheck("tool call", "warn", f"the server refused native tool calling: {exc.message}", JSON_FIX)
    call = next((c for c in completion.tool_calls if c.name == "ping"), None)
    if call is None:
        found["native_tools"] = False
        return ProbeCheck("tool call", "warn", "the model answered in text instead of calling the tool", JSON_FIX)
    try:
        args = json.loads(call.arguments or "{}")
    except ValueError:
        found["native_tools"] = False
        return ProbeCheck("tool call", "warn", f"the tool call's arguments are not JSON: {call.arguments[:60]!r}",
                          JSON_FIX)
    found["native_tools"] = True
    return ProbeCheck("tool call", "ok", f"the model called ping({json.dumps(args)})")


def _streamed_tool_call(llm: LLMClient, found: dict[str, object]) -> ProbeCheck:
    if found.get("native_tools") is not True:
        return ProbeCheck("streamed tool call", "skip", "no native tool call to stream")
    pieces: list[str] = []
    completion = llm.chat(PING_MESSAGES, [PING_TOOL], on_text=pieces.append, stream=True)
    if any(c.name == "ping" for c in completion.tool_calls):
        found["streamed_tool_calls"] = True
        return ProbeCheck("streamed tool call", "ok", "tool-call deltas arrive in the stream")
    if completion.tool_calls or pieces:
        return ProbeCheck("streamed tool call", "warn", "streamed, the model did not call ping (unstreamed it did)",
                          "a small model may answer differently each time; run the doctor again")
    found["streamed_tool_calls"] = False
    return ProbeCheck("streamed tool call", "warn",
                      f"the stream ended (finish_reason {completion.finish_reason!r}) without the tool call an "
                      "unstreamed request returns: this server drops streamed tool calls",
                      "nothing to change: aiops asks such tool turns again without streaming (or upgrade the server)")


def _context(llm: LLMClient, found: dict[str, object]) -> ProbeCheck:
    from aiops_chat.llm.context import read_server_facts

    facts = read_server_facts(llm)
    if facts.context_tokens:
        found.update(context_tokens=facts.context_tokens, context_source=facts.source)
    if facts.native_tools is not None and "native_tools" not in found:
        found["native_tools"] = facts.native_tools
    if llm.context_tokens:
        reported = f"; the server reports {facts.context_tokens} ({facts.source})" if facts.context_tokens else ""
        return ProbeCheck("context", "ok", f"{llm.context_tokens} tokens from [llm] context_tokens{reported}")
    if facts.context_tokens:
        return ProbeCheck("context", "ok", f"{facts.context_tokens} tokens ({facts.source}); tool outputs are "
                                           "trimmed to fit")
    return ProbeCheck("context", "warn", "the server does not report its context window",
                      "set [llm] context_tokens to the model's window so long tool outputs are trimmed before sending")


def _tool_mode(configured: str, caps: Capabilities) -> ProbeCheck:
    mode, why = recommend(caps)
    if configured == "native" and caps.native_tools is False:
        return ProbeCheck("tool mode", "warn", f"configured \"native\", but {why}", f"set [llm] tool_mode = \"{mode}\"")
    return ProbeCheck("tool mode", "ok", f"recommended: tool_mode = \"{mode}\" ({why}); configured: \"{configured}\"")


def _streaming(llm: LLMClient, found: dict[str, object]) -> ProbeCheck:
    pieces: list[str] = []
    try:
        completion = llm.chat([{"role": "user", "content": "Count from 1 to 5, separated by spaces."}],
                              on_text=pieces.append, stream=True)
    except LLMError as exc:
        found["streaming"] = False
        return ProbeCheck("streaming", "fail", exc.message,
                          "set [llm] stream = false (the answer then arrives at once)")
    found["streaming"] = bool(pieces)
    if not pieces:
        return ProbeCheck("streaming", "warn", "the stream carried no text", "set [llm] stream = false")
    usage = "with usage" if not completion.usage.estimated else "without usage (tokens are estimated)"
    return ProbeCheck("streaming", "ok", f"{len(pieces)} pieces streamed, {usage}")

