"""The submitting principals' policies, evaluated on what prefect-aws's worker really calls.

A flow run of each mode is submitted and then cancelled by the real ECS worker against moto, every AWS call
is recorded with moto's answer, and each call's authorisations (`tests/support/moto/authorizations.py`) are evaluated
against the documents the component registered by the offline IAM simulator, which checks resources and
conditions as AWS does (moto checks neither).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import temporary_settings

from tests.support.iam.simulator import Authorization, evaluate
from tests.support.moto.authorizations import authorizations_for
from tests.support.moto.aws_calls import AwsCall, recording_aws_calls
from tests.support.moto.component_in_moto import DeployedStack, Mode
from tests.support.moto.flow_runs import WORKER_CREDENTIALS, create_stack_pool, submit_deployment_run
from tests.support.moto.moto_patches import RunTaskRequests

pytestmark = pytest.mark.moto


@dataclass(frozen=True)
class Run:
    """A flow run to record: which stack submits it, and how."""

    mode: Mode
    #: With the registration switch on (the stack registers no task definition).
    switch: bool = False
    #: As a submitter that ignores `task_definition_arn` would run it.
    arn_ignored: bool = False


RUNS = {
    "push": Run("push"),
    # Whether Prefect Cloud honours task_definition_arn is not public: its fallback must be allowed too.
    "push-arn-ignored": Run("push", arn_ignored=True),
    "worker": Run("worker"),
    "worker-arn-ignored": Run("worker", arn_ignored=True),
    "push-switch": Run("push", switch=True),
    "worker-switch": Run("worker", switch=True),
}
ALLOWED = [name for name in RUNS if name != "worker-arn-ignored"]


@pytest.fixture(scope="module")
def all_stacks(stacks: dict[Mode, DeployedStack], switch_stacks: dict[Mode, DeployedStack]) -> dict[str, DeployedStack]:
    """The stack each run is submitted from, by run name."""
    return {name: (switch_stacks if run.switch else stacks)[run.mode] for name, run in RUNS.items()}


@pytest.fixture(scope="module")
def recorded(
    aws: boto3.Session, all_stacks: dict[str, DeployedStack], run_task_requests: RunTaskRequests, prefect_api: None
) -> Iterator[dict[str, list[AwsCall]]]:
    """Each run's worker calls for one flow run, submitted and then cancelled."""

    async def submit_and_cancel() -> dict[str, list[AwsCall]]:
        by_run: dict[str, list[AwsCall]] = {}
        async with get_client() as client:
            for name, run in RUNS.items():
                pool = await create_stack_pool(client, all_stacks[name], ignore_task_definition_arn=run.arn_ignored)
                with recording_aws_calls() as calls, temporary_settings(WORKER_CREDENTIALS[run.mode]):
                    await submit_deployment_run(
                        client,
                        pool,
                        deployment_name=f"iam-{name}",
                        job_variables={},
                        ecs_client=aws.client("ecs"),
                        run_task_requests=run_task_requests,
                        aws_calls=calls,
                        cancel=True,
                    )
                by_run[name] = list(calls.calls)
        return by_run

    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        yield runner.run(submit_and_cancel())


def _authorizations(recorded: dict[str, list[AwsCall]], stack: DeployedStack, *runs: str) -> list[Authorization]:
    return [a for run in runs for a in authorizations_for(recorded[run], region=stack.region, account=stack.account)]


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


RUNS_THE_STACKS = {"ecs:DescribeTaskDefinition", "ecs:RunTask", "ecs:StopTask"}
REGISTERS = {"ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:StopTask"}


@pytest.mark.parametrize("run", list(RUNS))
def test_submission_and_cancellation_make_exactly_these_calls(recorded: dict[str, list[AwsCall]], run: str) -> None:
    """With the stack's task definition prefect-aws 0.7.12 describes it, runs and stops: it registers nothing and,
    the network being in the request, calls no EC2; without it, it registers, runs and stops."""
    operations = {f"{call.service}:{call.operation}" for call in recorded[run]}
    assert operations == (RUNS_THE_STACKS if run in ("push", "worker") else REGISTERS)


@pytest.mark.parametrize("run", ALLOWED)
def test_every_recorded_call_is_allowed(
    all_stacks: dict[str, DeployedStack], recorded: dict[str, list[AwsCall]], run: str
) -> None:
    """Each call, and each authorisation it implies (PassRole, TagResource at creation), is Allowed."""
    stack = all_stacks[run]
    authorizations = _authorizations(recorded, stack, run)
    assert {a.action for a in authorizations} >= {"iam:PassRole", "ecs:TagResource", "ecs:RunTask"}
    denied = [d for d in _decisions(stack, authorizations) if d[2] != "Allowed"]
    assert denied == []


def test_the_worker_role_may_not_register(
    all_stacks: dict[str, DeployedStack], recorded: dict[str, list[AwsCall]]
) -> None:
    """A worker that ignored the stack's task definition could neither register one nor run what it registered."""
    stack = all_stacks["worker-arn-ignored"]
    decisions = _decisions(stack, _authorizations(recorded, stack, "worker-arn-ignored"))
    denied = {action for action, _, result in decisions if result == "ImplicitlyDenied"}
    assert denied == {"ecs:RegisterTaskDefinition", "ecs:RunTask"}


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


@pytest.mark.parametrize("run", ALLOWED)
@pytest.mark.parametrize(
    "elsewhere",
    [_elsewhere(_other_cluster), _elsewhere(_other_family), _elsewhere(_other_role)],
    ids=["another-cluster", "another-family", "another-role"],
)
def test_the_same_calls_elsewhere_are_denied(
    all_stacks: dict[str, DeployedStack],
    recorded: dict[str, list[AwsCall]],
    run: str,
    elsewhere: Callable[[list[Authorization]], list[Authorization]],
) -> None:
    """On another cluster, with another task definition family, or passing another role, nothing is allowed."""
    stack = all_stacks[run]
    moved = elsewhere(_authorizations(recorded, stack, run))
    assert moved
    # A deny, not an error: the simulator reports an unknown action, resource type or condition key as an error.
    assert [d for d in _decisions(stack, moved) if d[2] != "ImplicitlyDenied"] == []


@pytest.mark.parametrize(("push", "runs"), [("push", ("push", "push-arn-ignored")), ("push-switch", ("push-switch",))])
def test_every_statement_of_the_push_user_is_needed(
    all_stacks: dict[str, DeployedStack], recorded: dict[str, list[AwsCall]], push: str, runs: tuple[str, ...]
) -> None:
    """Without any one statement of the push user's policy, some recorded call is denied; by default that counts
    the fallback's calls, for a Prefect Cloud submitter that ignores the stack's task definition.

    The worker's policy adds the observer's statements; tests/moto/test_crash_detection.py checks those.
    """
    stack = all_stacks[push]
    authorizations = _authorizations(recorded, stack, *runs)
    full = stack.submitter_policy
    for index, statement in enumerate(full["Statement"]):
        without = {**full, "Statement": [s for i, s in enumerate(full["Statement"]) if i != index]}
        decisions = _decisions(stack, authorizations, policy=without)
        assert any(result == "ImplicitlyDenied" for _, _, result in decisions), statement["Sid"]
