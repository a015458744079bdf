"""The LLM client: any OpenAI-compatible endpoint through the `openai` SDK.

OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio and a LiteLLM proxy all speak `POST {base_url}/chat/completions`;
what differs is the base URL, the key (local servers take any) and, for Azure, the deployment and API version.
This module is the only one in aiops-chat that imports `openai`, and it does so lazily so `aiops --help`
never pays for it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiops_chat.errors import LLMError
from aiops_chat.llm import retry
from aiops_chat.llm.capabilities import (
    CACHE_FILE,
    NOT_REPORTED,
    Capabilities,
    CapabilityCache,
    resolve_tool_mode,
)
from aiops_chat.llm.failures import Failure, LLMEndpointError, bad_answer, classify
from aiops_chat.llm.progress import WaitNotice
from aiops_chat.llm.stream import (
    StreamAccumulator,
    TextSink,
    completion_from_response,
    consume_stream,
    encodable,
)
from aiops_chat.llm.types import Completion, Usage, estimate_tokens

if TYPE_CHECKING:
    from aiops_chat.config import Config

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
NO_LLM = "no LLM configured: set [llm] base_url/api_key or OPENAI_API_KEY"
# Local servers (Ollama, vLLM, LM Studio) ignore the key, but the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"


class LLMClient:
    def __init__(
        self,
        sdk: Any,
        *,
        model: str,
        endpoint: str,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        stream: bool = True,
        max_retries: int = 3,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        provider: str = "openai",
        tool_mode: str = "auto",
        context_tokens: int = 0,
        capability_cache: CapabilityCache | None = None,
    ) -> None:
        self.sdk = sdk
        self.model = model
        self.endpoint = endpoint
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.stream = stream
        self.max_retries = max_retries
        self.timeout = timeout
        self.sleep = sleep
        self.provider = provider
        self.tool_mode = tool_mode  # as configured: "auto", "native" or "json"
        self.context_tokens = context_tokens  # as configured; 0 = ask the server
        self.capability_cache = capability_cache or CapabilityCache(None)
        self._caps: dict[str, Capabilities] = {}  # per model: /model switches it within a session
        self._server_read: set[str] = set()
        self.malformed_native_calls = 0  # this session's; tool_mode "auto" switches to json at the second
        self.calls = 0  # chat completions answered (a retried request counts once): what `aiops eval` reports
        # Progress for a person waiting ("waiting for the model at URL, try 2 of 4"): front ends set this
        # (`aiops ask` prints it on stderr). Called from the calling thread or a timer thread.
        self.on_wait: Callable[[str], None] | None = None
        self.wait_notice = WaitNotice(self._say)

    @classmethod
    def from_config(cls, cfg: Config, *, http_client: Any = None) -> LLMClient:
        """Build from [llm], with the SDK's env fallbacks already applied by the config (cfg.api_key/base_url)."""
        llm = cfg.llm
        if not llm.enabled:
            raise LLMError("LLM disabled in the config ([llm] enabled = false)")
        if not cfg.api_key and not cfg.base_url:
            raise LLMError(NO_LLM)
        import openai

        timeout = openai.Timeout(llm.timeout, connect=llm.connect_timeout)
        common: dict[str, Any] = {"timeout": timeout, "max_retries": 0}
        if http_client is not None:
            common["http_client"] = http_client
        if llm.provider == "azure":
            if not cfg.base_url:
                raise LLMError("Azure OpenAI needs [llm] base_url (https://<resource>.openai.azure.com)")
            sdk: Any = openai.AzureOpenAI(
                azure_endpoint=cfg.base_url, api_key=cfg.api_key or None, api_version=llm.api_version, **common)
            endpoint = cfg.base_url
        else:
            sdk = openai.OpenAI(api_key=cfg.api_key or PLACEHOLDER_KEY, base_url=cfg.base_url or None, **common)
            endpoint = cfg.base_url or OPENAI_DEFAULT_URL
        cache_dir = cfg.analysis.cache_dir or cfg.runtime.cache_dir  # no directory: nothing is remembered
        cache = CapabilityCache(cfg.cache_dir / CACHE_FILE if cache_dir else None)
        return cls(sdk, model=llm.model, endpoint=endpoint.rstrip("/"), temperature=llm.temperature,
                   max_tokens=llm.max_tokens, stream=llm.stream, max_retries=llm.max_retries, timeout=llm.timeout,
                   provider=llm.provider, tool_mode=llm.tool_mode, context_tokens=llm.context_tokens,
                   capability_cache=cache)

    # -- what the endpoint can do (aiops_chat/llm/capabilities.py) --------------------------------------------

    def capabilities(self) -> Capabilities:
        if self.model not in self._caps:
            self._caps[self.model] = self.capability_cache.get(self.endpoint, self.model)
        return self._caps[self.model]

    def learn(self, **facts: Any) -> Capabilities:
        """Record facts about this endpoint+model, for this session and (cached) the next ones."""
        caps = self.capabilities().learnt(**facts)
        self._caps[self.model] = caps
        self.capability_cache.put(self.endpoint, self.model, caps)
        return caps

    def effective_tool_mode(self) -> str:
        """"native" or "json": [llm] tool_mode, with "auto" decided by what is known of the endpoint."""
        return resolve_tool_mode(self.tool_mode, self.capabilities())

    def context_limit(self) -> int | None:
        """The context window in tokens: [llm] context_tokens, else what the server reports (read once per
        session and model when not cached; Ollama's answer also says whether the model has tools)."""
        if self.context_tokens:
            return self.context_tokens
        caps = self.capabilities()
        if caps.context_tokens is None and not caps.context_source and self.model not in self._server_read:
            from aiops_chat.llm.context import read_server_facts

            self._server_read.add(self.model)
            facts = read_server_facts(self)
            found: dict[str, Any] = {}
            # "not reported" is remembered too, so the next sessions do not ask again for a day
            found["context_source"] = facts.source if facts.context_tokens else NOT_REPORTED
            if facts.context_tokens:
                found["context_tokens"] = facts.context_tokens
            if facts.native_tools is not None and caps.native_tools is None:
                found["native_tools"] = facts.native_tools
            caps = self.learn(**found)
        return caps.context_tokens

    # -- calls ---------------------------------------------------------------------------------------

    def chat(
        self,
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]] | None = None,
        *,
        on_text: TextSink | None = None,
        cancel: threading.Event | None = None,
        stream: bool | None = None,
    ) -> Completion:
        """One model call, with retries. Streams text pieces to `on_text` as they arrive."""
        streaming = self.stream if stream is None else stream
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [_encodable(m) for m in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if tools:
            request["tools"] = list(tools)
        acc_box: list[StreamAccumulator] = []

        def already_shown(_exc: BaseException) -> bool:
            return bool(acc_box and acc_box[-1].emitted)

        def attempt() -> Completion:
            if not streaming:
                raw = self.sdk.chat.completions.with_raw_response.create(**request)
                self.wait_notice.answered()
                _expect_json(raw.http_response, "choices")
                return completion_from_response(raw.parse())
            acc = StreamAccumulator(on_text)
            acc_box.append(acc)
            chunks = self._open_stream(request)
            self.wait_notice.answered()
            try:
                whole = _not_a_stream(chunks.response)
                if whole is not None:  # a server that ignores stream=true and sends one JSON completion
                    completion = completion_from_response(whole)
                    if on_text is not None and completion.text:
                        acc.emitted = True
                        on_text(completion.text)
                    return completion
                completion = consume_stream(chunks, acc, cancel)
                if acc.chunks == 0:
                    raise bad_answer(chunks.response, kind=Failure.EMPTY)
                return completion
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()

        completion = self._with_retries(attempt, also_stop=already_shown)
        self.calls += 1
        if completion.usage.prompt_tokens == 0 and completion.usage.completion_tokens == 0:
            completion = _with_estimated_usage(completion, request)
        if not streaming and on_text is not None and completion.text:
            on_text(completion.text)
        return completion

    def _open_stream(self, request: dict[str, Any]) -> Any:
        """The streamed chat completion as decoded JSON dicts, one per server-sent event.

        The SDK's own `chat.completions.create(stream=True)` builds a pydantic model per token; `cast_to=object`
        keeps the SDK's transport, auth, Azure deployment routing, SSE decoding and in-stream error handling,
        and skips only that model building (see aiops_chat/llm/stream.py).
        """
        import openai

        body = {**request, "stream": True, "stream_options": {"include_usage": True}}
        return self.sdk.post("/chat/completions", body=body, cast_to=object, stream=True,
                             stream_cls=openai.Stream[object])

    def complete_text(self, system: str, user: str) -> str:
        """One completion without tools (used by `aiops analyze --explain`). Streamed when [llm] stream is
        on, like every call: [llm] timeout bounds the wait for the first byte, not the whole answer."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        return self.chat(messages).text

    def list_models(self) -> list[str]:
        def attempt() -> Any:
            raw = self.sdk.models.with_raw_response.list()
            self.wait_notice.answered()
            _expect_json(raw.http_response, "data")
            return raw.parse()

        page = self._with_retries(attempt)
        return sorted(str(getattr(m, "id", m)) for m in getattr(page, "data", page))

    def _with_retries(self, fn: Callable[[], Any], *, also_stop: Callable[[BaseException], bool] = lambda e: False
                      ) -> Any:
        attempts = 0
        tries = self.max_retries + 1

        def counted() -> Any:
            nonlocal attempts
            attempts += 1
            self.wait_notice.start(self.endpoint, attempts, tries, self.timeout)
            try:
                return fn()
            finally:
                self.wait_notice.answered()

        def before_retry(exc: BaseException, next_try: int, delay: float) -> None:
            nonlocal tries
            tries = retry.tries_for(exc, self.max_retries)
            _kind, what, _fix = classify(exc, endpoint=self.endpoint, model=self.model, timeout=self.timeout,
                                        provider=self.provider)
            self._say(f"{what}; try {next_try} of {tries}" + (f" in {delay:.0f}s" if delay >= 1 else ""))

        try:
            return retry.retrying(self.max_retries, sleep=self.sleep, also_stop=also_stop,
                                  before_sleep=before_retry)(counted)
        except Exception as exc:
            raise self._as_llm_error(exc, attempts) from exc

    def _say(self, text: str) -> None:
        if self.on_wait is not None:
            self.on_wait(text)

    def _as_llm_error(self, exc: Exception, attempts: int) -> LLMError:
        kind, what, fix = classify(exc, endpoint=self.endpoint, model=self.model, timeout=self.timeout,
                                   provider=self.provider)
        if retry.is_retryable(exc) and attempts > 1:
            message = f"LLM unreachable after {attempts} tries: {what}"
        elif retry.is_retryable(exc):
            message = f"LLM unreachable: {what}"
        elif kind in (Failure.AUTH, Failure.MODEL, Failure.NOT_AN_API):
            message = f"LLM endpoint misconfigured: {what}"
        else:
            message = f"LLM request failed: {what}"
        response = getattr(exc, "response", None)
        status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
        api_error = response is not None and "json" in str(response.headers.get("content-type", ""))
        return LLMEndpointError(message, hint=fix, kind=kind, endpoint=self.endpoint, status=status,
                                api_error=api_error)


def _expect_json(response: Any, key: str) -> None:
    """Raise BadAnswer unless `response` is the API's JSON holding `key` (a 200 HTML page, a proxy's text,
    `{"detail": "Not Found"}`): the SDK would hand such a body back as a plain string."""
    content_type = str(response.headers.get("content-type", ""))
    if "json" not in content_type:
        raise bad_answer(response)
    try:
        data = json.loads(response.read() or b"")
    except ValueError:
        raise bad_answer(response, detail="not valid JSON") from None
    if not isinstance(data, dict) or key not in data:
        error = data.get("error") if isinstance(data, dict) else None
        said = error.get("message") if isinstance(error, dict) else error
        raise bad_answer(response, detail=f"JSON without {key!r}" + (f": {said}" if said else ""))


def _not_a_stream(response: Any) -> Any:
    """None for an event stream. A whole JSON completion sent instead is returned (decoded); anything else
    (an HTML page, text) raises BadAnswer rather than reading as an empty answer."""
    content_type = str(response.headers.get("content-type", ""))
    if "event-stream" in content_type:
        return None
    if "json" in content_type:
        _expect_json(response, "choices")
        return json.loads(response.read())
    raise bad_answer(response)


def _with_estimated_usage(completion: Completion, request: dict[str, Any]) -> Completion:
    sent = json.dumps(request.get("messages", []), ensure_ascii=False) + json.dumps(request.get("tools") or [])
    received = completion.text + "".join(c.arguments + c.name for c in completion.tool_calls)
    usage = Usage(estimate_tokens(sent), estimate_tokens(received), max(completion.usage.requests, 1), True)
    return Completion(completion.text, completion.tool_calls, usage, completion.finish_reason)


def _encodable(value: Any) -> Any:
    """A message with every string made encodable: a tool result may quote a lone surrogate the model put in
    its arguments (a JSON "\\udc9b"), and one such character would make every later request of the session
    fail to encode."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {k: _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    return value
