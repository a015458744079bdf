"""`aiops doctor --llm`: probe the configured endpoint and say what works and what to change.

Four checks, each with a one-line result and, when it is not fine, the change to make: the configuration,
the models list (and whether the configured model is in it), a trivial tool call, and streaming. Each costs
at most one small request, without retries: a doctor should answer quickly, not politely wait.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiops_chat.errors import LLMError
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
    steps: tuple[tuple[str, Callable[[LLMClient], ProbeCheck]], ...] = (
        ("models", _models), ("tool call", _tool_call), ("streaming", _streaming))
    blocked = False
    for name, step in steps:
        if blocked:
            checks.append(ProbeCheck(name, "skip", "not tried: the endpoint is unreachable or refused us"))
            continue
        try:
            checks.append(step(llm))
        except LLMError as exc:
            checks.append(ProbeCheck(name, "fail", exc.message, exc.hint or ""))
            blocked = _blocks_the_rest(exc)
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


def _tool_call(llm: LLMClient) -> ProbeCheck:
    messages = [{"role": "system", "content": "You test tool calling. Always answer by calling a tool."},
                {"role": "user", "content": "Call the ping tool with word set to pong."}]
    completion = llm.chat(messages, [PING_TOOL], stream=False)
    call = next((c for c in completion.tool_calls if c.name == "ping"), None)
    if call is None:
        return ProbeCheck("tool call", "warn", "the model answered in text instead of calling the tool",
                          "use a model that supports tool calling (without it, aiops falls back to the offline "
                          "planner)")
    try:
        args = json.loads(call.arguments or "{}")
    except ValueError:
        return ProbeCheck("tool call", "warn", f"the tool call's arguments are not JSON: {call.arguments[:60]!r}",
                          "use a model with reliable tool calling; aiops tells the model and lets it retry")
    return ProbeCheck("tool call", "ok", f"the model called ping({json.dumps(args)})")


def _streaming(llm: LLMClient) -> ProbeCheck:
    pieces: list[str] = []
    try:
        completion = llm.chat([{"role": "user", "content": "Count from 1 to 5, separated by spaces."}],
                              on_text=pieces.append, stream=True)
    except LLMError as exc:
        return ProbeCheck("streaming", "fail", exc.message,
                          "set [llm] stream = false (the answer then arrives at once)")
    if not pieces:
        return ProbeCheck("streaming", "warn", "the stream carried no text", "set [llm] stream = false")
    usage = "with usage" if not completion.usage.estimated else "without usage (tokens are estimated)"
    return ProbeCheck("streaming", "ok", f"{len(pieces)} pieces streamed, {usage}")

