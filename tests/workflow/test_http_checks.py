"""The validation's HTTP checks against a local server playing the app (see app_server.py for why)."""

from __future__ import annotations

import socket

import pytest

from aiops_chat.workflow.checklist import Status
from aiops_chat.workflow.http_checks import backend_health, frontend_page

from .app_server import HEALTHY_BACKEND, HEALTHY_FRONTEND, Route, serve_app


def test_healthy_backend_passes() -> None:
    with serve_app(HEALTHY_BACKEND) as app:
        check = backend_health(app.url + "/")
    assert check.status is Status.OK
    assert app.hits == ["/health"]


@pytest.mark.parametrize(("route", "expected"), [
    (Route(503, "application/json", '{"status":"degraded"}'), "HTTP 503"),
    (Route(200, "application/json", '{"status":"starting"}'), 'expected {"status":"ok"}'),
    (Route(200, "text/html", "<html>oops</html>"), "not JSON"),
    (Route(200, "application/json", '["ok"]'), 'expected {"status":"ok"}'),
], ids=["503", "wrong-status", "not-json", "json-list"])
def test_unhealthy_backend_fails_with_the_reason(route: Route, expected: str) -> None:
    with serve_app({"/health": route}) as app:
        check = backend_health(app.url)
    assert check.status is Status.FAIL
    assert expected in check.detail and app.url in check.detail
    assert "--backend-url" in check.hint


def test_frontend_html_passes_and_json_fails() -> None:
    with serve_app(HEALTHY_FRONTEND) as app:
        assert frontend_page(app.url + "/").status is Status.OK
    with serve_app({"/": Route(200, "application/json", "{}")}) as app:
        check = frontend_page(app.url + "/")
    assert check.status is Status.FAIL and "not HTML" in check.detail


def test_frontend_error_status_fails() -> None:
    with serve_app({"/": Route(502, "text/html", "<html>bad gateway</html>")}) as app:
        check = frontend_page(app.url + "/")
    assert check.status is Status.FAIL and "HTTP 502" in check.detail


def test_connection_refused_is_a_clear_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    check = backend_health(f"http://127.0.0.1:{port}")
    assert check.status is Status.FAIL
    assert "cannot connect" in check.detail and "refused" in check.detail.lower()


def test_no_answer_in_time_is_a_clear_failure() -> None:
    with serve_app({"/health": Route(200, "application/json", '{"status":"ok"}', delay_s=2.0)}) as app:
        check = backend_health(app.url, timeout=0.3)
    assert check.status is Status.FAIL and "no answer within 0.3s" in check.detail


def test_not_a_url_is_refused_without_a_request() -> None:
    check = frontend_page("file:///etc/passwd")
    assert check.status is Status.FAIL and "not an http" in check.detail
