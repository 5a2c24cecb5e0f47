"""What `pulumi preview` of an existing stack asks of AWS, as the authorisations the preview role needs.

Two sources, because they travel differently:

- The program's own invokes reach the Pulumi mocks (`RecordingMocks.calls`). Each token maps to the requests
  the AWS provider's data source makes: terraform-provider-aws, the v6 line pulumi-aws 7.51 wraps.
- awsx's components are remote: their invokes and the image build run in awsx's provider and its
  pulumi-docker-build child, never in this process, so the mocks only see the component. What each component
  calls is listed here from the source of pulumi_awsx 3.11.0 (pulumi/pulumi-awsx at e60adf3c: the mirror holds
  tags up to v3.8.0 only; 3.11.0's Python SDK, installed here, is byte-identical to that commit's sdk/python but
  for its version, and awsx/ecr and awsx/ec2 are unchanged since v3.8.0) and of pulumi-docker-build v0.0.14, the
  version that awsx's package.json pins.

An invoke token or an awsx type with no entry here fails, so a call the program starts making cannot pass
unevaluated. Hooks are not listed: the component registers them without `on_dry_run`, so none runs in a
preview (tests/iam/test_preview_calls.py checks the registrations).

A third source is for `pulumi refresh` (and `pulumi preview --refresh`), which reads every resource of the stack
through its provider's Read: `REFRESH_READS` lists, for the resource types a hosted Prefect server adds, the calls
terraform-provider-aws's read function makes (its resources' files under internal/service/, read at a recent
commit of the v6 line; tags read by the tags interceptor of a resource annotated `@Tags`). The types the platform
had before are read by the PREVIEW_ACTIONS their services always had and are not derived here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prefect_ecs_platform.inputs.arns import ecr_repository_arn_from_image
from prefect_ecs_platform.render.plan_mocks import Registered
from tests.support.iam.simulator import Authorization

InvokeMapping = Callable[[Mapping[str, Any]], Iterator[Authorization]]
ComponentMapping = Callable[[Registered, str], Iterator[Authorization]]


def _no_request(_: Mapping[str, Any]) -> Iterator[Authorization]:
    yield from ()


def _zones(_: Mapping[str, Any]) -> Iterator[Authorization]:
    yield Authorization("ec2:DescribeAvailabilityZones", "*", why="aws.get_availability_zones: database subnets")


def _security_group(_: Mapping[str, Any]) -> Iterator[Authorization]:
    yield Authorization(
        "ec2:DescribeSecurityGroups", "*", why="aws.ec2.get_security_group: CloudFront's VPC origin group"
    )


#: Invoke token -> what AWS authorises for it.
INVOKES: dict[str, InvokeMapping] = {
    # internal/service/sts/caller_identity_data_source.go calls sts:GetCallerIdentity, which needs no permission:
    # "No permissions are required to perform this operation" (AWS STS API reference), not even under a deny.
    "aws:index/getCallerIdentity:getCallerIdentity": _no_request,
    # internal/service/meta/region_data_source.go: the provider's region looked up in the SDK's endpoint table.
    "aws:index/getRegion:getRegion": _no_request,
    # internal/service/meta/partition_data_source.go: read from the provider's own configuration.
    "aws:index/getPartition:getPartition": _no_request,
    # A hosted server's database subnets follow awsx's zones (aws/server_network.py):
    # internal/service/ec2/ec2_availability_zones_data_source.go calls ec2:DescribeAvailabilityZones.
    "aws:index/getAvailabilityZones:getAvailabilityZones": _zones,
    # The load balancer admits the group CloudFront makes for its VPC origin (aws/server_endpoint.py):
    # internal/service/ec2/vpc_security_group_data_source.go calls ec2:DescribeSecurityGroups.
    "aws:ec2/getSecurityGroup:getSecurityGroup": _security_group,
}


def _image(image: Registered, partition: str) -> Iterator[Authorization]:
    why = f"awsx:ecr:Image {image.name}"
    # awsx/ecr/auth.ts, getDockerCredentials: aws.ecr.getAuthorizationTokenOutput for the repository's registry
    # (terraform-provider-aws internal/service/ecr/authorization_token_data_source.go: ecr:GetAuthorizationToken).
    yield Authorization("ecr:GetAuthorizationToken", "*", why=f"{why}: registry login")
    # awsx/ecr/image.ts, computeImageFromAsset: with no cacheFrom the build caches from its own tag in the
    # repository (`{registry: {ref: canonicalImageName}}`). pulumi-docker-build v0.0.14 provider/internal/image.go
    # builds during previews (buildOnPreview defaults to true) once no input is unknown, as on a stack that
    # exists, and never pushes then (`push` becomes a registry export, whose push Export.validate turns off in
    # a preview); pulling the cache manifest and its layers is ecr:BatchGetImage and ecr:GetDownloadUrlForLayer.
    refs = [image.inputs["repositoryUrl"], *image.inputs.get("cacheFrom", [])]
    for ref in refs:
        repository = ecr_repository_arn_from_image(ref, partition)
        if repository:
            for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
                yield Authorization(action, repository, why=f"{why}: build cache pull from {ref}")


def _vpc(vpc: Registered, partition: str) -> Iterator[Authorization]:
    # awsx/ec2/vpc.ts: without availabilityZoneNames, getDefaultAzs calls aws.getAvailabilityZones
    # (terraform-provider-aws internal/service/ec2/ec2_availability_zones_data_source.go:
    # ec2:DescribeAvailabilityZones).
    if not vpc.inputs.get("availabilityZoneNames"):
        yield Authorization("ec2:DescribeAvailabilityZones", "*", why=f"awsx:ec2:Vpc {vpc.name}: zone lookup")


def _repository(repository: Registered, partition: str) -> Iterator[Authorization]:
    # awsx/ecr/repository.ts makes no invoke: it registers the repository and its lifecycle policy.
    yield from ()


#: awsx component type -> what its remote construction asks of AWS in a preview.
AWSX_COMPONENTS: dict[str, ComponentMapping] = {
    "awsx:ecr:Image": _image,
    "awsx:ec2:Vpc": _vpc,
    "awsx:ecr:Repository": _repository,
}


def preview_authorizations(
    calls: Iterable[tuple[str, Mapping[str, Any]]], resources: Iterable[Registered], *, partition: str = "aws"
) -> list[Authorization]:
    """Every authorisation a preview of the program that made `calls` and registered `resources` needs."""
    found: list[Authorization] = []
    for token, args in calls:
        if token not in INVOKES:
            raise KeyError(
                f"invoke {token} has no entry in tests/support/iam/preview_calls.py: map it to the IAM actions"
            )
        found += INVOKES[token](args)
    for resource in resources:
        if resource.typ.startswith("awsx:"):
            if resource.typ not in AWSX_COMPONENTS:
                raise KeyError(
                    f"{resource.typ} has no entry in tests/support/iam/preview_calls.py: list its calls from awsx"
                )
            found += AWSX_COMPONENTS[resource.typ](resource, partition)
    return found


#: A read on the resource's own ARN (the action has a resource type), or on "*" (it has none).
ON_RESOURCE, ON_ANY = True, False

#: Resource type -> what its provider's Read asks of AWS: (action, on the resource's ARN?). The types a hosted
#: Prefect server adds (aws/server_*.py); pulumi-random's resources are read locally, by no AWS call.
REFRESH_READS: dict[str, tuple[tuple[str, bool], ...]] = {
    # internal/service/rds/instance.go, resourceInstanceRead: findDBInstanceByID (DescribeDBInstances); tags by
    # the interceptor (ListTagsForResource on the ARN).
    "aws:rds/instance:Instance": (("rds:DescribeDBInstances", ON_RESOURCE), ("rds:ListTagsForResource", ON_RESOURCE)),
    # internal/service/rds/subnet_group.go: DescribeDBSubnetGroups; tags likewise.
    "aws:rds/subnetGroup:SubnetGroup": (
        ("rds:DescribeDBSubnetGroups", ON_RESOURCE),
        ("rds:ListTagsForResource", ON_RESOURCE),
    ),
    # internal/service/rds/parameter_group.go: DescribeDBParameterGroups, then the user-set parameters with
    # DescribeDBParameters; tags likewise.
    "aws:rds/parameterGroup:ParameterGroup": (
        ("rds:DescribeDBParameterGroups", ON_RESOURCE),
        ("rds:DescribeDBParameters", ON_RESOURCE),
        ("rds:ListTagsForResource", ON_RESOURCE),
    ),
    # internal/service/elbv2/load_balancer.go: DescribeLoadBalancers and DescribeLoadBalancerAttributes;
    # target_group.go: DescribeTargetGroups and DescribeTargetGroupAttributes; listener.go: DescribeListeners and
    # (for all but TLS listeners) DescribeListenerAttributes; each one's tags with DescribeTags. None of these has a
    # resource type in the Service Authorization Reference: they are authorised on "*".
    "aws:lb/loadBalancer:LoadBalancer": (
        ("elasticloadbalancing:DescribeLoadBalancers", ON_ANY),
        ("elasticloadbalancing:DescribeLoadBalancerAttributes", ON_ANY),
        ("elasticloadbalancing:DescribeTags", ON_ANY),
    ),
    "aws:lb/targetGroup:TargetGroup": (
        ("elasticloadbalancing:DescribeTargetGroups", ON_ANY),
        ("elasticloadbalancing:DescribeTargetGroupAttributes", ON_ANY),
        ("elasticloadbalancing:DescribeTags", ON_ANY),
    ),
    "aws:lb/listener:Listener": (
        ("elasticloadbalancing:DescribeListeners", ON_ANY),
        ("elasticloadbalancing:DescribeListenerAttributes", ON_ANY),
        ("elasticloadbalancing:DescribeTags", ON_ANY),
    ),
    # internal/service/lambda/function.go, resourceFunctionRead: GetFunction (its tags too; the Lambda developer
    # guide, "Using tags on Lambda functions": a tagged function's GetFunction needs lambda:ListTags),
    # ListVersionsByFunction for the latest version, and GetFunctionCodeSigningConfig for a zip package in the
    # commercial partition.
    "aws:lambda/function:Function": (
        ("lambda:GetFunction", ON_RESOURCE),
        ("lambda:ListTags", ON_RESOURCE),
        ("lambda:ListVersionsByFunction", ON_RESOURCE),
        ("lambda:GetFunctionCodeSigningConfig", ON_RESOURCE),
    ),
    # internal/service/lambda/permission.go: the statement found in the function's policy (GetPolicy).
    "aws:lambda/permission:Permission": (("lambda:GetPolicy", ON_RESOURCE),),
    # internal/service/ec2/vpc_subnet.go, vpc_route_table.go (the association too: it is read from its table) and
    # vpc_security_group_ingress_rule.go (both rule kinds: DescribeSecurityGroupRules, tags in its answer).
    "aws:ec2/subnet:Subnet": (("ec2:DescribeSubnets", ON_ANY),),
    "aws:ec2/routeTable:RouteTable": (("ec2:DescribeRouteTables", ON_ANY),),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (("ec2:DescribeRouteTables", ON_ANY),),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (("ec2:DescribeSecurityGroupRules", ON_ANY),),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (("ec2:DescribeSecurityGroupRules", ON_ANY),),
    # internal/service/cloudfront/vpc_origin.go and distribution.go: GetVpcOrigin and GetDistribution, each
    # one's tags with ListTagsForResource on its ARN.
    "aws:cloudfront/vpcOrigin:VpcOrigin": (
        ("cloudfront:GetVpcOrigin", ON_RESOURCE),
        ("cloudfront:ListTagsForResource", ON_RESOURCE),
    ),
    "aws:cloudfront/distribution:Distribution": (
        ("cloudfront:GetDistribution", ON_RESOURCE),
        ("cloudfront:ListTagsForResource", ON_RESOURCE),
    ),
    "random:index/randomPassword:RandomPassword": (),
    "random:index/randomId:RandomId": (),
    # resources/server_ready.py, ServerReadyProvider.read: returns its stored state and calls nothing (AWS least).
    "pulumi-python:dynamic/prefect:ServerReady": (),
}


def _read_arn(resource: Registered, region: str, account: str) -> str:
    if resource.typ == "aws:lambda/permission:Permission":
        return f"arn:aws:lambda:{region}:{account}:function:{resource.inputs['function']}"
    return str(resource.outputs["arn"])


def refresh_authorizations(resources: Iterable[Registered], *, region: str, account: str) -> list[Authorization]:
    """What a refresh of `resources` reads, each of a type in REFRESH_READS; another type fails."""
    found: list[Authorization] = []
    for resource in resources:
        if resource.typ not in REFRESH_READS:
            raise KeyError(
                f"{resource.typ} has no entry in REFRESH_READS (tests/support/iam/preview_calls.py): list its Read"
            )
        for action, on_resource in REFRESH_READS[resource.typ]:
            arn = _read_arn(resource, region, account) if on_resource else "*"
            found.append(Authorization(action, arn, why=f"refresh {resource.typ} {resource.name}"))
    return found
