"""Every permission document the component renders passes parliament's lint; each `"*"` has a named reason."""

from __future__ import annotations

import json
from typing import Any

import parliament
import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.aws.iam_policies import WILDCARD_STATEMENTS
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness

#: Where the component puts an IAM document, by the resource type that takes it. Trust policies are left out:
#: parliament 1.6 has no trust-policy mode and calls any statement without Resource malformed; the simulator
#: evaluates them instead (tests/moto/test_resource_policies_evaluated.py).
DOCUMENT_INPUTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
}
MODES: dict[str, dict[str, Any]] = {
    "push": {"prefect_api_url": CLOUD_URL, "prefect_api_key": "pnu_lint"},
    "worker": {"prefect_api_url": "https://prefect.example/api", "prefect_api_auth_string": "u:p", "mode": "worker"},
}


TASK_ROLE_GRANT = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data-lake/*"}


def _documents(harness: PulumiHarness, mode: str) -> dict[str, dict[str, Any]]:
    args = PrefectEcsPlatformArgs(work_pool_name="ecs-prod", task_role_statements=[TASK_ROLE_GRANT], **MODES[mode])
    deploy_platform(harness, args)
    documents = {
        f"{r.typ} {r.name}": json.loads(r.inputs[key])
        for r in harness.resources
        for typ, key in DOCUMENT_INPUTS.items()
        if r.typ == typ
    }
    policies = ["aws:iam/rolePolicy:RolePolicy data-execution", "aws:iam/rolePolicy:RolePolicy data-task"]
    policies += (
        ["aws:iam/policy:Policy data-push"]
        if mode == "push"
        else ["aws:iam/rolePolicy:RolePolicy data-worker", "aws:iam/rolePolicy:RolePolicy data-worker-execution",
              "aws:sqs/queuePolicy:QueuePolicy data-task-events"]
    )  # fmt: skip
    assert sorted(documents) == sorted(policies)
    return documents


def _findings(document: dict[str, Any]) -> list[str]:
    policy = parliament.analyze_policy_string(json.dumps(document), include_community_auditors=False)
    return [f"{finding.issue}: {finding.detail}" for finding in policy.findings]


def _identity(document: dict[str, Any]) -> bool:
    return not any("Principal" in statement for statement in document["Statement"])


@pytest.mark.parametrize("mode", MODES)
def test_parliament_finds_nothing(pulumi_harness: PulumiHarness, mode: str) -> None:
    """No finding of any severity on the roles', the push user's and the queue's documents."""
    findings = {name: _findings(document) for name, document in _documents(pulumi_harness, mode).items()}
    assert {name: found for name, found in findings.items() if found} == {}


@pytest.mark.parametrize("mode", MODES)
def test_every_wildcard_resource_has_a_named_reason(pulumi_harness: PulumiHarness, mode: str) -> None:
    """A `"*"` resource appears only in statements whose Sid names why AWS allows nothing narrower."""
    wildcards = {
        statement.get("Sid")
        for document in _documents(pulumi_harness, mode).values()
        if _identity(document)
        for statement in document["Statement"]
        if "*" in ([statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"])
    }
    assert wildcards
    assert wildcards <= set(WILDCARD_STATEMENTS)
