"""A Pulumi component that runs a production Prefect 3 platform on AWS ECS Fargate."""

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.inputs.problems import InvalidInputError, Problem
from prefect_ecs_platform.platform import PrefectEcsPlatform
from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template

__all__ = [
    "DeploymentArgs",
    "InvalidInputError",
    "JobTemplateSettings",
    "PrefectEcsPlatform",
    "PrefectEcsPlatformArgs",
    "Problem",
    "ScheduleArgs",
    "build_base_job_template",
    "load_prefect_yaml",
]
