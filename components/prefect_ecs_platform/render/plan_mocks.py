"""Pulumi mocks that answer for AWS with marked placeholders, and remember every registration.

Each answer carries what the component reads back from a resource (an ARN, a name, an id, a URL), shaped as
AWS shapes it so the code that parses it works, with every part AWS picks replaced by a marker from
`inputs.placeholders`: account, random name suffixes, ids, revisions, digests. Nothing is invented that
could pass for a real value.
"""

from __future__ import annotations

import asyncio
import uuid
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


class AwsSide:
    """Who answers for AWS: the account, region and partition the answers name, and the values AWS picks.

    The render answers with markers for what only `pulumi up` learns; the tests' mocks answer with fixed
    example values. Both answer from `AWS_ANSWERS`, so a type either knows the other knows the same way.
    """

    def __init__(self, account: str, region: str, partition: str) -> None:
        self.account = account
        self.region = region
        self.partition = partition
        self.dns_suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def physical_name(self, inputs: dict[str, Any], name: str) -> str:
        """The name AWS knows the resource by: the given one, or Pulumi's autoname."""
        raise NotImplementedError

    def picked(self, what: str, example: str) -> str:
        """A value AWS picks itself (an id, a revision, a random suffix); `example` is one it could pick."""
        raise NotImplementedError

    def image_digest(self, context: Any) -> str:
        """The digest of the image built from `context`."""
        raise NotImplementedError

    def secret(self, what: str, example: str) -> str:
        """A secret AWS hands out once (a secret access key)."""
        raise NotImplementedError


#: The data source the hosted server's database subnets take their zones from.
AVAILABILITY_ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"
#: The data source that finds the security group CloudFront makes for its VPC origins.
SECURITY_GROUP = "aws:ec2/getSecurityGroup:getSecurityGroup"

Answer = tuple[str | None, dict[str, Any]]
"""The id AWS gives a resource (None for the mocks' default) and its outputs beyond the inputs."""


def _named(side: AwsSide, inputs: dict[str, Any], name: str, arn: Callable[[str], str] | None = None) -> Answer:
    physical = side.physical_name(inputs, name)
    return None, {"name": physical, **({"arn": arn(physical)} if arn else {})}


def _vpc(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    zones = int(inputs.get("numberOfAvailabilityZones", 3))
    kinds = {str(spec.get("type", "")).lower() for spec in inputs.get("subnetSpecs", [])} or {"public", "private"}
    subnets = {
        f"{kind}SubnetIds": [
            side.picked(
                f"{kind} subnet {zone} id", f"subnet-{kind[:3] if kind == 'public' else kind[:4]}-{chr(96 + zone)}"
            )
            for zone in range(1, zones + 1)
        ]
        if kind in kinds
        else []
        for kind in ("public", "private")
    }
    vpc_id = side.picked("VPC id", "vpc-0new")
    return vpc_id, {"vpcId": vpc_id, **subnets}


def _repository(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    repository = side.physical_name(inputs, name).lower()
    return None, {"url": f"{side.account}.dkr.ecr.{side.region}.{side.dns_suffix}/{repository}"}


def _queue(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    physical = side.physical_name(inputs, name)
    return None, {
        "name": physical,
        "arn": side.arn("sqs", physical),
        "url": f"https://sqs.{side.region}.{side.dns_suffix}/{side.account}/{physical}",
    }


def _secret_version_id(inputs: dict[str, Any]) -> str:
    """A VersionId as PutSecretValue answers one: a UUID, new for a new value and the same for the same one."""
    value = inputs.get("secretString")
    if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        value = value["value"]
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{inputs.get('secretId')}|{value}"))


def _task_definition(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    revision = side.picked("revision", "1")
    return None, {"arn": side.arn("ecs", f"task-definition/{inputs['family']}:{revision}"), "revision": revision}


def _path_arn(side: AwsSide, kind: str, inputs: dict[str, Any]) -> Callable[[str], str]:
    return lambda physical: side.arn("iam", f"{kind}{inputs.get('path', '/')}{physical}", regional=False)


def _database(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    """An RDS instance: its endpoint under a random part of the account's, and the secret RDS keeps its password in."""
    identifier = str(inputs.get("identifier") or side.physical_name({}, name)).lower()
    host = f"{identifier}.{side.picked('endpoint part', 'c0ffee123456')}.{side.region}.rds.{side.dns_suffix}"
    port = int(inputs.get("port", 5432))
    resource_id = side.picked("database resource id", "db-ABCDEFGHIJKLMNOPQRSTUVWXY0")
    secret_name = f"rds!db-{side.picked('database secret uuid', '11111111-2222-3333-4444-555555555555')}"
    secret_arn = side.arn("secretsmanager", f"secret:{secret_name}-{side.picked('6 characters', 'AbCdEf')}")
    managed = inputs.get("manageMasterUserPassword") is True
    return None, {
        "identifier": identifier,
        "arn": side.arn("rds", f"db:{identifier}"),
        "resourceId": resource_id,
        "address": host,
        "endpoint": f"{host}:{port}",
        "port": port,
        "masterUserSecrets": [{"secretArn": secret_arn, "secretStatus": "active", "kmsKeyId": ""}] if managed else [],
    }


def _elb_arn(side: AwsSide, resource: str) -> str:
    return side.arn("elasticloadbalancing", f"{resource}/{side.picked('16 hex digits', '0123456789abcdef')}")


def _load_balancer(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    physical = side.physical_name(inputs, name)
    scheme = "internal-" if inputs.get("internal") else ""
    host = f"{scheme}{physical}-{side.picked('load balancer number', '1234567890')}.{side.region}.elb.{side.dns_suffix}"
    return None, {"name": physical, "arn": _elb_arn(side, f"loadbalancer/app/{physical}"), "dnsName": host}


def _vpc_origin(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    origin_id = side.picked(f"{name} id", "vo_0123456789abcdefghijkl")
    return origin_id, {"arn": side.arn("cloudfront", f"vpcorigin/{origin_id}", regional=False)}


def _distribution(side: AwsSide, name: str, inputs: dict[str, Any]) -> Answer:
    distribution_id = side.picked(f"{name} id", "E2QWRUHAPOMQZL")
    return distribution_id, {
        "arn": side.arn("cloudfront", f"distribution/{distribution_id}", regional=False),
        # CloudFront's default domain is the same in every commercial region.
        "domainName": f"{side.picked(f'{name} domain', 'd111111abcdef8')}.cloudfront.net",
        "status": "Deployed",
    }


def vpc_origin_security_group(side: AwsSide, args: dict[str, Any]) -> dict[str, Any]:
    """What EC2 answers for the group CloudFront made with the VPC origin, in the VPC the filters name."""
    filters = {f["name"]: f["values"] for f in args.get("filters", [])}
    group_id = side.picked("CloudFront's VPC origin security group id", "sg-0cf0cf0cf0cf0cf00")
    return {
        "id": group_id,
        "name": filters.get("group-name", [""])[0],
        "vpcId": filters.get("vpc-id", [""])[0],
        "arn": side.arn("ec2", f"security-group/{group_id}"),
        "description": "CloudFront VPC origins service security group",
    }


def availability_zone_names(side: AwsSide) -> list[str]:
    """The region's available zones, in the order AWS lists them."""
    return [
        side.picked(f"availability zone {index + 1}", f"{side.region}{letter}") for index, letter in enumerate("abc")
    ]


AWS_ANSWERS: dict[str, Callable[[AwsSide, str, dict[str, Any]], Answer]] = {
    "awsx:ec2:Vpc": _vpc,
    "aws:ec2/securityGroup:SecurityGroup": lambda side, name, inputs: (side.picked(f"{name} id", f"sg-{name}"), {}),
    "aws:ecs/cluster:Cluster": lambda side, name, inputs: _named(
        side, inputs, name, arn=lambda n: side.arn("ecs", f"cluster/{n}")
    ),
    "awsx:ecr:Repository": _repository,
    "awsx:ecr:Image": lambda side, name, inputs: (
        None,
        {"imageUri": f"{inputs['repositoryUrl']}@{side.image_digest(inputs.get('context'))}"},
    ),
    "aws:iam/role:Role": lambda side, name, inputs: _named(side, inputs, name, arn=_path_arn(side, "role", inputs)),
    "aws:iam/user:User": lambda side, name, inputs: _named(side, inputs, name, arn=_path_arn(side, "user", inputs)),
    "aws:iam/policy:Policy": lambda side, name, inputs: _named(
        side, inputs, name, arn=_path_arn(side, "policy", inputs)
    ),
    "aws:iam/accessKey:AccessKey": lambda side, name, inputs: (
        side.picked("access key id", "mocked-access-key-id"),
        {"secret": side.secret("the push user's secret access key", "mocked-secret-access-key")},
    ),
    "aws:cloudwatch/logGroup:LogGroup": lambda side, name, inputs: _named(
        side, inputs, name, arn=lambda n: side.arn("logs", f"log-group:{n}")
    ),
    # Secrets Manager appends six random characters to the name in the ARN.
    "aws:secretsmanager/secret:Secret": lambda side, name, inputs: _named(
        side,
        inputs,
        name,
        arn=lambda n: side.arn("secretsmanager", f"secret:{n}-{side.picked('6 characters', 'AbCdEf')}"),
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": lambda side, name, inputs: (
        None,
        {"versionId": side.picked("version id", _secret_version_id(inputs))},
    ),
    "aws:sqs/queue:Queue": _queue,
    "aws:cloudwatch/eventRule:EventRule": lambda side, name, inputs: _named(
        side, inputs, name, arn=lambda n: side.arn("events", f"rule/{n}")
    ),
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": lambda side, name, inputs: _named(side, inputs, name),
    "aws:ec2/subnet:Subnet": lambda side, name, inputs: (side.picked(f"{name} id", f"subnet-{name}"), {}),
    "aws:ec2/routeTable:RouteTable": lambda side, name, inputs: (side.picked(f"{name} id", f"rtb-{name}"), {}),
    "aws:rds/subnetGroup:SubnetGroup": lambda side, name, inputs: _named(
        side, inputs, name, arn=lambda n: side.arn("rds", f"subgrp:{n}")
    ),
    "aws:rds/parameterGroup:ParameterGroup": lambda side, name, inputs: _named(
        side, inputs, name, arn=lambda n: side.arn("rds", f"pg:{n}")
    ),
    "aws:rds/instance:Instance": _database,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:cloudfront/vpcOrigin:VpcOrigin": _vpc_origin,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:lb/targetGroup:TargetGroup": lambda side, name, inputs: _named(
        side, inputs, name, arn=lambda n: _elb_arn(side, f"targetgroup/{n}")
    ),
    "aws:lb/listener:Listener": lambda side, name, inputs: (
        None,
        {"arn": _elb_arn(side, f"listener/app/{name}")},
    ),
    "aws:lambda/function:Function": lambda side, name, inputs: _named(
        side, inputs, name, arn=lambda n: side.arn("lambda", f"function:{n}")
    ),
    "random:index/randomPassword:RandomPassword": lambda side, name, inputs: (
        None,
        {"result": side.secret(f"{name}'s generated password", "mockedGeneratedPassword0123456789")},
    ),
    "random:index/randomId:RandomId": lambda side, name, inputs: (
        None,
        {"hex": side.picked(f"{name}'s random hex", "0a1b2c3d")},
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda side, name, inputs: (
        None,
        {"arn": side.arn("iam", f"oidc-provider/{inputs['url'].removeprefix('https://')}", regional=False)},
    ),
}
"""What AWS answers for each resource type the component creates, in terms of who answers (`AwsSide`)."""


def aws_answer(side: AwsSide, typ: str, name: str, inputs: dict[str, Any]) -> Answer:
    """The id and outputs AWS gives a resource of `typ`: its inputs echoed, with `AWS_ANSWERS`' on top."""
    # awsx components answer with their children's values, not echoes of their inputs.
    outputs = {} if typ.startswith("awsx:") else dict(inputs)
    answer = AWS_ANSWERS.get(typ)
    if answer is None:
        return None, outputs
    resource_id, extra = answer(side, name, inputs)
    return resource_id, {**outputs, **extra}


class PlanMocks(pulumi.runtime.Mocks, AwsSide):
    """AWS's answers with the unknown parts marked; `region` is the stack's `aws:region`, when it sets one."""

    def __init__(self, region: str = UNKNOWN_REGION) -> None:
        AwsSide.__init__(self, UNKNOWN_ACCOUNT, region, partition_of(region))
        self.resources: list[Registered] = []

    def physical_name(self, inputs: dict[str, Any], name: str) -> str:
        """The given name, or Pulumi's autoname with its random suffix marked."""
        if inputs.get("name"):
            return str(inputs["name"])
        if inputs.get("namePrefix"):
            return f"{inputs['namePrefix']}{KNOWN_AFTER_UP}"
        return f"{name}-{KNOWN_AFTER_UP}"

    def picked(self, what: str, example: str) -> str:
        return known_after_up(what)

    def image_digest(self, context: Any) -> str:
        return UNBUILT_DIGEST

    def secret(self, what: str, example: str) -> str:
        return secret_placeholder(f"{what}, known after pulumi up")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        _, outputs = aws_answer(self, args.typ, args.name, inputs)
        # The render names every id by its resource, whatever AWS would pick.
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
        if args.token == AVAILABILITY_ZONES:
            return {"names": availability_zone_names(self), "id": self.region}
        if args.token == SECURITY_GROUP:
            return vpc_origin_security_group(self, dict(args.args))
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
