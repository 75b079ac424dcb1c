"""A local HTTP server for client tests: real sockets, real timeouts, no network.

It answers every request by handing it to an httpx transport (the snapshot transports, or a
scripted one), optionally after a delay, so the clients run their full httpx stack against it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Delay = Callable[[httpx.Request], float]


@contextmanager
def serve(transport: httpx.BaseTransport, delay: Delay = lambda _: 0.0) -> Iterator[str]:
    """Run a server on 127.0.0.1 on a free port; yield its base URL."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = f"http://{self.headers['Host']}{self.path}"
            request = httpx.Request(self.command, url, headers=dict(self.headers), content=body)
            seen.append(f"{self.command} {self.path}")
            time.sleep(delay(request))
            response = transport.handle_request(request)
            content = response.read()
            try:
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
