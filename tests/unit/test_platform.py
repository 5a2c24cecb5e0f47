"""PrefectEcsPlatform under Pulumi mocks: what it creates, how the pieces are wired, what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime import rpc

from prefect_ecs_platform import InvalidInputError, PrefectEcsPlatformArgs
from prefect_ecs_platform.aws.iam_policies import WILDCARD_STATEMENTS
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import ACCOUNT, CLOUD_URL, REGION, PulumiHarness

API_KEY = "pnu_unit_test_key_not_real"

# Types of every AWS resource the component may create that takes tags.
TAGGABLE = {
    "awsx:ec2:Vpc",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ecs/cluster:Cluster",
    "awsx:ecr:Repository",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:iam/role:Role",
    "aws:iam/user:User",
    "aws:iam/policy:Policy",
    "aws:sqs/queue:Queue",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:ecs/service:Service",
}
# Types the component creates that AWS or the provider gives no tags.
UNTAGGABLE = {
    "prefect-ecs-platform:index:PrefectEcsPlatform",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "awsx:ecr:Image",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/accessKey:AccessKey",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:cloudwatch/eventTarget:EventTarget",
    # Prefect objects, not AWS resources.
    "pulumi-python:dynamic/prefect:WorkPool",
    "pulumi-python:dynamic/prefect:BlockDocument",
    "pulumi-python:dynamic/prefect:Deployment",
}
OUTPUTS = (
    "vpc_cidr_block",
    "cluster_arn",
    "cluster_name",
    "repository_url",
    "image_uri",
    "execution_role_arn",
    "task_role_arn",
    "log_group_name",
    "vpc_id",
    "subnet_ids",
    "security_group_ids",
    "prefect_api_key_secret_arn",
    "base_job_template",
    "push_access_key_id",
    "push_secret_access_key",
)


def make_args(**overrides: Any) -> PrefectEcsPlatformArgs:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "work_pool_name": "ecs-dev",
        "prefect_api_key": API_KEY,
        "tags": {"team": "data"},
    }
    values.update(overrides)
    return PrefectEcsPlatformArgs(**values)


def deploy(harness: PulumiHarness, **overrides: Any) -> dict[str, Any]:
    return deploy_platform(
        harness,
        make_args(**overrides),
        also=lambda platform: {"push_secret_is_secret": platform.push_secret_access_key.is_secret()},
    )


def template_network(outputs: dict[str, Any]) -> dict[str, Any]:
    """The network the pool's template writes into every RunTask request."""
    return dict(
        outputs["base_job_template"]["job_configuration"]["task_run_request"]["networkConfiguration"][
            "awsvpcConfiguration"
        ]
    )


def template_defaults(outputs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("default") for k, v in outputs["base_job_template"]["variables"]["properties"].items()}


def policy(recorded: Any) -> dict[str, Any]:
    return json.loads(recorded.inputs["policy"])


def test_cluster_offers_fargate_and_spot(pulumi_harness: PulumiHarness) -> None:
    """The created cluster registers both capacity providers, on-demand by default."""
    deploy(pulumi_harness)
    capacity = pulumi_harness.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert capacity.inputs["clusterName"] == "data-cluster"
    assert sorted(capacity.inputs["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert capacity.inputs["defaultCapacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]


def test_container_insights_follows_the_switch(pulumi_harness: PulumiHarness) -> None:
    """containerInsights is enabled only when asked for."""
    deploy(pulumi_harness, container_insights=True)
    cluster = pulumi_harness.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]


def test_destroy_deletes_the_repository_with_its_images_unless_retained(pulumi_harness: PulumiHarness) -> None:
    """The repository is never left half-deleted: force-deleted by default, kept whole when asked."""
    deploy(pulumi_harness)
    assert pulumi_harness.one("awsx:ecr:Repository").inputs["forceDelete"] is True
    assert pulumi_harness.registration("awsx:ecr:Repository", "data-flows").retain_on_delete is False


def test_retained_repository_is_kept_by_destroy(pulumi_harness: PulumiHarness) -> None:
    """ecr_retain_on_destroy makes Pulumi forget the repository on destroy instead of deleting it."""
    deploy(pulumi_harness, ecr_retain_on_destroy=True)
    assert pulumi_harness.registration("awsx:ecr:Repository", "data-flows").retain_on_delete is True


def test_repository_scans_on_push_and_keeps_the_last_images(pulumi_harness: PulumiHarness) -> None:
    """The ECR repository scans every push and expires all but the newest N images."""
    deploy(pulumi_harness, ecr_keep_images=7)
    repository = pulumi_harness.one("awsx:ecr:Repository")
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["forceDelete"] is True
    [rule] = repository.inputs["lifecyclePolicy"]["rules"]
    assert rule["maximumNumberOfImages"] == 7
    assert rule["tagStatus"] == "any"


def test_image_is_built_from_flows_for_the_platform(pulumi_harness: PulumiHarness) -> None:
    """The image builds from flows/ for the chosen platform and pushes to the stack's repository."""
    outputs = deploy(pulumi_harness, image_platform="linux/arm64")
    image = pulumi_harness.one("awsx:ecr:Image")
    assert image.inputs["context"] == "flows"
    assert image.inputs["platform"] == "linux/arm64"
    assert image.inputs["repositoryUrl"] == outputs["repository_url"]
    runtime = outputs["base_job_template"]["job_configuration"]["task_definition"]["runtimePlatform"]
    assert runtime["cpuArchitecture"] == "ARM64"


def test_template_uses_the_digest_pinned_image(pulumi_harness: PulumiHarness) -> None:
    """Flow runs get the image by digest, the URI awsx reports after the push."""
    outputs = deploy(pulumi_harness)
    assert "@sha256:" in outputs["image_uri"]
    assert template_defaults(outputs)["image"] == outputs["image_uri"]


def test_log_group_has_the_configured_retention(pulumi_harness: PulumiHarness) -> None:
    """The log group keeps logs for the configured number of days, and the template writes there."""
    outputs = deploy(pulumi_harness, log_retention_days=14)
    log_group = pulumi_harness.one("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs["retentionInDays"] == 14
    options = template_defaults(outputs)["cloudwatch_logs_options"]
    assert options == {
        "awslogs-group": outputs["log_group_name"],
        "awslogs-region": REGION,
        "awslogs-create-group": "false",
    }


def test_roles_trust_only_ecs_tasks(pulumi_harness: PulumiHarness) -> None:
    """Both created roles can be assumed by ecs-tasks of this account and nothing else."""
    deploy(pulumi_harness)
    roles = pulumi_harness.of_type("aws:iam/role:Role")
    assert {r.name for r in roles} == {"data-execution", "data-task"}
    for role in roles:
        [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_task_role_grants_nothing_by_default(pulumi_harness: PulumiHarness) -> None:
    """Flow code gets no AWS permission unless the stack grants one."""
    deploy(pulumi_harness)
    assert pulumi_harness.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    assert [p.name for p in pulumi_harness.of_type("aws:iam/rolePolicy:RolePolicy")] == ["data-execution"]


def test_task_role_gets_the_granted_policies(pulumi_harness: PulumiHarness) -> None:
    """Managed policies are attached and extra statements become an inline policy on the task role."""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/*"}
    deploy(
        pulumi_harness,
        task_role_policy_arns=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        task_role_statements=[statement],
    )
    [attachment] = pulumi_harness.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs == {"role": "data-task", "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
    inline = pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-task")
    assert policy(inline)["Statement"] == [statement]


def test_execution_role_policy_names_the_created_arns(pulumi_harness: PulumiHarness) -> None:
    """Image pull, logs and the key secret are granted on the stack's own repository, group and secret."""
    deploy(pulumi_harness)
    document = policy(pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-execution"))
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["PullFlowImage"]["Resource"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/data-flows"
    log_group = pulumi_harness.one("aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    assert statements["WriteFlowRunLogs"]["Resource"] == f"{log_group}:log-stream:*"
    secret = pulumi_harness.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert statements["ReadPrefectCredentials"]["Resource"] == [secret]


def test_push_user_gets_its_policy_as_a_managed_policy(pulumi_harness: PulumiHarness) -> None:
    """No inline user policy (2,048 characters at most): the managed policy is attached to the push user."""
    deploy(pulumi_harness)
    assert pulumi_harness.of_type("aws:iam/userPolicy:UserPolicy") == []
    attachment = pulumi_harness.one("aws:iam/userPolicyAttachment:UserPolicyAttachment")
    assert attachment.inputs["policyArn"] == pulumi_harness.one("aws:iam/policy:Policy").outputs["arn"]
    assert attachment.inputs["user"] == pulumi_harness.one("aws:iam/user:User").outputs["name"]


def test_push_user_policy_is_scoped_to_the_created_resources(pulumi_harness: PulumiHarness) -> None:
    """Every push-user statement names the stack's cluster, roles or group, except the wildcards AWS needs."""
    outputs = deploy(pulumi_harness)
    document = policy(pulumi_harness.one("aws:iam/policy:Policy"))
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if resources == ["*"]:
            assert statement["Sid"] in WILDCARD_STATEMENTS
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert (
        statements["RunThisPoolsTasksOnThisCluster"]["Condition"]["ArnEquals"]["ecs:cluster"] == outputs["cluster_arn"]
    )
    assert statements["PassOnlyTheFlowRunRoles"]["Resource"] == [
        outputs["execution_role_arn"],
        outputs["task_role_arn"],
    ]


def test_api_key_lives_only_in_secrets_manager(pulumi_harness: PulumiHarness) -> None:
    """The key is stored as a secret version; the template points at the secret, never the value."""
    outputs = deploy(pulumi_harness)
    version = pulumi_harness.one("aws:secretsmanager/secretVersion:SecretVersion")
    # The engine receives the value wrapped as a secret, so state stores it encrypted.
    assert version.inputs["secretString"] == {rpc._special_sig_key: rpc._special_secret_sig, "value": API_KEY}
    assert template_defaults(outputs)["prefect_api_key_secret_arn"] == outputs["prefect_api_key_secret_arn"]
    assert API_KEY not in json.dumps(outputs["base_job_template"])


def test_push_user_secret_key_is_a_secret_output(pulumi_harness: PulumiHarness) -> None:
    """The push user's secret access key is only ever exposed as a secret output."""
    outputs = deploy(pulumi_harness)
    assert outputs["push_access_key_id"] == "mocked-access-key-id"
    assert outputs["push_secret_is_secret"] is True


def test_new_private_vpc_uses_one_nat_gateway(pulumi_harness: PulumiHarness) -> None:
    """A private layout gets one NAT gateway, not awsx's one per zone, and tasks run without public IPs."""
    outputs = deploy(pulumi_harness)
    vpc = pulumi_harness.one("awsx:ec2:Vpc")
    assert vpc.inputs["natGateways"] == {"strategy": "Single"}
    assert [spec["type"] for spec in vpc.inputs["subnetSpecs"]] == ["Public", "Private"]
    assert vpc.inputs["enableDnsHostnames"] is True
    network = template_network(outputs)
    assert network == {
        "subnets": ["subnet-priv-a", "subnet-priv-b"],
        "securityGroups": ["sg-data-tasks"],
        "assignPublicIp": "DISABLED",
    }


def test_new_public_vpc_has_no_nat_and_public_ips(pulumi_harness: PulumiHarness) -> None:
    """A public layout has no NAT gateway, so tasks run in public subnets with a public IP."""
    outputs = deploy(pulumi_harness, subnet_layout="public")
    vpc = pulumi_harness.one("awsx:ec2:Vpc")
    assert vpc.inputs["natGateways"] == {"strategy": "None"}
    assert [spec["type"] for spec in vpc.inputs["subnetSpecs"]] == ["Public"]
    network = template_network(outputs)
    assert network["subnets"] == ["subnet-pub-a", "subnet-pub-b"]
    assert network["assignPublicIp"] == "ENABLED"


def test_security_group_has_no_ingress_and_open_egress(pulumi_harness: PulumiHarness) -> None:
    """Nothing can reach flow-run tasks; tasks can reach ECR and the Prefect API."""
    outputs = deploy(pulumi_harness)
    group = pulumi_harness.one("aws:ec2/securityGroup:SecurityGroup")
    assert group.inputs["vpcId"] == outputs["vpc_id"] == "vpc-0new"
    assert not group.inputs.get("ingress")
    [egress] = group.inputs["egress"]
    assert (egress["protocol"], egress["cidrBlocks"]) == ("-1", ["0.0.0.0/0"])


def test_brought_network_is_used_instead_of_created(pulumi_harness: PulumiHarness) -> None:
    """With vpc_id, subnets and groups, no VPC or security group is created and the template uses them."""
    outputs = deploy(
        pulumi_harness, vpc_id="vpc-mine", subnet_ids=["subnet-1", "subnet-2"], security_group_ids=["sg-mine"]
    )
    assert pulumi_harness.of_type("awsx:ec2:Vpc") == []
    assert pulumi_harness.of_type("aws:ec2/securityGroup:SecurityGroup") == []
    assert template_network(outputs) == {
        "subnets": ["subnet-1", "subnet-2"],
        "securityGroups": ["sg-mine"],
        "assignPublicIp": "DISABLED",
    }


def test_brought_vpc_without_groups_gets_a_created_group_in_it(pulumi_harness: PulumiHarness) -> None:
    """A brought VPC without security groups gets the no-ingress group, created in that VPC."""
    deploy(pulumi_harness, vpc_id="vpc-mine", subnet_ids=["subnet-1"])
    assert pulumi_harness.one("aws:ec2/securityGroup:SecurityGroup").inputs["vpcId"] == "vpc-mine"


def test_brought_cluster_and_roles_are_used_instead_of_created(pulumi_harness: PulumiHarness) -> None:
    """Brought cluster and roles replace the created ones everywhere: outputs, template, push policy."""
    cluster = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/shared"
    execution = f"arn:aws:iam::{ACCOUNT}:role/shared-execution"
    task = f"arn:aws:iam::{ACCOUNT}:role/shared-task"
    outputs = deploy(pulumi_harness, cluster_arn=cluster, execution_role_arn=execution, task_role_arn=task)
    assert pulumi_harness.of_type("aws:ecs/cluster:Cluster") == []
    assert pulumi_harness.of_type("aws:iam/role:Role") == []
    assert outputs["cluster_name"] == "shared"
    assert (template_defaults(outputs)["cluster"], outputs["execution_role_arn"]) == (cluster, execution)
    statements = {s["Sid"]: s for s in policy(pulumi_harness.one("aws:iam/policy:Policy"))["Statement"]}
    assert statements["PassOnlyTheFlowRunRoles"]["Resource"] == [execution, task]
    assert statements["ManageTasksOnThisCluster"]["Resource"] == f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/shared/*"


def test_prebuilt_image_skips_the_repository(pulumi_harness: PulumiHarness) -> None:
    """With image_uri, nothing is built and the execution role may pull only from that image's repository."""
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/team/flows@sha256:" + "b" * 64
    outputs = deploy(pulumi_harness, image_uri=image)
    assert pulumi_harness.of_type("awsx:ecr:Repository") == []
    assert pulumi_harness.of_type("awsx:ecr:Image") == []
    assert outputs["repository_url"] is None
    assert template_defaults(outputs)["image"] == image
    statements = {
        s["Sid"]: s
        for s in policy(pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-execution"))["Statement"]
    }
    assert statements["PullFlowImage"]["Resource"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team/flows"


def test_spot_and_size_reach_the_template(pulumi_harness: PulumiHarness) -> None:
    """Flow-run defaults (cpu, memory, Spot) are the template's defaults."""
    values = template_defaults(deploy(pulumi_harness, cpu=2048, memory=8192, use_fargate_spot=True))
    assert (values["cpu"], values["memory"], values["launch_type"]) == (2048, 8192, "FARGATE_SPOT")


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_every_taggable_resource_carries_the_tags(pulumi_harness: PulumiHarness, mode: str) -> None:
    """User tags (and where each resource came from) are on every resource that takes tags, in both modes."""
    deploy(pulumi_harness, mode=mode)
    types = {r.typ for r in pulumi_harness.resources}
    assert types <= TAGGABLE | UNTAGGABLE, f"classify new resource types: {types - TAGGABLE - UNTAGGABLE}"
    for resource in pulumi_harness.resources:
        if resource.typ in TAGGABLE:
            assert resource.inputs["tags"]["team"] == "data", resource.name
            assert resource.inputs["tags"]["prefect-ecs-platform"] == "data", resource.name


def test_every_child_is_parented_and_named_from_the_component(pulumi_harness: PulumiHarness) -> None:
    """Child names derive from the component name, so two components never collide."""
    deploy(pulumi_harness)
    assert all(r.name == "data" or r.name.startswith("data-") for r in pulumi_harness.resources)


def test_outputs_are_registered(pulumi_harness: PulumiHarness) -> None:
    """Every documented output resolves to a value."""
    outputs = deploy(pulumi_harness)
    for name in OUTPUTS:
        assert outputs[name] not in (None, "", []), name


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cpu": 256, "memory": 4096}, "memory"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"work_pool_name": "prefect-ecs"}, "work_pool_name"),
        ({"image_context": "flows", "image_uri": "x@sha256:1"}, "image_uri"),
        ({"mode": "ecs"}, "mode"),
        ({"permissions_boundary_arn": f"arn:aws:iam::{ACCOUNT}:role/boundary"}, "permissions_boundary_arn"),
        ({"permissions_boundary_arn": "ci-platform-boundary"}, "permissions_boundary_arn"),
    ],
)
def test_bad_input_registers_nothing(pulumi_harness: PulumiHarness, overrides: dict[str, Any], field: str) -> None:
    """Invalid args raise before any resource, the component included, is registered."""
    with pytest.raises(InvalidInputError) as raised:
        deploy(pulumi_harness, **overrides)
    assert field in {p.field for p in raised.value.problems}
    assert f"  - {field}: " in str(raised.value)
    assert pulumi_harness.resources == []


def test_pool_name_with_a_colon_still_gives_a_valid_log_stream_prefix(pulumi_harness: PulumiHarness) -> None:
    """Prefect allows `:` in a pool name; CloudWatch does not in a stream prefix, so the template gets a dash."""
    outputs = deploy(pulumi_harness, work_pool_name="ecs:dev")
    assert template_defaults(outputs)["cloudwatch_logs_prefix"] == "ecs-dev"


def _subnet_cidrs(harness: PulumiHarness) -> dict[str, list[str]]:
    return {spec["type"]: spec["cidrBlocks"] for spec in harness.one("awsx:ec2:Vpc").inputs["subnetSpecs"]}


@pytest.mark.parametrize(("layout", "zones"), [("private", 2), ("public", 3), ("private", 3)])
def test_public_subnet_cidrs_do_not_move_with_layout_or_zones(
    pulumi_harness: PulumiHarness, layout: str, zones: int
) -> None:
    """The new VPC gets explicit CIDRs: the first zones' public subnets are the public layout's, unchanged."""
    deploy(pulumi_harness, subnet_layout=layout, availability_zones=zones)
    cidrs = _subnet_cidrs(pulumi_harness)
    assert cidrs["Public"][:2] == ["10.0.0.0/20", "10.0.16.0/20"]
    assert len(cidrs["Public"]) == zones
    assert ("Private" in cidrs) == (layout == "private")


def test_vpc_block_is_an_output_so_a_change_shows_in_preview(pulumi_harness: PulumiHarness) -> None:
    """A created VPC's block is exported (a change shows in preview's outputs); a brought VPC has none."""
    outputs = deploy(pulumi_harness, vpc_cidr_block="10.8.0.0/16")
    assert outputs["vpc_cidr_block"] == "10.8.0.0/16"
    assert pulumi_harness.one("awsx:ec2:Vpc").inputs["cidrBlock"] == "10.8.0.0/16"


def test_brought_vpc_has_no_block_output(pulumi_harness: PulumiHarness) -> None:
    """The stack does not own a brought VPC's block."""
    outputs = deploy(pulumi_harness, vpc_id="vpc-mine", subnet_ids=["subnet-1"])
    assert outputs["vpc_cidr_block"] is None


def test_flow_run_tasks_carry_the_stacks_tags(pulumi_harness: PulumiHarness) -> None:
    """The template's labels, which prefect-aws puts on every flow-run task, are the stack's tags."""
    outputs = deploy(pulumi_harness)
    assert template_defaults(outputs)["labels"] == {
        "managed-by": "pulumi",
        "prefect-ecs-platform": "data",
        "team": "data",
    }


BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/ci-platform-boundary"


@pytest.mark.parametrize(
    "overrides",
    [{}, {"mode": "worker", "prefect_api_url": "http://prefect.internal:4200/api", "prefect_api_key": None}],
    ids=["push", "worker"],
)
def test_every_created_principal_carries_the_permissions_boundary(
    pulumi_harness: PulumiHarness, overrides: dict[str, Any]
) -> None:
    """CI's deploy role may create a role or user only with the boundary, so every one the stack creates has it."""
    deploy(pulumi_harness, permissions_boundary_arn=BOUNDARY, **overrides)
    principals = [*pulumi_harness.of_type("aws:iam/role:Role"), *pulumi_harness.of_type("aws:iam/user:User")]
    assert len(principals) >= 3
    assert {r.name: r.inputs.get("permissionsBoundary") for r in principals} == {r.name: BOUNDARY for r in principals}


def test_without_a_boundary_no_principal_gets_one(pulumi_harness: PulumiHarness) -> None:
    deploy(pulumi_harness)
    principals = [*pulumi_harness.of_type("aws:iam/role:Role"), *pulumi_harness.of_type("aws:iam/user:User")]
    assert [r.name for r in principals if "permissionsBoundary" in r.inputs] == []
