"""The validation's HTTP checks: backend `/health` says {"status":"ok"}, the frontend serves HTML.

urllib with a short timeout and no proxies: the node IP of a local cluster must be dialled directly, and
an http_proxy in the environment would send the request elsewhere (and urllib would read os.environ).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from aiops_chat.workflow.checklist import Check, Status

HTTP_TIMEOUT_S = 5.0
MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    content_type: str
    body: str


class HttpProblem(Exception):
    """The URL could not be fetched; the message says why in a user's words. Caught inside this module."""


def fetch(url: str, *, timeout: float = HTTP_TIMEOUT_S) -> HttpAnswer:
    if not url.startswith(("http://", "https://")):
        raise HttpProblem(f"{url!r} is not an http:// or https:// URL")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"User-Agent": "aiops-validate", "Accept": "*/*"})
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_BODY)
            return HttpAnswer(response.status, response.headers.get("Content-Type", ""),
                              body.decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        body = exc.read(MAX_BODY).decode("utf-8", "replace") if exc.fp else ""
        return HttpAnswer(exc.code, exc.headers.get("Content-Type", "") if exc.headers else "", body)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise HttpProblem(f"{url}: no answer within {timeout:g}s") from None
        text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        raise HttpProblem(f"{url}: cannot connect: {text}") from None
    except TimeoutError:
        raise HttpProblem(f"{url}: no answer within {timeout:g}s") from None
    except (OSError, ValueError) as exc:
        raise HttpProblem(f"{url}: {exc}") from None


def backend_health(base_url: str, *, timeout: float = HTTP_TIMEOUT_S) -> Check:
    url = base_url.rstrip("/") + "/health"
    hint = "check the backend pod's logs and that the URL reaches it (--backend-url)"
    try:
        answer = fetch(url, timeout=timeout)
    except HttpProblem as exc:
        return Check("backend /health", Status.FAIL, str(exc), hint)
    if answer.status != 200:
        return Check("backend /health", Status.FAIL, f"{url}: HTTP {answer.status}: {_snippet(answer.body)}", hint)
    try:
        data = json.loads(answer.body)
    except ValueError:
        return Check("backend /health", Status.FAIL, f"{url}: not JSON: {_snippet(answer.body)}", hint)
    if not isinstance(data, dict) or data.get("status") != "ok":
        return Check("backend /health", Status.FAIL, f"{url}: expected {{\"status\":\"ok\"}}, got {_snippet(answer.body)}",
                     hint)
    return Check("backend /health", Status.OK, f"{url}: {{\"status\":\"ok\"}}")


def frontend_page(url: str, *, timeout: float = HTTP_TIMEOUT_S) -> Check:
    hint = "check the frontend pod's logs and that the URL reaches it (--frontend-url)"
    try:
        answer = fetch(url, timeout=timeout)
    except HttpProblem as exc:
        return Check("frontend page", Status.FAIL, str(exc), hint)
    if answer.status != 200:
        return Check("frontend page", Status.FAIL, f"{url}: HTTP {answer.status}", hint)
    html = "text/html" in answer.content_type.lower() or "<html" in answer.body[:4096].lower()
    if not html:
        kind = answer.content_type or "no content type"
        return Check("frontend page", Status.FAIL, f"{url}: HTTP 200 but not HTML ({kind})", hint)
    return Check("frontend page", Status.OK, f"{url}: HTTP 200, HTML")


def _snippet(body: str, limit: int = 80) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
