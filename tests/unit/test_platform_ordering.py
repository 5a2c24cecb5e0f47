"""What the engine creates first: nothing starts tasks before the cluster, roles and secrets can run them.

Each assertion reads the dependencies the SDK sent the engine (explicit and through Outputs), which is
what the engine orders creates and deletes by.
"""

from __future__ import annotations

from typing import Any

import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from tests.support import ROOT
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness

CAPACITY = ("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "data-capacity")
CLUSTER = ("aws:ecs/cluster:Cluster", "data-cluster")
EXECUTION_ROLE = ("aws:iam/role:Role", "data-execution")
EXECUTION_POLICY = ("aws:iam/rolePolicy:RolePolicy", "data-execution")
API_KEY_VALUE = ("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-api-key")
AUTH_STRING_VALUE = ("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-auth-string")
PUSH_POLICY = ("aws:iam/userPolicyAttachment:UserPolicyAttachment", "data-push")
WORKER_SERVICE = ("aws:ecs/service:Service", "data-worker")
WORKER_POLICY = ("aws:iam/rolePolicy:RolePolicy", "data-worker")
POOL = ("pulumi-python:dynamic/prefect:WorkPool", "data-work-pool")
BLOCK = ("pulumi-python:dynamic/prefect:BlockDocument", "data-aws-credentials")
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"


def deploy(harness: PulumiHarness, **overrides: Any) -> None:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "prefect_api_key": "pnu_ordering_unit_key",
        "work_pool_name": "ecs-dev",
        "deployments": load_prefect_yaml(ROOT / "flows" / "prefect.yaml"),
        "project_root": str(ROOT),
    }
    values.update(overrides)
    deploy_platform(harness, PrefectEcsPlatformArgs(**values))


def deployments(harness: PulumiHarness) -> list[tuple[str, str]]:
    found = [(DEPLOYMENT, r.name) for r in harness.of_type(DEPLOYMENT)]
    assert found
    return found


def test_recorded_dependencies_are_visible(pulumi_harness: PulumiHarness) -> None:
    """Guard: a dependency carried by an Output shows, and the reverse direction does not."""
    deploy(pulumi_harness)
    assert pulumi_harness.waits_for(EXECUTION_POLICY, EXECUTION_ROLE)
    assert pulumi_harness.waits_for(CAPACITY, CLUSTER)
    assert not pulumi_harness.waits_for(CLUSTER, CAPACITY)
    assert not pulumi_harness.waits_for(EXECUTION_ROLE, EXECUTION_POLICY)


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_pool_and_deployments_wait_until_runs_can_start(pulumi_harness: PulumiHarness, mode: str) -> None:
    """A pool or deployment can start a run at once, so it waits for capacity, the role's policy and the key."""
    deploy(
        pulumi_harness, mode=mode, **({"prefect_api_url": "https://prefect.example/api"} if mode == "worker" else {})
    )
    for starter in [POOL, *deployments(pulumi_harness)]:
        for needed in (CAPACITY, EXECUTION_POLICY, API_KEY_VALUE):
            assert pulumi_harness.waits_for(starter, needed), (starter, needed)


def test_push_credentials_block_waits_for_the_push_users_policy(pulumi_harness: PulumiHarness) -> None:
    """Prefect Cloud may submit with the key as soon as the block exists: the key must already be allowed."""
    deploy(pulumi_harness)
    assert pulumi_harness.waits_for(BLOCK, PUSH_POLICY)


def test_worker_service_waits_for_everything_its_tasks_need(pulumi_harness: PulumiHarness) -> None:
    """The service starts tasks on create: capacity, both roles' policies and the secret values come first."""
    deploy(
        pulumi_harness,
        mode="worker",
        prefect_api_url="https://prefect.example/api",
        prefect_api_key=None,
        prefect_api_auth_string="user:pass",
    )
    for needed in (CAPACITY, EXECUTION_POLICY, WORKER_POLICY, AUTH_STRING_VALUE):
        assert pulumi_harness.waits_for(WORKER_SERVICE, needed), needed


def test_worker_service_comes_after_its_pool_and_goes_before_it(pulumi_harness: PulumiHarness) -> None:
    """The worker must never run while its pool is missing: created after the pool, deleted before it.

    Deployments hang on the pool too, so the pool's creation does not wait for the worker either.
    """
    deploy(pulumi_harness, mode="worker", prefect_api_url="https://prefect.example/api")
    assert pulumi_harness.waits_for(WORKER_SERVICE, POOL)
    assert not pulumi_harness.waits_for(POOL, WORKER_SERVICE)
    for deployment in deployments(pulumi_harness):
        assert not pulumi_harness.waits_for(deployment, WORKER_SERVICE), deployment


SECURITY_GROUP = ("aws:ec2/securityGroup:SecurityGroup", "data-tasks")
VPC = ("awsx:ec2:Vpc", "data-vpc")


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_tasks_are_drained_after_what_starts_them_and_before_what_they_hold(
    pulumi_harness: PulumiHarness, mode: str
) -> None:
    """The capacity association carries the drain hook; deletes run in reverse of these waits.

    Pool, deployments and worker wait for it (so they are deleted before it: no new runs), and it waits for
    the security group, the VPC and the cluster (so they are deleted after the tasks are stopped).
    """
    server = {"prefect_api_url": "https://prefect.example/api"} if mode == "worker" else {}
    deploy(pulumi_harness, mode=mode, **server)
    assert pulumi_harness.registration(*CAPACITY).hooks == {"before_delete": ("data-drain-tasks",)}
    for held in (SECURITY_GROUP, VPC, CLUSTER):
        assert pulumi_harness.waits_for(CAPACITY, held), held
    starters = [POOL, *deployments(pulumi_harness)] + ([WORKER_SERVICE] if mode == "worker" else [])
    for starter in starters:
        assert pulumi_harness.waits_for(starter, CAPACITY), starter


def test_on_a_brought_cluster_the_security_group_drains_its_tasks(pulumi_harness: PulumiHarness) -> None:
    """With no association of its own, the stack's group stops its tasks before it and the VPC go."""
    deploy(pulumi_harness, cluster_arn="arn:aws:ecs:eu-west-1:123456789012:cluster/shared")
    assert pulumi_harness.of_type(CAPACITY[0]) == []
    assert pulumi_harness.registration(*SECURITY_GROUP).hooks == {"before_delete": ("data-drain-tasks",)}
    assert pulumi_harness.waits_for(SECURITY_GROUP, VPC)
    for starter in [POOL, *deployments(pulumi_harness)]:
        assert pulumi_harness.waits_for(starter, SECURITY_GROUP), starter
