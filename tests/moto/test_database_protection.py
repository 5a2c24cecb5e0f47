"""The scripts' AWS calls against moto: scripts/destroy's handling of a hosted server's database (deletion
protection lifted for the destroy and put back when the destroy does not happen; the final snapshot named
afterwards), and scripts/prefect-env's reading of the auth string."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.scripts import load_script

pytestmark = pytest.mark.moto

REGION = "eu-west-1"
IDENTIFIER = "data-database-1a2b3c4"


script = load_script("database_protection")
read_secret = load_script("read_secret")


@pytest.fixture
def rds(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("rds", region_name=REGION)
        client.create_db_instance(
            DBInstanceIdentifier=IDENTIFIER,
            DBInstanceClass="db.t4g.micro",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="prefect",
            ManageMasterUserPassword=True,
            DeletionProtection=True,
        )
        yield client


def _export(*, protected: bool = True, snapshot: str | None = "data-database-final-5d6e") -> dict[str, Any]:
    """A `pulumi stack export` holding the instance as the AWS provider stores it."""
    outputs = {
        "identifier": IDENTIFIER,
        "arn": f"arn:aws:rds:{REGION}:123456789012:db:{IDENTIFIER}",
        "deletionProtection": protected,
        "skipFinalSnapshot": snapshot is None,
        "finalSnapshotIdentifier": snapshot,
    }
    database = {"urn": "urn:pulumi:prod::p::aws:rds/instance:Instance::data-database", "type": script.RDS_INSTANCE}
    return {"version": 3, "deployment": {"resources": [{**database, "outputs": outputs}]}}


def _protected(rds: Any) -> bool:
    return bool(rds.describe_db_instances(DBInstanceIdentifier=IDENTIFIER)["DBInstances"][0]["DeletionProtection"])


def test_protection_blocks_the_delete_until_lifted(rds: Any) -> None:
    with pytest.raises(rds.exceptions.ClientError, match="deletion protection"):
        rds.delete_db_instance(DBInstanceIdentifier=IDENTIFIER, SkipFinalSnapshot=True)
    assert script.lift(_export()) == [IDENTIFIER]
    assert not _protected(rds)
    rds.delete_db_instance(DBInstanceIdentifier=IDENTIFIER, SkipFinalSnapshot=True)


def test_a_destroy_that_did_not_happen_puts_the_protection_back(rds: Any) -> None:
    script.lift(_export())
    assert script.restore(_export()) == [IDENTIFIER]
    assert _protected(rds)


def test_a_destroy_that_deleted_the_database_leaves_nothing_to_restore(rds: Any) -> None:
    script.lift(_export())
    rds.delete_db_instance(DBInstanceIdentifier=IDENTIFIER, SkipFinalSnapshot=True)
    assert script.restore(_export()) == []


def test_an_unprotected_database_is_left_alone_and_the_snapshot_is_named(rds: Any) -> None:
    rds.modify_db_instance(DBInstanceIdentifier=IDENTIFIER, DeletionProtection=False, ApplyImmediately=True)
    assert script.lift(_export(protected=False)) == []
    [line] = script.snapshot_lines(_export())
    assert line.startswith(f"The database {IDENTIFIER} left its final snapshot data-database-final-5d6e in {REGION}")
    assert script.snapshot_lines(_export(snapshot=None)) == []


def test_prefect_env_reads_the_secret_in_the_region_of_its_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    """scripts/prefect-env's reader: the value of the secret, asked of the region the ARN names."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name=REGION)
        arn = secrets.create_secret(Name="data-prefect-auth-string", SecretString="prefect:s3cret")["ARN"]
        assert read_secret.secret_value(arn) == "prefect:s3cret"
