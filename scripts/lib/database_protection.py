"""The hosted Prefect server's database around `pulumi destroy`: its deletion protection and final snapshot.

RDS refuses to delete an instance with deletion protection on, so a destroy of a stack that turned it on
(prod) would stop half-way. `scripts/destroy` lifts it right before `pulumi destroy`, puts it back when the
destroy does not happen (declined, failed), and afterwards says where the final snapshot is.

Usage: database_protection.py protected|lift|restore|snapshots EXPORT.json (from `pulumi stack export`), with the AWS
credentials `pulumi destroy` uses.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RDS_INSTANCE = "aws:rds/instance:Instance"


@dataclass(frozen=True)
class Database:
    identifier: str
    region: str
    deletion_protection: bool
    #: The snapshot RDS takes when it deletes the instance; None when it takes none.
    final_snapshot: str | None


def databases(export: dict[str, Any]) -> list[Database]:
    """The RDS instances a stack export holds."""
    found = []
    for resource in (export.get("deployment") or {}).get("resources") or []:
        if resource.get("type") != RDS_INSTANCE or resource.get("delete"):
            continue
        outputs = resource.get("outputs") or {}
        # arn:<partition>:rds:<region>:<account>:db:<identifier>
        region = str(outputs.get("arn", "")).split(":")[3] if outputs.get("arn") else ""
        snapshot = None if outputs.get("skipFinalSnapshot", True) else outputs.get("finalSnapshotIdentifier")
        found.append(
            Database(
                identifier=str(outputs.get("identifier")),
                region=region,
                deletion_protection=bool(outputs.get("deletionProtection")),
                final_snapshot=snapshot,
            )
        )
    return found


def _set_protection(database: Database, on: bool) -> None:
    # The project's environment has boto3 (prefect-aws); `protected` runs without it, on the system's Python.
    import boto3  # noqa: PLC0415

    rds = boto3.client("rds", region_name=database.region)
    rds.modify_db_instance(DBInstanceIdentifier=database.identifier, DeletionProtection=on, ApplyImmediately=True)
    # The change applies at once but the instance reports it after a moment; destroy must not race it.
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=database.identifier)


def lift(export: dict[str, Any]) -> list[str]:
    """Turn deletion protection off on every protected database; the identifiers changed."""
    changed = []
    for database in databases(export):
        if database.deletion_protection:
            _set_protection(database, on=False)
            changed.append(database.identifier)
    return changed


def restore(export: dict[str, Any]) -> list[str]:
    """Turn it back on for the databases that had it and still exist."""
    restored = []
    for database in databases(export):
        if database.deletion_protection:
            try:
                _set_protection(database, on=True)
            except Exception as error:  # a deleted database has nothing to protect
                if "DBInstanceNotFound" not in repr(error):
                    raise
                continue
            restored.append(database.identifier)
    return restored


def snapshot_lines(export: dict[str, Any]) -> list[str]:
    return [
        f"The database {d.identifier} left its final snapshot {d.final_snapshot} in {d.region}: restore it with "
        f"`aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier {d.final_snapshot} "
        f"--db-instance-identifier <new name> --region {d.region}`"
        for d in databases(export)
        if d.final_snapshot
    ]


def main(command: str, export_file: Path) -> int:
    export = json.loads(export_file.read_text() or "{}")
    if command == "protected":
        print("\n".join(d.identifier for d in databases(export) if d.deletion_protection))
    elif command == "lift":
        for identifier in lift(export):
            print(f"Lifted the deletion protection of the database {identifier} for pulumi destroy")
    elif command == "restore":
        for identifier in restore(export):
            print(f"The destroy did not complete: the database {identifier} is deletion-protected again")
    elif command == "snapshots":
        print("\n".join(snapshot_lines(export)))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
