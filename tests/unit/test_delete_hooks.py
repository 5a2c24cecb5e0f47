"""The drain hook is registered under every name a stack's state can hold, in every configuration.

The engine-like harness (tests/support/engine.py `StackEngine`) keeps the checkpoint between runs and fails a preview or
an update, as Pulumi's engine does, when a deleted resource's stored hook name is not registered by the program.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from moto import mock_aws

from prefect_ecs_platform import PrefectEcsPlatform, PrefectEcsPlatformArgs, keep_delete_hooks
from tests.support.engine import HookNotRegistered, StackEngine
from tests.support.pulumi_mocks import CLOUD_URL

BROUGHT_CLUSTER = {"cluster_arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/shared"}
BROUGHT_NETWORK = {"vpc_id": "vpc-0brought", "subnet_ids": ["subnet-0a", "subnet-0b"]}
BROUGHT_GROUPS = {**BROUGHT_NETWORK, "security_group_ids": ["sg-0brought"]}
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "created cluster, created group": {},
    "created cluster, created group in a brought network": BROUGHT_NETWORK,
    "created cluster, brought group": BROUGHT_GROUPS,
    "brought cluster, created group": BROUGHT_CLUSTER,
    "brought cluster, brought group": {**BROUGHT_CLUSTER, **BROUGHT_GROUPS},
}
SWITCHES = [(before, after) for before in CONFIGURATIONS for after in CONFIGURATIONS if before != after]


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The hooks run for real on each delete: against an empty moto account (nothing to stop)."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


def platform(name: str = "data", opts: pulumi.ResourceOptions | None = None, **overrides: Any) -> None:
    args = PrefectEcsPlatformArgs(
        prefect_api_url=CLOUD_URL, prefect_api_key="pnu_delete_hooks_unit_key", work_pool_name="ecs-dev", **overrides
    )
    PrefectEcsPlatform(name, args, opts)


def deleted_types(engine: StackEngine, urns: list[str]) -> set[str]:
    return {urn.split("::")[2].split("$")[-1] for urn in urns}


@pytest.mark.parametrize(("before", "after"), SWITCHES)
def test_switching_what_is_brought_keeps_the_stored_hook_registered(before: str, after: str) -> None:
    """Every switch between created and brought cluster or group previews and applies: the old hook name is known."""
    engine = StackEngine()
    engine.up(lambda: platform(**CONFIGURATIONS[before]))
    engine.preview(lambda: platform(**CONFIGURATIONS[after]))
    engine.up(lambda: platform(**CONFIGURATIONS[after]))


def test_the_switch_to_a_brought_cluster_and_groups_deletes_what_held_the_hook() -> None:
    """The switch the hook matters for deletes the association and the group, both holding its name."""
    engine = StackEngine()
    engine.up(platform)
    steps = engine.up(lambda: platform(**CONFIGURATIONS["brought cluster, brought group"]))
    assert {
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ecs/cluster:Cluster",
    } <= deleted_types(engine, steps.deletes)


def test_the_created_group_carries_the_hook_whatever_the_cluster() -> None:
    """A created group is drained on deletion with a created cluster too (it may be swapped for a brought one)."""
    engine = StackEngine()
    engine.up(platform)
    [group] = [e for e in engine.state.values() if e.type == "aws:ec2/securityGroup:SecurityGroup"]
    [association] = [
        e for e in engine.state.values() if e.type == "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
    ]
    assert group.hooks == association.hooks == {"before_delete": ("data-drain-tasks",)}


def test_a_component_renamed_through_an_alias_keeps_its_old_hook_name_registered() -> None:
    """Renamed with `aliases`, the component still registers `<old name>-drain-tasks` for what its state holds."""
    engine = StackEngine()
    engine.up(lambda: platform("data"))
    renamed = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="data")])
    engine.preview(lambda: platform("platform", renamed, **CONFIGURATIONS["brought cluster, brought group"]))
    steps = engine.up(lambda: platform("platform", renamed, **CONFIGURATIONS["brought cluster, brought group"]))
    # The engine carries children named after the component over to the new name: nothing else is replaced.
    assert any(urn.endswith("::platform-flows") for urn in steps.aliased)
    assert {urn.rsplit("::", 1)[1] for urn in steps.deletes} >= {"data-capacity", "data-tasks", "data-cluster"}


def test_the_harness_refuses_a_stored_hook_name_nobody_registers() -> None:
    """Guard: removing the component from the program fails the preview, as the engine fails it."""
    engine = StackEngine()
    engine.up(platform)
    with pytest.raises(HookNotRegistered, match="hook 'data-drain-tasks' was not registered"):
        engine.preview(lambda: None)


def test_a_removed_component_is_deleted_with_keep_delete_hooks() -> None:
    """`keep_delete_hooks("data")` in the program lets the update that removes the component delete it."""
    engine = StackEngine()
    engine.up(platform)
    engine.preview(lambda: keep_delete_hooks("data"))
    before = set(engine.state)
    steps = engine.up(lambda: keep_delete_hooks("data"))
    assert engine.state == {}
    assert set(steps.deletes) == before


def test_destroy_runs_the_program_for_its_hooks() -> None:
    """`pulumi destroy --run-program` of any configuration finds every stored hook name."""
    for configuration in CONFIGURATIONS.values():
        engine = StackEngine()
        program = functools.partial(platform, **configuration)
        engine.up(program)
        engine.destroy(program)
        assert engine.state == {}
