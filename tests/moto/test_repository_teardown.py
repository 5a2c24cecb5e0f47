"""`pulumi destroy` gets past the flow image's repository, which the image builds always leave non-empty.

The delete is the one the AWS provider sends for the repository the component registered (`DeleteRepository`
with its `forceDelete`), made against moto's ECR, which refuses to delete a repository with images as AWS does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from prefect_ecs_platform import PrefectEcsPlatformArgs
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness

pytestmark = pytest.mark.moto

MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"digest": "sha256:" + "1" * 64, "size": 1, "mediaType": "application/octet-stream"},
                       "layers": []})  # fmt: skip


@pytest.fixture
def ecr(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's ECR holding a repository with two pushed builds, as after two `pulumi up`s."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("ecr", region_name="eu-west-1")
        client.create_repository(repositoryName="data-flows")
        for tag in ("build-1", "build-2"):
            client.put_image(repositoryName="data-flows", imageManifest=MANIFEST, imageTag=tag)
        yield client


def _registered_force_delete(harness: PulumiHarness) -> bool:
    args = PrefectEcsPlatformArgs(prefect_api_url=CLOUD_URL, prefect_api_key="pnu_teardown", work_pool_name="ecs-dev")
    deploy_platform(harness, args)
    return bool(harness.one("awsx:ecr:Repository").inputs["forceDelete"])


def test_repository_with_images_is_deleted_by_the_registered_delete(pulumi_harness: PulumiHarness, ecr: Any) -> None:
    """The repository's registered forceDelete removes it with its images."""
    ecr.delete_repository(repositoryName="data-flows", force=_registered_force_delete(pulumi_harness))
    assert ecr.describe_repositories()["repositories"] == []


def test_without_force_the_delete_fails_as_destroy_did(ecr: Any) -> None:
    """The failure the setting prevents: ECR refuses a repository that still holds images."""
    with pytest.raises(ecr.exceptions.RepositoryNotEmptyException):
        ecr.delete_repository(repositoryName="data-flows", force=False)
