"""Where flow-run tasks run: a new VPC, or subnets and security groups the user brings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from prefect_ecs_platform.aws.subnet_plan import subnet_cidrs
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs


@dataclass(frozen=True)
class Network:
    vpc_id: pulumi.Output[str]
    subnet_ids: pulumi.Output[list[str]]
    security_group_ids: pulumi.Output[list[str]]
    assign_public_ip: bool
    #: The created VPC's block; None for a brought VPC.
    cidr_block: pulumi.Output[str | None]
    #: What this stack created that a running task holds (its security group, the VPC with its subnets): the
    #: stack's tasks must be stopped before these are deleted.
    held_by_tasks: list[pulumi.Resource]


def _new_vpc(
    name: str, args: PrefectEcsPlatformArgs, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> awsx.ec2.Vpc:
    public_only = args.subnet_layout == "public"
    plan = subnet_cidrs(args.vpc_cidr_block, args.availability_zones, private=not public_only)
    specs = [
        awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType(subnet_type), cidr_blocks=cidrs)
        for subnet_type, cidrs in plan.items()
    ]
    return awsx.ec2.Vpc(
        f"{name}-vpc",
        cidr_block=args.vpc_cidr_block,
        number_of_availability_zones=args.availability_zones,
        subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
        subnet_specs=specs,
        # awsx defaults to one NAT gateway per zone (~$32/month each); one is enough for outbound calls.
        nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(
            strategy=awsx.ec2.NatGatewayStrategy.NONE if public_only else awsx.ec2.NatGatewayStrategy.SINGLE
        ),
        # prefect-aws and awsvpc tasks resolve AWS endpoints by name.
        enable_dns_hostnames=True,
        enable_dns_support=True,
        tags=tags,
        opts=opts,
    )


def create_network(
    name: str,
    args: PrefectEcsPlatformArgs,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    *,
    drain: pulumi.ResourceHook,
) -> Network:
    """Create (or adopt the brought) VPC, subnets and task security group.

    The created group's deletion is the last moment to stop the tasks still using it (`drain`), whichever
    cluster they run in: a brought one, or a created one whose group is being swapped for a brought one.
    """
    held_by_tasks: list[pulumi.Resource] = []
    if args.vpc_id is not None:
        vpc_id = pulumi.Output.from_input(args.vpc_id)
        subnet_ids: pulumi.Output[Sequence[str]] = pulumi.Output.all(*(args.subnet_ids or []))
        assign_public_ip = bool(args.assign_public_ip)
    else:
        vpc = _new_vpc(name, args, tags, opts)
        held_by_tasks.append(vpc)
        vpc_id = vpc.vpc_id
        public_only = args.subnet_layout == "public"
        subnet_ids = vpc.public_subnet_ids if public_only else vpc.private_subnet_ids
        assign_public_ip = public_only if args.assign_public_ip is None else args.assign_public_ip

    if args.security_group_ids:
        security_group_ids = pulumi.Output.all(*args.security_group_ids)
    else:
        group = aws.ec2.SecurityGroup(
            f"{name}-tasks",
            vpc_id=vpc_id,
            description="Prefect flow-run tasks: no ingress; egress to pull images and call the Prefect API",
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"], ipv6_cidr_blocks=["::/0"]
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(hooks=pulumi.ResourceHookBinding(before_delete=[drain]))
            ),
        )
        held_by_tasks.append(group)
        security_group_ids = group.id.apply(lambda group_id: [group_id])
    return Network(
        vpc_id=vpc_id,
        subnet_ids=pulumi.Output.from_input(subnet_ids).apply(list),
        security_group_ids=security_group_ids.apply(list),
        assign_public_ip=assign_public_ip,
        cidr_block=pulumi.Output.from_input(None if args.vpc_id is not None else args.vpc_cidr_block),
        held_by_tasks=held_by_tasks,
    )
