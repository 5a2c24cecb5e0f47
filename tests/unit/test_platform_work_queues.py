"""The stack's work queues under mocks: one resource each in the stack's pool, chained first priority first and
carrying every queue's priority, made before the deployments that name them; the queues the worker polls; the
deprecated `work_queue_names`; what a stack file writes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs, WorkQueueArgs
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.inputs.problems import InvalidInputError
from prefect_ecs_platform.inputs.stack_config import parse_stack_config_partially
from tests.support import ROOT
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness

QUEUE = "pulumi-python:dynamic/prefect:WorkQueue"
POOL = "pulumi-python:dynamic/prefect:WorkPool"
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def _deployments(queue: str | None) -> list[Any]:
    return [dataclasses.replace(d, work_queue_name=queue) for d in load_prefect_yaml(ROOT / "flows" / "prefect.yaml")]


def deploy(harness: PulumiHarness, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "prefect_api_key": "pnu_work_queue_unit_key",
        "work_pool_name": "ecs-dev",
        "deployments": _deployments(None),
        "project_root": str(ROOT),
        **overrides,
    }
    return deploy_platform(harness, PrefectEcsPlatformArgs(**values))


def worker_command(harness: PulumiHarness) -> list[str]:
    [definition] = json.loads(harness.named(TASK_DEFINITION, "data-worker").inputs["containerDefinitions"])
    return list(definition["command"])


QUEUES = [
    WorkQueueArgs(name="reports", concurrency_limit=2, description="nightly reports"),
    WorkQueueArgs(name="etl", priority=2, concurrency_limit=4),
    WorkQueueArgs(name="urgent", priority=1, paused=True),
]


def test_each_queue_is_a_resource_of_the_pool_chained_first_priority_first(pulumi_harness: PulumiHarness) -> None:
    """Given priorities as given, one without after the highest; each queue waits for the one before it and
    carries every queue's priority, and every deployment waits for the queues."""
    deploy(pulumi_harness, work_queues=QUEUES, deployments=_deployments("etl"))
    queues = {q.inputs["name"]: q.inputs for q in pulumi_harness.of_type(QUEUE)}
    assert {name: (q["priority"], q.get("concurrency_limit"), q["is_paused"]) for name, q in queues.items()} == {
        "urgent": (1, None, True),
        "etl": (2, 4, False),
        "reports": (3, 2, False),
    }
    assert queues["reports"]["description"] == "nightly reports"
    pool = pulumi_harness.one(POOL)
    for inputs in queues.values():
        assert inputs["pool_priorities"] == {"urgent": 1, "etl": 2, "reports": 3}
        assert (inputs["work_pool_name"], inputs["api_url"], inputs["adopt_existing"]) == ("ecs-dev", CLOUD_URL, False)
        assert inputs["work_pool_id"] == pool.id
    assert pulumi_harness.waits_for((QUEUE, "data-work-queue-etl"), (QUEUE, "data-work-queue-urgent"))
    assert pulumi_harness.waits_for((QUEUE, "data-work-queue-reports"), (QUEUE, "data-work-queue-etl"))
    assert not pulumi_harness.waits_for((QUEUE, "data-work-queue-urgent"), (QUEUE, "data-work-queue-etl"))
    deployments = pulumi_harness.of_type(DEPLOYMENT)
    assert deployments
    for deployment in deployments:
        assert deployment.inputs["work_queue_name"] == "etl"
        for queue in queues:
            assert pulumi_harness.waits_for((DEPLOYMENT, deployment.name), (QUEUE, f"data-work-queue-{queue}"))


def test_the_worker_polls_the_declared_queues_and_default_when_a_deployment_is_on_it(
    pulumi_harness: PulumiHarness,
) -> None:
    deploy(pulumi_harness, mode="worker", work_queues=QUEUES)
    assert worker_command(pulumi_harness)[-8:] == [
        "--work-queue", "urgent", "--work-queue", "etl", "--work-queue", "reports", "--work-queue", "default",
    ]  # fmt: skip


def test_the_worker_polls_only_the_declared_queues_when_every_deployment_names_one(
    pulumi_harness: PulumiHarness,
) -> None:
    deploy(pulumi_harness, mode="worker", work_queues=QUEUES, deployments=_deployments("reports"))
    command = worker_command(pulumi_harness)
    assert [command[i + 1] for i, arg in enumerate(command) if arg == "--work-queue"] == ["urgent", "etl", "reports"]


def test_none_declared_makes_none_and_the_worker_polls_every_queue(pulumi_harness: PulumiHarness) -> None:
    deploy(pulumi_harness, mode="worker")
    assert pulumi_harness.of_type(QUEUE) == []
    assert "--work-queue" not in worker_command(pulumi_harness)


def test_the_deprecated_names_become_queues_that_take_over_and_warn(
    pulumi_harness: PulumiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Queues the worker polled before this release exist in the pool already: they are taken over, `default`
    stays the pool's, and the worker polls what it polled before."""
    deploy(pulumi_harness, mode="worker", work_queue_names=["etl", "default", "reports"])
    queues = {q.inputs["name"]: q.inputs for q in pulumi_harness.of_type(QUEUE)}
    assert {name: (q["priority"], q["adopt_existing"]) for name, q in queues.items()} == {
        "etl": (1, True),
        "reports": (2, True),
    }
    command = worker_command(pulumi_harness)
    assert [command[i + 1] for i, arg in enumerate(command) if arg == "--work-queue"] == ["etl", "default", "reports"]
    assert any("work_queue_names (stack key workQueueNames) is deprecated" in r.getMessage() for r in caplog.records)


def test_a_deployment_on_an_undeclared_queue_is_refused_before_anything_is_made(
    pulumi_harness: PulumiHarness,
) -> None:
    with pytest.raises(InvalidInputError, match=r"deployments\[0\]\.work_queue_name: 'nightly' is not allowed"):
        deploy(pulumi_harness, work_queues=QUEUES, deployments=_deployments("nightly"))
    assert pulumi_harness.resources == []


def test_a_stack_file_writes_them_as_a_list_of_maps() -> None:
    config = {
        "prefectApiUrl": CLOUD_URL,
        "workQueues": json.dumps([{"name": "etl", "priority": 1, "concurrencyLimit": 4}, {"name": "reports"}]),
    }
    model, problems, _ = parse_stack_config_partially(config)
    assert problems == []
    args = model.to_args(stack="dev", prefect_api_key=None)
    assert args.work_queues == [
        WorkQueueArgs(name="etl", priority=1, concurrency_limit=4),
        WorkQueueArgs(name="reports"),
    ]
