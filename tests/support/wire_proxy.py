"""A loopback HTTP proxy that counts every request on the wire and can add a round trip to each.

Every method the benchmarks compare reaches the Prefect server through one of these, so requests are
counted where they are sent, never estimated; the provider-host tests read which credential arrived.
`delay` is slept before each request is forwarded: 0.05 s stands for the round trip to Prefect Cloud
from a CI runner.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx

P = TypeVar("P", bound="WireProxy")
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Hop-by-hop headers, and the ones httpx recomputes when it forwards.
_NOT_FORWARDED = {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "accept-encoding"}


class WireProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, delay: float = 0.0, handler: type[BaseHTTPRequestHandler] | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.delay = delay
        self.counts: Counter[str] = Counter()
        #: The Authorization header of every request, in arrival order (None where there was none).
        self.authorizations: list[str | None] = []
        self._counts_guard = threading.Lock()
        self._clients = threading.local()
        super().__init__(("127.0.0.1", 0), handler or Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def client(self) -> httpx.Client:
        if not hasattr(self._clients, "client"):
            self._clients.client = httpx.Client(timeout=120)
        client: httpx.Client = self._clients.client
        return client

    def record(self, method: str, path: str, authorization: str | None) -> None:
        route = _ID.sub("{id}", path.split("?", 1)[0])
        with self._counts_guard:
            self.counts[f"{method} {route}"] += 1
            self.authorizations.append(authorization)

    def take(self) -> Counter[str]:
        """The requests counted since the last take, by method and route (ids replaced by {id})."""
        with self._counts_guard:
            taken, self.counts = self.counts, Counter()
        return taken


class Forward(BaseHTTPRequestHandler):
    server: WireProxy
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        self.reply(self.send_upstream(self.read_request()))

    def read_request(self) -> bytes:
        """The request's body, once the request is counted."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record(self.command, self.path, self.headers.get("Authorization"))
        return body

    def send_upstream(self, body: bytes) -> httpx.Response:
        if self.server.delay:
            time.sleep(self.server.delay)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _NOT_FORWARDED}
        return self.server.client().request(
            self.command, self.server.upstream + self.path, content=body, headers=headers
        )

    def reply(self, upstream: httpx.Response) -> None:
        content = upstream.content
        self.send_response(upstream.status_code)
        for key, value in upstream.headers.items():
            if key.lower() not in _NOT_FORWARDED | {"content-encoding", "date", "server"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the counts are the log."""


@contextmanager
def serving(proxy: P) -> Iterator[P]:
    """`proxy` serving from a thread of its own until the block ends."""
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


def wire_proxy(upstream: str, delay: float = 0.0) -> contextlib.AbstractContextManager[WireProxy]:
    """A running proxy in front of `upstream` (a server's root URL, without /api)."""
    return serving(WireProxy(upstream, delay))
