"""Drive the providers through Pulumi's real provider host (`python -m pulumi.dynamic`) over gRPC."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi
from prefect_ecs_platform.resources.work_pool import WorkPoolProvider
from tests.support.provider_host import from_struct, to_struct
from tests.support.wire_proxy import WireProxy, wire_proxy

pytestmark = pytest.mark.server

API_KEY = "pnu_host-test-key-0123456789"


@pytest.fixture
def proxy_url(prefect_api_url: str) -> Iterator[tuple[str, WireProxy]]:
    """A loopback proxy in front of the Prefect server, so the test can see which key the host sent."""
    with wire_proxy(prefect_api_url.removesuffix("/api")) as proxy:
        yield f"{proxy.url}/api", proxy


def test_work_pool_through_the_provider_host(
    host: provider_pb2_grpc.ResourceProviderStub,
    proxy_url: tuple[str, WireProxy],
    api: PrefectApi,
    unique: str,
) -> None:
    """Configure, Check, Diff, Create, Update, Read and Delete through the real host reach the server."""
    url, proxy = proxy_url
    serialized, _ = _serialize(True, serialize_provider, WorkPoolProvider())
    assert API_KEY not in serialized
    urn = f"urn:pulumi:test::prefect-ecs-platform::pulumi-python:dynamic/prefect:WorkPool::pool-{unique}"
    news = {
        "__provider": serialized,
        "name": f"pool-{unique}",
        "type": "ecs",
        "description": "via host",
        "concurrency_limit": 2,
        "api_url": url,
        "adopt_existing": False,
    }

    host.Configure(provider_pb2.ConfigureRequest(args=to_struct({"prefect-ecs-platform:prefectApiKey": API_KEY})))

    check = host.Check(provider_pb2.CheckRequest(urn=urn, olds=to_struct({}), news=to_struct(news)))
    assert list(check.failures) == []
    bad = host.Check(
        provider_pb2.CheckRequest(urn=urn, olds=to_struct({}), news=to_struct({**news, "name": "prefect-x"}))
    )
    assert [f.property for f in bad.failures] == ["name"]

    created = host.Create(provider_pb2.CreateRequest(urn=urn, properties=check.inputs))
    stored = api.read_work_pool(f"pool-{unique}")
    assert created.id == stored["id"]
    assert stored["concurrency_limit"] == 2
    outs = from_struct(created.properties)
    assert outs["description"] == "via host"
    assert API_KEY not in str(outs)
    assert proxy.authorizations
    assert set(proxy.authorizations) == {f"Bearer {API_KEY}"}

    same = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=check.inputs))
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    edited = {**news, "description": "edited via host"}
    diff = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=to_struct(edited)))
    assert (diff.changes, list(diff.replaces)) == (provider_pb2.DiffResponse.DIFF_SOME, [])
    renamed = host.Diff(
        provider_pb2.DiffRequest(
            id=created.id, urn=urn, olds=created.properties, news=to_struct({**news, "name": f"pool-{unique}-x"})
        )
    )
    assert list(renamed.replaces) == ["name"]

    updated = host.Update(
        provider_pb2.UpdateRequest(id=created.id, urn=urn, olds=created.properties, news=to_struct(edited))
    )
    assert from_struct(updated.properties)["concurrency_limit"] == 2
    assert api.read_work_pool(f"pool-{unique}")["description"] == "edited via host"

    api.update_work_pool(f"pool-{unique}", {"concurrency_limit": 7})
    read = host.Read(provider_pb2.ReadRequest(id=created.id, urn=urn, properties=updated.properties))
    assert (read.id, from_struct(read.properties)["concurrency_limit"]) == (created.id, 7)

    host.Delete(provider_pb2.DeleteRequest(id=created.id, urn=urn, properties=read.properties))
    with pytest.raises(NotFound):
        api.read_work_pool(f"pool-{unique}")
    host.Delete(provider_pb2.DeleteRequest(id=created.id, urn=urn, properties=read.properties))
    gone = host.Read(provider_pb2.ReadRequest(id=created.id, urn=urn, properties=read.properties))
    assert gone.id == ""
