"""The wait for `/api/ready` behind `ServerReady`, against canned answers and a fake clock: no real time passes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from prefect_ecs_platform.resources import server_ready
from prefect_ecs_platform.resources.server_ready import ServerNotReady, ServerReadyProvider, wait_until_ready

API = "http://server.example/api"
LOGS = "CloudWatch log group data-logs, streams server/prefect-server/<task id>"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def answering(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport giving `answers` in turn, then the last one forever; and the requests it saw."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        answer = answers[min(len(seen), len(answers) - 1)]
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen


def wait(transport: httpx.MockTransport, clock: FakeClock, timeout: float = 60) -> None:
    wait_until_ready(API, log_hint=LOGS, timeout_seconds=timeout, transport=transport, sleep=clock.sleep, clock=clock)


NOT_READY = httpx.Response(503, json={"message": "Database is not ready"})


def test_two_503s_then_200_returns_after_backing_off() -> None:
    transport, seen = answering(NOT_READY, NOT_READY, httpx.Response(200, json={"message": "OK"}))
    clock = FakeClock()
    wait(transport, clock)
    assert [str(r.url) for r in seen] == [f"{API}/ready"] * 3
    assert clock.sleeps == [1.0, 2.0]
    # No credential: /api/ready is exempt from basic auth.
    assert all("authorization" not in r.headers for r in seen)


def test_always_503_fails_at_the_deadline_naming_the_answer_and_the_logs() -> None:
    transport, seen = answering(NOT_READY)
    clock = FakeClock()
    with pytest.raises(ServerNotReady) as raised:
        wait(transport, clock, timeout=60)
    message = str(raised.value)
    assert f"GET {API}/ready" in message
    assert "HTTP 503" in message
    assert "Database is not ready" in message
    assert LOGS in message
    assert clock.now == 60
    assert max(clock.sleeps) <= 15
    assert len(seen) > 3


def test_connection_refused_fails_naming_the_error() -> None:
    transport, _ = answering(httpx.ConnectError("[Errno 111] Connection refused"))
    clock = FakeClock()
    with pytest.raises(ServerNotReady, match=r"ConnectError: \[Errno 111\] Connection refused") as raised:
        wait(transport, clock, timeout=5)
    assert LOGS in str(raised.value)


@pytest.mark.parametrize(
    ("olds", "news", "changes"),
    [
        ({"api_url": API, "log_hint": "a"}, {"api_url": API, "log_hint": "b", "timeout_seconds": 5}, False),
        ({"api_url": API}, {"api_url": "http://other.example/api"}, True),
    ],
)
def test_only_a_new_url_is_a_change(olds: dict[str, object], news: dict[str, object], changes: bool) -> None:
    diff = ServerReadyProvider().diff("ready", olds, news)
    assert (diff.changes, diff.replaces) == (changes, [])


def test_read_and_delete_touch_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    refused: Callable[..., None] = lambda *a, **k: pytest.fail("no request on read or delete")  # noqa: E731
    monkeypatch.setattr(httpx.Client, "send", refused)
    props = {"api_url": API, "log_hint": LOGS, "timeout_seconds": 1.0}
    assert ServerReadyProvider().read("ready", props).outs == props
    ServerReadyProvider().delete("ready", props)


def test_create_and_an_update_to_a_new_url_wait_and_other_updates_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[tuple[str, str, float]] = []

    def recorded(api_url: str, *, log_hint: str, timeout_seconds: float) -> None:
        waits.append((api_url, log_hint, timeout_seconds))

    monkeypatch.setattr(server_ready, "wait_until_ready", recorded)
    provider = ServerReadyProvider()
    props = {"api_url": API, "log_hint": LOGS, "timeout_seconds": 30.0}
    created = provider.create(props)
    assert (created.id, created.outs) == ("ready", props)
    provider.update("ready", props, {**props, "log_hint": "elsewhere"})
    assert waits == [(API, LOGS, 30.0)]
    provider.update("ready", props, {"api_url": "http://other.example/api", "log_hint": LOGS})
    assert waits[1:] == [("http://other.example/api", LOGS, server_ready.DEFAULT_TIMEOUT_SECONDS)]
