"""The task role keeps exactly the listed policies across list changes and across the upgrade, in moto's IAM.

Each run goes through tests/support/engine.py's `StackEngine`: attachments are matched to the checkpoint by URN and
aliases, a changed `policyArn` replaces one (attach the new, then detach the old), and a deleted one is
detached, as the AWS provider's Delete does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

import boto3
import pulumi
import pulumi_aws as aws
import pytest
from moto import mock_aws

from prefect_ecs_platform import PrefectEcsPlatform, PrefectEcsPlatformArgs
from prefect_ecs_platform.platform import TYPE_TOKEN
from tests.support.engine import StackEngine
from tests.support.moto.component_in_moto import MODE_ARGS, MotoMocks

pytestmark = pytest.mark.moto

ACCOUNT = "123456789012"
READ_S3 = f"arn:aws:iam::{ACCOUNT}:policy/read-s3"
READ_SQS = f"arn:aws:iam::{ACCOUNT}:policy/read-sqs"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        iam = boto3.client("iam")
        for arn, action in ((READ_S3, "s3:GetObject"), (READ_SQS, "sqs:ReceiveMessage")):
            document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
            iam.create_policy(PolicyName=arn.rsplit("/", 1)[1], PolicyDocument=json.dumps(document))
        yield boto3.Session(region_name="eu-west-1")


def platform(policy_arns: list[str]) -> None:
    args = PrefectEcsPlatformArgs(work_pool_name="data", task_role_policy_arns=policy_arns, **MODE_ARGS["push"])
    PrefectEcsPlatform("data", args)


class EarlierVersion(pulumi.ComponentResource):
    """The component as earlier versions registered the task role: attachments named by list position."""

    def __init__(self, policy_arns: list[str]) -> None:
        super().__init__(TYPE_TOKEN, "data")
        principal = {"Service": "ecs-tasks.amazonaws.com"}
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}],
        }
        role = aws.iam.Role("data-task", assume_role_policy=json.dumps(trust), opts=pulumi.ResourceOptions(parent=self))
        for index, arn in enumerate(policy_arns):
            aws.iam.RolePolicyAttachment(
                f"data-task-{index}", role=role.name, policy_arn=arn, opts=pulumi.ResourceOptions(parent=self)
            )


def attached(session: boto3.Session) -> set[str]:
    policies = session.client("iam").list_attached_role_policies(RoleName="data-task")["AttachedPolicies"]
    return {policy["PolicyArn"] for policy in policies}


def attachment_steps(steps: object, engine: StackEngine) -> dict[str, list[str]]:
    return {
        kind: [urn for urn in getattr(steps, kind) if f"${ATTACHMENT}::" in urn]
        for kind in ("creates", "replaces", "deletes")
    }


def test_removing_a_policy_keeps_the_others_attached(session: boto3.Session) -> None:
    """[A, B] then [B]: the role has B, as the state says (by position, B's detach came last)."""
    engine = StackEngine(functools.partial(MotoMocks, session))
    engine.up(functools.partial(platform, [READ_S3, READ_SQS]))
    engine.up(functools.partial(platform, [READ_SQS]))
    assert attached(session) == {READ_SQS}


def test_reordering_the_policies_changes_nothing(session: boto3.Session) -> None:
    """[A, B] then [B, A]: no attachment is created, replaced or deleted."""
    engine = StackEngine(functools.partial(MotoMocks, session))
    engine.up(functools.partial(platform, [READ_S3, READ_SQS]))
    steps = engine.up(functools.partial(platform, [READ_SQS, READ_S3]))
    assert attachment_steps(steps, engine) == {"creates": [], "replaces": [], "deletes": []}
    assert attached(session) == {READ_S3, READ_SQS}


def test_the_upgrade_from_position_names_detaches_nothing(session: boto3.Session) -> None:
    """A stack whose state names attachments by position takes them over through aliases, unchanged."""
    engine = StackEngine(functools.partial(MotoMocks, session))
    engine.up(functools.partial(EarlierVersion, [READ_S3, READ_SQS]))
    steps = engine.up(functools.partial(platform, [READ_S3, READ_SQS]))
    assert attachment_steps(steps, engine) == {"creates": [], "replaces": [], "deletes": []}
    assert sorted(old.rsplit("::", 1)[1] for new, old in steps.aliased.items() if ATTACHMENT in new) == [
        "data-task-0",
        "data-task-1",
    ]
    assert attached(session) == {READ_S3, READ_SQS}
