"""Prefect credentials in AWS Secrets Manager, so containers receive them as ECS secrets."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def create_api_key_secret(
    name: str, api_key: pulumi.Input[str], tags: dict[str, str], opts: pulumi.ResourceOptions
) -> aws.secretsmanager.Secret:
    secret = aws.secretsmanager.Secret(
        f"{name}-prefect-api-key",
        description="Prefect API key for Prefect flow runs and workers (PREFECT_API_KEY)",
        tags=tags,
        opts=opts,
    )
    aws.secretsmanager.SecretVersion(
        f"{name}-prefect-api-key",
        secret_id=secret.id,
        # Wrapped again so the key stays secret in state even if the caller passed a plain string.
        secret_string=pulumi.Output.secret(api_key),
        opts=opts,
    )
    return secret
