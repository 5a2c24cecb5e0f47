"""Every stack key, declared once: its model field, type, default, meaning, modes and an example.

`Pulumi.yaml`'s `config:` block and `docs/configuration.md` are written from these entries, and tests keep
`StackConfig`'s fields and the error catalogue's cases in step with them. What a plain entry cannot say lives in
`EXCEPTIONS`, the one table of keys that are not read, typed or defaulted the ordinary way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic.alias_generators import to_camel

Kind = Literal["string", "integer", "boolean", "array", "map"]
ModeName = Literal["push", "worker"]
BOTH: tuple[ModeName, ...] = ("push", "worker")
WORKER: tuple[ModeName, ...] = ("worker",)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a key the stack must set.
REQUIRED = _Required()


@dataclass(frozen=True)
class Declaration:
    field: str
    kind: Kind
    default: object
    description: str
    example: str
    modes: tuple[ModeName, ...] = BOTH

    @property
    def key(self) -> str:
        return EXCEPTIONS.get(self.field, _ORDINARY).stack_key or to_camel(self.field)


@dataclass(frozen=True)
class Exception_:
    """How a key departs from the ordinary: read another way, defaulted from the stack, or not declarable."""

    #: Its stack name when that is not the camelCase of the field (none is today).
    stack_key: str = ""
    #: Read through `Config.get_secret`, never into `StackConfig`, so it stays an Output marked secret.
    secret: bool = False
    #: What an empty value stands for, computed from the stack's name.
    derived_default: str = ""
    #: Pulumi.yaml's types are string, integer, boolean and array: a map cannot be declared there.
    no_pulumi_type: bool = False
    #: A key earlier versions read, with what replaced it; no entry in DECLARATIONS has it.
    replaced_by: str = ""


EXCEPTIONS: dict[str, Exception_] = {
    "prefect_api_key": Exception_(secret=True),
    "prefect_api_auth_string": Exception_(secret=True),
    "work_pool_name": Exception_(derived_default="ecs-<stack>"),
    "deployment_name_suffix": Exception_(derived_default="-<stack>"),
    "tags": Exception_(no_pulumi_type=True),
    "deployment_overrides": Exception_(no_pulumi_type=True),
    "ecr_force_delete": Exception_(
        replaced_by="replaced by ecrRetainOnDestroy: pulumi destroy now always deletes the repository with its "
        "images, unless ecrRetainOnDestroy is true, which keeps both in AWS"
    ),
}

_D = Declaration
DECLARATIONS: tuple[Declaration, ...] = (
    _D("prefect_api_url", "string", REQUIRED,
       "Prefect Cloud workspace API URL (https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>) or a "
       "self-hosted server URL ending in /api.",
       "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>"),
    _D("prefect_api_key", "string", "",
       "A Prefect API key for the workspace, stored encrypted (`pulumi config set --secret`); PREFECT_API_KEY in "
       "the environment instead. Required for Prefect Cloud.",
       "pnu_..."),
    _D("prefect_api_auth_string", "string", "",
       "user:password of a self-hosted Prefect server with basic auth, stored encrypted (`pulumi config set "
       "--secret`); PREFECT_API_AUTH_STRING in the environment instead. Not with Prefect Cloud.",
       "admin:pass", WORKER),
    _D("work_pool_name", "string", "",
       'Work pool name; empty means "ecs-<stack>". Prefect refuses names starting with "prefect".', "data-pool"),
    _D("mode", "string", "push",
       "push (Prefect Cloud ecs:push pool) or worker (an ecs pool served by an ECS worker service).", "worker"),
    _D("worker_image_uri", "string", "",
       "Worker mode. The worker's image, pinned by digest; empty means the flow image (it pins prefect and "
       "prefect-aws).", "<account>.dkr.ecr.<region>.amazonaws.com/worker@sha256:...", WORKER),
    _D("worker_cpu", "integer", 512, "Worker mode. CPU units of each worker task.", "1024", WORKER),
    _D("worker_memory", "integer", 1024, "Worker mode. Memory (MiB) of each worker task.", "2048", WORKER),
    _D("worker_count", "integer", 1, "Worker mode. Number of worker tasks, 1 to 10.", "2", WORKER),
    _D("work_queue_names", "array", [],
       "Worker mode. Work queues the worker polls; empty means all queues of the pool.", "[etl, reports]", WORKER),
    _D("prefect_yaml", "string", "flows/prefect.yaml",
       "Prefect's prefect.yaml whose deployments the stack creates, relative to the project; empty for none.",
       "flows/prefect.yaml"),
    _D("deployment_name_suffix", "string", "-{stack}",
       "Appended to every deployment name ({stack} is the stack's name) so stacks can share a Prefect workspace; "
       "empty for none.", "-{stack}-eu"),
    _D("deployment_overrides", "map", {},
       'Map of deployment name, or "*" for all, to {paused, schedules_active, cpu, memory, ui_owned}: per-stack '
       "changes to flows/prefect.yaml's deployments.", "{'*': {paused: true}}"),
    _D("image_context", "string", "",
       "Docker build context of the flow image; empty means the flows/ folder. Exclusive with imageUri.", "flows"),
    _D("image_uri", "string", "",
       "A prebuilt flow image, pinned by digest (repository@sha256:...), instead of building one. Exclusive with "
       "imageContext.", "<account>.dkr.ecr.<region>.amazonaws.com/flows@sha256:..."),
    _D("image_platform", "string", "linux/amd64",
       "linux/amd64 or linux/arm64 (Graviton, cheaper; not with Fargate Spot).", "linux/arm64"),
    _D("vpc_id", "string", "", "Bring your own VPC (with subnetIds); empty creates a new VPC.",
       "vpc-0123456789abcdef0"),
    _D("subnet_ids", "array", [], "Subnets of vpcId that flow-run tasks use.", "[subnet-0123456789abcdef0]"),
    _D("security_group_ids", "array", [],
       "Security groups of vpcId for tasks; empty creates one with no ingress and open egress.",
       "[sg-0123456789abcdef0]"),
    _D("subnet_layout", "string", "private",
       "New VPC only. private (subnets behind one NAT gateway) or public (no NAT gateway, tasks get public IPs).",
       "public"),
    _D("availability_zones", "integer", 2,
       "New VPC only. Number of availability zones, 2 to 6; the region must have at least that many (many have 3).",
       "3"),
    _D("vpc_cidr_block", "string", "10.0.0.0/16", "New VPC only. Its IPv4 CIDR block, /16 to /24.", "10.20.0.0/16"),
    _D("assign_public_ip", "string", "",
       "true or false to force a public IP on tasks; empty means on for public subnets, off otherwise.", "true"),
    _D("cluster_arn", "string", "",
       "Bring your own ECS cluster (it needs the FARGATE and FARGATE_SPOT capacity providers).",
       "arn:aws:ecs:<region>:<account>:cluster/<name>"),
    _D("execution_role_arn", "string", "",
       "Bring your own flow-run task execution role. It must trust ecs-tasks.amazonaws.com and allow pulling the "
       "flow image (ecr:GetAuthorizationToken, BatchCheckLayerAvailability, GetDownloadUrlForLayer, BatchGetImage), "
       "logs:CreateLogStream and logs:PutLogEvents on the stack's log group, and secretsmanager:GetSecretValue on "
       "the stack's secrets (<component>-prefect-api-key-* and <component>-prefect-auth-string-*, whose names end "
       "in random suffixes). The worker service always gets its own.",
       "arn:aws:iam::<account>:role/<name>"),
    _D("task_role_arn", "string", "", "Bring your own task role (what flow code may touch).",
       "arn:aws:iam::<account>:role/<name>"),
    _D("cpu", "integer", 1024,
       "Default flow-run CPU units (1024 = 1 vCPU); with memory a pair Fargate accepts.", "2048"),
    _D("memory", "integer", 2048, "Default flow-run memory in MiB; with cpu a pair Fargate accepts.", "4096"),
    _D("use_fargate_spot", "boolean", False,
       "Run flow runs on Fargate Spot by default (cheaper, interruptible).", "true"),
    _D("log_retention_days", "integer", 30,
       "Flow-run log retention, a value CloudWatch offers (1, 3, 5, 7, 14, 30, 60, 90, ...; 0 keeps forever).", "90"),
    _D("container_insights", "boolean", False,
       "Enable CloudWatch Container Insights on the created cluster.", "true"),
    _D("prefect_registers_task_definitions", "boolean", False,
       "Let prefect-aws register a task definition per deployment at run time (per-deployment images) instead of "
       "running the stack's own.", "true"),
    _D("task_role_policy_arns", "array", [], "Managed policies attached to the created task role.",
       "[arn:aws:iam::aws:policy/ReadOnlyAccess]"),
    _D("permissions_boundary_arn", "string", "",
       "A managed policy set as the permissions boundary of every IAM role and user the stack creates "
       "(bootstrap/'s permissionsBoundaryArn output, for CI's deploy role); empty for none.",
       "arn:aws:iam::<account>:policy/<name>"),
    _D("ecr_retain_on_destroy", "boolean", False,
       "Keep the ECR repository and its images in AWS on pulumi destroy (Pulumi forgets it); false deletes it with "
       "every image.", "true"),
    _D("ecr_keep_images", "integer", 20, "How many images the ECR lifecycle rule keeps.", "50"),
    _D("tags", "map", {}, "Tags applied to every AWS resource that takes tags (map of string to string).",
       "{team: data}"),
)  # fmt: skip


_ORDINARY = Exception_()


def special(declaration: Declaration) -> Exception_:
    """The declaration's row of EXCEPTIONS, or the ordinary case."""
    return EXCEPTIONS.get(declaration.field, _ORDINARY)


#: Retired stack keys, with what replaced each.
RENAMED_KEYS = {to_camel(field): e.replaced_by for field, e in EXCEPTIONS.items() if e.replaced_by}
#: Stack keys read only through `Config.get_secret`.
SECRET_KEYS = tuple(d.key for d in DECLARATIONS if special(d).secret)
#: Model fields only worker mode reads (secrets are checked by the component's own rules).
WORKER_ONLY = tuple(d.field for d in DECLARATIONS if d.modes == WORKER and not special(d).secret)
