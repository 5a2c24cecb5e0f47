"""The job variables a deployment may set: those prefect-aws's ECS template declares, less the stack's own.

The rules on a deployment's `job_variables` need these names before anything exists, so they live with the
inputs; the Prefect half builds the pool's template from the same `default_ecs_template`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prefect_aws.workers.ecs_worker import ECSWorker

#: Job variables the platform sets itself on every deployment.
PLATFORM_JOB_VARIABLES: Mapping[str, str] = {
    "image": "the platform sets it to the flows image, pinned by digest",
    "cpu": "set the deployment's `cpu` field instead, which is checked against Fargate's sizes",
    "memory": "set the deployment's `memory` field instead, which is checked against Fargate's sizes",
    # Prefect replaces a dict-valued variable wholesale, so a partial value would drop the stack's parts.
    "network_configuration": "the platform sets the stack's subnets and security groups; a deployment's value "
    "would replace them whole",
    "cloudwatch_logs_options": "the platform sends logs to the stack's log group; a deployment's value would "
    "replace the group and region whole",
    "labels": "the platform sets the stack's labels (task tags); a deployment's value would replace them whole; "
    "use the deployment's `tags`",
    # The roles that submit runs may only pass these roles, read this secret and run on this cluster.
    "cluster": "the platform runs flows on the stack's cluster, the only one its IAM allows",
    "vpc_id": "the platform sets the stack's VPC",
    "execution_role_arn": "the platform sets the stack's execution role, the only one its IAM may pass",
    "task_role_arn": "the platform sets the stack's task role, the only one its IAM may pass; grant flows more "
    "with the component's task_role_policy_arns or task_role_statements",
    "aws_credentials": "the platform sets the push pool's credentials block",
    "family": "the platform's IAM lets runs register only the task definition families prefect-aws names "
    "prefect_<pool>_<deployment id>",
    "prefect_api_key_secret_arn": "the platform sets the stack's secret, the only one the execution role can read",
    "prefect_api_auth_string_secret_arn": "the platform sets the stack's secret, the only one the execution role "
    "can read",
}


def default_ecs_template() -> dict[str, Any]:
    """prefect-aws's ECS base job template, as its installed version defines it."""
    return ECSWorker.get_default_base_job_template()


def template_variable_names(template: dict[str, Any] | None = None) -> frozenset[str]:
    """Names a deployment's job_variables may set: the variables the template declares."""
    source = template if template is not None else default_ecs_template()
    return frozenset(source["variables"]["properties"])
