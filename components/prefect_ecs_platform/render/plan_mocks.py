"""Pulumi mocks that answer for AWS with marked placeholders, and remember every registration.

Each answer carries what the component reads back from a resource (an ARN, a name, an id, a URL), shaped as
AWS shapes it so the code that parses it works, with every part AWS picks replaced by a marker from
`inputs.placeholders`: account, random name suffixes, ids, revisions, digests. Nothing is invented that
could pass for a real value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from prefect_ecs_platform.inputs.placeholders import (
    KNOWN_AFTER_UP,
    UNBUILT_DIGEST,
    UNKNOWN_ACCOUNT,
    UNKNOWN_PARTITION,
    UNKNOWN_REGION,
    secret_placeholder,
)


@dataclass(frozen=True)
class Registered:
    """One resource the program registered: type token, logical name, resolved inputs and the mock's answer."""

    typ: str
    name: str
    inputs: dict[str, Any]
    id: str
    outputs: dict[str, Any]


def known_after_up(what: str) -> str:
    return f"<{what}: known after pulumi up>"


def partition_of(region: str) -> str:
    """The partition AWS places `region` in; the marker when the stack names no region."""
    if region == UNKNOWN_REGION:
        return UNKNOWN_PARTITION
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class PlanMocks(pulumi.runtime.Mocks):
    """AWS's answers with the unknown parts marked; `region` is the stack's `aws:region`, when it sets one."""

    def __init__(self, region: str = UNKNOWN_REGION) -> None:
        self.region = region
        self.partition = partition_of(region)
        self.dns_suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        self.resources: list[Registered] = []
        self._answers: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            "awsx:ec2:Vpc": self._vpc,
            "aws:ecs/cluster:Cluster": lambda name, inputs: self._named(
                inputs, name, arn=lambda n: self.arn("ecs", f"cluster/{n}")
            ),
            "awsx:ecr:Repository": self._repository,
            "awsx:ecr:Image": lambda name, inputs: {"imageUri": f"{inputs['repositoryUrl']}@{UNBUILT_DIGEST}"},
            "aws:iam/role:Role": lambda name, inputs: self._named(
                inputs, name, arn=lambda n: self.arn("iam", f"role{inputs.get('path', '/')}{n}", regional=False)
            ),
            "aws:iam/user:User": lambda name, inputs: self._named(
                inputs, name, arn=lambda n: self.arn("iam", f"user{inputs.get('path', '/')}{n}", regional=False)
            ),
            "aws:iam/policy:Policy": lambda name, inputs: self._named(
                inputs, name, arn=lambda n: self.arn("iam", f"policy{inputs.get('path', '/')}{n}", regional=False)
            ),
            "aws:iam/accessKey:AccessKey": lambda name, inputs: {
                "secret": secret_placeholder("the push user's secret access key, known after pulumi up")
            },
            "aws:cloudwatch/logGroup:LogGroup": lambda name, inputs: self._named(
                inputs, name, arn=lambda n: self.arn("logs", f"log-group:{n}")
            ),
            "aws:secretsmanager/secret:Secret": lambda name, inputs: self._named(
                inputs, name, arn=lambda n: self.arn("secretsmanager", f"secret:{n}")
            ),
            "aws:sqs/queue:Queue": self._queue,
            "aws:cloudwatch/eventRule:EventRule": lambda name, inputs: self._named(
                inputs, name, arn=lambda n: self.arn("events", f"rule/{n}")
            ),
            "aws:ecs/taskDefinition:TaskDefinition": lambda name, inputs: {
                "arn": self.arn("ecs", f"task-definition/{inputs['family']}:{known_after_up('revision')}"),
                "revision": known_after_up("revision"),
            },
            "aws:ecs/service:Service": lambda name, inputs: self._named(inputs, name),
        }

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{UNKNOWN_ACCOUNT}:{resource}"

    @staticmethod
    def physical_name(inputs: dict[str, Any], name: str) -> str:
        """The name AWS will know the resource by: the given one, or Pulumi's autoname with its random suffix."""
        if inputs.get("name"):
            return str(inputs["name"])
        if inputs.get("namePrefix"):
            return f"{inputs['namePrefix']}{KNOWN_AFTER_UP}"
        return f"{name}-{KNOWN_AFTER_UP}"

    def _named(self, inputs: dict[str, Any], name: str, arn: Callable[[str], str] | None = None) -> dict[str, Any]:
        physical = self.physical_name(inputs, name)
        return {"name": physical, **({"arn": arn(physical)} if arn else {})}

    def _vpc(self, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        zones = int(inputs.get("numberOfAvailabilityZones", 3))
        kinds = {str(spec.get("type", "")).lower() for spec in inputs.get("subnetSpecs", [])} or {"public", "private"}
        subnets = {
            f"{kind}SubnetIds": [known_after_up(f"{kind} subnet {zone} id") for zone in range(1, zones + 1)]
            if kind in kinds
            else []
            for kind in ("public", "private")
        }
        return {"vpcId": known_after_up("VPC id"), **subnets}

    def _repository(self, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        repository = self.physical_name(inputs, name).lower()
        return {"url": f"{UNKNOWN_ACCOUNT}.dkr.ecr.{self.region}.{self.dns_suffix}/{repository}"}

    def _queue(self, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        physical = self.physical_name(inputs, name)
        return {
            "name": physical,
            "arn": self.arn("sqs", physical),
            "url": f"https://sqs.{self.region}.{self.dns_suffix}/{UNKNOWN_ACCOUNT}/{physical}",
        }

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        # awsx components answer with their children's values, not echoes of their inputs.
        outputs = {} if args.typ.startswith("awsx:") else dict(inputs)
        answer = self._answers.get(args.typ)
        if answer:
            outputs.update(answer(args.name, inputs))
        resource_id = known_after_up(f"{args.name} id")
        self.resources.append(Registered(args.typ, args.name, inputs, resource_id, outputs))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            caller = f"arn:{self.partition}:iam::{UNKNOWN_ACCOUNT}:{known_after_up('who runs pulumi up')}"
            return {"accountId": UNKNOWN_ACCOUNT, "arn": caller, "userId": known_after_up("user id"), "id": ""}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": self.partition, "dnsSuffix": self.dns_suffix, "id": self.partition}
        raise NotImplementedError(f"render has no answer for the data source {args.token}")


class RepositoryReferenceMonitor(MockMonitor):
    """The mocks' monitor, answering awsx's Repository with its `aws.ecr.Repository` child as a reference.

    That is how the engine answers: the child is stored where `pulumi:pulumi:getResource` finds it, so the
    SDK rehydrates the reference into a resource whose `arn` is the repository's own. The mocks must have a
    `partition` attribute.
    """

    def _with_repository_reference(self, reply: Any, name: str) -> Any:
        state = dict(rpc.deserialize_properties(reply.object))
        url = state["url"]
        account, _, _, region = url.split("/")[0].split(".")[:4]
        repository_name = url.split("/", 1)[1]
        child_urn = self.make_urn(reply.urn, "aws:ecr/repository:Repository", name)
        child_state = {
            "name": repository_name,
            "repositoryUrl": url,
            "arn": f"arn:{self.mocks.partition}:ecr:{region}:{account}:repository/{repository_name}",  # type: ignore[attr-defined]
        }
        self.resources[child_urn] = MockMonitor.ResourceRegistration(child_urn, repository_name, child_state)
        state["repository"] = {rpc._special_sig_key: rpc._special_resource_sig, "urn": child_urn, "id": repository_name}
        loop = asyncio.new_event_loop()
        try:
            obj = loop.run_until_complete(rpc.serialize_properties(state, {}))
        finally:
            loop.close()
        return type(reply)(urn=reply.urn, id=reply.id, object=obj)

    def RegisterResource(self, request: Any) -> Any:
        reply = super().RegisterResource(request)
        if request.type == "awsx:ecr:Repository":
            reply = self._with_repository_reference(reply, request.name)
        return reply
