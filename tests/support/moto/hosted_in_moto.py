"""The hosted server's resources made in moto, and deleted there, as the AWS provider makes and deletes them.

`MotoMocks` (tests/support/moto/component_in_moto.py) takes these handlers for the types only a stack that
hosts its server registers: the database subnets and their route table, the security group rules, the RDS
subnet group, parameter group and instance, the load balancer, target group and listener, CloudFront's VPC origin
and distribution (stand-ins: moto has neither), and the rotation
Lambda with its permission. The `random` provider's two resources are answered as pulumi-random answers, with
a value drawn once per resource (the engine then keeps it in the checkpoint).

Names the component leaves to Pulumi get the provider's autoname, the logical name and seven random hex
digits, so a replacement (created before the old one is deleted) does not collide with its predecessor.
"""

from __future__ import annotations

import base64
import io
import secrets
import string
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
from botocore.exceptions import ClientError

Created = tuple[str, dict[str, Any]]

#: pulumi-random's RandomPassword `special` characters (its default `override_special` is unset).
_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"


def autoname(inputs: dict[str, Any], name: str, *, lower: bool = False) -> str:
    """The physical name: the given one, a prefix with a suffix, else Pulumi's autoname (`<name>-<7 hex>`)."""
    if inputs.get("name"):
        return str(inputs["name"])
    if inputs.get("namePrefix"):
        physical = f"{inputs['namePrefix']}{secrets.token_hex(13)}"
    else:
        physical = f"{name}-{secrets.token_hex(4)[:7]}"
    return physical.lower() if lower else physical


def _tags(inputs: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in (inputs.get("tags") or {}).items()]


def _tag_specifications(kind: str, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    tags = _tags(inputs)
    return [{"ResourceType": kind, "Tags": tags}] if tags else []


def _zip(archive: Any) -> bytes:
    """The bytes the provider uploads for a `pulumi.AssetArchive` of files and strings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for member, asset in archive.assets.items():
            if isinstance(asset, pulumi.FileAsset):
                zipped.writestr(member, Path(asset.path).read_bytes())
            elif isinstance(asset, pulumi.StringAsset):
                zipped.writestr(member, asset.text)
            else:
                raise NotImplementedError(f"no zip for the Lambda's {member}: {asset!r}")
    return buffer.getvalue()


def _rule_permission(inputs: dict[str, Any]) -> dict[str, Any]:
    """One `aws.vpc` rule as EC2's IpPermissions: ports only for a protocol that has them."""
    permission: dict[str, Any] = {"IpProtocol": inputs["ipProtocol"]}
    if inputs["ipProtocol"] != "-1":
        permission.update(FromPort=int(inputs["fromPort"]), ToPort=int(inputs["toPort"]))
    description = {"Description": inputs["description"]} if inputs.get("description") else {}
    if inputs.get("referencedSecurityGroupId"):
        permission["UserIdGroupPairs"] = [{"GroupId": inputs["referencedSecurityGroupId"], **description}]
    if inputs.get("cidrIpv4"):
        permission["IpRanges"] = [{"CidrIp": inputs["cidrIpv4"], **description}]
    if inputs.get("cidrIpv6"):
        permission["Ipv6Ranges"] = [{"CidrIpv6": inputs["cidrIpv6"], **description}]
    return permission


def vpc_origin_interface_description(origin_id: str) -> str:
    """How the CloudFront stand-in marks the network interfaces of one VPC origin."""
    return f"CloudFront VPC origin {origin_id}"


def delete_subnet(ec2: Any, subnet_id: str) -> None:
    """EC2's DeleteSubnet as AWS answers it: refused while a network interface is in the subnet (moto deletes it)."""
    held = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])["NetworkInterfaces"]
    if held:
        error = {
            "Code": "DependencyViolation",
            "Message": f"The subnet '{subnet_id}' has dependencies and cannot be deleted.",
        }
        raise ClientError({"Error": error}, "DeleteSubnet")
    ec2.delete_subnet(SubnetId=subnet_id)


class HostedServerInMoto:
    """The handlers; the class using it provides `clients` (including rds, elbv2, lambda), `region` and `account`."""

    clients: dict[str, Any]
    region: str
    account: str

    def hosted_creators(self) -> dict[str, Callable[[str, dict[str, Any]], Created]]:
        return {
            "aws:ec2/subnet:Subnet": self._subnet,
            "aws:ec2/routeTable:RouteTable": self._route_table,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": self._route_table_association,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": self._ingress_rule,
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": self._egress_rule,
            "aws:rds/subnetGroup:SubnetGroup": self._subnet_group,
            "aws:rds/parameterGroup:ParameterGroup": self._parameter_group,
            "aws:rds/instance:Instance": self._database,
            "aws:lb/loadBalancer:LoadBalancer": self._load_balancer,
            "aws:lb/targetGroup:TargetGroup": self._target_group,
            "aws:lb/listener:Listener": self._listener,
            "aws:lambda/function:Function": self._function,
            "aws:lambda/permission:Permission": self._permission,
            "aws:cloudfront/vpcOrigin:VpcOrigin": self._vpc_origin,
            "aws:cloudfront/distribution:Distribution": self._distribution,
            "random:index/randomPassword:RandomPassword": self._random_password,
            "random:index/randomId:RandomId": self._random_id,
        }

    def availability_zones(self, args: dict[str, Any]) -> dict[str, Any]:
        """`aws.get_availability_zones`: the region's zones in EC2's order, filtered by `state` when given."""
        filters = [{"Name": "state", "Values": [args["state"]]}] if args.get("state") else []
        zones = self.clients["ec2"].describe_availability_zones(Filters=filters)["AvailabilityZones"]
        return {
            "id": self.region,
            "names": [zone["ZoneName"] for zone in zones],
            "zoneIds": [zone["ZoneId"] for zone in zones],
            "groupNames": [zone.get("GroupName", self.region) for zone in zones],
        }

    def vpc_origin_security_group(self, args: dict[str, Any]) -> dict[str, Any]:
        """`aws.ec2.get_security_group` with the filters given, as EC2 answers it: exactly one group, or an error."""
        filters = [{"Name": f["name"], "Values": f["values"]} for f in args.get("filters", [])]
        [group] = self.clients["ec2"].describe_security_groups(Filters=filters)["SecurityGroups"]
        return {"id": group["GroupId"], "name": group["GroupName"], "vpcId": group["VpcId"], "arn": "", "tags": {}}

    # Network

    def _subnet(self, name: str, inputs: dict[str, Any]) -> Created:
        ec2 = self.clients["ec2"]
        subnet = ec2.create_subnet(
            VpcId=inputs["vpcId"],
            CidrBlock=inputs["cidrBlock"],
            AvailabilityZone=inputs["availabilityZone"],
            TagSpecifications=_tag_specifications("subnet", inputs),
        )["Subnet"]
        if inputs.get("mapPublicIpOnLaunch"):
            ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
        return subnet["SubnetId"], {
            "arn": subnet["SubnetArn"],
            "availabilityZoneId": subnet["AvailabilityZoneId"],
            "ownerId": subnet["OwnerId"],
        }

    def _route_table(self, name: str, inputs: dict[str, Any]) -> Created:
        # `routes=[]`: the table keeps only the VPC's local route, which EC2 adds itself.
        if inputs.get("routes"):
            raise NotImplementedError("these mocks make route tables without routes only")
        table = self.clients["ec2"].create_route_table(
            VpcId=inputs["vpcId"], TagSpecifications=_tag_specifications("route-table", inputs)
        )["RouteTable"]
        table_id = table["RouteTableId"]
        return table_id, {
            "arn": f"arn:aws:ec2:{self.region}:{self.account}:route-table/{table_id}",
            "ownerId": table["OwnerId"],
        }

    def _route_table_association(self, name: str, inputs: dict[str, Any]) -> Created:
        association = self.clients["ec2"].associate_route_table(
            RouteTableId=inputs["routeTableId"], SubnetId=inputs["subnetId"]
        )
        return association["AssociationId"], {}

    def _ingress_rule(self, name: str, inputs: dict[str, Any]) -> Created:
        return self._rule("ingress", inputs)

    def _egress_rule(self, name: str, inputs: dict[str, Any]) -> Created:
        return self._rule("egress", inputs)

    def _rule(self, direction: str, inputs: dict[str, Any]) -> Created:
        authorize = getattr(self.clients["ec2"], f"authorize_security_group_{direction}")
        [rule] = authorize(
            GroupId=inputs["securityGroupId"],
            IpPermissions=[_rule_permission(inputs)],
            TagSpecifications=_tag_specifications("security-group-rule", inputs),
        )["SecurityGroupRules"]
        rule_id = rule["SecurityGroupRuleId"]
        return rule_id, {
            "arn": f"arn:aws:ec2:{self.region}:{self.account}:security-group-rule/{rule_id}",
            "securityGroupRuleId": rule_id,
        }

    # Database

    def _subnet_group(self, name: str, inputs: dict[str, Any]) -> Created:
        group = self.clients["rds"].create_db_subnet_group(
            DBSubnetGroupName=autoname(inputs, name, lower=True),
            DBSubnetGroupDescription=inputs.get("description") or "Managed by Pulumi",
            SubnetIds=inputs["subnetIds"],
            Tags=_tags(inputs),
        )["DBSubnetGroup"]
        group_name = group["DBSubnetGroupName"]
        return group_name, {"name": group_name, "arn": group["DBSubnetGroupArn"], "vpcId": group["VpcId"]}

    def _parameter_group(self, name: str, inputs: dict[str, Any]) -> Created:
        rds = self.clients["rds"]
        group = rds.create_db_parameter_group(
            DBParameterGroupName=autoname(inputs, name, lower=True),
            DBParameterGroupFamily=inputs["family"],
            Description=inputs.get("description") or "Managed by Pulumi",
            Tags=_tags(inputs),
        )["DBParameterGroup"]
        group_name = group["DBParameterGroupName"]
        parameters = [
            {
                "ParameterName": parameter["name"],
                "ParameterValue": parameter["value"],
                "ApplyMethod": parameter.get("applyMethod", "immediate"),
            }
            for parameter in inputs.get("parameters", [])
        ]
        if parameters:
            rds.modify_db_parameter_group(DBParameterGroupName=group_name, Parameters=parameters)
        return group_name, {"name": group_name, "arn": group["DBParameterGroupArn"]}

    def _database(self, name: str, inputs: dict[str, Any]) -> Created:
        identifier = str(inputs.get("identifier") or autoname({}, name, lower=True))
        request: dict[str, Any] = {
            "DBInstanceIdentifier": identifier,
            "DBInstanceClass": inputs["instanceClass"],
            "Engine": inputs["engine"],
            "EngineVersion": inputs.get("engineVersion"),
            "AllocatedStorage": int(inputs["allocatedStorage"]),
            "MaxAllocatedStorage": int(inputs["maxAllocatedStorage"]) if "maxAllocatedStorage" in inputs else None,
            "StorageType": inputs.get("storageType"),
            "StorageEncrypted": inputs.get("storageEncrypted"),
            "DBName": inputs.get("dbName"),
            "MasterUsername": inputs.get("username"),
            "ManageMasterUserPassword": inputs.get("manageMasterUserPassword"),
            "Port": int(inputs["port"]) if "port" in inputs else None,
            "DBParameterGroupName": inputs.get("parameterGroupName"),
            "DBSubnetGroupName": inputs.get("dbSubnetGroupName"),
            "VpcSecurityGroupIds": inputs.get("vpcSecurityGroupIds"),
            "PubliclyAccessible": inputs.get("publiclyAccessible"),
            "MultiAZ": inputs.get("multiAz"),
            "BackupRetentionPeriod": int(inputs["backupRetentionPeriod"])
            if "backupRetentionPeriod" in inputs
            else None,
            "CopyTagsToSnapshot": inputs.get("copyTagsToSnapshot"),
            "DeletionProtection": inputs.get("deletionProtection"),
            "AutoMinorVersionUpgrade": inputs.get("autoMinorVersionUpgrade"),
            "Tags": _tags(inputs),
        }
        instance = self.clients["rds"].create_db_instance(
            **{key: value for key, value in request.items() if value is not None}
        )["DBInstance"]
        endpoint = instance["Endpoint"]
        managed = instance.get("MasterUserSecret")
        # The provider's id for an instance is its resource id (terraform-provider-aws v5 on), not the identifier.
        return instance["DbiResourceId"], {
            "identifier": instance["DBInstanceIdentifier"],
            "arn": instance["DBInstanceArn"],
            "resourceId": instance["DbiResourceId"],
            "address": endpoint["Address"],
            "endpoint": f"{endpoint['Address']}:{endpoint['Port']}",
            "port": endpoint["Port"],
            "kmsKeyId": instance.get("KmsKeyId", ""),
            "status": instance["DBInstanceStatus"],
            "masterUserSecrets": [
                {
                    "secretArn": managed["SecretArn"],
                    "secretStatus": managed["SecretStatus"],
                    "kmsKeyId": managed.get("KmsKeyId", ""),
                }
            ]
            if managed
            else [],
        }

    # Load balancer

    def _load_balancer(self, name: str, inputs: dict[str, Any]) -> Created:
        elb = self.clients["elbv2"]
        [balancer] = elb.create_load_balancer(
            Name=autoname(inputs, name),
            Subnets=inputs["subnets"],
            SecurityGroups=inputs.get("securityGroups", []),
            Scheme="internal" if inputs.get("internal") else "internet-facing",
            Type=inputs.get("loadBalancerType", "application"),
            Tags=_tags(inputs),
        )["LoadBalancers"]
        arn = balancer["LoadBalancerArn"]
        if "dropInvalidHeaderFields" in inputs:
            value = str(bool(inputs["dropInvalidHeaderFields"])).lower()
            attribute = {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": value}
            elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[attribute])
        return arn, {
            "arn": arn,
            "arnSuffix": arn.split(":loadbalancer/", 1)[1],
            "name": balancer["LoadBalancerName"],
            "dnsName": balancer["DNSName"],
            "zoneId": balancer["CanonicalHostedZoneId"],
            "vpcId": balancer["VpcId"],
        }

    # CloudFront: moto has no VPC origins, and its distributions take no VPC origin, so both are stand-ins that
    # do in EC2 what CloudFront does there: the first VPC origin in a VPC makes CloudFront's group in it, and a
    # VPC origin reaches its load balancer through network interfaces of its own in the load balancer's subnets,
    # which hold those subnets until the VPC origin is deleted.

    def _vpc_origin(self, name: str, inputs: dict[str, Any]) -> Created:
        ec2, elb = self.clients["ec2"], self.clients["elbv2"]
        arn = inputs["vpcOriginEndpointConfig"]["arn"]
        [balancer] = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
        group_id = ec2.create_security_group(
            GroupName="CloudFront-VPCOrigins-Service-SG",
            Description="CloudFront VPC origins service security group",
            VpcId=balancer["VpcId"],
        )["GroupId"]
        origin_id = "vo_" + secrets.token_hex(11)
        for zone in balancer["AvailabilityZones"]:
            ec2.create_network_interface(
                SubnetId=zone["SubnetId"], Groups=[group_id], Description=vpc_origin_interface_description(origin_id)
            )
        return origin_id, {"arn": f"arn:aws:cloudfront::{self.account}:vpcorigin/{origin_id}"}

    def _distribution(self, name: str, inputs: dict[str, Any]) -> Created:
        distribution_id = "E" + secrets.token_hex(6).upper()
        return distribution_id, {
            "arn": f"arn:aws:cloudfront::{self.account}:distribution/{distribution_id}",
            "domainName": f"d{secrets.token_hex(6)}.cloudfront.net",
            "status": "Deployed",
        }

    def _delete_vpc_origin(self, origin_id: str, outputs: dict[str, Any]) -> None:
        ec2, elb = self.clients["ec2"], self.clients["elbv2"]
        description = [{"Name": "description", "Values": [vpc_origin_interface_description(origin_id)]}]
        for interface in ec2.describe_network_interfaces(Filters=description)["NetworkInterfaces"]:
            ec2.delete_network_interface(NetworkInterfaceId=interface["NetworkInterfaceId"])
        arn = outputs["vpcOriginEndpointConfig"]["arn"]
        [balancer] = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
        filters = [
            {"Name": "group-name", "Values": ["CloudFront-VPCOrigins-Service-SG"]},
            {"Name": "vpc-id", "Values": [balancer["VpcId"]]},
        ]
        for group in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]:
            ec2.delete_security_group(GroupId=group["GroupId"])

    def _target_group(self, name: str, inputs: dict[str, Any]) -> Created:
        elb = self.clients["elbv2"]
        check = inputs.get("healthCheck") or {}
        request: dict[str, Any] = {
            "Name": autoname(inputs, name),
            "Protocol": inputs["protocol"],
            "Port": int(inputs["port"]),
            "VpcId": inputs["vpcId"],
            "TargetType": inputs.get("targetType", "instance"),
            "HealthCheckPath": check.get("path"),
            "HealthCheckPort": check.get("port"),
            "HealthCheckIntervalSeconds": int(check["interval"]) if "interval" in check else None,
            "HealthCheckTimeoutSeconds": int(check["timeout"]) if "timeout" in check else None,
            "Matcher": {"HttpCode": check["matcher"]} if "matcher" in check else None,
            "Tags": _tags(inputs) or None,
        }
        [group] = elb.create_target_group(**{key: value for key, value in request.items() if value is not None})[
            "TargetGroups"
        ]
        arn = group["TargetGroupArn"]
        if "deregistrationDelay" in inputs:
            elb.modify_target_group_attributes(
                TargetGroupArn=arn,
                Attributes=[
                    {"Key": "deregistration_delay.timeout_seconds", "Value": str(int(inputs["deregistrationDelay"]))}
                ],
            )
        return arn, {"arn": arn, "arnSuffix": arn.split(":", 5)[5], "name": group["TargetGroupName"]}

    def _listener(self, name: str, inputs: dict[str, Any]) -> Created:
        actions = [
            {"Type": action["type"], "TargetGroupArn": action["targetGroupArn"]} for action in inputs["defaultActions"]
        ]
        [listener] = self.clients["elbv2"].create_listener(
            LoadBalancerArn=inputs["loadBalancerArn"],
            Port=int(inputs["port"]),
            Protocol=inputs["protocol"],
            DefaultActions=actions,
            Tags=_tags(inputs) or [],
        )["Listeners"]
        return listener["ListenerArn"], {"arn": listener["ListenerArn"]}

    # Rotation

    def _function(self, name: str, inputs: dict[str, Any]) -> Created:
        environment = (inputs.get("environment") or {}).get("variables") or {}
        logging = inputs.get("loggingConfig") or {}
        request: dict[str, Any] = {
            "FunctionName": autoname(inputs, name),
            "Runtime": inputs.get("runtime"),
            "Role": inputs["role"],
            "Handler": inputs.get("handler"),
            "Code": {"ZipFile": _zip(inputs["code"])},
            "Description": inputs.get("description", ""),
            "Timeout": int(inputs["timeout"]) if "timeout" in inputs else None,
            "Environment": {"Variables": environment} if environment else None,
            "LoggingConfig": {"LogFormat": logging["logFormat"], "LogGroup": logging["logGroup"]} if logging else None,
            "Tags": inputs.get("tags") or None,
        }
        function = self.clients["lambda"].create_function(
            **{key: value for key, value in request.items() if value is not None}
        )
        arn = function["FunctionArn"]
        return function["FunctionName"], {
            "arn": arn,
            "name": function["FunctionName"],
            "qualifiedArn": f"{arn}:{function['Version']}",
            "invokeArn": f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
            "version": function["Version"],
            "sourceCodeHash": function["CodeSha256"],
        }

    def _permission(self, name: str, inputs: dict[str, Any]) -> Created:
        # The provider's statement id when none is given: "terraform-" and a unique suffix.
        statement_id = inputs.get("statementId") or f"terraform-{secrets.token_hex(13)}"
        request = {
            "FunctionName": inputs["function"],
            "StatementId": statement_id,
            "Action": inputs["action"],
            "Principal": inputs["principal"],
            "SourceArn": inputs.get("sourceArn"),
        }
        self.clients["lambda"].add_permission(**{key: value for key, value in request.items() if value is not None})
        return statement_id, {"statementId": statement_id}

    # pulumi-random

    def _random_password(self, name: str, inputs: dict[str, Any]) -> Created:
        alphabet = ""
        for switch, characters in (
            ("upper", string.ascii_uppercase),
            ("lower", string.ascii_lowercase),
            ("numeric", string.digits),
            ("special", inputs.get("overrideSpecial") or _SPECIAL),
        ):
            if inputs.get(switch, True):
                alphabet += characters
        result = "".join(secrets.choice(alphabet) for _ in range(int(inputs["length"])))
        # pulumi-random's id for a password is the literal "none"; the SDK marks `result` secret itself.
        return "none", {"result": result}

    def _random_id(self, name: str, inputs: dict[str, Any]) -> Created:
        raw = secrets.token_bytes(int(inputs["byteLength"]))
        prefix = inputs.get("prefix", "")
        b64_url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return b64_url, {
            "b64Url": prefix + b64_url,
            "b64Std": prefix + base64.standard_b64encode(raw).decode(),
            "hex": prefix + raw.hex(),
            "dec": prefix + str(int.from_bytes(raw, "big")),
        }

    # Deletes

    def delete_hosted(self, typ: str, resource_id: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> bool:
        """The provider's Delete for a hosted server's type; False for a type it does not handle here."""
        ec2, rds, elb, functions = (self.clients[name] for name in ("ec2", "rds", "elbv2", "lambda"))
        deleters: dict[str, Callable[[], Any]] = {
            "aws:ec2/subnet:Subnet": lambda: delete_subnet(ec2, resource_id),
            "aws:ec2/routeTable:RouteTable": lambda: ec2.delete_route_table(RouteTableId=resource_id),
            "aws:ec2/routeTableAssociation:RouteTableAssociation": lambda: ec2.disassociate_route_table(
                AssociationId=resource_id
            ),
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda: ec2.revoke_security_group_ingress(
                GroupId=inputs["securityGroupId"], SecurityGroupRuleIds=[resource_id]
            ),
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": lambda: ec2.revoke_security_group_egress(
                GroupId=inputs["securityGroupId"], SecurityGroupRuleIds=[resource_id]
            ),
            "aws:rds/subnetGroup:SubnetGroup": lambda: rds.delete_db_subnet_group(DBSubnetGroupName=resource_id),
            "aws:rds/parameterGroup:ParameterGroup": lambda: rds.delete_db_parameter_group(
                DBParameterGroupName=resource_id
            ),
            "aws:rds/instance:Instance": lambda: self._delete_database(inputs, outputs),
            "aws:lb/loadBalancer:LoadBalancer": lambda: elb.delete_load_balancer(LoadBalancerArn=resource_id),
            "aws:lb/targetGroup:TargetGroup": lambda: elb.delete_target_group(TargetGroupArn=resource_id),
            "aws:lb/listener:Listener": lambda: elb.delete_listener(ListenerArn=resource_id),
            "aws:lambda/function:Function": lambda: functions.delete_function(FunctionName=resource_id),
            "aws:lambda/permission:Permission": lambda: functions.remove_permission(
                FunctionName=inputs["function"], StatementId=resource_id
            ),
            "aws:cloudfront/vpcOrigin:VpcOrigin": lambda: self._delete_vpc_origin(resource_id, outputs),
            "aws:cloudfront/distribution:Distribution": lambda: None,
            # Nothing outside the state.
            "random:index/randomPassword:RandomPassword": lambda: None,
            "random:index/randomId:RandomId": lambda: None,
        }
        delete = deleters.get(typ)
        if delete is None:
            return False
        delete()
        return True

    # Updates

    def update_database(self, outputs: dict[str, Any], inputs: dict[str, Any]) -> None:
        """The provider's Update of an instance: ModifyDBInstance with what may change in place. The final
        snapshot settings are the provider's own, used only by its Delete, and reach no API."""
        request: dict[str, Any] = {
            "DBInstanceIdentifier": outputs["identifier"],
            "DBInstanceClass": inputs["instanceClass"],
            "AllocatedStorage": int(inputs["allocatedStorage"]),
            "MaxAllocatedStorage": int(inputs["maxAllocatedStorage"]) if "maxAllocatedStorage" in inputs else None,
            "MultiAZ": inputs.get("multiAz"),
            "BackupRetentionPeriod": int(inputs["backupRetentionPeriod"])
            if "backupRetentionPeriod" in inputs
            else None,
            "DeletionProtection": inputs.get("deletionProtection"),
            # `apply_immediately` defaults to false: RDS applies some changes in the maintenance window (moto
            # applies every change at once).
            "ApplyImmediately": bool(inputs.get("applyImmediately", False)),
        }
        self.clients["rds"].modify_db_instance(**{key: value for key, value in request.items() if value is not None})

    def _delete_database(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        # The provider's Delete: the final snapshot as the resource's settings say, automated backups deleted
        # (`delete_automated_backups` defaults to true). RDS itself refuses a deletion-protected instance.
        skip = bool(inputs.get("skipFinalSnapshot", False))
        request: dict[str, Any] = {
            "DBInstanceIdentifier": outputs["identifier"],
            "SkipFinalSnapshot": skip,
            "DeleteAutomatedBackups": bool(inputs.get("deleteAutomatedBackups", True)),
        }
        if not skip:
            request["FinalDBSnapshotIdentifier"] = inputs["finalSnapshotIdentifier"]
        self.clients["rds"].delete_db_instance(**request)
