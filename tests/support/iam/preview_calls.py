"""What `pulumi preview` of an existing stack asks of AWS, as the authorisations the preview role needs.

Two sources, because they travel differently:

- The program's own invokes reach the Pulumi mocks (`RecordingMocks.calls`). Each token maps to the requests
  the AWS provider's data source makes: terraform-provider-aws, the v6 line pulumi-aws 7.51 wraps.
- awsx's components are remote: their invokes and the image build run in awsx's provider and its
  pulumi-docker-build child, never in this process, so the mocks only see the component. What each component
  calls is listed here from the source of pulumi_awsx 3.11.0 (pulumi/pulumi-awsx at e60adf3c: the mirror holds
  tags up to v3.8.0 only; 3.11.0's Python SDK, installed here, is byte-identical to that commit's sdk/python but
  for its version, and awsx/ecr and awsx/ec2 are unchanged since v3.8.0) and of pulumi-docker-build v0.0.14, the
  version that awsx's package.json pins.

An invoke token or an awsx type with no entry here fails, so a call the program starts making cannot pass
unevaluated. Hooks are not listed: the component registers them without `on_dry_run`, so none runs in a
preview (tests/iam/test_preview_calls.py checks the registrations).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prefect_ecs_platform.inputs.arns import ecr_repository_arn_from_image
from prefect_ecs_platform.render.plan_mocks import Registered
from tests.support.iam.simulator import Authorization

InvokeMapping = Callable[[Mapping[str, Any]], Iterator[Authorization]]
ComponentMapping = Callable[[Registered, str], Iterator[Authorization]]


def _no_request(_: Mapping[str, Any]) -> Iterator[Authorization]:
    yield from ()


#: Invoke token -> what AWS authorises for it.
INVOKES: dict[str, InvokeMapping] = {
    # internal/service/sts/caller_identity_data_source.go calls sts:GetCallerIdentity, which needs no permission:
    # "No permissions are required to perform this operation" (AWS STS API reference), not even under a deny.
    "aws:index/getCallerIdentity:getCallerIdentity": _no_request,
    # internal/service/meta/region_data_source.go: the provider's region looked up in the SDK's endpoint table.
    "aws:index/getRegion:getRegion": _no_request,
    # internal/service/meta/partition_data_source.go: read from the provider's own configuration.
    "aws:index/getPartition:getPartition": _no_request,
}


def _image(image: Registered, partition: str) -> Iterator[Authorization]:
    why = f"awsx:ecr:Image {image.name}"
    # awsx/ecr/auth.ts, getDockerCredentials: aws.ecr.getAuthorizationTokenOutput for the repository's registry
    # (terraform-provider-aws internal/service/ecr/authorization_token_data_source.go: ecr:GetAuthorizationToken).
    yield Authorization("ecr:GetAuthorizationToken", "*", why=f"{why}: registry login")
    # awsx/ecr/image.ts, computeImageFromAsset: with no cacheFrom the build caches from its own tag in the
    # repository (`{registry: {ref: canonicalImageName}}`). pulumi-docker-build v0.0.14 provider/internal/image.go
    # builds during previews (buildOnPreview defaults to true) once no input is unknown, as on a stack that
    # exists, and never pushes then (`push` becomes a registry export, whose push Export.validate turns off in
    # a preview); pulling the cache manifest and its layers is ecr:BatchGetImage and ecr:GetDownloadUrlForLayer.
    refs = [image.inputs["repositoryUrl"], *image.inputs.get("cacheFrom", [])]
    for ref in refs:
        repository = ecr_repository_arn_from_image(ref, partition)
        if repository:
            for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
                yield Authorization(action, repository, why=f"{why}: build cache pull from {ref}")


def _vpc(vpc: Registered, partition: str) -> Iterator[Authorization]:
    # awsx/ec2/vpc.ts: without availabilityZoneNames, getDefaultAzs calls aws.getAvailabilityZones
    # (terraform-provider-aws internal/service/ec2/ec2_availability_zones_data_source.go:
    # ec2:DescribeAvailabilityZones).
    if not vpc.inputs.get("availabilityZoneNames"):
        yield Authorization("ec2:DescribeAvailabilityZones", "*", why=f"awsx:ec2:Vpc {vpc.name}: zone lookup")


def _repository(repository: Registered, partition: str) -> Iterator[Authorization]:
    # awsx/ecr/repository.ts makes no invoke: it registers the repository and its lifecycle policy.
    yield from ()


#: awsx component type -> what its remote construction asks of AWS in a preview.
AWSX_COMPONENTS: dict[str, ComponentMapping] = {
    "awsx:ecr:Image": _image,
    "awsx:ec2:Vpc": _vpc,
    "awsx:ecr:Repository": _repository,
}


def preview_authorizations(
    calls: Iterable[tuple[str, Mapping[str, Any]]], resources: Iterable[Registered], *, partition: str = "aws"
) -> list[Authorization]:
    """Every authorisation a preview of the program that made `calls` and registered `resources` needs."""
    found: list[Authorization] = []
    for token, args in calls:
        if token not in INVOKES:
            raise KeyError(
                f"invoke {token} has no entry in tests/support/iam/preview_calls.py: map it to the IAM actions"
            )
        found += INVOKES[token](args)
    for resource in resources:
        if resource.typ.startswith("awsx:"):
            if resource.typ not in AWSX_COMPONENTS:
                raise KeyError(
                    f"{resource.typ} has no entry in tests/support/iam/preview_calls.py: list its calls from awsx"
                )
            found += AWSX_COMPONENTS[resource.typ](resource, partition)
    return found
