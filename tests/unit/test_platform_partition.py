"""The component in another AWS partition: every ARN it writes is that partition's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefect_ecs_platform import PrefectEcsPlatformArgs
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import ACCOUNT, CLOUD_URL, PulumiHarness

CHINA_IMAGE = f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/flows@sha256:" + "e" * 64


def _deploy(harness: PulumiHarness, **overrides: Any) -> None:
    values: dict[str, Any] = {
        "prefect_api_url": CLOUD_URL,
        "prefect_api_key": "pnu_partition_unit_key",
        "work_pool_name": "ecs-cn",
    }
    values.update(overrides)
    deploy_platform(harness, PrefectEcsPlatformArgs(**values))


def _pull_statement(harness: PulumiHarness, policy_name: str) -> dict[str, object]:
    document = json.loads(harness.named("aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    [pull] = [s for s in document["Statement"] if s.get("Sid") == "PullFlowImage"]
    return pull


@pytest.mark.parametrize("mode", ["push", "worker"])
def test_no_registered_input_names_the_commercial_partition(china_pulumi_harness: PulumiHarness, mode: str) -> None:
    """In aws-cn, no policy, template or definition carries `arn:aws:`, and the built image can be pulled."""
    _deploy(china_pulumi_harness, mode=mode)
    registered = json.dumps([r.inputs for r in china_pulumi_harness.resources], default=str)
    assert "arn:aws-cn:" in registered
    assert "arn:aws:" not in registered
    assert _pull_statement(china_pulumi_harness, "data-execution")["Resource"] == (
        f"arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/data-flows"
    )


def test_brought_image_in_the_partition_is_pulled_with_its_arn(china_pulumi_harness: PulumiHarness) -> None:
    """A prebuilt image in a China registry gets a pull statement in the aws-cn partition."""
    _deploy(china_pulumi_harness, image_uri=CHINA_IMAGE)
    assert _pull_statement(china_pulumi_harness, "data-execution")["Resource"] == (
        f"arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/flows"
    )
