"""Rules for where the Prefect API is: an API URL the user gives, or a server the stack hosts."""

from __future__ import annotations

import ipaddress
import re

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.fargate import fargate_size_problems
from prefect_ecs_platform.inputs.problems import MISSING, Problem
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs

_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_FIELD = "prefect_server"
#: An ALB's subnets need a /27 or larger; the subnet plan cuts a new VPC's block into 16 (4 bits).
_LARGEST_BLOCK_PREFIX = 23


def hosts_server(args: PrefectEcsPlatformArgs) -> bool:
    """Whether the stack hosts its own Prefect server."""
    return args.prefect_server is not None and args.prefect_server.enabled is True


def api_location_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    """The API is given or hosted, never both and never neither; what the other rules assume of the URL."""
    if not hosts_server(args):
        if not args.prefect_api_url:
            return [
                Problem(
                    "prefect_api_url",
                    MISSING,
                    "a Prefect API URL (a Prefect Cloud workspace's, or your server's ending in /api), or a server "
                    "the stack hosts: prefectServer: {enabled: true} with mode: worker "
                    "(prefect_server=PrefectServerArgs(enabled=True) in Python)",
                )
            ]
        return []
    hosted = "the stack hosts the Prefect server (prefectServer.enabled is true)"
    problems = []
    if args.mode != "worker":
        problems.append(
            Problem(
                "mode",
                args.mode,
                f'"worker": {hosted}, and its pool is served by the stack\'s worker; push pools run only on Prefect '
                "Cloud",
            )
        )
    if args.prefect_api_url:
        problems.append(Problem("prefect_api_url", args.prefect_api_url, f"none: {hosted} and gives its URL"))
    if args.prefect_api_key is not None:
        problems.append(Problem("prefect_api_key", "<secret>", f"none: {hosted}, which takes no API key"))
    if args.prefect_api_auth_string is not None:
        problems.append(Problem("prefect_api_auth_string", "<secret>", f"none: {hosted} and generates its auth string"))
    return problems


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def server_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    """The hosted server's sizes and the database's settings and subnets."""
    server = args.prefect_server
    if server is None or not hosts_server(args):
        return []
    problems = _sizes(server)
    if not isinstance(server.database_instance_class, str) or not _INSTANCE_CLASS.match(server.database_instance_class):
        problems.append(
            Problem(
                f"{_FIELD}.database_instance_class",
                server.database_instance_class,
                "an RDS instance class such as db.t4g.micro",
            )
        )
    problems += _database_subnet_problems(args, server)
    problems += _load_balancer_subnet_problems(args)
    problems += _vpc_block_problems(args)
    return problems


def _vpc_block_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    # The load balancer sits in a new VPC's database subnets, each a sixteenth of the block.
    if args.vpc_id is not None:
        return []
    try:
        prefix = ipaddress.IPv4Network(args.vpc_cidr_block).prefixlen
    except ValueError:
        return []  # The network rules name a block that does not parse.
    if prefix <= _LARGEST_BLOCK_PREFIX:
        return []
    return [
        Problem(
            "vpc_cidr_block",
            args.vpc_cidr_block,
            f"a block from /16 to /{_LARGEST_BLOCK_PREFIX} when the stack hosts its Prefect server: its load "
            "balancer's subnets (a sixteenth of the block each) must be /27 or larger",
        )
    ]


def _load_balancer_subnet_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    # A new VPC has at least two zones; brought subnets are the user's to spread.
    subnets = list(args.subnet_ids or [])
    if args.vpc_id is None or len(set(map(str, subnets))) >= 2 or not subnets:
        return []
    return [
        Problem(
            "subnet_ids",
            subnets,
            "at least two subnets in different availability zones: the hosted server's load balancer needs two",
        )
    ]


def _sizes(server: PrefectServerArgs) -> list[Problem]:
    problems = fargate_size_problems(server.cpu, server.memory, field_prefix=f"{_FIELD}.")
    if not _whole(server.database_storage_gib, 20, 1000):
        problems.append(
            Problem(f"{_FIELD}.database_storage_gib", server.database_storage_gib, "a whole number from 20 to 1000")
        )
    if not _whole(server.backup_retention_days, 0, 35):
        problems.append(
            Problem(f"{_FIELD}.backup_retention_days", server.backup_retention_days, "a whole number from 0 to 35")
        )
    return problems


def _database_subnet_problems(args: PrefectEcsPlatformArgs, server: PrefectServerArgs) -> list[Problem]:
    subnets = list(server.database_subnet_ids)
    place = f"{_FIELD}.database_subnet_ids"
    if args.vpc_id is None:
        if subnets:
            return [Problem(place, subnets, "none with a new VPC, which gets its own database subnets")]
        return []
    if len(subnets) < 2 or len(set(subnets)) != len(subnets):
        return [
            Problem(
                place,
                subnets or MISSING,
                "at least two subnets of vpcId in different availability zones, with no route to the internet "
                "(RDS needs two zones)",
            )
        ]
    bad = [s for s in subnets if not isinstance(s, str) or not _SUBNET_ID.match(s)]
    if bad:
        return [Problem(place, bad, "subnet ids such as subnet-0123456789abcdef0")]
    return []
