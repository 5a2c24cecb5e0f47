"""Drift: what the Prefect UI changes, what `pulumi refresh` reports and what the next `pulumi up` does with it.

Pulumi's real provider host serves the providers, driven by the engine-like harness (tests/support/engine.py) as
the engine drives them; the "UI" is Prefect's REST API called directly, as the UI calls it. What the
harness reproduces of Pulumi's engine (pulumi/pulumi at 1b5949891b3c):

- refresh, pkg/resource/deploy/step.go `RefreshStep.Apply`: Read gets the old outputs; a blank id drops the
  resource from the state; the outputs Read returns replace the old ones, and so do the inputs when the
  provider returns any (the provider host sets `ReadResponse.inputs` only when `ReadResult.inputs` is set,
  pulumi/dynamic/__main__.py in pulumi 3.272), else the old inputs stay.
- up, pkg/resource/deploy/step_generator.go `continueStepsFromImport`: the program's inputs, each
  `ignore_changes` path put back to its old input (`processIgnoreChanges`, ported in tests/support/ignore_changes.py),
  go to Check with the old inputs, then to Diff with the old outputs. The `ignore_changes` list is the one
  the SDK puts in the RegisterResource request.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest
import yaml
from pulumi.runtime.proto import provider_pb2_grpc

from prefect_ecs_platform.prefect_api import NotFound, PrefectApi
from prefect_ecs_platform.render.project_files import load_stack_files
from prefect_ecs_platform.resources import Deployment
from tests.support.engine import Engine, Stored, _EngineMocks
from tests.support.generated_project import STACK, make_project, write_prefect_yaml
from tests.support.wire_proxy import WireProxy, wire_proxy

pytestmark = pytest.mark.server

API_KEY = "pnu_drift-test-key-0123456789"


@pytest.fixture
def proxy(prefect_api_url: str) -> Iterator[WireProxy]:
    """The providers reach the server through a counting proxy; the "UI" goes to the server directly."""
    with wire_proxy(prefect_api_url.removesuffix("/api")) as running:
        yield running


@pytest.fixture
def engine(host: provider_pb2_grpc.ResourceProviderStub) -> Iterator[Engine]:
    running = Engine(host, 4, stack="drift")
    yield running
    running.destroy()


def _deployment(index: int) -> dict[str, Any]:
    """A prefect.yaml entry whose schedules are not in slug order, so outputs sorted by slug would differ."""
    return {
        "name": f"drift-{index}",
        "entrypoint": "flows/etl.py:etl",
        "parameters": {"orders_per_day": 100 + index},
        "schedules": [
            {"cron": f"{index} 6 * * *", "timezone": "UTC", "slug": "zeta-daily"},
            {"interval": 3600, "slug": "alpha-hourly"},
        ],
        "work_pool": {"job_variables": {"cpu": 512, "memory": 1024}},
    }


def _project(tmp_path: Path, api_url: str, unique: str, overrides: dict[str, Any] | None = None) -> Path:
    """The stack's own program and flows with two deployments, on a pool and with names no other test uses."""
    project = make_project(tmp_path / "project", 0, api_url)
    write_prefect_yaml(project, [_deployment(i) for i in range(2)])
    stack_file = project / f"Pulumi.{STACK}.yaml"
    stack = yaml.safe_load(stack_file.read_text())
    stack["config"]["prefect-ecs-platform:workPoolName"] = f"drift-{unique}"
    stack["config"]["prefect-ecs-platform:deploymentNameSuffix"] = f"-{unique}"
    if overrides:
        stack["config"]["prefect-ecs-platform:deploymentOverrides"] = overrides
    stack_file.write_text(yaml.safe_dump(stack))
    return project


def _of_kind(engine: Engine, kind: str) -> dict[str, Stored]:
    """The state's objects of one kind by their Prefect name."""
    return {str(s.outputs["name"]): s for s in engine.prefect_objects() if s.type.endswith(f":{kind}")}


def _schedule(stored: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(s for s in stored["schedules"] if s["slug"] == slug)


class Ui:
    """What a person does in the Prefect UI, as the UI's own REST calls."""

    def __init__(self, api_url: str) -> None:
        self.client = httpx.Client(base_url=api_url, timeout=30)

    def patch_deployment(self, deployment_id: str, body: dict[str, Any]) -> None:
        self.client.patch(f"/deployments/{deployment_id}", json=body).raise_for_status()

    def pause(self, deployment_id: str) -> None:
        self.client.post(f"/deployments/{deployment_id}/pause_deployment").raise_for_status()

    def patch_schedule(self, stored: dict[str, Any], slug: str, body: dict[str, Any]) -> None:
        schedule_id = _schedule(stored, slug)["id"]
        self.client.patch(f"/deployments/{stored['id']}/schedules/{schedule_id}", json=body).raise_for_status()

    def delete_deployment(self, deployment_id: str) -> None:
        self.client.delete(f"/deployments/{deployment_id}").raise_for_status()

    def patch_pool(self, name: str, body: dict[str, Any]) -> None:
        self.client.patch(f"/work_pools/{name}", json=body).raise_for_status()


@pytest.fixture
def ui(prefect_api_url: str) -> Iterator[Ui]:
    person = Ui(prefect_api_url)
    yield person
    person.client.close()


def test_owned_fields_edited_or_deleted_in_the_ui_are_reported_by_refresh_and_restored_by_up(
    *, tmp_path: Path, proxy: WireProxy, engine: Engine, api: PrefectApi, ui: Ui, unique: str
) -> None:
    """A deployment's cpu, a schedule's cron and the pool's description edited in the UI, and a deployment
    deleted there: refresh shows the live values and drops the deleted one (step.go `RefreshStep.Apply`);
    the next up restores all of them, the deleted one under a new id that the state holds; an up after that
    sends nothing."""
    files = load_stack_files(_project(tmp_path, f"{proxy.url}/api", unique), STACK)
    engine.up(files)
    first, second = f"drift-0-{unique}", f"drift-1-{unique}"
    deployments = _of_kind(engine, "Deployment")
    pool_name = f"drift-{unique}"
    pool_description = _of_kind(engine, "WorkPool")[pool_name].outputs["description"]
    stored = api.read_deployment(deployments[first].id)
    desired_cron = _schedule(stored, "zeta-daily")["schedule"]["cron"]
    second_id = deployments[second].id

    ui.patch_deployment(stored["id"], {"job_variables": {**stored["job_variables"], "cpu": 2048, "memory": 4096}})
    ui.patch_schedule(stored, "zeta-daily", {"schedule": {"cron": "0 9 * * *", "timezone": "UTC"}})
    ui.patch_pool(pool_name, {"description": "edited in the UI"})
    ui.delete_deployment(second_id)

    engine.refresh()
    deployments = _of_kind(engine, "Deployment")
    assert second not in deployments
    assert (
        deployments[first].outputs["job_variables"]["cpu"],
        deployments[first].outputs["job_variables"]["memory"],
    ) == (2048, 4096)
    assert _schedule(deployments[first].outputs, "zeta-daily")["schedule"]["cron"] == "0 9 * * *"
    assert _of_kind(engine, "WorkPool")[pool_name].outputs["description"] == "edited in the UI"

    engine.up(files)
    restored = api.read_deployment(deployments[first].id)
    assert (restored["job_variables"]["cpu"], restored["job_variables"]["memory"]) == (512, 1024)
    assert _schedule(restored, "zeta-daily")["schedule"]["cron"] == desired_cron
    assert api.read_work_pool(pool_name)["description"] == pool_description
    recreated = _of_kind(engine, "Deployment")[second]
    assert recreated.id != second_id
    assert api.read_deployment(recreated.id)["name"] == second
    with pytest.raises(NotFound):
        api.read_deployment(second_id)

    proxy.take()
    engine.up(files)
    assert proxy.take() == {}


def _paused_and_active(api: PrefectApi, deployment_id: str) -> tuple[bool, dict[str, bool]]:
    stored = api.read_deployment(deployment_id)
    return stored["paused"], {s["slug"]: s["active"] for s in stored["schedules"]}


def _up(engine: Engine, program: Callable[[], None]) -> None:
    def run() -> None:
        pulumi.runtime.set_mocks(
            _EngineMocks(engine), project="prefect-ecs-platform", stack=engine.stack, preview=False
        )
        pulumi.runtime.test(program)()

    engine.run(run)


def test_ignore_changes_keeps_what_the_ui_set_also_after_refresh(
    *, prefect_api_url: str, engine: Engine, api: PrefectApi, ui: Ui, pool: str, unique: str
) -> None:
    """`ignore_changes=["paused", "schedules[0].active"]` as documented: the UI's pause and its deactivation
    of the first schedule of the input (`zeta-daily`, which sorts last by slug) survive an up, a refresh
    and the up after it; the second schedule, not ignored, is reactivated once refresh has seen it. It
    reproduces step_generator.go's `processIgnoreChanges` before Check and Diff, with the inputs that
    step.go's `RefreshStep.Apply` takes from Read."""
    schedules = copy.deepcopy(_deployment(0)["schedules"])
    bodies = [
        {"slug": s["slug"], "active": True, "schedule": {k: v for k, v in s.items() if k != "slug"}} for s in schedules
    ]

    def program() -> None:
        Deployment(
            "ignored",
            name=f"ignored-{unique}",
            flow_name=f"drift-flow-{unique}",
            api_url=prefect_api_url,
            api_key=pulumi.Output.secret(API_KEY),
            work_pool_name=pool,
            schedules=bodies,
            paused=False,
            job_variables={"cpu": 512},
            opts=pulumi.ResourceOptions(ignore_changes=["paused", "schedules[0].active"]),
        )

    _up(engine, program)
    (stored,) = engine.prefect_objects()
    ui.pause(stored.id)
    current = api.read_deployment(stored.id)
    for slug in ("zeta-daily", "alpha-hourly"):
        ui.patch_schedule(current, slug, {"active": False})

    _up(engine, program)
    assert _paused_and_active(api, stored.id) == (True, {"zeta-daily": False, "alpha-hourly": False})

    engine.refresh()
    (refreshed,) = engine.prefect_objects()
    assert [s["slug"] for s in refreshed.outputs["schedules"]] == ["zeta-daily", "alpha-hourly"]
    assert (refreshed.inputs["paused"], refreshed.inputs["schedules"][0]["active"]) == (True, False)
    assert API_KEY not in str(refreshed.inputs) + str(refreshed.outputs)

    _up(engine, program)
    assert _paused_and_active(api, stored.id) == (True, {"zeta-daily": False, "alpha-hourly": True})
    api.delete_flow(current["flow_id"])


@pytest.mark.parametrize("ui_owned", [True, False], ids=["ui-owned", "owned"])
def test_the_ui_owned_override_keeps_the_uis_pause_and_schedule_flags_and_without_it_up_reverts_them(
    *, tmp_path: Path, prefect_api_url: str, engine: Engine, api: PrefectApi, ui: Ui, unique: str, ui_owned: bool
) -> None:
    """`deploymentOverrides: {"*": {ui_owned: [paused, schedules_active]}}` makes the component set the child
    deployments' ignore_changes (`paused`, `schedules[i].active`): the UI's values survive refresh and up.
    Without it, paused and every schedule's active flag are owned, and refresh then up reverts them. The
    engine behaviour reproduced is that of `processIgnoreChanges` (step_generator.go) after a refresh whose
    Read returned inputs (step.go `RefreshStep.Apply`)."""
    overrides = {"*": {"ui_owned": ["paused", "schedules_active"]}} if ui_owned else None
    files = load_stack_files(_project(tmp_path, prefect_api_url, unique, overrides), STACK)
    engine.up(files)
    deployment_id = _of_kind(engine, "Deployment")[f"drift-0-{unique}"].id
    ui.pause(deployment_id)
    current = api.read_deployment(deployment_id)
    for slug in ("zeta-daily", "alpha-hourly"):
        ui.patch_schedule(current, slug, {"active": False})

    engine.refresh()
    engine.up(files)
    if ui_owned:
        assert _paused_and_active(api, deployment_id) == (True, {"zeta-daily": False, "alpha-hourly": False})
    else:
        assert _paused_and_active(api, deployment_id) == (False, {"zeta-daily": True, "alpha-hourly": True})
