"""Request bodies for Prefect's REST API, as plain JSON-ready dicts shaped like its action models.

Ids only the server knows are replaced by names, which the dynamic provider resolves before sending: a
deployment body carries `flow_name` instead of `flow_id`, a block document body `block_type_slug` instead of
`block_type_id` and `block_schema_id`. Everything else is sent as built here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from prefect.types.names import LOWERCASE_LETTERS_NUMBERS_AND_DASHES_ONLY_REGEX
from pydantic_core import to_jsonable_python

from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs
from prefect_ecs_platform.inputs.flow_container import DIGEST_PINNED_ALLOWED, is_digest_pinned
from prefect_ecs_platform.inputs.problems import Problem, raise_if_any

#: Work pool types the platform creates: Prefect Cloud's push pool, or a pool its own ECS worker polls.
WORK_POOL_TYPES = ("ecs:push", "ecs")
#: Block type of prefect-aws's `AwsCredentials`, which a push pool uses to start ECS tasks.
AWS_CREDENTIALS_BLOCK_TYPE_SLUG = "aws-credentials"
#: Where flows/Dockerfile puts the project root (its WORKDIR); entrypoints resolve from here.
FLOWS_IMAGE_PROJECT_ROOT = "/opt/prefect"
#: Prefect's pull step that changes directory before the flow is loaded.
SET_WORKING_DIRECTORY_STEP = "prefect.deployments.steps.set_working_directory"


def work_pool_body(
    name: str, type: str, base_job_template: Mapping[str, Any], description: str | None = None
) -> dict[str, Any]:
    """The body of POST /work_pools/ (`WorkPoolCreate`); the pool is always left unpaused."""
    if type not in WORK_POOL_TYPES:
        raise_if_any([Problem("work_pool.type", type, f"one of {', '.join(WORK_POOL_TYPES)}")])
    return {
        "name": name,
        "type": type,
        "description": description,
        "base_job_template": to_jsonable_python(base_job_template),
        "is_paused": False,
    }


def aws_credentials_block_body(
    name: str, access_key_id: str, secret_access_key: str, region_name: str
) -> dict[str, Any]:
    """The body of POST /block_documents/ (`BlockDocumentCreate`) for an `aws-credentials` block.

    The body holds the secret key: keep it out of Pulumi outputs and logs.
    """
    if not name or not re.match(LOWERCASE_LETTERS_NUMBERS_AND_DASHES_ONLY_REGEX, name):
        raise_if_any([Problem("aws_credentials_block.name", name, "lowercase letters, digits and dashes only")])
    return {
        "name": name,
        "block_type_slug": AWS_CREDENTIALS_BLOCK_TYPE_SLUG,
        "data": {
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "region_name": region_name,
        },
        "is_anonymous": False,
    }


def schedule_body(schedule: ScheduleArgs, slug: str) -> dict[str, Any]:
    """One item of a deployment's `schedules` (`DeploymentScheduleCreate`).

    Time zone and `day_or` are explicit, with the values the server would fill in, so a read-back compares equal.
    """
    timezone = schedule.timezone or "UTC"
    spec: dict[str, Any]
    if schedule.cron is not None:
        spec = {"cron": schedule.cron, "timezone": timezone, "day_or": True}
    elif schedule.interval is not None:
        # No anchor_date: the server anchors the interval at creation, as `prefect deploy` does.
        spec = {"interval": float(schedule.interval), "timezone": timezone}
    else:
        spec = {"rrule": schedule.rrule, "timezone": timezone}
    return {
        "schedule": spec,
        "active": schedule.active,
        "parameters": to_jsonable_python(schedule.parameters),
        "slug": slug,
    }


def deployment_job_variables(
    deployment: DeploymentArgs, image_uri: str, *, task_definition_arn: str | None = None
) -> dict[str, Any]:
    """The deployment's job_variables: its own, the stack's image and task definition, its cpu/memory if set.

    `image_uri` must be pinned by digest so a new image is a new deployment body. With the stack's task
    definition (`task_definition_arn`) every run starts from that revision; the image stays for a submitter
    that ignores the ARN and registers from the template. Without it prefect-aws registers one per deployment,
    and a deployment's own `image` wins over the stack's.
    """
    if not is_digest_pinned(image_uri):
        raise_if_any([Problem("image_uri", image_uri, DIGEST_PINNED_ALLOWED)])
    own = to_jsonable_python(deployment.job_variables)
    if task_definition_arn is None:
        job_variables: dict[str, Any] = {"image": image_uri, **own}
    else:
        job_variables = {**own, "image": image_uri, "task_definition_arn": task_definition_arn}
    if deployment.cpu is not None and deployment.memory is not None:
        job_variables |= {"cpu": deployment.cpu, "memory": deployment.memory}
    return job_variables


def deployment_fields(
    deployment: DeploymentArgs,
    *,
    flow_name: str,
    work_pool_name: str,
    parameter_openapi_schema: Mapping[str, Any],
    project_root_in_image: str = FLOWS_IMAGE_PROJECT_ROOT,
    name: str | None = None,
) -> dict[str, Any]:
    """Every field of the deployment body except job_variables, which waits for the built image.

    `name` replaces the deployment's own name (the platform qualifies names by stack).
    """
    if not PurePosixPath(project_root_in_image).is_absolute():
        raise_if_any([Problem("project_root_in_image", project_root_in_image, "an absolute path in the image")])
    return {
        "name": name or deployment.name,
        "flow_name": flow_name,
        "entrypoint": deployment.entrypoint,
        "work_pool_name": work_pool_name,
        "work_queue_name": deployment.work_queue_name,
        "parameters": to_jsonable_python(deployment.parameters),
        "parameter_openapi_schema": to_jsonable_python(parameter_openapi_schema),
        "enforce_parameter_schema": deployment.enforce_parameter_schema,
        "schedules": [
            schedule_body(schedule, deployment.schedule_slug(position))
            for position, schedule in enumerate(deployment.schedules)
        ],
        "paused": deployment.paused,
        "concurrency_limit": deployment.concurrency_limit,
        "tags": list(deployment.tags),
        "description": deployment.description,
        "version": deployment.version,
        "pull_steps": [{SET_WORKING_DIRECTORY_STEP: {"directory": project_root_in_image}}],
    }
