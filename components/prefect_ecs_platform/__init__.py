"""A Pulumi component that runs a production Prefect 3 platform on AWS ECS Fargate."""

from .args import PrefectEcsPlatformArgs
from .job_template import JobTemplateSettings, build_base_job_template
from .platform import PrefectEcsPlatform
from .problems import InvalidInputError, Problem

__all__ = [
    "InvalidInputError",
    "JobTemplateSettings",
    "PrefectEcsPlatform",
    "PrefectEcsPlatformArgs",
    "Problem",
    "build_base_job_template",
]
