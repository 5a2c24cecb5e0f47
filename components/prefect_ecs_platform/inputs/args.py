"""`PrefectEcsPlatformArgs`: every input of the component, typed and documented."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs

Mode = Literal["push", "worker"]
SubnetLayout = Literal["private", "public"]

#: The Docker build context used when neither `image_context` nor `image_uri` is given.
DEFAULT_IMAGE_CONTEXT = "flows"


@dataclass(kw_only=True)
class PrefectEcsPlatformArgs:
    """Inputs of `PrefectEcsPlatform`. Only `prefect_api_url` and `work_pool_name` are required."""

    prefect_api_url: str
    """Prefect API URL: `https://api.prefect.cloud/api/accounts/<uuid>/workspaces/<uuid>` for Prefect
    Cloud, or a self-hosted server's URL ending in `/api`."""

    work_pool_name: str
    """Name of the Prefect work pool flow runs are submitted to. Prefect refuses names starting with
    "prefect" and names containing / % & < >."""

    prefect_api_key: pulumi.Input[str] | None = None
    """Prefect API key (a secret). Stored in AWS Secrets Manager; containers get it as an ECS secret.
    Required for Prefect Cloud; a self-hosted server without auth needs none."""

    prefect_api_auth_string: pulumi.Input[str] | None = None
    """`user:password` of a self-hosted Prefect server with basic auth (a secret), stored in Secrets Manager
    and given to containers as `PREFECT_API_AUTH_STRING`. Not used with Prefect Cloud."""

    mode: Mode = "push"
    """`"push"`: a Prefect Cloud `ecs:push` pool; Prefect Cloud submits flow runs to ECS itself.
    `"worker"`: an `ecs` pool served by a Prefect ECS worker running as an ECS service in this stack
    (Prefect Cloud or a self-hosted server)."""

    worker_image_uri: pulumi.Input[str] | None = None
    """Worker mode: the worker's image, pinned by digest. Default: the flow image, which pins prefect and
    prefect-aws, so worker and flow runs share one image."""

    worker_cpu: int = 512
    """Worker mode: CPU units of each worker task."""

    worker_memory: int = 1024
    """Worker mode: memory (MiB) of each worker task."""

    worker_count: int = 1
    """Worker mode: how many worker tasks the service runs."""

    work_queue_names: Sequence[str] = ()
    """Worker mode: the work queues the worker polls (default: all queues of the pool)."""

    image_context: str | None = None
    """Docker build context of the flow image (default: the `flows/` folder of the Pulumi project).
    Exclusive with `image_uri`."""

    image_uri: pulumi.Input[str] | None = None
    """A prebuilt flow image pinned by digest (`repository@sha256:...`). Exclusive with `image_context`; no
    ECR repository is created when it is given."""

    image_platform: Literal["linux/amd64", "linux/arm64"] = "linux/amd64"
    """Platform the image is built for; flow runs use the matching Fargate CPU architecture
    (`linux/arm64` runs on cheaper Graviton)."""

    vpc_id: pulumi.Input[str] | None = None
    """An existing VPC to run in, together with `subnet_ids`. Without it a new VPC is created."""

    subnet_ids: Sequence[pulumi.Input[str]] | None = None
    """Subnets of `vpc_id` that flow-run tasks use. Required with `vpc_id`."""

    security_group_ids: Sequence[pulumi.Input[str]] | None = None
    """Security groups of `vpc_id` for flow-run tasks. Without them one with no ingress and open egress is
    created."""

    subnet_layout: SubnetLayout = "private"
    """For a new VPC: `"private"` subnets behind a single NAT gateway, or `"public"` subnets with no NAT
    gateway (cheaper; tasks then need a public IP)."""

    availability_zones: int = 2
    """For a new VPC: how many availability zones get a subnet (2 to 6)."""

    vpc_cidr_block: str = "10.0.0.0/16"
    """For a new VPC: its IPv4 CIDR block."""

    assign_public_ip: bool | None = None
    """Give flow-run tasks a public IP. Default: on for public subnets, off otherwise (a brought network's
    subnets are treated as private)."""

    cluster_arn: pulumi.Input[str] | None = None
    """An existing ECS cluster to run in instead of creating one."""

    execution_role_arn: pulumi.Input[str] | None = None
    """An existing task execution role (image pull, logs, reading the API key secret) instead of creating
    one."""

    task_role_arn: pulumi.Input[str] | None = None
    """An existing task role (what flow code may touch) instead of creating one."""

    cpu: int = 1024
    """Default CPU units of a flow run (1024 = 1 vCPU); with `memory` a pair Fargate accepts."""

    memory: int = 2048
    """Default memory (MiB) of a flow run; with `cpu` a pair Fargate accepts."""

    use_fargate_spot: bool = False
    """Run flow runs on Fargate Spot by default (up to 70% cheaper, may be interrupted; linux/amd64 only)."""

    log_retention_days: int = 30
    """Retention of the flow-run log group, a value CloudWatch offers (0 keeps logs forever)."""

    container_insights: bool = False
    """Enable CloudWatch Container Insights on a created cluster."""

    task_role_policy_arns: Sequence[str] = ()
    """Managed policies attached to the created task role, each once, as ARN strings: each attachment is named
    after its ARN. Attach a policy whose ARN is an Output to `task_role_arn` with a resource of your own."""

    task_role_statements: Sequence[Mapping[str, Any]] = ()
    """Extra IAM statements (`Effect`, `Action`, `Resource`, ...) for the created task role."""

    prefect_registers_task_definitions: bool = False
    """Let prefect-aws register a task definition for each deployment at run time, as it does by default, instead
    of running the one task definition this stack registers. Turn it on only for deployments with their own
    `image` job variable: runs then need permission to register (restored to the submitting principals), may
    fail when several start together ("Too many concurrent attempts to create a new revision"), and leave
    revisions behind after `pulumi destroy`."""

    permissions_boundary_arn: str | None = None
    """A managed policy set as the permissions boundary of every IAM role and user the stack creates: the one
    `bootstrap/` makes, so the CI deploy role (which may create principals only with it) can deploy."""

    ecr_retain_on_destroy: bool = False
    """Keep the ECR repository and its images in AWS when the stack is destroyed (Pulumi forgets it);
    otherwise `pulumi destroy` deletes the repository with every image in it."""

    ecr_keep_images: int = 20
    """How many images the repository's lifecycle rule keeps."""

    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags applied to every AWS resource that takes tags."""

    deployments: Sequence[DeploymentArgs] = ()
    """Flow deployments to create on the work pool, e.g. from `load_prefect_yaml("flows/prefect.yaml")`."""

    deployment_name_suffix: str = ""
    """Appended to every deployment's name (e.g. `"-dev"`), so stacks sharing a Prefect workspace do not
    manage each other's deployments."""

    project_root: str = "."
    """Directory deployment entrypoints are relative to (the Pulumi project directory by default); the flow
    image holds the same layout under its working directory."""
