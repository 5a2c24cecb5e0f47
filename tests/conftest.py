"""Shared test set-up: the package on sys.path, and Pulumi mocks that record every resource."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "components"))

# After the path insert: the tests also run from a checkout where the package is not installed.
from prefect_ecs_platform.resources import credentials  # noqa: E402

ACCOUNT = "123456789012"
CLOUD_URL = (
    "https://api.prefect.cloud/api/accounts/11111111-1111-1111-1111-111111111111"
    "/workspaces/22222222-2222-2222-2222-222222222222"
)
REGION = "eu-west-1"


@dataclass(frozen=True)
class Recorded:
    """One resource the program registered: its type token, name and resolved inputs."""

    typ: str
    name: str
    inputs: dict[str, Any]
    id: str
    outputs: dict[str, Any]


def _fake_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


Answer = Callable[[str, dict[str, Any]], tuple[str | None, dict[str, Any]]]

_AWS_ANSWERS: dict[str, Answer] = {
    "awsx:ec2:Vpc": lambda name, inputs: (
        "vpc-0new",
        {
            "vpcId": "vpc-0new",
            "publicSubnetIds": ["subnet-pub-a", "subnet-pub-b"],
            "privateSubnetIds": ["subnet-priv-a", "subnet-priv-b"],
        },
    ),
    "aws:ec2/securityGroup:SecurityGroup": lambda name, inputs: (f"sg-{name}", {}),
    "aws:ecs/cluster:Cluster": lambda name, inputs: (
        None,
        {"name": name, "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}"},
    ),
    "awsx:ecr:Repository": lambda name, inputs: (
        None,
        {"url": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}-repo"},
    ),
    "awsx:ecr:Image": lambda name, inputs: (
        None,
        {"imageUri": f"{inputs['repositoryUrl']}@{_fake_digest(str(inputs.get('context')))}"},
    ),
    "aws:iam/role:Role": lambda name, inputs: (None, {"name": name, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}),
    "aws:iam/user:User": lambda name, inputs: (
        None,
        {"name": name, "arn": f"arn:aws:iam::{ACCOUNT}:user/prefect/{name}"},
    ),
    "aws:iam/accessKey:AccessKey": lambda name, inputs: (
        "AKIAMOCKEDACCESSKEY0",
        {"secret": "mocked-secret-access-key"},
    ),
    "aws:cloudwatch/logGroup:LogGroup": lambda name, inputs: (
        None,
        {
            "name": f"{inputs.get('namePrefix', '')}mock",
            "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{inputs.get('namePrefix', '')}mock",
        },
    ),
    "aws:secretsmanager/secret:Secret": lambda name, inputs: (
        None,
        {"arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"},
    ),
    "aws:sqs/queue:Queue": lambda name, inputs: (
        None,
        {
            "name": name,
            "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
            "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
        },
    ),
    "aws:cloudwatch/eventRule:EventRule": lambda name, inputs: (
        None,
        {"name": name, "arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"},
    ),
    "aws:ecs/taskDefinition:TaskDefinition": lambda name, inputs: (
        None,
        {"arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{inputs['family']}:1"},
    ),
    "aws:ecs/service:Service": lambda name, inputs: (None, {"name": name}),
}
"""What AWS would answer for each resource type: an id (None for the default) and outputs beyond the inputs."""


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that answer like AWS would (ARNs, ids, URLs) and remember every registration."""

    def __init__(self) -> None:
        self.resources: list[Recorded] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        # awsx components' outputs are child resources, not echoes of their inputs.
        outputs = {} if args.typ.startswith("awsx:") else dict(inputs)
        resource_id = f"{args.name}-id"
        answer = _AWS_ANSWERS.get(args.typ)
        if answer:
            given_id, extra = answer(args.name, inputs)
            resource_id = given_id or resource_id
            outputs.update(extra)
        self.resources.append(Recorded(args.typ, args.name, inputs, resource_id, outputs))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "userId": "AIDA", "id": ACCOUNT}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION, "endpoint": f"ec2.{REGION}.amazonaws.com"}
        raise NotImplementedError(f"no mock for call {args.token}")


class PulumiHarness:
    """Runs a Pulumi program under mocks and answers questions about what it registered."""

    def __init__(self, mocks: RecordingMocks) -> None:
        self.mocks = mocks

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

    def named(self, typ: str, name: str) -> Recorded:
        found = [r for r in self.of_type(typ) if r.name == name]
        assert found, f"no {typ} named {name}; have {[r.name for r in self.of_type(typ)]}"
        return found[0]


@pytest.fixture
def pulumi_harness() -> Iterator[PulumiHarness]:
    """A fresh set of mocks per test: set_mocks is process-global, so only this fixture sets it."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="prefect-ecs-platform", stack="dev", preview=False)
    pulumi.runtime.set_all_config({}, secret_keys=[])
    yield PulumiHarness(mocks)
    pulumi.runtime.set_all_config({}, secret_keys=[])


@pytest.fixture
def no_ambient_prefect_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees credentials configured by another test or the developer's environment."""
    for credential in credentials.CREDENTIALS:
        monkeypatch.delenv(credential.env_var, raising=False)
    credentials.forget_configuration()
    yield
    credentials.forget_configuration()
