"""Request bodies: each validates with Prefect's own action model and carries the values that matter."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
from prefect.client.schemas.actions import (
    BlockDocumentCreate,
    DeploymentCreate,
    DeploymentScheduleCreate,
    WorkPoolCreate,
)
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule
from prefect_aws.credentials import AwsCredentials
from prefect_aws.workers.ecs_worker import ECSWorker

from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs
from prefect_ecs_platform.inputs.flow_source import read_flow_source
from prefect_ecs_platform.inputs.problems import InvalidInputError
from prefect_ecs_platform.prefect_api.request_bodies import (
    FLOWS_IMAGE_PROJECT_ROOT,
    aws_credentials_block_body,
    deployment_fields,
    deployment_job_variables,
    schedule_body,
    work_pool_body,
)
from prefect_ecs_platform.resources.deployment import create_body
from tests.support import ROOT

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows@sha256:" + "0123456789abcdef" * 4
TEMPLATE = ECSWorker.get_default_base_job_template()


def etl_deployment(**overrides: Any) -> DeploymentArgs:
    fields: dict[str, Any] = {
        "name": "etl-daily",
        "entrypoint": "flows/etl.py:etl",
        "parameters": {"orders_per_day": 50, "window": {"end": date(2024, 1, 31), "days": 3}},
        "schedules": [
            ScheduleArgs(cron="0 6 * * *", timezone="Europe/Berlin", slug="daily"),
            ScheduleArgs(interval=3600, active=False, parameters={"min_amount": 10.0}),
        ],
        "job_variables": {"env": {"LOG_LEVEL": "DEBUG"}},
        "cpu": 512,
        "memory": 1024,
        "tags": ["etl"],
        "description": "Orders",
        "paused": True,
        "concurrency_limit": 2,
        "work_queue_name": "default",
        "version": "7",
    }
    return DeploymentArgs(**(fields | overrides))


def body_for(deployment: DeploymentArgs) -> dict[str, Any]:
    """The Deployment resource's inputs for `deployment`, as `create_prefect_objects` builds them."""
    source = read_flow_source(deployment.entrypoint, ROOT)
    fields = deployment_fields(
        deployment,
        flow_name=source.flow_name,
        work_pool_name="platform-ecs",
        parameter_openapi_schema=source.parameter_schema,
    )
    return {**fields, "job_variables": deployment_job_variables(deployment, IMAGE)}


def as_deployment_create(body: dict[str, Any]) -> DeploymentCreate:
    """What the provider sends once the flow name is resolved to an id: its own POST body."""
    return DeploymentCreate.model_validate(create_body(body, str(uuid.uuid4())))


@pytest.mark.parametrize("pool_type", ["ecs:push", "ecs"])
def test_work_pool_body_is_a_valid_work_pool_create(pool_type: str) -> None:
    """The pool body validates as WorkPoolCreate and keeps the name, type and template."""
    body = work_pool_body("platform-ecs", pool_type, TEMPLATE, description="Flows on Fargate")

    model = WorkPoolCreate.model_validate(body)
    assert (model.name, model.type, model.description, model.is_paused) == (
        "platform-ecs",
        pool_type,
        "Flows on Fargate",
        False,
    )
    assert model.base_job_template == TEMPLATE
    assert json.loads(json.dumps(body)) == body


def test_work_pool_type_other_than_ecs_is_rejected() -> None:
    """Only the two ECS pool types are accepted."""
    with pytest.raises(InvalidInputError, match=r"work_pool.type: 'process' is not allowed; one of ecs:push, ecs"):
        work_pool_body("platform-ecs", "process", TEMPLATE)


def test_aws_credentials_block_body_is_a_valid_block_document_create() -> None:
    """With server ids filled in, the block body validates as BlockDocumentCreate and its data as AwsCredentials."""
    body = aws_credentials_block_body("platform-push", "AKIAEXAMPLE", "s3cr3t", "eu-west-1")

    assert body["block_type_slug"] == "aws-credentials"
    sent = {key: value for key, value in body.items() if key != "block_type_slug"}
    model = BlockDocumentCreate.model_validate({**sent, "block_type_id": uuid.uuid4(), "block_schema_id": uuid.uuid4()})
    credentials = AwsCredentials.model_validate(model.data)
    assert (model.name, model.is_anonymous) == ("platform-push", False)
    assert credentials.aws_access_key_id == "AKIAEXAMPLE"
    assert credentials.aws_secret_access_key is not None
    assert credentials.aws_secret_access_key.get_secret_value() == "s3cr3t"
    assert credentials.region_name == "eu-west-1"


@pytest.mark.parametrize("name", ["Platform_Push", ""])
def test_block_name_must_be_lowercase_letters_digits_dashes(name: str) -> None:
    """Block document names the server refuses are rejected before sending."""
    with pytest.raises(InvalidInputError, match="lowercase letters, digits and dashes only"):
        aws_credentials_block_body(name, "a", "b", "eu-west-1")


def test_deployment_body_is_a_valid_deployment_create() -> None:
    """The deployment body, with flow_name swapped for an id, validates as DeploymentCreate."""
    model = as_deployment_create(body_for(etl_deployment()))

    assert model.name == "etl-daily"
    assert model.entrypoint == "flows/etl.py:etl"
    assert model.work_pool_name == "platform-ecs"
    assert (model.paused, model.concurrency_limit, model.version) == (True, 2, "7")


def test_deployment_body_matches_the_model_json_key_for_key() -> None:
    """Apart from schedules, which the model normalises, the body equals the model's own JSON for every key."""
    body = body_for(etl_deployment())
    dumped = as_deployment_create(body).model_dump(mode="json")

    for key in body.keys() - {"flow_name", "schedules"}:
        assert dumped[key] == body[key], key


def test_deployment_body_carries_flow_name_not_flow_id() -> None:
    """The flow is named as Prefect names it; the id is left to the provider."""
    body = body_for(etl_deployment())

    assert body["flow_name"] == "etl"
    assert "flow_id" not in body


def test_job_variables_pin_the_image_and_size() -> None:
    """job_variables carry the digest-pinned image and the deployment's cpu and memory over the user's."""
    body = body_for(etl_deployment())

    assert body["job_variables"] == {"env": {"LOG_LEVEL": "DEBUG"}, "image": IMAGE, "cpu": 512, "memory": 1024}


def test_job_variables_fit_the_ecs_template() -> None:
    """Prefect's own job-variable check against the ECS base job template passes."""
    as_deployment_create(body_for(etl_deployment())).check_valid_configuration(TEMPLATE)


def test_no_size_leaves_the_pool_default() -> None:
    """Without cpu and memory the job variables name neither, so the pool's defaults apply."""
    body = body_for(etl_deployment(cpu=None, memory=None, job_variables={}))

    assert body["job_variables"] == {"image": IMAGE}


def test_pull_step_sets_the_working_directory_to_the_image_project_root() -> None:
    """The only pull step changes to where the image holds the project, so the entrypoint resolves."""
    assert body_for(etl_deployment())["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": FLOWS_IMAGE_PROJECT_ROOT}}
    ]


def test_parameters_and_schema_are_json_and_enforced() -> None:
    """Parameters are JSON (dates as ISO strings), the schema is Prefect's, and enforcement is on by default."""
    body = body_for(etl_deployment())

    assert body["parameters"] == {"orders_per_day": 50, "window": {"end": "2024-01-31", "days": 3}}
    assert body["enforce_parameter_schema"] is True
    assert set(body["parameter_openapi_schema"]["properties"]) == {"window", "orders_per_day", "min_amount"}
    assert json.loads(json.dumps(body)) == body


def test_schedules_carry_slugs_activity_and_parameters() -> None:
    """Each schedule has its explicit or derived slug, its activity and its parameters."""
    schedules = body_for(etl_deployment())["schedules"]

    assert schedules == [
        {
            "schedule": {"cron": "0 6 * * *", "timezone": "Europe/Berlin", "day_or": True},
            "active": True,
            "parameters": {},
            "slug": "daily",
        },
        {
            "schedule": {"interval": 3600.0, "timezone": "UTC"},
            "active": False,
            "parameters": {"min_amount": 10.0},
            "slug": "etl-daily-1",
        },
    ]


@pytest.mark.parametrize(
    ("schedule", "model"),
    [
        (ScheduleArgs(cron="*/5 * * * *"), CronSchedule),
        (ScheduleArgs(interval=90), IntervalSchedule),
        (ScheduleArgs(rrule="FREQ=WEEKLY;BYDAY=MO", timezone="America/New_York"), RRuleSchedule),
    ],
)
def test_each_schedule_kind_is_a_valid_deployment_schedule_create(schedule: ScheduleArgs, model: type) -> None:
    """Cron, interval and rrule bodies validate as DeploymentScheduleCreate with the matching schedule model."""
    parsed = DeploymentScheduleCreate.model_validate(schedule_body(schedule, "s"))

    assert isinstance(parsed.schedule, model)
    assert isinstance(parsed.schedule, CronSchedule | IntervalSchedule | RRuleSchedule)
    assert parsed.slug == "s"
    assert parsed.schedule.timezone == (schedule.timezone or "UTC")


def test_image_must_be_pinned_by_digest() -> None:
    """A tag-only image is refused: a moving tag would not change the deployment when the code does."""
    with pytest.raises(InvalidInputError, match="an image pinned by digest"):
        deployment_job_variables(etl_deployment(), "flows:latest")


def test_project_root_in_image_must_be_absolute() -> None:
    """A relative working directory in the image is refused."""
    with pytest.raises(InvalidInputError, match="an absolute path in the image"):
        deployment_fields(
            etl_deployment(),
            flow_name="etl",
            work_pool_name="platform-ecs",
            parameter_openapi_schema={},
            project_root_in_image="opt/prefect",
        )
