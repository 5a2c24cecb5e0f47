"""ECR repository ARNs read from image references, in the stack's partition."""

from __future__ import annotations

import pytest

from prefect_ecs_platform.inputs.arns import ecr_repository_arn_from_image

DIGEST = "@sha256:" + "f" * 64


@pytest.mark.parametrize(
    ("image", "partition", "arn"),
    [
        (f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows{DIGEST}", "aws",
         "arn:aws:ecr:eu-west-1:123456789012:repository/flows"),
        (f"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/team/flows{DIGEST}", "aws-us-gov",
         "arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/team/flows"),
        (f"123456789012.dkr-ecr.us-east-1.on.aws/flows{DIGEST}", "aws",
         "arn:aws:ecr:us-east-1:123456789012:repository/flows"),
        ("123456789012.dkr-ecr-fips.us-east-1.on.aws/flows:v1", "aws",
         "arn:aws:ecr:us-east-1:123456789012:repository/flows"),
        (f"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/flows{DIGEST}", "aws-cn",
         "arn:aws-cn:ecr:cn-north-1:123456789012:repository/flows"),
    ],
)  # fmt: skip
def test_private_registry_hosts_give_the_repository_arn(image: str, partition: str, arn: str) -> None:
    """Standard, FIPS and dual-stack hosts all name a private repository, in the partition given."""
    assert ecr_repository_arn_from_image(image, partition) == arn


@pytest.mark.parametrize(
    "image",
    [f"ghcr.io/acme/flows{DIGEST}", f"public.ecr.aws/acme/flows{DIGEST}", f"docker.io/prefecthq/prefect{DIGEST}"],
)
def test_other_registries_have_no_repository_arn(image: str) -> None:
    """Public and third-party registries need no ECR pull permission."""
    assert ecr_repository_arn_from_image(image, "aws") is None
