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
from tests.support.iam.preview_calls import preview_authorizations
from tests.support.pulumi_mocks import ACCOUNT, CLOUD_URL, RecordingMocks
from tests.support.render_project import copy_project

pytestmark = pytest.mark.node

PREVIEW_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-preview"
STACKS = [
    ("dev", "push", CLOUD_URL),
    ("prod", "push", CLOUD_URL),
    ("dev", "worker", "http://prefect.internal:4200/api"),
]


def _preview_of(tmp_path: Path, stack: str, mode: str, url: str) -> RecordingMocks:
    project = copy_project(tmp_path, stack=stack, mode=mode, prefectApiUrl=url, prefectApiKey="pnu_x")
    mocks = RecordingMocks()
    evaluate(load_stack_files(project, stack), mocks=mocks)
    return mocks


@pytest.mark.parametrize(("stack", "mode", "url"), STACKS, ids=[f"{s}-{m}" for s, m, _ in STACKS])
def test_the_preview_role_is_allowed_every_call_a_preview_makes(
    tmp_path: Path, stack: str, mode: str, url: str
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
    decisions = simulator.evaluate(
        authorizations, {"preview": preview_policy()}, principal=PREVIEW_ROLE, account_id=ACCOUNT
    )
    decided = zip(authorizations, decisions, strict=True)
    assert [(a.why, a.action, a.resource, d) for a, d in decided if d != "Allowed"] == []


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
