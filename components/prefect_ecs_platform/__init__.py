"""A Pulumi component that runs a production Prefect 3 platform on AWS ECS Fargate.

The public names are imported on first use: Pulumi's provider host imports this package to unpickle a
Prefect resource's provider, and the providers need neither pulumi_aws nor prefect-aws, whose imports
(about two seconds of CPU) `PrefectEcsPlatform` brings in.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect_ecs_platform.collector import tune_for_registration
    from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
    from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs
    from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
    from prefect_ecs_platform.inputs.problems import InvalidInputError, Problem
    from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
    from prefect_ecs_platform.inputs.shared_object_args import ConcurrencyLimitArgs, VariableArgs, WorkQueueArgs
    from prefect_ecs_platform.platform import PrefectEcsPlatform, keep_delete_hooks
    from prefect_ecs_platform.prefect_api.job_template import JobTemplateSettings, build_base_job_template

_HOMES = {
    "PrefectEcsPlatformArgs": "prefect_ecs_platform.inputs.args",
    "DeploymentArgs": "prefect_ecs_platform.inputs.deployment_args",
    "ScheduleArgs": "prefect_ecs_platform.inputs.deployment_args",
    "load_prefect_yaml": "prefect_ecs_platform.inputs.prefect_yaml",
    "InvalidInputError": "prefect_ecs_platform.inputs.problems",
    "PrefectServerArgs": "prefect_ecs_platform.inputs.server_args",
    "ConcurrencyLimitArgs": "prefect_ecs_platform.inputs.shared_object_args",
    "VariableArgs": "prefect_ecs_platform.inputs.shared_object_args",
    "WorkQueueArgs": "prefect_ecs_platform.inputs.shared_object_args",
    "Problem": "prefect_ecs_platform.inputs.problems",
    "PrefectEcsPlatform": "prefect_ecs_platform.platform",
    "keep_delete_hooks": "prefect_ecs_platform.platform",
    "JobTemplateSettings": "prefect_ecs_platform.prefect_api.job_template",
    "build_base_job_template": "prefect_ecs_platform.prefect_api.job_template",
    "tune_for_registration": "prefect_ecs_platform.collector",
}

__all__ = [
    "ConcurrencyLimitArgs",
    "DeploymentArgs",
    "InvalidInputError",
    "JobTemplateSettings",
    "PrefectEcsPlatform",
    "PrefectEcsPlatformArgs",
    "PrefectServerArgs",
    "Problem",
    "ScheduleArgs",
    "VariableArgs",
    "WorkQueueArgs",
    "build_base_job_template",
    "keep_delete_hooks",
    "load_prefect_yaml",
    "tune_for_registration",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
