"""What every flow-run task of the stack runs on: one frozen bundle, so builders take it instead of its parts."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.cluster import Cluster
from prefect_ecs_platform.aws.flow_image import FlowImage
from prefect_ecs_platform.aws.iam_roles import FlowRunRoles
from prefect_ecs_platform.aws.network import Network
from prefect_ecs_platform.aws.secrets import PrefectCredentials


@dataclass(frozen=True)
class FlowRunInfrastructure:
    cluster: Cluster
    network: Network
    roles: FlowRunRoles
    log_group: aws.cloudwatch.LogGroup
    image: FlowImage
    credentials: PrefectCredentials
    region: pulumi.Output[str]
    partition: pulumi.Output[str]
    account_id: pulumi.Output[str]
    #: "X86_64" or "ARM64", as the flow image was built.
    cpu_architecture: str
    tags: dict[str, str]

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What a task on this cluster needs before it starts: capacity association, role policies, secret values."""
        return [*self.cluster.ready, *self.roles.ready, *self.credentials.values]
