"""Every call a `pulumi preview` of an existing stack makes to AWS is allowed to the read-only preview role.

The stack's own program runs as `pulumi up` runs it (render's evaluation, with mocks that record invokes), in
push and worker mode; the calls awsx's remote components make come from `tests/support/iam/preview_calls.py`. Apply
callbacks run (`preview=False`): a preview of a stack that exists knows the values an unchanged resource has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bootstrap.ci_access.policies import preview_policy
from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.plan_mocks import Registered, RepositoryReferenceMonitor
from prefect_ecs_platform.render.project_files import load_stack_files
from tests.support.iam import simulator
from tests.support.iam.preview_calls import REFRESH_READS, preview_authorizations, refresh_authorizations
from tests.support.iam.simulator import Authorization
from tests.support.pulumi_mocks import ACCOUNT, CLOUD_URL, REGION, RecordingMocks
from tests.support.render_project import copy_project

pytestmark = pytest.mark.node

PREVIEW_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-preview"
#: `url` None: the stack hosts its Prefect server (no URL, no key, `prefectServer: {enabled: true}`).
STACKS: list[tuple[str, str, str | None]] = [
    ("dev", "push", CLOUD_URL),
    ("prod", "push", CLOUD_URL),
    ("dev", "worker", "http://prefect.internal:4200/api"),
    ("dev", "worker", None),
]


def _preview_of(tmp_path: Path, stack: str, mode: str, url: str | None) -> RecordingMocks:
    if url is None:
        config: dict[str, Any] = {"prefectApiUrl": None, "prefectApiKey": None, "prefectServer": {"enabled": True}}
    else:
        # dev hosts its server as committed: a stack with a URL has none.
        config = {"prefectApiUrl": url, "prefectApiKey": "pnu_x", "prefectServer": None}
    project = copy_project(tmp_path, stack=stack, mode=mode, **config)
    mocks = RecordingMocks()
    evaluate(load_stack_files(project, stack), mocks=mocks)
    return mocks


def _decide(authorizations: list[Authorization]) -> list[tuple[str, str, str, str]]:
    """The authorisations the preview role is not allowed, as (why, action, resource, decision)."""
    decisions = simulator.evaluate(
        authorizations, {"preview": preview_policy()}, principal=PREVIEW_ROLE, account_id=ACCOUNT
    )
    return [(a.why, a.action, a.resource, d) for a, d in zip(authorizations, decisions, strict=True) if d != "Allowed"]


@pytest.mark.parametrize(
    ("stack", "mode", "url"), STACKS, ids=[f"{s}-{m}" if u else f"{s}-hosted" for s, m, u in STACKS]
)
def test_the_preview_role_is_allowed_every_call_a_preview_makes(
    tmp_path: Path, stack: str, mode: str, url: str | None
) -> None:
    """The program's invokes and awsx's (registry login, build cache pull, zone lookup) are all Allowed."""
    mocks = _preview_of(tmp_path, stack, mode, url)
    assert {token for token, _ in mocks.calls} >= {"aws:index/getCallerIdentity:getCallerIdentity"}
    authorizations = preview_authorizations(mocks.calls, mocks.resources)
    assert {a.action for a in authorizations} >= {
        "ecr:GetAuthorizationToken",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ec2:DescribeAvailabilityZones",
    }
    assert _decide(authorizations) == []


def _hosted_only(tmp_path: Path) -> list[Registered]:
    """The resources of a hosted stack whose types a worker stack with a URL of its own does not register."""
    worker = {
        r.typ for r in _preview_of(tmp_path / "worker", "dev", "worker", "http://prefect.internal:4200/api").resources
    }
    return [r for r in _preview_of(tmp_path / "hosted", "dev", "worker", None).resources if r.typ not in worker]


def test_the_preview_role_may_refresh_what_a_hosted_server_adds(tmp_path: Path) -> None:
    """Every resource type the hosted server adds is mapped to its provider's Read, and those reads are Allowed."""
    hosted = _hosted_only(tmp_path)
    assert {r.typ for r in hosted} >= {
        "aws:rds/instance:Instance", "aws:lb/loadBalancer:LoadBalancer", "aws:lambda/function:Function",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    }  # fmt: skip
    authorizations = refresh_authorizations(hosted, region=REGION, account=ACCOUNT)
    assert {a.action for a in authorizations} >= {"rds:DescribeDBInstances", "lambda:GetFunction", "lambda:GetPolicy"}
    assert _decide(authorizations) == []


def test_a_hosted_type_with_no_read_fails_instead_of_passing_unevaluated() -> None:
    """A type the hosted server starts registering must be mapped to its Read first."""
    topic = Registered("aws:sns/topic:Topic", "alerts", {}, "alerts-id", {"arn": "arn:aws:sns:eu-west-1:1:alerts"})
    with pytest.raises(KeyError, match="aws:sns/topic:Topic has no entry in REFRESH_READS"):
        refresh_authorizations([topic], region=REGION, account=ACCOUNT)
    assert "aws:sns/topic:Topic" not in REFRESH_READS


def test_no_hook_runs_in_a_preview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hooks' AWS calls (rollout check, task drain) are left out above because none runs on a dry run."""
    registered: list[tuple[str, bool]] = []
    register = RepositoryReferenceMonitor.RegisterResourceHook

    def recording(monitor: RepositoryReferenceMonitor, request: Any) -> Any:
        registered.append((request.name, request.on_dry_run))
        return register(monitor, request)

    monkeypatch.setattr(RepositoryReferenceMonitor, "RegisterResourceHook", recording)
    _preview_of(tmp_path, "dev", "worker", "http://prefect.internal:4200/api")
    assert registered
    assert [name for name, on_dry_run in registered if on_dry_run] == []


def test_the_image_pulls_only_from_its_own_repository() -> None:
    """The cache pull is authorised on the stack's repository, named from the Image's repositoryUrl."""
    url = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/data-flows"
    image = Registered("awsx:ecr:Image", "data-flows", {"repositoryUrl": url}, "data-flows-id", {})
    pulls = [a for a in preview_authorizations([], [image]) if a.action != "ecr:GetAuthorizationToken"]
    assert {(a.action, a.resource) for a in pulls} == {
        (action, f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/data-flows")
        for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
    }


def test_a_call_with_no_entry_fails_instead_of_passing_unevaluated() -> None:
    """A new invoke or awsx component must be mapped to its IAM actions before the test above can pass."""
    with pytest.raises(KeyError, match="aws:ecs/getCluster:getCluster has no entry"):
        preview_authorizations([("aws:ecs/getCluster:getCluster", {})], [])
    with pytest.raises(KeyError, match="awsx:lb:ApplicationLoadBalancer has no entry"):
        preview_authorizations([], [Registered("awsx:lb:ApplicationLoadBalancer", "lb", {}, "lb-id", {})])
