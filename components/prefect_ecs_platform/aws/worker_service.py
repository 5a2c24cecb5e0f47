"""Hybrid mode: a Prefect ECS worker as an ECS service, and the task-state events it needs.

Matches prefect-aws's own CloudFormation service (`prefect_aws/templates/ecs/service.json`) and tightens it:
no ingress (the health check runs inside the container), a pinned image, IAM scoped to this cluster, these
two roles and this queue instead of `*`, EventBridge delivery only from this stack's rule, and
`PREFECT_API_AUTH_STRING` (the name Prefect reads) for self-hosted servers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.flow_image import brought_image
from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.aws.iam_policies import events_queue_policy, worker_role_policy
from prefect_ecs_platform.aws.iam_roles import create_execution_role, ecs_tasks_trust, execution_policy_json
from prefect_ecs_platform.aws.secrets import credential_secrets
from prefect_ecs_platform.aws.task_definitions import TaskDefinitionSpec, fargate_task_definition
from prefect_ecs_platform.aws.worker_rollout import rollout_hooks
from prefect_ecs_platform.inputs.api_access import PrefectApiAccess
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.flow_container import family_safe
from prefect_ecs_platform.inputs.work_queues import polled_queues

WORKER_CONTAINER_NAME = "prefect-worker"
#: Prefect's worker webserver port (PREFECT_WORKER_WEBSERVER_PORT's default), where /health answers.
WORKER_HEALTH_PORT = 8080
#: The setting prefect-aws reads for the task-state event queue's name.
OBSERVER_QUEUE_SETTING = "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME"


@dataclass(frozen=True)
class WorkerService:
    service_name: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    events_queue_url: pulumi.Output[str]
    events_queue_name: pulumi.Output[str]


def worker_command(work_pool_name: str, work_queue_names: list[str]) -> list[str]:
    """The worker's command line (exec form, so signals reach the worker and it shuts down cleanly).

    The pool is the stack's: a worker that finds it missing (deleted by `pulumi destroy` or by hand) must not
    create it again with prefect-aws's default template, which the next `pulumi up` would then refuse to adopt.
    """
    command = [
        "prefect", "worker", "start", "--pool", work_pool_name, "--type", "ecs", "--with-healthcheck",
        "--no-create-pool-if-not-found",
    ]  # fmt: skip
    for queue in work_queue_names:
        command += ["--work-queue", queue]
    return command


def worker_container(
    *,
    image: str,
    command: list[str],
    prefect_api_url: str,
    events_queue_name: str,
    log_group_name: str,
    region: str,
    secrets: list[dict[str, str]],
) -> dict[str, Any]:
    """The worker's container definition, as ECS takes it. Credentials only ever arrive as ECS `secrets`."""
    health_probe = (
        f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{WORKER_HEALTH_PORT}/health', timeout=5)"
    )
    return {
        "name": WORKER_CONTAINER_NAME,
        "image": image,
        "essential": True,
        "command": command,
        "environment": [
            {"name": "PREFECT_API_URL", "value": prefect_api_url},
            {"name": "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_ENABLED", "value": "true"},
            {"name": OBSERVER_QUEUE_SETTING, "value": events_queue_name},
            # The observer otherwise infers the region from its environment; the queue is in the stack's.
            {"name": "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_REGION", "value": region},
        ],
        "secrets": secrets,
        "healthCheck": {
            "command": ["CMD", "python", "-c", health_probe],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 60,
        },
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": "worker",
            },
        },
    }


def worker_family(work_pool_name: str) -> str:
    """The worker's task definition family: one per pool, as the flow runs' `prefect_<pool>` is.

    The component's name is the same in every stack of a project (`data` in `__main__.py`), so a family named
    after it would be shared by dev and prod in one account. `prefect-worker_` never begins a flow-run family
    (`prefect_`), so no pool's IAM scope for flow runs reaches the worker's task definition.
    """
    return f"prefect-worker_{family_safe(work_pool_name)}"


def task_state_event_pattern(cluster_arn: str) -> dict[str, Any]:
    """EventBridge pattern for this cluster's task state changes, the events prefect-aws's observer reads."""
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {"clusterArn": [cluster_arn]},
    }


def create_worker_service(
    name: str,
    args: PrefectEcsPlatformArgs,
    infrastructure: FlowRunInfrastructure,
    *,
    api: PrefectApiAccess,
    work_pool: pulumi.Resource,
    hook_auth: ProviderAuth,
    opts: pulumi.ResourceOptions,
) -> WorkerService:
    """The worker's service, roles and task-state event queue.

    The service starts its tasks on create, and they start flow runs: it waits for the infrastructure's
    `ready`. `work_pool` is the pool the worker polls: the service is created after it and deleted before it,
    so no worker runs while the pool is missing.
    """
    cluster_arn = infrastructure.cluster.arn
    log_group = infrastructure.log_group
    credentials = infrastructure.credentials
    network = infrastructure.network
    tags = infrastructure.tags
    dead_letters = aws.sqs.Queue(
        f"{name}-task-events-dlq", message_retention_seconds=14 * 24 * 3600, tags=tags, opts=opts
    )
    queue = aws.sqs.Queue(
        f"{name}-task-events",
        message_retention_seconds=7 * 24 * 3600,
        visibility_timeout_seconds=300,
        redrive_policy=dead_letters.arn.apply(
            lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})
        ),
        # EventBridge can deliver to an SSE-SQS queue without a KMS key policy.
        sqs_managed_sse_enabled=True,
        tags=tags,
        opts=opts,
    )
    rule = aws.cloudwatch.EventRule(
        f"{name}-task-events",
        description="ECS task state changes of this cluster, for the Prefect worker's crash detection",
        event_pattern=cluster_arn.apply(lambda arn: json.dumps(task_state_event_pattern(arn))),
        tags=tags,
        opts=opts,
    )
    queue_policy = aws.sqs.QueuePolicy(
        f"{name}-task-events",
        queue_url=queue.url,
        policy=pulumi.Output.all(queue.arn, rule.arn).apply(
            lambda v: json.dumps(events_queue_policy(queue_arn=v[0], rule_arn=v[1]))
        ),
        opts=opts,
    )
    aws.cloudwatch.EventTarget(
        f"{name}-task-events",
        rule=rule.name,
        arn=queue.arn,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[queue_policy])),
    )

    trust = ecs_tasks_trust(infrastructure.account_id)
    worker_role = aws.iam.Role(
        f"{name}-worker",
        description="The Prefect ECS worker: runs flow-run tasks on this cluster, reads its task events",
        assume_role_policy=trust,
        permissions_boundary=args.permissions_boundary_arn,
        tags=tags,
        opts=opts,
    )
    worker_policy = aws.iam.RolePolicy(
        f"{name}-worker",
        role=worker_role.id,
        policy=pulumi.Output.all(
            cluster_arn,
            infrastructure.roles.execution_role_arn,
            infrastructure.roles.task_role_arn,
            log_group.arn,
            queue.arn,
        ).apply(
            lambda v: json.dumps(
                worker_role_policy(
                    cluster_arn=v[0],
                    execution_role_arn=v[1],
                    task_role_arn=v[2],
                    log_group_arn=v[3],
                    events_queue_arn=v[4],
                    work_pool_name=args.work_pool_name,
                    runs_may_register=args.prefect_registers_task_definitions,
                ),
                sort_keys=True,
            )
        ),
        opts=opts,
    )

    # Its own execution role: a worker image from another repository must not widen what flow runs may pull,
    # and a brought flow-run execution role is not assumed to fit the worker.
    image = (
        brought_image(args.worker_image_uri, infrastructure.partition)
        if args.worker_image_uri is not None
        else infrastructure.image
    )
    execution_role = create_execution_role(
        f"{name}-worker-execution",
        description="ECS starts the Prefect worker's tasks with this role: image pull, logs, Prefect credentials",
        trust=trust,
        policy=execution_policy_json(
            repository_arn=image.repository_arn, log_group_arn=log_group.arn, secret_arns=credentials.arns
        ),
        permissions_boundary=args.permissions_boundary_arn,
        tags=tags,
        opts=opts,
    )
    container = pulumi.Output.all(
        image.image_uri,
        queue.name,
        log_group.name,
        infrastructure.region,
        credentials.api_key_arn,
        credentials.auth_string_arn,
        api.url,
    ).apply(
        lambda v: worker_container(
            image=v[0],
            command=worker_command(args.work_pool_name, polled_queues(args)),
            prefect_api_url=v[6],
            events_queue_name=v[1],
            log_group_name=v[2],
            region=v[3],
            secrets=credential_secrets(v[4], v[5]),
        )
    )
    spec = TaskDefinitionSpec(
        family=worker_family(args.work_pool_name),
        cpu=args.worker_cpu,
        memory=args.worker_memory,
        execution_role_arn=execution_role.arn,
        task_role_arn=worker_role.arn,
        container=container,
    )
    task_definition = fargate_task_definition(f"{name}-worker", spec, infrastructure, opts)
    brought_cluster = args.cluster_arn is not None
    # Registered before the service so the engine knows them when the service's update starts and ends.
    rollout_baseline, check_rollout = rollout_hooks(f"{name}-worker", WORKER_CONTAINER_NAME, hook_auth)
    service = aws.ecs.Service(
        f"{name}-worker",
        cluster=cluster_arn,
        task_definition=task_definition.arn,
        desired_count=args.worker_count,
        # The worker is long-lived and must not be interrupted: on-demand Fargate, whatever flow runs use. ECS
        # refuses a strategy naming a capacity provider the cluster has not associated, which a brought cluster
        # may not have; the launch type needs none. A created cluster keeps its strategy (a switch replaces).
        launch_type="FARGATE" if brought_cluster else None,
        capacity_provider_strategies=None
        if brought_cluster
        else [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)],
        # A new API key or auth string is a new version of the same secret ARN: the task definition stays the
        # same, so only these triggers make ECS start tasks that read the new value (and the rollout check run).
        force_new_deployment=True,
        triggers=credentials.version_ids or None,
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=network.subnet_ids,
            security_groups=network.security_group_ids,
            assign_public_ip=network.assign_public_ip,
        ),
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
        deployment_minimum_healthy_percent=100,
        deployment_maximum_percent=200,
        propagate_tags="SERVICE",
        enable_ecs_managed_tags=True,
        tags=tags,
        # Its tasks start on create: they must pull, log and read secrets at once, act and read events from
        # the first poll, and the flow runs they start must find the cluster and their roles ready.
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                depends_on=[execution_role.policy, worker_policy, *infrastructure.ready, *api.ready, work_pool],
                hooks=pulumi.ResourceHookBinding(
                    before_update=[rollout_baseline],
                    after_create=[check_rollout],
                    after_update=[check_rollout],
                ),
            ),
        ),
    )
    return WorkerService(
        service_name=service.name,
        task_role_arn=worker_role.arn,
        execution_role_arn=execution_role.arn,
        events_queue_url=queue.url,
        events_queue_name=queue.name,
    )
