"""`PrefectEcsPlatform`: the component that composes the parts: validated inputs, the AWS half, the Prefect half."""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.cluster import create_cluster
from prefect_ecs_platform.aws.flow_image import create_flow_image
from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.flow_task_definition import create_flow_task_definition
from prefect_ecs_platform.aws.hook_session import inherited_aws_provider, provider_auth
from prefect_ecs_platform.aws.hosted_server import HostedServer, create_hosted_server, create_server_auth_string
from prefect_ecs_platform.aws.iam_roles import (
    create_flow_run_roles,
    create_push_user,
    execution_policy_json,
    run_flows_policy_json,
)
from prefect_ecs_platform.aws.logs import create_log_group
from prefect_ecs_platform.aws.network import create_network
from prefect_ecs_platform.aws.secrets import create_prefect_credentials
from prefect_ecs_platform.aws.server_container import SERVER_CONTAINER_NAME, SERVER_LOG_STREAM_PREFIX
from prefect_ecs_platform.aws.task_drain import alias_names, register_drain_hooks
from prefect_ecs_platform.aws.worker_service import create_worker_service
from prefect_ecs_platform.inputs.api_access import PrefectApiAccess
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.args_validation import args_problems
from prefect_ecs_platform.inputs.flow_container import flow_log_stream_prefix
from prefect_ecs_platform.inputs.problems import raise_if_any
from prefect_ecs_platform.inputs.server_validation import hosts_server
from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template
from prefect_ecs_platform.resources.platform_objects import (
    AccessKey,
    FlowRunSetup,
    create_credentials_block,
    create_prefect_objects,
)
from prefect_ecs_platform.resources.server_ready import ServerReady

TYPE_TOKEN = "prefect-ecs-platform:index:PrefectEcsPlatform"

#: The component's outputs, registered on it and exported by the stack program.
OUTPUT_NAMES = (
    "cluster_arn",
    "cluster_name",
    "repository_url",
    "image_uri",
    "execution_role_arn",
    "task_role_arn",
    "log_group_name",
    "vpc_id",
    "vpc_cidr_block",
    "subnet_ids",
    "security_group_ids",
    "prefect_api_key_secret_arn",
    "prefect_api_auth_string_secret_arn",
    "base_job_template",
    "push_access_key_id",
    "push_secret_access_key",
    "worker_service_name",
    "events_queue_name",
    "work_pool_name",
    "deployment_ids",
    "prefect_api_url",
    "prefect_ui_url",
    "prefect_server_service_name",
    "database_identifier",
    "database_final_snapshot",
)


def resource_tags(name: str, user_tags: dict[str, str]) -> dict[str, str]:
    """Tags for every taggable child: where it came from, then the user's (which win)."""
    return {"managed-by": "pulumi", "prefect-ecs-platform": name, **user_tags}


class PrefectEcsPlatform(pulumi.ComponentResource):
    """A Prefect 3 platform on AWS ECS Fargate: network, cluster, flow image, IAM, logs, job template."""

    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    repository_url: pulumi.Output[str | None]
    image_uri: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    vpc_id: pulumi.Output[str]
    #: The created VPC's block, None for a brought VPC: a change shows in `pulumi preview`'s outputs, beside the
    #: replacement of the VPC and everything in it.
    vpc_cidr_block: pulumi.Output[str | None]
    subnet_ids: pulumi.Output[list[str]]
    security_group_ids: pulumi.Output[list[str]]
    prefect_api_key_secret_arn: pulumi.Output[str | None]
    base_job_template: pulumi.Output[dict[str, Any]]
    push_access_key_id: pulumi.Output[str | None]
    push_secret_access_key: pulumi.Output[str | None]
    prefect_api_auth_string_secret_arn: pulumi.Output[str | None]
    worker_service_name: pulumi.Output[str | None]
    events_queue_name: pulumi.Output[str | None]
    work_pool_name: pulumi.Output[str]
    deployment_ids: pulumi.Output[dict[str, str]]
    #: The API the stack's Prefect objects use: the given URL, or the hosted server's public endpoint.
    prefect_api_url: pulumi.Output[str]
    #: The hosted server's UI (None without one).
    prefect_ui_url: pulumi.Output[str | None]
    prefect_server_service_name: pulumi.Output[str | None]
    #: The hosted server's RDS instance, and the snapshot RDS takes when it deletes it (None: none is taken).
    database_identifier: pulumi.Output[str | None]
    database_final_snapshot: pulumi.Output[str | None]

    def __init__(self, name: str, args: PrefectEcsPlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Before registering anything, so bad input leaves nothing behind, not even this component.
        raise_if_any(args_problems(name, args))
        if args.work_queue_names:
            pulumi.log.warn(
                "work_queue_names (stack key workQueueNames) is deprecated: list the queues in work_queues "
                "(workQueues), with a priority and a concurrency limit if they need one"
            )
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # The hooks call AWS as the provider the children are created with, and the drain hook is registered in
        # every configuration under every name the stack's state can hold (aws/task_drain.py).
        hook_auth = provider_auth(inherited_aws_provider(self))
        drain = register_drain_hooks(name, alias_names(opts.aliases if opts else None), hook_auth)
        hosting = hosts_server(args)
        if hosting:
            # Generated once and kept (a secret) in state; stored like a given auth string, so the server, the
            # worker and the flow runs all read the one Secrets Manager secret.
            args = dataclasses.replace(args, prefect_api_auth_string=create_server_auth_string(name, child))
        # Whatever starts a flow-run task (the worker service, the pool, a deployment) waits for its `ready`.
        infrastructure = _flow_run_infrastructure(name, args, self, drain)
        cluster, network, roles = infrastructure.cluster, infrastructure.network, infrastructure.roles
        image, log_group, credentials = infrastructure.image, infrastructure.log_group, infrastructure.credentials

        task_definition_arn: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if not args.prefect_registers_task_definitions:
            task_definition_arn = create_flow_task_definition(name, args, infrastructure, child).arn

        server = create_hosted_server(name, args, infrastructure, hook_auth=hook_auth, opts=child) if hosting else None
        api = (
            _hosted_api(name, server, args.prefect_api_auth_string, log_group.name, child)
            if server
            else PrefectApiAccess.given(args)
        )
        access_key_id, secret_access_key, credentials_block_id = _push_credentials(
            name, args, api, infrastructure, child
        )

        self.cluster_arn = cluster.arn
        self.cluster_name = cluster.name
        self.repository_url = image.repository_url
        self.image_uri = image.image_uri
        self.execution_role_arn = roles.execution_role_arn
        self.task_role_arn = roles.task_role_arn
        self.log_group_name = log_group.name
        self.vpc_id = network.vpc_id
        self.vpc_cidr_block = network.cidr_block
        self.subnet_ids = network.subnet_ids
        self.security_group_ids = network.security_group_ids
        self.prefect_api_key_secret_arn = credentials.api_key_arn
        self.push_access_key_id = access_key_id
        self.push_secret_access_key = secret_access_key
        self.prefect_api_auth_string_secret_arn = credentials.auth_string_arn
        self.base_job_template = _base_job_template(
            args,
            infrastructure,
            aws_credentials_block_id=credentials_block_id,
            task_definition_arn=task_definition_arn,
        )
        prefect = create_prefect_objects(
            name,
            args,
            api=api,
            runs=FlowRunSetup(
                base_job_template=self.base_job_template,
                image_uri=image.image_uri,
                task_definition_arn=task_definition_arn,
                ready=infrastructure.ready,
            ),
            opts=child,
        )
        self.work_pool_name = prefect.work_pool_name
        self.deployment_ids = prefect.deployment_ids

        # After the Prefect objects: the worker service is created after the pool and deleted before it.
        worker_service_name: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        events_queue_name: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if args.mode == "worker":
            # Inside the VPC the worker (and the flow runs it starts) reach a hosted server by its load balancer.
            worker_api = dataclasses.replace(api, url=server.api_url) if server else api
            worker = create_worker_service(
                name, args, infrastructure, api=worker_api, work_pool=prefect.work_pool, hook_auth=hook_auth, opts=child
            )
            worker_service_name, events_queue_name = worker.service_name, worker.events_queue_name

        self.worker_service_name = worker_service_name
        self.events_queue_name = events_queue_name
        self.prefect_api_url = pulumi.Output.from_input(api.url)
        (
            self.prefect_ui_url,
            self.prefect_server_service_name,
            self.database_identifier,
            self.database_final_snapshot,
        ) = _server_outputs(server)
        self.register_outputs({output: getattr(self, output) for output in OUTPUT_NAMES})


def _server_outputs(server: HostedServer | None) -> tuple[pulumi.Output[str | None], ...]:
    """The hosted server's outputs (its UI, its service, its database and final snapshot), None without one."""
    if server is None:
        none: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        return none, none, none, none
    return server.public_url, server.service_name, server.database_identifier, server.final_snapshot_name


def _hosted_api(
    name: str,
    server: HostedServer,
    auth_string: pulumi.Input[str] | None,
    log_group_name: pulumi.Output[str],
    opts: pulumi.ResourceOptions,
) -> PrefectApiAccess:
    """The hosted server's API as the Prefect objects reach it (its public endpoint, from wherever `pulumi up`
    runs), ready once it answers `/api/ready` there.

    The service's rollout check sees the server behind its load balancer, not through the endpoint the objects
    call, so without this wait a first `pulumi up` could reach the pool before that endpoint answers.
    """
    api = PrefectApiAccess(url=server.public_api_url, auth_string=auth_string, auth_string_from_stack=True)
    stream_prefix = f"{SERVER_LOG_STREAM_PREFIX}/{SERVER_CONTAINER_NAME}/"
    answered = ServerReady(
        f"{name}-server-ready",
        api_url=api.url,
        log_hint=log_group_name.apply(
            lambda group: (
                f"CloudWatch log group {group}, streams {stream_prefix}<task id> "
                f"(`aws logs tail {group} --log-stream-name-prefix {stream_prefix} --since 1h`)"
            )
        ),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=server.ready)),
    )
    return dataclasses.replace(api, ready=(*server.ready, answered))


def _flow_run_infrastructure(
    name: str, args: PrefectEcsPlatformArgs, component: pulumi.ComponentResource, drain: pulumi.ResourceHook
) -> FlowRunInfrastructure:
    """The AWS resources flow runs (and the worker, and a hosted server) run on, as one bundle."""
    child = pulumi.ResourceOptions(parent=component)
    tags = resource_tags(name, dict(args.tags))
    invoke = pulumi.InvokeOutputOptions(parent=component)
    identity = aws.get_caller_identity_output(opts=invoke)
    region = aws.get_region_output(opts=invoke).region
    partition = aws.get_partition_output(opts=invoke).partition

    network = create_network(name, args, tags, child, drain=drain)
    cluster = create_cluster(
        name, args, network_held_by_tasks=network.held_by_tasks, drain=drain, tags=tags, opts=child
    )
    image = create_flow_image(name, args, partition=partition, tags=tags, opts=child)
    log_group = create_log_group(name, args, tags, child)

    credentials = create_prefect_credentials(name, args, tags=tags, opts=child)
    cpu_architecture = "ARM64" if args.image_platform == "linux/arm64" else "X86_64"
    roles = create_flow_run_roles(
        name,
        args,
        account_id=identity.account_id,
        execution_policy=execution_policy_json(
            repository_arn=image.repository_arn, log_group_arn=log_group.arn, secret_arns=credentials.arns
        ),
        tags=tags,
        opts=child,
    )
    return FlowRunInfrastructure(
        cluster=cluster,
        network=network,
        roles=roles,
        log_group=log_group,
        image=image,
        credentials=credentials,
        region=region,
        partition=partition,
        account_id=identity.account_id,
        cpu_architecture=cpu_architecture,
        tags=tags,
    )


def _base_job_template(
    args: PrefectEcsPlatformArgs,
    infrastructure: FlowRunInfrastructure,
    *,
    aws_credentials_block_id: pulumi.Output[str | None],
    task_definition_arn: pulumi.Output[str | None],
) -> pulumi.Output[dict[str, Any]]:
    """The pool's template, once every AWS value it names is known."""
    network, roles, credentials = infrastructure.network, infrastructure.roles, infrastructure.credentials
    return pulumi.Output.all(
        cluster_arn=infrastructure.cluster.arn,
        subnet_ids=network.subnet_ids,
        security_group_ids=network.security_group_ids,
        execution_role_arn=roles.execution_role_arn,
        task_role_arn=roles.task_role_arn,
        image_uri=infrastructure.image.image_uri,
        log_group_name=infrastructure.log_group.name,
        region=infrastructure.region,
        prefect_api_key_secret_arn=credentials.api_key_arn,
        prefect_api_auth_string_secret_arn=credentials.auth_string_arn,
        aws_credentials_block_id=aws_credentials_block_id,
        task_definition_arn=task_definition_arn,
    ).apply(
        lambda resolved: build_base_job_template(
            JobTemplateSettings(
                **resolved,
                assign_public_ip=network.assign_public_ip,
                cpu=args.cpu,
                memory=args.memory,
                use_fargate_spot=args.use_fargate_spot,
                cpu_architecture=infrastructure.cpu_architecture,
                log_stream_prefix=flow_log_stream_prefix(args.work_pool_name),
                # prefect-aws tags each flow-run task (and task definition) with the template's labels.
                labels=infrastructure.tags,
            )
        )
    )


def _push_credentials(
    name: str,
    args: PrefectEcsPlatformArgs,
    api: PrefectApiAccess,
    infrastructure: FlowRunInfrastructure,
    opts: pulumi.ResourceOptions,
) -> tuple[pulumi.Output[str | None], pulumi.Output[str | None], pulumi.Output[str | None]]:
    """Push mode's IAM user and the credentials block holding its key: (key id, secret key, block id)."""
    if args.mode != "push":
        none: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        return none, none, none
    user = create_push_user(
        name,
        policy=run_flows_policy_json(
            work_pool_name=args.work_pool_name,
            cluster_arn=infrastructure.cluster.arn,
            roles=infrastructure.roles,
            runs_use_the_stacks_task_definition=not args.prefect_registers_task_definitions,
        ),
        permissions_boundary=args.permissions_boundary_arn,
        tags=infrastructure.tags,
        opts=opts,
    )
    block = create_credentials_block(
        name,
        args,
        api=api,
        key=AccessKey(user.access_key_id, user.secret_access_key, ready=[user.policy]),
        region=infrastructure.region,
        opts=opts,
    )
    return user.access_key_id, user.secret_access_key, block.id


def keep_delete_hooks(*component_names: str, provider: pulumi.ProviderResource | None = None) -> None:
    """Register the delete hooks of components removed from the program, for the `pulumi up` that deletes them.

    The engine runs a deleted resource's hooks by the names in its state and fails the update when the program
    registers none of that name; a removed `PrefectEcsPlatform("data", ...)` leaves `data-drain-tasks` in its
    resources' state. Pass the names the removed components had, and `provider` if they were given an explicit
    AWS provider; keep the call until the update that deletes them has succeeded.
    """
    auth = provider_auth(provider)
    for component_name in component_names:
        register_drain_hooks(component_name, (), auth)
