"""How the AWS provider authenticates, read from its configuration, so the program's hooks can act as it does.

The resources are created by the AWS provider (Go, aws-sdk-go-base); the resource hooks call AWS from the program's
process with boto3. Both must reach the same account and region with the same identity, so the hooks read what the
provider reads: an explicit `aws.Provider`'s configuration (its `terraformConfig` method, Terraform's key names)
when the component was given one, else the stack's `aws:` configuration (what the default provider uses), and the
environment for whatever neither sets. The values live in the program's memory only, never in state or logs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Go duration units (`time.ParseDuration`, which the provider's `duration` settings use), in seconds.
_GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def go_duration_seconds(text: str) -> int:
    """`1h30m` -> 5400, as Go's time.ParseDuration reads it; ValueError naming the text otherwise."""
    parts = _GO_DURATION_PART.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"{text!r} is not a duration (such as 15m, 1h or 1h30m)")
    return round(sum(float(number) * _GO_DURATION_UNITS[unit] for number, unit in parts))


@dataclass(frozen=True)
class AssumeRole:
    """One role of the provider's `assumeRoles` chain, with the AssumeRole parameters the provider sends."""

    role_arn: str
    session_name: str | None = None
    external_id: str | None = None
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None


@dataclass(frozen=True)
class WebIdentity:
    """The provider's `assumeRoleWithWebIdentity`: the base credentials come from this role."""

    role_arn: str
    session_name: str | None = None
    web_identity_token: str | None = field(default=None, repr=False)
    web_identity_token_file: str | None = None
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class AwsAuth:
    """What the AWS provider authenticates with. Unset values fall back to the environment, as in the provider."""

    #: Where the settings were read, for messages: "the stack's aws: configuration" or the explicit provider.
    source: str
    region: str | None = None
    profile: str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    shared_config_files: tuple[str, ...] = ()
    shared_credentials_files: tuple[str, ...] = ()
    web_identity: WebIdentity | None = None
    assume_roles: tuple[AssumeRole, ...] = ()
    sts_region: str | None = None


def _json(value: Any) -> Any:
    # Stack config hands structured values over as JSON text; terraformConfig hands them over decoded.
    return json.loads(value) if isinstance(value, str) else value


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in (_json(value) or ()))


def _duration(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return int(value)
    return go_duration_seconds(str(value))


def _pick(settings: Mapping[str, Any], camel: str, snake: str) -> Any:
    return settings.get(camel, settings.get(snake))


def _assume_role(settings: Mapping[str, Any]) -> AssumeRole:
    return AssumeRole(
        role_arn=str(_pick(settings, "roleArn", "role_arn")),
        session_name=_text(_pick(settings, "sessionName", "session_name")),
        external_id=_text(_pick(settings, "externalId", "external_id")),
        duration_seconds=_duration(settings.get("duration")),
        policy=_text(settings.get("policy")),
        policy_arns=_strings(_pick(settings, "policyArns", "policy_arns")),
        tags={str(k): str(v) for k, v in (_json(settings.get("tags")) or {}).items()},
        transitive_tag_keys=_strings(_pick(settings, "transitiveTagKeys", "transitive_tag_keys")),
        source_identity=_text(_pick(settings, "sourceIdentity", "source_identity")),
    )


def _web_identity(settings: Mapping[str, Any]) -> WebIdentity:
    return WebIdentity(
        role_arn=str(_pick(settings, "roleArn", "role_arn")),
        session_name=_text(_pick(settings, "sessionName", "session_name")),
        web_identity_token=_text(_pick(settings, "webIdentityToken", "web_identity_token")),
        web_identity_token_file=_text(_pick(settings, "webIdentityTokenFile", "web_identity_token_file")),
        duration_seconds=_duration(settings.get("duration")),
        policy=_text(settings.get("policy")),
        policy_arns=_strings(_pick(settings, "policyArns", "policy_arns")),
    )


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    # Terraform hands a block as a list of objects (`assume_role`, at most one `assume_role_with_web_identity`).
    decoded = _json(value)
    if decoded in (None, ""):
        return []
    return list(decoded) if isinstance(decoded, list) else [decoded]


def auth_from_settings(settings: Mapping[str, Any], *, source: str) -> AwsAuth:
    """Read provider settings keyed as in the stack (`assumeRoles`) or as Terraform names them (`assume_role`)."""
    roles = _blocks(_pick(settings, "assumeRoles", "assume_role")) or _blocks(settings.get("assumeRole"))
    web = _blocks(_pick(settings, "assumeRoleWithWebIdentity", "assume_role_with_web_identity"))
    return AwsAuth(
        source=source,
        region=_text(settings.get("region")),
        profile=_text(settings.get("profile")),
        access_key=_text(_pick(settings, "accessKey", "access_key")),
        secret_key=_text(_pick(settings, "secretKey", "secret_key")),
        token=_text(settings.get("token")),
        shared_config_files=_strings(_pick(settings, "sharedConfigFiles", "shared_config_files")),
        shared_credentials_files=_strings(_pick(settings, "sharedCredentialsFiles", "shared_credentials_files")),
        web_identity=_web_identity(web[0]) if web else None,
        assume_roles=tuple(_assume_role(role) for role in roles if _pick(role, "roleArn", "role_arn")),
        sts_region=_text(_pick(settings, "stsRegion", "sts_region")),
    )


#: The stack keys of the default provider this module reads (`aws:<key>`).
STACK_KEYS: Sequence[str] = (
    "region",
    "profile",
    "accessKey",
    "secretKey",
    "token",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "assumeRoleWithWebIdentity",
    "assumeRoles",
    "stsRegion",
)
