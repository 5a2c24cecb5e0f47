"""The hosted server's PostgreSQL: one RDS instance whose master password only RDS and Secrets Manager know.

With `manage_master_user_password` RDS generates the password and keeps it in a Secrets Manager secret of its
own, so no password is a Pulumi input, in state or in a task definition: the server's task reads it from that
secret when it starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from prefect_ecs_platform.aws.server_container import DATABASE_NAME, DATABASE_PORT, DATABASE_USER
from prefect_ecs_platform.aws.server_network import ServerNetwork
from prefect_ecs_platform.inputs.server_args import POSTGRES_MAJOR, PrefectServerArgs

#: RDS grows the storage on its own up to this many times what was allocated.
STORAGE_GROWTH = 10


@dataclass(frozen=True)
class ServerDatabase:
    instance: aws.rds.Instance
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    #: The RDS-managed secret holding `username` and `password` (rotated by RDS).
    secret_arn: pulumi.Output[str]
    identifier: pulumi.Output[str]
    #: The snapshot RDS takes when the instance is deleted, None when none is taken.
    final_snapshot_name: pulumi.Output[str | None]


def snapshot_name_prefix(name: str) -> str:
    """The final snapshot's name before its random suffix: a letter first, then letters, digits and single hyphens."""
    safe = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", name.lower())).strip("-")
    return f"prefect-{safe}-final-" if safe else "prefect-final-"


def _final_snapshot_name(
    name: str, server: PrefectServerArgs, opts: pulumi.ResourceOptions
) -> pulumi.Output[str | None]:
    if not server.final_snapshot:
        return pulumi.Output.from_input(None)
    # Snapshot names are unique per account and region, and outlive the stack: a second stack of the same
    # component name, or this one re-created, must not collide with a snapshot left behind. Random, and kept in
    # state, so the name does not change on every update.
    suffix = random.RandomId(f"{name}-final-snapshot", byte_length=4, opts=opts)
    return suffix.hex.apply(lambda hex_id: f"{snapshot_name_prefix(name)}{hex_id}")


def _managed_secret_arn(secrets: Sequence[aws.rds.outputs.InstanceMasterUserSecret]) -> str:
    # manage_master_user_password makes RDS create exactly one.
    arn = secrets[0].secret_arn if secrets else None
    if not arn:
        raise pulumi.RunError("RDS reported no managed master user secret for the Prefect server's database")
    return arn


def create_server_database(
    name: str,
    server: PrefectServerArgs,
    network: ServerNetwork,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> ServerDatabase:
    parameters = aws.rds.ParameterGroup(
        f"{name}-database",
        family=f"postgres{POSTGRES_MAJOR}",
        description="The hosted Prefect server's PostgreSQL: TLS connections only",
        parameters=[aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1")],
        tags=tags,
        opts=opts,
    )
    final_snapshot_name = _final_snapshot_name(name, server, opts)
    instance = aws.rds.Instance(
        f"{name}-database",
        engine="postgres",
        # The major version only: RDS picks its latest minor and upgrades within it in the maintenance window.
        engine_version=POSTGRES_MAJOR,
        auto_minor_version_upgrade=True,
        instance_class=server.database_instance_class,
        allocated_storage=server.database_storage_gib,
        max_allocated_storage=server.database_storage_gib * STORAGE_GROWTH,
        storage_type="gp3",
        storage_encrypted=True,
        db_name=DATABASE_NAME,
        username=DATABASE_USER,
        manage_master_user_password=True,
        port=DATABASE_PORT,
        parameter_group_name=parameters.name,
        db_subnet_group_name=network.database_subnet_group_name,
        vpc_security_group_ids=[network.database_security_group_id],
        publicly_accessible=False,
        multi_az=server.multi_az,
        backup_retention_period=server.backup_retention_days,
        copy_tags_to_snapshot=True,
        deletion_protection=server.deletion_protection,
        skip_final_snapshot=not server.final_snapshot,
        final_snapshot_identifier=final_snapshot_name,
        tags=tags,
        opts=opts,
    )
    return ServerDatabase(
        instance=instance,
        address=instance.address,
        port=instance.port,
        secret_arn=instance.master_user_secrets.apply(_managed_secret_arn),
        identifier=instance.identifier,
        final_snapshot_name=final_snapshot_name,
    )
