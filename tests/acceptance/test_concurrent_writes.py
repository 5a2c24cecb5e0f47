"""Pulumi creates independent resources in parallel; a self-hosted SQLite server must still take them all."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from prefect_ecs_platform.inputs.job_variables import default_ecs_template
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.prefect_api.request_bodies import work_pool_body
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider
from tests.support.engine_values import as_grpc

pytestmark = pytest.mark.server

PARALLEL = 8
COUNT = 24


def test_parallel_creates_on_a_sqlite_server_all_succeed(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """Creates from several threads, as the provider host runs them, all land instead of failing with 503."""
    pool = f"parallel-{unique}"
    WorkPoolProvider().create(
        as_grpc({**work_pool_body(pool, "ecs", default_ecs_template()), "api_url": prefect_api_url})
    )
    provider = DeploymentProvider()
    props = [
        as_grpc(
            {
                "name": f"d-{index}",
                "flow_name": f"flow-{unique}",
                "work_pool_name": pool,
                "schedules": [
                    {"schedule": {"cron": f"{index} 6 * * *", "timezone": "UTC", "day_or": True}, "slug": "daily"}
                ],
                "api_url": prefect_api_url,
            }
        )
        for index in range(COUNT)
    ]
    with ThreadPoolExecutor(PARALLEL) as threads:
        ids = [result.id for result in threads.map(provider.create, props)]
    assert len(set(ids)) == COUNT
    assert {api.read_deployment(i)["work_pool_name"] for i in ids} == {pool}
