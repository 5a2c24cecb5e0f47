"""Hybrid mode under mocks: the ECS worker service, its crash-detection queue, and its permissions."""

from __future__ import annotations

import json
from typing import Any

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.aws.iam_policies import WILDCARD_STATEMENTS
from prefect_ecs_platform.aws.worker_service import OBSERVER_QUEUE_SETTING, worker_command
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, REGION, PulumiHarness, Recorded, RecordingMocks, mocked_pulumi
from tests.support.stack_changes import stack_changes

SERVER_URL = "https://prefect.internal.example/api"
API_KEY = "pnu_worker_unit_test_key"


def deploy(harness: PulumiHarness, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "prefect_api_key": API_KEY,
        "work_pool_name": "ecs-prod",
        "mode": "worker",
        "tags": {"team": "data"},
    }
    values.update(overrides)
    return deploy_platform(harness, PrefectEcsPlatformArgs(**values))


def container(harness: PulumiHarness) -> dict[str, Any]:
    [definition] = json.loads(
        harness.named("aws:ecs/taskDefinition:TaskDefinition", "data-worker").inputs["containerDefinitions"]
    )
    return definition


def test_worker_mode_creates_no_iam_user_or_keys(pulumi_harness: PulumiHarness) -> None:
    """The worker uses its task role, so no IAM user or access key exists."""
    out = deploy(pulumi_harness)
    assert pulumi_harness.of_type("aws:iam/user:User") == []
    assert pulumi_harness.of_type("aws:iam/accessKey:AccessKey") == []
    assert out["push_access_key_id"] is None


def test_worker_runs_prefect_worker_on_the_pool_with_healthcheck(pulumi_harness: PulumiHarness) -> None:
    """The container starts an ecs-type worker on the stack's pool, with its health endpoint on, never creating it.

    What the command does on a real server when the pool is gone: tests/moto/test_worker_process.py.
    """
    out = deploy(pulumi_harness, work_queue_names=["etl", "reports"])
    definition = container(pulumi_harness)
    assert definition["command"] == [
        "prefect", "worker", "start", "--pool", "ecs-prod", "--type", "ecs", "--with-healthcheck",
        "--no-create-pool-if-not-found", "--work-queue", "etl", "--work-queue", "reports",
    ]  # fmt: skip
    assert definition["image"] == out["image_uri"]
    assert "@sha256:" in definition["image"]
    assert "urlopen('http://127.0.0.1:8080/health'" in definition["healthCheck"]["command"][-1]


def test_api_key_reaches_the_worker_only_as_an_ecs_secret(pulumi_harness: PulumiHarness) -> None:
    """PREFECT_API_KEY comes from the Secrets Manager secret; the key is nowhere in the task definition."""
    out = deploy(pulumi_harness)
    definition = container(pulumi_harness)
    assert definition["secrets"] == [{"name": "PREFECT_API_KEY", "valueFrom": out["prefect_api_key_secret_arn"]}]
    assert "PREFECT_API_KEY" not in {e["name"] for e in definition["environment"]}
    assert API_KEY not in json.dumps(
        pulumi_harness.named("aws:ecs/taskDefinition:TaskDefinition", "data-worker").inputs
    )


def test_self_hosted_server_with_auth_string(pulumi_harness: PulumiHarness) -> None:
    """A self-hosted server's basic auth is a secret given as PREFECT_API_AUTH_STRING, to worker and flow runs."""
    out = deploy(pulumi_harness, prefect_api_url=SERVER_URL, prefect_api_key=None, prefect_api_auth_string="u:p")
    definition = container(pulumi_harness)
    assert definition["secrets"] == [
        {"name": "PREFECT_API_AUTH_STRING", "valueFrom": out["prefect_api_auth_string_secret_arn"]}
    ]
    assert {"name": "PREFECT_API_URL", "value": SERVER_URL} in definition["environment"]
    defaults = {k: v.get("default") for k, v in out["base_job_template"]["variables"]["properties"].items()}
    assert defaults["prefect_api_auth_string_secret_arn"] == out["prefect_api_auth_string_secret_arn"]
    assert defaults.get("prefect_api_key_secret_arn") is None
    execution = json.loads(pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-execution").inputs["policy"])
    reads = {s["Sid"]: s for s in execution["Statement"]}["ReadPrefectCredentials"]
    assert reads["Resource"] == [out["prefect_api_auth_string_secret_arn"]]


def test_self_hosted_server_without_auth_needs_no_secret(pulumi_harness: PulumiHarness) -> None:
    """An open self-hosted server gets no Secrets Manager secret and no secrets in the worker."""
    deploy(pulumi_harness, prefect_api_url=SERVER_URL, prefect_api_key=None)
    assert pulumi_harness.of_type("aws:secretsmanager/secret:Secret") == []
    assert container(pulumi_harness)["secrets"] == []


def test_worker_logs_go_to_the_component_log_group(pulumi_harness: PulumiHarness) -> None:
    """Worker logs land in the same group as flow runs, under their own prefix."""
    out = deploy(pulumi_harness)
    options = container(pulumi_harness)["logConfiguration"]["options"]
    assert (options["awslogs-group"], options["awslogs-stream-prefix"]) == (out["log_group_name"], "worker")


def test_service_rolls_back_failed_deployments_on_fargate(pulumi_harness: PulumiHarness) -> None:
    """A bad worker rollout is rolled back by the circuit breaker; the worker never runs on Spot."""
    out = deploy(pulumi_harness, use_fargate_spot=True)
    service = pulumi_harness.one("aws:ecs/service:Service")
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service.inputs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert "launchType" not in service.inputs
    assert service.inputs["cluster"] == out["cluster_arn"]
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is False
    assert out["worker_service_name"] == "data-worker"


def test_worker_opens_no_port(pulumi_harness: PulumiHarness) -> None:
    """The health check runs inside the container, so no port mapping or ingress rule exists."""
    deploy(pulumi_harness)
    assert "portMappings" not in container(pulumi_harness)
    [group] = pulumi_harness.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert not group.inputs.get("ingress")


def test_task_state_events_flow_from_this_cluster_to_the_queue(pulumi_harness: PulumiHarness) -> None:
    """EventBridge sends this cluster's task state changes to a queue with a dead-letter queue."""
    out = deploy(pulumi_harness)
    rule = pulumi_harness.one("aws:cloudwatch/eventRule:EventRule")
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {"clusterArn": [out["cluster_arn"]]},
    }
    target = pulumi_harness.one("aws:cloudwatch/eventTarget:EventTarget")
    queue = pulumi_harness.named("aws:sqs/queue:Queue", "data-task-events")
    dead_letters = pulumi_harness.named("aws:sqs/queue:Queue", "data-task-events-dlq")
    assert (target.inputs["rule"], target.inputs["arn"]) == (rule.outputs["name"], queue.outputs["arn"])
    assert json.loads(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": dead_letters.outputs["arn"],
        "maxReceiveCount": 3,
    }


def test_only_this_rule_may_send_to_the_queue(pulumi_harness: PulumiHarness) -> None:
    """The queue policy admits EventBridge only when the message comes from this stack's rule."""
    deploy(pulumi_harness)
    rule = pulumi_harness.one("aws:cloudwatch/eventRule:EventRule")
    [statement] = json.loads(pulumi_harness.one("aws:sqs/queuePolicy:QueuePolicy").inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule.outputs["arn"]}}


def test_worker_is_told_the_queue_name(pulumi_harness: PulumiHarness) -> None:
    """prefect-aws's observer finds the queue through its setting, so crash detection works."""
    out = deploy(pulumi_harness)
    environment = {e["name"]: e["value"] for e in container(pulumi_harness)["environment"]}
    assert environment[OBSERVER_QUEUE_SETTING] == out["events_queue_name"] == "data-task-events"
    assert environment["PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_ENABLED"] == "true"
    assert environment["PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_REGION"] == REGION


def test_worker_role_is_scoped_like_the_push_user_plus_its_queue(pulumi_harness: PulumiHarness) -> None:
    """The worker may run tasks on this cluster, pass the two flow roles, and consume only its queue."""
    out = deploy(pulumi_harness)
    document = json.loads(pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-worker").inputs["policy"])
    statements = {s["Sid"]: s for s in document["Statement"]}
    queue = pulumi_harness.named("aws:sqs/queue:Queue", "data-task-events")
    assert statements["ConsumeTaskStateEvents"]["Resource"] == queue.outputs["arn"]
    assert sorted(statements["ConsumeTaskStateEvents"]["Action"]) == [
        "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage",
    ]  # fmt: skip
    assert statements["PassOnlyTheFlowRunRoles"]["Resource"] == [out["execution_role_arn"], out["task_role_arn"]]
    for statement in document["Statement"]:
        if statement["Resource"] == "*":
            assert statement["Sid"] in WILDCARD_STATEMENTS
    task_definition = pulumi_harness.named("aws:ecs/taskDefinition:TaskDefinition", "data-worker")
    worker_role = pulumi_harness.named("aws:iam/role:Role", "data-worker")
    assert task_definition.inputs["taskRoleArn"] == worker_role.outputs["arn"]
    worker_execution = pulumi_harness.named("aws:iam/role:Role", "data-worker-execution")
    assert task_definition.inputs["executionRoleArn"] == worker_execution.outputs["arn"] != out["execution_role_arn"]


def _pulled_repositories(harness: PulumiHarness, policy_name: str) -> list[str]:
    document = json.loads(harness.named("aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    pull = [s for s in document["Statement"] if s.get("Sid") == "PullFlowImage"]
    return [s["Resource"] for s in pull]


WORKER_ECR_IMAGE = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/platform/prefect-worker@sha256:" + "d" * 64


def test_worker_image_from_another_repository_is_pulled_by_the_workers_role_only(
    pulumi_harness: PulumiHarness,
) -> None:
    """The worker's own execution role pulls its repository; flow runs gain no pull on it."""
    deploy(pulumi_harness, worker_image_uri=WORKER_ECR_IMAGE)
    worker_repo = f"arn:aws:ecr:{REGION}:123456789012:repository/platform/prefect-worker"
    assert _pulled_repositories(pulumi_harness, "data-worker-execution") == [worker_repo]
    [flow_repo] = _pulled_repositories(pulumi_harness, "data-execution")
    assert flow_repo.endswith(":repository/data-flows")


def test_worker_execution_role_reads_the_stacks_secrets_and_writes_its_logs(pulumi_harness: PulumiHarness) -> None:
    """The worker's tasks start with their own role: it reads the key's secret and writes the log group."""
    out = deploy(pulumi_harness)
    document = json.loads(
        pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-worker-execution").inputs["policy"]
    )
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["ReadPrefectCredentials"]["Resource"] == [out["prefect_api_key_secret_arn"]]
    assert statements["WriteFlowRunLogs"]["Resource"].endswith(":log-stream:*")


def test_brought_execution_role_does_not_serve_the_worker(pulumi_harness: PulumiHarness) -> None:
    """A brought flow-run execution role is for flow runs; the worker still gets one made for it."""
    brought = "arn:aws:iam::123456789012:role/flow-runs-execution"
    deploy(pulumi_harness, execution_role_arn=brought)
    task_definition = pulumi_harness.named("aws:ecs/taskDefinition:TaskDefinition", "data-worker")
    worker_execution = pulumi_harness.named("aws:iam/role:Role", "data-worker-execution")
    assert task_definition.inputs["executionRoleArn"] == worker_execution.outputs["arn"] != brought


def test_worker_template_has_no_credentials_block(pulumi_harness: PulumiHarness) -> None:
    """Flow runs submitted by the worker use the worker's role, not an access-key block."""
    out = deploy(pulumi_harness)
    assert "default" not in out["base_job_template"]["variables"]["properties"]["aws_credentials"]


def test_worker_image_can_be_overridden(pulumi_harness: PulumiHarness) -> None:
    """A separate worker image replaces the flow image for the worker only."""
    out = deploy(pulumi_harness, worker_image_uri="registry.example/prefect-worker@sha256:" + "c" * 64)
    assert container(pulumi_harness)["image"].startswith("registry.example/prefect-worker@")
    defaults = {k: v.get("default") for k, v in out["base_job_template"]["variables"]["properties"].items()}
    assert defaults["image"] == out["image_uri"]


def test_worker_command_without_queues_polls_the_whole_pool() -> None:
    """Without queue names the worker polls every queue of the pool."""
    assert "--work-queue" not in worker_command("ecs-prod", [])


def test_rollout_check_runs_after_every_create_and_update_of_the_service(pulumi_harness: PulumiHarness) -> None:
    """The engine calls the rollout check (tests/moto/test_worker_rollout.py) after the service changes.

    Before an update, a hook records the service's deployments, so the check can tell the update's own.
    """
    deploy(pulumi_harness)
    hooks = pulumi_harness.registration("aws:ecs/service:Service", "data-worker").hooks
    assert hooks == {
        "before_update": ("data-worker-rollout-baseline",),
        "after_create": ("data-worker-rollout",),
        "after_update": ("data-worker-rollout",),
    }


SERVICE = ("aws:ecs/service:Service", "data-worker")
API_KEY_VERSION = ("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-api-key")


def _run_with(**overrides: Any) -> list[Recorded]:
    with mocked_pulumi(RecordingMocks()) as harness:
        deploy(harness, **overrides)
        return list(harness.resources)


def test_a_new_api_key_redeploys_the_worker_and_changes_nothing_else() -> None:
    """Two runs that differ only in the key: the key's secret version, and the worker service's triggers.

    The worker reads the key by the secret's ARN, which stays; the new version id in the triggers, with
    `forceNewDeployment`, is what makes the update start tasks that read the new key (and the rollout check run:
    tests/moto/test_credential_rotation.py). The flow-run task definition, the pool and the deployments stay.
    """
    first, second = _run_with(prefect_api_key="pnu_first_key"), _run_with(prefect_api_key="pnu_second_key")
    assert stack_changes(first, second) == {API_KEY_VERSION: ["secretString"], SERVICE: ["triggers"]}
    versions = [{(r.typ, r.name): r for r in run}[API_KEY_VERSION].outputs["versionId"] for run in (first, second)]
    services = [{(r.typ, r.name): r for r in run}[SERVICE].inputs for run in (first, second)]
    assert [service["triggers"] for service in services] == [{"PREFECT_API_KEY": version} for version in versions]
    assert versions[0] != versions[1]
    assert all(service["forceNewDeployment"] is True for service in services)


def test_the_same_key_changes_nothing() -> None:
    """Guard for the test above: two runs with the same key leave every resource as it is."""
    assert stack_changes(_run_with(), _run_with()) == {}


def test_self_hosted_auth_string_is_a_trigger_too(pulumi_harness: PulumiHarness) -> None:
    """The auth string's secret version triggers the rollout the same way; an open server has no trigger."""
    deploy(pulumi_harness, prefect_api_url=SERVER_URL, prefect_api_key=None, prefect_api_auth_string="u:p")
    version = pulumi_harness.named("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-auth-string")
    assert pulumi_harness.one(SERVICE[0]).inputs["triggers"] == {
        "PREFECT_API_AUTH_STRING": version.outputs["versionId"]
    }


def test_on_a_brought_cluster_the_worker_needs_no_capacity_provider(pulumi_harness: PulumiHarness) -> None:
    """A brought cluster may have no FARGATE capacity provider associated: the service asks for the launch type."""
    brought = f"arn:aws:ecs:{REGION}:123456789012:cluster/shared"
    deploy(pulumi_harness, cluster_arn=brought)
    service = pulumi_harness.one(SERVICE[0])
    assert (service.inputs["cluster"], service.inputs["launchType"]) == (brought, "FARGATE")
    assert "capacityProviderStrategies" not in service.inputs


def test_the_worker_family_is_the_pools() -> None:
    """Stacks that share the component's name (every stack of __main__.py) get different worker families."""
    families = {
        pool: {(r.typ, r.name): r for r in _run_with(work_pool_name=pool)}[
            ("aws:ecs/taskDefinition:TaskDefinition", "data-worker")
        ].inputs["family"]
        for pool in ("ecs-dev", "ecs-prod")
    }
    assert families == {"ecs-dev": "prefect-worker_ecs-dev", "ecs-prod": "prefect-worker_ecs-prod"}
