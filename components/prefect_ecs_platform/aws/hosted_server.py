"""A Prefect server the stack hosts itself: its network, database, service and rotation handling, in one call."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random

from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.aws.server_database import create_server_database
from prefect_ecs_platform.aws.server_network import create_server_network
from prefect_ecs_platform.aws.server_rotation import RotationTarget, create_server_rotation
from prefect_ecs_platform.aws.server_service import ServerPlacement, create_server_service
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs

#: The user half of the generated auth string (`PREFECT_SERVER_API_AUTH_STRING` is `user:password`).
AUTH_USER = "prefect"
AUTH_PASSWORD_LENGTH = 40


@dataclass(frozen=True)
class HostedServer:
    #: Where the worker and flow runs reach the API: the internal load balancer's name, plain HTTP.
    api_url: pulumi.Output[str]
    #: The UI through CloudFront, `https://<distribution domain>`.
    public_url: pulumi.Output[str]
    #: The API through CloudFront, `.../api`: where the Prefect objects are made from, outside the VPC.
    public_api_url: pulumi.Output[str]
    service_name: pulumi.Output[str]
    database_secret_arn: pulumi.Output[str]
    database_identifier: pulumi.Output[str]
    final_snapshot_name: pulumi.Output[str | None]
    #: What the worker, the pool and the deployments wait for: the service, whose rollout check waits until
    #: the server answers behind the load balancer, and the distribution with the rule admitting CloudFront.
    ready: list[pulumi.Resource]


def create_server_auth_string(name: str, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """A generated `prefect:<password>`, secret: letters and digits only, so no `:`, `@` or `/` can break the
    `user:password` split or a URL it is written into."""
    password = random.RandomPassword(f"{name}-server-auth", length=AUTH_PASSWORD_LENGTH, special=False, opts=opts)
    return pulumi.Output.secret(password.result.apply(lambda value: f"{AUTH_USER}:{value}"))


def create_hosted_server(
    name: str,
    args: PrefectEcsPlatformArgs,
    infrastructure: FlowRunInfrastructure,
    *,
    hook_auth: ProviderAuth,
    opts: pulumi.ResourceOptions,
) -> HostedServer:
    """The hosted server of a stack with `prefect_server.enabled` (`hosts_server(args)`).

    `infrastructure.credentials.auth_string_arn` must be the secret of the string `create_server_auth_string`
    made: the server reads it as PREFECT_SERVER_API_AUTH_STRING, the worker and flow runs as
    PREFECT_API_AUTH_STRING.
    """
    server = args.prefect_server or PrefectServerArgs(enabled=True)
    network = create_server_network(name, args, infrastructure, opts)
    database = create_server_database(name, server, network, infrastructure.tags, opts)
    service = create_server_service(
        name,
        args,
        infrastructure,
        ServerPlacement(network=network, database=database),
        hook_auth=hook_auth,
        opts=opts,
    )
    create_server_rotation(
        name,
        args,
        infrastructure,
        RotationTarget(secret_arn=database.secret_arn, service_name=service.service_name, service=service.service),
        opts,
    )
    return HostedServer(
        api_url=service.load_balancer_dns_name.apply(lambda host: f"http://{host}/api"),
        public_url=service.endpoint.public_url,
        public_api_url=service.endpoint.public_api_url,
        service_name=service.service_name,
        database_secret_arn=database.secret_arn,
        database_identifier=database.identifier,
        final_snapshot_name=database.final_snapshot_name,
        ready=[service.service, *service.endpoint.ready],
    )
