"""The hosted server's HTTPS endpoint with no domain: CloudFront in front of the internal load balancer.

CloudFront reaches the load balancer through a VPC origin, so the load balancer stays internal and only CloudFront
(and the stack's tasks) can reach it. Viewers get TLS with CloudFront's default `*.cloudfront.net` certificate;
the hop from CloudFront to the load balancer is plain HTTP on the listener's port, because it runs through the
VPC origin's network interfaces inside AWS's network and the listener has no certificate (it has no domain).

Prefect's event and log WebSockets (the `prefect` subprotocol, authenticated by their first message) pass
through: CloudFront forwards an `Upgrade` request as any other, given every header reaches the origin (the
AllViewer origin request policy). A custom origin request policy may not list `Authorization`, which the
auth string travels in, so the managed policy is the one that works.

CloudFront is absent from aws-us-gov, and in aws-cn it is a separate service with other rules (an ICP-filed
domain, no default certificate): the endpoint is refused there by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.server_network import LISTENER_PORT, GroupRule, ingress_rule

#: The managed CachingDisabled cache policy's fixed id: every request reaches the server. Documented in
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
#: The managed AllViewer origin request policy's fixed id: every header (Authorization, the WebSocket upgrade
#: headers), cookie and query string reaches the server. Documented in
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
ALL_VIEWER_POLICY_ID = "216adef6-5c7f-47e4-b989-5492eafa07d3"
#: The security group CloudFront creates in the VPC with the first VPC origin there, and puts on the network
#: interfaces it reaches the origin through; the origin's own group must admit it.
VPC_ORIGIN_SECURITY_GROUP = "CloudFront-VPCOrigins-Service-SG"
#: Partitions where this endpoint cannot be made, with why.
UNSUPPORTED_PARTITIONS = {
    "aws-us-gov": "CloudFront is not offered in AWS GovCloud (US)",
    "aws-cn": (
        "CloudFront in the China regions needs an ICP-filed domain and its own certificate, and has no default "
        "*.cloudfront.net certificate"
    ),
}
ORIGIN_ID = "prefect-server"
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]


@dataclass(frozen=True)
class ServerEndpoint:
    #: `https://<distribution domain>`: the UI.
    public_url: pulumi.Output[str]
    #: `https://<distribution domain>/api`: the API from outside the VPC.
    public_api_url: pulumi.Output[str]
    vpc_origin: aws.cloudfront.VpcOrigin
    distribution: aws.cloudfront.Distribution
    #: What a caller from outside the VPC waits for: the deployed distribution and the load balancer's rule
    #: admitting CloudFront.
    ready: list[pulumi.Resource]


@dataclass(frozen=True)
class EndpointOrigin:
    """The load balancer the endpoint fronts, and where it sits."""

    load_balancer: aws.lb.LoadBalancer
    load_balancer_security_group_id: pulumi.Output[str]
    vpc_id: pulumi.Output[str]
    partition: pulumi.Output[str]


def refuse_unsupported_partition(partition: str) -> str:
    """`partition`, or a ValueError naming it where CloudFront's endpoint cannot be made."""
    reason = UNSUPPORTED_PARTITIONS.get(partition)
    if reason is not None:
        raise ValueError(
            f"prefect_server: the hosted server's HTTPS endpoint is a CloudFront distribution, and the stack's "
            f"partition is {partition}: {reason}. Host the server in the aws partition, or bring your own server "
            f"(prefect_api_url) instead of prefect_server.enabled."
        )
    return partition


def create_server_endpoint(
    name: str, origin: EndpointOrigin, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> ServerEndpoint:
    """The VPC origin on the load balancer, the distribution, and the load balancer's ingress from CloudFront."""
    # Known at preview (get_partition answers then), so a refused partition fails the preview, not the update.
    origin_name = origin.partition.apply(refuse_unsupported_partition).apply(lambda _: f"{name}-server")
    # The VPC origin's ENIs sit in the load balancer's subnets; taking its ARN makes the origin depend on the
    # load balancer, and so on the subnets, which the engine then deletes only after the origin.
    vpc_origin = aws.cloudfront.VpcOrigin(
        f"{name}-server",
        vpc_origin_endpoint_config=aws.cloudfront.VpcOriginVpcOriginEndpointConfigArgs(
            name=origin_name,
            arn=origin.load_balancer.arn,
            http_port=LISTENER_PORT,
            # Required by the API even for http-only; nothing listens there.
            https_port=443,
            origin_protocol_policy="http-only",
            origin_ssl_protocols=aws.cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs(
                items=["TLSv1.2"], quantity=1
            ),
        ),
        tags=tags,
        opts=opts,
    )
    # CloudFront makes this group only when the VPC origin is created, so the lookup waits for it, and is
    # unknown at the first preview.
    cloudfront_group = aws.ec2.get_security_group_output(
        filters=origin.vpc_id.apply(
            lambda vpc_id: [
                aws.ec2.GetSecurityGroupFilterArgs(name="group-name", values=[VPC_ORIGIN_SECURITY_GROUP]),
                aws.ec2.GetSecurityGroupFilterArgs(name="vpc-id", values=[vpc_id]),
            ]
        ),
        opts=pulumi.InvokeOutputOptions(parent=opts.parent, depends_on=[vpc_origin]),
    )
    ingress = ingress_rule(
        f"{name}-server-lb-from-cloudfront",
        GroupRule(
            origin.load_balancer_security_group_id,
            cloudfront_group.id,
            LISTENER_PORT,
            "The Prefect UI and API from CloudFront's VPC origin",
        ),
        tags,
        opts,
    )
    distribution = aws.cloudfront.Distribution(
        f"{name}-server",
        enabled=True,
        comment=f"{name}: the hosted Prefect server",
        is_ipv6_enabled=True,
        price_class="PriceClass_100",
        origins=[
            aws.cloudfront.DistributionOriginArgs(
                origin_id=ORIGIN_ID,
                domain_name=origin.load_balancer.dns_name,
                vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(vpc_origin_id=vpc_origin.id),
            )
        ],
        default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
            target_origin_id=ORIGIN_ID,
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=ALL_METHODS,
            cached_methods=["GET", "HEAD"],
            cache_policy_id=CACHING_DISABLED_POLICY_ID,
            origin_request_policy_id=ALL_VIEWER_POLICY_ID,
            # CachingDisabled keeps nothing to compress, and the server's responses pass as it sends them.
            compress=False,
        ),
        restrictions=aws.cloudfront.DistributionRestrictionsArgs(
            geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
        ),
        viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(cloudfront_default_certificate=True),
        tags=tags,
        # Without the rule the first requests through the new distribution time out at the load balancer.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[ingress])),
    )
    public_url = distribution.domain_name.apply(lambda host: f"https://{host}")
    return ServerEndpoint(
        public_url=public_url,
        public_api_url=public_url.apply(lambda url: f"{url}/api"),
        vpc_origin=vpc_origin,
        distribution=distribution,
        ready=[distribution, ingress],
    )
