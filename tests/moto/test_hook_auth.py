"""The hooks reach the account and region the resources were created in, as the AWS provider did.

The stack is deployed into moto as another account (222222222222, reached by assuming a role) in us-west-2,
while the environment holds moto's own account's keys and another region: hooks that called AWS with the
environment alone would look for the worker service and the tasks where they are not. The rollout check runs
after the worker service's create, the drain on destroy, both as tests/support/engine.py's `StackEngine` runs them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pulumi
import pulumi_aws as aws
import pytest
from moto import mock_aws
from moto.sts.models import sts_backends

from prefect_ecs_platform import PrefectEcsPlatform, PrefectEcsPlatformArgs
from prefect_ecs_platform.aws import task_drain
from tests.support.engine import StackEngine
from tests.support.moto.component_in_moto import MODE_ARGS, MotoMocks
from tests.support.moto.moto_patches import fargate_containers_without_memory
from tests.support.moto.stack_tasks import releasing_interfaces, run_stack_tasks

pytestmark = pytest.mark.moto

ACCOUNT = "222222222222"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform-deploy"
REGION = "us-west-2"


@pytest.fixture
def stack_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """moto; a session as the role in the stack's account and region; the environment elsewhere."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    # moto completes a service deployment at once when this many of its tasks run.
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    with mock_aws(), fargate_containers_without_memory():
        assumed = boto3.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="setup")["Credentials"]
        session = boto3.Session(
            aws_access_key_id=assumed["AccessKeyId"],
            aws_secret_access_key=assumed["SecretAccessKey"],
            aws_session_token=assumed["SessionToken"],
            region_name=REGION,
        )
        monkeypatch.setattr(task_drain, "pause", releasing_interfaces(session))
        yield session


def worker_platform(opts: pulumi.ResourceOptions | None = None) -> None:
    args = PrefectEcsPlatformArgs(work_pool_name="data", **MODE_ARGS["worker"])
    PrefectEcsPlatform("data", args, opts)


def hook_sessions() -> list[Any]:
    """The hooks' role sessions (the fixture's own is named `setup`)."""
    return [role for role in sts_backends[ACCOUNT]["global"].assumed_roles if role.session_name != "setup"]


def running_tasks(session: boto3.Session) -> list[str]:
    ecs = session.client("ecs")
    return [
        task
        for cluster in ecs.list_clusters()["clusterArns"]
        for task in ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING")["taskArns"]
    ]


def test_hooks_assume_the_stacks_roles_in_its_region(stack_account: boto3.Session) -> None:
    """With `aws:assumeRoles` and `aws:region`, the rollout check finds the worker and destroy stops its tasks."""
    config = {
        "aws:region": REGION,
        "aws:assumeRoles": json.dumps([{"roleArn": ROLE, "sessionName": "ci-deploy", "externalId": "data-team"}]),
    }
    engine = StackEngine(functools.partial(MotoMocks, stack_account))
    engine.up(worker_platform, config)
    assert [(role.session_name, role.external_id) for role in hook_sessions()] == [("ci-deploy", "data-team")]
    run_stack_tasks(stack_account, engine, 2)

    engine.destroy(worker_platform, config)

    assert running_tasks(stack_account) == []


def test_hooks_act_as_the_components_explicit_provider(stack_account: boto3.Session) -> None:
    """A provider given to the component wins over the stack's `aws:` configuration, which names another region."""
    config = {"aws:region": "eu-central-1"}

    def program() -> None:
        provider = aws.Provider(
            "team", region=REGION, assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=ROLE, session_name="explicit")]
        )
        worker_platform(pulumi.ResourceOptions(providers={"aws": provider}))

    engine = StackEngine(functools.partial(MotoMocks, stack_account))
    engine.up(program, config)
    run_stack_tasks(stack_account, engine, 2)
    engine.destroy(program, config)

    assert {role.session_name for role in hook_sessions()} == {"explicit"}
    assert running_tasks(stack_account) == []


def test_aws_region_alone_is_the_hooks_region(stack_account: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """No `aws:region` and only `AWS_REGION` set: the hooks call that region, as the provider does."""
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", REGION)
    config = {"aws:assumeRoles": json.dumps([{"roleArn": ROLE}])}
    engine = StackEngine(functools.partial(MotoMocks, stack_account))
    engine.up(worker_platform, config)
    run_stack_tasks(stack_account, engine, 2)
    engine.destroy(worker_platform, config)
    assert running_tasks(stack_account) == []
