"""Prefect credentials in AWS Secrets Manager, so containers receive them as ECS secrets."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs


def create_credential_secret(
    resource_name: str,
    value: pulumi.Input[str],
    *,
    description: str,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.secretsmanager.Secret:
    secret = aws.secretsmanager.Secret(resource_name, description=description, tags=tags, opts=opts)
    aws.secretsmanager.SecretVersion(
        resource_name,
        secret_id=secret.id,
        # Wrapped again so the value stays secret in state even if the caller passed a plain string.
        secret_string=pulumi.Output.secret(value),
        opts=opts,
    )
    return secret


def create_prefect_credentials(
    name: str, args: PrefectEcsPlatformArgs, *, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str | None], pulumi.Output[str | None]]:
    """Secrets for the API key and the auth string that were given; the ARNs, None for those absent."""
    api_key_arn: pulumi.Output[str | None] = pulumi.Output.from_input(None)
    if args.prefect_api_key is not None:
        api_key_arn = create_credential_secret(
            f"{name}-prefect-api-key",
            args.prefect_api_key,
            description="Prefect API key for flow runs and workers (PREFECT_API_KEY)",
            tags=tags,
            opts=opts,
        ).arn
    auth_string_arn: pulumi.Output[str | None] = pulumi.Output.from_input(None)
    if args.prefect_api_auth_string is not None:
        auth_string_arn = create_credential_secret(
            f"{name}-prefect-auth-string",
            args.prefect_api_auth_string,
            description="Basic auth of the self-hosted Prefect server (PREFECT_API_AUTH_STRING)",
            tags=tags,
            opts=opts,
        ).arn
    return api_key_arn, auth_string_arn
