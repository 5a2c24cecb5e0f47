"""The analytics team's platform: prefect-ecs-platform in their own VPC, with their own flows."""

import os
from pathlib import Path

import pulumi

from prefect_ecs_platform import PrefectEcsPlatform, PrefectEcsPlatformArgs, load_prefect_yaml

config = pulumi.Config()
stack = pulumi.get_stack()
api_key = config.get_secret("prefectApiKey") or pulumi.Output.secret(os.environ["PREFECT_API_KEY"])

platform = PrefectEcsPlatform(
    "analytics",
    PrefectEcsPlatformArgs(
        prefect_api_url=config.require("prefectApiUrl"),
        prefect_api_key=api_key,
        work_pool_name=f"analytics-{stack}",
        vpc_id=config.require("vpcId"),
        subnet_ids=config.require_object("subnetIds"),
        cpu=512,
        memory=1024,
        log_retention_days=14,
        image_context="flows",
        deployments=load_prefect_yaml(Path("flows/prefect.yaml"), stack=stack),
        deployment_name_suffix=f"-{stack}",
        tags={"team": "analytics"},
    ),
)

pulumi.export("workPoolName", platform.work_pool_name)
pulumi.export("clusterArn", platform.cluster_arn)
pulumi.export("deploymentIds", platform.deployment_ids)
