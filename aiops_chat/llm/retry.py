"""The one retry layer for LLM calls (the SDK's own retries are off: max_retries=0 on the client).

Retried: HTTP 408, 409, 429 and 5xx, timeouts and connection errors; exponential backoff with jitter, or
exactly what the server asked for in Retry-After / retry-after-ms (capped, so a hostile or broken proxy
cannot park us for an hour). Everything ends in one clear line: :func:`describe_failure`.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

MAX_RETRY_AFTER_S = 60.0
RETRYABLE_STATUS = frozenset({408, 409, 429})

_backoff = wait_random_exponential(multiplier=0.5, max=20)


def is_retryable(exc: BaseException) -> bool:
    import httpx2
    import openai

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, httpx2.TransportError):  # a stream cut off mid-way surfaces unwrapped
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return False


def retry_after_seconds(exc: BaseException | None, now: float | None = None) -> float | None:
    """The delay the server asked for, if any; None when it said nothing usable."""
    response = getattr(exc, "response", None)
    headers: Any = getattr(response, "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return min(max(float(ms) / 1000.0, 0.0), MAX_RETRY_AFTER_S)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    if parsed is None:
        return None
    delay = parsed.timestamp() - (time.time() if now is None else now)
    return min(max(delay, 0.0), MAX_RETRY_AFTER_S)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    asked = retry_after_seconds(exc)
    return asked if asked is not None else float(_backoff(state))


def retrying(
    max_retries: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    also_stop: Callable[[BaseException], bool] = lambda exc: False,
) -> Retrying:
    """A tenacity policy: `max_retries` retries after the first try; `also_stop` vetoes a retry
    (used when part of a streamed answer has already been shown: repeating it would duplicate text)."""
    return Retrying(
        retry=retry_if_exception(lambda exc: is_retryable(exc) and not also_stop(exc)),
        stop=stop_after_attempt(max_retries + 1),
        wait=_wait,
        sleep=sleep,
        reraise=True,
    )


def describe_failure(exc: BaseException, *, endpoint: str, model: str, timeout: float) -> tuple[str, str]:
    """(what happened, what to change), each one short line."""
    import httpx2
    import openai

    if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
        return (f"no answer from {endpoint} within {timeout:g}s",
                "raise [llm] timeout, or check the server is not overloaded")
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        cause = exc.__cause__ or exc.__context__
        detail = f" ({type(cause).__name__})" if cause is not None else ""
        return (f"cannot connect to {endpoint}{detail}",
                "check [llm] base_url / OPENAI_BASE_URL and that the server is running")
    if isinstance(exc, openai.APIStatusError):
        message = _short(getattr(exc, "message", "") or str(exc))
        status = exc.status_code
        what = f"HTTP {status} from {endpoint}: {message}"
        if status in (401, 403):
            return what, "check [llm] api_key / OPENAI_API_KEY"
        if status == 404:
            return what, f"check [llm] model (now {model!r}) and base_url (most servers end in /v1)"
        if status == 429:
            return what, "rate limited or out of quota: wait, or raise the quota"
        if status >= 500:
            return what, "the server failed; try again later or use another endpoint"
        return what, "the server rejected the request; check [llm] model and that it supports tool calling"
    return _short(f"{type(exc).__name__}: {exc}"), "see --verbose output"


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
