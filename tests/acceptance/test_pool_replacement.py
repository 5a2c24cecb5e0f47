"""Replacing a pool (e.g. switching between push and worker mode) must not leave its deployments orphaned."""

from __future__ import annotations

import pytest

from prefect_ecs_platform.inputs.job_variables import default_ecs_template
from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.prefect_api.request_bodies import work_pool_body
from prefect_ecs_platform.resources import DeploymentProvider, WorkPoolProvider
from tests.support.engine_values import as_grpc

pytestmark = pytest.mark.server


def test_replaced_pool_reattaches_its_deployments(prefect_api_url: str, api: PrefectApi, unique: str) -> None:
    """A new pool id under the same name is a change, and the update puts the deployment back on the pool."""
    pools, deployments = WorkPoolProvider(), DeploymentProvider()
    name = f"replaced-{unique}"
    pool_props = as_grpc({**work_pool_body(name, "ecs", default_ecs_template()), "api_url": prefect_api_url})
    first = pools.create(pool_props)
    props = as_grpc(
        {
            "name": "nightly",
            "flow_name": f"flow-{unique}",
            "work_pool_name": name,
            "work_pool_id": first.id,
            "api_url": prefect_api_url,
        }
    )
    created = deployments.create(props)
    assert created.outs is not None

    # What Pulumi does for a pool whose type changes: delete it, then create it again under the same name.
    pools.delete(first.id, pool_props)
    second = pools.create(as_grpc({**pool_props, "type": "ecs:push"}))
    assert second.id != first.id
    assert api.read_deployment(created.id)["work_pool_name"] is None

    news = {**props, "work_pool_id": second.id}
    assert deployments.diff(created.id, created.outs, news).changes
    assert not deployments.diff(created.id, created.outs, props).changes
    deployments.update(created.id, created.outs, news)
    assert api.read_deployment(created.id)["work_pool_name"] == name
