"""The whole hosted platform offline: the stack in moto, its Prefect server started from the server's registered
task definition on a TLS PostgreSQL, the stack's pool and a deployment created through Pulumi's real provider
host with the stack's auth string, and the worker started with the worker task definition's command and
environment, polling that server and submitting the deployment's run to moto.

Repointed, and nothing else: the server's database address and CA file (RDS's stand-in), and the API URL the
worker, the pool and the deployment use (the load balancer's, which only exists in AWS) to the loopback server.
The secrets are resolved from what the stack stored in moto's Secrets Manager, as ECS resolves `valueFrom`; the
database login, which RDS itself keeps, is the test cluster's in the form RDS stores it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from prefect_aws.workers.ecs_worker import parse_identifier
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider
from tests.support import ROOT
from tests.support import postgres as test_postgres
from tests.support.moto.component_in_moto import DeployedStack, deploy_component, unsecret
from tests.support.moto.moto_patches import (
    RunTaskRequests,
    fargate_containers_without_memory,
    recording_run_task_requests,
)
from tests.support.moto.moto_server import aws_clients_pointed_at, moto_server
from tests.support.moto.worker_task import WorkerTasks, worker_environment
from tests.support.provider_host import from_struct, running_provider_host, to_struct
from tests.support.server_process import HostedServer, hosted_server, query, repointed

pytestmark = pytest.mark.moto

REGION = "us-east-1"
STACK = "hosted"
WORK_POOL = "pulumi-python:dynamic/prefect:WorkPool"
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"
SUBMIT_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Platform:
    stack: DeployedStack
    session: boto3.Session
    moto_endpoint: str
    server: HostedServer
    run_tasks: RunTaskRequests


def _server_container(stack: DeployedStack) -> dict[str, Any]:
    definition = stack.resource("aws:ecs/taskDefinition:TaskDefinition", f"{STACK}-server")
    (container,) = json.loads(definition.inputs["containerDefinitions"])
    return dict(container)


def _stored_secrets(
    container: dict[str, Any], session: boto3.Session, database: test_postgres.Postgres
) -> dict[str, str]:
    """What ECS would read: the auth string from the secret the stack wrote in moto, the login from RDS's secret."""
    stored = {}
    secrets = session.client("secretsmanager")
    for entry in container["secrets"]:
        arn = entry["valueFrom"].split(":username::")[0].split(":password::")[0]
        if entry["name"] == "PREFECT_SERVER_API_AUTH_STRING":
            stored[arn] = secrets.get_secret_value(SecretId=arn)["SecretString"]
        else:
            # RDS creates and rotates this secret itself; moto's RDS makes none.
            stored[arn] = json.dumps({"username": database.user, "password": database.password})
    return stored


@pytest.fixture(scope="module")
def platform(database: test_postgres.Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with (
        moto_server() as endpoint,
        aws_clients_pointed_at(endpoint, REGION) as session,
        fargate_containers_without_memory(),
        recording_run_task_requests() as run_tasks,
    ):
        stack = deploy_component(
            session, STACK, "worker", prefect_api_url="", prefect_api_auth_string=None,
            prefect_server=PrefectServerArgs(enabled=True),
            deployments=load_prefect_yaml(ROOT / "flows" / "prefect.yaml")[:1], project_root=str(ROOT),
        )  # fmt: skip
        container = _server_container(stack)
        stored = _stored_secrets(container, session, database)
        auth_string = next(v for k, v in stored.items() if not v.startswith("{"))
        work = tmp_path_factory.mktemp("hosted-platform")
        with hosted_server(container, stored, repointed(database), auth_string, work) as server:
            if server is None:
                pytest.fail(f"the server never became ready:\n{(work / 'server.log').read_text()[-6000:]}")
            yield Platform(stack, session, endpoint, server, run_tasks)


def _urn(kind: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::prefect-ecs-platform::pulumi-python:dynamic/prefect:{kind}::{name}"


def _create(host: provider_pb2_grpc.ResourceProviderStub, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check then Create, as the engine sends them for a new resource."""
    check = host.Check(provider_pb2.CheckRequest(urn=urn, olds=to_struct({}), news=to_struct(news)))
    assert [(f.property, f.reason) for f in check.failures] == []
    created = host.Create(provider_pb2.CreateRequest(urn=urn, properties=check.inputs))
    return created.id, from_struct(created.properties)


def _registered(stack: DeployedStack, typ: str) -> dict[str, Any]:
    """The first resource of `typ` as the component registered it, with its provider's inputs as they arrive."""
    return {k: v for k, v in unsecret(stack.of_type(typ)[0].inputs).items() if k != "__provider"}


@dataclass(frozen=True)
class Objects:
    pool_name: str
    deployment_id: str
    deployment_outputs: dict[str, Any]


@pytest.fixture(scope="module")
def objects(platform: Platform) -> Objects:
    """The stack's pool and its first deployment, created through the provider host from their registered inputs,
    the load balancer's URL repointed to the loopback server; the auth string is the stack's own input."""
    pool = {**_registered(platform.stack, WORK_POOL), "api_url": platform.server.api_url}
    deployment = {**_registered(platform.stack, DEPLOYMENT), "api_url": platform.server.api_url}
    assert pool["api_auth_string"] == platform.server.auth_string
    with running_provider_host() as host:
        pool_provider, _ = _serialize(True, serialize_provider, WorkPoolProvider())
        pool_id, _ = _create(host, _urn("WorkPool", pool["name"]), {"__provider": pool_provider, **pool})
        deployment_provider, _ = _serialize(True, serialize_provider, DeploymentProvider())
        deployment["work_pool_id"] = pool_id
        deployment_id, outputs = _create(
            host, _urn("Deployment", deployment["name"]), {"__provider": deployment_provider, **deployment}
        )
    assert platform.server.auth_string not in json.dumps(outputs)
    return Objects(str(pool["name"]), deployment_id, outputs)


def test_the_stacks_pool_and_deployment_land_in_postgres(
    platform: Platform, database: test_postgres.Postgres, objects: Objects
) -> None:
    in_pool = (
        "SELECT work_pool.name AS pool, work_pool.type AS type FROM deployment"
        " JOIN work_queue ON work_queue.id = deployment.work_queue_id"
        " JOIN work_pool ON work_pool.id = work_queue.work_pool_id WHERE deployment.id = $1"
    )
    rows = query(database, in_pool, uuid.UUID(objects.deployment_id))
    assert [(row["pool"], row["type"]) for row in rows] == [(objects.pool_name, "ecs")]


def test_the_worker_from_its_task_definition_submits_the_run_to_the_stacks_cluster(
    platform: Platform, database: test_postgres.Postgres, objects: Objects, tmp_path: Path
) -> None:
    """The worker, started with the worker container's command and environment (its PREFECT_API_URL repointed),
    authenticates with the auth string from the stack's secret, takes the run and starts it on the stack's
    cluster with the stack's task definition; the run's infrastructure id lands in PostgreSQL."""
    server = platform.server
    tasks = WorkerTasks(
        command=list(platform.stack.worker_container["command"]),
        environment=worker_environment(
            platform.stack.worker_container, platform.session, platform.moto_endpoint, tmp_path / "home",
            PREFECT_API_URL=server.api_url,
        ),
        logs=tmp_path,
    )  # fmt: skip
    with PrefectApi(server.api_url, auth_string=server.auth_string) as api:
        body, _ = api.request(
            "POST", f"deployments/{objects.deployment_id}/create_flow_run", "a run of the deployment", json={}
        )
        flow_run_id = body["id"]
        tasks.start()
        try:
            deadline = time.monotonic() + SUBMIT_TIMEOUT_SECONDS
            while True:
                run, _ = api.request("GET", f"flow_runs/{flow_run_id}", "the run")
                if run.get("infrastructure_pid") or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        finally:
            tasks.stop()
    assert run.get("infrastructure_pid"), f"the worker submitted nothing:\n{tasks.log_text()[-6000:]}"
    cluster, task_arn = parse_identifier(run["infrastructure_pid"])
    assert cluster == platform.stack.cluster_arn
    request = platform.run_tasks.by_task_arn[task_arn]
    flow_task_definition = platform.stack.resource("aws:ecs/taskDefinition:TaskDefinition", f"{STACK}-flow-runs")
    assert request["taskDefinition"] == flow_task_definition.outputs["arn"]
    # The flow run reaches the server the worker does; its auth string comes from the stack's secret, not here.
    (override,) = request["overrides"]["containerOverrides"]
    environment = {entry["name"]: entry["value"] for entry in override["environment"]}
    assert environment["PREFECT_API_URL"] == server.api_url
    assert "PREFECT_API_AUTH_STRING" not in environment
    assert server.auth_string not in json.dumps(request)
    rows = query(database, "SELECT infrastructure_pid FROM flow_run WHERE id = $1", uuid.UUID(flow_run_id))
    assert [row["infrastructure_pid"] for row in rows] == [run["infrastructure_pid"]]
