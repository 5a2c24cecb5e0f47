"""The stack's program: one PrefectEcsPlatform configured from the current stack's config."""

import pulumi

from prefect_ecs_platform import PrefectEcsPlatform
from prefect_ecs_platform.stack_config import load_stack_config

_, args = load_stack_config()
platform = PrefectEcsPlatform("data", args)

for output_name in (
    "cluster_arn",
    "cluster_name",
    "repository_url",
    "image_uri",
    "execution_role_arn",
    "task_role_arn",
    "log_group_name",
    "vpc_id",
    "subnet_ids",
    "security_group_ids",
    "prefect_api_key_secret_arn",
    "base_job_template",
    "push_access_key_id",
    "push_secret_access_key",
    "prefect_api_auth_string_secret_arn",
    "worker_service_name",
    "events_queue_name",
    "work_pool_name",
    "deployment_ids",
):
    pulumi.export(output_name, getattr(platform, output_name))
