"""Where the hosted server and its database sit: database subnets with no way out, and three security groups.

In a new VPC the internal load balancer sits in the database subnets too. CloudFront's VPC origins serve load
balancers in private subnets, and dev's public layout has none; these have no route at all, and the load
balancer needs none (its clients and its targets are in the VPC). A load balancer sends nothing to targets in
a zone it is not in, so the server runs in the stack's subnets of the same two zones. With a brought VPC both
use the brought subnets (`subnet_ids`), which are then the user's to keep private.

Traffic runs one way only: the stack's tasks (worker, flow runs) reach the load balancer, the load balancer
the server, the server the database. Each group admits only the group before it, by group reference, so no
address range anywhere reaches the database. The rules are resources of their own: the load balancer's egress
names the server's group and the server's ingress the load balancer's, which inline rules would make a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.flow_run_infrastructure import FlowRunInfrastructure
from prefect_ecs_platform.aws.server_container import DATABASE_PORT, SERVER_PORT
from prefect_ecs_platform.aws.subnet_plan import database_cidrs
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs

#: The load balancer's listener: plain HTTP inside the VPC (the auth string guards the API).
LISTENER_PORT = 80
#: RDS needs subnets in two availability zones, also for a single-AZ instance.
DATABASE_ZONES = 2


@dataclass(frozen=True)
class ServerNetwork:
    database_subnet_ids: pulumi.Output[list[str]]
    database_subnet_group_name: pulumi.Output[str]
    database_security_group_id: pulumi.Output[str]
    server_security_group_id: pulumi.Output[str]
    load_balancer_security_group_id: pulumi.Output[str]
    load_balancer_subnet_ids: pulumi.Output[list[str]]
    #: The server's task subnets: in the load balancer's zones.
    server_subnet_ids: pulumi.Output[list[str]]
    #: The rules: the service's first task must be reachable, and reach its database, once it starts.
    ready: list[pulumi.Resource]


def _new_database_subnets(
    name: str, args: PrefectEcsPlatformArgs, infrastructure: FlowRunInfrastructure, opts: pulumi.ResourceOptions
) -> pulumi.Output[list[str]]:
    """Two subnets of the new VPC (slots 6 and 7), in its first two zones, on a route table with no routes."""
    vpc_id = infrastructure.network.vpc_id
    tags = infrastructure.tags
    zones = aws.get_availability_zones_output(
        state="available", opts=pulumi.InvokeOutputOptions(parent=opts.parent)
    ).names
    # Its own table, with routes=[] so the provider removes any route added later: the main table of a VPC is
    # whatever its owner made it, and awsx's subnets each have theirs, with a NAT or internet gateway route.
    isolated = aws.ec2.RouteTable(
        f"{name}-database", vpc_id=vpc_id, routes=[], tags={**tags, "Name": f"{name}-database"}, opts=opts
    )

    def zone_name(index: int) -> pulumi.Output[str]:
        return zones.apply(lambda names: names[index])

    subnet_ids = []
    for zone, cidr in enumerate(database_cidrs(args.vpc_cidr_block)[:DATABASE_ZONES]):
        subnet = aws.ec2.Subnet(
            f"{name}-database-{zone}",
            vpc_id=vpc_id,
            cidr_block=cidr,
            # awsx places zone i's subnets in the i-th available zone; these follow it.
            availability_zone=zone_name(zone),
            map_public_ip_on_launch=False,
            tags={**tags, "Name": f"{name}-database-{zone}"},
            opts=opts,
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-database-{zone}", subnet_id=subnet.id, route_table_id=isolated.id, opts=opts
        )
        subnet_ids.append(subnet.id)
    return pulumi.Output.all(*subnet_ids)


def _group(
    resource_name: str, description: str, vpc_id: pulumi.Output[str], tags: dict[str, str], opts: pulumi.ResourceOptions
) -> aws.ec2.SecurityGroup:
    # No inline rules: the provider then removes the default allow-all egress, and the rules below are the only ones.
    return aws.ec2.SecurityGroup(
        resource_name, vpc_id=vpc_id, description=description, tags={**tags, "Name": resource_name}, opts=opts
    )


def _task_group_count(args: PrefectEcsPlatformArgs) -> int:
    """How many task security groups the stack's tasks use: the brought ones, else the one it creates."""
    return len(args.security_group_ids) if args.security_group_ids else 1


@dataclass(frozen=True)
class GroupRule:
    """One TCP port of `group_id` opened to (ingress) or towards (egress) the group `peer_id`, by reference."""

    group_id: pulumi.Input[str]
    peer_id: pulumi.Input[str]
    port: int
    description: str


def ingress_rule(
    resource_name: str, rule: GroupRule, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> aws.vpc.SecurityGroupIngressRule:
    return aws.vpc.SecurityGroupIngressRule(
        resource_name,
        security_group_id=rule.group_id,
        referenced_security_group_id=rule.peer_id,
        ip_protocol="tcp",
        from_port=rule.port,
        to_port=rule.port,
        description=rule.description,
        tags=tags,
        opts=opts,
    )


def create_server_network(
    name: str, args: PrefectEcsPlatformArgs, infrastructure: FlowRunInfrastructure, opts: pulumi.ResourceOptions
) -> ServerNetwork:
    """The database subnets (created for a new VPC, the brought ones otherwise), subnet group and security groups."""
    network = infrastructure.network
    tags = infrastructure.tags
    server_args = args.prefect_server
    if args.vpc_id is None:
        database_subnet_ids = _new_database_subnets(name, args, infrastructure, opts)
        load_balancer_subnet_ids = database_subnet_ids.apply(list)
        # awsx's subnet ids come in zone order, so these are the database subnets' two zones.
        server_subnet_ids = network.subnet_ids.apply(lambda ids: ids[:DATABASE_ZONES])
    else:
        database_subnet_ids = pulumi.Output.all(*(server_args.database_subnet_ids if server_args else ()))
        load_balancer_subnet_ids = server_subnet_ids = network.subnet_ids
    subnet_group = aws.rds.SubnetGroup(
        f"{name}-database",
        description="The hosted Prefect server's database: subnets with no route to the internet",
        subnet_ids=database_subnet_ids,
        tags=tags,
        opts=opts,
    )

    database = _group(
        f"{name}-database", "Prefect server database: PostgreSQL from the server only", network.vpc_id, tags, opts
    )
    server = _group(
        f"{name}-server",
        "Prefect server: its port from the load balancer only; egress for images, secrets, logs and the database",
        network.vpc_id,
        tags,
        opts,
    )
    balancer = _group(
        f"{name}-server-lb",
        "Prefect server load balancer: HTTP from the stack's tasks only, forwarded to the server",
        network.vpc_id,
        tags,
        opts,
    )

    ready: list[pulumi.Resource] = [
        ingress_rule(
            f"{name}-database-from-server",
            GroupRule(database.id, server.id, DATABASE_PORT, "PostgreSQL from the Prefect server"),
            tags,
            opts,
        ),
        ingress_rule(
            f"{name}-server-from-lb",
            GroupRule(server.id, balancer.id, SERVER_PORT, "The Prefect API from its load balancer"),
            tags,
            opts,
        ),
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-server-out",
            security_group_id=server.id,
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            description="ECR, Secrets Manager, CloudWatch Logs and the database",
            tags=tags,
            opts=opts,
        ),
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-server-lb-to-server",
            security_group_id=balancer.id,
            referenced_security_group_id=server.id,
            ip_protocol="tcp",
            from_port=SERVER_PORT,
            to_port=SERVER_PORT,
            description="Forward to the Prefect server and check its health",
            tags=tags,
            opts=opts,
        ),
    ]

    def task_group(index: int) -> pulumi.Output[str]:
        return network.security_group_ids.apply(lambda ids: ids[index])

    # One rule per task group, by position: the count is known from the inputs, the ids only after they exist.
    for index in range(_task_group_count(args)):
        rule = GroupRule(
            balancer.id, task_group(index), LISTENER_PORT, "The Prefect API for the stack's worker and flow runs"
        )
        ready.append(ingress_rule(f"{name}-server-lb-from-tasks-{index}", rule, tags, opts))
    return ServerNetwork(
        database_subnet_ids=database_subnet_ids.apply(list),
        database_subnet_group_name=subnet_group.name,
        database_security_group_id=database.id,
        server_security_group_id=server.id,
        load_balancer_security_group_id=balancer.id,
        load_balancer_subnet_ids=load_balancer_subnet_ids,
        server_subnet_ids=server_subnet_ids,
        ready=ready,
    )
