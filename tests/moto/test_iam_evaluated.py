"""The submitting principals' policies, evaluated on what prefect-aws's worker really calls.

A flow run of each mode is submitted and then cancelled by the real ECS worker against moto, every AWS call
is recorded with moto's answer, and each call's authorisations (`tests/moto/authorizations.py`) are evaluated
against the documents the component registered by the offline IAM simulator, which checks resources and
conditions as AWS does (moto checks neither).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import temporary_settings

from tests.iam.simulator import Authorization, evaluate
from tests.moto.authorizations import authorizations_for
from tests.moto.aws_calls import AwsCall, recording_aws_calls
from tests.moto.component_in_moto import DeployedStack, Mode
from tests.moto.flow_runs import WORKER_CREDENTIALS, create_stack_pools, submit_deployment_run
from tests.moto.moto_patches import RunTaskRequests

pytestmark = pytest.mark.moto


@pytest.fixture(scope="module")
def recorded(
    aws: boto3.Session, stacks: dict[Mode, DeployedStack], run_task_requests: RunTaskRequests, prefect_api: None
) -> Iterator[dict[Mode, list[AwsCall]]]:
    """Each mode's worker calls for one flow run, submitted and then cancelled."""

    async def submit_and_cancel() -> dict[Mode, list[AwsCall]]:
        by_mode: dict[Mode, list[AwsCall]] = {}
        async with get_client() as client:
            pools = await create_stack_pools(client, stacks)
            for mode, pool in pools.items():
                with recording_aws_calls() as calls, temporary_settings(WORKER_CREDENTIALS[mode]):
                    await submit_deployment_run(
                        client,
                        pool,
                        deployment_name=f"iam-{mode}",
                        job_variables={},
                        ecs_client=aws.client("ecs"),
                        run_task_requests=run_task_requests,
                        aws_calls=calls,
                        cancel=True,
                    )
                by_mode[mode] = list(calls.calls)
        return by_mode

    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        yield runner.run(submit_and_cancel())


def _authorizations(recorded: dict[Mode, list[AwsCall]], stack: DeployedStack, mode: Mode) -> list[Authorization]:
    return authorizations_for(recorded[mode], region=stack.region, account=stack.account)


def _decisions(
    stack: DeployedStack, authorizations: list[Authorization], policy: dict[str, Any] | None = None
) -> list[tuple[str, str, str]]:
    results = evaluate(
        authorizations,
        {"component": policy or stack.submitter_policy},
        principal=stack.submitter_arn,
        account_id=stack.account,
    )
    return [(a.action, a.resource, result) for a, result in zip(authorizations, results, strict=True)]


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_submission_and_cancellation_make_exactly_these_calls(recorded: dict[Mode, list[AwsCall]], mode: Mode) -> None:
    """prefect-aws 0.7.12's worker registers, describes the network, runs and stops: no listing, no log reads."""
    operations = {f"{call.service}:{call.operation}" for call in recorded[mode]}
    assert operations == {
        "ecs:RegisterTaskDefinition",
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ecs:RunTask",
        "ecs:StopTask",
    }


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_every_recorded_call_is_allowed(
    stacks: dict[Mode, DeployedStack], recorded: dict[Mode, list[AwsCall]], mode: Mode
) -> None:
    """Each call, and each authorisation it implies (PassRole, TagResource at creation), is Allowed."""
    stack = stacks[mode]
    authorizations = _authorizations(recorded, stack, mode)
    assert {a.action for a in authorizations} >= {"iam:PassRole", "ecs:TagResource", "ecs:RunTask"}
    denied = [d for d in _decisions(stack, authorizations) if d[2] != "Allowed"]
    assert denied == []


def _elsewhere(replace: Callable[[Authorization], Authorization | None]) -> Callable[[list[Authorization]], list]:
    def moved(authorizations: list[Authorization]) -> list[Authorization]:
        return [m for a in authorizations if (m := replace(a)) is not None]

    return moved


def _other_cluster(a: Authorization) -> Authorization | None:
    cluster = a.context.get("ecs:cluster")
    if not isinstance(cluster, str):
        return None
    other = cluster.rsplit("/", 1)[0] + "/another-cluster"
    resource = a.resource.replace(f"/{cluster.rsplit('/', 1)[1]}/", "/another-cluster/")
    return Authorization(a.action, resource, {**a.context, "ecs:cluster": other}, why=a.why)


def _other_family(a: Authorization) -> Authorization | None:
    if a.action not in ("ecs:RegisterTaskDefinition", "ecs:RunTask") or ":task-definition/" not in a.resource:
        return None
    prefix, revision = a.resource.rsplit(":", 1)
    other = f"{prefix.split(':task-definition/')[0]}:task-definition/other_family:{revision}"
    return Authorization(a.action, other, a.context, why=a.why)


def _other_role(a: Authorization) -> Authorization | None:
    if a.action != "iam:PassRole":
        return None
    return Authorization(a.action, a.resource.rsplit("/", 1)[0] + "/AdministratorAccess", a.context, why=a.why)


@pytest.mark.parametrize("mode", ["push", "worker"])
@pytest.mark.parametrize(
    "elsewhere",
    [_elsewhere(_other_cluster), _elsewhere(_other_family), _elsewhere(_other_role)],
    ids=["another-cluster", "another-family", "another-role"],
)
def test_the_same_calls_elsewhere_are_denied(
    stacks: dict[Mode, DeployedStack],
    recorded: dict[Mode, list[AwsCall]],
    mode: Mode,
    elsewhere: Callable[[list[Authorization]], list[Authorization]],
) -> None:
    """On another cluster, with another task definition family, or passing another role, nothing is allowed."""
    stack = stacks[mode]
    moved = elsewhere(_authorizations(recorded, stack, mode))
    assert moved
    # A deny, not an error: the simulator reports an unknown action, resource type or condition key as an error.
    assert [d for d in _decisions(stack, moved) if d[2] != "ImplicitlyDenied"] == []


def test_every_statement_of_the_push_user_is_needed(
    stacks: dict[Mode, DeployedStack], recorded: dict[Mode, list[AwsCall]]
) -> None:
    """Without any one statement of the push user's policy, some recorded call is denied.

    The worker's policy adds the observer's statements; tests/moto/test_crash_detection.py checks those.
    """
    stack = stacks["push"]
    authorizations = _authorizations(recorded, stack, "push")
    full = stack.submitter_policy
    for index, statement in enumerate(full["Statement"]):
        without = {**full, "Statement": [s for i, s in enumerate(full["Statement"]) if i != index]}
        decisions = _decisions(stack, authorizations, policy=without)
        assert any(result == "ImplicitlyDenied" for _, _, result in decisions), statement["Sid"]
