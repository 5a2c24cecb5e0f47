"""Keyless CI for the platform: the GitHub OIDC provider, a deploy role, a preview role, the boundary."""

import pulumi
from ci_access.roles import CiAccessArgs, create_ci_access

config = pulumi.Config()
access = create_ci_access(
    "ci",
    CiAccessArgs(
        repository=config.require("githubRepository"),
        environments=config.get_object("environments") or ["dev", "prod"],
        existing_oidc_provider_arn=config.get("existingOidcProviderArn") or None,
        flow_actions=config.get_object("flowActions") or [],
        state_bucket_arn=config.get("stateBucketArn") or None,
        secrets_key_arn=config.get("secretsKeyArn") or None,
        tags={"managed-by": "pulumi", "prefect-ecs-platform": "ci"},
    ),
)
pulumi.export("deployRoleArn", access.deploy_role_arn)
pulumi.export("previewRoleArn", access.preview_role_arn)
pulumi.export("permissionsBoundaryArn", access.permissions_boundary_arn)
pulumi.export("oidcProviderArn", access.oidc_provider_arn)
