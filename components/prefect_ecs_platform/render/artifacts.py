"""The review files of a render: request bodies, policy documents and task definitions, as JSON text.

Each file is what goes over the wire or into AWS: the work pool's and the deployments' bodies come from
the providers' own body functions applied to the registered inputs; the policies and task definitions are
the registered documents. Keys are sorted and nothing depends on time, so two renders of one commit are
byte-identical and a diff of two renders is the review.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from prefect_ecs_platform.render.plan_mocks import Registered, known_after_up
from prefect_ecs_platform.resources import (
    ConcurrencyLimitProvider,
    VariableProvider,
    WorkQueueProvider,
    deployment,
    work_pool,
)

WORK_POOL = "pulumi-python:dynamic/prefect:WorkPool"
DEPLOYMENT = "pulumi-python:dynamic/prefect:Deployment"
CONCURRENCY_LIMIT = "pulumi-python:dynamic/prefect:ConcurrencyLimit"
WORK_QUEUE = "pulumi-python:dynamic/prefect:WorkQueue"
VARIABLE = "pulumi-python:dynamic/prefect:Variable"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
#: Policy documents: (resource type, the input that holds the document, the file's suffix).
POLICY_DOCUMENTS = (
    ("aws:iam/role:Role", "assumeRolePolicy", "trust"),
    ("aws:iam/rolePolicy:RolePolicy", "policy", "policy"),
    ("aws:iam/policy:Policy", "policy", "policy"),
    ("aws:iam/userPolicy:UserPolicy", "policy", "policy"),
    ("aws:sqs/queuePolicy:QueuePolicy", "policy", "queue-policy"),
)
#: The task definition inputs RegisterTaskDefinition takes, under the API's own names.
_TASK_DEFINITION_FIELDS = (
    "family",
    "cpu",
    "memory",
    "networkMode",
    "requiresCompatibilities",
    "executionRoleArn",
    "taskRoleArn",
    "runtimePlatform",
    "containerDefinitions",
    "tags",
)


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _document(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def work_pool_files(resources: list[Registered]) -> Iterator[tuple[str, Any]]:
    for pool in (r for r in resources if r.typ == WORK_POOL):
        yield f"work-pool/{pool.inputs['name']}.json", work_pool.create_body(pool.inputs)


def deployment_files(resources: list[Registered]) -> Iterator[tuple[str, Any]]:
    for registered in (r for r in resources if r.typ == DEPLOYMENT):
        flow_id = known_after_up(f"id of flow {registered.inputs['flow_name']!r}")
        yield f"deployments/{registered.inputs['name']}.json", deployment.create_body(registered.inputs, flow_id)


def shared_object_files(resources: list[Registered]) -> Iterator[tuple[str, Any]]:
    """The POST bodies of the work queues, global concurrency limits and variables, from their providers' own
    `body`."""
    for typ, folder, provider in (
        (WORK_QUEUE, "work-queues", WorkQueueProvider()),
        (CONCURRENCY_LIMIT, "concurrency-limits", ConcurrencyLimitProvider()),
        (VARIABLE, "variables", VariableProvider()),
    ):
        for registered in (r for r in resources if r.typ == typ):
            yield f"{folder}/{registered.inputs['name']}.json", provider.body(registered.inputs)


def policy_files(resources: list[Registered]) -> Iterator[tuple[str, Any]]:
    for typ, field, suffix in POLICY_DOCUMENTS:
        for registered in (r for r in resources if r.typ == typ and r.inputs.get(field)):
            yield f"iam/{registered.name}.{suffix}.json", _document(registered.inputs[field])


def task_definition_files(resources: list[Registered]) -> Iterator[tuple[str, Any]]:
    for registered in (r for r in resources if r.typ == TASK_DEFINITION):
        body = {field: registered.inputs[field] for field in _TASK_DEFINITION_FIELDS if field in registered.inputs}
        body["containerDefinitions"] = _document(body.get("containerDefinitions", "[]"))
        yield f"task-definitions/{registered.inputs['family']}.json", body


def review_files(resources: list[Registered]) -> dict[str, str]:
    """Every review file by its path in the render, as text."""
    files: dict[str, str] = {}
    for producer in (work_pool_files, deployment_files, shared_object_files, policy_files, task_definition_files):
        for path, content in producer(resources):
            if path in files:
                raise ValueError(f"two resources render to {path}")
            files[path] = as_json(content)
    return dict(sorted(files.items()))
