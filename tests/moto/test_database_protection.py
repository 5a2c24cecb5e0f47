"""scripts/destroy's handling of a hosted server's database, against moto's RDS: deletion protection is lifted
for the destroy and put back when the destroy does not happen; the final snapshot is named afterwards."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support import ROOT

pytestmark = pytest.mark.moto

REGION = "eu-west-1"
IDENTIFIER = "data-database-1a2b3c4"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("database_protection", ROOT / "scripts/lib/database_protection.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


script = _script()


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
