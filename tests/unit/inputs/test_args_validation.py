"""Validation of PrefectEcsPlatformArgs, before any resource is created."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Any

import pulumi
import pytest
from prefect.client.schemas.objects import Flow, FlowRun, WorkPool
from prefect.client.schemas.responses import DeploymentResponse
from prefect.workers.base import BaseJobConfiguration
from prefect_aws.workers import ecs_worker

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.args_validation import COMPONENT_TAG_KEYS, PREFECT_TASK_LABELS, args_problems
from prefect_ecs_platform.inputs.prefect_names import is_prefect_cloud_url
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from prefect_ecs_platform.platform import resource_tags
from tests.support.pulumi_mocks import CLOUD_URL


def make_args(**overrides: Any) -> PrefectEcsPlatformArgs:
    values: dict[str, Any] = {"prefect_api_url": CLOUD_URL, "work_pool_name": "ecs-dev", "prefect_api_key": "k"}
    values.update(overrides)
    return PrefectEcsPlatformArgs(**values)


def problems_for(name: str = "data", **overrides: Any) -> dict[str, str]:
    return {p.field: str(p) for p in args_problems(name, make_args(**overrides))}


def test_defaults_are_valid() -> None:
    """The documented defaults with a Cloud URL and key produce no problem."""
    assert args_problems("data", make_args()) == []


def test_cloud_url_shape_is_recognised() -> None:
    """Only https workspace URLs with two UUIDs count as Prefect Cloud."""
    assert is_prefect_cloud_url(CLOUD_URL)
    assert not is_prefect_cloud_url(CLOUD_URL.replace("https", "http"))
    assert not is_prefect_cloud_url("https://prefect.example.com/api")


@pytest.mark.parametrize(
    "url",
    [
        "prefect.example.com/api",
        "https://prefect.example.com/",
        "https://api.prefect.cloud/api/accounts/abc/workspaces/def",
        "ftp://prefect.example.com/api",
    ],
)
def test_bad_api_urls_are_refused_with_both_accepted_shapes(url: str) -> None:
    """A URL that is neither a workspace URL nor ends in /api is named, with both accepted shapes."""
    message = problems_for(prefect_api_url=url)["prefect_api_url"]
    assert message.startswith(f"prefect_api_url: {url!r} is not allowed;")
    assert "/accounts/<uuid>/workspaces/<uuid>" in message
    assert "ending in /api" in message


@pytest.mark.parametrize(("name", "reason"), [("prefect-pool", 'starting with "prefect"'), ("a/b", "may not contain")])
def test_pool_names_prefect_refuses_are_refused(name: str, reason: str) -> None:
    """Names the Prefect server answers 403 or 422 to are caught before anything is created."""
    assert reason in problems_for(work_pool_name=name)["work_pool_name"]


def test_worker_mode_runs_against_a_self_hosted_server_without_key() -> None:
    """A worker may serve a self-hosted server with no API key at all."""
    assert problems_for(mode="worker", prefect_api_url="http://prefect.internal:4200/api", prefect_api_key=None) == {}


def test_auth_string_is_for_self_hosted_servers_only() -> None:
    """Prefect Cloud takes an API key, so an auth string with a Cloud URL is refused without echoing it."""
    message = problems_for(mode="worker", prefect_api_auth_string="user:pass")["prefect_api_auth_string"]
    assert "only with a self-hosted Prefect server" in message
    assert "user:pass" not in message


def test_worker_size_and_count_are_checked() -> None:
    """Worker tasks need a Fargate pair and a count from 1 to 10."""
    found = problems_for(mode="worker", worker_cpu=256, worker_memory=4096, worker_count=0)
    assert {"worker_memory", "worker_count"} <= set(found)


def test_worker_settings_outside_worker_mode_are_refused() -> None:
    """Queue names and a worker image mean nothing to a push pool, so they are refused rather than ignored."""
    found = problems_for(work_queue_names=["etl"], worker_image_uri="img")
    assert {"work_queue_names", "worker_image_uri"} <= set(found)


def test_push_mode_needs_prefect_cloud() -> None:
    """Push pools only run on Prefect Cloud, so a self-hosted URL with push mode is refused."""
    message = problems_for(prefect_api_url="http://prefect.internal:4200/api", prefect_api_key=None)["mode"]
    assert '"worker" for a self-hosted server: "push" pools run only on Prefect Cloud' in message


def test_cloud_without_api_key_is_refused() -> None:
    """Prefect Cloud without a key is refused, naming both ways to provide one."""
    message = problems_for(prefect_api_key=None)["prefect_api_key"]
    assert "pulumi config set --secret prefectApiKey" in message
    assert "PREFECT_API_KEY" in message


def test_image_context_and_uri_are_exclusive() -> None:
    """Giving both a build context and a prebuilt image is refused with awsx's wording."""
    message = problems_for(image_context="flows", image_uri="repo@sha256:" + "a" * 64)["image_uri"]
    assert "only one of `image_context` or `image_uri` can be provided" in message


def test_prebuilt_images_must_be_pinned_by_digest() -> None:
    """A tag can move under a running platform, so brought images are refused unless pinned by digest."""
    found = problems_for(image_uri="repo:latest", mode="worker", worker_image_uri="prefecthq/prefect-aws:latest")
    assert found["image_uri"] == (
        "image_uri: 'repo:latest' is not allowed; an image pinned by digest: <repository>@sha256:<64 hex>"
    )
    assert "worker_image_uri" in found
    assert "image_uri" not in problems_for(image_uri="repo@sha256:" + "b" * 64)


def test_spot_with_arm64_is_refused() -> None:
    """Fargate Spot has no arm64 capacity, so the combination is refused."""
    message = problems_for(image_platform="linux/arm64", use_fargate_spot=True)["use_fargate_spot"]
    assert "Fargate Spot runs only linux/amd64 tasks" in message


@pytest.mark.parametrize(("block", "refused"), [("10.0.0.0/23", False), ("10.0.0.0/24", True)])
def test_a_hosted_server_needs_a_block_whose_sixteenths_fit_a_load_balancer(block: str, refused: bool) -> None:
    """An ALB's subnets are /27 or larger; a new VPC's database subnets, where it sits, are a sixteenth each."""
    hosted: dict[str, Any] = {"prefect_api_url": "", "prefect_api_key": None, "mode": "worker"}
    found = problems_for(vpc_cidr_block=block, prefect_server=PrefectServerArgs(enabled=True), **hosted)
    assert ("vpc_cidr_block" in found) is refused
    if refused:
        assert found["vpc_cidr_block"].startswith("vpc_cidr_block: '10.0.0.0/24' is not allowed; a block from /16")
    # Without a hosted server the same block is fine.
    assert "vpc_cidr_block" not in problems_for(vpc_cidr_block=block)


def test_brought_vpc_needs_subnets() -> None:
    """A VPC id alone is not enough: tasks need subnets."""
    assert "subnet_ids" in problems_for(vpc_id="vpc-1")


def test_subnets_without_vpc_are_refused() -> None:
    """Subnets or security groups without vpc_id are refused (they belong to a brought network)."""
    found = problems_for(subnet_ids=["subnet-1"], security_group_ids=["sg-1"])
    assert "only together with `vpc_id`" in found["subnet_ids"]
    assert "only together with `vpc_id`" in found["security_group_ids"]


def test_public_layout_without_public_ip_is_refused() -> None:
    """Public subnets have no NAT gateway, so tasks without a public IP could not pull their image."""
    assert (
        "without a NAT gateway tasks need a public IP"
        in problems_for(subnet_layout="public", assign_public_ip=False)["assign_public_ip"]
    )


@pytest.mark.parametrize(("field", "value"), [("availability_zones", 1), ("vpc_cidr_block", "10.0.0.0/8")])
def test_new_vpc_shape_is_checked(field: str, value: object) -> None:
    """Zone counts and CIDR sizes a VPC cannot have are refused."""
    overrides: dict[str, Any] = {field: value}
    assert field in problems_for("data", **overrides)


def test_bad_cpu_memory_pair_is_refused() -> None:
    """An invalid Fargate pair names memory and the range allowed for the cpu."""
    assert problems_for(cpu=512, memory=512)["memory"] == (
        "memory: 512 is not allowed; with cpu=512 Fargate accepts memory (MiB) 1024 to 4096 in steps of 1024"
    )


def test_retention_must_be_a_cloudwatch_value() -> None:
    """10 days is not a CloudWatch retention; the message lists the ones that are."""
    message = problems_for(log_retention_days=10)["log_retention_days"]
    assert message.startswith("log_retention_days: 10 is not allowed; one of the values CloudWatch offers: 0, 1, 3")


def test_component_name_must_fit_aws_names() -> None:
    """Upper case would break the ECR repository name derived from the component name."""
    assert "name" in problems_for(name="Data")


def test_extra_statements_need_effect_action_resource() -> None:
    """A task-role statement missing its parts is refused part by part."""
    found = problems_for(task_role_statements=[{"Effect": "Maybe"}])
    assert set(found) >= {
        "task_role_statements[0].Effect",
        "task_role_statements[0].Action",
        "task_role_statements[0].Resource",
    }


def test_reserved_tag_keys_are_refused() -> None:
    """AWS reserves the aws: prefix for its own tags."""
    assert "tags" in problems_for(tags={"aws:owner": "me"})


def _tag_problems(tags: dict[str, Any]) -> list[str]:
    return [str(p) for p in args_problems("data", make_args(tags=tags)) if p.field.split(".")[0] == "tags"]


def test_tags_within_iams_rules_pass() -> None:
    """Unicode letters and digits, spaces, IAM's punctuation, an empty value and the longest key and value pass."""
    assert _tag_problems({"équipe 2": "données 3", "cost:center": "a_b.c:d/e=f+g-h@i", "k" * 128: "v" * 256}) == []
    assert _tag_problems({"owner": ""}) == []


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"team": "data#1"}, "tags.team: 'data#1' is not allowed; a string of at most 256 characters, of letters, "
         "digits, spaces and _ . : / = + - @"),
        ({"team": "v" * 257}, "tags.team: '" + "v" * 257 + "' is not allowed; a string of at most 256 characters"),
        ({"cost,center": "x"}, "tags: 'cost,center' is not allowed; tag keys of 1 to 128 characters"),
        ({"k" * 129: "x"}, "tags: '" + "k" * 129 + "' is not allowed; tag keys of 1 to 128 characters"),
        ({"": "x"}, "tags: '' is not allowed; tag keys of 1 to 128 characters"),
        ({"AWS:owner": "x"}, "tags: 'AWS:owner' is not allowed; tag keys of 1 to 128 characters, not starting with"),
        ({"Team": "a", "team": "b"}, "tags: 'team' is not allowed; a key that is not 'Team' in another case: IAM "
         "compares tag keys without case"),
        ({"Managed-By": "me"}, "tags: 'Managed-By' is not allowed; a key that is not the component's own key "
         "'managed-by' in another case"),
    ],
)  # fmt: skip
def test_tags_iam_would_refuse_partway_through_up_are_refused_first(tags: dict[str, Any], message: str) -> None:
    """IAM refuses these on the platform's roles, user and policy, after other resources exist: validation says so."""
    found = _tag_problems(tags)
    assert len(found) == 1, found
    assert found[0].startswith(message), found


def test_no_more_tags_than_fit_on_a_flow_run_task() -> None:
    """36 tags of the user's, the component's 2 and Prefect's 12 make AWS's 50; one more is refused, naming why."""
    assert _tag_problems({f"t{i}": "x" for i in range(36)}) == []
    # A user tag that overrides one of the component's takes no room of its own.
    assert _tag_problems({"managed-by": "me", **{f"t{i}": "x" for i in range(36)}}) == []
    assert _tag_problems({f"t{i}": "x" for i in range(37)}) == [
        "tags: '37 tags' is not allowed; at most 36 besides managed-by and prefect-ecs-platform: AWS allows 50 tags "
        "per resource, and each flow-run task also carries those two and up to 12 of Prefect's "
        "(prefect.io/flow-run-id, ...)"
    ]


def test_the_tag_budget_counts_what_the_component_and_prefect_add() -> None:
    """The component's own keys are platform.py's, and Prefect's labels are those prefect's worker puts on a run."""
    assert tuple(resource_tags("data", {})) == COMPONENT_TAG_KEYS
    flow = Flow.model_validate({"name": "etl"})
    deployment = DeploymentResponse.model_validate({"name": "daily", "flow_id": flow.id, "updated": datetime.now(UTC)})
    labels = {
        **BaseJobConfiguration._base_flow_run_labels(FlowRun.model_validate({"flow_id": flow.id, "name": "run"})),
        **BaseJobConfiguration._base_work_pool_labels(WorkPool.model_validate({"name": "ecs", "type": "ecs"})),
        **BaseJobConfiguration._base_worker_name_label("worker"),
        **BaseJobConfiguration._base_flow_labels(flow),
        **BaseJobConfiguration._base_deployment_labels(deployment),
    }
    # prefect-aws adds one more when it registered the task definition (ecs_worker.py, auto-deregistration).
    assert "prefect.io/degregister-task-definition" in inspect.getsource(ecs_worker)
    assert len(labels) + 1 == PREFECT_TASK_LABELS


def test_every_problem_is_reported_at_once() -> None:
    """Several bad inputs produce several problems, not just the first."""
    found = problems_for(cpu=300, log_retention_days=2, work_pool_name="prefect")
    assert {"cpu", "log_retention_days", "work_pool_name"} <= set(found)


def test_component_name_that_makes_an_invalid_security_group_name_is_refused() -> None:
    """EC2 refuses group names starting with sg-; the component's name prefixes its group's."""
    assert problems_for("sg-data")["name"] == (
        "name: 'sg-data' is not allowed; a name not starting with \"sg-\": EC2 refuses security group names that do"
    )


def test_zone_count_refusal_says_the_region_must_have_them() -> None:
    """awsx fails late when the region has fewer zones; the refusal says so up front."""
    assert (
        "at most the number of zones the region has (many have 3)"
        in problems_for(availability_zones=7)["availability_zones"]
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cluster_arn", "my-cluster"),
        ("cluster_arn", "arn:aws:iam::123456789012:role/not-a-cluster"),
        ("execution_role_arn", "flow-execution"),
        ("task_role_arn", "arn:aws:ecs:eu-west-1:123456789012:cluster/data"),
    ],
)
def test_brought_cluster_and_roles_must_be_arns_of_their_kind(field: str, value: str) -> None:
    """A name or an ARN of another kind is refused before anything is created, naming the field."""
    assert problems_for(**{field: value})[field].startswith(f"{field}: {value!r} is not allowed; an ")


def test_brought_execution_role_refusal_says_what_the_role_needs() -> None:
    """The message lists the trust, the pull, log and secret permissions, with the secrets' name patterns."""
    message = problems_for("data", execution_role_arn="flow-execution")["execution_role_arn"]
    for needed in (
        "ecs-tasks.amazonaws.com",
        "ecr:GetAuthorizationToken",
        "ecr:BatchGetImage",
        "logs:PutLogEvents",
        "secretsmanager:GetSecretValue",
        "secret:data-prefect-api-key-*",
        "random suffixes",
    ):
        assert needed in message, needed


def test_brought_arns_of_the_right_kind_pass() -> None:
    """Well-formed ARNs, in any partition, are accepted."""
    assert (
        problems_for(
            cluster_arn="arn:aws-cn:ecs:cn-north-1:123456789012:cluster/shared",
            execution_role_arn="arn:aws:iam::123456789012:role/flows-execution",
            task_role_arn="arn:aws:iam::123456789012:role/path/flows-task",
        )
        == {}
    )


def test_a_task_role_policy_listed_twice_is_refused() -> None:
    """Each policy's attachment is named after its ARN, so the second mention of one is refused, naming both."""
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    problems = problems_for(task_role_policy_arns=[arn, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", arn])
    assert problems == {
        "task_role_policy_arns[2]": f"task_role_policy_arns[2]: '{arn}' is not allowed; each policy once (it is "
        "also at index 0)"
    }


def test_a_task_role_policy_arn_given_as_an_output_is_refused() -> None:
    """An Output ARN cannot name its attachment before it is deployed; the refusal says how to attach it instead."""
    arn = pulumi.Output.from_input("arn:aws:iam::123456789012:policy/made-here")
    message = problems_for(task_role_policy_arns=[arn])["task_role_policy_arns[0]"]
    assert message == (
        "task_role_policy_arns[0]: an Output is not allowed; an ARN as a string, which names the policy's "
        "attachment; attach a policy whose ARN is an Output to `task_role_arn` with an aws.iam.RolePolicyAttachment "
        "of your own"
    )
