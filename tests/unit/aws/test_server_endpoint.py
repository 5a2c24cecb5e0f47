"""The hosted server's HTTPS endpoint under mocks: CloudFront through a VPC origin on the internal load balancer,
nothing cached, every header forwarded, and the server told the public URLs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prefect_ecs_platform.aws.server_endpoint import ALL_VIEWER_POLICY_ID, CACHING_DISABLED_POLICY_ID
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from prefect_ecs_platform.render.plan_mocks import SECURITY_GROUP
from tests.support.hosted_server import deploy_hosted_server
from tests.support.pulumi_mocks import PulumiHarness, RecordingMocks, mocked_pulumi

DEV = PrefectServerArgs(enabled=True)
DISTRIBUTION = ("aws:cloudfront/distribution:Distribution", "data-server")
VPC_ORIGIN = ("aws:cloudfront/vpcOrigin:VpcOrigin", "data-server")
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
CLOUDFRONT_RULE = (INGRESS, "data-server-lb-from-cloudfront")
PUBLIC_URL = "https://d111111abcdef8.cloudfront.net"


def _environment(harness: PulumiHarness) -> dict[str, str]:
    [definition] = json.loads(
        harness.named("aws:ecs/taskDefinition:TaskDefinition", "data-server").inputs["containerDefinitions"]
    )
    return {entry["name"]: entry["value"] for entry in definition["environment"]}


def test_distribution_reaches_the_internal_load_balancer_through_the_vpc_origin(
    pulumi_harness: PulumiHarness,
) -> None:
    """The VPC origin is the internal load balancer's ARN on its HTTP listener; the distribution's one origin is
    the load balancer's name through that VPC origin, and the endpoint's URLs are the distribution's domain."""
    out = deploy_hosted_server(pulumi_harness, DEV)
    balancer = pulumi_harness.one("aws:lb/loadBalancer:LoadBalancer")
    assert balancer.inputs["internal"] is True
    origin = pulumi_harness.named(*VPC_ORIGIN)
    config = origin.inputs["vpcOriginEndpointConfig"]
    assert (config["arn"], config["httpPort"], config["originProtocolPolicy"]) == (
        balancer.outputs["arn"],
        80,
        "http-only",
    )
    distribution = pulumi_harness.named(*DISTRIBUTION).inputs
    [cloudfront_origin] = distribution["origins"]
    assert cloudfront_origin["domainName"] == balancer.outputs["dnsName"]
    assert cloudfront_origin["vpcOriginConfig"]["vpcOriginId"] == origin.id
    assert distribution["defaultCacheBehavior"]["targetOriginId"] == cloudfront_origin["originId"]
    assert (out["public_url"], out["public_api_url"]) == (PUBLIC_URL, f"{PUBLIC_URL}/api")
    # The worker and flow runs stay inside the VPC, on the load balancer.
    assert out["api_url"] == f"http://{balancer.outputs['dnsName']}/api"


def test_nothing_is_cached_every_header_forwarded_and_viewers_get_https(pulumi_harness: PulumiHarness) -> None:
    """The managed CachingDisabled and AllViewer policies by their documented ids, every method, HTTP redirected
    to HTTPS on the default certificate, IPv6 on, price class 100, and the stack's tags."""
    deploy_hosted_server(pulumi_harness, DEV)
    distribution = pulumi_harness.named(*DISTRIBUTION).inputs
    behaviour = distribution["defaultCacheBehavior"]
    assert behaviour["cachePolicyId"] == CACHING_DISABLED_POLICY_ID == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert behaviour["originRequestPolicyId"] == ALL_VIEWER_POLICY_ID == "216adef6-5c7f-47e4-b989-5492eafa07d3"
    assert sorted(behaviour["allowedMethods"]) == ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    assert behaviour["viewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["compress"] is False
    # No legacy forwarding settings next to the policies: CloudFront refuses both at once.
    assert not behaviour.get("forwardedValues")
    assert distribution["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert not distribution.get("aliases")
    assert (distribution["enabled"], distribution["isIpv6Enabled"], distribution["priceClass"]) == (
        True,
        True,
        "PriceClass_100",
    )
    assert (
        distribution["tags"]
        == pulumi_harness.named(*VPC_ORIGIN).inputs["tags"]
        == {
            "managed-by": "pulumi",
            "prefect-ecs-platform": "data",
        }
    )


def test_load_balancer_admits_cloudfront_by_the_group_it_made_in_the_vpc(pulumi_harness: PulumiHarness) -> None:
    """The rule names the group found by CloudFront's name for it in the stack's VPC, looked up only once the VPC
    origin exists; the distribution waits for the rule."""
    deploy_hosted_server(pulumi_harness, DEV)
    rule = pulumi_harness.named(*CLOUDFRONT_RULE).inputs
    balancer_group = pulumi_harness.named("aws:ec2/securityGroup:SecurityGroup", "data-server-lb").id
    assert (rule["securityGroupId"], rule["referencedSecurityGroupId"]) == (balancer_group, "sg-0cf0cf0cf0cf0cf00")
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 80, 80)
    assert "cidrIpv4" not in rule
    [lookup] = [args for token, args in pulumi_harness.mocks.calls if token == SECURITY_GROUP]
    assert {f["name"]: f["values"] for f in lookup["filters"]} == {
        "group-name": ["CloudFront-VPCOrigins-Service-SG"],
        "vpc-id": ["vpc-0new"],
    }
    assert pulumi_harness.waits_for(CLOUDFRONT_RULE, VPC_ORIGIN)
    assert pulumi_harness.waits_for(DISTRIBUTION, CLOUDFRONT_RULE)


def test_the_vpc_origin_is_deleted_before_the_subnets_its_interfaces_sit_in(pulumi_harness: PulumiHarness) -> None:
    """The engine deletes a resource before what it depends on: the VPC origin depends on the load balancer, and
    through it on the VPC whose subnets CloudFront's interfaces sit in, so it goes first."""
    deploy_hosted_server(pulumi_harness, DEV)
    assert pulumi_harness.waits_for(VPC_ORIGIN, ("aws:lb/loadBalancer:LoadBalancer", "data-server"))
    assert pulumi_harness.waits_for(VPC_ORIGIN, ("awsx:ec2:Vpc", "data-vpc"))
    assert pulumi_harness.waits_for(VPC_ORIGIN, ("aws:ec2/securityGroup:SecurityGroup", "data-server-lb"))


def test_server_is_told_its_public_urls(pulumi_harness: PulumiHarness) -> None:
    """The UI calls the API through CloudFront, and the links the server writes name CloudFront's domain."""
    deploy_hosted_server(pulumi_harness, DEV)
    environment = _environment(pulumi_harness)
    assert environment["PREFECT_SERVER_UI_API_URL"] == f"{PUBLIC_URL}/api"
    assert environment["PREFECT_UI_URL"] == PUBLIC_URL
    # The server's task waits for the distribution's name.
    assert pulumi_harness.waits_for(("aws:ecs/taskDefinition:TaskDefinition", "data-server"), DISTRIBUTION)


@pytest.mark.parametrize(
    ("partition", "region", "reason"),
    [("aws-us-gov", "us-gov-west-1", "GovCloud"), ("aws-cn", "cn-north-1", "ICP-filed domain")],
)
def test_hosting_is_refused_where_cloudfront_cannot_front_it(partition: str, region: str, reason: str) -> None:
    """The partition's name and why, before any CloudFront resource is made."""
    with mocked_pulumi(RecordingMocks(partition=partition, region=region)) as harness:
        with pytest.raises(Exception, match=f"partition is {partition}: .*{reason}") as raised:
            deploy_hosted_server(harness, DEV)
        registered: list[Any] = harness.of_type("aws:cloudfront/distribution:Distribution")
        assert registered == []
        assert harness.of_type(VPC_ORIGIN[0]) == []
    assert "prefect_server" in str(raised.value)
