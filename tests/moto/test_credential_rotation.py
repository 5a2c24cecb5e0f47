"""A new Prefect credential reaches the worker: two runs of a worker-mode stack in moto that differ only in it.

The first run deploys the stack into moto (`tests.support.moto.component_in_moto`); the second runs the program again
over that state (`tests.support.moto.component_update`), changing in moto only what the engine would change. The
rollout hooks run as the engine runs them around an update of the service, against moto's ECS: the baseline
before it, the check after it, the check only if the service was updated.
"""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import pytest
from pulumi import ResourceHookArgs

from prefect_ecs_platform.aws.hook_session import ProviderAuth
from prefect_ecs_platform.aws.provider_auth import AwsAuth
from prefect_ecs_platform.aws.worker_rollout import (
    check_rollout_after_change,
    deployment_ids,
    record_deployments_before_update,
)
from prefect_ecs_platform.aws.worker_service import WORKER_CONTAINER_NAME
from tests.support.moto.component_in_moto import DeployedStack, deploy_component
from tests.support.moto.component_update import UpdatedStack, update_component
from tests.support.private_loop import run_in_private_loop

pytestmark = pytest.mark.moto

#: The hooks act as a provider configured by the environment alone, which points at moto here.
AUTH = ProviderAuth(AwsAuth(source="the test's environment"))

STACK = "moto-rotate"
FIRST = "admin:first-password"
SECOND = "admin:second-password"
SERVICE = ("aws:ecs/service:Service", f"{STACK}-worker")
AUTH_STRING_VERSION = ("aws:secretsmanager/secretVersion:SecretVersion", f"{STACK}-prefect-auth-string")


@dataclass(frozen=True, kw_only=True)
class Rotation:
    before: DeployedStack
    after: UpdatedStack
    #: The service's deployments when the update began, and the one the rollout check found complete (None when
    #: the service was not updated, so the engine would not run the check).
    deployments_before: frozenset[str]
    checked: str | None


def _hook_args(before: DeployedStack, after: DeployedStack | None) -> ResourceHookArgs:
    old = before.resource(*SERVICE)
    return ResourceHookArgs(
        urn=f"urn:pulumi:dev::prefect-ecs-platform::aws:ecs/service:Service::{SERVICE[1]}",
        id=old.id,
        name=SERVICE[1],
        type=SERVICE[0],
        old_outputs=old.outputs,
        new_outputs=after.resource(*SERVICE).outputs if after else None,
    )


@pytest.fixture(scope="module")
def rotation(aws: boto3.Session) -> Rotation:
    """The stack deployed with FIRST, then updated with SECOND, with the rollout hooks around the update."""
    with pytest.MonkeyPatch.context() as patch:
        # moto completes a deployment at once when this many tasks of it run.
        patch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
        before = deploy_component(aws, STACK, "worker", prefect_api_auth_string=FIRST)
        cluster, name = before.cluster_arn, str(before.outputs["worker_service_name"])
        deployments_before = deployment_ids(aws.client("ecs"), cluster=cluster, service=name)
        run_in_private_loop(record_deployments_before_update(_hook_args(before, None), auth=AUTH))
        after = update_component(aws, before, prefect_api_auth_string=SECOND)
        checked = None
        if SERVICE in after.changed:
            check = check_rollout_after_change(
                _hook_args(before, after.stack), container_name=WORKER_CONTAINER_NAME, auth=AUTH, timeout=0
            )
            checked = run_in_private_loop(check)
    return Rotation(before=before, after=after, deployments_before=deployments_before, checked=checked)


def test_only_the_secret_version_and_the_services_triggers_change(rotation: Rotation) -> None:
    """The update replaces the auth string's version and updates the service's triggers, and changes nothing else."""
    assert rotation.after.changed == {AUTH_STRING_VERSION: ["secretString"], SERVICE: ["triggers"]}


def test_the_new_value_is_the_secrets_current_one(rotation: Rotation, aws: boto3.Session) -> None:
    """ECS reads the secret's current version when it starts a task: after the update that is the new value."""
    arn = rotation.after.stack.secret_arn
    assert arn == rotation.before.secret_arn
    assert aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"] == SECOND


def test_the_update_started_a_deployment_and_the_check_found_it(rotation: Rotation, aws: boto3.Session) -> None:
    """The service update forced a new deployment (same task definition); the rollout check waited for that one."""
    stack = rotation.after.stack
    [service] = aws.client("ecs").describe_services(
        cluster=stack.cluster_arn, services=[str(stack.outputs["worker_service_name"])]
    )["services"]
    [primary] = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
    assert rotation.checked == primary["id"]
    assert primary["id"] not in rotation.deployments_before
    task_definition = stack.resource("aws:ecs/taskDefinition:TaskDefinition", f"{STACK}-worker").outputs["arn"]
    assert primary["taskDefinition"] == task_definition == service["taskDefinition"]
