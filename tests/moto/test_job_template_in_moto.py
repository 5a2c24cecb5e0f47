"""The work pool's ECS base job template, submitted by prefect-aws's real ECS worker to moto.

Each scenario is one deployment (its job_variables, sometimes a flow run's) in the pool of a push-mode
or a worker-mode stack. All scenarios are submitted once per module; each test then checks one
behaviour on what moto stored (task definition, task) or on the RunTask request as moto received it.
Expected values differ from prefect-aws's own defaults (1024 CPU / 2048 MiB, group "prefect", stream
prefix "prefect-logs_...", inferred subnets without security groups), so a template that lost a
default fails here. moto checks little about Fargate, so sizes are also checked with Fargate's rules.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import temporary_settings

from prefect_ecs_platform.inputs.fargate import fargate_size_problems
from prefect_ecs_platform.inputs.problems import Problem
from prefect_ecs_platform.platform import resource_tags
from tests.support.moto.component_in_moto import MODE_ARGS, DeployedStack, Mode
from tests.support.moto.flow_runs import (
    WORKER_CREDENTIALS,
    Submission,
    create_stack_pools,
    submit_deployment_run,
)
from tests.support.moto.moto_patches import RunTaskRequests

pytestmark = pytest.mark.moto


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A deployment in one stack's pool, and the task size and capacity it should get."""

    mode: Mode
    job_variables: dict[str, Any]
    flow_run_job_variables: dict[str, Any] | None = None
    spot: bool
    cpu: int
    memory: int
    env: dict[str, str] = field(default_factory=dict)


# Pool defaults: push 512 CPU / 1024 MiB on demand, worker 256 / 512 on Spot (`component_in_moto.MODE_ARGS`).
SCENARIOS: dict[str, Scenario] = {
    "push-pool-defaults": Scenario(mode="push", job_variables={}, spot=False, cpu=512, memory=1024),
    "push-spot-large": Scenario(
        mode="push",
        job_variables={
            "launch_type": "FARGATE_SPOT",
            "cpu": 2048,
            "memory": 8192,
            "env": {"PIPELINE_TIER": "large"},
        },
        flow_run_job_variables={"env": {"RUN_NOTE": "backfill"}},
        spot=True,
        cpu=2048,
        memory=8192,
        env={"PIPELINE_TIER": "large", "RUN_NOTE": "backfill"},
    ),
    "worker-pool-defaults": Scenario(mode="worker", job_variables={}, spot=True, cpu=256, memory=512),
    "worker-on-demand": Scenario(
        mode="worker",
        job_variables={"launch_type": "FARGATE", "cpu": 1024, "memory": 3072},
        spot=False,
        cpu=1024,
        memory=3072,
    ),
}
# A deployment that raises only cpu: the pool's memory stays, giving a pair Fargate refuses.
CPU_ONLY_OVERRIDE = "push-cpu-only"

PUSH = [name for name, scenario in SCENARIOS.items() if scenario.mode == "push"]
WORKER = [name for name, scenario in SCENARIOS.items() if scenario.mode == "worker"]
SPOT = [name for name, scenario in SCENARIOS.items() if scenario.spot]
ON_DEMAND = [name for name, scenario in SCENARIOS.items() if not scenario.spot]
WITH_ENV = [name for name, scenario in SCENARIOS.items() if scenario.env]


async def _submit_all(
    stacks: dict[Mode, DeployedStack], ecs_client: Any, run_task_requests: RunTaskRequests
) -> dict[str, Submission]:
    async with get_client() as client:
        pools = await create_stack_pools(client, stacks)
        scenarios = {
            **SCENARIOS,
            CPU_ONLY_OVERRIDE: Scenario(mode="push", job_variables={"cpu": 4096}, spot=False, cpu=4096, memory=1024),
        }
        submissions = {}
        for name, scenario in scenarios.items():
            with temporary_settings(WORKER_CREDENTIALS[scenario.mode]):
                submissions[name] = await submit_deployment_run(
                    client,
                    pools[scenario.mode],
                    deployment_name=name,
                    job_variables=scenario.job_variables,
                    flow_run_job_variables=scenario.flow_run_job_variables,
                    ecs_client=ecs_client,
                    run_task_requests=run_task_requests,
                )
        return submissions


@pytest.fixture(scope="module")
def submissions(
    aws: boto3.Session, stacks: dict[Mode, DeployedStack], run_task_requests: RunTaskRequests, prefect_api: None
) -> dict[str, Submission]:
    """Every scenario's flow run, submitted once by the ECS worker to moto."""
    # A loop factory keeps the Runner from setting (and then clearing) the thread's current event
    # loop, which `asyncio.run` does and which later tests calling `get_event_loop()` would trip on.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(_submit_all(stacks, aws.client("ecs"), run_task_requests))


@pytest.fixture(params=list(SCENARIOS))
def scenario_name(request: pytest.FixtureRequest) -> str:
    """The scenario under test."""
    return str(request.param)


@pytest.fixture
def scenario(scenario_name: str) -> Scenario:
    """What the scenario's deployment asked for."""
    return SCENARIOS[scenario_name]


@pytest.fixture
def submission(scenario_name: str, submissions: dict[str, Submission]) -> Submission:
    """What the worker sent and moto recorded for the scenario's flow run."""
    return submissions[scenario_name]


@pytest.fixture
def stack(scenario: Scenario, stacks: dict[Mode, DeployedStack]) -> DeployedStack:
    """The stack whose pool the scenario's deployment is in."""
    return stacks[scenario.mode]


def _environment_names(submission: Submission) -> set[str]:
    """Every environment variable name the flow container gets, from the definition and RunTask."""
    definition = submission.flow_container.get("environment", [])
    override = submission.flow_container_override.get("environment", [])
    return {item["name"] for item in [*definition, *override]}


# Task definition


def test_task_definition_requires_fargate(submission: Submission) -> None:
    """The task definition moto stored is Fargate-compatible."""
    assert submission.task_definition["requiresCompatibilities"] == ["FARGATE"]


def test_task_definition_uses_awsvpc(submission: Submission) -> None:
    """The task definition uses the awsvpc network mode Fargate requires."""
    assert submission.task_definition["networkMode"] == "awsvpc"


def test_task_definition_keeps_the_stacks_default_size(submission: Submission, scenario: Scenario) -> None:
    """Every run starts from the stack's revision, sized by the stack's defaults, whatever the deployment asks."""
    definition = submission.task_definition
    defaults = MODE_ARGS[scenario.mode]
    assert (int(definition["cpu"]), int(definition["memory"])) == (defaults["cpu"], defaults["memory"])


def test_task_size_is_one_fargate_accepts(submission: Submission) -> None:
    """The size the task runs with (RunTask's task-level overrides) passes Fargate's size rules."""
    overrides = submission.task["overrides"]
    assert fargate_size_problems(int(overrides["cpu"]), int(overrides["memory"])) == []


def test_run_task_overrides_carry_the_same_task_size(submission: Submission, scenario: Scenario) -> None:
    """The task-level cpu/memory overrides moto recorded are the pool's defaults unless the deployment's."""
    overrides = submission.task["overrides"]
    assert (overrides["cpu"], overrides["memory"]) == (str(scenario.cpu), str(scenario.memory))


def test_cpu_only_override_keeps_pool_memory_and_fargate_rules_catch_it(
    submissions: dict[str, Submission],
) -> None:
    """A deployment raising only cpu keeps the pool's memory, a pair moto runs but Fargate rejects."""
    overrides = submissions[CPU_ONLY_OVERRIDE].task["overrides"]
    assert fargate_size_problems(int(overrides["cpu"]), int(overrides["memory"])) == [
        Problem("memory", 1024, "with cpu=4096 Fargate accepts memory (MiB) 8192 to 30720 in steps of 1024")
    ]


def test_execution_role_is_the_stacks(submission: Submission, stack: DeployedStack) -> None:
    """The task definition's execution role is the stack's execution role."""
    assert submission.task_definition["executionRoleArn"] == stack.execution_role_arn


def test_task_role_is_the_stacks(submission: Submission, stack: DeployedStack) -> None:
    """The task moto recorded runs with the stack's task role."""
    assert submission.task["overrides"]["taskRoleArn"] == stack.task_role_arn


def test_image_is_pinned_by_the_pushed_digest(submission: Submission, stack: DeployedStack, aws: boto3.Session) -> None:
    """The flow container's image is the stack's repository at the digest ECR holds for the pushed image."""
    repository_url = stack.outputs["repository_url"]
    (image,) = aws.client("ecr").describe_images(repositoryName=repository_url.split("/", 1)[1])["imageDetails"]
    assert submission.flow_container["image"] == f"{repository_url}@{image['imageDigest']}"


# Logs


def test_container_logs_to_the_stacks_log_group(submission: Submission, stack: DeployedStack) -> None:
    """The flow container sends its output with awslogs to the stack's group in the stack's region."""
    log_configuration = submission.flow_container["logConfiguration"]
    assert (
        log_configuration["logDriver"],
        log_configuration["options"]["awslogs-group"],
        log_configuration["options"]["awslogs-region"],
    ) == ("awslogs", stack.log_group_name, stack.region)


def test_log_streams_use_the_stacks_prefix(submission: Submission, stack: DeployedStack) -> None:
    """The awslogs stream prefix is the pool's name (here the stack's), not prefect-aws's per-deployment default."""
    options = submission.flow_container["logConfiguration"]["options"]
    assert options["awslogs-stream-prefix"] == stack.name


def test_tasks_do_not_create_log_groups(submission: Submission) -> None:
    """awslogs-create-group is off, so tasks need no logs:CreateLogGroup."""
    options = submission.flow_container["logConfiguration"]["options"]
    assert options["awslogs-create-group"] == "false"


def test_log_group_named_by_the_task_exists(submission: Submission, aws: boto3.Session) -> None:
    """The group the task logs to is one the stack created, as create-group off requires."""
    group = submission.flow_container["logConfiguration"]["options"]["awslogs-group"]
    found = aws.client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [found_group["logGroupName"] for found_group in found] == [group]


# Prefect credentials


@pytest.mark.parametrize("scenario_name", PUSH, indirect=True)
def test_api_key_is_a_container_secret(submission: Submission, stack: DeployedStack) -> None:
    """In push mode the flow container reads PREFECT_API_KEY from the stack's secret."""
    assert submission.flow_container["secrets"] == [{"name": "PREFECT_API_KEY", "valueFrom": stack.secret_arn}]


@pytest.mark.parametrize("scenario_name", PUSH, indirect=True)
def test_api_key_is_not_in_the_environment(submission: Submission) -> None:
    """The worker's PREFECT_API_KEY is not passed as a plain environment variable."""
    assert "PREFECT_API_KEY" not in _environment_names(submission)


@pytest.mark.parametrize("scenario_name", WORKER, indirect=True)
def test_auth_string_is_a_container_secret(submission: Submission, stack: DeployedStack) -> None:
    """In worker mode against a self-hosted server the container reads PREFECT_API_AUTH_STRING from the secret."""
    assert submission.flow_container["secrets"] == [{"name": "PREFECT_API_AUTH_STRING", "valueFrom": stack.secret_arn}]


@pytest.mark.parametrize("scenario_name", WORKER, indirect=True)
def test_auth_string_is_not_in_the_environment(submission: Submission) -> None:
    """The worker's PREFECT_API_AUTH_STRING is not passed as a plain environment variable."""
    assert "PREFECT_API_AUTH_STRING" not in _environment_names(submission)


# AWS credentials the worker uses


@pytest.mark.parametrize("scenario_name", PUSH, indirect=True)
def test_push_pool_reaches_aws_with_the_push_users_key(
    submission: Submission, stack: DeployedStack, aws: boto3.Session
) -> None:
    """The push pool's aws_credentials `$ref` resolves to a block holding the key IAM issued to the push user."""
    credentials = submission.configuration.aws_credentials
    assert credentials is not None
    (user,) = stack.of_type("aws:iam/user:User")
    keys = aws.client("iam").list_access_keys(UserName=user.id)["AccessKeyMetadata"]
    assert [key["AccessKeyId"] for key in keys] == [credentials.aws_access_key_id]


@pytest.mark.parametrize("scenario_name", WORKER, indirect=True)
def test_worker_pool_reaches_aws_with_the_workers_own_role(submission: Submission) -> None:
    """The worker pool names no credentials block, so the worker uses its task role's credentials."""
    credentials = submission.configuration.aws_credentials
    assert credentials is not None
    assert (credentials.aws_access_key_id, credentials.aws_secret_access_key) == (None, None)


# Network


def test_task_runs_in_the_stacks_subnets(submission: Submission, stack: DeployedStack) -> None:
    """RunTask places the task in the stack's subnets."""
    awsvpc = submission.run_task_request["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["subnets"] == stack.subnet_ids


def test_task_uses_the_stacks_security_group(submission: Submission, stack: DeployedStack) -> None:
    """RunTask attaches the stack's security group."""
    awsvpc = submission.run_task_request["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["securityGroups"] == [stack.security_group_id]


def test_public_ip_follows_the_stack(submission: Submission, scenario: Scenario) -> None:
    """RunTask assigns a public IP exactly when the stack says so (push: no, worker: yes)."""
    awsvpc = submission.run_task_request["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["assignPublicIp"] == ("DISABLED" if scenario.mode == "push" else "ENABLED")


def test_task_network_interface_is_in_the_stacks_vpc(
    submission: Submission, stack: DeployedStack, aws: boto3.Session
) -> None:
    """The network interface moto attached to the task is in the stack's VPC with its security group."""
    (attachment,) = submission.task["attachments"]
    details = {detail["name"]: detail["value"] for detail in attachment["details"]}
    (interface,) = aws.client("ec2").describe_network_interfaces(NetworkInterfaceIds=[details["networkInterfaceId"]])[
        "NetworkInterfaces"
    ]
    assert (interface["VpcId"], [group["GroupId"] for group in interface["Groups"]]) == (
        stack.vpc_id,
        [stack.security_group_id],
    )


def test_task_runs_in_the_stacks_cluster(submission: Submission, stack: DeployedStack) -> None:
    """The task moto recorded is in the stack's cluster."""
    assert submission.task["clusterArn"] == stack.cluster_arn


# Capacity


@pytest.mark.parametrize("scenario_name", SPOT, indirect=True)
def test_spot_runs_request_a_fargate_spot_strategy(submission: Submission) -> None:
    """Spot runs ask RunTask for the FARGATE_SPOT capacity provider and no launch type."""
    request = submission.run_task_request
    assert (request.get("launchType"), request["capacityProviderStrategy"]) == (
        None,
        [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    )


@pytest.mark.parametrize("scenario_name", SPOT, indirect=True)
def test_spot_runs_land_on_fargate_spot(submission: Submission) -> None:
    """moto recorded Spot runs on the FARGATE_SPOT capacity provider."""
    assert submission.task["capacityProviderName"] == "FARGATE_SPOT"


@pytest.mark.parametrize("scenario_name", ON_DEMAND, indirect=True)
def test_on_demand_runs_use_launch_type_fargate(submission: Submission) -> None:
    """On-demand runs ask RunTask for launch type FARGATE and no capacity provider strategy."""
    request = submission.run_task_request
    assert (request["launchType"], request.get("capacityProviderStrategy")) == ("FARGATE", None)


# Tags and environment


def test_stack_labels_become_task_tags(submission: Submission, stack: DeployedStack) -> None:
    """The stack's tags, the pool's labels, reach the task moto recorded as tags."""
    tags = {tag["key"]: tag["value"] for tag in submission.task["tags"]}
    assert resource_tags(stack.name, {}).items() <= tags.items()


def test_flow_run_id_is_a_task_tag(submission: Submission) -> None:
    """The task is tagged with its flow run's id, so a task can be traced back to its run."""
    assert {"key": "prefect.io/flow-run-id", "value": str(submission.flow_run.id)} in submission.task["tags"]


@pytest.mark.parametrize("scenario_name", WITH_ENV, indirect=True)
def test_deployment_and_flow_run_env_both_reach_the_container(submission: Submission, scenario: Scenario) -> None:
    """env from the deployment and from the flow run are merged into the container's environment."""
    environment = {item["name"]: item["value"] for item in submission.flow_container_override["environment"]}
    assert {name: environment.get(name) for name in scenario.env} == scenario.env
