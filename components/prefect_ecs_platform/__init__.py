"""A Pulumi component that runs a production Prefect 3 platform on AWS ECS Fargate."""

from .args import PrefectEcsPlatformArgs
from .deployment_args import DeploymentArgs, ScheduleArgs
from .job_template import JobTemplateSettings, build_base_job_template
from .platform import PrefectEcsPlatform
from .prefect_yaml import load_prefect_yaml
from .problems import InvalidInputError, Problem

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
