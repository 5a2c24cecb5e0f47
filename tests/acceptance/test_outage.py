"""The server goes away in the middle of `pulumi up`: a clear error, and a rerun converges with no clean-up.

The outage starts the worst way: one last write is handled by the server but its answer is lost, then
nothing gets through. Every operation that needs the server fails with an error naming its URL and what
to check, without httpx's traceback. Once the server is back, rerunning the same step ends with exactly
the intended objects (`many_objects.assert_server_holds`), the lost write included: a deployment the
lost create made carries this resource's owner label, so the rerun carries on instead of refusing it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from prefect_ecs_platform.prefect_api import PrefectApi
from tests.support.engine import Engine
from tests.support.fault_proxy import fault_proxy
from tests.support.many_objects import Desired, assert_server_holds, assert_server_holds_nothing, up
from tests.support.provider_host import running_provider_host

pytestmark = [pytest.mark.server, pytest.mark.spread]

#: One retry, so an operation gives up after Prefect's 2 s backoff instead of a minute of them.
RETRY_SETTINGS = {"PREFECT_CLIENT_MAX_RETRIES": "1", "PREFECT_CLIENT_RETRY_JITTER_FACTOR": "0"}


@pytest.fixture
def outage_host() -> Iterator[Any]:
    with running_provider_host(RETRY_SETTINGS) as host:
        yield host


@pytest.mark.parametrize(("step", "writes_before"), [(2, 150), (3, 60)], ids=["during updates", "during replaces"])
def test_a_rerun_after_the_server_returns_converges(
    quiet_server_url: str, quiet_server: PrefectApi, outage_host: Any, step: int, writes_before: int
) -> None:
    prefix = f"o{uuid.uuid4().hex[:6]}"
    with fault_proxy(quiet_server_url.removesuffix("/api"), ()) as proxy:
        api_url = proxy.url + "/api"
        engine = Engine(outage_host, 8, stack="outage")
        for version in range(1, step):
            up(engine, Desired(prefix, version).program(api_url))
        desired = Desired(prefix, step)

        proxy.go_down_after(writes=writes_before)
        # The SDK raises the provider host's report of the failed call, which is what `pulumi up` prints.
        with pytest.raises(Exception, match="no answer from the Prefect API") as raised:
            up(engine, desired.program(api_url))
        proxy.come_back()

        reported = str(raised.value)
        assert f"no answer from the Prefect API at {api_url}" in reported
        assert "Check that the server is running" in reported
        assert "/httpx/" not in reported
        assert "/httpcore/" not in reported

        up(engine, desired.program(api_url))
        assert_server_holds(quiet_server, engine, desired)
        engine.destroy()
    assert_server_holds_nothing(quiet_server, prefix)
