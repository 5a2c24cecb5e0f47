"""Prefect credentials in AWS Secrets Manager, so containers receive them as ECS secrets."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs


@dataclass(frozen=True)
class PrefectCredentials:
    #: ARN of the API key's secret, None when no key was given.
    api_key_arn: pulumi.Output[str | None]
    #: ARN of the self-hosted server's auth string secret, None when none was given.
    auth_string_arn: pulumi.Output[str | None]
    #: The secrets' values: a container reading a secret before its value exists fails to start.
    values: list[pulumi.Resource]
    #: Each value's Secrets Manager version id, by the variable a container reads it as. A new value is a new
    #: version under the same ARN, so this is the only thing that changes when a credential does.
    version_ids: dict[str, pulumi.Output[str]]

    @property
    def arns(self) -> pulumi.Output[list[str]]:
        """The ARNs of the secrets that exist."""
        return pulumi.Output.all(self.api_key_arn, self.auth_string_arn).apply(lambda arns: [a for a in arns if a])


def credential_secrets(api_key_arn: str | None, auth_string_arn: str | None) -> list[dict[str, str]]:
    """A container definition's `secrets`: the Prefect credentials, read by ECS at start, never in the environment."""
    secrets = []
    if api_key_arn:
        secrets.append({"name": "PREFECT_API_KEY", "valueFrom": api_key_arn})
    if auth_string_arn:
        secrets.append({"name": "PREFECT_API_AUTH_STRING", "valueFrom": auth_string_arn})
    return secrets


def create_credential_secret(
    resource_name: str,
    value: pulumi.Input[str],
    *,
    description: str,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
    secret = aws.secretsmanager.Secret(resource_name, description=description, tags=tags, opts=opts)
    version = aws.secretsmanager.SecretVersion(
        resource_name,
        secret_id=secret.id,
        # Wrapped again so the value stays secret in state even if the caller passed a plain string.
        secret_string=pulumi.Output.secret(value),
        opts=opts,
    )
    return secret, version


def create_prefect_credentials(
    name: str, args: PrefectEcsPlatformArgs, *, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> PrefectCredentials:
    """Secrets for the API key and the auth string that were given."""
    values: list[pulumi.Resource] = []
    version_ids: dict[str, pulumi.Output[str]] = {}

    def secret_arn(
        suffix: str, variable: str, value: pulumi.Input[str] | None, description: str
    ) -> pulumi.Output[str | None]:
        if value is None:
            return pulumi.Output.from_input(None)
        secret, version = create_credential_secret(
            f"{name}-{suffix}", value, description=description, tags=tags, opts=opts
        )
        values.append(version)
        version_ids[variable] = version.version_id
        return secret.arn

    return PrefectCredentials(
        api_key_arn=secret_arn(
            "prefect-api-key",
            "PREFECT_API_KEY",
            args.prefect_api_key,
            "Prefect API key for flow runs and workers (PREFECT_API_KEY)",
        ),
        auth_string_arn=secret_arn(
            "prefect-auth-string",
            "PREFECT_API_AUTH_STRING",
            args.prefect_api_auth_string,
            "Basic auth of the self-hosted Prefect server (PREFECT_API_AUTH_STRING)",
        ),
        values=values,
        version_ids=version_ids,
    )
