"""The hosted server built under Pulumi's mocks on an infrastructure of the component's own builders.

`create_hosted_server` is called as the component will call it: the auth string generated first and given as
`prefect_api_auth_string`, so the credentials' auth string secret is the generated string's.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.aws.cluster import create_cluster
from prefect_ecs_platform.aws.flow_image import brought_image
from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.aws.hosted_server import create_hosted_server, create_server_auth_string
from prefect_ecs_platform.aws.iam_roles import FlowRunRoles
from prefect_ecs_platform.aws.logs import create_log_group
from prefect_ecs_platform.aws.network import create_network
from prefect_ecs_platform.aws.provider_auth import AwsAuth
from prefect_ecs_platform.aws.secrets import create_prefect_credentials
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from tests.support import ROOT
from tests.support.pulumi_mocks import ACCOUNT, REGION, PulumiHarness

NAME = "data"
TAGS = {"managed-by": "pulumi", "prefect-ecs-platform": NAME}
FLOW_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/flows@sha256:" + "a" * 64
#: The hooks would act as a provider configured by the environment; under mocks they never run.
HOOK_AUTH = ProviderAuth(AwsAuth(source="the test's environment"))


def hosted_args(**overrides: Any) -> PrefectEcsPlatformArgs:
    """A worker-mode stack that hosts its server, with the example project's deployments; `overrides` on top."""
    values: dict[str, Any] = {
        "work_pool_name": "ecs-dev",
        "mode": "worker",
        "prefect_server": PrefectServerArgs(enabled=True),
        "deployments": load_prefect_yaml(ROOT / "flows" / "prefect.yaml"),
        "project_root": str(ROOT),
    }
    return PrefectEcsPlatformArgs(**{**values, **overrides})


async def _no_drain(args: pulumi.ResourceHookArgs) -> None:
    return None


def _infrastructure(args: PrefectEcsPlatformArgs, opts: pulumi.ResourceOptions) -> FlowRunInfrastructure:
    drain = pulumi.ResourceHook(f"{NAME}-drain-tasks", _no_drain)
    network = create_network(NAME, args, TAGS, opts, drain=drain)
    cluster = create_cluster(NAME, args, network_held_by_tasks=network.held_by_tasks, drain=drain, tags=TAGS, opts=opts)
    invoke = pulumi.InvokeOutputOptions()
    partition = aws.get_partition_output(opts=invoke).partition
    roles = FlowRunRoles(
        execution_role_arn=pulumi.Output.from_input(f"arn:aws:iam::{ACCOUNT}:role/flow-execution"),
        task_role_arn=pulumi.Output.from_input(f"arn:aws:iam::{ACCOUNT}:role/flow-task"),
        ready=[],
    )
    return FlowRunInfrastructure(
        cluster=cluster,
        network=network,
        roles=roles,
        log_group=create_log_group(NAME, args, TAGS, opts),
        image=brought_image(FLOW_IMAGE, partition),
        credentials=create_prefect_credentials(NAME, args, tags=TAGS, opts=opts),
        region=aws.get_region_output(opts=invoke).region,
        partition=partition,
        account_id=aws.get_caller_identity_output(opts=invoke).account_id,
        cpu_architecture="X86_64",
        tags=TAGS,
    )


def deploy_hosted_server(harness: PulumiHarness, server: PrefectServerArgs, **overrides: Any) -> dict[str, Any]:
    """Build the hosted server of a worker-mode stack; return its `HostedServer` values, resolved, with
    `auth_string` (the generated value), `auth_string_arn`, `auth_string_version` and the stack's `subnet_ids`
    and `security_group_ids`."""

    def program() -> dict[str, Any]:
        opts = pulumi.ResourceOptions()
        auth_string = create_server_auth_string(NAME, opts)
        values: dict[str, Any] = {"work_pool_name": "ecs-dev", "mode": "worker", "prefect_server": server}
        values.update(overrides)
        args = PrefectEcsPlatformArgs(**values, prefect_api_auth_string=auth_string)
        infrastructure = _infrastructure(args, opts)
        hosted = create_hosted_server(NAME, args, infrastructure, hook_auth=HOOK_AUTH, opts=opts)
        credentials = infrastructure.credentials
        return {
            "api_url": hosted.api_url,
            "public_url": hosted.public_url,
            "public_api_url": hosted.public_api_url,
            "service_name": hosted.service_name,
            "database_secret_arn": hosted.database_secret_arn,
            "database_identifier": hosted.database_identifier,
            "final_snapshot_name": hosted.final_snapshot_name,
            "ready": pulumi.Output.all(*(resource.urn for resource in hosted.ready)),
            "auth_string": auth_string,
            "auth_string_arn": credentials.auth_string_arn,
            "auth_string_version": credentials.version_ids["PREFECT_API_AUTH_STRING"],
            "subnet_ids": infrastructure.network.subnet_ids,
            "security_group_ids": infrastructure.network.security_group_ids,
        }

    return harness.run(program)
