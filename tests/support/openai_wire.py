"""The OpenAI HTTP API as respx serves it to the real `openai` SDK: JSON bodies and SSE streams.

The installed openai SDK sends through `httpx2` (a fork of httpx), which respx does not patch out of the box.
`HTTPX2Mocker` teaches respx to: it patches `httpx2.Client._transport_for_url` exactly as respx's own
httpx mocker patches httpx, converting each request to an `httpx.Request` for the routes and each mocked
`httpx.Response` back. Everything above the transport (the SDK's request building, SSE parsing, error
classes, our retry layer) runs for real. Use it as `respx.mock(using="httpx2")`.

The model itself is a mock (no model can run here): `ScriptedModel` answers each POST /chat/completions
with the next scripted reply and keeps every request body for assertions. `serve` puts it behind respx for
code in this process; `serve_http` behind a local HTTP server for a subprocess (the shipped console script).
One encoder writes every body, so all tests speak the same wire.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import httpx2
import respx
from respx.mocks import Mocker

BASE_URL = "http://llm.test/v1"
MODEL = "gpt-test"


class _Httpx2MockTransport(httpx2.BaseTransport):
    def __init__(self, handler: Callable[[httpx.Request], httpx.Response | None], fallback: Any) -> None:
        self.handler = handler
        self.fallback = fallback

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        req = httpx.Request(request.method, str(request.url), headers=list(request.headers.raw), content=body)
        response = self.handler(req)
        if response is None:  # pass-through route
            return self.fallback.handle_request(request)
        if isinstance(response, Exception):
            raise response
        content = response.read()
        return httpx2.Response(response.status_code, headers=list(response.headers.raw), content=content,
                               request=request)


class HTTPX2Mocker(Mocker):
    name = "httpx2"
    targets: ClassVar[list[str]] = ["httpx2._client.Client"]
    target_methods: ClassVar[list[str]] = ["_transport_for_url"]

    @classmethod
    def mock(cls, spec: Any) -> Any:
        def _transport_for_url(self: Any, *args: Any, **kwargs: Any) -> Any:
            return _Httpx2MockTransport(cls._handle, spec(self, *args, **kwargs))

        return _transport_for_url

    @classmethod
    def _handle(cls, request: httpx.Request) -> Any:
        try:
            return cls.handler(request)
        except httpx.TimeoutException as exc:
            # A side effect raising httpx's timeout stands for the network timing out: the SDK catches httpx2's.
            raise httpx2.ReadTimeout(str(exc)) from None
        except httpx.ConnectError as exc:
            raise httpx2.ConnectError(str(exc)) from None


# -- bodies as the API sends them ----------------------------------------------------------------------


def tool_call(name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> dict[str, Any]:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id or f"call_{name}_{abs(hash(args)) % 10**8}", "type": "function",
            "function": {"name": name, "arguments": args}}


def completion_body(content: str | None = None, tool_calls: Sequence[dict[str, Any]] = (),
                    prompt_tokens: int = 50, completion_tokens: int = 10, model: str = "gpt-test") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = list(tool_calls)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def sse_chunks(content: str | None = None, tool_calls: Sequence[dict[str, Any]] = (), *,
               pieces: int = 3, prompt_tokens: int = 50, completion_tokens: int = 10,
               model: str = "gpt-test", piece: int | None = None) -> list[dict[str, Any]]:
    """The chunk objects of a streamed completion, split the way OpenAI splits them: the role first, text
    in pieces, each tool call opened with id+name and its arguments in several pieces, finish_reason, usage.
    `piece`: characters per text delta, instead of `pieces` deltas."""
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1, "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    if content:
        size = piece or max(1, len(content) // pieces)
        for i in range(0, len(content), size):
            out.append(chunk({"content": content[i:i + size]}))
    for index, call in enumerate(tool_calls):
        out.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                          "function": {"name": call["function"]["name"], "arguments": ""}}]}))
        args = call["function"]["arguments"]
        size = max(1, len(args) // pieces)
        for i in range(0, len(args), size):
            out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": args[i:i + size]}}]}))
    out.append(chunk({}, "tool_calls" if tool_calls else "stop"))
    out.append({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1, "model": model,
                "choices": [], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                         "total_tokens": prompt_tokens + completion_tokens}})
    return out


def sse_response(chunks: Iterable[dict[str, Any]]) -> httpx.Response:
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=text.encode())


def error_response(status: int, message: str = "boom", headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
    return httpx.Response(status, json=body, headers=headers or {})


# -- a scripted model -------------------------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer: text and/or tool calls, or an HTTP error, or an exception (timeout)."""

    content: str | None = None
    tool_calls: Sequence[dict[str, Any]] = ()
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raise_: Exception | None = None
    prompt_tokens: int = 50
    completion_tokens: int = 10
    piece: int | None = None  # characters per streamed text delta; None: three deltas


class ScriptedModel:
    """Serves POST /chat/completions from a queue of replies, streamed or not as the request asks."""

    def __init__(self, replies: Iterable[Reply | str] = (), *, when_empty: Reply | None = None) -> None:
        self.replies: list[Reply] = [Reply(content=r) if isinstance(r, str) else r for r in replies]
        self.when_empty = when_empty
        self.requests: list[dict[str, Any]] = []
        self.raw_bodies: list[bytes] = []

    def enqueue(self, *replies: Reply | str) -> None:
        self.replies.extend(Reply(content=r) if isinstance(r, str) else r for r in replies)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.answer(request.content)

    def answer(self, raw: bytes) -> httpx.Response:
        """The response to one POST /chat/completions whose body is `raw`."""
        self.raw_bodies.append(raw)
        body = json.loads(raw)
        self.requests.append(body)
        if self.replies:
            reply = self.replies.pop(0)
        elif self.when_empty is not None:
            reply = self.when_empty
        else:
            raise AssertionError(f"the scripted model ran out of replies at request {len(self.requests)}")
        if reply.raise_ is not None:
            raise reply.raise_
        if reply.status != 200:
            return error_response(reply.status, headers=reply.headers)
        tokens = reply.prompt_tokens, reply.completion_tokens
        if body.get("stream"):
            return sse_response(sse_chunks(reply.content, reply.tool_calls, piece=reply.piece,
                                           prompt_tokens=tokens[0], completion_tokens=tokens[1]))
        return httpx.Response(200, json=completion_body(reply.content, reply.tool_calls, prompt_tokens=tokens[0],
                                                        completion_tokens=tokens[1]))

    def all_request_text(self) -> str:
        return b"\n".join(self.raw_bodies).decode("utf-8", "replace")


@contextlib.contextmanager
def serve(model: ScriptedModel, *, base_url: str = BASE_URL, models: Sequence[str] = ("gpt-test",)
          ) -> Iterator[respx.MockRouter]:
    """Serve `model` at POST {base_url}/chat/completions (and a models list) to the real SDK."""
    with respx.mock(using="httpx2", assert_all_called=False, assert_all_mocked=True) as router:
        router.post(f"{base_url}/chat/completions").mock(side_effect=model)
        router.get(f"{base_url}/models").mock(return_value=httpx.Response(200, json=_models_body(models)))
        yield router


def _models_body(models: Sequence[str]) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": m, "object": "model", "created": 1, "owned_by": "test"}
                                       for m in models]}


@contextlib.contextmanager
def serve_http(model: ScriptedModel, *, models: Sequence[str] = ("gpt-test",)) -> Iterator[str]:
    """Serve `model` from a local HTTP server (for a subprocess, which respx cannot reach); yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self.path.endswith("/models"):
                self.send_error(404)
                return
            self._send(httpx.Response(200, json=_models_body(models)))

        def do_POST(self) -> None:
            if not self.path.endswith("/chat/completions"):
                self.send_error(404)
                return
            self._send(model.answer(self.rfile.read(int(self.headers["content-length"]))))

        def _send(self, response: httpx.Response) -> None:
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
