"""The job variables a deployment may set: those prefect-aws's ECS template declares, less the stack's own.

The rules on a deployment's `job_variables` need these names before anything exists, so they live with the
inputs; the Prefect half builds the pool's template from the same `default_ecs_template`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

import jsonschema
from prefect_aws.workers.ecs_worker import ECSWorker

#: Job variables the platform sets itself on every deployment, whoever registers the task definitions.
_STACK_OWNED: Mapping[str, str] = {
    "cpu": "set the deployment's `cpu` field instead, which is checked against Fargate's sizes",
    "memory": "set the deployment's `memory` field instead, which is checked against Fargate's sizes",
    # Prefect replaces a dict-valued variable wholesale, so a partial value would drop the stack's parts.
    "network_configuration": "the platform writes the stack's subnets and security groups into the template; a "
    "deployment's value would replace them and make every run look the network up",
    "cloudwatch_logs_options": "the platform sends logs to the stack's log group; a deployment's value would "
    "replace the group and region whole",
    "labels": "the platform sets the stack's labels (task tags); a deployment's value would replace them whole; "
    "use the deployment's `tags`",
    # The roles that submit runs may only pass these roles, read this secret and run on this cluster.
    "cluster": "the platform runs flows on the stack's cluster, the only one its IAM allows",
    "vpc_id": "the platform writes the stack's network into the template",
    "execution_role_arn": "the platform sets the stack's execution role, the only one its IAM may pass",
    "task_role_arn": "the platform sets the stack's task role, the only one its IAM may pass; grant flows more "
    "with the component's task_role_policy_arns or task_role_statements",
    "aws_credentials": "the platform sets the push pool's credentials block",
    "family": "the platform's IAM lets runs register only the task definition families prefect-aws names "
    "prefect_<pool>_<deployment id>",
    "task_definition_arn": "the platform's IAM runs only the stack's task definitions",
    "prefect_api_key_secret_arn": "the platform sets the stack's secret, the only one the execution role can read",
    "prefect_api_auth_string_secret_arn": "the platform sets the stack's secret, the only one the execution role "
    "can read",
}

#: The switch that lets prefect-aws register task definitions at run time: the stack key, then the Python argument.
REGISTRATION_SWITCH = "prefectRegistersTaskDefinitions (Python: prefect_registers_task_definitions)"
_BUILD_YOUR_OWN = f"turn on {REGISTRATION_SWITCH} to let prefect-aws build one per deployment"
_IGNORED_WITH_AN_ARN = f"prefect-aws ignores it once a run names the platform's task definition; {_BUILD_YOUR_OWN}"

#: What prefect-aws ignores when `task_definition_arn` is set (0.7.12, `_create_task_and_wait_for_start`):
#: the task definition template's inputs. The overrides the pool sends (cpu, memory, env, command) still apply.
_FIXED_BY_THE_TASK_DEFINITION: Mapping[str, str] = {
    "image": f"the platform's task definition pins the flows image by digest; {_BUILD_YOUR_OWN}",
    "container_name": f"the platform's task definition names the flow container; {_BUILD_YOUR_OWN}",
    "configure_cloudwatch_logs": _IGNORED_WITH_AN_ARN,
    "cloudwatch_logs_prefix": _IGNORED_WITH_AN_ARN,
    "auto_deregister_task_definition": f"no run registers a task definition, so none is deregistered; "
    f"{_BUILD_YOUR_OWN}",
    "match_latest_revision_in_family": _IGNORED_WITH_AN_ARN,
}


def platform_job_variables(prefect_registers_task_definitions: bool = False) -> Mapping[str, str]:
    """Job variables a deployment may not set, each with why.

    With the platform's own task definition (the default) that includes what prefect-aws ignores once a run
    names one; when prefect-aws registers task definitions, a deployment may bring its own `image`.
    """
    if prefect_registers_task_definitions:
        return _STACK_OWNED
    return {**_STACK_OWNED, **_FIXED_BY_THE_TASK_DEFINITION}


#: The default position: the platform registers the flow-run task definition.
PLATFORM_JOB_VARIABLES: Mapping[str, str] = platform_job_variables()


def default_ecs_template() -> dict[str, Any]:
    """prefect-aws's ECS base job template, as its installed version defines it (a copy the caller may edit)."""
    return copy.deepcopy(_default_ecs_template())


@functools.cache
def _default_ecs_template() -> dict[str, Any]:
    # prefect-aws derives it from its pydantic models each call, a few hundred milliseconds.
    return ECSWorker.get_default_base_job_template()


def template_variable_names(template: dict[str, Any] | None = None) -> frozenset[str]:
    """Names a deployment's job_variables may set: the variables the template declares."""
    source = template if template is not None else default_ecs_template()
    return frozenset(source["variables"]["properties"])


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a map",
    "array": "a list",
    "null": "null",
}


def job_variable_value_problem(key: str, value: Any, template: dict[str, Any] | None = None) -> str | None:
    """What the pool's template takes for variable `key`, when `value` is not that; None when it is.

    Prefect checks job_variables against this schema and answers 422, which would stop `pulumi up` halfway.
    """
    variables = (template if template is not None else default_ecs_template())["variables"]
    schema = {
        "type": "object",
        "properties": {key: variables["properties"][key]},
        "definitions": variables.get("definitions", {}),
    }
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors({key: value}))
    if error is None:
        return None
    where = "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}" for part in list(error.path)[1:])
    kinds: list[str] = []
    if error.validator == "type":
        kinds = [error.validator_value] if isinstance(error.validator_value, str) else list(error.validator_value)
    elif error.validator == "anyOf" and all("type" in option for option in error.validator_value):
        kinds = [option["type"] for option in error.validator_value]
    if kinds:
        words = " or ".join(_TYPE_WORDS.get(kind, kind) for kind in kinds)
        return f"{where.lstrip('.')}: {words}" if where else words
    return f"what the pool's template takes for {key}{where}: {error.message}"
