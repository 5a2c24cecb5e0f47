"""The hosted server's ECS service behind an internal Application Load Balancer.

One task, always: the service stops the old task before it starts the new one (minimum healthy 0, maximum
100), so exactly one server runs each upgrade's migrations. Like the worker's service, a failed rollout is
rolled back by the circuit breaker and reported by the rollout check, and a new auth string is a new secret
version that only the service's triggers notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.aws.iam_roles import create_execution_role, ecs_tasks_trust, execution_policy_json
from prefect_ecs_platform.aws.server_container import (
    SERVER_CONTAINER_NAME,
    SERVER_PORT,
    ServerContainerSettings,
    server_container,
)
from prefect_ecs_platform.aws.server_database import ServerDatabase
from prefect_ecs_platform.aws.server_endpoint import EndpointOrigin, ServerEndpoint, create_server_endpoint
from prefect_ecs_platform.aws.server_network import LISTENER_PORT, ServerNetwork
from prefect_ecs_platform.aws.task_definitions import TaskDefinitionSpec, fargate_task_definition
from prefect_ecs_platform.aws.worker_rollout import rollout_hooks
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.flow_container import family_safe
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs

#: The load balancer's readiness check: 200 only while the server reaches its database (Prefect's /ready), so
#: traffic goes to a server that can serve it; the container's own check (/api/health) says only that it lives.
READY_PATH = "/api/ready"
#: How long the load balancer's verdict is ignored after a task starts: a first start or an upgrade migrates the
#: database before the API answers.
HEALTH_CHECK_GRACE_SECONDS = 600
#: The variable the server reads the auth string as; the worker and flow runs read the same secret as
#: PREFECT_API_AUTH_STRING, the key its version id is filed under.
AUTH_STRING_VARIABLE = "PREFECT_API_AUTH_STRING"


@dataclass(frozen=True)
class ServerService:
    service: aws.ecs.Service
    service_name: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    endpoint: ServerEndpoint


@dataclass(frozen=True)
class ServerPlacement:
    """Where the server runs and what it talks to."""

    network: ServerNetwork
    database: ServerDatabase


def server_family(work_pool_name: str) -> str:
    """The server's task definition family, one per pool as the worker's is (the component's name is not)."""
    return f"prefect-server_{family_safe(work_pool_name)}"


def _load_balancer(
    name: str, infrastructure: FlowRunInfrastructure, network: ServerNetwork, opts: pulumi.ResourceOptions
) -> tuple[aws.lb.LoadBalancer, aws.lb.TargetGroup, aws.lb.Listener]:
    tags = infrastructure.tags
    balancer = aws.lb.LoadBalancer(
        f"{name}-server",
        internal=True,
        load_balancer_type="application",
        subnets=network.load_balancer_subnet_ids,
        security_groups=[network.load_balancer_security_group_id],
        drop_invalid_header_fields=True,
        tags=tags,
        opts=opts,
    )
    targets = aws.lb.TargetGroup(
        f"{name}-server",
        port=SERVER_PORT,
        protocol="HTTP",
        target_type="ip",
        vpc_id=infrastructure.network.vpc_id,
        # /api/ready answers without the auth string, as /api/health does.
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            path=READY_PATH, port="traffic-port", matcher="200", interval=30, timeout=5
        ),
        # One task at a time: the old one has stopped taking requests by the time ECS stops it.
        deregistration_delay=30,
        tags=tags,
        opts=opts,
    )
    listener = aws.lb.Listener(
        f"{name}-server",
        load_balancer_arn=balancer.arn,
        port=LISTENER_PORT,
        protocol="HTTP",
        default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=targets.arn)],
        tags=tags,
        opts=opts,
    )
    return balancer, targets, listener


def _task_definition(
    name: str,
    args: PrefectEcsPlatformArgs,
    infrastructure: FlowRunInfrastructure,
    database: ServerDatabase,
    public_url: pulumi.Output[str],
    opts: pulumi.ResourceOptions,
) -> tuple[aws.ecs.TaskDefinition, aws.iam.RolePolicy]:
    """The server's task definition and its execution role's policy (what ECS needs to start it)."""
    server = args.prefect_server or PrefectServerArgs(enabled=True)
    credentials = infrastructure.credentials
    trust = ecs_tasks_trust(infrastructure.account_id)
    execution_role = create_execution_role(
        f"{name}-server-execution",
        description="ECS starts the Prefect server's task with this role: image pull, logs, database and auth secrets",
        trust=trust,
        policy=execution_policy_json(
            repository_arn=infrastructure.image.repository_arn,
            log_group_arn=infrastructure.log_group.arn,
            secret_arns=pulumi.Output.all(database.secret_arn, credentials.auth_string_arn).apply(
                lambda arns: [arn for arn in arns if arn]
            ),
        ),
        permissions_boundary=args.permissions_boundary_arn,
        tags=infrastructure.tags,
        opts=opts,
    )
    # The server calls no AWS API: its task role may do nothing.
    task_role = aws.iam.Role(
        f"{name}-server-task",
        description="The Prefect server's task: no AWS permissions",
        assume_role_policy=trust,
        permissions_boundary=args.permissions_boundary_arn,
        tags=infrastructure.tags,
        opts=opts,
    )
    container = pulumi.Output.all(
        infrastructure.image.image_uri,
        database.address,
        database.secret_arn,
        credentials.auth_string_arn,
        infrastructure.log_group.name,
        infrastructure.region,
        public_url,
    ).apply(
        lambda v: server_container(
            ServerContainerSettings(
                image=v[0],
                database_host=v[1],
                database_secret_arn=v[2],
                auth_string_secret_arn=v[3],
                log_group_name=v[4],
                region=v[5],
                public_url=v[6],
            )
        )
    )
    spec = TaskDefinitionSpec(
        family=server_family(args.work_pool_name),
        cpu=server.cpu,
        memory=server.memory,
        execution_role_arn=execution_role.arn,
        task_role_arn=task_role.arn,
        container=container,
    )
    return fargate_task_definition(f"{name}-server", spec, infrastructure, opts), execution_role.policy


def create_server_service(
    name: str,
    args: PrefectEcsPlatformArgs,
    infrastructure: FlowRunInfrastructure,
    placement: ServerPlacement,
    *,
    hook_auth: ProviderAuth,
    opts: pulumi.ResourceOptions,
) -> ServerService:
    """The server's roles, task definition, load balancer and service."""
    network, database = placement.network, placement.database
    credentials = infrastructure.credentials
    balancer, targets, listener = _load_balancer(name, infrastructure, network, opts)
    endpoint = create_server_endpoint(
        name,
        EndpointOrigin(
            load_balancer=balancer,
            load_balancer_security_group_id=network.load_balancer_security_group_id,
            vpc_id=infrastructure.network.vpc_id,
            partition=infrastructure.partition,
        ),
        infrastructure.tags,
        opts,
    )
    # The server writes the public URLs into the UI it serves, so its task waits for the distribution's name.
    task_definition, execution_policy = _task_definition(
        name, args, infrastructure, database, endpoint.public_url, opts
    )
    auth_version = credentials.version_ids.get(AUTH_STRING_VARIABLE)
    brought_cluster = args.cluster_arn is not None
    # Registered before the service so the engine knows them when the service's update starts and ends.
    rollout_baseline, check_rollout = rollout_hooks(f"{name}-server", SERVER_CONTAINER_NAME, hook_auth)
    service = aws.ecs.Service(
        f"{name}-server",
        cluster=infrastructure.cluster.arn,
        task_definition=task_definition.arn,
        desired_count=1,
        # On-demand Fargate, never Spot: see the worker's service for why a brought cluster gets a launch type.
        launch_type="FARGATE" if brought_cluster else None,
        capacity_provider_strategies=None
        if brought_cluster
        else [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)],
        # A new auth string keeps its secret's ARN, so only this trigger starts a task that reads it.
        force_new_deployment=True,
        triggers={"PREFECT_SERVER_API_AUTH_STRING": auth_version} if auth_version is not None else None,
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=network.server_subnet_ids,
            security_groups=[network.server_security_group_id],
            assign_public_ip=infrastructure.network.assign_public_ip,
        ),
        load_balancers=[
            aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=targets.arn, container_name=SERVER_CONTAINER_NAME, container_port=SERVER_PORT
            )
        ],
        health_check_grace_period_seconds=HEALTH_CHECK_GRACE_SECONDS,
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
        # Two servers at once would race each other's migrations.
        deployment_minimum_healthy_percent=0,
        deployment_maximum_percent=100,
        propagate_tags="SERVICE",
        enable_ecs_managed_tags=True,
        tags=infrastructure.tags,
        # The task starts on create: it must pull, log, read both secrets, reach its database, and be
        # registered with a listener that forwards to it.
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                depends_on=[
                    execution_policy,
                    database.instance,
                    listener,
                    *network.ready,
                    *infrastructure.cluster.ready,
                    *credentials.values,
                ],
                hooks=pulumi.ResourceHookBinding(
                    before_update=[rollout_baseline],
                    after_create=[check_rollout],
                    after_update=[check_rollout],
                ),
            ),
        ),
    )
    return ServerService(
        service=service, service_name=service.name, load_balancer_dns_name=balancer.dns_name, endpoint=endpoint
    )
