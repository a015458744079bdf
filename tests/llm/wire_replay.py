"""Replaying recorded wire shapes (tests/llm/fixtures/<server>/) to the real openai SDK through respx.

A `Replay` answers POST /chat/completions with the next fixture file in its queue (an `.sse` file as an
event stream, a `.json` file as JSON, with the status given) and keeps every request body, so a test can
say what was sent: streamed or not, with native tools or the JSON protocol prompt.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import respx

from tests.llm.openai_wire import BASE_URL

FIXTURES = Path(__file__).parent / "fixtures"
ROOT_URL = BASE_URL.removesuffix("/v1")


def fixture(name: str, status: int = 200) -> httpx.Response:
    body = (FIXTURES / name).read_bytes()
    kind = "text/event-stream" if name.endswith(".sse") else "application/json"
    return httpx.Response(status, headers={"content-type": kind}, content=body)


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Replay:
    def __init__(self, *names: str | tuple[str, int]) -> None:
        self.queue = [n if isinstance(n, tuple) else (n, 200) for n in names]
        self.requests: list[dict[str, Any]] = []
        self.elsewhere: list[tuple[str, str]] = []  # (method, path) of every other request, served or not

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        if not self.queue:
            raise AssertionError(f"the replay ran out of responses at request {len(self.requests)}")
        name, status = self.queue.pop(0)
        return fixture(name, status)

    @property
    def done(self) -> bool:
        return not self.queue


@contextlib.contextmanager
def replay(chat: Replay, *, routes: dict[tuple[str, str], httpx.Response] | None = None
           ) -> Iterator[respx.MockRouter]:
    """Serve `chat` at {BASE_URL}/chat/completions and each (method, path-from-the-server-root) in `routes`;
    every other URL answers 404, as the server that does not have it would."""
    with respx.mock(using="httpx2", assert_all_called=False, assert_all_mocked=True) as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=chat)
        served = dict(routes or {})

        def elsewhere(request: httpx.Request) -> httpx.Response:
            key = (request.method, request.url.path)
            chat.elsewhere.append(key)
            return served.get(key) or httpx.Response(404, json={"error": "not found"})

        router.route().mock(side_effect=elsewhere)
        yield router
