"""The CloudWatch log group flow-run containers write to."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs


def create_log_group(
    name: str, args: PrefectEcsPlatformArgs, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        f"{name}-flow-runs",
        name_prefix=f"/prefect/{name}/flow-runs-",
        retention_in_days=args.log_retention_days,
        tags=tags,
        opts=opts,
    )
