"""Model endpoints that misbehave the way real ones do (issue 13, items 5-7), on the real OpenAI HTTP wire
(respx serving the real SDK): HTML where JSON belongs, a JSON error body, a refused connection, a hang
(a side effect raising a timeout: nothing waits), a rejected key, an unknown model."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from aiops_chat.config import Config, LLMConfig
from aiops_chat.errors import LLMError
from aiops_chat.llm.client import LLMClient
from aiops_chat.llm.failures import Failure
from aiops_chat.llm.probe import probe
from aiops_chat.llm.progress import WaitNotice
from tests.llm.openai_wire import BASE_URL, Reply, ScriptedModel, completion_body, serve

NO_V1 = "http://llm.test"  # a base URL missing its /v1, as people type it
LOGIN_PAGE = (b"<!DOCTYPE html>\x1b]52;c;ZWNobyBwd25lZA==\x07<html><head><title>Sign in - Corp Proxy</title>"
              b"</head>\n<body><form action=/login>password</form></body></html>")
NGINX_404 = b"<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>"


def client(base_url: str = BASE_URL, **llm: Any) -> tuple[LLMClient, list[str]]:
    c = LLMClient.from_config(Config(llm=LLMConfig(base_url=base_url, api_key="sk-test", **llm)))
    said: list[str] = []
    c.sleep = lambda s: None
    c.on_wait = said.append
    return c, said


def mocked(base_url: str, handler: Callable[[httpx.Request], httpx.Response] | httpx.Response
           ) -> respx.MockRouter:
    router = respx.mock(using="httpx2", assert_all_called=False, assert_all_mocked=True)
    route = router.post(f"{base_url}/chat/completions")
    if isinstance(handler, httpx.Response):
        route.mock(return_value=handler)
    else:
        route.mock(side_effect=handler)
    router.get(f"{base_url}/models").mock(return_value=handler if isinstance(handler, httpx.Response)
                                          else httpx.Response(200, json={"object": "list", "data": []}))
    return router


def fail(c: LLMClient, *, stream: bool | None = None) -> LLMError:
    with pytest.raises(LLMError) as info:
        c.chat([{"role": "user", "content": "why is web down?"}], stream=stream)
    return info.value


# -- item 5: HTML where the API's JSON belongs ------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
def test_an_html_200_is_an_error_that_says_what_came_back(stream: bool) -> None:
    page = httpx.Response(200, content=NGINX_404.replace(b"404 Not Found", b"Welcome"),
                          headers={"content-type": "text/html; charset=utf-8"})
    c, _ = client(NO_V1)
    with mocked(NO_V1, page) as router:
        exc = fail(c, stream=stream)
        assert router.calls.call_count == 1  # not retried
    assert exc.permanent and getattr(exc, "kind", None) is Failure.NOT_AN_API
    assert "did not answer as an OpenAI-compatible API: HTTP 200, text/html" in exc.message
    assert "starting '<html><head><title>Welcome</title>" in exc.message
    assert exc.hint == "base_url probably needs /v1: try http://llm.test/v1"
    assert "\n" not in str(exc)


@pytest.mark.parametrize("stream", [True, False])
def test_a_login_page_is_named_and_its_control_bytes_are_made_visible(stream: bool) -> None:
    page = httpx.Response(200, content=LOGIN_PAGE, headers={"content-type": "text/html"})
    c, _ = client()
    with mocked(BASE_URL, page):
        exc = fail(c, stream=stream)
    assert exc.permanent
    assert "login page" in (exc.hint or "")
    assert "\x1b" not in str(exc) and "\x07" not in str(exc)  # the server's text, not a terminal command
    assert "starting '<!DOCTYPE html>\\x1b]52;c;ZWNobyBwd25lZA==\\x07<html><head><title>Sign in" in exc.message


@pytest.mark.parametrize("stream", [True, False])
def test_an_html_404_says_the_url_is_wrong(stream: bool) -> None:
    c, _ = client(NO_V1)
    with mocked(NO_V1, httpx.Response(404, content=NGINX_404, headers={"content-type": "text/html"})) as router:
        exc = fail(c, stream=stream)
        assert router.calls.call_count == 1
    assert exc.permanent and getattr(exc, "kind", None) is Failure.NOT_AN_API
    assert exc.message.startswith(f"LLM endpoint misconfigured: {NO_V1} has no OpenAI-compatible API (HTTP 404, text/html")
    assert "404 Not Found" in exc.message and "Error code" not in exc.message
    assert exc.hint == "base_url probably needs /v1: try http://llm.test/v1"


@pytest.mark.parametrize("status", [405, 501])
def test_a_web_server_that_is_not_the_api_is_not_retried(status: int) -> None:
    # python -m http.server answers a POST with an HTML 501; some servers with 405.
    page = httpx.Response(status, content=b"<!DOCTYPE HTML><html><title>Error response</title></html>",
                          headers={"content-type": "text/html;charset=utf-8"})
    c, said = client(NO_V1, max_retries=3)
    with mocked(NO_V1, page) as router:
        exc = fail(c)
        assert router.calls.call_count == 1
    assert said == [] and exc.permanent
    assert f"has no OpenAI-compatible API (HTTP {status}, text/html;charset=utf-8, starting '<!DOCTYPE HTML>" \
        in exc.message
    assert exc.hint == "base_url probably needs /v1: try http://llm.test/v1"


def test_an_html_502_from_a_gateway_is_transient() -> None:
    page = httpx.Response(502, content=b"<html><title>502 Bad Gateway</title></html>",
                          headers={"content-type": "text/html"})
    c, said = client(max_retries=2)
    with mocked(BASE_URL, page) as router:
        exc = fail(c)
        assert router.calls.call_count == 3
    assert not exc.permanent and getattr(exc, "kind", None) is Failure.SERVER
    assert "HTTP 502 from" in exc.message and "502 Bad Gateway" in exc.message and len(said) == 2


def test_plain_text_and_json_without_choices_are_not_answers() -> None:
    for response in (httpx.Response(200, text="404 page not found", headers={"content-type": "text/plain"}),
                     httpx.Response(200, json={"detail": "Not Found"})):
        c, _ = client()
        with mocked(BASE_URL, response):
            exc = fail(c, stream=False)
        assert exc.permanent, exc


def test_an_empty_event_stream_is_not_an_empty_answer() -> None:
    empty = httpx.Response(200, content=b"data: [DONE]\n\n", headers={"content-type": "text/event-stream"})
    c, _ = client()
    with mocked(BASE_URL, empty):
        exc = fail(c, stream=True)
    assert getattr(exc, "kind", None) is Failure.EMPTY and not exc.permanent  # the session may fall back
    assert "empty stream" in exc.message


def test_a_server_that_ignores_stream_and_sends_json_still_answers() -> None:
    c, _ = client()
    pieces: list[str] = []
    with mocked(BASE_URL, httpx.Response(200, json=completion_body("web is fine"))):
        completion = c.chat([{"role": "user", "content": "q"}], on_text=pieces.append, stream=True)
    assert completion.text == "web is fine" and pieces == ["web is fine"]


# -- item 7: a rejected key, an unknown model ------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_a_rejected_key_is_permanent_and_not_retried(status: int) -> None:
    model = ScriptedModel(when_empty=Reply(status=status))
    c, said = client(max_retries=3)
    with serve(model):
        exc = fail(c)
    assert len(model.requests) == 1 and said == []
    assert exc.permanent and getattr(exc, "kind", None) is Failure.AUTH
    assert f"{BASE_URL} refused the API key (HTTP {status}: boom)" in exc.message
    assert "not retried" in (exc.hint or "") and "api_key" in (exc.hint or "")


def test_an_unknown_model_from_the_json_error_body() -> None:
    body = {"error": {"message": "The model `gpt-9` does not exist or you do not have access to it.",
                      "type": "invalid_request_error", "param": None, "code": "model_not_found"}}
    c, _ = client(model="gpt-9", max_retries=3)
    with mocked(BASE_URL, httpx.Response(404, json=body)) as router:
        exc = fail(c)
        assert router.calls.call_count == 1
    assert exc.permanent and getattr(exc, "kind", None) is Failure.MODEL
    assert "has no model 'gpt-9' (HTTP 404 model_not_found: The model `gpt-9` does not exist" in exc.message
    assert "[llm] model" in (exc.hint or "") and "doctor --llm" in (exc.hint or "")


# -- item 6: a refused connection, a hang ------------------------------------------------------------


def test_a_refused_connection_is_retried_with_progress_then_transient() -> None:
    model = ScriptedModel(when_empty=Reply(raise_=httpx.ConnectError("connection refused")))
    c, said = client(max_retries=3)
    with serve(model):
        exc = fail(c)
    assert len(model.requests) == 4
    assert not exc.permanent and getattr(exc, "kind", None) is Failure.UNREACHABLE
    assert exc.message.startswith(f"LLM unreachable after 4 tries: cannot connect to {BASE_URL}")
    assert [s.split(" in ")[0] for s in said] == [
        f"cannot connect to {BASE_URL} (ConnectError); try {n} of 4" for n in (2, 3, 4)]


def test_a_hang_is_tried_twice_not_four_times_and_says_so() -> None:
    model = ScriptedModel(when_empty=Reply(raise_=httpx.ReadTimeout("no first byte")))
    c, said = client(max_retries=3)
    waited: list[float] = []
    c.sleep = waited.append
    with serve(model):
        exc = fail(c)
    assert len(model.requests) == 2 and len(waited) == 1
    assert getattr(exc, "kind", None) is Failure.TIMEOUT and not exc.permanent
    assert exc.message == f"LLM unreachable after 2 tries: no answer from {BASE_URL} within 30s"
    assert said and said[0].startswith(f"no answer from {BASE_URL} within 30s; try 2 of 2")


def test_interactive_timeouts_by_default() -> None:
    c, _ = client()
    timeout = c.sdk.timeout
    assert (timeout.connect, timeout.read) == (5.0, 30.0)
    assert c.timeout == 30.0


def test_the_wait_notice_speaks_only_while_no_byte_has_come() -> None:
    fired: list[Callable[[], None]] = []

    class Timer:
        daemon = False

        def __init__(self, _delay: float, fn: Callable[[], None]) -> None:
            self.fn = fn
            self.cancelled = False

        def start(self) -> None:
            fired.append(lambda: None if self.cancelled else self.fn())

        def cancel(self) -> None:
            self.cancelled = True

    said: list[str] = []
    notice = WaitNotice(said.append, timer=Timer)
    notice.start(BASE_URL, 1, 4, 30.0)
    fired[-1]()  # the patience ran out before any byte
    notice.start(BASE_URL, 2, 4, 30.0)
    fired[-1]()
    notice.start(BASE_URL, 3, 4, 30.0)
    notice.answered()
    fired[-1]()  # too late: the answer had started
    assert said == [f"waiting for the model at {BASE_URL}, try 1 of up to 4 (timeout 30s)",
                    f"waiting for the model at {BASE_URL}, try 2 of 4 (timeout 30s)"]


# -- doctor --llm --------------------------------------------------------------------------------------


def test_doctor_llm_on_an_html_endpoint_says_what_came_back() -> None:
    cfg = Config(llm=LLMConfig(base_url=NO_V1, api_key="sk-test", model="gpt-test"))
    page = httpx.Response(200, content=NGINX_404.replace(b"404 Not Found", b"Welcome"),
                          headers={"content-type": "text/html"})
    with mocked(NO_V1, page):
        checks = probe(cfg)
    assert [(c.name, c.status) for c in checks] == [("config", "ok"), ("models", "fail"), ("tool call", "skip"),
                                                    ("streamed tool call", "skip"), ("streaming", "skip"),
                                                    ("context", "skip")]
    text = json.dumps([c.__dict__ for c in checks])
    assert "AttributeError" not in text and "text/html" in checks[1].detail
    assert checks[1].fix == "base_url probably needs /v1: try http://llm.test/v1"


def test_doctor_llm_on_a_json_404_models_list_only_warns() -> None:
    cfg = Config(llm=LLMConfig(base_url=BASE_URL, api_key="sk-test", model="gpt-test"))
    with serve(ScriptedModel(["pong", "1 2 3"])) as router:
        router.get(f"{BASE_URL}/models").mock(return_value=httpx.Response(
            404, json={"error": {"code": "404", "message": "Resource not found"}}))
        checks = probe(cfg)
    assert [(c.name, c.status) for c in checks][:2] == [("config", "ok"), ("models", "warn")]
