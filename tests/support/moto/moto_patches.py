"""moto patched where it falls short of ECS: Fargate containers without memory, RunTask requests kept, and
capacity provider strategies checked against the cluster's associations."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse


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
