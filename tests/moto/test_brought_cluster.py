"""The worker service on a brought cluster, in moto holding to ECS's rule on capacity provider strategies.

ECS refuses a strategy that names a capacity provider the cluster has not associated; moto does not, so
`capacity_providers_must_be_associated` adds the rule. A brought cluster may have no provider associated.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.moto.component_in_moto import deploy_component
from tests.support.moto.moto_patches import UNASSOCIATED_CAPACITY_PROVIDER, capacity_providers_must_be_associated

pytestmark = pytest.mark.moto


@pytest.fixture(scope="module")
def ecs_rules(aws: boto3.Session) -> Iterator[boto3.Session]:
    """moto's AWS with ECS's capacity provider rule, and a brought cluster with no provider associated."""
    with capacity_providers_must_be_associated():
        aws.client("ecs").create_cluster(clusterName="brought-bare")
        yield aws


def _bare_cluster_arn(session: boto3.Session) -> str:
    [cluster] = session.client("ecs").describe_clusters(clusters=["brought-bare"])["clusters"]
    assert not cluster.get("capacityProviders")
    return str(cluster["clusterArn"])


def test_the_rule_refuses_a_strategy_the_cluster_cannot_serve(ecs_rules: boto3.Session) -> None:
    """Guard: on the bare cluster a FARGATE strategy is refused with ECS's message, so the next tests mean something."""
    ecs = ecs_rules.client("ecs")
    ecs.register_task_definition(family="guard", containerDefinitions=[{"name": "c", "image": "i", "memory": 512}])
    with pytest.raises(ClientError) as refused:
        ecs.create_service(
            cluster=_bare_cluster_arn(ecs_rules),
            serviceName="guard",
            taskDefinition="guard",
            desiredCount=1,
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert refused.value.response["Error"]["Message"] == UNASSOCIATED_CAPACITY_PROVIDER


def test_the_worker_starts_on_a_brought_cluster_without_capacity_providers(ecs_rules: boto3.Session) -> None:
    """The worker service on a brought cluster with no provider associated is created, on on-demand Fargate."""
    cluster_arn = _bare_cluster_arn(ecs_rules)
    stack = deploy_component(ecs_rules, "moto-brought", "worker", cluster_arn=cluster_arn)
    [service] = ecs_rules.client("ecs").describe_services(
        cluster=cluster_arn, services=[str(stack.outputs["worker_service_name"])]
    )["services"]
    assert (service["clusterArn"], service["launchType"], service["status"]) == (cluster_arn, "FARGATE", "ACTIVE")


def test_the_stacks_own_cluster_keeps_the_fargate_strategy(ecs_rules: boto3.Session) -> None:
    """On the cluster the stack creates (FARGATE and FARGATE_SPOT associated) the service keeps its strategy."""
    stack = deploy_component(ecs_rules, "moto-own-cluster", "worker")
    registered = stack.resource("aws:ecs/service:Service", "moto-own-cluster-worker").inputs
    assert registered["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert "launchType" not in registered
