"""The flow image: an ECR repository and the image built from the flows' Docker context."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from prefect_ecs_platform.inputs.args import DEFAULT_IMAGE_CONTEXT, PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.arns import ecr_repository_arn_from_image


@dataclass(frozen=True)
class FlowImage:
    #: None when the user brought a prebuilt image.
    repository_url: pulumi.Output[str | None]
    #: The private ECR repository the image is pulled from, None for other registries.
    repository_arn: pulumi.Output[str | None]
    #: The image reference flow runs use, pinned by digest when this stack built it.
    image_uri: pulumi.Output[str]


def retain_image_resources(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
    """Mark a resource under the flow image (the awsx Image itself and what it creates) retained on delete.

    awsx's Image pushes with a pulumi-docker-build Image, whose delete removes the pushed digest from ECR; the
    engine deletes it on destroy and on every replacement, even by a build of the same digest
    (pulumi-docker-build#606), so a digest a task definition or a running flow still pulls could vanish.
    awsx is a remote component: retain_on_delete on it reaches its children only through the engine's
    inheritance (CLI 3.158 on) and only where awsx leaves the option unset, while the engine runs a
    resource's transforms on every descendant, those awsx's provider registers included.
    """
    return pulumi.ResourceTransformResult(
        props=args.props,
        opts=pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=True)),
    )


def brought_image(image_uri: pulumi.Input[str], partition: pulumi.Output[str]) -> FlowImage:
    """An image built elsewhere: its repository's ARN, when it is a private ECR one, from its host and path."""
    uri = pulumi.Output.from_input(image_uri)
    return FlowImage(
        repository_url=pulumi.Output.from_input(None),
        repository_arn=pulumi.Output.all(uri, partition).apply(lambda v: ecr_repository_arn_from_image(v[0], v[1])),
        image_uri=uri,
    )


def create_flow_image(
    name: str,
    args: PrefectEcsPlatformArgs,
    *,
    partition: pulumi.Output[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> FlowImage:
    """Build and push the flow image, or use the brought `image_uri`."""
    if args.image_uri is not None:
        return brought_image(args.image_uri, partition)
    repository = awsx.ecr.Repository(
        f"{name}-flows",
        # Pulumi never deletes a pushed image (the image is retained, below), so the repository is never empty:
        # without force, `pulumi destroy` always failed here (pulumi/templates#525). Keeping them is
        # ecr_retain_on_destroy's job.
        force_delete=True,
        image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
        lifecycle_policy=awsx.ecr.LifecyclePolicyArgs(
            rules=[
                awsx.ecr.LifecyclePolicyRuleArgs(
                    description=f"keep the last {args.ecr_keep_images} images",
                    maximum_number_of_images=args.ecr_keep_images,
                    tag_status=awsx.ecr.LifecycleTagStatus.ANY,
                )
            ]
        ),
        tags=tags,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=args.ecr_retain_on_destroy)),
    )
    image = awsx.ecr.Image(
        f"{name}-flows",
        repository_url=repository.url,
        context=args.image_context or DEFAULT_IMAGE_CONTEXT,
        platform=args.image_platform,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transforms=[retain_image_resources])),
    )
    return FlowImage(
        repository_url=repository.url,
        repository_arn=repository.repository.apply(lambda created: created.arn),
        # awsx reports the pushed image as repository@sha256:digest, so a code change is a new URI.
        image_uri=image.image_uri,
    )
