"""The AWS resources a prefect-ecs-platform stack creates, made in moto for prefect-aws's ECS worker."""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
import pytest
from moto.ecs.models import EC2ContainerServiceBackend

from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings

Mode = Literal["push", "worker"]
#: The label (task tag) the stacks' templates set, so a test can find a stack's tasks.
STACK_LABEL = "prefect-ecs-platform/stack"

_ECS_TASKS_TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

# An image manifest as `docker push` would send it; ECR answers with the digest the stack pins.
_IMAGE_MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1469,
            "digest": "sha256:" + "c" * 64,
        },
        "layers": [],
    }
)


@dataclass(frozen=True, kw_only=True)
class AwsStack:
    """What one stack created in AWS, under the names the job template needs."""

    name: str
    region: str
    vpc_id: str
    subnet_ids: list[str]
    security_group_id: str
    execution_role_arn: str
    task_role_arn: str
    cluster_arn: str
    log_group_name: str
    repository_uri: str
    image_digest: str
    secret_arn: str

    @property
    def account(self) -> str:
        """The account the stack's resources were created in, read from its cluster's ARN."""
        return self.cluster_arn.split(":")[4]

    @property
    def image_uri(self) -> str:
        """The flow image pinned by digest, as the component hands it to the template."""
        return f"{self.repository_uri}@{self.image_digest}"


def create_stack(session: boto3.Session, name: str, *, secret_name: str) -> AwsStack:
    """Create, in moto, the network, roles, cluster, log group, repository and secret of one stack."""
    ec2 = session.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    # awsvpc tasks need DNS hostnames; moto's RunTask fails without them, as FACTS.md records.
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.20.1.0/24", f"{session.region_name}a"), ("10.20.2.0/24", f"{session.region_name}b"))
    ]
    security_group_id = ec2.create_security_group(
        GroupName=f"{name}-flow-runs", Description="Flow-run tasks: egress only", VpcId=vpc_id
    )["GroupId"]

    iam = session.client("iam")
    execution_role_arn = iam.create_role(
        RoleName=f"{name}-execution", AssumeRolePolicyDocument=_ECS_TASKS_TRUST_POLICY
    )["Role"]["Arn"]
    task_role_arn = iam.create_role(RoleName=f"{name}-task", AssumeRolePolicyDocument=_ECS_TASKS_TRUST_POLICY)["Role"][
        "Arn"
    ]

    cluster_arn = session.client("ecs").create_cluster(
        clusterName=name,
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )["cluster"]["clusterArn"]

    log_group_name = f"/prefect/{name}/flow-runs"
    logs = session.client("logs")
    logs.create_log_group(logGroupName=log_group_name)
    logs.put_retention_policy(logGroupName=log_group_name, retentionInDays=30)

    ecr = session.client("ecr")
    repository_uri = ecr.create_repository(repositoryName=f"{name}/flows")["repository"]["repositoryUri"]
    image_digest = ecr.put_image(repositoryName=f"{name}/flows", imageManifest=_IMAGE_MANIFEST, imageTag="latest")[
        "image"
    ]["imageId"]["imageDigest"]

    secret_arn = session.client("secretsmanager").create_secret(Name=secret_name, SecretString="not-a-real-credential")[
        "ARN"
    ]

    return AwsStack(
        name=name,
        region=session.region_name,
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        security_group_id=security_group_id,
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        cluster_arn=cluster_arn,
        log_group_name=log_group_name,
        repository_uri=repository_uri,
        image_digest=image_digest,
        secret_arn=secret_arn,
    )


def template_settings(stack: AwsStack, mode: Mode, aws_credentials_block_id: str | None) -> JobTemplateSettings:
    """The template defaults a stack of `mode` gives its pool: push 512/1024 on demand, worker 256/512 on Spot."""
    common: dict[str, Any] = {
        "cluster_arn": stack.cluster_arn,
        "vpc_id": stack.vpc_id,
        "subnet_ids": stack.subnet_ids,
        "security_group_ids": [stack.security_group_id],
        "execution_role_arn": stack.execution_role_arn,
        "task_role_arn": stack.task_role_arn,
        "image_uri": stack.image_uri,
        "log_group_name": stack.log_group_name,
        "region": stack.region,
        "log_stream_prefix": f"{stack.name}-flows",
        "labels": {STACK_LABEL: stack.name},
    }
    if mode == "push":
        return JobTemplateSettings(
            **common,
            assign_public_ip=False,
            cpu=512,
            memory=1024,
            use_fargate_spot=False,
            prefect_api_key_secret_arn=stack.secret_arn,
            aws_credentials_block_id=aws_credentials_block_id,
        )
    return JobTemplateSettings(
        **common,
        assign_public_ip=True,
        cpu=256,
        memory=512,
        use_fargate_spot=True,
        prefect_api_auth_string_secret_arn=stack.secret_arn,
    )


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
