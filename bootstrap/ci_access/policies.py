"""The policy documents of keyless CI: GitHub's OIDC trust, the deploy and preview roles, the boundary.

The deploy role creates IAM roles and a user for the platform, which would make it an administrator in
all but name; the permissions boundary closes that: the role may create a principal, or change one's
boundary, only with the platform boundary attached, and the boundary allows only what the platform's
principals do (plus what the flows are granted, `flow_actions`). Neither role may touch the boundary
policy or the CI roles themselves. The preview role reads and lists, nothing else: not even a secret's
value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
VERSION = "2012-10-17"

#: What the platform's own principals do (flow-run execution role, push user, worker roles, and a hosted server's
#: execution role and rotation function): pull the image, write logs, read the Prefect secrets (and the database's),
#: run and watch flow-run tasks, read crash events, start a new deployment of the server after a password rotation.
PLATFORM_PRINCIPAL_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:GetLogEvents",
    "secretsmanager:GetSecretValue",
    "ecs:RunTask",
    "ecs:StopTask",
    "ecs:DescribeTasks",
    "ecs:DescribeTaskDefinition",
    "ecs:RegisterTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "ecs:TagResource",
    # The rotation function's one call (aws/server_rotation.py), on the server's service only.
    "ecs:UpdateService",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)

#: `pulumi up` and `pulumi destroy` of the platform, by service (create, read, update, delete, tag).
DEPLOY_ACTIONS = {
    "ec2": (
        "ec2:Describe*",
        "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute",
        "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
        "ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:DeleteRoute",
        "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
        "ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress",
        "ec2:CreateNatGateway", "ec2:DeleteNatGateway",
        "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
        "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
        # A hosted server's rules are resources of their own (aws.vpc.SecurityGroupIngressRule/EgressRule): created
        # with Authorize*, changed in place with ModifySecurityGroupRules.
        "ec2:AuthorizeSecurityGroupIngress", "ec2:ModifySecurityGroupRules",
        "ec2:CreateTags", "ec2:DeleteTags",
    ),
    # A hosted server's database (aws/server_database.py): the instance, its subnet and parameter groups, the final
    # snapshot RDS takes on delete (authorised as rds:CreateDBSnapshot), and ModifyDBInstance, which
    # scripts/destroy also uses to lift deletion protection (scripts/lib/database_protection.py).
    "rds": (
        "rds:CreateDBInstance", "rds:DeleteDBInstance", "rds:ModifyDBInstance", "rds:DescribeDBInstances",
        "rds:CreateDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DescribeDBSubnetGroups",
        "rds:CreateDBParameterGroup", "rds:DeleteDBParameterGroup", "rds:ModifyDBParameterGroup",
        "rds:ResetDBParameterGroup", "rds:DescribeDBParameterGroups", "rds:DescribeDBParameters",
        "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots",
        # Read-only: Terraform users report it needed to check an instance's engine_version (the instance here
        # names the major version only); not confirmed in the provider's source.
        "rds:DescribeDBEngineVersions",
        "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource",
    ),
    # A hosted server's internal Application Load Balancer, target group and listener.
    "elasticloadbalancing": (
        "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags",
    ),
    # A hosted server's HTTPS endpoint (aws/server_endpoint.py): the VPC origin and the distribution in front of it;
    # the distribution is created with its tags (CreateDistributionWithTags, authorised as CreateDistribution).
    "cloudfront": (
        "cloudfront:CreateVpcOrigin", "cloudfront:GetVpcOrigin", "cloudfront:UpdateVpcOrigin",
        "cloudfront:DeleteVpcOrigin",
        "cloudfront:CreateDistribution", "cloudfront:GetDistribution", "cloudfront:UpdateDistribution",
        "cloudfront:DeleteDistribution",
        "cloudfront:TagResource", "cloudfront:UntagResource", "cloudfront:ListTagsForResource",
    ),
    # A hosted server's rotation function (aws/server_rotation.py) and the permission that lets its rule invoke it.
    "lambda": (
        "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:ListVersionsByFunction",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
        "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
    ),
    "ecs": (
        "ecs:CreateCluster", "ecs:DeleteCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings",
        "ecs:PutClusterCapacityProviders", "ecs:DescribeClusters",
        "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DeleteTaskDefinitions",
        "ecs:DescribeTaskDefinition",
        "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService", "ecs:DescribeServices",
        "ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments",
        # The drain hook finds a deleted group's tasks in whichever cluster runs them (aws/task_drain.py).
        "ecs:ListClusters", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:StopTask",
        "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource",
    ),
    "ecr": (
        "ecr:GetAuthorizationToken",
        "ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories",
        "ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy",
        "ecr:PutImageScanningConfiguration",
        "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
        "ecr:DescribeImages", "ecr:ListImages", "ecr:BatchDeleteImage",
        "ecr:TagResource", "ecr:UntagResource", "ecr:ListTagsForResource",
    ),
    "logs": (
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups",
        "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
        "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource",
    ),
    "secretsmanager": (
        "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret",
        "secretsmanager:UpdateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
        "secretsmanager:GetResourcePolicy", "secretsmanager:TagResource", "secretsmanager:UntagResource",
    ),
    "sqs": (
        "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
        "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags",
    ),
    "events": (
        "events:PutRule", "events:DeleteRule", "events:DescribeRule",
        "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule",
        "events:TagResource", "events:UntagResource", "events:ListTagsForResource",
    ),
    "iam": (
        "iam:GetRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
        "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy", "iam:DetachRolePolicy",
        "iam:GetUser", "iam:DeleteUser", "iam:TagUser", "iam:UntagUser",
        "iam:ListAttachedUserPolicies", "iam:ListUserPolicies", "iam:ListGroupsForUser",
        "iam:AttachUserPolicy", "iam:DetachUserPolicy",
        "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
        # The push user's managed policy: created with tags (authorised as iam:TagPolicy too), retagged, and
        # updated as terraform-provider-aws does it, a new version made the default in a second call.
        "iam:CreatePolicy", "iam:DeletePolicy", "iam:GetPolicy", "iam:GetPolicyVersion",
        "iam:ListPolicyVersions", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
        "iam:TagPolicy", "iam:UntagPolicy",
    ),
}  # fmt: skip

#: AWSServiceRoleForECS, in any partition and account (the deploy role's own account is the only one it acts in).
ECS_SERVICE_LINKED_ROLE = "arn:*:iam::*:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"

#: Service -> its service-linked role, which the service creates with the caller's iam:CreateServiceLinkedRole on
#: the first use in an account: ECS (CreateCluster, CreateService), RDS (CreateDBInstance: "Using service-linked
#: roles for Amazon RDS", RDS user guide) and Elastic Load Balancing (CreateLoadBalancer: "Service-linked role for
#: Elastic Load Balancing", ELB user guide). Roles only those services can assume, with policies AWS owns.
SERVICE_LINKED_ROLES = {
    "ecs.amazonaws.com": ECS_SERVICE_LINKED_ROLE,
    "rds.amazonaws.com": "arn:*:iam::*:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS",
    "elasticloadbalancing.amazonaws.com": (
        "arn:*:iam::*:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"
    ),
    # CloudFront's first VPC origin in an account (AWS managed policy AWSCloudFrontVPCOriginServiceRolePolicy:
    # CloudFront manages the origin's network interfaces and security group with it).
    "vpcorigin.cloudfront.amazonaws.com": (
        "arn:*:iam::*:role/aws-service-role/vpcorigin.cloudfront.amazonaws.com/AWSServiceRoleForCloudFrontVPCOrigin"
    ),
}

#: The services the deploy role passes roles to: ECS tasks (execution and task roles) and Lambda (a hosted server's
#: rotation function). The boundary's principals pass roles to ECS tasks only.
DEPLOY_PASSED_TO_SERVICES = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com")

#: The secret RDS creates for a managed master password, with the caller's permissions ("Permissions required for
#: Secrets Manager integration", RDS user guide): created, tagged and put on RDS's rotation; always named `rds!...`.
RDS_MANAGED_SECRET = "arn:*:secretsmanager:*:*:secret:rds!*"
RDS_MANAGED_SECRET_ACTIONS = (
    "secretsmanager:CreateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:RotateSecret",
)
#: The KMS key of that secret (Secrets Manager's aws/secretsmanager key unless one is given), used by Secrets Manager
#: on the caller's behalf: allowed only through it (kms:ViaService). On `"*"`: the key is whichever the account's
#: Secrets Manager uses, and `arn:*:kms:*:*:key/*` would be as wide (parliament: RESOURCE_EFFECTIVELY_STAR).
RDS_MANAGED_SECRET_KEY_ACTIONS = ("kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey")

#: Creating a principal, or changing its boundary: allowed only with the platform boundary attached.
BOUNDED_ACTIONS = (
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:PutRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
)

#: What `pulumi preview` (and `pulumi refresh`, but for secret values) reads. Of a stack that exists, a preview
#: also builds the flow image (pulumi-docker-build builds during previews and pushes nothing then): the build
#: logs in to ECR and pulls its cache from the stack's repository (tests/support/iam/preview_calls.py has the sources).
PREVIEW_ACTIONS = (
    "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
    "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules", "ec2:DescribeRouteTables", "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones", "ec2:DescribeTags",
    "ecs:DescribeClusters", "ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ecs:ListTagsForResource",
    "ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:DescribeImages", "ecr:ListTagsForResource",
    "logs:DescribeLogGroups", "logs:ListTagsForResource",
    "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
    "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags",
    "events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource",
    "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
    "iam:GetUser", "iam:ListAttachedUserPolicies", "iam:ListAccessKeys", "iam:GetPolicy",
    "iam:GetPolicyVersion", "iam:ListPolicyVersions",
    # A hosted server's database, load balancer and rotation function (the reads of their providers' Read).
    "rds:DescribeDBInstances", "rds:DescribeDBSubnetGroups", "rds:DescribeDBParameterGroups",
    "rds:DescribeDBParameters", "rds:ListTagsForResource",
    "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeTags",
    "lambda:GetFunction", "lambda:ListTags", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetPolicy",
    "cloudfront:GetVpcOrigin", "cloudfront:GetDistribution", "cloudfront:ListTagsForResource",
)  # fmt: skip


def github_trust_policy(provider_arn: str, repository: str, subjects: Sequence[str]) -> dict[str, Any]:
    """Trust for GitHub's OIDC tokens of `repository` whose `sub` is one of `subjects` (after `repo:<repo>:`)."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": GITHUB_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": [f"repo:{repository}:{subject}" for subject in subjects],
                    }
                },
            }
        ],
    }


def deploy_subjects(environments: Sequence[str]) -> list[str]:
    """The main branch and the stacks' GitHub environments (a job in an environment carries only that)."""
    return ["ref:refs/heads/main", *(f"environment:{environment}" for environment in environments)]


def state_statements(bucket_arn: str | None, *, write: bool) -> list[dict[str, Any]]:
    """A self-managed state backend in S3 (`s3://bucket`): read it, and for deploys write it and its locks."""
    if not bucket_arn:
        return []
    objects = ["s3:GetObject", *(["s3:PutObject", "s3:DeleteObject"] if write else [])]
    return [
        {"Sid": "ListTheStateBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        {"Sid": "UseTheStateObjects", "Effect": "Allow", "Action": objects, "Resource": f"{bucket_arn}/*"},
    ]


def secrets_key_statements(key_arn: str | None) -> list[dict[str, Any]]:
    """An `awskms://` secrets provider: the stack's secrets are encrypted and decrypted with this key."""
    if not key_arn:
        return []
    actions = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
    return [{"Sid": "UseTheSecretsKey", "Effect": "Allow", "Action": actions, "Resource": key_arn}]


def _service_sid(service: str) -> str:
    """`Ecs`, `Rds`, `Elasticloadbalancing`: a statement id's part for a service principal."""
    return service.split(".", 1)[0].capitalize()


def deploy_policy(
    *,
    boundary_arn: str,
    protected_arns: Sequence[str],
    state_bucket_arn: str | None = None,
    secrets_key_arn: str | None = None,
) -> dict[str, Any]:
    """What `pulumi up` and `pulumi destroy` of the platform need, principals only under the boundary."""
    return {
        "Version": VERSION,
        "Statement": [
            *state_statements(state_bucket_arn, write=True),
            *secrets_key_statements(secrets_key_arn),
            {
                "Sid": "ManageThePlatformsResources",
                "Effect": "Allow",
                "Action": [action for actions in DEPLOY_ACTIONS.values() for action in actions],
                "Resource": "*",
            },
            {
                "Sid": "CreatePrincipalsOnlyUnderThePlatformBoundary",
                "Effect": "Allow",
                "Action": list(BOUNDED_ACTIONS),
                "Resource": "*",
                "Condition": {"ArnEquals": {"iam:PermissionsBoundary": boundary_arn}},
            },
            {
                "Sid": "PassRolesOnlyToEcsTasksAndLambda",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": list(DEPLOY_PASSED_TO_SERVICES)}},
            },
            {
                # The managed master password of a hosted server's database: RDS creates the secret as the caller.
                "Sid": "LetRdsManageTheDatabasePasswordSecret",
                "Effect": "Allow",
                "Action": list(RDS_MANAGED_SECRET_ACTIONS),
                "Resource": RDS_MANAGED_SECRET,
            },
            {
                "Sid": "UseKeysOnlyThroughSecretsManager",
                "Effect": "Allow",
                "Action": list(RDS_MANAGED_SECRET_KEY_ACTIONS),
                "Resource": "*",
                "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
            },
            *(
                {
                    # ECS, RDS and ELB create their service-linked role on the first use in an account, with the
                    # caller's permission (see SERVICE_LINKED_ROLES).
                    "Sid": f"Let{_service_sid(service)}CreateItsServiceLinkedRole",
                    "Effect": "Allow",
                    "Action": "iam:CreateServiceLinkedRole",
                    "Resource": role,
                    "Condition": {"StringEquals": {"iam:AWSServiceName": service}},
                }
                for service, role in SERVICE_LINKED_ROLES.items()
            ),
            {
                "Sid": "NeverLiftABoundary",
                "Effect": "Deny",
                "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
                "Resource": "*",
            },
            {
                "Sid": "NeverChangeTheBoundaryOrTheCiRoles",
                "Effect": "Deny",
                "Action": [
                    "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
                    "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
                    "iam:TagRole", "iam:UntagRole", "iam:TagPolicy", "iam:UntagPolicy",
                ],
                "Resource": list(protected_arns),
            },
        ],
    }  # fmt: skip


def boundary_policy(*, flow_actions: Sequence[str] = ()) -> dict[str, Any]:
    """The most any principal the platform creates may do: its own needs, and what its flows are granted."""
    statements: list[dict[str, Any]] = [
        {"Sid": "ThePlatformsOwnNeeds", "Effect": "Allow", "Action": list(PLATFORM_PRINCIPAL_ACTIONS), "Resource": "*"},
        {
            "Sid": "PassRolesOnlyToEcsTasks",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ]
    if flow_actions:
        statements.append(
            {"Sid": "WhatFlowsAreGranted", "Effect": "Allow", "Action": list(flow_actions), "Resource": "*"}
        )
    return {"Version": VERSION, "Statement": statements}


def preview_policy(*, state_bucket_arn: str | None = None) -> dict[str, Any]:
    read = {"Sid": "ReadThePlatform", "Effect": "Allow", "Action": list(PREVIEW_ACTIONS), "Resource": "*"}
    return {"Version": VERSION, "Statement": [read, *state_statements(state_bucket_arn, write=False)]}
