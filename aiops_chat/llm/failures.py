"""What went wrong with a model endpoint, in one line a person can act on, and whether waiting helps.

Real endpoints fail in a handful of ways, and each wants a different response:

- transient (a timeout, a refused connection, 429, 5xx): retried, then the session falls back;
- permanent (a rejected key, an unknown model, a URL that is not an OpenAI-compatible API): the answer will
  be the same until the configuration changes, so it is neither retried nor papered over by the fallback.
  `LLMError.permanent` carries that to the caller.

An endpoint that answers HTML (a wrong base URL, a missing /v1, a proxy's login page) is named for what it
sent: status, content type and the first bytes, made visible (they are the server's text, not ours).
"""

from __future__ import annotations

import enum
import json
from typing import Any
from urllib.parse import urlsplit

from aiops_chat.errors import LLMError
from aiops_chat.safe_text import visible

SHOWN_BYTES = 120  # of a body that is not the API's JSON, in the message
# "Method not allowed" / "not implemented": the URL is served, but not by an API that takes this POST.
NOT_HERE = frozenset({405, 501})


class Failure(enum.Enum):
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    RATE_LIMITED = "rate-limited"
    SERVER = "server"
    EMPTY = "empty"  # a 200 with an event stream that carried nothing
    AUTH = "auth"
    MODEL = "model"
    NOT_AN_API = "not-an-api"
    REJECTED = "rejected"  # another 4xx: the request itself (tools, context length) was refused
    OTHER = "other"


PERMANENT = frozenset({Failure.AUTH, Failure.MODEL, Failure.NOT_AN_API})
TRANSIENT = frozenset({Failure.TIMEOUT, Failure.UNREACHABLE, Failure.RATE_LIMITED, Failure.SERVER})


class LLMEndpointError(LLMError):
    """The model endpoint failed; `kind` says how. `permanent`: retrying or falling back cannot help.
    `status` is the HTTP status when there was one; `api_error` whether the body was the API's JSON error."""

    def __init__(self, message: str, *, hint: str, kind: Failure, endpoint: str, status: int | None = None,
                 api_error: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
        self.endpoint = endpoint
        self.permanent = kind in PERMANENT
        self.status = status
        self.api_error = api_error


class BadAnswer(Exception):
    """A 2xx answer that is not what the OpenAI API sends (HTML, plain text, JSON without choices, an empty
    stream). Raised inside the client; never retried."""

    def __init__(self, kind: Failure, status: int, content_type: str, body: bytes, detail: str = "") -> None:
        super().__init__(detail or f"HTTP {status} {content_type}")
        self.kind = kind
        self.status = status
        self.content_type = content_type
        self.body = body
        self.detail = detail


def bad_answer(response: Any, *, detail: str = "", kind: Failure = Failure.NOT_AN_API) -> BadAnswer:
    """A BadAnswer for an httpx(2) response, with the first bytes of its body."""
    content_type = str(response.headers.get("content-type", "") or "(none)")
    try:
        body = response.read()[: SHOWN_BYTES * 4]
    except Exception:  # a body that cannot be read is described without it
        body = b""
    return BadAnswer(kind, int(response.status_code), content_type, body, detail)


def shown_body(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    text = visible(text)  # control bytes spelled out (\x1b), so the server's text cannot drive the terminal
    return "'" + (text if len(text) <= SHOWN_BYTES else text[: SHOWN_BYTES - 1] + "…") + "'"


def classify(exc: BaseException, *, endpoint: str, model: str, timeout: float, provider: str = "openai"
             ) -> tuple[Failure, str, str]:
    """(kind, what happened, what to change), each one short line."""
    import httpx2
    import openai

    if isinstance(exc, BadAnswer):
        return _bad_answer(exc, endpoint, provider)
    if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
        return (Failure.TIMEOUT, f"no answer from {endpoint} within {timeout:g}s",
                "raise [llm] timeout (seconds to wait for the first byte), or check the server is not overloaded")
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        cause = exc.__cause__ or exc.__context__
        detail = f" ({type(cause).__name__})" if cause is not None else ""
        return (Failure.UNREACHABLE, f"cannot connect to {endpoint}{detail}",
                "check [llm] base_url / OPENAI_BASE_URL and that the server is running")
    if isinstance(exc, openai.APIStatusError):
        return _status(exc, endpoint, model, provider)
    return Failure.OTHER, _short(f"{type(exc).__name__}: {exc}"), "see --verbose output"


def _status(exc: Any, endpoint: str, model: str, provider: str) -> tuple[Failure, str, str]:
    status = int(exc.status_code)
    response = exc.response
    content_type = str(response.headers.get("content-type", "") or "(none)")
    error = _json_error(response)
    if error is None:  # not the API's JSON error: say what came back instead of the SDK's "Error code: 404"
        said = f"{content_type}, starting {shown_body(response.content)}"
    else:
        said = error[1] or "(no message)"
    code = error[0] if error else ""
    if status in (401, 403):
        return (Failure.AUTH, f"{endpoint} refused the API key (HTTP {status}: {_short(said, 120)})",
                "not retried, it will not pass by itself: set [llm] api_key or OPENAI_API_KEY to a key this "
                "endpoint accepts")
    if status == 404:
        about_model = error is not None and (code in ("model_not_found", "DeploymentNotFound")
                                             or "model" in said.lower() or "deployment" in said.lower())
        if about_model:
            return (Failure.MODEL, f"{endpoint} has no model {model!r} (HTTP 404{' ' + code if code else ''}: "
                                   f"{_short(said, 120)})",
                    "not retried: set [llm] model to one this endpoint serves (`aiops doctor --llm` lists them)")
        return (Failure.NOT_AN_API, f"{endpoint} has no OpenAI-compatible API (HTTP 404, {_short(said, 160)})",
                _url_fix(endpoint, provider, response.content if error is None else b""))
    if status in NOT_HERE:  # a web server that is not the API (python -m http.server answers POST with 501)
        return (Failure.NOT_AN_API, f"{endpoint} has no OpenAI-compatible API (HTTP {status}, {_short(said, 160)})",
                _url_fix(endpoint, provider, response.content if error is None else b""))
    what = f"HTTP {status} from {endpoint}: {_short(said)}"
    if status == 429:
        return Failure.RATE_LIMITED, what, "rate limited or out of quota: wait, or raise the quota"
    if status >= 500 or status in (408, 409):
        return Failure.SERVER, what, "the server failed; try again later or use another endpoint"
    return (Failure.REJECTED, what,
            "the server rejected the request; check [llm] model and that it supports tool calling")


def _bad_answer(exc: BadAnswer, endpoint: str, provider: str) -> tuple[Failure, str, str]:
    if exc.kind is Failure.EMPTY:
        return (Failure.EMPTY, f"{endpoint} answered HTTP {exc.status} with an empty stream (no events)",
                "try again; if it persists set [llm] stream = false, or check the server's logs")
    what = (f"{endpoint} did not answer as an OpenAI-compatible API: HTTP {exc.status}, {exc.content_type}"
            + (f", {exc.detail}" if exc.detail else "") + f", starting {shown_body(exc.body)}")
    return Failure.NOT_AN_API, what, _url_fix(endpoint, provider, exc.body)


def _url_fix(endpoint: str, provider: str, body: bytes = b"") -> str:
    text = body.decode("utf-8", "replace").lower()
    if any(w in text for w in ("sign in", "signin", "log in", "login", "password", "sso")):
        return ("that looks like a login page: a proxy in front of the endpoint wants a sign-in; use the API's "
                "own URL or a key the proxy accepts")
    path = urlsplit(endpoint).path.rstrip("/")
    if provider != "azure" and not path.endswith("/v1") and "/v1/" not in path + "/":
        return f"base_url probably needs /v1: try {endpoint.rstrip('/')}/v1"
    return "check [llm] base_url points at the OpenAI-compatible API (for most servers it ends in /v1)"


def _json_error(response: Any) -> tuple[str, str] | None:
    """(code, message) of the API's JSON error body, or None when the body is not JSON."""
    try:
        data = json.loads(response.content or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error", data)
    if isinstance(error, str):
        return "", error
    if not isinstance(error, dict):
        return "", ""
    code = error.get("code") or error.get("type") or ""
    message = error.get("message") or error.get("detail") or ""
    return str(code), str(message)


def _short(text: str, limit: int = 160) -> str:
    line = visible(" ".join(str(text).split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"
