"""`PrefectServerArgs`: a Prefect server the stack hosts itself, on ECS Fargate with RDS for PostgreSQL.

The stack file writes it as one map, `prefectServer: {enabled: true, cpu: 2048, databaseInstanceClass: ...}`,
with the fields in camelCase; pydantic reads the map into this dataclass (`__pydantic_config__`). The map arrives
as JSON, so `true` is a boolean and `1024` a number: the fields are strict, and "yes" or "1024" is a mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ConfigDict, StrictBool, StrictInt
from pydantic.alias_generators import to_camel

#: The PostgreSQL major version RDS runs: Prefect needs 14.9 or newer; RDS picks the latest minor of it.
POSTGRES_MAJOR = "16"


@dataclass(frozen=True, kw_only=True)
class PrefectServerArgs:
    """How the hosted Prefect server and its database are sized and kept."""

    __pydantic_config__ = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    enabled: StrictBool = False
    """Host the Prefect server in this stack; the work pool, deployments, worker and flow runs then use it, with
    no prefectApiUrl, API key or auth string to give (the auth string is generated and kept in Secrets
    Manager). Needs mode: worker, since push pools run only on Prefect Cloud."""

    cpu: StrictInt = 1024
    """CPU units of the server's one task (1024 = 1 vCPU); with memory a pair Fargate accepts."""

    memory: StrictInt = 2048
    """Memory (MiB) of the server's task."""

    database_instance_class: str = "db.t4g.micro"
    """The RDS instance class of the server's PostgreSQL database (db.t4g.micro is the smallest)."""

    database_storage_gib: StrictInt = 20
    """Allocated gp3 storage of the database in GiB, 20 to 1000; RDS grows it up to ten times on its own."""

    backup_retention_days: StrictInt = 1
    """Days of automated database backups, 0 (none) to 35."""

    multi_az: StrictBool = False
    """A standby database in a second availability zone that RDS fails over to (doubles the database's cost)."""

    deletion_protection: StrictBool = False
    """RDS refuses to delete the database while on; `scripts/destroy` lifts it first (docs/hosted-server.md)."""

    final_snapshot: StrictBool = False
    """Take a snapshot of the database when it is deleted (pulumi destroy, or a replacement), named
    prefect-<component>-final-<random suffix fixed when this is turned on>; scripts/destroy prints the name."""

    database_subnet_ids: Sequence[str] = ()
    """A brought VPC only: subnets in at least two availability zones with no route to the internet, for the
    database. A new VPC gets its own (two fixed slots of its block)."""
