"""The ECS cluster flow runs are started on."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.arns import cluster_name_from_arn


@dataclass(frozen=True)
class Cluster:
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    #: What must exist before a task is started with a capacity provider strategy (aws/containers-roadmap#631):
    #: the capacity provider association. Empty for a brought cluster, which is ready as it is.
    ready: list[pulumi.Resource]


def create_cluster(
    name: str,
    args: PrefectEcsPlatformArgs,
    *,
    network_held_by_tasks: list[pulumi.Resource],
    drain: pulumi.ResourceHook,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> Cluster:
    """Create a Fargate cluster with on-demand and Spot capacity, or use the brought one.

    The capacity association is the cluster's drain point: what starts tasks depends on it, it depends on what
    tasks hold (`network_held_by_tasks`) and on the cluster, so its before-delete hook (`drain`) stops the remaining
    tasks after nothing can start new ones and before the network and the cluster are deleted.
    """
    if args.cluster_arn is not None:
        arn = pulumi.Output.from_input(args.cluster_arn)
        return Cluster(arn=arn, name=arn.apply(cluster_name_from_arn), ready=[])
    cluster = aws.ecs.Cluster(
        f"{name}-cluster",
        settings=[
            aws.ecs.ClusterSettingArgs(
                name="containerInsights", value="enabled" if args.container_insights else "disabled"
            )
        ],
        tags=tags,
        opts=opts,
    )
    capacity = aws.ecs.ClusterCapacityProviders(
        f"{name}-capacity",
        cluster_name=cluster.name,
        # FARGATE_SPOT must be registered on the cluster before a task can ask for it.
        capacity_providers=["FARGATE", "FARGATE_SPOT"],
        default_capacity_provider_strategies=[
            aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)
        ],
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                depends_on=network_held_by_tasks,
                hooks=pulumi.ResourceHookBinding(before_delete=[drain]),
            ),
        ),
    )
    return Cluster(arn=cluster.arn, name=cluster.name, ready=[capacity])
