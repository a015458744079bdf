"""The one retry layer for LLM calls (the SDK's own retries are off: max_retries=0 on the client).

Retried: HTTP 408, 409, 429 and 5xx, timeouts and connection errors; exponential backoff with jitter, or
exactly what the server asked for in Retry-After / retry-after-ms (capped, so a hostile or broken proxy
cannot park us for an hour). A timeout ends the retries once it has happened on a second try: a server
that sent no byte in [llm] timeout seconds twice is not about to, and a person is waiting. Never retried:
a rejected key, an unknown model, an answer that is not the API's (aiops_chat.llm.failures), other 4xx.
Everything ends in one clear line (failures.classify).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

from tenacity import RetryCallState, Retrying, stop_after_attempt, wait_random_exponential

MAX_RETRY_AFTER_S = 60.0
RETRYABLE_STATUS = frozenset({408, 409, 429})
MAX_TIMEOUT_TRIES = 2

_backoff = wait_random_exponential(multiplier=0.5, max=20)


def is_timeout(exc: BaseException) -> bool:
    import httpx2
    import openai

    return isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException)


def tries_for(exc: BaseException, max_retries: int) -> int:
    """How many tries a failure like `exc` gets in all."""
    return min(max_retries + 1, MAX_TIMEOUT_TRIES) if is_timeout(exc) else max_retries + 1


def is_retryable(exc: BaseException) -> bool:
    import httpx2
    import openai

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, httpx2.TransportError):  # a stream cut off mid-way surfaces unwrapped
        return True
    if isinstance(exc, openai.APIStatusError):
        # 501 Not Implemented: a web server that is not the API; it will not start implementing it.
        return exc.status_code in RETRYABLE_STATUS or (exc.status_code >= 500 and exc.status_code != 501)
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
    before_sleep: Callable[[BaseException, int, float], None] | None = None,
) -> Retrying:
    """A tenacity policy: `max_retries` retries after the first try (a timeout: MAX_TIMEOUT_TRIES tries in
    all); `also_stop` vetoes a retry (used when part of a streamed answer has already been shown: repeating
    it would duplicate text). `before_sleep(exc, next_try, delay)` hears of each retry before its wait."""

    def should_retry(state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if exc is None or not is_retryable(exc) or also_stop(exc):
            return False
        return state.attempt_number < tries_for(exc, max_retries)

    def announce(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if before_sleep is not None and exc is not None:
            before_sleep(exc, state.attempt_number + 1, state.upcoming_sleep)

    return Retrying(
        retry=should_retry,
        stop=stop_after_attempt(max_retries + 1),
        wait=_wait,
        sleep=sleep,
        before_sleep=announce,
        reraise=True,
    )
