"""The drain hook as the engine runs it on a real change of configuration, against moto's ECS and EC2.

The component runs twice through tests/support/engine.py's `StackEngine` with mocks that create its resources in moto:
first as deployed, then with the configuration a team switches to. The engine deletes what the second run no
longer registers and runs each deleted resource's stored hooks; `on_delete` looks at moto the moment each
resource goes. moto stops a task at once and never releases its network interface, so `pause` (the drain's
wait) plays ECS: stopped tasks' interfaces are released on the first poll.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ecs.models import ecs_backends

from bootstrap.ci_access.policies import deploy_policy
from prefect_ecs_platform import PrefectEcsPlatform, PrefectEcsPlatformArgs
from prefect_ecs_platform.aws import task_drain
from tests.support.engine import StackEngine, StateEntry
from tests.support.iam.simulator import Authorization, evaluate
from tests.support.moto.aws_calls import AwsCall, recording_aws_calls
from tests.support.moto.component_in_moto import MODE_ARGS, MotoMocks
from tests.support.moto.moto_patches import fargate_containers_without_memory
from tests.support.moto.stack_tasks import outputs, releasing_interfaces, run_tasks, stack_subnet

pytestmark = pytest.mark.moto

REGION = "eu-west-1"
CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
GROUP = "aws:ec2/securityGroup:SecurityGroup"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """An empty moto account; the hooks find it through the environment, as the provider would."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws(), fargate_containers_without_memory():
        yield boto3.Session(region_name=REGION)


@pytest.fixture(autouse=True)
def ecs_releases_interfaces(session: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Play ECS after StopTask: the drain's first poll finds stopped tasks' interfaces released."""
    monkeypatch.setattr(task_drain, "pause", releasing_interfaces(session))


class Watch:
    """What was running, per cluster, the moment each resource was deleted."""

    def __init__(self, session: boto3.Session) -> None:
        self.ecs = session.client("ecs")
        self.running_at: dict[str, dict[str, list[str]]] = {}

    def __call__(self, entry: StateEntry) -> None:
        clusters = self.ecs.list_clusters()["clusterArns"]
        self.running_at[entry.type] = {
            cluster: self.ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING")["taskArns"] for cluster in clusters
        }


def platform(name: str = "data", **overrides: Any) -> None:
    PrefectEcsPlatform(name, PrefectEcsPlatformArgs(work_pool_name=name, **{**MODE_ARGS["push"], **overrides}))


def brought_network(session: boto3.Session) -> dict[str, Any]:
    """A team's own VPC, subnet and security group, made outside the stack."""
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="team", Description="the team's tasks", VpcId=vpc)["GroupId"]
    return {"vpc_id": vpc, "subnet_ids": [subnet], "security_group_ids": [group]}


def test_switching_to_a_brought_cluster_and_groups_stops_the_old_clusters_tasks_first(session: boto3.Session) -> None:
    """The old association's hook stops every task of the created cluster before the association goes."""
    watch = Watch(session)
    engine = StackEngine(functools.partial(MotoMocks, session), on_delete=watch)
    engine.up(platform)
    created = outputs(engine, "aws:ecs/cluster:Cluster")["arn"]
    started = run_tasks(session, created, stack_subnet(engine), outputs(engine, GROUP)["id"], 3)
    shared = session.client("ecs").create_cluster(clusterName="shared")["cluster"]["clusterArn"]

    engine.up(functools.partial(platform, cluster_arn=shared, **brought_network(session)))

    assert watch.running_at[CAPACITY][created] == []
    stopped = session.client("ecs").describe_tasks(cluster=created, tasks=started)["tasks"]
    assert {task["lastStatus"] for task in stopped} == {"STOPPED"}


def test_with_a_brought_cluster_the_old_association_still_drains_its_own_cluster(session: boto3.Session) -> None:
    """Switching only the cluster: the association's hook acts on the association, not as the group's hook."""
    watch = Watch(session)
    engine = StackEngine(functools.partial(MotoMocks, session), on_delete=watch)
    engine.up(platform)
    created = outputs(engine, "aws:ecs/cluster:Cluster")["arn"]
    run_tasks(session, created, stack_subnet(engine), outputs(engine, GROUP)["id"], 2)
    shared = session.client("ecs").create_cluster(clusterName="shared")["cluster"]["clusterArn"]

    engine.up(functools.partial(platform, cluster_arn=shared))

    assert watch.running_at[CAPACITY][created] == []


def test_the_group_stops_only_its_tasks_in_a_cluster_the_stack_no_longer_names(session: boto3.Session) -> None:
    """The group's hook finds its tasks in the brought cluster of the old configuration, and only those."""
    watch = Watch(session)
    engine = StackEngine(functools.partial(MotoMocks, session), on_delete=watch)
    ecs = session.client("ecs")
    first = ecs.create_cluster(clusterName="first")["cluster"]["clusterArn"]
    engine.up(functools.partial(platform, cluster_arn=first))
    group, subnet = outputs(engine, GROUP)["id"], stack_subnet(engine)
    others = session.client("ec2").create_security_group(GroupName="others", Description="x", VpcId=outputs(
        engine, GROUP)["vpcId"])["GroupId"]  # fmt: skip
    ours, theirs = run_tasks(session, first, subnet, group, 2), run_tasks(session, first, subnet, others, 1)
    second = ecs.create_cluster(clusterName="second")["cluster"]["clusterArn"]

    engine.up(functools.partial(platform, cluster_arn=second, **brought_network(session)))

    assert sorted(watch.running_at[GROUP][first]) == theirs
    assert {task["lastStatus"] for task in ecs.describe_tasks(cluster=first, tasks=ours)["tasks"]} == {"STOPPED"}


def test_a_cluster_deleted_outside_pulumi_has_nothing_to_drain(session: boto3.Session) -> None:
    """`pulumi destroy` goes on when the cluster is already gone (ClusterNotFoundException is not a failure)."""
    engine = StackEngine(functools.partial(MotoMocks, session))
    engine.up(platform)
    cluster = outputs(engine, "aws:ecs/cluster:Cluster")
    session.client("ecs").delete_cluster(cluster=cluster["arn"])
    # moto keeps a deleted cluster INACTIVE and still lists its tasks; ECS answers ClusterNotFoundException.
    account = session.client("sts").get_caller_identity()["Account"]
    del ecs_backends[account][REGION].clusters[cluster["name"]]

    engine.destroy(platform)

    assert engine.state == {}


def _authorizations(call: AwsCall) -> list[Authorization]:
    if call.operation in ("StopTask", "DescribeTasks"):
        tasks = call.response["tasks"] if "tasks" in call.response else [call.response["task"]]
        return [
            Authorization(f"ecs:{call.operation}", task["taskArn"], {"ecs:cluster": task["clusterArn"]}, call.operation)
            for task in tasks
        ]
    if call.operation == "ListTasks":
        return [Authorization("ecs:ListTasks", "*", {"ecs:cluster": call.params["cluster"]}, call.operation)]
    if call.operation in ("ListClusters", "DescribeNetworkInterfaces"):
        service = "ecs" if call.operation == "ListClusters" else "ec2"
        return [Authorization(f"{service}:{call.operation}", "*", why=call.operation)]
    raise AssertionError(f"the drain hook made {call.service} {call.operation}, which this test does not map")


def test_the_deploy_role_may_make_every_call_of_the_drain(
    session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every AWS call either branch of the drain makes is allowed to keyless CI's deploy role."""
    ecs = session.client("ecs")
    created_cluster = StackEngine(functools.partial(MotoMocks, session))
    created_cluster.up(platform)
    cluster = outputs(created_cluster, "aws:ecs/cluster:Cluster")["arn"]
    run_tasks(session, cluster, stack_subnet(created_cluster), outputs(created_cluster, GROUP)["id"], 2)
    brought_cluster = StackEngine(functools.partial(MotoMocks, session))
    shared = ecs.create_cluster(clusterName="shared")["cluster"]["clusterArn"]
    brought_cluster.up(functools.partial(platform, "other", cluster_arn=shared))
    run_tasks(session, shared, stack_subnet(brought_cluster), outputs(brought_cluster, GROUP)["id"], 1)

    with recording_aws_calls() as recorded, recorded.window():
        # The mocks' own calls (their clients come from this session) are not the hooks'.
        recorded.own_clients(session, monkeypatch)
        created_cluster.destroy(platform)
        brought_cluster.destroy(functools.partial(platform, "other", cluster_arn=shared))

    # DeleteNetworkInterface is this test playing ECS (`ecs_releases_interfaces`).
    calls = [call for call in recorded.calls if call.operation != "DeleteNetworkInterface"]
    assert {call.operation for call in calls} >= {"ListTasks", "DescribeTasks", "StopTask", "ListClusters"}
    account = session.client("sts").get_caller_identity()["Account"]
    authorizations = [authorization for call in calls for authorization in _authorizations(call)]
    policy = deploy_policy(boundary_arn=f"arn:aws:iam::{account}:policy/boundary", protected_arns=[])
    decisions = evaluate(authorizations, {"deploy": policy}, principal=f"arn:aws:iam::{account}:role/deploy",
                         account_id=account)  # fmt: skip
    denied = [
        (a.why, a.action, a.resource, d) for a, d in zip(authorizations, decisions, strict=True) if d != "Allowed"
    ]
    assert denied == []
