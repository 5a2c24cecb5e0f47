"""Prefect credentials in AWS Secrets Manager, so containers receive them as ECS secrets."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


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
