"""The hosted server under mocks: a private, encrypted database with no password in Pulumi, one server task
behind an internal load balancer, and traffic that flows only tasks -> load balancer -> server -> database."""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest

from prefect_ecs_platform.aws.server_container import SERVER_CONTAINER_NAME
from prefect_ecs_platform.aws.server_database import snapshot_name_prefix
from prefect_ecs_platform.aws.server_rotation import HANDLER_FILE
from prefect_ecs_platform.aws.subnet_plan import database_cidrs
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from tests.support.hosted_server import deploy_hosted_server
from tests.support.pulumi_mocks import PulumiHarness, Recorded

DEV = PrefectServerArgs(enabled=True)
PROD = PrefectServerArgs(
    enabled=True,
    cpu=2048,
    memory=4096,
    database_instance_class="db.t4g.small",
    database_storage_gib=50,
    backup_retention_days=14,
    multi_az=True,
    deletion_protection=True,
    final_snapshot=True,
)
SERVICE = ("aws:ecs/service:Service", "data-server")
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
BROUGHT_NETWORK: dict[str, Any] = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
    "security_group_ids": ["sg-0bbbbbbbbbbbbbbb1", "sg-0bbbbbbbbbbbbbbb2"],
}
BROUGHT_DATABASE_SUBNETS = ("subnet-0ccccccccccccccc1", "subnet-0ccccccccccccccc2")


def group_id(harness: PulumiHarness, name: str) -> str:
    return harness.named("aws:ec2/securityGroup:SecurityGroup", name).id


def rules_of(harness: PulumiHarness, typ: str, group: str) -> list[dict[str, Any]]:
    """The rules of one kind on a group, as (what they admit) dicts."""
    return [
        {
            key: rule.inputs.get(key)
            for key in ("referencedSecurityGroupId", "cidrIpv4", "ipProtocol", "fromPort", "toPort")
        }
        for rule in harness.of_type(typ)
        if rule.inputs["securityGroupId"] == group_id(harness, group)
    ]


def tcp_from(group: str, port: int) -> dict[str, Any]:
    return {"referencedSecurityGroupId": group, "cidrIpv4": None, "ipProtocol": "tcp", "fromPort": port, "toPort": port}


def database(harness: PulumiHarness) -> Recorded:
    return harness.one("aws:rds/instance:Instance")


def server_container(harness: PulumiHarness) -> dict[str, Any]:
    [definition] = json.loads(
        harness.named("aws:ecs/taskDefinition:TaskDefinition", "data-server").inputs["containerDefinitions"]
    )
    return definition


def test_database_is_private_encrypted_and_its_password_is_rds_managed(pulumi_harness: PulumiHarness) -> None:
    """No public address, encrypted gp3, TLS forced, and RDS keeps the password: no resource is given one."""
    out = deploy_hosted_server(pulumi_harness, DEV)
    instance = database(pulumi_harness).inputs
    assert instance["publiclyAccessible"] is False
    assert instance["storageEncrypted"] is True
    assert instance["storageType"] == "gp3"
    assert instance["manageMasterUserPassword"] is True
    assert (instance["engine"], instance["engineVersion"], instance["autoMinorVersionUpgrade"]) == (
        "postgres",
        "16",
        True,
    )
    assert (instance["username"], instance["dbName"]) == ("prefect", "prefect")
    for resource in pulumi_harness.resources:
        assert not {"password", "passwordWo", "masterPassword"} & set(resource.inputs), resource.name
    parameters = pulumi_harness.one("aws:rds/parameterGroup:ParameterGroup")
    assert parameters.inputs["family"] == "postgres16"
    assert [(p["name"], p["value"]) for p in parameters.inputs["parameters"]] == [("rds.force_ssl", "1")]
    assert instance["parameterGroupName"] == parameters.outputs["name"]
    assert out["database_secret_arn"] == database(pulumi_harness).outputs["masterUserSecrets"][0]["secretArn"]
    assert out["database_identifier"] == database(pulumi_harness).outputs["identifier"]


def test_database_subnets_have_no_route_and_span_two_zones(pulumi_harness: PulumiHarness) -> None:
    """A new VPC's database subnets are slots 6 and 7 in its first two zones, on a table of their own with no routes."""
    deploy_hosted_server(pulumi_harness, DEV)
    subnets = sorted(pulumi_harness.of_type("aws:ec2/subnet:Subnet"), key=lambda s: s.name)
    assert [s.inputs["cidrBlock"] for s in subnets] == database_cidrs("10.0.0.0/16")
    assert [s.inputs["availabilityZone"] for s in subnets] == ["eu-west-1a", "eu-west-1b"]
    assert all(s.inputs["vpcId"] == "vpc-0new" and s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    table = pulumi_harness.one("aws:ec2/routeTable:RouteTable")
    assert table.inputs["routes"] == []
    assert pulumi_harness.of_type("aws:ec2/route:Route") == []
    associations = pulumi_harness.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    assert sorted((a.inputs["subnetId"], a.inputs["routeTableId"]) for a in associations) == [
        (s.id, table.id) for s in subnets
    ]
    group = pulumi_harness.one("aws:rds/subnetGroup:SubnetGroup")
    assert group.inputs["subnetIds"] == [s.id for s in subnets]
    assert database(pulumi_harness).inputs["dbSubnetGroupName"] == group.outputs["name"]


def test_brought_vpc_uses_the_given_database_subnets(pulumi_harness: PulumiHarness) -> None:
    """With a brought VPC nothing is added to it: the database goes in the subnets the user gave."""
    server = PrefectServerArgs(enabled=True, database_subnet_ids=BROUGHT_DATABASE_SUBNETS)
    deploy_hosted_server(pulumi_harness, server, **BROUGHT_NETWORK)
    assert pulumi_harness.of_type("aws:ec2/subnet:Subnet") == []
    assert pulumi_harness.of_type("aws:ec2/routeTable:RouteTable") == []
    assert pulumi_harness.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == list(BROUGHT_DATABASE_SUBNETS)


def test_database_admits_only_the_server(pulumi_harness: PulumiHarness) -> None:
    """PostgreSQL's port from the server's group, nothing else in and nothing out."""
    deploy_hosted_server(pulumi_harness, DEV)
    server = group_id(pulumi_harness, "data-server")
    assert rules_of(pulumi_harness, INGRESS, "data-database") == [tcp_from(server, 5432)]
    assert rules_of(pulumi_harness, EGRESS, "data-database") == []
    assert database(pulumi_harness).inputs["vpcSecurityGroupIds"] == [group_id(pulumi_harness, "data-database")]
    for name in ("data-database", "data-server", "data-server-lb"):
        group = pulumi_harness.named("aws:ec2/securityGroup:SecurityGroup", name).inputs
        assert not group.get("ingress")
        assert not group.get("egress")


def test_server_admits_only_its_load_balancer(pulumi_harness: PulumiHarness) -> None:
    """The server's port only from the load balancer's group; out to anywhere (ECR, Secrets Manager, logs)."""
    deploy_hosted_server(pulumi_harness, DEV)
    balancer = group_id(pulumi_harness, "data-server-lb")
    assert rules_of(pulumi_harness, INGRESS, "data-server") == [tcp_from(balancer, 4200)]
    assert rules_of(pulumi_harness, EGRESS, "data-server") == [
        {
            "referencedSecurityGroupId": None,
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "-1",
            "fromPort": None,
            "toPort": None,
        }
    ]


@pytest.mark.parametrize("brought", [False, True], ids=["created-group", "brought-groups"])
def test_load_balancer_admits_only_the_stacks_tasks(pulumi_harness: PulumiHarness, brought: bool) -> None:
    """HTTP only from the task groups the worker and flow runs use and CloudFront's VPC origin group, forwarded only
    to the server's port."""
    server_args = PrefectServerArgs(enabled=True, database_subnet_ids=BROUGHT_DATABASE_SUBNETS) if brought else DEV
    out = deploy_hosted_server(pulumi_harness, server_args, **(BROUGHT_NETWORK if brought else {}))
    task_groups = BROUGHT_NETWORK["security_group_ids"] if brought else [group_id(pulumi_harness, "data-tasks")]
    assert out["security_group_ids"] == task_groups
    cloudfront = "sg-0cf0cf0cf0cf0cf00"
    assert rules_of(pulumi_harness, INGRESS, "data-server-lb") == [
        tcp_from(group, 80) for group in [*task_groups, cloudfront]
    ]
    assert rules_of(pulumi_harness, EGRESS, "data-server-lb") == [
        tcp_from(group_id(pulumi_harness, "data-server"), 4200)
    ]


def test_internal_load_balancer_checks_the_servers_health(pulumi_harness: PulumiHarness) -> None:
    """An internal ALB forwards port 80 to the server's ip targets, checked on /api/ready."""
    out = deploy_hosted_server(pulumi_harness, DEV)
    balancer = pulumi_harness.one("aws:lb/loadBalancer:LoadBalancer")
    assert balancer.inputs["internal"] is True
    assert balancer.inputs["loadBalancerType"] == "application"
    assert balancer.inputs["securityGroups"] == [group_id(pulumi_harness, "data-server-lb")]
    targets = pulumi_harness.one("aws:lb/targetGroup:TargetGroup")
    assert (targets.inputs["targetType"], targets.inputs["port"], targets.inputs["protocol"]) == ("ip", 4200, "HTTP")
    assert targets.inputs["healthCheck"]["path"] == "/api/ready"
    listener = pulumi_harness.one("aws:lb/listener:Listener").inputs
    assert (listener["port"], listener["protocol"], listener["loadBalancerArn"]) == (
        80,
        "HTTP",
        balancer.outputs["arn"],
    )
    assert listener["defaultActions"] == [{"type": "forward", "targetGroupArn": targets.outputs["arn"]}]
    assert out["api_url"] == f"http://{balancer.outputs['dnsName']}/api"


@pytest.mark.parametrize("layout", ["public", "private"])
def test_new_vpc_puts_the_load_balancer_in_subnets_with_no_route_and_the_server_in_its_zones(
    pulumi_harness: PulumiHarness, layout: str
) -> None:
    """CloudFront's VPC origins serve load balancers in private subnets, which dev's public layout lacks: the load
    balancer sits in the database subnets (no routes), and the server only in the stack's subnets of their two
    zones, as a load balancer sends nothing to a zone it is not in; three zones leave the third to flow runs."""
    out = deploy_hosted_server(pulumi_harness, DEV, subnet_layout=layout, availability_zones=3)
    database_subnets = pulumi_harness.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"]
    assert len(out["subnet_ids"]) == 3
    assert pulumi_harness.one("aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == database_subnets
    assert pulumi_harness.named(*SERVICE).inputs["networkConfiguration"]["subnets"] == out["subnet_ids"][:2]


def test_brought_vpc_puts_the_load_balancer_and_server_in_its_subnets(pulumi_harness: PulumiHarness) -> None:
    """A brought VPC's subnets are the user's to keep private; nothing else is there to place them in."""
    server = PrefectServerArgs(enabled=True, database_subnet_ids=BROUGHT_DATABASE_SUBNETS)
    deploy_hosted_server(pulumi_harness, server, **BROUGHT_NETWORK)
    subnets = BROUGHT_NETWORK["subnet_ids"]
    assert pulumi_harness.one("aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == subnets
    assert pulumi_harness.named(*SERVICE).inputs["networkConfiguration"]["subnets"] == subnets


def test_one_server_task_at_a_time_behind_the_load_balancer(pulumi_harness: PulumiHarness) -> None:
    """One task; the old one stops before the new starts (one migrator); a failed rollout rolls back and fails up."""
    out = deploy_hosted_server(pulumi_harness, DEV)
    service = pulumi_harness.named(*SERVICE).inputs
    assert service["desiredCount"] == 1
    assert (service["deploymentMinimumHealthyPercent"], service["deploymentMaximumPercent"]) == (0, 100)
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["loadBalancers"] == [
        {
            "targetGroupArn": pulumi_harness.one("aws:lb/targetGroup:TargetGroup").outputs["arn"],
            "containerName": SERVER_CONTAINER_NAME,
            "containerPort": 4200,
        }
    ]
    assert service["healthCheckGracePeriodSeconds"] >= server_container(pulumi_harness)["healthCheck"]["startPeriod"]
    assert service["networkConfiguration"]["securityGroups"] == [group_id(pulumi_harness, "data-server")]
    assert service["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    # A new auth string is a new version of the same secret: only the trigger starts a task that reads it.
    assert service["forceNewDeployment"] is True
    assert service["triggers"] == {"PREFECT_SERVER_API_AUTH_STRING": out["auth_string_version"]}
    hooks = pulumi_harness.registration(*SERVICE).hooks
    assert hooks["after_create"] == hooks["after_update"] == ("data-server-rollout",)
    assert hooks["before_update"] == ("data-server-rollout-baseline",)
    assert out["service_name"] == "data-server"
    assert out["ready"] == [
        pulumi_harness.registration(*SERVICE).urn,
        pulumi_harness.registration("aws:cloudfront/distribution:Distribution", "data-server").urn,
        pulumi_harness.registration(INGRESS, "data-server-lb-from-cloudfront").urn,
    ]


def test_service_starts_after_its_database_secrets_and_listener(pulumi_harness: PulumiHarness) -> None:
    """The first task must find its database, both secrets' values, its execution policy and a listener."""
    deploy_hosted_server(pulumi_harness, DEV)
    for dependency in [
        ("aws:rds/instance:Instance", "data-database"),
        ("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-auth-string"),
        ("aws:lb/listener:Listener", "data-server"),
        ("aws:iam/rolePolicy:RolePolicy", "data-server-execution"),
        (INGRESS, "data-database-from-server"),
        (INGRESS, "data-server-from-lb"),
        ("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "data-capacity"),
    ]:
        assert pulumi_harness.waits_for(SERVICE, dependency), dependency


def test_server_reads_its_secrets_by_arn_only(pulumi_harness: PulumiHarness) -> None:
    """The database login and the auth string reach the task as ECS secrets; the execution role reads just those."""
    out = deploy_hosted_server(pulumi_harness, DEV)
    definition = server_container(pulumi_harness)
    secret = out["database_secret_arn"]
    assert definition["secrets"] == [
        {"name": "PREFECT_SERVER_DATABASE_USER", "valueFrom": f"{secret}:username::"},
        {"name": "PREFECT_SERVER_DATABASE_PASSWORD", "valueFrom": f"{secret}:password::"},
        {"name": "PREFECT_SERVER_API_AUTH_STRING", "valueFrom": out["auth_string_arn"]},
    ]
    environment = {e["name"]: e["value"] for e in definition["environment"]}
    assert environment["PREFECT_SERVER_DATABASE_HOST"] == database(pulumi_harness).outputs["address"]
    policy = json.loads(pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-server-execution").inputs["policy"])
    reads = {s["Sid"]: s for s in policy["Statement"]}["ReadPrefectCredentials"]
    assert reads["Resource"] == [secret, out["auth_string_arn"]]
    task_role = pulumi_harness.named("aws:iam/role:Role", "data-server-task")
    assert not [p for p in pulumi_harness.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == task_role.id]
    assert pulumi_harness.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []


def test_no_secret_value_in_any_resource_input(pulumi_harness: PulumiHarness) -> None:
    """The generated auth string is the input of its secret's version alone: every other resource holds its ARN."""
    out = deploy_hosted_server(pulumi_harness, DEV)
    auth_string = out["auth_string"]
    password = auth_string.split(":", 1)[1]
    assert auth_string.startswith("prefect:")
    assert password.isalnum()
    holders = [(r.typ, r.name) for r in pulumi_harness.resources if password in json.dumps(r.inputs, default=str)]
    assert holders == [("aws:secretsmanager/secretVersion:SecretVersion", "data-prefect-auth-string")]


def test_auth_password_is_generated_without_separators(pulumi_harness: PulumiHarness) -> None:
    """Letters and digits only: no `:`, `@` or `/` to break `user:password` or a URL."""
    deploy_hosted_server(pulumi_harness, DEV)
    password = pulumi_harness.one("random:index/randomPassword:RandomPassword").inputs
    assert password["special"] is False
    assert password["length"] >= 32


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        (
            DEV,
            {"instanceClass": "db.t4g.micro", "allocatedStorage": 20, "maxAllocatedStorage": 200,
             "backupRetentionPeriod": 1, "multiAz": False, "deletionProtection": False, "skipFinalSnapshot": True},
        ),
        (
            PROD,
            {"instanceClass": "db.t4g.small", "allocatedStorage": 50, "maxAllocatedStorage": 500,
             "backupRetentionPeriod": 14, "multiAz": True, "deletionProtection": True, "skipFinalSnapshot": False},
        ),
    ],
    ids=["dev", "prod"],
)  # fmt: skip
def test_database_settings_follow_the_server_args(
    pulumi_harness: PulumiHarness, server: PrefectServerArgs, expected: dict[str, Any]
) -> None:
    """Size, backups, standby, deletion protection and the final snapshot come from PrefectServerArgs."""
    out = deploy_hosted_server(pulumi_harness, server)
    instance = database(pulumi_harness).inputs
    assert {key: instance.get(key) for key in expected} == expected
    snapshot_ids = pulumi_harness.of_type("random:index/randomId:RandomId")
    if server.final_snapshot:
        assert out["final_snapshot_name"] == "prefect-data-final-0a1b2c3d"
        assert instance["finalSnapshotIdentifier"] == out["final_snapshot_name"]
        assert len(snapshot_ids) == 1
    else:
        assert out["final_snapshot_name"] is None
        assert "finalSnapshotIdentifier" not in instance
        assert snapshot_ids == []
    task_definition = pulumi_harness.named("aws:ecs/taskDefinition:TaskDefinition", "data-server").inputs
    assert (task_definition["cpu"], task_definition["memory"]) == (str(server.cpu), str(server.memory))
    assert task_definition["family"] == "prefect-server_ecs-dev"


def test_rotation_restarts_only_this_service(pulumi_harness: PulumiHarness) -> None:
    """The rule matches this secret's rotation; its Lambda may redeploy this service and write its own logs."""
    out = deploy_hosted_server(pulumi_harness, DEV)
    rule = pulumi_harness.named("aws:cloudwatch/eventRule:EventRule", "data-server-rotation")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["source"] == ["aws.secretsmanager"]
    assert pattern["detail"]["eventName"] == ["RotationSucceeded"]
    assert pattern["detail"]["additionalEventData"] == {"SecretId": [out["database_secret_arn"]]}
    function = pulumi_harness.one("aws:lambda/function:Function")
    assert function.inputs["runtime"] == "python3.12"
    assert function.inputs["environment"]["variables"]["PREFECT_SERVER_SERVICE"] == out["service_name"]
    target = pulumi_harness.named("aws:cloudwatch/eventTarget:EventTarget", "data-server-rotation").inputs
    assert (target["rule"], target["arn"]) == (rule.outputs["name"], function.outputs["arn"])
    permission = pulumi_harness.one("aws:lambda/permission:Permission").inputs
    assert (permission["principal"], permission["sourceArn"]) == ("events.amazonaws.com", rule.outputs["arn"])
    policy = json.loads(pulumi_harness.named("aws:iam/rolePolicy:RolePolicy", "data-server-rotation").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"RedeployThePrefectServer", "WriteRotationLogs"}
    assert statements["RedeployThePrefectServer"]["Action"] == "ecs:UpdateService"
    assert statements["RedeployThePrefectServer"]["Resource"] == (
        f"arn:aws:ecs:eu-west-1:123456789012:service/data-cluster/{out['service_name']}"
    )


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("data", "prefect-data-final-"), ("Data_Prod--EU", "prefect-data-prod-eu-final-"), ("__", "prefect-final-")],
)
def test_final_snapshot_names_are_valid_rds_identifiers(name: str, prefix: str) -> None:
    """A letter first, then lowercase letters, digits and single hyphens, whatever the component's name."""
    assert snapshot_name_prefix(name) == prefix


def test_rotation_handler_runs_alone_in_lambda(pulumi_harness: PulumiHarness) -> None:
    """Lambda gets the handler file alone, as index.py: it imports only the standard library and boto3."""
    deploy_hosted_server(pulumi_harness, DEV)
    function = pulumi_harness.one("aws:lambda/function:Function").inputs
    assert function["handler"] == "index.handler"
    [(file_name, asset)] = function["code"].assets.items()
    assert (file_name, asset.path) == ("index.py", str(HANDLER_FILE))
    tree = ast.parse(HANDLER_FILE.read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "os", "typing", "boto3"}
    assert "def handler(" in HANDLER_FILE.read_text()
