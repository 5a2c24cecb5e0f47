"""The hosted server, started from its container definition on a TLS PostgreSQL, takes the platform's objects and
a worker's flow run: the pool and deployment created through Pulumi's real provider host with the auth string,
then prefect-aws's ECS worker polling this server submits the deployment's run to ECS (moto, in process).

What it adds to tests/acceptance/test_hosted_server_container.py: the server the definition starts is usable by
the two clients the platform points at it, and what they write lands in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from prefect.client.orchestration import get_client
from prefect.logging.handlers import APILogHandler
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_KEY, PREFECT_API_URL, temporary_settings
from prefect_aws.workers.ecs_worker import ECSWorker, parse_identifier
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs_platform.inputs.config_keys import AUTH_STRING_KEY, NAMESPACE
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider
from tests.support import postgres as test_postgres
from tests.support.moto.moto_patches import RunTaskRequests
from tests.support.provider_host import from_struct, running_provider_host, to_struct
from tests.support.server_process import (
    HostedServer,
    query,
    registered_server_running,
)

pytestmark = pytest.mark.moto

CLUSTER = "hosted-server-flows"
POOL = "hosted-ecs"
FLOW = "hosted-flow"
DEPLOYMENT = "hosted-deployment"
SUBMIT_TIMEOUT_SECONDS = 60.0


@pytest.fixture(scope="module")
def server(database: test_postgres.Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedServer]:
    """The definition the component registers, its secrets as the stack stored them, on the module's PostgreSQL."""
    with registered_server_running(database, tmp_path_factory.mktemp("hosted-server")) as running:
        yield running


def _urn(kind: str, name: str) -> str:
    return f"urn:pulumi:hosted::prefect-ecs-platform::pulumi-python:dynamic/prefect:{kind}::{name}"


def _create(host: provider_pb2_grpc.ResourceProviderStub, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check then Create, as the engine sends them for a new resource."""
    check = host.Check(provider_pb2.CheckRequest(urn=urn, olds=to_struct({}), news=to_struct(news)))
    assert [(f.property, f.reason) for f in check.failures] == []
    created = host.Create(provider_pb2.CreateRequest(urn=urn, properties=check.inputs))
    return created.id, from_struct(created.properties)


@dataclass(frozen=True)
class Objects:
    pool_id: str
    deployment_id: str
    deployment_outputs: dict[str, Any]


@pytest.fixture(scope="module")
def objects(server: HostedServer, aws: boto3.Session) -> Objects:
    """The ECS pool (on the moto cluster) and a deployment in it, created through the provider host.

    The host is configured with the auth string as the stack's secret config, as `pulumi up` configures it.
    """
    cluster_arn = aws.client("ecs").create_cluster(clusterName=CLUSTER)["cluster"]["clusterArn"]
    # prefect-aws's own template, not the platform's: this test is about the server. With it the worker copies
    # its auth string into the run's RunTask overrides in the clear; the platform's template names the string's
    # secret instead (tests/moto/test_job_template_in_moto.py).
    template = copy.deepcopy(ECSWorker.get_default_base_job_template())
    template["variables"]["properties"]["cluster"]["default"] = cluster_arn
    with running_provider_host() as host:
        host.Configure(
            provider_pb2.ConfigureRequest(args=to_struct({f"{NAMESPACE}:{AUTH_STRING_KEY}": server.auth_string}))
        )
        pool_provider, _ = _serialize(True, serialize_provider, WorkPoolProvider())
        pool_id, _ = _create(
            host,
            _urn("WorkPool", POOL),
            {
                "__provider": pool_provider,
                "name": POOL,
                "type": "ecs",
                "base_job_template": template,
                "api_url": server.api_url,
                "adopt_existing": False,
            },
        )
        deployment_provider, _ = _serialize(True, serialize_provider, DeploymentProvider())
        deployment_id, deployment_outputs = _create(
            host,
            _urn("Deployment", DEPLOYMENT),
            {
                "__provider": deployment_provider,
                "name": DEPLOYMENT,
                "flow_name": FLOW,
                "work_pool_name": POOL,
                "entrypoint": "flows/etl.py:etl",
                "job_variables": {"cpu": 512, "memory": 1024},
                "api_url": server.api_url,
                "adopt_existing": False,
            },
        )
    assert server.auth_string not in str(deployment_outputs)
    return Objects(pool_id, deployment_id, deployment_outputs)


def test_the_provider_host_creates_the_pool_and_deployment_on_postgres(
    server: HostedServer, database: test_postgres.Postgres, objects: Objects
) -> None:
    """Through the auth string the host was configured with; the server stored both in PostgreSQL."""
    with PrefectApi(server.api_url, auth_string=server.auth_string) as api:
        assert api.read_work_pool(POOL)["id"] == objects.pool_id
        assert api.read_deployment(objects.deployment_id)["job_variables"] == {"cpu": 512, "memory": 1024}
    in_pool = (
        "SELECT deployment.name, work_pool.name AS pool FROM deployment"
        " JOIN work_queue ON work_queue.id = deployment.work_queue_id"
        " JOIN work_pool ON work_pool.id = work_queue.work_pool_id WHERE deployment.id = $1"
    )
    rows = query(database, in_pool, uuid.UUID(objects.deployment_id))
    assert [(row["name"], row["pool"]) for row in rows] == [(DEPLOYMENT, POOL)]


@dataclass(frozen=True)
class Submitted:
    flow_run_id: uuid.UUID
    infrastructure_pid: str | None
    state_type: str | None


async def _run_once(server: HostedServer, deployment_id: str) -> Submitted:
    """A run of the deployment, then one poll of the pool by a real ECS worker pointed at this server."""
    async with get_client() as client:
        flow_run = await client.create_flow_run_from_deployment(uuid.UUID(deployment_id))
        async with ECSWorker(work_pool_name=POOL, name="hosted-server-worker") as worker:
            await worker.get_and_submit_flow_runs()
            deadline = time.monotonic() + SUBMIT_TIMEOUT_SECONDS
            while True:
                read = await client.read_flow_run(flow_run.id)
                if read.infrastructure_pid or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.25)
    # The worker's logs go to the server too: sent now, while it runs, not at this process's exit.
    await APILogHandler.aflush()
    return Submitted(flow_run.id, read.infrastructure_pid, read.state.type.value if read.state else None)


def test_the_ecs_worker_polling_the_server_submits_the_deployments_run(
    server: HostedServer,
    database: test_postgres.Postgres,
    objects: Objects,
    aws: boto3.Session,
    run_task_requests: RunTaskRequests,
) -> None:
    """The worker authenticates with the auth string, finds the scheduled run, starts its task on the cluster,
    and the run's infrastructure id it reports back is what PostgreSQL holds."""
    settings = {PREFECT_API_URL: server.api_url, PREFECT_API_AUTH_STRING: server.auth_string}
    with temporary_settings(updates=settings, restore_defaults={PREFECT_API_KEY}):
        submitted = asyncio.run(_run_once(server, objects.deployment_id))
    assert submitted.infrastructure_pid, f"the worker submitted nothing (state {submitted.state_type})"
    cluster, task_arn = parse_identifier(submitted.infrastructure_pid)
    assert cluster.endswith(f"cluster/{CLUSTER}")
    request = run_task_requests.by_task_arn[task_arn]
    (override,) = request["overrides"]["containerOverrides"]
    environment = {entry["name"]: entry["value"] for entry in override["environment"]}
    assert environment["PREFECT__FLOW_RUN_ID"] == str(submitted.flow_run_id)
    assert environment["PREFECT_API_URL"] == server.api_url
    assert submitted.state_type == "PENDING"
    rows = query(database, "SELECT infrastructure_pid FROM flow_run WHERE id = $1", submitted.flow_run_id)
    assert [row["infrastructure_pid"] for row in rows] == [submitted.infrastructure_pid]
