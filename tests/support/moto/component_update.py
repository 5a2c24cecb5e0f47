"""A second `pulumi up` of a stack already deployed into moto: only what the engine would change is changed.

The program runs again under mocks that know the first run's resources (the stack's state). A resource whose
inputs the engine would find unchanged (`tests.support.stack_changes`) keeps its id and outputs and no AWS call is made;
a changed one is updated in moto as the AWS provider would update it. Only the updates written here exist: any
other change fails the run, so a test also proves that nothing else in the stack changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pulumi

from tests.support.moto.component_in_moto import Created, DeployedStack, MotoMocks, run_component, unsecret
from tests.support.pulumi_mocks import Recorded
from tests.support.stack_changes import Key, changed_inputs

Update = Callable[[str, dict[str, Any], Recorded], Created]


class UpdatingMotoMocks(MotoMocks):
    """MotoMocks that treat `state` as the stack's checkpoint: unchanged resources are kept, changed ones updated."""

    def __init__(self, session: boto3.Session, state: list[Recorded]) -> None:
        super().__init__(session)
        self.state = {(r.typ, r.name): r for r in state}
        #: What the run changed: the inputs that differed, per resource.
        self.changed: dict[Key, list[str]] = {}
        self._updates: dict[str, Update] = {
            "aws:secretsmanager/secretVersion:SecretVersion": self._new_secret_version,
            "aws:ecs/service:Service": self._update_service,
        }

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        old = self.state.get((args.typ, args.name))
        if old is None:
            return super().new_resource(args)
        inputs = dict(args.inputs)
        changed = changed_inputs(old, inputs)
        if not changed:
            self.resources.append(Recorded(args.typ, args.name, inputs, old.id, old.outputs))
            return old.id, old.outputs
        update = self._updates.get(args.typ)
        if update is None:
            raise NotImplementedError(f"the update changes {args.typ} {args.name} ({', '.join(changed)})")
        with self._lock:
            resource_id, extra = update(args.name, unsecret(inputs), old)
        self.changed[(args.typ, args.name)] = changed
        outputs = {**inputs, **extra}
        self.resources.append(Recorded(args.typ, args.name, inputs, resource_id, outputs))
        return resource_id, outputs

    def _new_secret_version(self, name: str, inputs: dict[str, Any], old: Recorded) -> Created:
        # A new secret_string replaces the version: PutSecretValue again, which makes the new version current.
        return self._secret_version(name, inputs)

    def _update_service(self, name: str, inputs: dict[str, Any], old: Recorded) -> Created:
        # UpdateService with the service's settings; `forceNewDeployment` as the provider sends it when the
        # triggers change (hashicorp/terraform-provider-aws#25840).
        self.clients["ecs"].update_service(
            cluster=inputs["cluster"],
            service=old.outputs["name"],
            taskDefinition=inputs["taskDefinition"],
            desiredCount=int(inputs["desiredCount"]),
            forceNewDeployment=bool(inputs.get("forceNewDeployment")),
        )
        return old.id, {"name": old.outputs["name"]}


@dataclass(frozen=True, kw_only=True)
class UpdatedStack:
    """The stack after the second run, and what that run changed."""

    stack: DeployedStack
    changed: dict[Key, list[str]] = field(default_factory=dict)


def update_component(session: boto3.Session, deployed: DeployedStack, **overrides: Any) -> UpdatedStack:
    """Run the component again for `deployed` with `overrides` (on top of `MODE_ARGS`), as a second `pulumi up`."""
    mocks = UpdatingMotoMocks(session, deployed.registered)
    stack = run_component(mocks, deployed.name, deployed.mode, **overrides)
    return UpdatedStack(stack=stack, changed=mocks.changed)
