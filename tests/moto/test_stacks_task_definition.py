"""Runs start from the task definition the stack registered: prefect-aws's real worker against moto.

Deployments of both modes with different sizes, Spot and on demand, are submitted from the pools the component
registered (their template names the stack's revision); the same runs from stacks with the registration switch
on show what prefect-aws does without it. The AWS calls of each run are recorded and counted.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import temporary_settings

from prefect_ecs_platform.inputs.flow_container import registered_family_prefix
from prefect_ecs_platform.inputs.job_variables import REGISTRATION_SWITCH
from tests.support import ROOT
from tests.support.moto.aws_calls import recording_aws_calls
from tests.support.moto.component_in_moto import MODE_ARGS, DeployedStack, Mode
from tests.support.moto.flow_runs import (
    WORKER_API_KEY,
    WORKER_AUTH_STRING,
    WORKER_CREDENTIALS,
    Submission,
    create_stack_pool,
    submit_deployment_run,
)
from tests.support.moto.moto_patches import RunTaskRequests

pytestmark = pytest.mark.moto

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
PERFORMANCE_DOC = ROOT / "docs" / "performance.md"

#: Deployments per mode: the pool's size, larger on Spot, larger on demand.
DEPLOYMENTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "large-spot": {"cpu": 2048, "memory": 4096, "launch_type": "FARGATE_SPOT"},
    "large-on-demand": {"cpu": 1024, "memory": 3072, "launch_type": "FARGATE"},
}


@dataclass(frozen=True)
class Run:
    stack: DeployedStack
    deployment: str
    #: "stacks" (the stack's task definition), "switch" (its registration switch on), or "prefect-aws" (the
    #: switch's stack with the network as prefect-aws's template takes it).
    position: str
    submission: Submission
    operations: Counter[str]


@pytest.fixture(scope="module")
def runs(
    aws: boto3.Session,
    stacks: dict[Mode, DeployedStack],
    switch_stacks: dict[Mode, DeployedStack],
    run_task_requests: RunTaskRequests,
    prefect_api: None,
) -> Iterator[list[Run]]:
    """Every deployment of every stack, run once by the ECS worker, with the AWS calls its submission made."""

    async def submit_all() -> list[Run]:
        done = []
        async with get_client() as client:
            for position, by_mode in (("stacks", stacks), ("switch", switch_stacks), ("prefect-aws", switch_stacks)):
                for mode, stack in by_mode.items():
                    pool = await create_stack_pool(client, stack, network_as_variables=position == "prefect-aws")
                    for name, job_variables in DEPLOYMENTS.items():
                        with recording_aws_calls() as calls, temporary_settings(WORKER_CREDENTIALS[mode]):
                            submission = await submit_deployment_run(
                                client,
                                pool,
                                deployment_name=f"{stack.name}-{position}-{name}",
                                job_variables=job_variables,
                                ecs_client=aws.client("ecs"),
                                run_task_requests=run_task_requests,
                                aws_calls=calls,
                            )
                        operations = Counter(f"{call.service}:{call.operation}" for call in calls.calls)
                        done.append(Run(stack, name, position, submission, operations))
        return done

    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        yield runner.run(submit_all())


def _stacks_runs(runs: list[Run]) -> list[Run]:
    found = [run for run in runs if run.position == "stacks"]
    assert len(found) == 2 * len(DEPLOYMENTS)
    return found


def _revision(stack: DeployedStack) -> str:
    return str(stack.resource(TASK_DEFINITION, f"{stack.name}-flow-runs").outputs["arn"])


def test_no_run_registers_a_task_definition_or_looks_the_network_up(runs: list[Run]) -> None:
    """Zero RegisterTaskDefinition and zero EC2 calls, whatever the deployment's size or capacity."""
    for run in _stacks_runs(runs):
        assert run.operations["ecs:RegisterTaskDefinition"] == 0, run.deployment
        assert [op for op in run.operations if op.startswith("ec2:")] == [], run.deployment


def test_run_task_names_the_stacks_revision_with_the_deployments_size(runs: list[Run]) -> None:
    """RunTask starts the revision the component registered; the deployment's size and capacity are overrides."""
    for run in _stacks_runs(runs):
        request = run.submission.run_task_request
        assert request["taskDefinition"] == _revision(run.stack)
        wanted = DEPLOYMENTS[run.deployment]
        defaults = MODE_ARGS[run.stack.mode]
        cpu, memory = wanted.get("cpu", defaults["cpu"]), wanted.get("memory", defaults["memory"])
        assert (request["overrides"]["cpu"], request["overrides"]["memory"]) == (str(cpu), str(memory))
        spot = wanted.get("launch_type", "FARGATE_SPOT" if defaults.get("use_fargate_spot") else "FARGATE")
        assert run.submission.task.get("capacityProviderName", "FARGATE") == spot, run.deployment


def test_started_task_has_the_secret_the_logs_and_the_container_name(runs: list[Run]) -> None:
    """The task's definition carries the credential as a secret, awslogs to the stack's group, container `prefect`."""
    for run in _stacks_runs(runs):
        (container,) = run.submission.task_definition["containerDefinitions"]
        (secret,) = container["secrets"]
        assert secret["valueFrom"] == run.stack.secret_arn
        assert container["logConfiguration"]["options"]["awslogs-group"] == run.stack.log_group_name
        assert [c["name"] for c in run.submission.task["containers"]] == ["prefect"]


def test_no_credential_value_reaches_the_run_task_request(runs: list[Run]) -> None:
    """Neither the worker's credential nor the stack's is in the request."""
    for run in _stacks_runs(runs):
        request = json.dumps(run.submission.run_task_request)
        args = MODE_ARGS[run.stack.mode]
        credentials = [
            WORKER_API_KEY,
            WORKER_AUTH_STRING,
            str(args.get("prefect_api_key") or args["prefect_api_auth_string"]),
        ]
        assert [value for value in credentials if value in request] == []
        names = {item["name"] for item in run.submission.flow_container_override.get("environment", [])}
        assert not names & {"PREFECT_API_KEY", "PREFECT_API_AUTH_STRING"}


def test_every_active_task_definition_but_the_switchs_is_one_the_component_registered(
    aws: boto3.Session, runs: list[Run], stacks: dict[Mode, DeployedStack], switch_stacks: dict[Mode, DeployedStack]
) -> None:
    """So `pulumi destroy`, which deregisters what the component registered, leaves no ACTIVE one behind.

    Runs from the switch's stacks register their own (and those are what destroy would leave).
    """
    ecs = aws.client("ecs")
    active = set(ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"])
    switch_prefixes = tuple(registered_family_prefix(stack.name) for stack in switch_stacks.values())
    registered_by_runs = {arn for arn in active if arn.split("/", 1)[1].startswith(switch_prefixes)}
    assert registered_by_runs, "the switch's runs registered nothing"
    components = {
        str(r.outputs["arn"])
        for stack in [*stacks.values(), *switch_stacks.values()]
        for r in stack.of_type(TASK_DEFINITION)
    }
    assert active - registered_by_runs == components


#: The rows of the table in docs/performance.md, by the label its first column gives each position.
POSITIONS = {
    "the stack's task definition (default)": "stacks",
    f"prefect-aws registers ({REGISTRATION_SWITCH.split(' ')[0]})": "switch",
    "prefect-aws's own template (network as variables, no ARN)": "prefect-aws",
}


def _counts(runs: list[Run]) -> dict[str, Counter[str]]:
    """The calls of one run per position, the same in both modes and for every deployment."""
    counts: dict[str, Counter[str]] = {}
    for run in runs:
        previous = counts.setdefault(run.position, run.operations)
        assert previous == run.operations, (run.stack.name, run.deployment, run.position)
    return counts


def test_calls_per_run_are_the_ones_docs_performance_reports(runs: list[Run]) -> None:
    """Counted in one test for the three positions; the table in docs/performance.md is exactly this one."""
    counts = _counts(runs)
    assert counts["stacks"] == Counter({"ecs:DescribeTaskDefinition": 1, "ecs:RunTask": 1})
    assert counts["prefect-aws"]["ecs:RegisterTaskDefinition"] == 1
    assert counts["prefect-aws"]["ec2:DescribeVpcs"] == counts["prefect-aws"]["ec2:DescribeSubnets"] == 1
    rows = re.findall(r"^\| (.+?) \| (\d+) \| (.+?) \|$", PERFORMANCE_DOC.read_text(), re.MULTILINE)
    documented = {POSITIONS[label]: (int(total), operations) for label, total, operations in rows if label in POSITIONS}
    assert documented == {
        position: (sum(count.values()), ", ".join(f"`{op}`" for op in sorted(count)))
        for position, count in counts.items()
    }
