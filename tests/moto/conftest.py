"""Fixtures for running prefect-aws's real ECS worker against moto with the component's job template."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import AsyncMock

import boto3
import pytest
from moto import mock_aws
from prefect.testing.utilities import prefect_test_harness

from tests.support.moto.component_in_moto import DeployedStack, Mode, deploy_component
from tests.support.moto.moto_patches import (
    RunTaskRequests,
    fargate_containers_without_memory,
    recording_run_task_requests,
)

AWS_REGION = "us-east-1"


# Package scope, not session: the harness points this process's Prefect settings at its server until
# it stops, and the unit tests that run after this directory must not inherit that.
@pytest.fixture(scope="package")
def prefect_api() -> Iterator[None]:
    """A Prefect server for the pools, blocks, deployments and flow runs (started once: ~13 s)."""
    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="module")
def aws() -> Iterator[boto3.Session]:
    """An in-process moto AWS account, with fake credentials and region for every boto client."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_DEFAULT_REGION", AWS_REGION)
        # The worker's crash observer polls SQS through aiobotocore, which moto does not intercept;
        # it is part 2's concern (hybrid mode), so it is stubbed here as prefect-aws's own tests do.
        patch.setattr("prefect_aws.workers.ecs_worker.start_observer", AsyncMock())
        patch.setattr("prefect_aws.workers.ecs_worker.stop_observer", AsyncMock())
        with mock_aws(), fargate_containers_without_memory():
            yield boto3.Session(region_name=AWS_REGION)


@pytest.fixture(scope="module")
def push_stack(aws: boto3.Session) -> DeployedStack:
    """A push-mode stack deployed into moto (Prefect Cloud runs the worker; the API key is a secret)."""
    return deploy_component(aws, "moto-push", "push")


@pytest.fixture(scope="module")
def worker_stack(aws: boto3.Session) -> DeployedStack:
    """A worker-mode stack deployed into moto (self-hosted server; its auth string is a secret)."""
    return deploy_component(aws, "moto-hybrid", "worker")


@pytest.fixture(scope="module")
def switch_stacks(aws: boto3.Session) -> dict[Mode, DeployedStack]:
    """Both modes with prefect_registers_task_definitions: prefect-aws registers, as without this platform."""
    return {
        mode: deploy_component(aws, f"own-{mode}", mode, prefect_registers_task_definitions=True)
        for mode in ("push", "worker")
    }


@pytest.fixture(scope="module")
def run_task_requests(aws: boto3.Session) -> Iterator[RunTaskRequests]:
    """Every RunTask request moto receives while the module runs."""
    with recording_run_task_requests() as recorded:
        yield recorded


@pytest.fixture(scope="module")
def stacks(push_stack: DeployedStack, worker_stack: DeployedStack) -> dict[Mode, DeployedStack]:
    """Both stacks, by mode."""
    return {"push": push_stack, "worker": worker_stack}
