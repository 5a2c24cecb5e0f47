"""Mistakes a new user makes in the stack file, flows/prefect.yaml and the flow code, with what `pulumi up` says.

`tests/unit/test_stack_mistakes.py` runs every case and asserts its first line; this module also writes
`docs/configuration-errors.md` from the same cases (`python -m tests.support.error_catalogue --write`), and a test
fails when the committed file differs from what it writes.

Each case runs the stack program under mocks in a copy of the project's flows, with dev's stack file
(Pulumi.yaml's defaults merged in, as the CLI does) and the case's changes on top.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from prefect_ecs_platform import InvalidInputError
from prefect_ecs_platform.render.project_files import load_stack_files
from tests.support import ROOT
from tests.support.generated_doc import write_or_show
from tests.support.pulumi_mocks import CLOUD_STACK, CLOUD_URL, RecordingMocks, mocked_pulumi

NS = "prefect-ecs-platform"
DOC = ROOT / "docs" / "configuration-errors.md"
ACCOUNT = "123456789012"
UUID_A, UUID_B = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
Edit = Callable[[dict[str, Any]], None]


def dev_config(**changes: Any) -> dict[str, str]:
    """dev on Prefect Cloud, as the CLI hands its config over (declared defaults merged), then `changes` (None
    removes a key). The mistakes are made on a push stack, the default mode; HOSTED turns it back."""
    config = load_stack_files(ROOT, "dev").config
    for key, value in {**CLOUD_STACK, "prefectApiKey": "pnu_dev", **changes}.items():
        name = key if ":" in key else f"{NS}:{key}"
        if value is None:
            config.pop(name, None)
        else:
            config[name] = value if isinstance(value, str) else json.dumps(value)
    return config


def deployment(name: str, edit: Callable[[dict[str, Any]], None]) -> Edit:
    """An edit of the prefect.yaml deployment called `name`."""

    def apply(document: dict[str, Any]) -> None:
        edit(next(d for d in document["deployments"] if d["name"] == name))

    return apply


@dataclass(frozen=True)
class Mistake:
    title: str
    #: Where the user made it: a stack key, a prefect.yaml key, a flow-code failure (the coverage tests read it).
    where: str
    first_line: str
    stack: dict[str, Any] = field(default_factory=dict)
    prefect_yaml: Edit | None = None
    #: Flow files to write, relative to flows/.
    flows: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def project_with(mistake: Mistake) -> Iterator[Path]:
    """A directory holding the project's flows with the mistake's edits, to run the program from."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        shutil.copytree(ROOT / "flows", root / "flows", ignore=shutil.ignore_patterns("__pycache__"))
        if mistake.prefect_yaml is not None:
            path = root / "flows" / "prefect.yaml"
            document = yaml.safe_load(path.read_text())
            mistake.prefect_yaml(document)
            path.write_text(yaml.safe_dump(document, sort_keys=False))
        for name, text in mistake.flows.items():
            (root / "flows" / name).write_text(text)
        yield root


def problem_lines(mistake: Mistake) -> tuple[list[str], int]:
    """The problem lines `pulumi up` prints for the mistake, and how many resources were registered."""
    before = Path.cwd()
    saved_key = os.environ.pop("PREFECT_API_KEY", None)
    try:
        with project_with(mistake) as root, mocked_pulumi(RecordingMocks()) as harness:
            os.chdir(root)
            pulumi.runtime.set_mocks(harness.mocks, project=NS, stack="dev", preview=False, monitor=harness.monitor)
            config = dev_config(**mistake.stack)
            secret = [f"{NS}:prefectApiKey"] if f"{NS}:prefectApiKey" in config else []
            pulumi.runtime.set_all_config(config, secret_keys=secret)
            try:
                harness.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__") and None)
            except InvalidInputError as error:
                lines = [line.removeprefix("  - ") for line in str(error).splitlines()[1:]]
                return lines, len(harness.resources)
            return [], len(harness.resources)
    finally:
        os.chdir(before)
        if saved_key is not None:
            os.environ["PREFECT_API_KEY"] = saved_key


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.__setitem__(key, value)


def _schedule(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["schedules"][0].__setitem__(key, value)


def _job_variable(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["work_pool"]["job_variables"].__setitem__(key, value)


NOT_A_FLOW = "def etl() -> None:\n    pass\n"
TYPO_ANNOTATION = (
    "from prefect import flow\nfrom pydantic import BaseModel\n\n\nclass Window(BaseModel):\n    days: int = 1\n\n\n"
    "@flow\ndef etl(window: Windw | None = None) -> None:\n    pass\n"
)
WORKER = "worker mode; the stack's mode is push"

#: A stack that hosts its Prefect server: worker mode, no URL, no key.
HOSTED: dict[str, Any] = {
    "prefectApiUrl": None,
    "prefectApiKey": None,
    "mode": "worker",
    "prefectServer": {"enabled": True},
}

MISTAKES: list[Mistake] = [
    # The stack file: every key.
    Mistake("no API URL", "prefectApiUrl", "prefectApiUrl is required; a Prefect API URL (a Prefect Cloud "
            "workspace's, or your server's ending in /api), or a server the stack hosts: prefectServer: {enabled: "
            "true} with mode: worker (prefect_server=PrefectServerArgs(enabled=True) in Python)",
            {"prefectApiUrl": None}),
    Mistake("a hosted server in push mode", "prefectServer", "prefectServer: {enabled: true} is not allowed; it "
            "applies only with mode: worker (this stack's mode is push); remove it, or set mode to worker",
            {**HOSTED, "mode": None}),
    Mistake("a hosted server and an API URL", "prefectServer", f"prefectApiUrl: '{CLOUD_URL}' is not allowed; none: "
            "the stack hosts the Prefect server (prefectServer.enabled is true) and gives its URL",
            {**HOSTED, "prefectApiUrl": CLOUD_URL}),
    Mistake("a misspelt field of the hosted server", "prefectServer", "prefectServer.multiAZ: true is not allowed; "
            "not a field of prefectServer, which takes enabled, cpu, memory, databaseInstanceClass, "
            "databaseStorageGib, backupRetentionDays, multiAz, deletionProtection, finalSnapshot, databaseSubnetIds; "
            "did you mean multiAz?", {**HOSTED, "prefectServer": {"enabled": True, "multiAZ": True}}),
    Mistake("a server size Fargate does not run", "prefectServer", "prefectServer.memory: 1024 is not allowed; with "
            "cpu=2048 Fargate accepts memory (MiB) 4096 to 16384 in steps of 1024",
            {**HOSTED, "prefectServer": {"enabled": True, "cpu": 2048, "memory": 1024}}),
    Mistake("too little database storage", "prefectServer", "prefectServer.databaseStorageGib: 5 is not allowed; a "
            "whole number from 20 to 1000", {**HOSTED, "prefectServer": {"enabled": True, "databaseStorageGib": 5}}),
    Mistake("one brought subnet for the server's load balancer", "prefectServer", "subnetIds: ['subnet-0a1b2c3d'] is "
            "not allowed; at least two subnets in different availability zones: the hosted server's load balancer "
            "needs two", {**HOSTED, "vpcId": "vpc-0a1b2c3d", "subnetIds": ["subnet-0a1b2c3d"], "prefectServer": {
                "enabled": True, "databaseSubnetIds": ["subnet-0d1b2c3d", "subnet-0e1b2c3d"]}}),
    Mistake("a brought VPC without database subnets", "prefectServer", "prefectServer.databaseSubnetIds is "
            "required; at least two subnets of vpcId in different availability zones, with no route to the "
            "internet (RDS needs two zones)", {**HOSTED, "vpcId": "vpc-0a1b2c3d",
                                              "subnetIds": ["subnet-0a1b2c3d", "subnet-0b1b2c3d"]}),
    Mistake("plain http to Prefect Cloud", "prefectApiUrl",
            f"prefectApiUrl: '{CLOUD_URL.replace('https://', 'http://')}' is not allowed; Prefect Cloud is served over "
            f"https only: {CLOUD_URL}", {"prefectApiUrl": CLOUD_URL.replace("https://", "http://")}),
    Mistake("the browser's URL of the workspace", "prefectApiUrl",
            f"prefectApiUrl: 'https://app.prefect.cloud/account/{UUID_A}/workspace/{UUID_B}/dashboard' is not "
            f"allowed; the workspace's API URL, not the browser's: {CLOUD_URL}",
            {"prefectApiUrl": f"https://app.prefect.cloud/account/{UUID_A}/workspace/{UUID_B}/dashboard"}),
    Mistake("no API key for Prefect Cloud", "prefectApiKey", "prefectApiKey is required; Prefect Cloud needs an API "
            "key: `pulumi config set --secret prefectApiKey ...` or PREFECT_API_KEY in the environment",
            {"prefectApiKey": None}),
    Mistake("an auth string for Prefect Cloud", "prefectApiAuthString", "prefectApiAuthString: '<secret>' is not "
            "allowed; only with a self-hosted Prefect server; Prefect Cloud authenticates with `prefectApiKey`",
            {"prefectApiAuthString": "admin:pass"}),
    Mistake("a reserved pool name", "workPoolName", "workPoolName: 'prefect-pool' is not allowed; Prefect reserves "
            'names starting with "prefect"; choose another', {"workPoolName": "prefect-pool"}),
    Mistake("an unknown mode", "mode", "mode: 'pull' is not allowed; one of 'push' or 'worker'", {"mode": "pull"}),
    *(
        Mistake(f"{key} in push mode", key, f"{key}: {shown} is not allowed; it applies only with mode: worker (this "
                "stack's mode is push); remove it, or set mode to worker", {key: value})
        for key, value, shown in (
            ("workerImageUri", "repo:latest", "'repo:latest'"),
            ("workerCpu", "1024", "1024"),
            ("workerMemory", "2048", "2048"),
            ("workerCount", "3", "3"),
            ("workQueueNames", ["etl"], "['etl']"),
        )
    ),
    Mistake("a Fargate CPU that does not exist", "cpu", "cpu: 300 is not allowed; Fargate accepts CPU units 256, "
            "512, 1024, 2048, 4096, 8192, 16384", {"cpu": "300"}),
    Mistake("a size in words", "cpu", "cpu: '1 vCPU' is not allowed; a whole number, e.g. 512", {"cpu": "1 vCPU"}),
    Mistake("a Fargate pair that does not exist", "memory", "memory: 8192 is not allowed; with cpu=256 Fargate "
            "accepts memory (MiB) 512, 1024, 2048", {"cpu": "256", "memory": "8192"}),
    Mistake("a word for a boolean", "useFargateSpot", "useFargateSpot: 'maybe' is not allowed; true or false",
            {"useFargateSpot": "maybe"}),
    Mistake("a retention CloudWatch does not offer", "logRetentionDays", "logRetentionDays: 10 is not allowed; one "
            "of the values CloudWatch offers: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, "
            "1096, 1827, 2192, 2557, 2922, 3288, 3653", {"logRetentionDays": "10"}),
    Mistake("on for a boolean", "containerInsights", "containerInsights: 'on' is not allowed; true or false",
            {"containerInsights": "on"}),
    Mistake("no for a boolean", "prefectRegistersTaskDefinitions", "prefectRegistersTaskDefinitions: 'no' is not "
            "allowed; true or false", {"prefectRegistersTaskDefinitions": "no"}),
    Mistake("keep for a boolean", "ecrRetainOnDestroy", "ecrRetainOnDestroy: 'keep' is not allowed; true or false",
            {"ecrRetainOnDestroy": "keep"}),
    Mistake("no images kept", "ecrKeepImages", "ecrKeepImages: 0 is not allowed; an integer from 1 to 1000",
            {"ecrKeepImages": "0"}),
    Mistake("an image context without a Dockerfile", "imageContext", "imageContext: 'nowhere' is not allowed; a "
            "folder with a Dockerfile (relative to the project)", {"imageContext": "nowhere"}),
    Mistake("an image by tag", "imageUri", "imageUri: 'repo:latest' is not allowed; an image pinned by digest: "
            "<repository>@sha256:<64 hex>", {"imageUri": "repo:latest"}),
    Mistake("a platform Fargate does not run", "imagePlatform", "imagePlatform: 'linux/386' is not allowed; one of "
            "'linux/amd64' or 'linux/arm64'", {"imagePlatform": "linux/386"}),
    Mistake("a VPC without subnets", "vpcId", "subnetIds is required; the subnets of `vpcId` tasks should use",
            {"vpcId": "vpc-0a1b2c3d"}),
    Mistake("text for a list", "subnetIds", "subnetIds: 'subnet-a' is not allowed; a list, e.g. subnetIds: [a, b]",
            {"subnetIds": "subnet-a"}),
    Mistake("security groups without a VPC", "securityGroupIds", "securityGroupIds: ['sg-1'] is not allowed; only "
            "together with `vpcId` (bring your own network)", {"securityGroupIds": ["sg-1"]}),
    Mistake("an unknown layout", "subnetLayout", "subnetLayout: 'isolated' is not allowed; one of 'private' or "
            "'public'", {"subnetLayout": "isolated"}),
    Mistake("too many zones", "availabilityZones", "availabilityZones: 9 is not allowed; an integer from 2 to 6, at "
            "most the number of zones the region has (many have 3)", {"availabilityZones": "9"}),
    Mistake("a VPC block too large", "vpcCidrBlock", "vpcCidrBlock: '10.0.0.0/8' is not allowed; a VPC block from "
            "/16 to /24", {"vpcCidrBlock": "10.0.0.0/8"}),
    Mistake("a concurrency limit given as text", "concurrencyLimits", "concurrencyLimits[0].limit: '4' is not "
            "allowed; a whole number, e.g. 512", {"concurrencyLimits": [{"name": "warehouse", "limit": "4"}]}),
    Mistake("a misspelt field of a concurrency limit", "concurrencyLimits", "concurrencyLimits[0].slots: 2 is not "
            "allowed; not a field of concurrencyLimits[0], which takes name, limit, slotDecayPerSecond, active",
            {"concurrencyLimits": [{"name": "warehouse", "limit": 4, "slots": 2}]}),
    Mistake("a concurrency limit name Prefect refuses", "concurrencyLimits", "concurrencyLimits[0].name: "
            "'warehouse/eu' is not allowed; a name without / % & > <, as Prefect requires",
            {"concurrencyLimits": [{"name": "warehouse/eu", "limit": 4}]}),
    Mistake("a variable without a value", "variables", "variables[0].value is required; variables[0] takes name, "
            "value, tags", {"variables": [{"name": "region"}]}),
    Mistake("a variable name Prefect refuses", "variables", "variables[0].name: 'Region' is not allowed; lowercase "
            "letters, digits, dashes and underscores, at most 255 characters, as Prefect requires",
            {"variables": [{"name": "Region", "value": "eu-west-1"}]}),
    Mistake("two variables of one name", "variables", "variables[1].name: 'region' is not allowed; a name no other "
            "entry of the list has", {"variables": [{"name": "region", "value": 1}, {"name": "region", "value": 2}]}),
    Mistake("a work queue priority of 0", "workQueues", "workQueues[0].priority: 0 is not allowed; a whole number, "
            "1 or more (1 is polled first)", {"workQueues": [{"name": "etl", "priority": 0}]}),
    Mistake("two work queues of one priority", "workQueues", "workQueues[1].priority: 1 is not allowed; a priority "
            "no other queue of the list has",
            {"workQueues": [{"name": "etl", "priority": 1}, {"name": "reports", "priority": 1}]}),
    Mistake("the pool's default queue declared", "workQueues", "workQueues[0].name: 'default' is not allowed; a "
            "queue other than the pool's own `default`, which the pool is made with and keeps",
            {"workQueues": [{"name": "default", "concurrencyLimit": 2}]}),
    Mistake("a work queue limit given as text", "workQueues", "workQueues[0].concurrencyLimit: '2' is not allowed; "
            "a whole number, e.g. 512", {"workQueues": [{"name": "etl", "concurrencyLimit": "2"}]}),
    Mistake("workQueues beside the deprecated workQueueNames", "workQueueNames", "workQueueNames: ['etl'] is not "
            "allowed; nothing when `workQueues` is given; it is deprecated, list the queues in `workQueues`",
            {"mode": "worker", "workQueues": [{"name": "etl"}], "workQueueNames": ["etl"]}),
    Mistake("a VPC block too small for a hosted server", "vpcCidrBlock", "vpcCidrBlock: '10.0.0.0/24' is not "
            "allowed; a block from /16 to /23 when the stack hosts its Prefect server: its load balancer's subnets "
            "(a sixteenth of the block each) must be /27 or larger", {**HOSTED, "vpcCidrBlock": "10.0.0.0/24"}),
    Mistake("yes for a public IP", "assignPublicIp", "assignPublicIp: 'yes' is not allowed; one of '', 'true' or "
            "'false'", {"assignPublicIp": "yes"}),
    Mistake("a cluster name for its ARN", "clusterArn", "clusterArn: 'my-cluster' is not allowed; an ECS cluster ARN "
            "(arn:<partition>:ecs:<region>:<account>:cluster/<name>)", {"clusterArn": "my-cluster"}),
    Mistake("a role name for the execution role's ARN", "executionRoleArn", "executionRoleArn: 'exec' is not "
            "allowed; an IAM role ARN (arn:<partition>:iam::<account>:role/<name>) whose trust policy admits "
            "ecs-tasks.amazonaws.com",
            {"executionRoleArn": "exec"}),
    Mistake("a role name for the task role's ARN", "taskRoleArn", "taskRoleArn: 'flows' is not allowed; an IAM role "
            "ARN (arn:<partition>:iam::<account>:role/<name>)", {"taskRoleArn": "flows"}),
    Mistake("a policy name for its ARN", "taskRolePolicyArns", "taskRolePolicyArns[0]: 'ReadOnlyAccess' is not "
            "allowed; a managed IAM policy ARN: arn:<partition>:iam::<account>:policy/<name>, or AWS's own such as "
            "arn:aws:iam::aws:policy/ReadOnlyAccess", {"taskRolePolicyArns": ["ReadOnlyAccess"]}),
    Mistake("the same policy twice", "taskRolePolicyArns", "taskRolePolicyArns[1]: 'arn:aws:iam::aws:policy/"
            "ReadOnlyAccess' is not allowed; each policy once (it is also at index 0)",
            {"taskRolePolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"] * 2}),
    Mistake("a role ARN for the boundary", "permissionsBoundaryArn", f"permissionsBoundaryArn: 'arn:aws:iam::{ACCOUNT}"
            ":role/b' is not allowed; a managed IAM policy ARN (arn:<partition>:iam::<account>:policy/<name>), e.g. "
            "bootstrap/'s permissionsBoundaryArn output", {"permissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:role/b"}),
    Mistake("a list for a map", "tags", "tags: ['team'] is not allowed; a map, e.g. tags: {team: data}",
            {"tags": ["team"]}),
    Mistake("an AWS tag key", "tags", "tags: 'aws:team' is not allowed; tag keys of 1 to 128 characters, not starting "
            'with "aws:"', {"tags": {"aws:team": "data"}}),
    Mistake("a tag value IAM refuses", "tags", "tags.team: 'data & ml' is not allowed; a string of at most 256 "
            "characters, of letters, digits, spaces and _ . : / = + - @ (IAM's rule: the tags reach the platform's "
            "roles, user and policy)", {"tags": {"team": "data & ml"}}),
    Mistake("two tag keys that differ only in case", "tags", "tags: 'Team' is not allowed; a key that is not 'team' "
            "in another case: IAM compares tag keys without case and refuses both on one role, user or policy",
            {"tags": {"team": "data", "Team": "ml"}}),
    Mistake("more tags than fit on a flow-run task", "tags", "tags: '37 tags' is not allowed; at most 36 besides "
            "managed-by and prefect-ecs-platform: AWS allows 50 tags per resource, and each flow-run task also carries "
            "those two and up to 12 of Prefect's (prefect.io/flow-run-id, ...)",
            {"tags": {f"tag{i}": "x" for i in range(37)}}),
    Mistake("a prefect.yaml that does not exist", "prefectYaml", "prefectYaml: 'flows/missing.yaml' is not allowed; a "
            "prefect.yaml that exists (paths are relative to the project)", {"prefectYaml": "flows/missing.yaml"}),
    Mistake("an unknown placeholder in the suffix", "deploymentNameSuffix", "deploymentNameSuffix: '-{env}' is not "
            "allowed; text where only {stack} is replaced (by the stack's name)", {"deploymentNameSuffix": "-{env}"}),
    Mistake("a misspelt key", "logRetentionDays", "logRetentionDay: '7' is not allowed; not a key of this stack: "
            "docs/configuration.md lists them; did you mean logRetentionDays?", {"logRetentionDay": "7"}),
    Mistake("a key that was renamed", "ecrRetainOnDestroy", "ecrForceDelete: 'true' is not allowed; replaced by "
            "ecrRetainOnDestroy: pulumi destroy now always deletes the repository with its images, unless "
            "ecrRetainOnDestroy is true, which keeps both in AWS", {"ecrForceDelete": "true"}),
    # deploymentOverrides: every override key.
    Mistake("an override of a deployment that does not exist", "deploymentOverrides", "deploymentOverrides: 'etl' is "
            "not allowed; a deployment name from prefect.yaml or '*': '*', 'healthcheck', 'etl-daily'",
            {"deploymentOverrides": {"etl": {"paused": True}}}),
    Mistake("an unknown override key", "deploymentOverrides", "deploymentOverrides.*: 'replicas' is not allowed; "
            "override keys: paused, schedules_active, cpu, memory, ui_owned",
            {"deploymentOverrides": {"*": {"replicas": 2}}}),
    Mistake("a word for paused", "deploymentOverrides.paused", "deploymentOverrides.*.paused: 'yes' is not allowed; "
            "true or false", {"deploymentOverrides": {"*": {"paused": "yes"}}}),
    Mistake("a word for schedules_active", "deploymentOverrides.schedules_active", "deploymentOverrides.*."
            "schedules_active: 'off' is not allowed; true or false",
            {"deploymentOverrides": {"*": {"schedules_active": "off"}}}),
    Mistake("an override's cpu Fargate lacks", "deploymentOverrides.cpu", "deploymentOverrides.*.cpu: 300 is not "
            "allowed; Fargate accepts CPU units 256, 512, 1024, 2048, 4096, 8192, 16384",
            {"deploymentOverrides": {"*": {"cpu": 300, "memory": 1024}}}),
    Mistake("an override's memory that does not fit its cpu", "deploymentOverrides.memory", "deploymentOverrides."
            "etl-daily.memory: 8192 is not allowed; with cpu=512 Fargate accepts memory (MiB) 1024 to 4096 in steps "
            "of 1024", {"deploymentOverrides": {"etl-daily": {"memory": 8192}}}),
    Mistake("a field the UI cannot own", "deploymentOverrides.ui_owned", "deploymentOverrides.*.ui_owned[0]: 'cpu' "
            "is not allowed; a list of any of: paused, schedules_active",
            {"deploymentOverrides": {"*": {"ui_owned": ["cpu"]}}}),
    # flows/prefect.yaml: every deployment key the platform honours.
    Mistake("a deployment without a name", "name", "prefect.yaml:deployments[0].name is required; a non-empty "
            "string", prefect_yaml=lambda doc: doc["deployments"][0].pop("name")),
    Mistake("an entrypoint whose file does not exist", "entrypoint", "prefect.yaml:deployments[healthcheck]."
            "entrypoint: 'flows/missing.py:healthcheck' is not allowed; a file under the project root",
            prefect_yaml=deployment("healthcheck", _set("entrypoint", "flows/missing.py:healthcheck"))),
    Mistake("a description that is not text", "description", "prefect.yaml:deployments[healthcheck].description: "
            "['x'] is not allowed;", prefect_yaml=deployment("healthcheck", _set("description", ["x"]))),
    Mistake("a version that is not text", "version", "prefect.yaml:deployments[etl-daily].version: ['1'] is not "
            "allowed;", prefect_yaml=deployment("etl-daily", _set("version", ["1"]))),
    Mistake("tags that are not a list", "tags", "prefect.yaml:deployments[healthcheck].tags: 'platform' is not "
            "allowed;", prefect_yaml=deployment("healthcheck", _set("tags", "platform"))),
    Mistake("a word for paused", "paused", "prefect.yaml:deployments[healthcheck].paused: 'sometimes' is not "
            "allowed; true or false", prefect_yaml=deployment("healthcheck", _set("paused", "sometimes"))),
    Mistake("a concurrency limit below one", "concurrency_limit", "prefect.yaml:deployments[healthcheck]."
            "concurrency_limit: 0 is not allowed; a positive integer, or null for no limit",
            prefect_yaml=deployment("healthcheck", _set("concurrency_limit", 0))),
    Mistake("a parameter the flow does not take", "parameters", "prefect.yaml:deployments[etl-daily].parameters: "
            "'order_per_day' is not allowed; parameter names of flow 'etl': min_amount, orders_per_day, window",
            prefect_yaml=deployment("etl-daily", lambda d: d["parameters"].update(order_per_day=1))),
    Mistake("a word for enforce_parameter_schema", "enforce_parameter_schema", "prefect.yaml:deployments[etl-daily]."
            "enforce_parameter_schema: 'maybe' is not allowed;",
            prefect_yaml=deployment("etl-daily", _set("enforce_parameter_schema", "maybe"))),
    Mistake("a cron that is not one", "schedules", "prefect.yaml:deployments[etl-daily].schedules[0].cron: 'every "
            "morning' is not allowed;", prefect_yaml=deployment("etl-daily", _schedule("cron", "every morning"))),
    Mistake("an interval in words", "schedules", "prefect.yaml:deployments[healthcheck].schedules[0].interval: '15m' "
            "is not allowed; a number of seconds, e.g. 900 for 15 minutes",
            prefect_yaml=deployment("healthcheck", _schedule("interval", "15m"))),
    Mistake("a time zone that does not exist", "schedules", "prefect.yaml:deployments[etl-daily].schedules[0]."
            "timezone: 'Europe/Berlln' is not allowed;",
            prefect_yaml=deployment("etl-daily", _schedule("timezone", "Europe/Berlln"))),
    Mistake("schedule and schedules together", "schedule", "prefect.yaml:deployments[healthcheck].schedule: {cron: "
            "'0 * * * *'} is not allowed; either `schedule` or `schedules`, not both",
            prefect_yaml=deployment("healthcheck", _set("schedule", {"cron": "0 * * * *"}))),
    Mistake("another work pool", "work_pool", "prefect.yaml:deployments[healthcheck].work_pool.name: 'other' is not "
            "allowed; no work pool name; every deployment runs in the platform's pool",
            prefect_yaml=deployment("healthcheck", lambda d: d["work_pool"].__setitem__("name", "other"))),
    Mistake("a job variable of the wrong type", "work_pool.job_variables", "prefect.yaml:deployments[healthcheck]."
            "work_pool.job_variables.env: {RETRIES: 3} is not allowed; RETRIES: text or null",
            prefect_yaml=deployment("healthcheck", _job_variable("env", {"RETRIES": 3}))),
    Mistake("job_variables at the deployment's top", "work_pool.job_variables", "prefect.yaml:deployments["
            "healthcheck].job_variables: {cpu: 256} is not allowed; it belongs under work_pool: (work_pool: "
            "{job_variables: {...}})", prefect_yaml=deployment("healthcheck", _set("job_variables", {"cpu": 256}))),
    Mistake("a job variable cpu and memory Fargate refuses", "work_pool.job_variables", "prefect.yaml:deployments["
            "healthcheck].work_pool.job_variables.memory: 8192 is not allowed; with cpu=256 Fargate accepts memory "
            "(MiB) 512, 1024, 2048", prefect_yaml=deployment("healthcheck", _job_variable("memory", 8192))),
    Mistake("a work queue name that is not text", "work_pool.work_queue_name", "prefect.yaml:deployments[healthcheck]"
            ".work_pool.work_queue_name: ['a'] is not allowed;",
            prefect_yaml=deployment("healthcheck", lambda d: d["work_pool"].__setitem__("work_queue_name", ["a"]))),
    Mistake("a deployment on a queue the stack does not declare", "work_pool.work_queue_name", "prefect.yaml:"
            "deployments[healthcheck].work_pool.work_queue_name: 'nightly' is not allowed; a queue the stack declares "
            "in `workQueues` (now: default); the server would make an undeclared one, which no stack manages",
            prefect_yaml=deployment("healthcheck", lambda d: d["work_pool"].__setitem__("work_queue_name", "nightly"))),
    Mistake("an entrypoint without its function", "entrypoint", "prefect.yaml:deployments[healthcheck].entrypoint: "
            "'flows/healthcheck.py' is not allowed; '<relative path>.py:<function>', e.g. 'flows/etl.py:etl'",
            prefect_yaml=deployment("healthcheck", _set("entrypoint", "flows/healthcheck.py"))),
    Mistake("an entrypoint outside the project", "entrypoint", "prefect.yaml:deployments[healthcheck].entrypoint: "
            "'../healthcheck.py:healthcheck' is not allowed; a path relative to the project root that stays inside it",
            prefect_yaml=deployment("healthcheck", _set("entrypoint", "../healthcheck.py:healthcheck"))),
    # The flow code.
    Mistake("a flow name that is not a literal", "flow code", "prefect.yaml:deployments[etl-daily].entrypoint: "
            "'flows/etl.py:etl' is not allowed; @flow(name=...) as a string literal, readable without importing the "
            "module", flows={"etl.py": "from prefect import flow\n\nNAME = 'etl'\n\n\n@flow(name=NAME)\n"
                             "def etl() -> None:\n    pass\n"}),
    Mistake("a function that is not a flow", "flow code", "prefect.yaml:deployments[etl-daily].entrypoint: "
            "'flows/etl.py:etl' is not allowed; a Prefect flow; decorate 'etl' with @flow (from prefect import flow)",
            flows={"etl.py": NOT_A_FLOW}),
    Mistake("an entrypoint naming no function", "flow code", "prefect.yaml:deployments[etl-daily].entrypoint: "
            "'flows/etl.py:etl' is not allowed; a top-level function of flows/etl.py; it defines no 'etl'",
            flows={"etl.py": "x = 1\n"}),
    Mistake("a flow file that does not parse", "flow code", "prefect.yaml:deployments[etl-daily].entrypoint: "
            "'flows/etl.py:etl' is not allowed; a readable Python file; flows/etl.py:",
            flows={"etl.py": "def etl(:\n"}),
    Mistake("an annotation that names nothing", "flow code", "prefect.yaml:deployments[etl-daily].entrypoint: "
            "'flows/etl.py:etl' is not allowed; annotations that name something: 'Windw' (parameter 'window' of "
            "'etl') is not imported, defined in flows/etl.py or a builtin", flows={"etl.py": TYPO_ANNOTATION}),
]  # fmt: skip


def markdown() -> str:
    """docs/configuration-errors.md: every case with the first line `pulumi up` prints for it."""
    lines = [
        "# Configuration errors",
        "",
        "What `pulumi up` (and `prefect-ecs-platform render`) prints for mistakes a new user makes, first problem",
        "line only. Generated by `python -m tests.support.error_catalogue --write` from the cases",
        "`tests/unit/test_stack_mistakes.py` runs; a test fails when this file differs from what it writes.",
        "",
        "| mistake | where | first line |",
        "|---|---|---|",
    ]
    for mistake in MISTAKES:
        found, _ = problem_lines(mistake)
        first = (found[0] if found else "(no error)").replace("|", "\\|")
        lines.append(f"| {mistake.title} | `{mistake.where}` | `` {first} `` |")
    return "\n".join(lines) + "\n"


def main() -> int:
    return write_or_show(DOC, markdown(), __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
