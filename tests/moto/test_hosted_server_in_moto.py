"""A stack hosting its own Prefect server, created, changed and destroyed in moto as `pulumi up` and `destroy` do.

tests/support/engine.py's `StackEngine` runs the component with mocks that create each resource in moto
(tests/support/moto/component_in_moto.py): the database subnets, RDS instance, load balancer and the server's
service are moto's, the rollout checks after the services' creates call moto's ECS, and the drain hooks run
before the deletes. moto completes a service deployment at once when `MOTO_ECS_SERVICE_RUNNING` tasks run, and,
patched, starts one on an update as ECS does, so the checks after an update follow the new revision.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pulumi
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from prefect_ecs_platform import PrefectEcsPlatform
from prefect_ecs_platform.aws import task_drain
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from tests.support import ROOT
from tests.support.engine import StackEngine, StateEntry, Steps
from tests.support.hosted_server import hosted_args
from tests.support.moto.aws_calls import recording_aws_calls
from tests.support.moto.component_in_moto import MotoMocks
from tests.support.moto.hosted_in_moto import delete_subnet
from tests.support.moto.moto_patches import fargate_containers_without_memory, service_updates_start_deployments
from tests.support.moto.stack_tasks import releasing_interfaces
from tests.support.pulumi_mocks import CLOUD_URL, unsecret

pytestmark = pytest.mark.moto

REGION = "eu-west-1"
SERVICE = "aws:ecs/service:Service"
DATABASE = "aws:rds/instance:Instance"
PREFECT_OBJECTS = ("pulumi-python:dynamic/prefect:WorkPool", "pulumi-python:dynamic/prefect:Deployment")
PROD = PrefectServerArgs(
    enabled=True, multi_az=True, deletion_protection=True, final_snapshot=True, backup_retention_days=7
)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """An empty moto account; the hooks find it through the environment, as the provider would."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # One running task completes a one-task service's deployment: the rollout checks pass on their first poll.
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    with mock_aws(), fargate_containers_without_memory(), service_updates_start_deployments():
        session = boto3.Session(region_name=REGION)
        monkeypatch.setattr(task_drain, "pause", releasing_interfaces(session))
        yield session


class Stack:
    """The component `data` under one engine; `outputs` holds the stack outputs of the last run."""

    def __init__(self, session: boto3.Session, on_delete: Callable[[StateEntry], None] | None = None) -> None:
        self.engine = StackEngine(functools.partial(MotoMocks, session), on_delete=on_delete)
        self.outputs: dict[str, Any] = {}

    def program(self, **overrides: Any) -> Any:
        def run() -> None:
            platform = PrefectEcsPlatform("data", hosted_args(**overrides))
            outputs = ("prefect_api_url", "prefect_ui_url", "prefect_server_service_name", "database_final_snapshot")
            for output in outputs:
                pulumi.Output.from_input(getattr(platform, output)).apply(
                    functools.partial(self.outputs.__setitem__, output)
                )

        return run

    def up(self, **overrides: Any) -> Steps:
        return self.engine.up(self.program(**overrides))

    def destroy(self, **overrides: Any) -> Steps:
        return self.engine.destroy(self.program(**overrides))

    def entries(self, typ: str) -> list[StateEntry]:
        return [entry for entry in self.engine.state.values() if entry.type == typ]

    def entry(self, typ: str, name: str) -> StateEntry:
        [found] = [entry for entry in self.entries(typ) if entry.name == name]
        return found

    def export(self) -> dict[str, Any]:
        """The checkpoint as `pulumi stack export` writes it (urn, type, id, outputs per resource)."""
        resources = [
            {"urn": entry.urn, "type": entry.type, "id": entry.id, "outputs": unsecret(entry.outputs)}
            for entry in self.engine.state.values()
        ]
        return {"version": 3, "deployment": {"resources": resources}}


def _kind(urn: str) -> tuple[str, str]:
    """(type, name) of a URN, the type without its parents' qualification."""
    _, _, qualified, name = urn.split("::", 3)
    return qualified.split("$")[-1], name


def _active_services(session: boto3.Session) -> list[str]:
    """Services ECS still runs; moto lists a deleted one as INACTIVE, as DescribeServices shows it for a while."""
    ecs = session.client("ecs")
    active = []
    for cluster in ecs.list_clusters()["clusterArns"]:
        arns = ecs.list_services(cluster=cluster)["serviceArns"]
        described = ecs.describe_services(cluster=cluster, services=arns)["services"] if arns else []
        active += [service["serviceName"] for service in described if service["status"] != "INACTIVE"]
    return active


def worker_api_url(session: boto3.Session, stack: Stack) -> str:
    """PREFECT_API_URL of the revision the worker's service runs in moto, once its deployment completed."""
    ecs = session.client("ecs")
    worker = stack.entry(SERVICE, "data-worker")
    [service] = ecs.describe_services(cluster=worker.inputs["cluster"], services=[worker.id])["services"]
    [deployment] = service["deployments"]
    assert (deployment["status"], deployment["rolloutState"]) == ("PRIMARY", "COMPLETED")
    assert deployment["taskDefinition"] == service["taskDefinition"]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    [container] = definition["containerDefinitions"]
    return next(item["value"] for item in container["environment"] if item["name"] == "PREFECT_API_URL")


def _database_protection() -> ModuleType:
    """scripts/lib/database_protection.py, which scripts/destroy runs around `pulumi destroy`."""
    spec = importlib.util.spec_from_file_location("database_protection", ROOT / "scripts/lib/database_protection.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_up_creates_the_database_load_balancer_and_server_in_moto(session: boto3.Session) -> None:
    """The instance is private, encrypted and in the two database subnets; the server's service sits behind the
    internal ALB's target group, and its rollout check, run after the create, asked moto's ECS about it."""
    stack = Stack(session)
    with recording_aws_calls() as calls, calls.window():
        stack.up()

    rds, elb, ecs = session.client("rds"), session.client("elbv2"), session.client("ecs")
    [instance] = rds.describe_db_instances()["DBInstances"]
    assert instance["DBInstanceIdentifier"] == stack.entry(DATABASE, "data-database").outputs["identifier"]
    assert instance["PubliclyAccessible"] is False
    assert instance["StorageEncrypted"] is True
    assert instance["Engine"] == "postgres"
    assert instance["MasterUserSecret"]["SecretArn"]
    database_subnets = {entry.id for entry in stack.entries("aws:ec2/subnet:Subnet")}
    assert len(database_subnets) == 2
    group = instance["DBSubnetGroup"]
    assert {subnet["SubnetIdentifier"] for subnet in group["Subnets"]} == database_subnets
    assert len({subnet["SubnetAvailabilityZone"]["Name"] for subnet in group["Subnets"]}) == 2

    [balancer] = elb.describe_load_balancers()["LoadBalancers"]
    assert (balancer["Scheme"], balancer["Type"]) == ("internal", "application")
    # Pulumi reaches the server through its public endpoint; the worker inside the VPC through the load balancer.
    assert stack.outputs["prefect_api_url"] == f"{stack.outputs['prefect_ui_url']}/api"
    assert stack.outputs["prefect_ui_url"].startswith("https://")
    assert worker_api_url(session, stack) == f"http://{balancer['DNSName']}/api"
    [targets] = elb.describe_target_groups()["TargetGroups"]
    assert (targets["HealthCheckPath"], targets["TargetType"], targets["Port"]) == ("/api/ready", "ip", 4200)
    [listener] = elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert listener["Port"] == 80
    assert listener["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": targets["TargetGroupArn"]}]

    server = stack.entry(SERVICE, "data-server")
    [service] = ecs.describe_services(cluster=server.inputs["cluster"], services=[server.id])["services"]
    assert service["serviceName"] == stack.outputs["prefect_server_service_name"]
    assert service["loadBalancers"] == [
        {"targetGroupArn": targets["TargetGroupArn"], "containerName": "prefect-server", "containerPort": 4200}
    ]
    assert [deployment["rolloutState"] for deployment in service["deployments"]] == ["COMPLETED"]
    checked = {name for call in calls.calls if call.operation == "DescribeServices" for name in call.params["services"]}
    assert {service["serviceName"], "data-worker"} <= checked


def test_an_update_in_place_hardens_the_database_and_rolls_the_server_to_its_new_revision(
    session: boto3.Session,
) -> None:
    """The same stack made prod-like and given a bigger server: RDS modifies the instance it has (no second
    one), the server's task definition is a new revision, and its service rolls to it with the server's own
    rollout checks around the update, against moto."""
    stack = Stack(session)
    stack.up()
    rds, ecs = session.client("rds"), session.client("ecs")
    [before] = rds.describe_db_instances()["DBInstances"]
    old_revision = stack.entry("aws:ecs/taskDefinition:TaskDefinition", "data-server").outputs["arn"]
    bigger = dataclasses.replace(PROD, cpu=2048, memory=4096)

    with recording_aws_calls() as calls, calls.window():
        steps = stack.up(prefect_server=bigger)

    changed = {_kind(urn) for urn in steps.updates}
    assert {(DATABASE, "data-database"), (SERVICE, "data-server")} <= changed
    assert ("aws:ecs/taskDefinition:TaskDefinition", "data-server") in {_kind(urn) for urn in steps.replaces}
    [after] = rds.describe_db_instances()["DBInstances"]
    assert after["DBInstanceIdentifier"] == before["DBInstanceIdentifier"]
    assert (after["MultiAZ"], after["DeletionProtection"], after["BackupRetentionPeriod"]) == (True, True, 7)

    server = stack.entry(SERVICE, "data-server")
    [service] = ecs.describe_services(cluster=server.inputs["cluster"], services=[server.id])["services"]
    new_revision = stack.entry("aws:ecs/taskDefinition:TaskDefinition", "data-server").outputs["arn"]
    assert new_revision != old_revision
    assert [(d["taskDefinition"], d["rolloutState"]) for d in service["deployments"]] == [(new_revision, "COMPLETED")]
    assert ecs.describe_task_definition(taskDefinition=new_revision)["taskDefinition"]["cpu"] == "2048"
    assert ecs.describe_task_definition(taskDefinition=old_revision)["taskDefinition"]["status"] == "INACTIVE"
    # The baseline before the update and the check after it, both on the server's service.
    polled = [call for call in calls.calls if call.operation == "DescribeServices"]
    assert sum(call.params["services"] == ["data-server"] for call in polled) >= 2


def test_destroy_deletes_the_worker_then_the_prefect_objects_then_the_server_then_its_database(
    session: boto3.Session,
) -> None:
    """Dependents first: the worker service depends on the work pool (it starts polling it), so it goes before
    the pool and the deployments; those go while the server that holds them still runs, and the server before
    the database it migrated."""
    stack = Stack(session)
    stack.up()
    database_subnets = [entry.id for entry in stack.entries("aws:ec2/subnet:Subnet")]
    server_groups = [
        entry.id
        for entry in stack.entries("aws:ec2/securityGroup:SecurityGroup")
        if entry.name in ("data-database", "data-server", "data-server-lb")
    ]
    assert len(server_groups) == 3

    steps = stack.destroy()

    order = [_kind(urn) for urn in steps.deletes]
    objects = [position for position, (typ, _) in enumerate(order) if typ in PREFECT_OBJECTS]
    assert len(objects) >= 2
    worker, server = order.index((SERVICE, "data-worker")), order.index((SERVICE, "data-server"))
    assert worker < min(objects)
    assert max(objects) < server < order.index((DATABASE, "data-database"))
    assert stack.engine.state == {}
    assert session.client("rds").describe_db_instances()["DBInstances"] == []
    assert session.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert session.client("elbv2").describe_target_groups()["TargetGroups"] == []
    assert _active_services(session) == []
    # What the database and the server stood on goes too.
    ec2 = session.client("ec2")
    assert ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": database_subnets}])["Subnets"] == []
    # The groups themselves stay in moto (these mocks do not delete groups), without a rule left.
    group_filter = [{"Name": "group-id", "Values": server_groups}]
    assert ec2.describe_security_group_rules(Filters=group_filter)["SecurityGroupRules"] == []
    assert session.client("rds").describe_db_subnet_groups()["DBSubnetGroups"] == []
    assert session.client("lambda").list_functions()["Functions"] == []


def test_the_vpc_origins_interfaces_go_before_the_subnets_they_hold(session: boto3.Session) -> None:
    """CloudFront reaches the load balancer through interfaces in its subnets (the database subnets, which have
    no route), and EC2 refuses to delete a subnet holding one: the destroy deletes the VPC origin, and with it
    its interfaces, before the load balancer and the subnets, and so completes."""
    stack = Stack(session)
    stack.up()
    ec2 = session.client("ec2")
    database_subnets = sorted(entry.id for entry in stack.entries("aws:ec2/subnet:Subnet"))
    [balancer] = session.client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert sorted(zone["SubnetId"] for zone in balancer["AvailabilityZones"]) == database_subnets
    held = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": database_subnets}])
    assert sorted(interface["SubnetId"] for interface in held["NetworkInterfaces"]) == database_subnets
    with pytest.raises(ClientError, match="DependencyViolation"):
        delete_subnet(ec2, database_subnets[0])

    steps = stack.destroy()

    order = [_kind(urn) for urn in steps.deletes]
    origin = order.index(("aws:cloudfront/vpcOrigin:VpcOrigin", "data-server"))
    assert origin < order.index(("aws:lb/loadBalancer:LoadBalancer", "data-server"))
    assert origin < min(order.index(("aws:ec2/subnet:Subnet", f"data-database-{zone}")) for zone in (0, 1))
    assert ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": database_subnets}])["Subnets"] == []
    assert stack.engine.state == {}


def test_a_protected_database_stops_the_destroy_until_lifted_and_leaves_its_final_snapshot(
    session: boto3.Session,
) -> None:
    """RDS refuses to delete the prod-like instance; with the protection lifted as scripts/destroy lifts it,
    the destroy completes and the final snapshot is in moto under the stack's `database_final_snapshot`."""
    stack = Stack(session)
    stack.up(prefect_server=PROD)
    rds = session.client("rds")
    [instance] = rds.describe_db_instances()["DBInstances"]
    assert instance["MultiAZ"] is True
    assert instance["DeletionProtection"] is True
    assert instance["BackupRetentionPeriod"] == 7
    snapshot = stack.outputs["database_final_snapshot"]
    assert snapshot
    assert snapshot.startswith("prefect-data-final-")

    with pytest.raises(rds.exceptions.ClientError, match="deletion protection"):
        stack.destroy(prefect_server=PROD)
    # What went before the database is gone from the state; the database and what it stands on remain.
    assert [entry.name for entry in stack.entries(SERVICE)] == []
    assert [entry.name for entry in stack.entries(DATABASE)] == ["data-database"]
    assert rds.describe_db_instances()["DBInstances"][0]["DBInstanceStatus"] == "available"

    assert _database_protection().lift(stack.export()) == [instance["DBInstanceIdentifier"]]
    stack.destroy(prefect_server=PROD)

    assert rds.describe_db_instances()["DBInstances"] == []
    [kept] = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot)["DBSnapshots"]
    assert kept["DBInstanceIdentifier"] == instance["DBInstanceIdentifier"]
    assert stack.engine.state == {}


def test_switching_to_the_hosted_server_and_back(session: boto3.Session) -> None:
    """From an outside API to the hosted server, the Prefect objects are replaced: each deleted one still holds
    the old API's URL and key, which its delete uses. Back again, the server, database and load balancer go."""
    deleted: list[StateEntry] = []
    stack = Stack(session, on_delete=deleted.append)
    outside = {"prefect_server": None, "prefect_api_url": CLOUD_URL, "prefect_api_key": "pnu_old"}
    stack.up(**outside)
    before = {entry.urn for typ in PREFECT_OBJECTS for entry in stack.entries(typ)}
    assert before
    assert session.client("rds").describe_db_instances()["DBInstances"] == []

    steps = stack.up()

    assert {urn for urn in steps.replaces if _kind(urn)[0] in PREFECT_OBJECTS} == before
    old_objects = [entry for entry in deleted if entry.type in PREFECT_OBJECTS]
    assert {entry.urn for entry in old_objects} == before
    # A dynamic provider's Delete gets the old outputs: the connection it opens is the old API's, with its key.
    for entry in old_objects:
        for state in (entry.inputs, entry.outputs):
            assert unsecret(state["api_url"]) == CLOUD_URL
            assert unsecret(state["api_key"]) == "pnu_old"
    hosted_url = stack.outputs["prefect_api_url"]
    for typ in PREFECT_OBJECTS:
        assert {unsecret(entry.inputs["api_url"]) for entry in stack.entries(typ)} == {hosted_url}
    # The worker's new revision points at the server's load balancer; its service was updated to it in moto, and
    # the rollout check after the update followed that deployment.
    assert (SERVICE, "data-worker") in {_kind(urn) for urn in steps.updates}
    [balancer] = session.client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert worker_api_url(session, stack) == f"http://{balancer['DNSName']}/api"
    assert len(session.client("rds").describe_db_instances()["DBInstances"]) == 1

    steps = stack.up(**outside)

    gone = {_kind(urn) for urn in steps.deletes}
    assert {(SERVICE, "data-server"), (DATABASE, "data-database")} <= gone
    assert ("aws:lb/loadBalancer:LoadBalancer", "data-server") in gone
    assert session.client("rds").describe_db_instances()["DBInstances"] == []
    assert session.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert _active_services(session) == ["data-worker"]
    assert worker_api_url(session, stack) == CLOUD_URL
