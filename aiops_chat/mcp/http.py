"""`aiops mcp --transport http`: Streamable HTTP, loopback by default, a bearer token to go further.

Plain HTTP only: TLS belongs to a reverse proxy in front (README, "Use from other agents"). On loopback the
SDK's Host/Origin check is on (a web page the browser was tricked into resolving to 127.0.0.1 is refused);
anywhere else a bearer token is required and checked on every request, in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiops_chat.errors import UsageError

if TYPE_CHECKING:
    from aiops_chat.mcp.service import ToolService

PATH = "/mcp"
MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def read_token(path: str) -> str:
    """The bearer token from a file only its owner can read (a token on the command line leaks via ps)."""
    file = Path(path).expanduser()
    try:
        mode = file.stat().st_mode
        token = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UsageError(f"--token-file {path}: cannot read it: {exc.strerror}") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(f"--token-file {path}: readable by others (mode {stat.S_IMODE(mode):o}); run chmod 600 {path}")
    if len(token) < MIN_TOKEN_CHARS or any(c.isspace() for c in token):
        raise UsageError(f"--token-file {path}: the token must be one word of at least {MIN_TOKEN_CHARS} characters, "
                         "e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return token


def check_bind(host: str, token: str | None) -> None:
    if token is None and not is_loopback(host):
        raise UsageError(f"--host {host} is reachable from other machines: refusing to serve without a bearer token; "
                         "give --token-file FILE (and put a TLS reverse proxy in front), or bind 127.0.0.1")


class BearerGate:
    """ASGI: every HTTP request must carry `Authorization: Bearer <token>`, or it gets 401 and goes no further."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = b""
            for name, value in scope.get("headers", ()):
                if name.lower() == b"authorization":
                    given = value
            if not hmac.compare_digest(given, self.expected):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": b"aiops mcp: missing or wrong bearer token\n"})
                return
        await self.app(scope, receive, send)


def build_app(service: ToolService, *, host: str, port: int, token: str | None) -> Any:
    from mcp.server.transport_security import TransportSecuritySettings

    from aiops_chat.mcp.server import build_server

    if is_loopback(host):
        names = ("127.0.0.1", "localhost", "[::1]")
        security = TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                             allowed_hosts=[f"{n}:{port}" for n in names],
                                             allowed_origins=[f"http://{n}:{port}" for n in names])
    else:
        # Behind a proxy the Host is the public name; the token is what keeps strangers out here.
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = build_server(service).streamable_http_app(streamable_http_path=PATH, transport_security=security, host=host)
    return BearerGate(app, token) if token is not None else app


async def serve_http(service: ToolService, *, host: str, port: int, token: str | None) -> None:
    import sys

    import uvicorn

    check_bind(host, token)
    app = build_app(service, host=host, port=port, token=token)
    shown = f"[{host}]" if ":" in host else host
    print(f"aiops mcp: serving http://{shown}:{port}{PATH}" + (" (bearer token required)" if token else ""),
          file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()
