"""Reading the parts of ARNs and ECR image references the stack needs (region, account, names)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(arn: str) -> Arn:
    """Split `arn` into its parts; raise ValueError naming the value when it is not an ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"{arn!r} is not an ARN (arn:partition:service:region:account:resource)")
    return Arn(*parts[1:])


def cluster_name_from_arn(cluster_arn: str) -> str:
    """`arn:aws:ecs:us-east-1:123456789012:cluster/data` -> `data`."""
    resource = parse_arn(cluster_arn).resource
    if not resource.startswith("cluster/"):
        raise ValueError(f"{cluster_arn!r} is not an ECS cluster ARN")
    return resource.removeprefix("cluster/")


# Private registry hosts: standard and FIPS (`dkr.ecr[-fips]`, under amazonaws.com, its .cn twin or the isolated
# partitions' domains) and dual-stack (`dkr-ecr[-fips]` under on.aws). The host never tells the partition.
_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr[.-]ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)"
    r"\.(?:amazonaws\.com(?:\.cn)?|on\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov)/(?P<repository>[^:@]+)"
)


def ecr_repository_arn_from_image(image_uri: str, partition: str) -> str | None:
    """The ARN of the private ECR repository an image lives in, or None for any other registry.

    `partition` is the stack's (`aws.get_partition()`): ECS pulls only from registries of its own partition.
    """
    match = _ECR_IMAGE.match(image_uri)
    if not match:
        return None
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"
