"""The hosted server's permission documents pass parliament's lint; each `"*"` has a named reason."""

from __future__ import annotations

import json
from typing import Any

import parliament

from prefect_ecs_platform.aws.iam_policies import WILDCARD_STATEMENTS
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from tests.support.hosted_server import deploy_hosted_server
from tests.support.pulumi_mocks import PulumiHarness

#: The identity documents the hosted server adds: its execution role's and the rotation Lambda's.
SERVER_POLICIES = ("data-server-execution", "data-server-rotation")


def _documents(harness: PulumiHarness) -> dict[str, dict[str, Any]]:
    deploy_hosted_server(harness, PrefectServerArgs(enabled=True))
    return {
        name: json.loads(harness.named("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])
        for name in SERVER_POLICIES
    }


def test_parliament_finds_nothing(pulumi_harness: PulumiHarness) -> None:
    """No finding of any severity on the server's execution policy or the rotation function's policy."""
    findings = {
        name: [
            f"{f.issue}: {f.detail}"
            for f in parliament.analyze_policy_string(json.dumps(document), include_community_auditors=False).findings
        ]
        for name, document in _documents(pulumi_harness).items()
    }
    assert {name: found for name, found in findings.items() if found} == {}


def test_every_wildcard_resource_has_a_named_reason(pulumi_harness: PulumiHarness) -> None:
    """Only the ECR token is on `"*"`; the rotation function's statements are all scoped."""
    wildcards = {
        (name, statement.get("Sid"))
        for name, document in _documents(pulumi_harness).items()
        for statement in document["Statement"]
        if "*" in ([statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"])
    }
    assert wildcards == {("data-server-execution", "EcrAuthorizationTokenIsAccountWide")}
    assert {sid for _, sid in wildcards} <= set(WILDCARD_STATEMENTS)
