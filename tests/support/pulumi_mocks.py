"""Pulumi mocks that answer as AWS would and record every resource, and the harness that runs a program on them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from prefect_ecs_platform.render.plan_mocks import (
    AVAILABILITY_ZONES,
    SECURITY_GROUP,
    AwsSide,
    RepositoryReferenceMonitor,
    availability_zone_names,
    aws_answer,
    vpc_origin_security_group,
)
from prefect_ecs_platform.render.plan_mocks import Registered as Recorded
from tests.support.private_loop import run_in_private_loop

ACCOUNT = "123456789012"
CLOUD_URL = (
    "https://api.prefect.cloud/api/accounts/11111111-1111-1111-1111-111111111111"
    "/workspaces/22222222-2222-2222-2222-222222222222"
)
#: The stack-file changes that make a committed stack use a Prefect Cloud workspace in push mode, as a team on
#: Cloud edits `dev` (which hosts its server): unnamespaced keys, None deletes one.
CLOUD_STACK: dict[str, str | None] = {"prefectApiUrl": CLOUD_URL, "mode": None, "prefectServer": None}
REGION = "eu-west-1"


class RecordingMocks(pulumi.runtime.Mocks, AwsSide):
    """Mocks that answer like AWS would (ARNs, ids, URLs) and remember every registration.

    The answers are the render's (`AWS_ANSWERS`), with fixed example values where AWS picks one. `partition`
    and `region` move every answer to another partition (`aws-cn` answers with `arn:aws-cn:` ARNs and
    `.amazonaws.com.cn` hosts), as AWS itself would there.
    """

    def __init__(self, partition: str = "aws", region: str = REGION) -> None:
        AwsSide.__init__(self, ACCOUNT, region, partition)
        self.resources: list[Recorded] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def physical_name(self, inputs: dict[str, Any], name: str) -> str:
        """The given name; a prefix with `mock` after it; else the logical name, so tests can name what they expect."""
        if inputs.get("name"):
            return str(inputs["name"])
        if inputs.get("namePrefix"):
            return f"{inputs['namePrefix']}mock"
        return name

    def picked(self, what: str, example: str) -> str:
        return example

    def image_digest(self, context: Any) -> str:
        """A digest of the context's path: another context, another image."""
        return "sha256:" + hashlib.sha256(str(context).encode()).hexdigest()

    def secret(self, what: str, example: str) -> str:
        return example

    def _in_partition(self, value: Any) -> Any:
        if (self.partition, self.region) == ("aws", REGION):
            return value
        text = json.dumps(value).replace("arn:aws:", f"arn:{self.partition}:").replace(REGION, self.region)
        if self.partition == "aws-cn":
            text = text.replace(".amazonaws.com", ".amazonaws.com.cn")
        return json.loads(text)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        given_id, outputs = aws_answer(self, args.typ, args.name, inputs)
        resource_id = given_id or f"{args.name}-id"
        self.resources.append(Recorded(args.typ, args.name, inputs, resource_id, outputs))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return self._in_partition(
                {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "userId": "AIDA", "id": ACCOUNT}
            )
        if args.token == "aws:index/getRegion:getRegion":
            return self._in_partition(
                {"name": REGION, "region": REGION, "id": REGION, "endpoint": f"ec2.{REGION}.amazonaws.com"}
            )
        if args.token == "aws:index/getPartition:getPartition":
            dns_suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
            return {"partition": self.partition, "dnsSuffix": dns_suffix, "id": self.partition}
        if args.token == AVAILABILITY_ZONES:
            return {"names": availability_zone_names(self), "id": self.region}
        if args.token == SECURITY_GROUP:
            return vpc_origin_security_group(self, dict(args.args))
        raise NotImplementedError(f"no mock for call {args.token}")


TERRAFORM_CONFIG = "pulumi:providers:aws/terraformConfig"


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def _terraform_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {_snake(key): _terraform_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_terraform_names(item) for item in value]
    return value


def terraform_config(provider_inputs: dict[str, Any]) -> dict[str, Any]:
    """What an explicit AWS provider's `terraformConfig` method answers: its settings under Terraform's names.

    A provider's structured settings reach it as JSON text; Terraform names `assumeRoles` `assume_role` and keeps
    blocks as lists (pulumi-terraform-bridge's `terraformConfig`, the aws provider's schema).
    """
    settings: dict[str, Any] = {}
    for key, value in unsecret(provider_inputs).items():
        decoded = json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value
        name = {"assumeRoles": "assume_role", "assumeRoleWithWebIdentity": "assume_role_with_web_identity"}.get(key)
        if name == "assume_role_with_web_identity" and isinstance(decoded, dict):
            decoded = [decoded]
        settings[name or _snake(key)] = _terraform_names(decoded)
    return {"result": settings}


def unsecret(value: Any) -> Any:
    """`value` with Pulumi's secret wrappers removed, at any depth, as a provider receives it."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return unsecret(value["value"])
        return {key: unsecret(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsecret(item) for item in value]
    return value


@dataclass(frozen=True)
class Registration:
    """What the SDK sent the engine for one resource: its URN, parent and the URNs it depends on."""

    urn: str
    typ: str
    name: str
    parent: str
    dependencies: frozenset[str]
    #: Names of the resource hooks bound to each lifecycle step, e.g. {"after_create": ("data-worker-rollout",)}.
    hooks: dict[str, tuple[str, ...]]
    #: Whether `pulumi destroy` leaves the resource in AWS.
    retain_on_delete: bool
    #: The `ignore_changes` paths, as the engine receives them.
    ignore_changes: tuple[str, ...] = ()
    #: Whether a provider manages it (False for components).
    custom: bool = True
    #: The resource's inputs, and its id and outputs as the mocks answered them.
    inputs: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    #: The alias specs sent (`{"urn": ...}` or `{"name": ..., "type": ..., "parentUrn": ..., ...}`).
    alias_specs: tuple[dict[str, Any], ...] = ()
    #: The URNs the resource's `aliases` name, built as the mocks build URNs (an alias's stack and project ignored).
    aliases: tuple[str, ...] = ()


class DependencyRecordingMonitor(RepositoryReferenceMonitor):
    """The mocks' monitor, also keeping each registration's dependencies (MockResourceArgs drops them).

    `dependencies` holds the explicit `depends_on` and the resources behind every Output input, as the
    engine receives them; the engine orders creates and deletes by exactly these.
    """

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording_mocks = mocks
        self.registrations: list[Registration] = []
        #: The resource hooks the program registered, by name: the callable the SDK serves for each.
        self.hooks: dict[str, Callable[[bytes], Any]] = {}

    def RegisterResourceHook(self, request: Any) -> Any:
        """Keep the hook by name; a second registration of a name fails, as in the engine's registry
        (pkg/resource/deploy/resource_hooks.go, `RegisterResourceHook`)."""
        if request.name in self.hooks:
            raise ValueError(f"resource hook already registered for name {request.name!r}")
        self.hooks[request.name] = _served_callback(request.callback.token)
        return super().RegisterResourceHook(request)

    def Call(self, request: Any) -> Any:
        """A resource method call (an explicit provider's `terraformConfig`), answered by the mocks' `call`.

        Pulumi's MockMonitor has no Call; the engine routes it to the resource's provider. The arguments stay as
        wire values: `__self__` is a resource reference, which rehydrating here would wait on the program's loop.
        """
        args = json_format.MessageToDict(request.args)
        if request.tok == TERRAFORM_CONFIG:
            [provider] = [r for r in self.registrations if r.urn == args["__self__"]["urn"]]
            answer = terraform_config(provider.inputs)
        else:
            answer = self.recording_mocks.call(pulumi.runtime.MockCallArgs(request.tok, args, request.provider))
        returned = run_in_private_loop(rpc.serialize_properties(answer, {}))
        return provider_pb2.CallResponse(**{"return": returned})

    def answer(self, request: Any) -> Any:
        """The reply to a registration: the mocks' (a subclass may answer from a checkpoint instead)."""
        return super().RegisterResource(request)

    def RegisterResource(self, request: Any) -> Any:
        reply = self.answer(request)
        property_dependencies = {urn for deps in request.propertyDependencies.values() for urn in deps.urns}
        self.registrations.append(
            Registration(
                urn=reply.urn,
                typ=request.type,
                name=request.name,
                parent=request.parent,
                dependencies=frozenset({*request.dependencies, *property_dependencies}),
                hooks={
                    step.name: tuple(getattr(request.hooks, step.name))
                    for step in request.hooks.DESCRIPTOR.fields
                    if getattr(request.hooks, step.name)
                },
                retain_on_delete=request.retainOnDelete,
                ignore_changes=tuple(request.ignoreChanges),
                custom=request.custom,
                inputs=dict(rpc.deserialize_properties(request.object)),
                id=reply.id,
                # As wire values: rehydrating a resource reference here would wait on the program's own loop.
                outputs=json_format.MessageToDict(reply.object) if reply.object else {},
                alias_specs=tuple(json_format.MessageToDict(alias) for alias in request.aliases),
                aliases=tuple(
                    alias.urn
                    or self.make_urn(
                        "" if alias.spec.noParent else alias.spec.parentUrn or request.parent,
                        alias.spec.type or request.type,
                        alias.spec.name or request.name,
                    )
                    for alias in request.aliases
                ),
            )
        )
        return reply


def _served_callback(token: str) -> Callable[[bytes], Any]:
    """The function the SDK's callback server runs for `token` (what the engine reaches over gRPC)."""
    from pulumi.runtime._callbacks import _CallbackServicer  # noqa: PLC0415 - private; only the harness needs it

    for servicer in _CallbackServicer._servicers:
        if token in servicer._callbacks:
            return servicer._callbacks[token]
    raise LookupError(f"no callback server serves {token}")


class PulumiHarness:
    """Runs a Pulumi program under mocks and answers questions about what it registered."""

    def __init__(self, mocks: RecordingMocks, monitor: DependencyRecordingMonitor) -> None:
        self.mocks = mocks
        self.monitor = monitor

    def run(self, program: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
        """Run `program`; return the resolved values of the outputs it returns."""
        captured: dict[str, Any] = {}

        @pulumi.runtime.test
        def _run() -> Any:
            outputs = program()
            if outputs:
                return pulumi.Output.all(**outputs).apply(captured.update)
            return None

        _run()
        return captured

    @property
    def resources(self) -> list[Recorded]:
        return self.mocks.resources

    def of_type(self, typ: str) -> list[Recorded]:
        return [r for r in self.mocks.resources if r.typ == typ]

    def one(self, typ: str) -> Recorded:
        found = self.of_type(typ)
        assert len(found) == 1, f"expected one {typ}, found {[r.name for r in found]}"
        return found[0]

    def registration(self, typ: str, name: str) -> Registration:
        found = [r for r in self.monitor.registrations if (r.typ, r.name) == (typ, name)]
        assert len(found) == 1, f"expected one {typ} named {name}; have {[r.name for r in self.monitor.registrations]}"
        return found[0]

    def waits_for(self, dependent: tuple[str, str], dependency: tuple[str, str]) -> bool:
        """Whether the engine creates `dependency` before `dependent` (and deletes it after), by (type, name).

        Dependencies are followed transitively, and one on a component stands for all of its children, as the
        engine expands it.
        """
        by_urn = {r.urn: r for r in self.monitor.registrations}
        children: dict[str, list[str]] = {}
        for registration in self.monitor.registrations:
            children.setdefault(registration.parent, []).append(registration.urn)
        goal = self.registration(*dependency).urn
        seen: set[str] = set()
        pending = list(self.registration(*dependent).dependencies)
        while pending:
            urn = pending.pop()
            if urn == goal:
                return True
            if urn in seen or urn not in by_urn:
                continue
            seen.add(urn)
            pending += by_urn[urn].dependencies
            pending += children.get(urn, [])
        return False

    def named(self, typ: str, name: str) -> Recorded:
        found = [r for r in self.of_type(typ) if r.name == name]
        assert found, f"no {typ} named {name}; have {[r.name for r in self.of_type(typ)]}"
        return found[0]


@contextmanager
def mocked_pulumi(
    mocks: RecordingMocks, monitor_type: type[DependencyRecordingMonitor] = DependencyRecordingMonitor
) -> Iterator[PulumiHarness]:
    """Pulumi's runtime pointed at `mocks`, with no config; set_mocks is process-global, so only fixtures use this."""
    monitor = monitor_type(mocks)
    pulumi.runtime.set_mocks(mocks, project="prefect-ecs-platform", stack="dev", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config({}, secret_keys=[])
    yield PulumiHarness(mocks, monitor)
    pulumi.runtime.set_all_config({}, secret_keys=[])
