"""The Prefect objects under injected faults: the server ends with exactly the intended objects.

Pulumi's real provider host serves the providers, driven as the engine drives them (tests/support/engine.py),
and reaches the real Prefect server only through the fault proxy (tests/support/fault_proxy.py). The 30 objects
of `many_objects.FEW` (every kind: pools, their queues, blocks, deployments, a limit, a variable) are created,
updated (schedules by slug and queue priorities included), replaced and destroyed under each fault alone (one
request in five failed) and all of them mixed (one in two). What is under test is each write's fate under a
fault, not the number of objects: a few of each kind meet every fault at least 20 times, in about half the
time 114 objects took at one fault in ten. After each step the server is read directly, not through the
proxy: every intended object exists exactly once, with the intended content and the id the state holds, and
nothing else carries the run's prefix (no duplicate, no orphan).

The budget: Prefect's client retries 5 times (PREFECT_CLIENT_MAX_RETRIES, its default), the proxy fails
one request at most twice in a row, and jitter is off (PREFECT_CLIENT_RETRY_JITTER_FACTOR=0). A 429 or 503
asks for 0.1 s (Retry-After); every other fault (a 502, a dropped connection, a late answer) costs
Prefect's fixed backoff of 2 s before the first retry (4 s before a second), which no setting shortens,
plus, for a slow answer, the 1.5 s request timeout (PREFECT_API_REQUEST_TIMEOUT). The provider host
serves four calls at once (its gRPC server's thread pool, as under `pulumi up`), so four backoffs overlap:
about 350 requests a run, 70 faults alone or 170 mixed. The cases are marked `spread`: each runs on whichever
xdist worker is free, so their waits overlap each other's and the rest of the suite's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from prefect_ecs_platform.prefect_api import PrefectApi
from tests.support.engine import Engine
from tests.support.fault_proxy import FAULTS, fault_proxy
from tests.support.many_objects import FEW, Desired, assert_server_holds, assert_server_holds_nothing, up
from tests.support.provider_host import running_provider_host

pytestmark = [pytest.mark.server, pytest.mark.spread]

PARALLEL = 16
TIMEOUT_SECONDS = 1.5
#: Of all requests: each fault alone fails one in five, all of them mixed one in two.
ALONE, MIXED = 0.2, 0.5
RETRY_SETTINGS = {
    "PREFECT_CLIENT_MAX_RETRIES": "5",
    "PREFECT_CLIENT_RETRY_JITTER_FACTOR": "0",
    "PREFECT_API_REQUEST_TIMEOUT": str(TIMEOUT_SECONDS),
}


@pytest.fixture
def faults_host() -> Iterator[Any]:
    with running_provider_host(RETRY_SETTINGS) as host:
        yield host


@pytest.mark.parametrize(
    ("faults", "fraction"), [((f,), ALONE) for f in FAULTS] + [(FAULTS, MIXED)], ids=[*FAULTS, "mixed"]
)
def test_the_server_ends_with_exactly_the_intended_objects(
    quiet_server_url: str, quiet_server: PrefectApi, faults_host: Any, faults: tuple[str, ...], fraction: float
) -> None:
    prefix = f"f{uuid.uuid4().hex[:6]}"
    upstream = quiet_server_url.removesuffix("/api")
    slow = TIMEOUT_SECONDS + 1
    with fault_proxy(upstream, faults, fraction=fraction, seed=1, slow_seconds=slow) as proxy:
        engine = Engine(faults_host, PARALLEL, stack="faults")
        for version in (1, 2, 3):
            desired = Desired(prefix, version, FEW)
            up(engine, desired.program(proxy.url + "/api"))
            assert_server_holds(quiet_server, engine, desired)
        engine.destroy()
        assert_server_holds_nothing(quiet_server, prefix)
    # Every fault asked for was injected, and often.
    assert {fault: proxy.injected[fault] >= 20 for fault in faults} == {fault: True for fault in faults}
