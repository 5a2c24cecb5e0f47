"""The hooks' boto3 session is built from the AWS provider's settings, in the order the provider applies them.

Sessions are made through a recording factory; STS is moto's, which issues credentials per assumed role (and
per account, for a role in another one), so which credentials signed each call can be checked.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.sts.models import sts_backends

from prefect_ecs_platform.aws import hook_session
from prefect_ecs_platform.aws.hook_session import session_for
from prefect_ecs_platform.aws.provider_auth import AwsAuth, auth_from_settings, go_duration_seconds

OTHER_ACCOUNT = "222222222222"
ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/deploy"
SECOND_ROLE = "arn:aws:iam::333333333333:role/platform"


@dataclass
class Recorder:
    """Every session the hooks make (its arguments) and every call made with one (operation, signing key)."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> boto3.Session:
        self.sessions.append({k: v for k, v in kwargs.items() if k != "botocore_session"})
        session = boto3.Session(**kwargs)

        def seen(model: Any, request_signer: Any, **_: Any) -> None:
            credentials = request_signer._credentials
            self.calls.append(
                (model.name, credentials.access_key if credentials else None, request_signer._region_name)
            )

        session.events.register("before-call", seen)
        return session


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """moto, whose keys are the environment's; the hooks' sessions recorded."""
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    recording = Recorder()
    monkeypatch.setattr(hook_session, "session_factory", recording)
    with mock_aws():
        yield recording


def _assumed(account: str) -> list[Any]:
    return list(sts_backends[account]["global"].assumed_roles)


def test_stack_keys_and_terraform_names_read_the_same_settings() -> None:
    """`aws:assumeRoles` as the stack holds it (JSON text) and an explicit provider's `assume_role` agree."""
    stack = auth_from_settings(
        {
            "region": "us-west-2",
            "assumeRoles": json.dumps(
                [{"roleArn": ROLE, "externalId": "team-x", "duration": "1h", "tags": {"a": "b"}}]
            ),
            "assumeRoleWithWebIdentity": json.dumps({"roleArn": SECOND_ROLE, "webIdentityTokenFile": "/t"}),
            "sharedConfigFiles": json.dumps(["/c"]),
        },
        source="stack",
    )
    terraform = auth_from_settings(
        {
            "region": "us-west-2",
            "assume_role": [{"role_arn": ROLE, "external_id": "team-x", "duration": "1h", "tags": {"a": "b"}}],
            "assume_role_with_web_identity": [{"role_arn": SECOND_ROLE, "web_identity_token_file": "/t"}],
            "shared_config_files": ["/c"],
        },
        source="stack",
    )
    assert stack == terraform
    assert stack.assume_roles[0].duration_seconds == 3600
    assert stack.web_identity is not None
    assert stack.web_identity.web_identity_token_file == "/t"


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h30m", 5400), ("3600s", 3600), ("1.5h", 5400)])
def test_durations_are_read_as_go_reads_them(text: str, seconds: int) -> None:
    """The provider's `duration` is a Go duration."""
    assert go_duration_seconds(text) == seconds


def test_a_duration_go_refuses_is_named() -> None:
    """`1 hour` is no Go duration: the error names it."""
    with pytest.raises(ValueError, match="'1 hour' is not a duration"):
        go_duration_seconds("1 hour")


def test_static_keys_win_over_the_profile_and_the_environment(recorder: Recorder) -> None:
    """`aws:accessKey`/`aws:secretKey`/`aws:token` sign the calls; the profile is not consulted."""
    auth = AwsAuth(source="stack", access_key="AKIASTATIC0000000000", secret_key="s", token="t", profile="other")
    session = session_for(auth, "eu-west-1")
    session.client("sts").get_caller_identity()
    assert recorder.sessions[0]["profile_name"] is None
    assert recorder.calls == [("GetCallerIdentity", "AKIASTATIC0000000000", "eu-west-1")]


def test_the_profile_comes_from_the_providers_shared_files(recorder: Recorder, tmp_path: Path) -> None:
    """`aws:profile` with `aws:sharedCredentialsFiles` reads that file's profile, not the environment's keys."""
    credentials = tmp_path / "credentials"
    credentials.write_text("[team]\naws_access_key_id = AKIAPROFILE000000000\naws_secret_access_key = p\n")
    auth = AwsAuth(source="stack", profile="team", shared_credentials_files=(str(credentials),))
    session_for(auth, "eu-west-1").client("sts").get_caller_identity()
    assert recorder.calls == [("GetCallerIdentity", "AKIAPROFILE000000000", "eu-west-1")]


REGION_CASES = [
    # (the resource's own region, the provider's, the environment, the region called)
    (("ap-south-1", "us-west-2"), {"AWS_REGION": "eu-north-1"}, "ap-south-1"),
    ((None, "us-west-2"), {"AWS_REGION": "eu-north-1"}, "us-west-2"),
    ((None, None), {"AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "sa-east-1"}, "eu-north-1"),
    ((None, None), {"AWS_DEFAULT_REGION": "sa-east-1"}, "sa-east-1"),
]


@pytest.mark.parametrize(("regions", "environment", "expected"), REGION_CASES)
def test_the_region_is_the_resources_then_the_providers_then_the_environments(
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    regions: tuple[str | None, str | None],
    environment: dict[str, str],
    expected: str,
) -> None:
    """`AWS_REGION` alone is enough, as for the provider (botocore alone reads only AWS_DEFAULT_REGION)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    resource_region, provider_region = regions
    session_for(AwsAuth(source="stack", region=provider_region), resource_region).client("sts").get_caller_identity()
    assert recorder.calls[-1][2] == expected


def test_each_role_of_the_chain_is_assumed_with_the_previous_ones_credentials(recorder: Recorder) -> None:
    """`assumeRoles` is a chain: the second role is assumed as the first, with every parameter given."""
    auth = auth_from_settings(
        {
            "assumeRoles": json.dumps(
                [
                    {"roleArn": ROLE, "sessionName": "ci-deploy", "externalId": "team-x", "duration": "30m"},
                    {"roleArn": SECOND_ROLE, "tags": {"team": "data"}, "sourceIdentity": "alice"},
                ]
            )
        },
        source="stack",
    )
    session = session_for(auth, "eu-west-1")
    session.client("ecs").list_clusters()

    [first] = _assumed(OTHER_ACCOUNT)
    [second] = _assumed("333333333333")
    assert (first.role_arn, first.session_name, first.external_id) == (ROLE, "ci-deploy", "team-x")
    lifetime = first.expiration - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert 1700 < lifetime.total_seconds() <= 1800
    assert second.role_arn == SECOND_ROLE
    signers = [key for operation, key, _ in recorder.calls]
    assert recorder.calls[0][0] == recorder.calls[1][0] == "AssumeRole"
    # mock_aws puts its own keys in the environment: the chain starts from them.
    assert signers[:2] == [os.environ["AWS_ACCESS_KEY_ID"], first.access_key_id]
    assert recorder.calls[2] == ("ListClusters", second.access_key_id, "eu-west-1")


def test_web_identity_comes_first_then_the_roles(recorder: Recorder, tmp_path: Path) -> None:
    """`assumeRoleWithWebIdentity` gives the base credentials (its token read from the file); roles chain on it."""
    token = tmp_path / "token"
    token.write_text("a-github-oidc-token\n")
    auth = auth_from_settings(
        {
            "assumeRoleWithWebIdentity": json.dumps({"roleArn": ROLE, "webIdentityTokenFile": str(token)}),
            "assumeRoles": json.dumps([{"roleArn": SECOND_ROLE}]),
        },
        source="stack",
    )
    session_for(auth, "eu-west-1").client("ecs").list_clusters()
    operations = [operation for operation, _, _ in recorder.calls]
    assert operations == ["AssumeRoleWithWebIdentity", "AssumeRole", "ListClusters"]
    [web] = _assumed(OTHER_ACCOUNT)
    assert recorder.calls[1][1] == web.access_key_id


def test_assumed_credentials_renew_themselves(recorder: Recorder) -> None:
    """A rollout check outlasting the role session assumes the role again instead of failing with expired keys."""
    auth = auth_from_settings({"assumeRoles": json.dumps([{"roleArn": ROLE}])}, source="stack")
    credentials = session_for(auth, "eu-west-1").get_credentials()
    first = credentials.get_frozen_credentials().access_key
    credentials._expiry_time = credentials._expiry_time.replace(year=2000)  # as if the session had run out
    assert credentials.get_frozen_credentials().access_key != first
    assert len(_assumed(OTHER_ACCOUNT)) == 2
