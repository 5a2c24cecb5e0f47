"""`PrefectEcsPlatformArgs`: every input of the component, each declared once.

A field's type, default and docstring are its declaration; `in_stack(...)` metadata adds the example and the
modes of the stack key it is read from. The stack file's model, `Pulumi.yaml`'s `config:` block and
`docs/configuration.md` are all derived from here (see `declarations.py`, and its `EXCEPTIONS` for the few
arguments read another way). Docstrings speak of stack keys in camelCase, as the stack file writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from prefect_ecs_platform.inputs.shared_object_args import ConcurrencyLimitArgs, VariableArgs, WorkQueueArgs
from prefect_ecs_platform.inputs.stack_usage import WORKER, in_stack

Mode = Literal["push", "worker"]
SubnetLayout = Literal["private", "public"]

#: The Docker build context used when neither `image_context` nor `image_uri` is given.
DEFAULT_IMAGE_CONTEXT = "flows"

_ACCOUNT = "<account>"
_ECR = f"{_ACCOUNT}.dkr.ecr.<region>.amazonaws.com"


@dataclass(kw_only=True)
class PrefectEcsPlatformArgs:
    """Inputs of `PrefectEcsPlatform`. `work_pool_name` is required, and `prefect_api_url` unless the stack hosts
    its own server (`prefect_server`)."""

    prefect_api_url: str = field(
        default="", metadata=in_stack("https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>")
    )
    """Prefect Cloud workspace API URL (https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>) or a
    self-hosted server URL ending in /api. Required unless prefectServer hosts the server."""

    prefect_server: PrefectServerArgs | None = field(default=None, metadata=in_stack("{enabled: true}", WORKER))
    """A Prefect server this stack hosts on ECS Fargate with RDS for PostgreSQL (docs/hosted-server.md): a map
    of enabled, cpu, memory, databaseInstanceClass, databaseStorageGib, backupRetentionDays, multiAz,
    deletionProtection, finalSnapshot and databaseSubnetIds."""

    prefect_api_key: pulumi.Input[str] | None = field(default=None, metadata=in_stack("pnu_..."))
    """A Prefect API key for the workspace (a secret: `pulumi config set --secret`, or PREFECT_API_KEY in the
    environment). Stored in AWS Secrets Manager; containers get it as an ECS secret. Required for Prefect Cloud;
    a self-hosted server without auth needs none."""

    prefect_api_auth_string: pulumi.Input[str] | None = field(default=None, metadata=in_stack("admin:pass", WORKER))
    """user:password of a self-hosted Prefect server with basic auth (a secret: `pulumi config set --secret`, or
    PREFECT_API_AUTH_STRING in the environment). Stored in Secrets Manager and given to containers as
    PREFECT_API_AUTH_STRING. Not with Prefect Cloud."""

    work_pool_name: str = field(metadata=in_stack("data-pool"))
    """Work pool name; in a stack file empty means "ecs-<stack>". Prefect refuses names starting with "prefect"
    and names containing / % & < >."""

    mode: Mode = field(default="push", metadata=in_stack("worker"))
    """push (a Prefect Cloud ecs:push pool; Prefect Cloud submits flow runs to ECS itself) or worker (an ecs pool
    served by a Prefect ECS worker running as an ECS service in this stack, with Prefect Cloud or a self-hosted
    server)."""

    worker_image_uri: pulumi.Input[str] | None = field(
        default=None, metadata=in_stack(f"{_ECR}/worker@sha256:...", WORKER)
    )
    """Worker mode. The worker's image, pinned by digest; empty means the flow image (it pins prefect and
    prefect-aws), so worker and flow runs share one image."""

    worker_cpu: int = field(default=512, metadata=in_stack("1024", WORKER))
    """Worker mode. CPU units of each worker task."""

    worker_memory: int = field(default=1024, metadata=in_stack("2048", WORKER))
    """Worker mode. Memory (MiB) of each worker task."""

    worker_count: int = field(default=1, metadata=in_stack("2", WORKER))
    """Worker mode. Number of worker tasks, 1 to 10."""

    work_queues: Sequence[WorkQueueArgs] = field(
        default=(), metadata=in_stack("[{name: etl, priority: 1, concurrencyLimit: 4}]")
    )
    """Work queues of the pool, made before the deployments that name them (`work_queue_name`, refused unless
    declared here): a list of {name, priority, concurrencyLimit, description, paused}. The worker polls these
    (and `default` when a deployment names no queue); empty means it polls every queue of the pool
    (docs/prefect-objects.md)."""

    work_queue_names: Sequence[str] = field(default=(), metadata=in_stack("[etl, reports]", WORKER))
    """Deprecated: use workQueues. Worker mode. Each name becomes a workQueues entry of that name alone (a queue
    already in the pool, made by the worker or a deployment, is taken over), with a warning."""

    image_context: str | None = field(default=None, metadata=in_stack("flows"))
    """Docker build context of the flow image; empty means the flows/ folder of the project. Exclusive with
    imageUri."""

    image_uri: pulumi.Input[str] | None = field(default=None, metadata=in_stack(f"{_ECR}/flows@sha256:..."))
    """A prebuilt flow image, pinned by digest (repository@sha256:...), instead of building one; no ECR repository
    is created then. Exclusive with imageContext."""

    image_platform: Literal["linux/amd64", "linux/arm64"] = field(
        default="linux/amd64", metadata=in_stack("linux/arm64")
    )
    """linux/amd64 or linux/arm64 (Graviton, cheaper; not with Fargate Spot). Flow runs use the matching Fargate
    CPU architecture."""

    vpc_id: pulumi.Input[str] | None = field(default=None, metadata=in_stack("vpc-0123456789abcdef0"))
    """Bring your own VPC (with subnetIds); empty creates a new VPC."""

    subnet_ids: Sequence[pulumi.Input[str]] | None = field(
        default=None, metadata=in_stack("[subnet-0123456789abcdef0]")
    )
    """Subnets of vpcId that flow-run tasks use. Required with vpcId."""

    security_group_ids: Sequence[pulumi.Input[str]] | None = field(
        default=None, metadata=in_stack("[sg-0123456789abcdef0]")
    )
    """Security groups of vpcId for tasks; empty creates one with no ingress and open egress."""

    subnet_layout: SubnetLayout = field(default="private", metadata=in_stack("public"))
    """New VPC only. private (subnets behind one NAT gateway) or public (no NAT gateway, tasks get public IPs;
    cheaper)."""

    availability_zones: int = field(default=2, metadata=in_stack("3"))
    """New VPC only. Number of availability zones, 2 to 6; the region must have at least that many (many have
    3)."""

    vpc_cidr_block: str = field(default="10.0.0.0/16", metadata=in_stack("10.20.0.0/16"))
    """New VPC only. Its IPv4 CIDR block, /16 to /24."""

    assign_public_ip: bool | None = field(default=None, metadata=in_stack("true"))
    """true or false to force a public IP on tasks; empty means on for public subnets, off otherwise (a brought
    network's subnets count as private)."""

    cluster_arn: pulumi.Input[str] | None = field(
        default=None, metadata=in_stack(f"arn:aws:ecs:<region>:{_ACCOUNT}:cluster/<name>")
    )
    """Bring your own ECS cluster (it needs the FARGATE and FARGATE_SPOT capacity providers)."""

    execution_role_arn: pulumi.Input[str] | None = field(
        default=None, metadata=in_stack(f"arn:aws:iam::{_ACCOUNT}:role/<name>")
    )
    """Bring your own flow-run task execution role. It must trust ecs-tasks.amazonaws.com and allow pulling the
    flow image (ecr:GetAuthorizationToken, BatchCheckLayerAvailability, GetDownloadUrlForLayer, BatchGetImage),
    logs:CreateLogStream and logs:PutLogEvents on the stack's log group, and secretsmanager:GetSecretValue on the
    stack's secrets (<component>-prefect-api-key-* and <component>-prefect-auth-string-*, whose names end in
    random suffixes). The worker service always gets its own."""

    task_role_arn: pulumi.Input[str] | None = field(
        default=None, metadata=in_stack(f"arn:aws:iam::{_ACCOUNT}:role/<name>")
    )
    """Bring your own task role (what flow code may touch)."""

    cpu: int = field(default=1024, metadata=in_stack("2048"))
    """Default flow-run CPU units (1024 = 1 vCPU); with memory a pair Fargate accepts."""

    memory: int = field(default=2048, metadata=in_stack("4096"))
    """Default flow-run memory in MiB; with cpu a pair Fargate accepts."""

    use_fargate_spot: bool = field(default=False, metadata=in_stack("true"))
    """Run flow runs on Fargate Spot by default (up to 70% cheaper, interruptible; linux/amd64 only)."""

    log_retention_days: int = field(default=30, metadata=in_stack("90"))
    """Flow-run log retention, a value CloudWatch offers (1, 3, 5, 7, 14, 30, 60, 90, ...; 0 keeps forever)."""

    container_insights: bool = field(default=False, metadata=in_stack("true"))
    """Enable CloudWatch Container Insights on the created cluster."""

    task_role_policy_arns: Sequence[str] = field(
        default=(), metadata=in_stack("[arn:aws:iam::aws:policy/ReadOnlyAccess]")
    )
    """Managed policies attached to the created task role, each once; each attachment is named after its ARN
    (in Python, attach a policy whose ARN is an Output to task_role_arn with a resource of your own)."""

    task_role_statements: Sequence[Mapping[str, Any]] = ()
    """Extra IAM statements (`Effect`, `Action`, `Resource`, ...) for the created task role."""

    prefect_registers_task_definitions: bool = field(default=False, metadata=in_stack("true"))
    """Let prefect-aws register a task definition per deployment at run time, as it does by default, instead of
    running the one this stack registers. Only for deployments with their own `image` job variable: runs then
    need permission to register, may fail when several start together ("Too many concurrent attempts to create a
    new revision"), and leave revisions behind after pulumi destroy."""

    permissions_boundary_arn: str | None = field(
        default=None, metadata=in_stack(f"arn:aws:iam::{_ACCOUNT}:policy/<name>")
    )
    """A managed policy set as the permissions boundary of every IAM role and user the stack creates
    (bootstrap/'s permissionsBoundaryArn output, so the CI deploy role, which may create principals only with
    it, can deploy); empty for none."""

    ecr_retain_on_destroy: bool = field(default=False, metadata=in_stack("true"))
    """Keep the ECR repository and its images in AWS on pulumi destroy (Pulumi forgets it); false deletes it with
    every image."""

    ecr_keep_images: int = field(default=20, metadata=in_stack("50"))
    """How many images the ECR lifecycle rule keeps."""

    tags: Mapping[str, str] = field(default_factory=dict, metadata=in_stack("{team: data}"))
    """Tags applied to every AWS resource that takes tags (map of string to string)."""

    deployments: Sequence[DeploymentArgs] = ()
    """Flow deployments to create on the work pool, e.g. from `load_prefect_yaml("flows/prefect.yaml")`."""

    concurrency_limits: Sequence[ConcurrencyLimitArgs] = field(
        default=(), metadata=in_stack("[{name: warehouse, limit: 4}]")
    )
    """Global concurrency limits for flows that use `concurrency(...)` or `rate_limit(...)`: a list of
    {name, limit, slotDecayPerSecond, active} (docs/prefect-objects.md)."""

    variables: Sequence[VariableArgs] = field(default=(), metadata=in_stack("[{name: region, value: eu-west-1}]"))
    """Prefect variables for flows that read them with `Variable.get(...)`: a list of {name, value, tags}, the
    value any JSON; not for secrets, which Prefect shows to anyone who can read the workspace
    (docs/prefect-objects.md)."""

    deployment_name_suffix: str = field(default="", metadata=in_stack("-{stack}-eu"))
    """Appended to every deployment name so stacks can share a Prefect workspace; in a stack file {stack} is
    replaced by the stack's name, and empty means none."""

    project_root: str = "."
    """Directory deployment entrypoints are relative to (the Pulumi project directory by default); the flow
    image holds the same layout under its working directory."""
