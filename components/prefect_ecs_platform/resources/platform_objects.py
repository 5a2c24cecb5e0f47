"""The component's Prefect objects: the work pool, push mode's credentials block, and the deployments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from prefect_ecs_platform.inputs.api_access import PrefectApiAccess
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs
from prefect_ecs_platform.inputs.flow_source import read_flow_source
from prefect_ecs_platform.prefect_api.request_bodies import (
    aws_credentials_block_body,
    deployment_fields,
    deployment_job_variables,
    work_pool_body,
)
from prefect_ecs_platform.resources import BlockDocument, Deployment, WorkPool
from prefect_ecs_platform.resources.shared_objects import create_shared_objects, create_work_queues


@dataclass(frozen=True)
class PrefectObjects:
    #: What must exist before a worker polls the pool, and must outlive it.
    work_pool: WorkPool
    work_pool_name: pulumi.Output[str]
    deployment_ids: pulumi.Output[dict[str, str]]


@dataclass(frozen=True)
class FlowRunSetup:
    """What the pool and deployments hand to flow runs, and what a run needs on AWS before it starts."""

    base_job_template: pulumi.Output[dict[str, Any]]
    image_uri: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str | None]
    #: The cluster's capacity providers, the roles' policies, the secrets' values: a pool or a deployment can
    #: start runs the moment it exists.
    ready: list[pulumi.Resource]


@dataclass(frozen=True)
class AccessKey:
    """An AWS access key for the credentials block, and what makes it usable (its user's policy)."""

    access_key_id: pulumi.Output[str]
    secret_access_key: pulumi.Output[str]
    ready: list[pulumi.Resource]


def credentials_block_name(work_pool_name: str) -> str:
    """A block name Prefect accepts (lowercase letters, digits, dashes) derived from the pool's name."""
    slug = re.sub(r"[^a-z0-9]+", "-", work_pool_name.lower()).strip("-")
    return f"{slug}-aws-credentials"


def create_credentials_block(
    name: str,
    args: PrefectEcsPlatformArgs,
    *,
    api: PrefectApiAccess,
    key: AccessKey,
    region: pulumi.Output[str],
    opts: pulumi.ResourceOptions,
) -> BlockDocument:
    """The aws-credentials block Prefect Cloud uses to start this stack's flow runs (push mode).

    It waits for what makes the key usable: Prefect Cloud may submit as soon as the block exists.
    """
    body = pulumi.Output.all(key.access_key_id, key.secret_access_key, region).apply(
        lambda v: aws_credentials_block_body(credentials_block_name(args.work_pool_name), v[0], v[1], v[2])
    )
    return BlockDocument(
        f"{name}-aws-credentials",
        name=credentials_block_name(args.work_pool_name),
        block_type_slug="aws-credentials",
        data=body.apply(lambda b: b["data"]),
        **api.resource_inputs(),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[*key.ready, *api.ready])),
    )


def _job_variables(
    deployment: DeploymentArgs, image_uri: pulumi.Output[str], task_definition_arn: pulumi.Output[str | None]
) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.all(image_uri, task_definition_arn).apply(
        lambda v: deployment_job_variables(deployment, v[0], task_definition_arn=v[1])
    )


def ui_owned_paths(deployment: DeploymentArgs) -> list[str]:
    """The child deployment's `ignore_changes` for the fields its args leave to the UI (docs/ownership.md).

    A schedule's path indexes the `schedules` input, which keeps the order of `deployment.schedules`.
    """
    paths = ["paused"] if "paused" in deployment.ui_owned else []
    if "schedules_active" in deployment.ui_owned:
        paths += [f"schedules[{position}].active" for position in range(len(deployment.schedules))]
    return paths


def create_prefect_objects(
    name: str,
    args: PrefectEcsPlatformArgs,
    *,
    api: PrefectApiAccess,
    runs: FlowRunSetup,
    opts: pulumi.ResourceOptions,
) -> PrefectObjects:
    """Create the work pool and, on it, one Prefect deployment per `args.deployments`, through `api` once it
    answers and once what flow runs need exists."""
    opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[*runs.ready, *api.ready]))
    pool_type = "ecs:push" if args.mode == "push" else "ecs"
    pool_body = work_pool_body(
        args.work_pool_name, pool_type, {}, description=f"ECS Fargate flow runs of the {name} platform ({pool_type})"
    )
    pool = WorkPool(
        f"{name}-work-pool",
        name=pool_body["name"],
        type=pool_body["type"],
        description=pool_body["description"],
        base_job_template=runs.base_job_template,
        **api.resource_inputs(),
        opts=opts,
    )
    pool_name: pulumi.Output[str] = pool.name
    # A run may take a limit's slots or read a variable the moment its deployment exists.
    shared = create_shared_objects(name, args, api=api, opts=opts)
    # The server makes a queue a deployment names and nobody made: unmanaged, and left behind by a destroy.
    shared += create_work_queues(name, args, pool, api=api, opts=opts)
    ids: dict[str, pulumi.Output[str]] = {}
    for deployment in args.deployments:
        source = read_flow_source(deployment.entrypoint, Path(args.project_root))
        qualified = f"{deployment.name}{args.deployment_name_suffix}"
        fields = deployment_fields(
            deployment,
            flow_name=source.flow_name,
            # Placed on the pool by the pool's Output below, so deployments go after it and before its deletion.
            work_pool_name=args.work_pool_name,
            parameter_openapi_schema=source.parameter_schema,
            name=qualified,
        )
        fields["work_pool_name"] = pool_name
        # A replaced pool (e.g. a switch between push and worker mode) gets a new id: re-attach to it.
        fields["work_pool_id"] = pool.id
        created = Deployment(
            f"{name}-deployment-{deployment.name}",
            **api.resource_inputs(),
            job_variables=_job_variables(deployment, runs.image_uri, runs.task_definition_arn),
            **fields,
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(ignore_changes=ui_owned_paths(deployment), depends_on=shared)
            ),
        )
        ids[qualified] = created.id
    return PrefectObjects(
        work_pool=pool,
        work_pool_name=pool_name,
        deployment_ids=pulumi.Output.all(**ids) if ids else pulumi.Output.from_input({}),
    )
