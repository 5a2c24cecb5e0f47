"""Many Prefect objects through the provider host, and the check that the server holds exactly them.

The fault and outage tests drive 114 objects (5 work pools, 5 AWS credentials blocks, 100 deployments
with two schedules each over 4 flows, 2 global concurrency limits, 2 variables) through three steps: 1
creates them, 2 updates them in place (pool descriptions, block data, job variables, schedules by slug: one
changed, one removed, one added, limits and variable values), 3 renames the blocks, deployments, limits and
variables, which replaces them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pulumi

from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources import BlockDocument, ConcurrencyLimit, Deployment, Variable, WorkPool
from tests.support.engine import Engine, _EngineMocks

POOLS, BLOCKS, DEPLOYMENTS, FLOWS, LIMITS, VARIABLES = 5, 5, 100, 4, 2, 2
#: One variable: the server checks job variables against the pool's template on every deployment write,
#: and ECS's full template costs it about 150 ms a time; what is under test here is the wire, not ECS.
SMALL_TEMPLATE = {
    "job_configuration": {"cpu": "{{ cpu }}"},
    "variables": {"type": "object", "properties": {"cpu": {"type": "integer", "default": 256}}},
}
DEPLOYMENT, POOL, BLOCK, LIMIT, VARIABLE = (
    ":Deployment",
    ":WorkPool",
    ":BlockDocument",
    ":ConcurrencyLimit",
    ":Variable",
)


def _schedules(version: int, index: int) -> list[dict[str, Any]]:
    daily = {"slug": "daily", "schedule": {"cron": f"{index % 60} {6 + min(version, 2)} * * *", "timezone": "UTC"}}
    if version == 1:
        return [daily, {"slug": "hourly", "schedule": {"interval": 3600}}]
    return [daily, {"slug": "weekly", "schedule": {"cron": "0 8 * * 1", "timezone": "UTC"}}]


class Desired:
    """The objects of one step: 1 creates, 2 updates them in place, 3 renames blocks and deployments."""

    def __init__(self, prefix: str, version: int) -> None:
        self.prefix = prefix
        self.version = version
        suffix = "-renamed" if version >= 3 else ""
        self.pools = {f"pool-{i}": f"{prefix}-pool-{i}" for i in range(POOLS)}
        self.blocks = {f"block-{i}": f"{prefix}-creds-{i}{suffix}" for i in range(BLOCKS)}
        self.deployments = {f"deployment-{i}": f"{prefix}-d{i:03d}{suffix}" for i in range(DEPLOYMENTS)}
        self.limits = {f"limit-{i}": f"{prefix}-limit-{i}{suffix}" for i in range(LIMITS)}
        self.variables = {f"variable-{i}": f"{prefix}-var-{i}{suffix}" for i in range(VARIABLES)}

    def slots(self) -> int:
        return 2 if self.version == 1 else 3

    def value(self, index: int) -> dict[str, Any]:
        return {"index": index, "version": min(self.version, 2)}

    def description(self) -> str:
        return f"fault test, version {min(self.version, 2)}"

    def region(self) -> str:
        return "eu-west-1" if self.version == 1 else "eu-central-1"

    def cpu(self) -> int:
        return 256 if self.version == 1 else 512

    def program(self, api_url: str) -> Callable[[], None]:
        template = copy.deepcopy(SMALL_TEMPLATE)

        def run() -> None:
            pools = [
                WorkPool(key, name=name, api_url=api_url, base_job_template=template, description=self.description())
                for key, name in self.pools.items()
            ]
            for key, name in self.blocks.items():
                data = {"aws_access_key_id": f"AKIA{key.upper()}", "region_name": self.region()}
                BlockDocument(key, name=name, block_type_slug="aws-credentials", data=data, api_url=api_url)
            for index, (key, name) in enumerate(self.deployments.items()):
                Deployment(
                    key,
                    name=name,
                    flow_name=f"{self.prefix}-flow-{index % FLOWS}",
                    api_url=api_url,
                    work_pool_name=pools[index % POOLS].name,
                    schedules=_schedules(self.version, index),
                    parameters={"index": index},
                    job_variables={"cpu": self.cpu()},
                )
            for key, name in self.limits.items():
                ConcurrencyLimit(key, name=name, limit=self.slots(), api_url=api_url)
            for index, (key, name) in enumerate(self.variables.items()):
                Variable(key, name=name, value=self.value(index), tags=["fault-test"], api_url=api_url)

        return run


def up(engine: Engine, program: Callable[[], None]) -> None:
    """`pulumi up` of an inline program through the engine-like harness."""

    def run() -> None:
        mocks = _EngineMocks(engine)
        pulumi.runtime.set_mocks(mocks, project="prefect-ecs-platform", stack=engine.stack, preview=False)
        pulumi.runtime.test(program)()

    engine.run(run)


def _state_ids(engine: Engine, kind: str) -> dict[str, str]:
    """Resource name to id, for the state's objects of one kind."""
    return {s.urn.rsplit("::", 1)[1]: s.id for s in engine.prefect_objects() if s.type.endswith(kind)}


def _named(api: PrefectApi, route: str, prefix: str) -> list[dict[str, Any]]:
    """Every object of a route whose name starts with `prefix`, page by page (not every filter has like_)."""
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        page, _ = api.request("POST", f"/{route}/filter", route, json={"limit": 200, "offset": offset})
        found += [item for item in page if str(item["name"]).startswith(prefix)]
        if len(page) < 200:
            return found
        offset += 200


def assert_server_holds(api: PrefectApi, engine: Engine, desired: Desired) -> None:
    """Exactly the desired objects exist, once each, with the desired content and the state's ids."""
    prefix = desired.prefix
    pools = {p["name"]: p for p in _named(api, "work_pools", prefix)}
    assert sorted(pools) == sorted(desired.pools.values())
    assert {k: pools[n]["id"] for k, n in desired.pools.items()} == _state_ids(engine, POOL)
    assert {p["description"] for p in pools.values()} == {desired.description()}

    blocks = _named(api, "block_documents", prefix)
    assert sorted(b["name"] for b in blocks) == sorted(desired.blocks.values())
    by_name = {b["name"]: b for b in blocks}
    assert {k: by_name[n]["id"] for k, n in desired.blocks.items()} == _state_ids(engine, BLOCK)
    for block in blocks:
        assert api.read_block_document(block["id"])["data"]["region_name"] == desired.region()

    deployments = _named(api, "deployments", prefix)
    names = [d["name"] for d in deployments]
    assert sorted(names) == sorted(desired.deployments.values())
    by_name = {d["name"]: d for d in deployments}
    assert {k: by_name[n]["id"] for k, n in desired.deployments.items()} == _state_ids(engine, DEPLOYMENT)
    for index, name in enumerate(desired.deployments.values()):
        stored = by_name[name]
        wanted = {s["slug"]: s["schedule"] for s in _schedules(desired.version, index)}
        slugs = [s["slug"] for s in stored["schedules"]]
        assert sorted(slugs) == sorted(wanted), f"{name}: schedules {slugs}, wanted {sorted(wanted)}"
        for schedule in stored["schedules"]:
            expected = wanted[schedule["slug"]]
            assert {k: schedule["schedule"].get(k) for k in expected} == expected, name
        assert stored["job_variables"] == {"cpu": desired.cpu()}
        assert stored["work_pool_name"] == f"{prefix}-pool-{index % POOLS}"
    flows = _named(api, "flows", prefix)
    assert sorted(f["name"] for f in flows) == sorted({f"{prefix}-flow-{i % FLOWS}" for i in range(DEPLOYMENTS)})
    _assert_shared_objects(api, engine, desired)


def _assert_shared_objects(api: PrefectApi, engine: Engine, desired: Desired) -> None:
    limits = {item["name"]: item for item in _named(api, "v2/concurrency_limits", desired.prefix)}
    assert sorted(limits) == sorted(desired.limits.values())
    assert {k: limits[n]["id"] for k, n in desired.limits.items()} == _state_ids(engine, LIMIT)
    assert {item["limit"] for item in limits.values()} == {desired.slots()}
    variables = {item["name"]: item for item in _named(api, "variables", desired.prefix)}
    assert sorted(variables) == sorted(desired.variables.values())
    assert {k: variables[n]["id"] for k, n in desired.variables.items()} == _state_ids(engine, VARIABLE)
    for index, name in enumerate(desired.variables.values()):
        assert (variables[name]["value"], variables[name]["tags"]) == (desired.value(index), ["fault-test"])


def assert_server_holds_nothing(api: PrefectApi, prefix: str) -> None:
    assert _named(api, "deployments", prefix) == []
    assert _named(api, "work_pools", prefix) == []
    assert _named(api, "block_documents", prefix) == []
    assert _named(api, "v2/concurrency_limits", prefix) == []
    assert _named(api, "variables", prefix) == []
