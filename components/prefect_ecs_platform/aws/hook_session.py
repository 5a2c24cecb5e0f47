"""How the program's resource hooks reach AWS: as the AWS provider the resources were created with.

Hooks run in the program's process during `pulumi up` and `pulumi destroy --run-program`. They call AWS with
boto3, built here from the provider's settings (`provider_auth.py`) in the order the provider applies them: static
keys, else the profile, else the environment's chain; then `assumeRoleWithWebIdentity`; then each role of
`assumeRoles` in turn. Assumed credentials refresh themselves, since a rollout check can wait longer than a
role session lasts. The region is the one a resource was managed in when the caller knows it (its ARN, its
`region` output), else the provider's, else `AWS_REGION` or `AWS_DEFAULT_REGION` as the provider reads them
(botocore alone reads only the latter).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pulumi
from botocore.credentials import RefreshableCredentials

from prefect_ecs_platform.aws.provider_auth import STACK_KEYS, AssumeRole, AwsAuth, WebIdentity, auth_from_settings

#: The session name of an assumed role when the provider's settings give none.
DEFAULT_SESSION_NAME = "prefect-ecs-platform-hook"
STACK_CONFIG_SOURCE = "the stack's aws: configuration"
#: How long a hook waits for an explicit provider's settings (an Output) before giving up.
SETTINGS_TIMEOUT_SECONDS = 120.0

SessionFactory = Callable[..., boto3.Session]
#: What makes the hooks' sessions; tests record the arguments here.
session_factory: SessionFactory = boto3.Session


def hook_region(auth: AwsAuth, region: str | None = None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The region a hook calls: the resource's own, else the provider's, else the environment's as Go reads it."""
    return region or auth.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


def _refreshable(fetch: Callable[[], Mapping[str, Any]], method: str) -> RefreshableCredentials:
    def refresh() -> dict[str, str]:
        credentials = fetch()
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    return RefreshableCredentials.create_from_metadata(metadata=refresh(), refresh_using=refresh, method=method)


def _sts_call(
    session: boto3.Session, region: str | None, operation: str, params: dict[str, Any]
) -> RefreshableCredentials:
    """Credentials from an STS call made with `session`'s, renewed by the same call when they expire."""
    sts = session.client("sts", region_name=region)
    return _refreshable(lambda: getattr(sts, operation)(**params)["Credentials"], operation.replace("_", "-"))


def _with_credentials(
    credentials: RefreshableCredentials, region: str | None, factory: SessionFactory
) -> boto3.Session:
    core = botocore.session.Session()
    # botocore's own assume-role provider keeps refreshable credentials on the session the same way.
    core._credentials = credentials
    return factory(botocore_session=core, region_name=region)


def _web_identity_params(web: WebIdentity, environ: Mapping[str, str]) -> dict[str, Any]:
    token = web.web_identity_token
    token_file = web.web_identity_token_file or environ.get("AWS_WEB_IDENTITY_TOKEN_FILE")
    if token is None and token_file:
        token = Path(token_file).read_text().strip()
    if not token:
        raise pulumi.RunError(
            f"assumeRoleWithWebIdentity for {web.role_arn} has neither webIdentityToken nor webIdentityTokenFile "
            "(nor AWS_WEB_IDENTITY_TOKEN_FILE)"
        )
    return {**_session_params(web), "WebIdentityToken": token}


def _session_params(role: AssumeRole | WebIdentity) -> dict[str, Any]:
    """What both AssumeRole and AssumeRoleWithWebIdentity take: the role, the session, its length and policies."""
    params: dict[str, Any] = {"RoleArn": role.role_arn, "RoleSessionName": role.session_name or DEFAULT_SESSION_NAME}
    if role.duration_seconds:
        params["DurationSeconds"] = role.duration_seconds
    if role.policy:
        params["Policy"] = role.policy
    if role.policy_arns:
        params["PolicyArns"] = [{"arn": arn} for arn in role.policy_arns]
    return params


def assume_role_params(role: AssumeRole) -> dict[str, Any]:
    """The STS AssumeRole parameters for one role of the chain, as the provider sends them."""
    params = _session_params(role)
    if role.external_id:
        params["ExternalId"] = role.external_id
    if role.tags:
        params["Tags"] = [{"Key": key, "Value": value} for key, value in role.tags.items()]
    if role.transitive_tag_keys:
        params["TransitiveTagKeys"] = list(role.transitive_tag_keys)
    if role.source_identity:
        params["SourceIdentity"] = role.source_identity
    return params


def session_for(
    auth: AwsAuth,
    region: str | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    factory: SessionFactory | None = None,
) -> boto3.Session:
    """A boto3 session that acts as the AWS provider configured by `auth`, in `region` when given."""
    factory = factory or session_factory
    region_name = hook_region(auth, region, environ)
    sts_region = auth.sts_region or region_name
    core = botocore.session.Session()
    if auth.shared_config_files:
        # botocore reads one config and one credentials file; the provider's first file is its main one.
        core.set_config_variable("config_file", auth.shared_config_files[0])
    if auth.shared_credentials_files:
        core.set_config_variable("credentials_file", auth.shared_credentials_files[0])
    static = auth.access_key is not None and auth.secret_key is not None
    session = factory(
        botocore_session=core,
        region_name=region_name,
        profile_name=None if static else auth.profile,
        aws_access_key_id=auth.access_key if static else None,
        aws_secret_access_key=auth.secret_key if static else None,
        aws_session_token=auth.token if static else None,
    )
    if auth.web_identity is not None:
        session = _with_credentials(
            _sts_call(
                session, sts_region, "assume_role_with_web_identity", _web_identity_params(auth.web_identity, environ)
            ),
            region_name,
            factory,
        )
    for role in auth.assume_roles:
        session = _with_credentials(
            _sts_call(session, sts_region, "assume_role", assume_role_params(role)), region_name, factory
        )
    return session


def stack_config_auth() -> AwsAuth:
    """The default AWS provider's settings: the stack's `aws:` configuration."""
    config = pulumi.Config("aws")
    return auth_from_settings({key: config.get(key) for key in STACK_KEYS}, source=STACK_CONFIG_SOURCE)


class ProviderAuth:
    """The AWS settings of the provider a component's resources use, once known, for its hooks.

    An explicit provider's settings arrive as an Output (its `terraformConfig` method); a hook waits for them.
    """

    def __init__(self, auth: AwsAuth | pulumi.Output[AwsAuth]) -> None:
        self._ready = threading.Event()
        self._auth: AwsAuth | None = None
        if isinstance(auth, AwsAuth):
            self._set(auth)
        else:
            auth.apply(self._set)

    def _set(self, auth: AwsAuth) -> None:
        self._auth = auth
        self._ready.set()

    def get(self, timeout: float = SETTINGS_TIMEOUT_SECONDS) -> AwsAuth:
        if not self._ready.wait(timeout) or self._auth is None:
            raise pulumi.RunError("the explicit AWS provider's settings never became known; the hook cannot call AWS")
        return self._auth

    def session(self, region: str | None = None) -> boto3.Session:
        """A session acting as the provider, in `region` when the caller knows the resource's own."""
        return session_for(self.get(), region)


def inherited_aws_provider(resource: pulumi.Resource) -> pulumi.ProviderResource | None:
    """The explicit `aws` provider `resource` hands its children (its `providers`, `provider`, or a parent's)."""
    # The SDK keeps the providers a resource hands its children here; there is no public accessor.
    return resource._providers.get("aws")


def provider_auth(provider: pulumi.ProviderResource | None) -> ProviderAuth:
    """The AWS settings resources created by `provider` use: an explicit provider's, or the stack's."""
    if provider is None:
        return ProviderAuth(stack_config_auth())
    terraform_config = getattr(provider, "terraform_config", None)
    if terraform_config is None:
        pulumi.log.warn(
            f"the AWS provider {provider._name} has no terraformConfig method; the stack's resource hooks use the "
            "stack's aws: configuration and the environment, which may name another account or region"
        )
        return ProviderAuth(stack_config_auth())
    source = f"the explicit AWS provider {provider._name}"
    return ProviderAuth(terraform_config().apply(lambda reply: auth_from_settings(reply.result or {}, source=source)))
