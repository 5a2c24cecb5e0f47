"""Checks of `PrefectEcsPlatformArgs` that run before any resource is created.

Each check is a pure function returning `Problem`s; `args_problems` runs them all so a user sees every bad
input at once.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs
from prefect_ecs_platform.inputs.arns import parse_arn
from prefect_ecs_platform.inputs.config_keys import API_KEY_KEY
from prefect_ecs_platform.inputs.deployment_validation import deployment_problems
from prefect_ecs_platform.inputs.fargate import fargate_size_problems
from prefect_ecs_platform.inputs.flow_container import DIGEST_PINNED_ALLOWED, is_digest_pinned
from prefect_ecs_platform.inputs.job_variables import platform_job_variables, template_variable_names
from prefect_ecs_platform.inputs.prefect_names import api_url_problems, is_prefect_cloud_url, work_pool_name_problems
from prefect_ecs_platform.inputs.problems import Problem
from prefect_ecs_platform.inputs.server_validation import api_location_problems, server_problems
from prefect_ecs_platform.inputs.shared_object_validation import shared_object_problems
from prefect_ecs_platform.inputs.work_queues import work_queue_problems

#: Retention values CloudWatch Logs accepts (0 = never expire).
LOG_RETENTION_DAYS = (
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

MODES = ("push", "worker")
IMAGE_PLATFORMS = ("linux/amd64", "linux/arm64")
SUBNET_LAYOUTS = ("private", "public")

# Component names become parts of AWS names (ECR repositories are lowercase; IAM names are short).
_COMPONENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,27}$")


def component_name_problems(name: str) -> list[Problem]:
    if not _COMPONENT_NAME.match(name):
        return [
            Problem(
                "name",
                name,
                "a component name starts with a lowercase letter and has at most 28 lowercase letters, "
                "digits and dashes (it prefixes AWS resource names)",
            )
        ]
    if name.startswith("sg-"):
        return [Problem("name", name, 'a name not starting with "sg-": EC2 refuses security group names that do')]
    return []


def mode_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    if args.mode not in MODES:
        return [Problem("mode", args.mode, f"one of {', '.join(MODES)}")]
    # A URL that is itself wrong is its own problem: blaming the mode would send the user the wrong way.
    if (
        args.mode == "push"
        and not api_url_problems(args.prefect_api_url)
        and not is_prefect_cloud_url(args.prefect_api_url)
    ):
        return [
            Problem(
                "mode",
                args.mode,
                '"worker" for a self-hosted server: "push" pools run only on Prefect Cloud, and prefect_api_url '
                "is not a Prefect Cloud workspace URL",
            )
        ]
    return []


def api_key_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    if is_prefect_cloud_url(args.prefect_api_url) and args.prefect_api_key is None:
        return [
            Problem(
                "prefect_api_key",
                None,
                f"Prefect Cloud needs an API key: `pulumi config set --secret {API_KEY_KEY} ...` or "
                "PREFECT_API_KEY in the environment",
            )
        ]
    return []


def credential_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    if args.prefect_api_auth_string is not None and is_prefect_cloud_url(args.prefect_api_url):
        return [
            Problem(
                "prefect_api_auth_string",
                "<secret>",
                "only with a self-hosted Prefect server; Prefect Cloud authenticates with `prefect_api_key`",
            )
        ]
    return []


def worker_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    problems = fargate_size_problems(args.worker_cpu, args.worker_memory, field_prefix="worker_")
    count = args.worker_count
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10:
        problems.append(Problem("worker_count", count, "an integer from 1 to 10"))
    for index, queue in enumerate(args.work_queue_names):
        problems += work_pool_name_problems(queue, field=f"work_queue_names[{index}]")
    if args.mode != "worker":
        if args.worker_image_uri is not None:
            problems.append(Problem("worker_image_uri", args.worker_image_uri, 'only with mode "worker"'))
        if args.work_queue_names:
            problems.append(Problem("work_queue_names", list(args.work_queue_names), 'only with mode "worker"'))
    return problems


def image_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    problems: list[Problem] = []
    if args.image_context is not None and args.image_uri is not None:
        problems.append(
            Problem("image_uri", args.image_uri, "only one of `image_context` or `image_uri` can be provided")
        )
    # A tag can move under a running platform; a digest is one build. Outputs are checked when deployed.
    for field in ("image_uri", "worker_image_uri"):
        value = getattr(args, field)
        if isinstance(value, str) and not is_digest_pinned(value):
            problems.append(Problem(field, value, DIGEST_PINNED_ALLOWED))
    context = args.image_context
    if context is not None and not (Path(context) / "Dockerfile").is_file():
        # The build would fail only after the repository and everything before it exist.
        problems.append(Problem("image_context", context, "a folder with a Dockerfile (relative to the project)"))
    if args.image_platform not in IMAGE_PLATFORMS:
        problems.append(Problem("image_platform", args.image_platform, f"one of {', '.join(IMAGE_PLATFORMS)}"))
    elif args.image_platform == "linux/arm64" and args.use_fargate_spot:
        problems.append(
            Problem(
                "use_fargate_spot",
                args.use_fargate_spot,
                "false with `image_platform` linux/arm64: Fargate Spot runs only linux/amd64 tasks",
            )
        )
    return problems


def _given(value: object) -> bool:
    return value is not None


def network_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    problems: list[Problem] = []
    brought = _given(args.vpc_id)
    if brought and not args.subnet_ids:
        problems.append(Problem("subnet_ids", args.subnet_ids, "the subnets of `vpc_id` tasks should use"))
    if not brought:
        for name in ("subnet_ids", "security_group_ids"):
            if getattr(args, name) is not None:
                problems.append(
                    Problem(name, getattr(args, name), "only together with `vpc_id` (bring your own network)")
                )
        if args.subnet_layout not in SUBNET_LAYOUTS:
            problems.append(Problem("subnet_layout", args.subnet_layout, f"one of {', '.join(SUBNET_LAYOUTS)}"))
        elif args.subnet_layout == "public" and args.assign_public_ip is False:
            problems.append(
                Problem(
                    "assign_public_ip",
                    False,
                    'true (or unset) with subnet_layout "public": without a NAT gateway tasks need a public IP '
                    "to pull images and reach the Prefect API",
                )
            )
        if not isinstance(args.availability_zones, int) or not 2 <= args.availability_zones <= 6:
            problems.append(
                Problem(
                    "availability_zones",
                    args.availability_zones,
                    "an integer from 2 to 6, at most the number of zones the region has (many have 3)",
                )
            )
        try:
            network = ipaddress.IPv4Network(args.vpc_cidr_block)
        except ValueError:
            problems.append(Problem("vpc_cidr_block", args.vpc_cidr_block, "an IPv4 CIDR block such as 10.0.0.0/16"))
        else:
            if not 16 <= network.prefixlen <= 24:
                problems.append(Problem("vpc_cidr_block", args.vpc_cidr_block, "a VPC block from /16 to /24"))
    return problems


def _brought_execution_role_needs(name: str) -> str:
    return (
        "an IAM role ARN (arn:<partition>:iam::<account>:role/<name>) whose trust policy admits "
        "ecs-tasks.amazonaws.com and whose policies allow ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability, "
        "ecr:GetDownloadUrlForLayer and ecr:BatchGetImage on the flow image's repository, logs:CreateLogStream and "
        "logs:PutLogEvents on the stack's log group, and secretsmanager:GetSecretValue on "
        f"arn:<partition>:secretsmanager:<region>:<account>:secret:{name}-prefect-api-key-* and "
        f"...:secret:{name}-prefect-auth-string-* (the stack's secrets end in random suffixes)"
    )


def brought_arn_problems(name: str, args: PrefectEcsPlatformArgs) -> list[Problem]:
    """Brought cluster and roles must be ARNs of their kind; Outputs are checked by AWS when used."""
    expected = {
        "cluster_arn": (
            "ecs",
            "cluster/",
            "an ECS cluster ARN (arn:<partition>:ecs:<region>:<account>:cluster/<name>)",
        ),
        "execution_role_arn": ("iam", "role/", _brought_execution_role_needs(name)),
        "task_role_arn": ("iam", "role/", "an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)"),
        "permissions_boundary_arn": (
            "iam",
            "policy/",
            "a managed IAM policy ARN (arn:<partition>:iam::<account>:policy/<name>), e.g. bootstrap/'s "
            "permissionsBoundaryArn output",
        ),
    }
    problems: list[Problem] = []
    policy = (
        "iam",
        "policy/",
        "a managed IAM policy ARN: arn:<partition>:iam::<account>:policy/<name>, or AWS's own such as "
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    values = [(field, getattr(args, field), rule) for field, rule in expected.items()]
    values += [(f"task_role_policy_arns[{i}]", arn, policy) for i, arn in enumerate(args.task_role_policy_arns)]
    for field, value, (service, resource_prefix, allowed) in values:
        if not isinstance(value, str):
            continue
        try:
            arn = parse_arn(value)
        except ValueError:
            problems.append(Problem(field, value, allowed))
            continue
        if arn.service != service or not arn.resource.startswith(resource_prefix):
            problems.append(Problem(field, value, allowed))
    return problems


def task_role_policy_problems(policy_arns: Sequence[object]) -> list[Problem]:
    """Each policy once, as a string: its attachment is named after the ARN when the program runs."""
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    for index, arn in enumerate(policy_arns):
        field = f"task_role_policy_arns[{index}]"
        if not isinstance(arn, str):
            problems.append(
                Problem(
                    field,
                    arn,
                    "an ARN as a string, which names the policy's attachment; attach a policy whose ARN is an "
                    "Output to `task_role_arn` with an aws.iam.RolePolicyAttachment of your own",
                )
            )
        elif arn in first_index:
            problems.append(Problem(field, arn, f"each policy once (it is also at index {first_index[arn]})"))
        else:
            first_index[arn] = index
    return problems


def task_size_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    return fargate_size_problems(args.cpu, args.memory)


def retention_problems(days: object) -> list[Problem]:
    if isinstance(days, bool) or days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
        return [Problem("log_retention_days", days, f"one of the values CloudWatch offers: {allowed}")]
    return []


def ecr_problems(args: PrefectEcsPlatformArgs) -> list[Problem]:
    keep = args.ecr_keep_images
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= 1000:
        return [Problem("ecr_keep_images", keep, "an integer from 1 to 1000")]
    return []


def statement_problems(statements: Sequence[Mapping[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    for index, statement in enumerate(statements):
        field = f"task_role_statements[{index}]"
        if not isinstance(statement, Mapping):
            problems.append(Problem(field, statement, "an IAM statement mapping with Effect, Action and Resource"))
            continue
        if statement.get("Effect") not in ("Allow", "Deny"):
            problems.append(Problem(f"{field}.Effect", statement.get("Effect"), '"Allow" or "Deny"'))
        if not statement.get("Action") and not statement.get("NotAction"):
            problems.append(Problem(f"{field}.Action", statement.get("Action"), "one action or a list of actions"))
        if not statement.get("Resource") and not statement.get("NotResource"):
            problems.append(Problem(f"{field}.Resource", statement.get("Resource"), 'one ARN, a list of ARNs, or "*"'))
    return problems


#: The tags the component puts on every taggable child besides the user's (platform.py's `resource_tags`).
COMPONENT_TAG_KEYS = ("managed-by", "prefect-ecs-platform")
#: AWS's limit on tags per resource, the same for every service the tags reach (IAM, ECS, EC2, ECR, Logs, ...).
MAX_TAGS_PER_RESOURCE = 50
#: The labels Prefect adds to a flow-run task's tags, which prefect-aws sends with RunTask beside the template's:
#: prefect/workers/base.py's flow run id, name and version, work pool name and id, worker name, flow id and name,
#: deployment id, name and update time, and prefect_aws/workers/ecs_worker.py's deregistration marker.
PREFECT_TASK_LABELS = 12
#: IAM's tag characters (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`), the strictest of the services the tags reach; EC2 takes any.
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_TEXT = (
    "letters, digits, spaces and _ . : / = + - @ (IAM's rule: the tags reach the platform's roles, user and policy)"
)


def _is_tag_text(text: str) -> bool:
    return all(c in _TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text)


def tag_problems(tags: Mapping[str, str]) -> list[Problem]:
    """The user's tags as every service they reach accepts them: IAM's characters, lengths and key rules, and few
    enough that a flow-run task, which also carries the component's and Prefect's, stays within AWS's limit."""
    problems: list[Problem] = []
    for key, value in tags.items():
        if (
            not isinstance(key, str)
            or not 1 <= len(key) <= 128
            or key.lower().startswith("aws:")
            or not _is_tag_text(key)
        ):
            problems.append(
                Problem("tags", key, f'tag keys of 1 to 128 characters, not starting with "aws:", of {_TAG_TEXT}')
            )
        if not isinstance(value, str) or len(value) > 256 or not _is_tag_text(value):
            problems.append(Problem(f"tags.{key}", value, f"a string of at most 256 characters, of {_TAG_TEXT}"))
    own = {k.lower(): f"the component's own key {k!r}" for k in COMPONENT_TAG_KEYS}
    seen: dict[str, str] = {}
    for key in (k for k in tags if isinstance(k, str) and k not in COMPONENT_TAG_KEYS):
        twin = own.get(key.lower()) or seen.get(key.lower())
        if twin:
            problems.append(
                Problem("tags", key, f"a key that is not {twin} in another case: IAM compares tag keys without case "
                        "and refuses both on one role, user or policy")
            )  # fmt: skip
        seen.setdefault(key.lower(), repr(key))
    on_a_task = len({*COMPONENT_TAG_KEYS, *tags}) + PREFECT_TASK_LABELS
    if on_a_task > MAX_TAGS_PER_RESOURCE:
        most = MAX_TAGS_PER_RESOURCE - PREFECT_TASK_LABELS - len(COMPONENT_TAG_KEYS)
        problems.append(
            Problem(
                "tags",
                f"{len(tags)} tags",
                f"at most {most} besides {' and '.join(COMPONENT_TAG_KEYS)}: AWS allows {MAX_TAGS_PER_RESOURCE} "
                f"tags per resource, and each flow-run task also carries those two and up to {PREFECT_TASK_LABELS} "
                "of Prefect's (prefect.io/flow-run-id, ...)",
            )
        )
    return problems


def args_problems(name: str, args: PrefectEcsPlatformArgs) -> list[Problem]:
    """Every problem with the component's name and args."""
    return [
        *component_name_problems(name),
        *api_location_problems(args),
        *(api_url_problems(args.prefect_api_url) if args.prefect_api_url else []),
        *server_problems(args),
        *shared_object_problems(args),
        *work_queue_problems(args),
        *work_pool_name_problems(args.work_pool_name),
        *mode_problems(args),
        *api_key_problems(args),
        *credential_problems(args),
        *worker_problems(args),
        *image_problems(args),
        *network_problems(args),
        *brought_arn_problems(name, args),
        *task_role_policy_problems(args.task_role_policy_arns),
        *task_size_problems(args),
        *retention_problems(args.log_retention_days),
        *ecr_problems(args),
        *statement_problems(args.task_role_statements),
        *tag_problems(args.tags),
        *deployment_problems(
            args.deployments,
            project_root=Path(args.project_root),
            template_variables=template_variable_names(),
            platform_variables=platform_job_variables(args.prefect_registers_task_definitions),
        ),
    ]
