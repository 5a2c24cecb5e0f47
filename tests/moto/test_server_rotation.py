"""After RDS rotates the database password, the hosted server restarts: the rule the component registers picks
out that secret's rotation, and the Lambda handler starts a new deployment of the server's service.

moto 5.2.5 does not implement TestEventPattern, so the pattern is put on a moto rule whose target is a queue,
and the events are sent with PutEvents: what reaches the queue is what the rule matched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from prefect_ecs_platform.aws import server_rotation_handler
from prefect_ecs_platform.aws.server_container import ServerContainerSettings, server_container
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from tests.support.hosted_server import deploy_hosted_server
from tests.support.pulumi_mocks import ACCOUNT, REGION, PulumiHarness

pytestmark = pytest.mark.moto

OTHER_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-99999999-8888-7777-6666-555555555555-ZyXwVu"


@pytest.fixture
def registered(pulumi_harness: PulumiHarness) -> dict[str, Any]:
    """What the component registered: the rule's pattern, the database secret and the function's environment."""
    out = deploy_hosted_server(pulumi_harness, PrefectServerArgs(enabled=True))
    rule = pulumi_harness.named("aws:cloudwatch/eventRule:EventRule", "data-server-rotation")
    function = pulumi_harness.one("aws:lambda/function:Function")
    return {
        "pattern": rule.inputs["eventPattern"],
        "secret_arn": out["database_secret_arn"],
        "environment": function.inputs["environment"]["variables"],
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def rotation_event(secret_arn: str, event_name: str = "RotationSucceeded") -> dict[str, Any]:
    """A PutEvents entry shaped as CloudTrail delivers Secrets Manager's rotation events (a service event)."""
    detail = {
        "eventVersion": "1.08",
        "userIdentity": {"accountId": ACCOUNT, "invokedBy": "secretsmanager.amazonaws.com"},
        "eventTime": "2026-12-07T03:00:00Z",
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": event_name,
        "awsRegion": REGION,
        "sourceIPAddress": "secretsmanager.amazonaws.com",
        "userAgent": "secretsmanager.amazonaws.com",
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": {"SecretId": secret_arn},
        "eventType": "AwsServiceEvent",
        "readOnly": False,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    return {
        "Source": "aws.secretsmanager",
        "DetailType": "AWS Service Event via CloudTrail",
        "Detail": json.dumps(detail),
    }


def matched(aws: boto3.Session, pattern: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events of `entries` a rule with `pattern` delivers, in order."""
    sqs, events = aws.client("sqs"), aws.client("events")
    queue_url = sqs.create_queue(QueueName="matched")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="server-rotation", EventPattern=pattern)
    events.put_targets(Rule="server-rotation", Targets=[{"Id": "queue", "Arn": queue_arn}])
    assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_rule_matches_the_rotation_of_the_database_secret(aws: boto3.Session, registered: dict[str, Any]) -> None:
    """RotationSucceeded of the server's secret reaches the target."""
    [event] = matched(aws, registered["pattern"], [rotation_event(registered["secret_arn"])])
    assert event["detail"]["additionalEventData"]["SecretId"] == registered["secret_arn"]


def test_rule_ignores_other_secrets_and_failed_rotations(aws: boto3.Session, registered: dict[str, Any]) -> None:
    """Another secret's rotation, or a failed rotation of this one, restarts nothing."""
    entries = [rotation_event(OTHER_SECRET), rotation_event(registered["secret_arn"], "RotationFailed")]
    assert matched(aws, registered["pattern"], entries) == []


def test_handler_starts_a_new_deployment_of_the_server(
    aws: boto3.Session, registered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run with the environment the component gave the function, the handler redeploys the server's service."""
    environment = registered["environment"]
    cluster_arn = environment[server_rotation_handler.CLUSTER_VARIABLE]
    service_name = environment[server_rotation_handler.SERVICE_VARIABLE]
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName=cluster_arn.rsplit("/", 1)[1])
    container = server_container(
        ServerContainerSettings(
            image=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/flows@sha256:" + "a" * 64,
            database_host="data-database.c0ffee123456.eu-west-1.rds.amazonaws.com",
            database_secret_arn=registered["secret_arn"],
            auth_string_secret_arn=f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:data-prefect-auth-string-AbCdEf",
            log_group_name="/prefect/data/flow-runs",
            region=REGION,
        )
    )
    # moto places tasks only for containers with a memory; Fargate sets it on the task.
    task_definition = ecs.register_task_definition(
        family="prefect-server_ecs-dev",
        containerDefinitions=[{**container, "memory": 2048}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="1024",
        memory="2048",
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=cluster_arn, serviceName=service_name, taskDefinition=task_definition, desiredCount=1)

    def deployment_ids() -> list[str]:
        [service] = ecs.describe_services(cluster=cluster_arn, services=[service_name])["services"]
        return [d["id"] for d in service["deployments"]]

    before = deployment_ids()
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    entry = rotation_event(registered["secret_arn"])
    delivered = {
        "id": "1",
        "source": entry["Source"],
        "detail-type": entry["DetailType"],
        "detail": json.loads(entry["Detail"]),
    }
    result = server_rotation_handler.handler(delivered, None)
    after = deployment_ids()
    assert after != before
    assert result == {"service": service_name, "deployment": after[0]}
    [service] = ecs.describe_services(cluster=cluster_arn, services=[service_name])["services"]
    assert service["taskDefinition"] == task_definition
