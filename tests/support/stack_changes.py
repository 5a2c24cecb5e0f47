"""What `pulumi up` would change between two runs of the program, read from the registrations the mocks recorded.

An AWS resource changes when any of its inputs does: the AWS provider diffs every input it is given. A Prefect
object changes when its dynamic provider's `diff` says so, given the earlier run's outputs as the old state (as
the engine calls it); the credential inputs are not part of that diff (`resources/credentials.py`).
"""

from __future__ import annotations

from typing import Any

from prefect_ecs_platform.resources import BlockDocumentProvider, DeploymentProvider, WorkPoolProvider
from tests.support.moto.component_in_moto import unsecret
from tests.support.pulumi_mocks import Recorded

_PROVIDERS: dict[str, Any] = {
    "pulumi-python:dynamic/prefect:WorkPool": WorkPoolProvider,
    "pulumi-python:dynamic/prefect:Deployment": DeploymentProvider,
    "pulumi-python:dynamic/prefect:BlockDocument": BlockDocumentProvider,
}

Key = tuple[str, str]
"""A resource by (type token, logical name)."""


def changed_inputs(before: Recorded, after_inputs: dict[str, Any]) -> list[str]:
    """The inputs of `before` that the next run's `after_inputs` change, as the engine would find them."""
    changed = sorted(key for key in {*before.inputs, *after_inputs} if before.inputs.get(key) != after_inputs.get(key))
    provider = _PROVIDERS.get(before.typ)
    if changed and provider is not None:
        diff = provider().diff(before.id, unsecret(before.outputs), unsecret(after_inputs))
        return changed if diff.changes else []
    return changed


def stack_changes(before: list[Recorded], after: list[Recorded]) -> dict[Key, list[str]]:
    """Every resource the second run would create, delete or change, with what changes."""
    old = {(r.typ, r.name): r for r in before}
    new = {(r.typ, r.name): r for r in after}
    changes: dict[Key, list[str]] = {key: ["(created)"] for key in new.keys() - old.keys()}
    changes.update({key: ["(deleted)"] for key in old.keys() - new.keys()})
    for key in old.keys() & new.keys():
        if changed := changed_inputs(old[key], new[key].inputs):
            changes[key] = changed
    return changes
