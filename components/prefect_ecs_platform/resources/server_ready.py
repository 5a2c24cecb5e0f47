"""`ServerReady`: a dynamic resource whose create waits until a Prefect server answers `GET <api>/ready` with 200.

A hosted stack's ECS service counts as created once its tasks run, long before the server behind the public
endpoint answers (a first start migrates the database), so the pool and deployments wait for this resource
instead. `/api/ready` and `/api/health` are exempt from Prefect's basic auth, so the wait carries no credential:
its inputs, outputs and pickled provider hold none. Pulumi state pickles the provider by reference to this
module, so its path is permanent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

API_URL = "api_url"
LOG_HINT = "log_hint"
TIMEOUT_SECONDS = "timeout_seconds"

#: Long enough for a first start on a new database: Prefect runs every migration before it answers.
DEFAULT_TIMEOUT_SECONDS = 900.0
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 15.0
REQUEST_TIMEOUT_SECONDS = 10.0
#: An answer's body is quoted in the error up to this length: enough for Prefect's JSON, not a whole HTML page.
BODY_QUOTE_CHARS = 500


class ServerNotReady(Exception):
    """The server did not answer `/ready` with 200 before the deadline."""


def ready_url(api_url: str) -> str:
    return f"{api_url.rstrip('/')}/ready"


def _describe(response: httpx.Response) -> str:
    body = response.text.strip()
    if len(body) > BODY_QUOTE_CHARS:
        body = body[:BODY_QUOTE_CHARS] + "..."
    return f"HTTP {response.status_code} {body!r}"


def wait_until_ready(
    api_url: str,
    *,
    log_hint: str,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Poll `<api_url>/ready` with a doubling delay until it answers 200; raise `ServerNotReady` at the deadline."""
    url = ready_url(api_url)
    deadline = clock() + timeout_seconds
    delay = FIRST_DELAY_SECONDS
    last = "no answer yet"
    with httpx.Client(transport=transport) as client:
        while True:
            remaining = deadline - clock()
            try:
                response = client.get(url, timeout=max(0.1, min(REQUEST_TIMEOUT_SECONDS, remaining)))
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc or 'no detail'}"
            else:
                if response.status_code == httpx.codes.OK:
                    return
                last = _describe(response)
            remaining = deadline - clock()
            if remaining <= 0:
                raise ServerNotReady(
                    f"the Prefect server did not answer GET {url} with 200 within {timeout_seconds:g} s; "
                    f"its last answer: {last}. The server's logs: {log_hint}"
                )
            sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_DELAY_SECONDS)


def _timeout(props: dict[str, Any]) -> float:
    value = props.get(TIMEOUT_SECONDS)
    return float(value) if value is not None else DEFAULT_TIMEOUT_SECONDS


def _wait(props: dict[str, Any]) -> None:
    wait_until_ready(
        str(props[API_URL]), log_hint=str(props.get(LOG_HINT) or "unknown"), timeout_seconds=_timeout(props)
    )


class ServerReadyProvider(ResourceProvider):
    """Waits on create, and on an update that moves the URL; holds no state, so its pickle carries nothing."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        _wait(props)
        return CreateResult("ready", dict(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Only a new URL is a new server to wait for; the hint and deadline only shape a wait that happened.
        return DiffResult(changes=olds.get(API_URL) != news.get(API_URL), replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        if olds.get(API_URL) != news.get(API_URL):
            _wait(news)
        return UpdateResult(dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # A refresh must not wait on, or fail for, a server that is down now: this records a past answer.
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class ServerReady(pulumi.dynamic.Resource, module="prefect", name="ServerReady"):
    """Created once the Prefect server at `api_url` answers `/ready` with 200."""

    api_url: pulumi.Output[str]
    """The Prefect API waited for (ending in /api)."""
    log_hint: pulumi.Output[str]
    """Where the server's logs are, quoted in the error of a wait that timed out."""
    timeout_seconds: pulumi.Output[float]
    """How long a create (or an update to a new URL) waits."""

    def __init__(
        self,
        resource_name: str,
        *,
        api_url: pulumi.Input[str],
        log_hint: pulumi.Input[str],
        timeout_seconds: pulumi.Input[float] = DEFAULT_TIMEOUT_SECONDS,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {API_URL: api_url, LOG_HINT: log_hint, TIMEOUT_SECONDS: timeout_seconds}
        super().__init__(ServerReadyProvider(), resource_name, props, opts)
