"""The CI principals: GitHub's OIDC provider (created, or the account's existing one), two roles, a boundary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .policies import (
    GITHUB_AUDIENCE,
    GITHUB_OIDC_HOST,
    boundary_policy,
    deploy_policy,
    deploy_subjects,
    github_trust_policy,
    preview_policy,
)


@dataclass(frozen=True)
class CiAccess:
    oidc_provider_arn: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    permissions_boundary_arn: pulumi.Output[str]


@dataclass(frozen=True)
class CiAccessArgs:
    #: The GitHub repository, "owner/name".
    repository: str
    #: Its stacks' GitHub environments, from which the deploy role may be assumed.
    environments: Sequence[str]
    #: AWS allows one OIDC provider per URL and account: the existing one's ARN, to reuse it.
    existing_oidc_provider_arn: str | None = None
    flow_actions: Sequence[str] = ()
    state_bucket_arn: str | None = None
    secrets_key_arn: str | None = None
    tags: dict[str, str] | None = None


def create_ci_access(name: str, args: CiAccessArgs) -> CiAccess:
    """Create the CI principals for GitHub `args.repository` and its stacks' `args.environments`."""
    repository, environments, flow_actions, tags = args.repository, args.environments, args.flow_actions, args.tags
    existing_oidc_provider_arn = args.existing_oidc_provider_arn
    state_bucket_arn, secrets_key_arn = args.state_bucket_arn, args.secrets_key_arn
    if existing_oidc_provider_arn:
        provider_arn: pulumi.Output[str] = pulumi.Output.from_input(existing_oidc_provider_arn)
    else:
        provider_arn = aws.iam.OpenIdConnectProvider(
            f"{name}-github",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_id_lists=[GITHUB_AUDIENCE],
            tags=tags,
        ).arn
    boundary = aws.iam.Policy(
        f"{name}-platform-boundary",
        description="The most any principal the platform creates may do",
        policy=json.dumps(boundary_policy(flow_actions=flow_actions)),
        tags=tags,
    )
    preview = aws.iam.Role(
        f"{name}-preview",
        description=f"pulumi preview of {repository}'s pull requests: read only",
        assume_role_policy=provider_arn.apply(
            lambda arn: json.dumps(github_trust_policy(arn, repository, ["pull_request"]))
        ),
        tags=tags,
    )
    aws.iam.RolePolicy(
        f"{name}-preview",
        role=preview.name,
        policy=json.dumps(preview_policy(state_bucket_arn=state_bucket_arn)),
    )
    deploy = aws.iam.Role(
        f"{name}-deploy",
        description=f"pulumi up and destroy of {repository}'s stacks, from main and its environments",
        assume_role_policy=provider_arn.apply(
            lambda arn: json.dumps(github_trust_policy(arn, repository, deploy_subjects(environments)))
        ),
        tags=tags,
    )
    aws.iam.RolePolicy(
        f"{name}-deploy",
        role=deploy.name,
        policy=pulumi.Output.all(boundary.arn, deploy.arn, preview.arn).apply(
            lambda arns: json.dumps(
                deploy_policy(
                    boundary_arn=arns[0],
                    protected_arns=list(arns),
                    state_bucket_arn=state_bucket_arn,
                    secrets_key_arn=secrets_key_arn,
                )
            )
        ),
    )
    return CiAccess(
        oidc_provider_arn=provider_arn,
        deploy_role_arn=deploy.arn,
        preview_role_arn=preview.arn,
        permissions_boundary_arn=boundary.arn,
    )
