"""The component with `prefect_server` enabled: the server, its database and network in the graph, and the
worker, flow runs and Prefect objects pointed at it with the generated auth string and no user input."""

from __future__ import annotations

import json
from typing import Any

from pulumi.runtime import rpc

from tests.support.deployed_platform import deploy_platform
from tests.support.hosted_server import hosted_args
from tests.support.pulumi_mocks import PulumiHarness, unsecret

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVER_SERVICE = (SERVICE, "data-server")
WORKER_SERVICE = (SERVICE, "data-worker")
DATABASE = ("aws:rds/instance:Instance", "data-database")
POOL = ("pulumi-python:dynamic/prefect:WorkPool", "data-work-pool")
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"
AUTH_SECRET = ("aws:secretsmanager/secret:Secret", "data-prefect-auth-string")
SERVER_READY = ("pulumi-python:dynamic/prefect:ServerReady", "data-server-ready")
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def container(harness: PulumiHarness, family_resource: str) -> dict[str, Any]:
    [definition] = json.loads(harness.named(TASK_DEFINITION, family_resource).inputs["containerDefinitions"])
    return definition


def environment(definition: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in definition["environment"]}


def secrets(definition: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["valueFrom"] for item in definition["secrets"]}


def test_everything_uses_the_hosted_servers_url_and_generated_auth_string(pulumi_harness: PulumiHarness) -> None:
    outputs = deploy_platform(pulumi_harness, hosted_args())
    url = outputs["prefect_api_url"]
    distribution = pulumi_harness.one("aws:cloudfront/distribution:Distribution")
    assert outputs["prefect_ui_url"] == f"https://{distribution.outputs['domainName']}"
    assert url == f"{outputs['prefect_ui_url']}/api"
    load_balancer = pulumi_harness.one("aws:lb/loadBalancer:LoadBalancer")
    internal = f"http://{load_balancer.outputs['dnsName']}/api"
    assert outputs["database_identifier"]
    assert outputs["prefect_server_service_name"]

    worker = container(pulumi_harness, "data-worker")
    auth_arn = pulumi_harness.named(*AUTH_SECRET).outputs["arn"]
    # The worker (and the runs it starts) stay inside the VPC; Pulumi's objects go through the public endpoint.
    assert environment(worker)["PREFECT_API_URL"] == internal
    assert secrets(worker) == {"PREFECT_API_AUTH_STRING": auth_arn}
    assert secrets(container(pulumi_harness, "data-server"))["PREFECT_SERVER_API_AUTH_STRING"] == auth_arn
    assert (
        outputs["base_job_template"]["variables"]["properties"]["prefect_api_auth_string_secret_arn"]["default"]
        == auth_arn
    )

    generated = unsecret(pulumi_harness.named("random:index/randomPassword:RandomPassword", "data-server-auth").outputs)
    stored = pulumi_harness.named("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-auth-string")
    assert unsecret(stored.inputs["secretString"]) == f"prefect:{generated['result']}"
    for prefect_object in [pulumi_harness.named(*POOL), *pulumi_harness.of_type(DEPLOYMENT)]:
        assert prefect_object.inputs["api_url"] == url
        # Marked secret, so the state holds it encrypted.
        assert prefect_object.inputs["api_auth_string"][rpc._special_sig_key] == rpc._special_secret_sig
        assert unsecret(prefect_object.inputs["api_auth_string"]) == f"prefect:{generated['result']}"
        assert prefect_object.inputs.get("api_key") is None


def test_no_server_database_or_load_balancer_without_hosting(pulumi_harness: PulumiHarness) -> None:
    outputs = deploy_platform(
        pulumi_harness, hosted_args(prefect_server=None, prefect_api_url="https://prefect.example/api")
    )
    assert outputs["prefect_api_url"] == "https://prefect.example/api"
    assert outputs["database_identifier"] is None
    for typ in (
        "aws:rds/instance:Instance",
        "aws:lb/loadBalancer:LoadBalancer",
        "random:index/randomPassword:RandomPassword",
    ):
        assert pulumi_harness.of_type(typ) == [], typ
    assert [r.name for r in pulumi_harness.of_type(SERVICE)] == ["data-worker"]


def test_the_worker_and_the_prefect_objects_wait_for_the_server_and_the_server_for_its_database(
    pulumi_harness: PulumiHarness,
) -> None:
    deploy_platform(pulumi_harness, hosted_args())
    starters = [WORKER_SERVICE, POOL, *((DEPLOYMENT, r.name) for r in pulumi_harness.of_type(DEPLOYMENT))]
    for starter in starters:
        assert pulumi_harness.waits_for(starter, SERVER_SERVICE), starter
    assert pulumi_harness.waits_for(SERVER_SERVICE, DATABASE)
    assert not pulumi_harness.waits_for(SERVER_SERVICE, POOL)


def test_the_prefect_objects_and_the_worker_wait_until_the_server_answers_at_their_url(
    pulumi_harness: PulumiHarness,
) -> None:
    """They wait for `ServerReady` (a create that polls /api/ready), which itself waits for the server's service,
    polls the URL the objects use, names the server's log streams, and carries no credential."""
    outputs = deploy_platform(pulumi_harness, hosted_args())
    starters = [WORKER_SERVICE, POOL, *((DEPLOYMENT, r.name) for r in pulumi_harness.of_type(DEPLOYMENT))]
    for starter in starters:
        assert pulumi_harness.waits_for(starter, SERVER_READY), starter
    assert pulumi_harness.waits_for(SERVER_READY, SERVER_SERVICE)
    ready = pulumi_harness.named(*SERVER_READY)
    assert ready.inputs["api_url"] == outputs["prefect_api_url"] == pulumi_harness.named(*POOL).inputs["api_url"]
    group = pulumi_harness.named(LOG_GROUP, "data-flow-runs").outputs["name"]
    assert outputs["log_group_name"] == group
    assert f"CloudWatch log group {group}, streams server/prefect-server/" in ready.inputs["log_hint"]
    assert ready.inputs["timeout_seconds"] == 900
    generated = unsecret(pulumi_harness.named("random:index/randomPassword:RandomPassword", "data-server-auth").outputs)
    assert generated["result"] not in json.dumps(unsecret(ready.inputs))
    assert set(ready.inputs) == {"__provider", "api_url", "log_hint", "timeout_seconds"}


def test_the_hosted_stacks_objects_put_their_auth_string_before_the_environments(
    pulumi_harness: PulumiHarness,
) -> None:
    deploy_platform(pulumi_harness, hosted_args())
    for prefect_object in [pulumi_harness.named(*POOL), *pulumi_harness.of_type(DEPLOYMENT)]:
        # Plain, not secret: a flag, and the diff ignores it, so adding it to older state is no change.
        assert prefect_object.inputs["api_auth_string_from_stack"] is True


def test_other_stacks_objects_carry_no_auth_string_flag(pulumi_harness: PulumiHarness) -> None:
    deploy_platform(pulumi_harness, hosted_args(prefect_server=None, prefect_api_url="https://prefect.example/api"))
    assert pulumi_harness.of_type(SERVER_READY[0]) == []
    for prefect_object in [pulumi_harness.named(*POOL), *pulumi_harness.of_type(DEPLOYMENT)]:
        assert "api_auth_string_from_stack" not in prefect_object.inputs
