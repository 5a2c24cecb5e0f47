"""The properties each Prefect provider receives for one object, as the engine sends them, for the provider tests."""

from __future__ import annotations

import copy
from typing import Any

from prefect_aws.workers.ecs_worker import ECSWorker

from tests.support.engine_values import as_grpc

#: An AWS secret access key of the documentation's example shape: a value a masked read must not echo.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def block_props(api_url: str, name: str, **overrides: Any) -> dict[str, Any]:
    """An aws-credentials block document's properties, `overrides` replacing keys."""
    props: dict[str, Any] = {
        "name": name,
        "block_type_slug": "aws-credentials",
        "data": {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": SECRET, "region_name": "eu-west-1"},
        "api_url": api_url,
        "adopt_existing": False,
    }
    props.update(overrides)
    return props


def ecs_template(cpu: int = 1024) -> dict[str, Any]:
    """prefect-aws's default ECS base job template with `cpu` as its default, so an edit shows in a diff."""
    template = copy.deepcopy(ECSWorker.get_default_base_job_template())
    template["variables"]["properties"]["cpu"]["default"] = cpu
    return template


def pool_props(api_url: str, name: str, **overrides: Any) -> dict[str, Any]:
    """An ECS work pool's properties, `overrides` replacing keys."""
    props: dict[str, Any] = {
        "name": name,
        "type": "ecs",
        "base_job_template": ecs_template(),
        "description": "acceptance pool",
        "concurrency_limit": 3,
        "api_url": api_url,
        "adopt_existing": False,
    }
    props.update(overrides)
    return as_grpc(props)


#: One schedule of each kind, one of them paused, each with a slug so an update matches them.
SCHEDULES = [
    {"slug": "hourly", "schedule": {"interval": 3600}},
    {"slug": "daily", "schedule": {"cron": "0 6 * * *"}, "parameters": {"who": "cron"}},
    {"slug": "weekly", "schedule": {"rrule": "FREQ=WEEKLY;BYDAY=MO"}, "active": False},
]


def deployment_props(api_url: str, name: str, flow: str, pool: str, **overrides: Any) -> dict[str, Any]:
    """A deployment's properties with `SCHEDULES`, job variables and parameters, `overrides` replacing keys."""
    props: dict[str, Any] = {
        "name": name,
        "flow_name": flow,
        "work_pool_name": pool,
        "schedules": copy.deepcopy(SCHEDULES),
        "job_variables": {"cpu": 1024},
        "parameters": {"who": "world"},
        "tags": ["acceptance"],
        "concurrency_limit": 2,
        "entrypoint": "flows/hello.py:hello",
        "api_url": api_url,
        "adopt_existing": False,
    }
    props.update(overrides)
    return as_grpc(props)
