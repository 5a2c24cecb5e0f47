"""moto patched where it falls short of ECS: Fargate containers without memory, RunTask requests kept,
capacity provider strategies checked against the cluster's associations, and a service update's deployment."""

from __future__ import annotations

import copy
import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.core.utils import utcnow
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.moto_api._internal import mock_random


@contextmanager
def fargate_containers_without_memory() -> Iterator[None]:
    """Let moto run Fargate task definitions whose containers set no memory of their own.

    Fargate sizes a task at task level, so prefect-aws (and this template) leave the container's
    `memory` unset; moto's RunTask still adds up container memory and fails on the missing value
    (an HTTP 500). prefect-aws's own tests patch the same method. This patch computes on a copy
    with 0 for the missing values, so the task definition moto stores and returns is untouched.
    """
    original = EC2ContainerServiceBackend._calculate_task_resource_requirements

    def calculate(task_definition: Any) -> dict[str, Any]:
        sized = copy.copy(task_definition)
        sized.container_definitions = [
            {"memory": 0, **container} for container in task_definition.container_definitions
        ]
        return original(sized)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EC2ContainerServiceBackend, "_calculate_task_resource_requirements", staticmethod(calculate))
        yield


#: RunTask's request fields, by the name moto's ECS backend gives the parameter.
_RUN_TASK_FIELDS = {
    "cluster_str": "cluster",
    "task_definition_str": "taskDefinition",
    "overrides": "overrides",
    "tags": "tags",
    "launch_type": "launchType",
    "networking_configuration": "networkConfiguration",
    "capacity_provider_strategy": "capacityProviderStrategy",
}


@dataclass
class RunTaskRequests:
    """The RunTask requests moto received, by the ARN of the task each one started."""

    by_task_arn: dict[str, dict[str, Any]] = field(default_factory=dict)


@contextmanager
def recording_run_task_requests() -> Iterator[RunTaskRequests]:
    """Keep each RunTask request as moto's ECS backend received it.

    moto's task omits parts of the request (assignPublicIp, the capacity provider strategy), so
    tests read the request itself; recording it on moto's side keeps the worker unmodified.
    """
    recorded = RunTaskRequests()
    original = EC2ContainerServiceBackend.run_task
    signature = inspect.signature(original)

    def run_task(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        request = {name: arguments.get(parameter) for parameter, name in _RUN_TASK_FIELDS.items()}
        tasks = original(self, *args, **kwargs)
        for task in tasks:
            recorded.by_task_arn[task.task_arn] = request
        return tasks

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EC2ContainerServiceBackend, "run_task", run_task)
        yield recorded


#: What ECS answers (InvalidParameterException) to such a strategy, as reported in dask/dask-cloudprovider#328.
UNASSOCIATED_CAPACITY_PROVIDER = (
    "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the "
    "cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again."
)


@contextmanager
def capacity_providers_must_be_associated() -> Iterator[None]:
    """Make CreateService and RunTask refuse a strategy naming a capacity provider the cluster has not associated.

    ECS: "A capacity provider must be associated with the cluster to be used in a capacity provider strategy"
    (CapacityProviderStrategyItem, ECS API reference). moto accepts any (and drops a service's strategy).
    """

    def checked(action: Any) -> Any:
        def check_then_act(self: EC2ContainerServiceResponse) -> Any:
            cluster = self.ecs_backend._get_cluster(self._get_param("cluster", "default"))
            associated = set(cluster.capacity_providers or [])
            for item in self._get_param("capacityProviderStrategy") or []:
                if item["capacityProvider"] not in associated:
                    raise InvalidParameterException(UNASSOCIATED_CAPACITY_PROVIDER)
            return action(self)

        return check_then_act

    with pytest.MonkeyPatch.context() as patch:
        for name in ("create_service", "run_task"):
            patch.setattr(EC2ContainerServiceResponse, name, checked(getattr(EC2ContainerServiceResponse, name)))
        yield


@contextmanager
def service_updates_start_deployments() -> Iterator[None]:
    """Make UpdateService start a deployment of the service's task definition, as ECS does for a new task
    definition or a forced new deployment.

    moto only renames its one deployment on a forced one and leaves its task definition the old one, so a
    rollout check after the update would find no deployment of the new revision. The new deployment is PRIMARY
    and completed when `MOTO_ECS_SERVICE_RUNNING` tasks run, as moto completes a created service's; until then
    the old one stays ACTIVE beside it.
    """
    original = EC2ContainerServiceBackend.update_service

    def update_service(self: EC2ContainerServiceBackend, service_properties: dict[str, Any]) -> Any:
        forced = bool(service_properties.get("force_new_deployment"))
        service = self._get_service(service_properties.get("cluster", "default"), service_properties["service"])
        before = service.task_definition
        updated = original(self, service_properties)
        if (forced or updated.task_definition != before) and updated.deployments:
            now = utcnow()
            completed = int(os.environ.get("MOTO_ECS_SERVICE_RUNNING", "0")) >= updated.desired_count
            deployment = {
                **updated.deployments[0],
                "id": f"ecs-svc/{mock_random.randint(0, 32**12)}",
                "taskDefinition": updated.task_definition,
                "desiredCount": updated.desired_count,
                "status": "PRIMARY",
                "rolloutState": "COMPLETED" if completed else "IN_PROGRESS",
                "createdAt": now,
                "updatedAt": now,
            }
            previous = [{**d, "status": "ACTIVE"} for d in updated.deployments if d["status"] == "PRIMARY"]
            updated.deployments = [deployment] if completed else [deployment, *previous]
        return updated

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EC2ContainerServiceBackend, "update_service", update_service)
        yield
