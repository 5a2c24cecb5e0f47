"""Providers pickled into existing stacks' state still read and delete their objects.

The files under `data/` are the `__provider` values that the code serialized before the package was
reorganised into parts (dill pickles by reference to `prefect_ecs_platform.resources.<module>`). The engine
unpickles the stored value on Read and Delete, and a no-op `pulumi up` never rewrites it, so these exact bytes
must keep working for as long as stacks created with them exist. Never regenerate them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi
from prefect_ecs_platform.resources import BlockDocumentProvider, DeploymentProvider, WorkPoolProvider
from tests.support.provider_host import from_struct, to_struct

pytestmark = pytest.mark.server

DATA = Path(__file__).parent / "data"


Made = tuple[str, dict[str, Any], Callable[[], object]]
"""An object created on the server: its id, its outputs as state holds them, and a read that 404s once gone."""


def _work_pool(api_url: str, api: PrefectApi, unique: str) -> Generator[Made]:
    name = f"stored-pool-{unique}"
    created = WorkPoolProvider().create({"api_url": api_url, "name": name, "type": "ecs"})
    assert created.outs is not None
    yield created.id, created.outs, lambda: api.read_work_pool(name)


def _block_document(api_url: str, api: PrefectApi, unique: str) -> Generator[Made]:
    created = BlockDocumentProvider().create(
        {
            "api_url": api_url,
            "name": f"stored-creds-{unique}",
            "block_type_slug": "aws-credentials",
            "data": {"aws_access_key_id": "AKIAEXAMPLE", "region_name": "eu-west-1"},
        }
    )
    assert created.outs is not None
    yield created.id, created.outs, lambda: api.read_block_document(created.id)


def _deployment(api_url: str, api: PrefectApi, unique: str) -> Generator[Made]:
    pool = f"stored-pool-{unique}"
    WorkPoolProvider().create({"api_url": api_url, "name": pool, "type": "ecs"})
    created = DeploymentProvider().create(
        {"api_url": api_url, "name": "stored", "flow_name": f"flow-{unique}", "work_pool_name": pool}
    )
    assert created.outs is not None
    try:
        yield created.id, created.outs, lambda: api.read_deployment(created.id)
    finally:
        api.delete_work_pool(pool)


#: Resource type, the module its blob names, and how to create one such object on the server.
STORED: dict[str, tuple[str, Callable[[str, PrefectApi, str], Generator[Made]]]] = {
    "WorkPool": ("work_pool", _work_pool),
    "BlockDocument": ("block_document", _block_document),
    "Deployment": ("deployment", _deployment),
}


@pytest.mark.parametrize("kind", STORED)
def test_stored_provider_reads_and_deletes(
    host: provider_pb2_grpc.ResourceProviderStub, prefect_api_url: str, api: PrefectApi, unique: str, kind: str
) -> None:
    """A provider blob an earlier version stored reads its object through the real host, then deletes it."""
    module, make = STORED[kind]
    blob = (DATA / f"{module}_provider.b64").read_text().strip()
    urn = f"urn:pulumi:dev::prefect-ecs-platform::pulumi-python:dynamic/prefect:{kind}::stored"
    made = make(prefect_api_url, api, unique)
    try:
        resource_id, outs, still_there = next(made)
        state = to_struct({**outs, "__provider": blob})
        host.Configure(provider_pb2.ConfigureRequest(args=to_struct({})))

        read = host.Read(provider_pb2.ReadRequest(id=resource_id, urn=urn, properties=state, inputs=state))
        assert read.id == resource_id
        assert from_struct(read.properties)["name"] == outs["name"]

        host.Delete(provider_pb2.DeleteRequest(id=resource_id, urn=urn, properties=read.properties))
        with pytest.raises(NotFound):
            still_there()
    finally:
        made.close()
