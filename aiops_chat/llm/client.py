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
from aiops_chat.llm.stream import StreamAccumulator, TextSink, completion_from_response, consume_stream
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
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
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
        return cls(sdk, model=llm.model, endpoint=endpoint.rstrip("/"), temperature=llm.temperature,
                   max_tokens=llm.max_tokens, stream=llm.stream, max_retries=llm.max_retries, timeout=llm.timeout)

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
            "messages": list(messages),
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
                return completion_from_response(self.sdk.chat.completions.create(**request))
            acc = StreamAccumulator(on_text)
            acc_box.append(acc)
            chunks = self._open_stream(request)
            try:
                return consume_stream(chunks, acc, cancel)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()

        completion = self._with_retries(attempt, also_stop=already_shown)
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
        """One non-streamed completion without tools (used by `aiops analyze --explain`)."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        return self.chat(messages, stream=False).text

    def list_models(self) -> list[str]:
        page = self._with_retries(lambda: self.sdk.models.list())
        return sorted(str(getattr(m, "id", m)) for m in getattr(page, "data", page))

    def _with_retries(self, fn: Callable[[], Any], *, also_stop: Callable[[BaseException], bool] = lambda e: False
                      ) -> Any:
        attempts = 0

        def counted() -> Any:
            nonlocal attempts
            attempts += 1
            return fn()

        try:
            return retry.retrying(self.max_retries, sleep=self.sleep, also_stop=also_stop)(counted)
        except Exception as exc:
            raise self._as_llm_error(exc, attempts) from exc

    def _as_llm_error(self, exc: Exception, attempts: int) -> LLMError:
        what, fix = retry.describe_failure(exc, endpoint=self.endpoint, model=self.model, timeout=self.timeout)
        if retry.is_retryable(exc) and attempts > 1:
            return LLMError(f"LLM unreachable after {attempts} tries: {what}", hint=fix)
        if retry.is_retryable(exc):
            return LLMError(f"LLM unreachable: {what}", hint=fix)
        return LLMError(f"LLM request failed: {what}", hint=fix)


def _with_estimated_usage(completion: Completion, request: dict[str, Any]) -> Completion:
    sent = json.dumps(request.get("messages", []), ensure_ascii=False) + json.dumps(request.get("tools") or [])
    received = completion.text + "".join(c.arguments + c.name for c in completion.tool_calls)
    usage = Usage(estimate_tokens(sent), estimate_tokens(received), max(completion.usage.requests, 1), True)
    return Completion(completion.text, completion.tool_calls, usage, completion.finish_reason)
