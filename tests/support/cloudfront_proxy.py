"""A loopback reverse proxy standing in for the CloudFront distribution in front of the hosted server.

It models what the distribution is configured to do (issue 28), not CloudFront itself:

- **AllViewer origin request policy**: every viewer header reaches the origin, `Authorization` included, and so
  does the viewer's `Host` (AllViewer is documented as "all headers in the viewer request"; only the
  `AllViewerExceptHostHeader` policy swaps in the origin's domain, which `forward_host=False` models). The
  method, the raw path with its query string and the body go as they came. Only hop-by-hop headers stop here.
- **CachingDisabled cache policy**: nothing is stored; every request reaches the origin, and the answer's bytes
  come back untouched (no decompression, no compression of its own).
- **WebSockets**: an upgrade request is answered by opening the same socket to the origin first, offering the
  viewer's `Sec-WebSocket-Protocol` list, then accepting the viewer with the subprotocol the origin chose; every
  frame (text, binary, ping, pong) is relayed both ways, and a close's code and reason are passed on.
- The headers CloudFront documents adding for a custom origin (`Via`, `X-Forwarded-For`, `X-Amz-Cf-Id`) are
  added, and `Via` and `X-Cache` on the way back.

Not modelled: TLS and the HTTP-to-HTTPS redirect (this is plain HTTP on loopback), CloudFront's edge and its
timeouts, the VPC origin's network path, and CloudFront's actual header handling beyond the above (it also
drops or rewrites some headers; see its "custom origin request headers" page).

The old proxies (tests/support/wire_proxy.py) are `http.server` handlers that read a whole request in one
thread and cannot hand a connection over to a WebSocket, so this one is asyncio (aiohttp) and shares only their
idea of which headers are hop-by-hop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

#: Headers of one connection, never forwarded (RFC 9110 7.6.1), and Content-Length, which the body sets again.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
#: The handshake's own headers: the proxy's client makes its own key and offers the subprotocols itself.
_HANDSHAKE = frozenset(
    {"sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions"}
)
VIA = "1.1 0123456789abcdef.cloudfront.net (CloudFront)"


@dataclass
class Seen:
    """What went through the proxy, for tests that must show a request took that path."""

    #: `METHOD /path?query` of every HTTP request, in arrival order.
    requests: list[str] = field(default_factory=list)
    #: (path, the subprotocol the origin chose) of every WebSocket relayed.
    websockets: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class Origin:
    url: URL
    forward_host: bool
    seen: Seen
    session: aiohttp.ClientSession | None = None
    #: The viewers' open sockets, closed when the proxy stops.
    sockets: set[web.WebSocketResponse[bool]] = field(default_factory=set)


_ORIGIN: web.AppKey[Origin] = web.AppKey("origin", Origin)


@dataclass(frozen=True)
class RunningProxy:
    url: str
    seen: Seen


def _origin_headers(request: web.Request, origin: Origin, *, drop: frozenset[str] = frozenset()) -> CIMultiDict[str]:
    headers = CIMultiDict(
        (name, value) for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP | drop
    )
    if not origin.forward_host:
        del headers["Host"]
    peer = request.remote or "127.0.0.1"
    previous = headers.popall("X-Forwarded-For", [])
    headers["X-Forwarded-For"] = ", ".join([*previous, peer])
    headers.add("Via", VIA)
    headers["X-Amz-Cf-Id"] = uuid.uuid4().hex
    return headers


def _origin_url(request: web.Request, origin: Origin) -> URL:
    return URL(str(origin.url).rstrip("/") + request.raw_path, encoded=True)


Socket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


async def _relay(source: Socket, sink: Socket) -> None:
    """Frames from `source` to `sink` until `source` closes, then the close itself with its code and reason."""
    while True:
        message = await source.receive()
        if message.type == aiohttp.WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        elif message.type == aiohttp.WSMsgType.PING:
            await sink.ping(message.data)
        elif message.type == aiohttp.WSMsgType.PONG:
            await sink.pong(message.data)
        elif message.type == aiohttp.WSMsgType.CLOSE:
            await sink.close(code=message.data, message=(message.extra or "").encode())
            return
        else:  # CLOSING, CLOSED, ERROR: the other side went without a close frame of its own.
            await sink.close(code=source.close_code or aiohttp.WSCloseCode.ABNORMAL_CLOSURE)
            return


async def _websocket(request: web.Request, origin: Origin) -> web.StreamResponse:
    assert origin.session is not None
    offered = [p.strip() for h in request.headers.getall("Sec-WebSocket-Protocol", []) for p in h.split(",")]
    try:
        upstream = await origin.session.ws_connect(
            _origin_url(request, origin),
            protocols=[p for p in offered if p],
            headers=_origin_headers(request, origin, drop=_HANDSHAKE),
            autoping=False,
            max_msg_size=0,
        )
    except aiohttp.WSServerHandshakeError as refused:
        return web.Response(status=refused.status, text=refused.message)
    origin.seen.websockets.append((request.raw_path, upstream.protocol))
    viewer = web.WebSocketResponse(
        protocols=[upstream.protocol] if upstream.protocol else (), autoping=False, max_msg_size=0
    )
    await viewer.prepare(request)
    sockets = origin.sockets
    sockets.add(viewer)
    try:
        to_origin = asyncio.ensure_future(_relay(viewer, upstream))
        to_viewer = asyncio.ensure_future(_relay(upstream, viewer))
        # Whichever side closes first ends the other's relay with its close frame.
        await asyncio.wait({to_origin, to_viewer}, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.wait({to_origin, to_viewer}, timeout=5)
        for task in (to_origin, to_viewer):
            task.cancel()
    finally:
        sockets.discard(viewer)
        await upstream.close()
        await viewer.close()
    return viewer


async def _forward(request: web.Request) -> web.StreamResponse:
    origin = request.app[_ORIGIN]
    assert origin.session is not None
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await _websocket(request, origin)
    origin.seen.requests.append(f"{request.method} {request.raw_path}")
    body = await request.read()
    async with origin.session.request(
        request.method,
        _origin_url(request, origin),
        headers=_origin_headers(request, origin),
        data=body or None,
        allow_redirects=False,
    ) as answer:
        content = await answer.read()
        headers = CIMultiDict((name, value) for name, value in answer.headers.items() if name.lower() not in HOP_BY_HOP)
    headers.add("Via", VIA)
    headers["X-Cache"] = "Miss from cloudfront"
    return web.Response(status=answer.status, reason=answer.reason, headers=headers, body=content)


def proxy_app(origin_url: str, *, forward_host: bool = True) -> web.Application:
    """The proxy as an aiohttp application in front of `origin_url` (a server's root URL, without /api)."""
    app = web.Application()
    app[_ORIGIN] = Origin(URL(origin_url), forward_host, Seen())

    async def client(app: web.Application) -> AsyncIterator[None]:
        # Decompressing would change the bytes the viewer gets; CachingDisabled leaves compression off.
        async with aiohttp.ClientSession(
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=120),
            # Only what the viewer sent reaches the origin: aiohttp would add these of its own.
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        ) as session:
            app[_ORIGIN].session = session
            yield

    async def close_sockets(app: web.Application) -> None:
        for socket in list(app[_ORIGIN].sockets):
            await socket.close(code=aiohttp.WSCloseCode.GOING_AWAY)

    app.cleanup_ctx.append(client)
    app.on_shutdown.append(close_sockets)
    app.router.add_route("*", "/{tail:.*}", _forward)
    return app


@contextlib.contextmanager
def serving(app: web.Application) -> Iterator[str]:
    """`app` on a free loopback port, served from an event loop in a thread of its own; yields its base URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="loopback-aiohttp", daemon=True)
    thread.start()
    runner = web.AppRunner(app, shutdown_timeout=5, access_log=None)

    async def start() -> str:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    try:
        url = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
        try:
            yield url
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=15)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@contextlib.contextmanager
def running_cloudfront_proxy(origin_url: str, *, forward_host: bool = True) -> Iterator[RunningProxy]:
    """The proxy in front of `origin_url`, with what it saw."""
    app = proxy_app(origin_url, forward_host=forward_host)
    with serving(app) as url:
        yield RunningProxy(url, app[_ORIGIN].seen)


@contextlib.contextmanager
def cloudfront_proxy(origin_url: str, *, forward_host: bool = True) -> Iterator[str]:
    """The proxy in front of `origin_url` (a server's root URL, without /api); yields the proxy's base URL."""
    with running_cloudfront_proxy(origin_url, forward_host=forward_host) as running:
        yield running.url
