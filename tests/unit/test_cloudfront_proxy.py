"""The CloudFront stand-in (tests/support/cloudfront_proxy.py) against an in-process origin that answers with
what reached it: viewer headers, method, path and body pass through, nothing is cached, and a WebSocket's
subprotocol, frames and close code go both ways. Both run in threads of this process; no process is started."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator

import httpx
import pytest
from aiohttp import WSCloseCode, WSMsgType, web
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.support.cloudfront_proxy import VIA, running_cloudfront_proxy, serving

AUTHORIZATION = "Basic " + base64.b64encode(b"prefect:s3cret").decode()


def _origin() -> web.Application:
    hits: list[str] = []

    async def echo(request: web.Request) -> web.Response:
        hits.append(request.raw_path)
        body = await request.read()
        seen = {
            "method": request.method,
            "path": request.raw_path,
            "headers": [[k, v] for k, v in request.headers.items()],
            "body": body.decode(),
            "hits": len(hits),
        }
        # An origin that allows caching: CachingDisabled must still send every request on.
        return web.json_response(seen, headers={"Cache-Control": "public, max-age=3600"})

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"exception_message": "Unauthorized"}, status=401)

    async def compressed(request: web.Request) -> web.Response:
        return web.Response(body=gzip.compress(b"x" * 1000), headers={"Content-Encoding": "gzip"})

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=["prefect"])
        await ws.prepare(request)
        await ws.send_str(
            json.dumps({"protocol": ws.ws_protocol, "authorization": request.headers.get("Authorization")})
        )
        async for message in ws:
            if message.type == WSMsgType.TEXT and message.data == "refuse me":
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"Invalid token")
            elif message.type == WSMsgType.TEXT:
                await ws.send_str("echo " + message.data)
            elif message.type == WSMsgType.BINARY:
                await ws.send_bytes(message.data[::-1])
        return ws

    app = web.Application()
    app.router.add_route("*", "/echo/{tail:.*}", echo)
    app.router.add_get("/refuse", refuse)
    app.router.add_get("/compressed", compressed)
    app.router.add_get("/api/events/in", socket)
    return app


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serving(_origin()) as url:
        yield url


def test_every_viewer_header_the_method_path_and_body_reach_the_origin(origin: str) -> None:
    """AllViewer: Authorization, the viewer's own headers and its Host go on; CloudFront's headers are added."""
    with running_cloudfront_proxy(origin) as proxy:
        answer = httpx.patch(
            f"{proxy.url}/echo/a%2Fb?x=1&x=2",
            content=b'{"k": "v"}',
            headers={"Authorization": AUTHORIZATION, "X-Custom": "kept", "Content-Type": "application/json"},
        )
    assert answer.status_code == 200
    seen = answer.json()
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert (seen["method"], seen["path"], seen["body"]) == ("PATCH", "/echo/a%2Fb?x=1&x=2", '{"k": "v"}')
    assert headers["authorization"] == AUTHORIZATION
    assert headers["x-custom"] == "kept"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("python-httpx/")
    # The viewer's Host, as AllViewer forwards it, not the origin's.
    assert headers["host"] == httpx.URL(proxy.url).netloc.decode()
    assert headers["via"] == VIA
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-amz-cf-id"]
    assert answer.headers["x-cache"] == "Miss from cloudfront"
    assert proxy.seen.requests == ["PATCH /echo/a%2Fb?x=1&x=2"]


def test_with_the_except_host_policy_the_origin_gets_its_own_host(origin: str) -> None:
    with running_cloudfront_proxy(origin, forward_host=False) as proxy:
        seen = httpx.get(f"{proxy.url}/echo/").json()
    assert {k.lower(): v for k, v in seen["headers"]}["host"] == httpx.URL(origin).netloc.decode()


def test_nothing_is_cached_and_the_answer_comes_back_as_sent(origin: str) -> None:
    """The same GET twice reaches the origin twice though it allows caching; a refusal and a compressed body
    come back untouched."""
    with running_cloudfront_proxy(origin) as proxy:
        first = httpx.get(f"{proxy.url}/echo/same").json()["hits"]
        second = httpx.get(f"{proxy.url}/echo/same").json()["hits"]
        refused = httpx.get(f"{proxy.url}/refuse")
        raw = httpx.get(f"{proxy.url}/compressed", headers={"Accept-Encoding": "gzip"})
    assert second == first + 1
    assert (refused.status_code, refused.json()) == (401, {"exception_message": "Unauthorized"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.content == b"x" * 1000


def test_a_websocket_is_upgraded_with_its_subprotocol_and_relayed_both_ways(origin: str) -> None:
    """The viewer's `prefect` subprotocol is offered to the origin and its choice comes back; text and binary
    frames go both ways; the origin's policy-violation close reaches the viewer with its reason."""
    with running_cloudfront_proxy(origin) as proxy:
        url = proxy.url.replace("http://", "ws://") + "/api/events/in"
        with connect(
            url, subprotocols=[Subprotocol("prefect")], additional_headers={"Authorization": AUTHORIZATION}
        ) as socket:
            assert socket.subprotocol == "prefect"
            assert json.loads(socket.recv(timeout=5)) == {"protocol": "prefect", "authorization": AUTHORIZATION}
            socket.send("hello")
            assert socket.recv(timeout=5) == "echo hello"
            socket.send(b"\x01\x02\x03")
            assert socket.recv(timeout=5) == b"\x03\x02\x01"
            socket.send("refuse me")
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=5)
        assert proxy.seen.websockets == [("/api/events/in", "prefect")]
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "Invalid token")
