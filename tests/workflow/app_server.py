"""A local stdlib HTTP server that plays the TaskFlow apps for the validation's HTTP checks.

The test control plane has no container runtime and no pod network: its pods are status records, so
nothing listens at their IPs or NodePorts. The HTTP checks are therefore pointed at this server, which
answers each path with whatever the test configured (healthy or unhealthy).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    content_type: str = "text/plain"
    body: str = ""
    delay_s: float = 0.0


@dataclass
class AppServer:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)


HEALTHY_BACKEND = {"/health": Route(200, "application/json", '{"status":"ok"}')}
HEALTHY_FRONTEND = {"/": Route(200, "text/html; charset=utf-8",
                               "<!DOCTYPE html><html><head><title>TaskFlow</title></head><body></body></html>")}


@contextmanager
def serve_app(routes: dict[str, Route]) -> Iterator[AppServer]:
    app = AppServer(url="", routes=dict(routes))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            app.hits.append(self.path)
            route = app.routes.get(self.path, Route(404, "text/plain", "not found"))
            if route.delay_s:
                time.sleep(route.delay_s)
            body = route.body.encode()
            try:
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout case)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    app.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
