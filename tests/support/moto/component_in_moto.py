"""The component deployed into moto: Pulumi mocks that create each resource the component registers, in moto.

`MotoMocks` answers every AWS registration by making the resource in moto from the inputs the component
registered (trust and permission policies, the cluster's settings and capacity providers, the log group's
retention, the queues, queue policy, event rule and target, task definitions, the service, and a hosted
server's resources, tests/support/moto/hosted_in_moto.py) and answers with moto's ids and ARNs, as the AWS
provider would. Everything downstream (the pool's base job template,
the push user's access key, the worker's environment) is then the component's own wiring of moto's values.

Two things the mocks stand in for, because no mock can run them: awsx's VPC (made here from the subnet
plan the component hands awsx: its CIDR blocks, zones and DNS settings) and the image build (a manifest is
pushed to the component's repository, and ECR's digest is what the component pins).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import boto3
import pulumi

from prefect_ecs_platform import PrefectEcsPlatformArgs
from prefect_ecs_platform.render.plan_mocks import AVAILABILITY_ZONES, SECURITY_GROUP
from tests.support.deployed_platform import deploy_platform
from tests.support.moto.hosted_in_moto import HostedServerInMoto, autoname
from tests.support.pulumi_mocks import Recorded, RecordingMocks, mocked_pulumi, unsecret

Mode = Literal["push", "worker"]

Created = tuple[str, dict[str, Any]]
"""The id the AWS provider gives a resource, and its outputs beyond its inputs."""


def _tags(inputs: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in (inputs.get("tags") or {}).items()]


def _ecs_tags(inputs: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in (inputs.get("tags") or {}).items()]


class MotoMocks(RecordingMocks, HostedServerInMoto):
    """Mocks that create every AWS resource the component registers in moto, through `session`."""

    def __init__(self, session: boto3.Session) -> None:
        super().__init__(region=str(session.region_name))
        # Clients are made once: the SDK registers resources from several threads, and a boto3 session
        # is not safe to make clients from concurrently (the clients themselves are).
        self.clients = {
            service: session.client(service)
            for service in (
                *("ec2", "ecs", "ecr", "iam", "logs", "secretsmanager", "sqs", "events", "sts"),
                *("rds", "elbv2", "lambda"),
            )
        }
        self.account = self.clients["sts"].get_caller_identity()["Account"]
        self._lock = threading.Lock()
        self._creators: dict[str, Callable[[str, dict[str, Any]], Created]] = {
            "awsx:ec2:Vpc": self._vpc,
            "aws:ec2/securityGroup:SecurityGroup": self._security_group,
            "aws:ecs/cluster:Cluster": self._cluster,
            "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": self._capacity_providers,
            "awsx:ecr:Repository": self._repository,
            "awsx:ecr:Image": self._image,
            "aws:cloudwatch/logGroup:LogGroup": self._log_group,
            "aws:secretsmanager/secret:Secret": self._secret,
            "aws:secretsmanager/secretVersion:SecretVersion": self._secret_version,
            "aws:iam/role:Role": self._role,
            "aws:iam/rolePolicy:RolePolicy": self._role_policy,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": self._role_policy_attachment,
            "aws:iam/user:User": self._user,
            "aws:iam/policy:Policy": self._policy,
            "aws:iam/userPolicyAttachment:UserPolicyAttachment": self._user_policy_attachment,
            "aws:iam/accessKey:AccessKey": self._access_key,
            "aws:sqs/queue:Queue": self._queue,
            "aws:sqs/queuePolicy:QueuePolicy": self._queue_policy,
            "aws:cloudwatch/eventRule:EventRule": self._event_rule,
            "aws:cloudwatch/eventTarget:EventTarget": self._event_target,
            "aws:ecs/taskDefinition:TaskDefinition": self._task_definition,
            "aws:ecs/service:Service": self._service,
            **self.hosted_creators(),
        }

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        create = self._creators.get(args.typ)
        if create is None:
            if args.typ.startswith("aws"):
                raise NotImplementedError(f"the component registered {args.typ}, which these mocks do not create")
            return super().new_resource(args)
        inputs = dict(args.inputs)
        with self._lock:
            resource_id, extra = create(args.name, unsecret(inputs))
        outputs = {**({} if args.typ.startswith("awsx:") else inputs), **extra}
        self.resources.append(Recorded(args.typ, args.name, inputs, resource_id, outputs))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            identity = self.clients["sts"].get_caller_identity()
            return {"accountId": identity["Account"], "arn": identity["Arn"], "userId": identity["UserId"]}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if args.token == AVAILABILITY_ZONES:
            return self.availability_zones(dict(args.args))
        if args.token == SECURITY_GROUP:
            return self.vpc_origin_security_group(dict(args.args))
        raise NotImplementedError(f"no mock for call {args.token}")

    # Network and cluster

    def _vpc(self, name: str, inputs: dict[str, Any]) -> Created:
        ec2 = self.clients["ec2"]
        vpc_id = ec2.create_vpc(CidrBlock=inputs["cidrBlock"])["Vpc"]["VpcId"]
        # awsvpc tasks need DNS hostnames; moto's RunTask fails without them (FACTS.md).
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": inputs["enableDnsSupport"]})
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": inputs["enableDnsHostnames"]})
        zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]]
        zones = zones[: int(inputs["numberOfAvailabilityZones"])]
        subnets: dict[str, list[str]] = {"Public": [], "Private": []}
        for spec in inputs["subnetSpecs"]:
            for cidr, zone in zip(spec["cidrBlocks"], zones, strict=True):
                subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]
                subnets[spec["type"]].append(subnet["SubnetId"])
        return vpc_id, {
            "vpcId": vpc_id,
            "publicSubnetIds": subnets["Public"],
            "privateSubnetIds": subnets["Private"],
        }

    def _security_group(self, name: str, inputs: dict[str, Any]) -> Created:
        ec2 = self.clients["ec2"]
        group_id = ec2.create_security_group(
            GroupName=inputs.get("name", name), Description=inputs["description"], VpcId=inputs["vpcId"]
        )["GroupId"]
        # The provider revokes the allow-all egress EC2 gives a new VPC group, so the inline and `aws.vpc` rules
        # are the group's only ones (terraform-provider-aws, `resourceSecurityGroupCreate`).
        ec2.revoke_security_group_egress(
            GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        for rule in inputs.get("ingress", []):
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[_permission(rule)])
        for rule in inputs.get("egress", []):
            ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[_permission(rule)])
        return group_id, {"arn": f"arn:aws:ec2:{self.region}:{self.account}:security-group/{group_id}"}

    def _cluster(self, name: str, inputs: dict[str, Any]) -> Created:
        cluster = self.clients["ecs"].create_cluster(
            clusterName=inputs.get("name", name), settings=inputs.get("settings", []), tags=_ecs_tags(inputs)
        )["cluster"]
        return cluster["clusterArn"], {"name": cluster["clusterName"], "arn": cluster["clusterArn"]}

    def _capacity_providers(self, name: str, inputs: dict[str, Any]) -> Created:
        self.clients["ecs"].put_cluster_capacity_providers(
            cluster=inputs["clusterName"],
            capacityProviders=inputs["capacityProviders"],
            defaultCapacityProviderStrategy=_strategies(inputs["defaultCapacityProviderStrategies"]),
        )
        return inputs["clusterName"], {}

    # Image and logs

    def _repository(self, name: str, inputs: dict[str, Any]) -> Created:
        repository = self.clients["ecr"].create_repository(
            repositoryName=name,
            imageScanningConfiguration=inputs["imageScanningConfiguration"],
            tags=_tags(inputs),
        )["repository"]
        return repository["repositoryName"], {"url": repository["repositoryUri"]}

    def _image(self, name: str, inputs: dict[str, Any]) -> Created:
        # The manifest `docker push` would send for a build of this context and platform.
        build = json.dumps({"context": inputs["context"], "platform": inputs["platform"]}, sort_keys=True)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(build),
                "digest": "sha256:" + hashlib.sha256(build.encode()).hexdigest(),
            },
            "layers": [],
        }
        url = inputs["repositoryUrl"]
        image = self.clients["ecr"].put_image(
            repositoryName=url.split("/", 1)[1], imageManifest=json.dumps(manifest), imageTag="latest"
        )["image"]
        return f"{name}-image", {"imageUri": f"{url}@{image['imageId']['imageDigest']}"}

    def _log_group(self, name: str, inputs: dict[str, Any]) -> Created:
        # The provider appends a unique suffix to a name prefix; any suffix serves.
        group_name = inputs.get("name") or f"{inputs['namePrefix']}moto"
        logs = self.clients["logs"]
        logs.create_log_group(logGroupName=group_name, tags=inputs.get("tags") or {})
        logs.put_retention_policy(logGroupName=group_name, retentionInDays=int(inputs["retentionInDays"]))
        [group] = logs.describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
        return group_name, {"name": group_name, "arn": group["arn"].removesuffix(":*")}

    # Secrets

    def _secret(self, name: str, inputs: dict[str, Any]) -> Created:
        # Autonamed as the provider names it: a stack that swaps one credential for another and back makes a new
        # secret each time, and Secrets Manager keeps a deleted one's name through its recovery window.
        arn = self.clients["secretsmanager"].create_secret(
            Name=autoname(inputs, name), Description=inputs.get("description", ""), Tags=_tags(inputs)
        )["ARN"]
        return arn, {"arn": arn}

    def _secret_version(self, name: str, inputs: dict[str, Any]) -> Created:
        version = self.clients["secretsmanager"].put_secret_value(
            SecretId=inputs["secretId"], SecretString=inputs["secretString"]
        )
        return f"{inputs['secretId']}|{version['VersionId']}", {"versionId": version["VersionId"]}

    # IAM

    def _role(self, name: str, inputs: dict[str, Any]) -> Created:
        role = self.clients["iam"].create_role(
            RoleName=inputs.get("name", name),
            Path=inputs.get("path", "/"),
            AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
            Description=inputs.get("description", ""),
            Tags=_tags(inputs),
        )["Role"]
        return role["RoleName"], {"name": role["RoleName"], "arn": role["Arn"]}

    def _role_policy(self, name: str, inputs: dict[str, Any]) -> Created:
        policy_name = inputs.get("name", name)
        self.clients["iam"].put_role_policy(
            RoleName=inputs["role"], PolicyName=policy_name, PolicyDocument=inputs["policy"]
        )
        return f"{inputs['role']}:{policy_name}", {"name": policy_name}

    def delete_resource(self, entry: Any) -> None:
        """The AWS provider's Delete, for the types whose deletion a test observes (tests/support/engine.py)."""
        inputs = unsecret(entry.inputs)
        if entry.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            self.clients["iam"].detach_role_policy(RoleName=inputs["role"], PolicyArn=inputs["policyArn"])
        elif entry.type == "aws:ecs/service:Service":
            self._delete_service(entry.id, inputs)
        elif entry.type == "aws:ecs/taskDefinition:TaskDefinition":
            # A replaced revision is deregistered (the provider's Delete, without `skip_destroy`).
            self.clients["ecs"].deregister_task_definition(taskDefinition=unsecret(entry.outputs)["arn"])
        else:
            self.delete_hosted(entry.type, entry.id, inputs, unsecret(entry.outputs))

    def update_resource(self, old: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        """The AWS provider's in-place Update, for the types a test changes so (tests/support/engine.py); the
        outputs it changes. A service's update starts a deployment only with `service_updates_start_deployments`
        (tests/support/moto/moto_patches.py): moto's own keeps the old task definition's."""
        with self._lock:
            if old.type == "aws:ecs/service:Service":
                # The provider sends the task definition, count and, when set, a forced new deployment.
                self.clients["ecs"].update_service(
                    cluster=inputs["cluster"],
                    service=old.id,
                    taskDefinition=inputs["taskDefinition"],
                    desiredCount=int(inputs["desiredCount"]),
                    forceNewDeployment=bool(inputs.get("forceNewDeployment")),
                )
            elif old.type == "aws:rds/instance:Instance":
                self.update_database(unsecret(old.outputs), inputs)
            elif old.type == "aws:iam/rolePolicy:RolePolicy":
                self.clients["iam"].put_role_policy(
                    RoleName=inputs["role"], PolicyName=unsecret(old.outputs)["name"], PolicyDocument=inputs["policy"]
                )
        return {}

    def _delete_service(self, arn: str, inputs: dict[str, Any]) -> None:
        # The provider's Delete: scaled to zero first (ECS refuses to delete a service above 0 unless forced).
        ecs = self.clients["ecs"]
        ecs.update_service(cluster=inputs["cluster"], service=arn, desiredCount=0)
        ecs.delete_service(cluster=inputs["cluster"], service=arn)

    def _role_policy_attachment(self, name: str, inputs: dict[str, Any]) -> Created:
        self.clients["iam"].attach_role_policy(RoleName=inputs["role"], PolicyArn=inputs["policyArn"])
        return f"{inputs['role']}-{name}", {}

    def _user(self, name: str, inputs: dict[str, Any]) -> Created:
        user = self.clients["iam"].create_user(
            UserName=inputs.get("name", name), Path=inputs.get("path", "/"), Tags=_tags(inputs)
        )["User"]
        return user["UserName"], {"name": user["UserName"], "arn": user["Arn"]}

    def _policy(self, name: str, inputs: dict[str, Any]) -> Created:
        policy = self.clients["iam"].create_policy(
            PolicyName=inputs.get("name", name),
            Path=inputs.get("path", "/"),
            PolicyDocument=inputs["policy"],
            Description=inputs.get("description", ""),
            Tags=_tags(inputs),
        )["Policy"]
        return policy["Arn"], {"name": policy["PolicyName"], "arn": policy["Arn"]}

    def _user_policy_attachment(self, name: str, inputs: dict[str, Any]) -> Created:
        self.clients["iam"].attach_user_policy(UserName=inputs["user"], PolicyArn=inputs["policyArn"])
        return f"{inputs['user']}-{name}", {}

    def _access_key(self, name: str, inputs: dict[str, Any]) -> Created:
        key = self.clients["iam"].create_access_key(UserName=inputs["user"])["AccessKey"]
        return key["AccessKeyId"], {"secret": key["SecretAccessKey"]}

    # Worker mode: events and the worker service

    def _queue(self, name: str, inputs: dict[str, Any]) -> Created:
        attributes = {
            "MessageRetentionPeriod": inputs.get("messageRetentionSeconds"),
            "VisibilityTimeout": inputs.get("visibilityTimeoutSeconds"),
            "RedrivePolicy": inputs.get("redrivePolicy"),
            "SqsManagedSseEnabled": inputs.get("sqsManagedSseEnabled"),
        }
        sqs = self.clients["sqs"]
        queue_name = inputs.get("name", name)
        url = sqs.create_queue(
            QueueName=queue_name,
            Attributes={key: _attribute(value) for key, value in attributes.items() if value is not None},
            tags=inputs.get("tags") or {},
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, {"name": queue_name, "arn": arn, "url": url}

    def _queue_policy(self, name: str, inputs: dict[str, Any]) -> Created:
        self.clients["sqs"].set_queue_attributes(QueueUrl=inputs["queueUrl"], Attributes={"Policy": inputs["policy"]})
        return inputs["queueUrl"], {}

    def _event_rule(self, name: str, inputs: dict[str, Any]) -> Created:
        rule_name = inputs.get("name", name)
        arn = self.clients["events"].put_rule(
            Name=rule_name,
            EventPattern=inputs["eventPattern"],
            Description=inputs.get("description", ""),
            Tags=_tags(inputs),
        )["RuleArn"]
        return rule_name, {"name": rule_name, "arn": arn}

    def _event_target(self, name: str, inputs: dict[str, Any]) -> Created:
        target_id = inputs.get("targetId", name)
        self.clients["events"].put_targets(Rule=inputs["rule"], Targets=[{"Id": target_id, "Arn": inputs["arn"]}])
        return f"{inputs['rule']}-{target_id}", {"targetId": target_id}

    def _task_definition(self, name: str, inputs: dict[str, Any]) -> Created:
        request = {
            "family": inputs["family"],
            "containerDefinitions": json.loads(inputs["containerDefinitions"]),
            "cpu": inputs.get("cpu"),
            "memory": inputs.get("memory"),
            "networkMode": inputs.get("networkMode"),
            "requiresCompatibilities": inputs.get("requiresCompatibilities"),
            "executionRoleArn": inputs.get("executionRoleArn"),
            "taskRoleArn": inputs.get("taskRoleArn"),
            "runtimePlatform": inputs.get("runtimePlatform"),
            "tags": _ecs_tags(inputs) or None,
        }
        definition = self.clients["ecs"].register_task_definition(
            **{key: value for key, value in request.items() if value is not None}
        )["taskDefinition"]
        return inputs["family"], {"arn": definition["taskDefinitionArn"], "revision": definition["revision"]}

    def _service(self, name: str, inputs: dict[str, Any]) -> Created:
        network = inputs["networkConfiguration"]
        placement: dict[str, Any] = {
            "capacityProviderStrategy": _strategies(inputs.get("capacityProviderStrategies", []))
        }
        if inputs.get("launchType"):
            placement["launchType"] = inputs["launchType"]
        service = self.clients["ecs"].create_service(
            cluster=inputs["cluster"],
            serviceName=inputs.get("name", name),
            taskDefinition=inputs["taskDefinition"],
            desiredCount=int(inputs["desiredCount"]),
            **placement,
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": network["subnets"],
                    "securityGroups": network["securityGroups"],
                    "assignPublicIp": "ENABLED" if network["assignPublicIp"] else "DISABLED",
                }
            },
            **_service_extras(inputs),
            propagateTags=inputs.get("propagateTags", "NONE"),
            tags=_ecs_tags(inputs),
        )["service"]
        return service["serviceArn"], {"name": service["serviceName"]}


def _service_extras(inputs: dict[str, Any]) -> dict[str, Any]:
    """CreateService's fields for the load balancers, the deployment settings and the managed tags, when given."""
    extras: dict[str, Any] = {}
    if inputs.get("loadBalancers"):
        extras["loadBalancers"] = [
            {
                "targetGroupArn": balancer["targetGroupArn"],
                "containerName": balancer["containerName"],
                "containerPort": int(balancer["containerPort"]),
            }
            for balancer in inputs["loadBalancers"]
        ]
    if "healthCheckGracePeriodSeconds" in inputs:
        extras["healthCheckGracePeriodSeconds"] = int(inputs["healthCheckGracePeriodSeconds"])
    deployment: dict[str, Any] = {}
    if inputs.get("deploymentCircuitBreaker"):
        deployment["deploymentCircuitBreaker"] = inputs["deploymentCircuitBreaker"]
    for key, field in (
        ("deploymentMinimumHealthyPercent", "minimumHealthyPercent"),
        ("deploymentMaximumPercent", "maximumPercent"),
    ):
        if key in inputs:
            deployment[field] = int(inputs[key])
    if deployment:
        extras["deploymentConfiguration"] = deployment
    if "enableEcsManagedTags" in inputs:
        extras["enableECSManagedTags"] = bool(inputs["enableEcsManagedTags"])
    return extras


def _strategies(strategies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Capacity provider strategies as ECS takes them: weight and base are integers, not Pulumi's floats."""
    return [{key: int(value) if key != "capacityProvider" else value for key, value in s.items()} for s in strategies]


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value))
    return str(value)


def _permission(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "IpProtocol": rule["protocol"],
        "FromPort": int(rule["fromPort"]),
        "ToPort": int(rule["toPort"]),
        "IpRanges": [{"CidrIp": cidr} for cidr in rule.get("cidrBlocks", [])],
        "Ipv6Ranges": [{"CidrIpv6": cidr} for cidr in rule.get("ipv6CidrBlocks", [])],
    }


@dataclass(frozen=True, kw_only=True)
class DeployedStack:
    """One stack of the component, deployed into moto: its outputs and every resource it registered."""

    name: str
    mode: Mode
    region: str
    account: str
    outputs: dict[str, Any]
    registered: list[Recorded]

    def resource(self, typ: str, name: str) -> Recorded:
        found = [r for r in self.registered if (r.typ, r.name) == (typ, name)]
        assert len(found) == 1, f"{self.name} registered no single {typ} named {name}"
        return found[0]

    def of_type(self, typ: str) -> list[Recorded]:
        return [r for r in self.registered if r.typ == typ]

    @property
    def cluster_arn(self) -> str:
        return str(self.outputs["cluster_arn"])

    @property
    def vpc_id(self) -> str:
        return str(self.outputs["vpc_id"])

    @property
    def subnet_ids(self) -> list[str]:
        return list(self.outputs["subnet_ids"])

    @property
    def security_group_id(self) -> str:
        (group,) = self.outputs["security_group_ids"]
        return str(group)

    @property
    def execution_role_arn(self) -> str:
        return str(self.outputs["execution_role_arn"])

    @property
    def task_role_arn(self) -> str:
        return str(self.outputs["task_role_arn"])

    @property
    def log_group_name(self) -> str:
        return str(self.outputs["log_group_name"])

    @property
    def image_uri(self) -> str:
        return str(self.outputs["image_uri"])

    @property
    def secret_arn(self) -> str:
        """The Secrets Manager secret holding the stack's Prefect credential (API key or auth string)."""
        return str(self.outputs["prefect_api_key_secret_arn"] or self.outputs["prefect_api_auth_string_secret_arn"])

    @property
    def work_pool(self) -> Recorded:
        """The work pool as the component registered it (name, type, base job template)."""
        (pool,) = self.of_type("pulumi-python:dynamic/prefect:WorkPool")
        return pool

    @property
    def credentials_block(self) -> Recorded | None:
        """Push mode's aws-credentials block, as registered (its id under mocks is a placeholder)."""
        blocks = self.of_type("pulumi-python:dynamic/prefect:BlockDocument")
        return blocks[0] if blocks else None

    @property
    def submitter_policy(self) -> dict[str, Any]:
        """The permission policy of the principal that submits flow runs: the push user's or the worker role's."""
        if self.mode == "push":
            (policy,) = self.of_type("aws:iam/policy:Policy")
        else:
            policy = self.resource("aws:iam/rolePolicy:RolePolicy", f"{self.name}-worker")
        return dict(json.loads(policy.inputs["policy"]))

    @property
    def submitter_arn(self) -> str:
        """The ARN moto gave the push user or the worker role."""
        if self.mode == "push":
            (user,) = self.of_type("aws:iam/user:User")
            return str(user.outputs["arn"])
        return str(self.resource("aws:iam/role:Role", f"{self.name}-worker").outputs["arn"])

    @property
    def worker_container(self) -> dict[str, Any]:
        """Worker mode: the worker's container definition, as registered."""
        definition = self.resource("aws:ecs/taskDefinition:TaskDefinition", f"{self.name}-worker")
        (container,) = json.loads(definition.inputs["containerDefinitions"])
        return dict(container)


#: Arguments per mode beyond the names: push is a Prefect Cloud stack on private subnets, on demand;
#: worker a self-hosted server's stack on public subnets, on Spot, smaller.
MODE_ARGS: dict[Mode, dict[str, Any]] = {
    "push": {
        "mode": "push",
        "prefect_api_url": "https://api.prefect.cloud/api/accounts/"
        "11111111-1111-1111-1111-111111111111/workspaces/22222222-2222-2222-2222-222222222222",
        "prefect_api_key": "pnu_moto-push-stack-key",
        "cpu": 512,
        "memory": 1024,
    },
    "worker": {
        "mode": "worker",
        "prefect_api_url": "http://prefect.internal:4200/api",
        "prefect_api_auth_string": "admin:moto-stack-password",
        "subnet_layout": "public",
        "use_fargate_spot": True,
        "cpu": 256,
        "memory": 512,
    },
}


def deploy_component(session: boto3.Session, name: str, mode: Mode, **overrides: Any) -> DeployedStack:
    """Run the component for a stack named `name` under mocks that create its resources in moto."""
    return run_component(MotoMocks(session), name, mode, **overrides)


def run_component(mocks: MotoMocks, name: str, mode: Mode, **overrides: Any) -> DeployedStack:
    """Run the component for a stack named `name` under `mocks`: `MODE_ARGS[mode]`, then `overrides`."""
    args = PrefectEcsPlatformArgs(work_pool_name=name, **{**MODE_ARGS[mode], **overrides})
    with mocked_pulumi(mocks) as harness:
        outputs = deploy_platform(harness, args, name)
    return DeployedStack(
        name=name, mode=mode, region=mocks.region, account=mocks.account, outputs=outputs, registered=mocks.resources
    )
