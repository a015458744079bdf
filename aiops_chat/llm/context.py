"""The model's context window: where servers report it, and fitting a conversation into it.

Where it is reported (each read is one small request, without retries; a server that does not answer one
simply is not that server):

- vLLM: `GET /v1/models` → `data[].max_model_len`;
- llama.cpp: `GET /props` → `default_generation_settings.n_ctx` (the window it was started with);
- Ollama: `POST /api/show {"model": M}` → `model_info["<arch>.context_length"]` (the trained length; a
  `num_ctx` in its `parameters` is what it really runs with and wins), and `capabilities` ("tools");
- LM Studio: `GET /api/v0/models` → `loaded_context_length`, else `max_context_length`.

Fitting trims tool outputs, oldest first, head and tail kept, never the user's words or the system prompt:
those are what the model must answer to. Token counts are the project's estimate (four characters a token,
aiops_chat.llm.types.estimate_tokens).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiops_chat.llm.types import estimate_tokens

if TYPE_CHECKING:
    from aiops_chat.llm.client import LLMClient

READ_TIMEOUT = 5.0
MIN_KEEP_TOKENS = 48  # of a trimmed output: enough for the command line and a few lines of head and tail
CUT_NOTE = "[… {n} characters cut to fit the model's context window …]"


@dataclass(frozen=True)
class ServerFacts:
    context_tokens: int | None = None
    source: str = ""
    native_tools: bool | None = None  # Ollama's /api/show says so; other servers do not


def read_server_facts(llm: LLMClient) -> ServerFacts:
    """The context size (and, from Ollama, tool support) the endpoint reports; empty when it reports none."""
    host = urlsplit(llm.endpoint).hostname or ""
    if llm.provider == "azure" or host.endswith("openai.com"):
        return ServerFacts()
    root = llm.endpoint.rstrip("/").removesuffix("/v1")
    readers: tuple[Callable[[], ServerFacts | None], ...] = (
        lambda: _vllm(_get(llm, f"{llm.endpoint.rstrip('/')}/models"), llm.model),
        lambda: _llama_cpp(_get(llm, f"{root}/props")),
        lambda: _ollama(_post(llm, f"{root}/api/show", {"model": llm.model})),
        lambda: _lm_studio(_get(llm, f"{root}/api/v0/models"), llm.model),
    )
    for read in readers:
        try:
            facts = read()
        except Exception:  # any failure means "this server does not report it here"
            facts = None
        if facts is not None:
            return facts
    return ServerFacts()


def _get(llm: LLMClient, url: str) -> Any:
    return llm.sdk.get(url, cast_to=object, options={"timeout": min(llm.timeout, READ_TIMEOUT), "max_retries": 0})


def _post(llm: LLMClient, url: str, body: dict[str, Any]) -> Any:
    return llm.sdk.post(url, body=body, cast_to=object,
                        options={"timeout": min(llm.timeout, READ_TIMEOUT), "max_retries": 0})


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _vllm(data: Any, model: str) -> ServerFacts | None:
    for entry in data.get("data", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and entry.get("id") == model and _positive(entry.get("max_model_len")):
            return ServerFacts(entry["max_model_len"], "vLLM /v1/models max_model_len")
    return None


def _llama_cpp(data: Any) -> ServerFacts | None:
    if not isinstance(data, dict):
        return None
    settings = data.get("default_generation_settings")
    n_ctx = _positive(settings.get("n_ctx")) if isinstance(settings, dict) else None
    n_ctx = n_ctx or _positive(data.get("n_ctx"))
    return ServerFacts(n_ctx, "llama.cpp /props n_ctx") if n_ctx else None


def _ollama(data: Any) -> ServerFacts | None:
    if not isinstance(data, dict) or not isinstance(data.get("model_info"), dict):
        return None
    tools: bool | None = None
    if isinstance(data.get("capabilities"), list):
        tools = "tools" in data["capabilities"]
    for line in str(data.get("parameters") or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "num_ctx" and parts[1].isdigit() and int(parts[1]) > 0:
            return ServerFacts(int(parts[1]), "Ollama /api/show num_ctx", tools)
    for key, value in data["model_info"].items():
        # The key is the server's text and ends up on a terminal and in the cache: only a plain name is named.
        if _OLLAMA_KEY.fullmatch(str(key)) and _positive(value):
            return ServerFacts(value, f"Ollama /api/show {key}", tools)
    return ServerFacts(None, "", tools) if tools is not None else None


_OLLAMA_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}\.context_length")


def _lm_studio(data: Any, model: str) -> ServerFacts | None:
    for entry in data.get("data", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict) or entry.get("id") != model:
            continue
        for key in ("loaded_context_length", "max_context_length"):
            if _positive(entry.get(key)):
                return ServerFacts(entry[key], f"LM Studio /api/v0/models {key}")
    return None


# -- fitting ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trim:
    outputs: int  # how many tool outputs were cut
    before: int  # estimated tokens of the request before
    after: int


def message_tokens(message: dict[str, Any]) -> int:
    return estimate_tokens(json.dumps(message, ensure_ascii=False))


def fit_messages(messages: list[dict[str, Any]], *, fixed_tokens: int, limit: int, reserve: int,
                 is_tool_output: Callable[[dict[str, Any]], bool],
                 cutter: Callable[[str, int], str] | None = None) -> Trim | None:
    """Cut tool outputs in `messages` (in place, oldest first) until the request fits `limit` tokens with
    `reserve` left for the answer. None when nothing had to change. `fixed_tokens`: the system prompt and
    the tool schemas, which are sent whatever happens. `cutter(text, keep_tokens)` shortens one output (the
    agent passes one that keeps the untrusted-output markers whole)."""
    shorten = cutter or cut_text
    budget = limit - min(reserve, limit // 2)
    before = fixed_tokens + sum(message_tokens(m) for m in messages)
    excess = before - budget
    if excess <= 0:
        return None
    cut = 0
    for message in _oldest_first(messages, is_tool_output):
        if excess <= 0:
            break
        content = str(message.get("content") or "")
        size = estimate_tokens(content)
        keep = max(MIN_KEEP_TOKENS, size - excess)
        if keep >= size:
            continue
        shorter = shorten(content, keep)
        excess -= size - estimate_tokens(shorter)
        message["content"] = shorter
        cut += 1
    if not cut:
        return None
    return Trim(cut, before, fixed_tokens + sum(message_tokens(m) for m in messages))


def _oldest_first(messages: Sequence[dict[str, Any]], is_tool_output: Callable[[dict[str, Any]], bool]
                  ) -> list[dict[str, Any]]:
    return [m for m in messages if is_tool_output(m)]


def cut_text(text: str, keep_tokens: int) -> str:
    """`text` cut to about `keep_tokens`, keeping the head (two thirds) and the tail (a third): the command
    line and the untrusted-output markers at both ends survive."""
    limit = keep_tokens * 4
    if len(text) <= limit:
        return text
    note_room = len(CUT_NOTE) + 12
    room = max(limit - note_room, 40)
    head_n, tail_n = room * 2 // 3, room // 3
    head, tail = text[:head_n], text[len(text) - tail_n:]
    return f"{head}\n{CUT_NOTE.format(n=len(text) - head_n - tail_n)}\n{tail}"
