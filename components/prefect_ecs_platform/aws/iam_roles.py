"""IAM: the flow-run execution and task roles, and push mode's submitting user."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from prefect_ecs_platform.aws.iam_policies import (
    custom_statements_policy,
    ecs_tasks_trust_policy,
    execution_role_policy,
    run_flows_policy,
)
from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs


@dataclass(frozen=True)
class FlowRunRoles:
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    #: The roles' policies: a task started before them fails (image pull, logs, secrets) or lacks its grants.
    ready: list[pulumi.Resource]


@dataclass(frozen=True)
class ExecutionRole:
    arn: pulumi.Output[str]
    policy: aws.iam.RolePolicy


@dataclass(frozen=True)
class PushUser:
    access_key_id: pulumi.Output[str]
    secret_access_key: pulumi.Output[str]
    #: The user's permissions: its key is useless (and a submitted run fails) until this exists.
    policy: aws.iam.UserPolicyAttachment


def _to_json(document: dict) -> str:
    return json.dumps(document, sort_keys=True)


def execution_policy_json(
    *,
    repository_arn: pulumi.Output[str | None],
    log_group_arn: pulumi.Output[str],
    secret_arns: pulumi.Output[list[str]],
) -> pulumi.Output[str]:
    """An execution role's inline policy, as JSON: pull from one repository, write one log group, read these secrets."""
    return pulumi.Output.all(repository_arn, log_group_arn, secret_arns).apply(
        lambda values: _to_json(
            execution_role_policy(repository_arn=values[0], log_group_arn=values[1], secret_arns=values[2])
        )
    )


def create_execution_role(
    resource_name: str,
    *,
    description: str,
    trust: pulumi.Output[str],
    policy: pulumi.Output[str],
    permissions_boundary: str | None,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> ExecutionRole:
    """A role ECS starts tasks with, its inline `policy` (from `execution_policy_json`) attached."""
    role = aws.iam.Role(
        resource_name,
        description=description,
        assume_role_policy=trust,
        permissions_boundary=permissions_boundary,
        tags=tags,
        opts=opts,
    )
    role_policy = aws.iam.RolePolicy(resource_name, role=role.id, policy=policy, opts=opts)
    return ExecutionRole(arn=role.arn, policy=role_policy)


def task_policy_attachment_name(name: str, policy_arn: str) -> str:
    """The resource name of the task role's attachment of `policy_arn`: the policy's name, and a hash of its ARN.

    Named after the ARN, not the list position, so removing or moving one entry leaves the others' attachments
    alone: with position names, going from [A, B] to [B] replaced `-task-0` by B's and deleted `-task-1`, whose
    detach took B off the role. Not the ARN itself: its `::` is the URN's delimiter, which SDK helpers split on.
    """
    digest = hashlib.sha256(policy_arn.encode()).hexdigest()[:8]
    return f"{name}-task-{policy_arn.rsplit('/', 1)[-1]}-{digest}"


def ecs_tasks_trust(account_id: pulumi.Output[str]) -> pulumi.Output[str]:
    """The trust policy of every role this stack's tasks assume, as JSON."""
    return account_id.apply(lambda account: _to_json(ecs_tasks_trust_policy(account)))


def create_flow_run_roles(
    name: str,
    args: PrefectEcsPlatformArgs,
    *,
    account_id: pulumi.Output[str],
    execution_policy: pulumi.Output[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> FlowRunRoles:
    """Create the execution and task roles, or use the brought ones; `execution_policy` is the created one's."""
    trust = ecs_tasks_trust(account_id)
    ready: list[pulumi.Resource] = []

    if args.execution_role_arn is not None:
        execution_role_arn = pulumi.Output.from_input(args.execution_role_arn)
    else:
        execution_role = create_execution_role(
            f"{name}-execution",
            description="ECS starts Prefect flow-run tasks with this role: image pull, logs, Prefect credentials",
            trust=trust,
            policy=execution_policy,
            permissions_boundary=args.permissions_boundary_arn,
            tags=tags,
            opts=opts,
        )
        execution_role_arn = execution_role.arn
        ready.append(execution_role.policy)

    if args.task_role_arn is not None:
        task_role_arn = pulumi.Output.from_input(args.task_role_arn)
    else:
        task_role = aws.iam.Role(
            f"{name}-task",
            description="Prefect flow code runs with this role; it may touch nothing unless granted",
            assume_role_policy=trust,
            permissions_boundary=args.permissions_boundary_arn,
            tags=tags,
            opts=opts,
        )
        ready += [
            aws.iam.RolePolicyAttachment(
                task_policy_attachment_name(name, policy_arn),
                role=task_role.name,
                policy_arn=policy_arn,
                # Attachments used to be named after their position: the alias takes that state over, so an
                # upgrade with the list unchanged changes nothing in AWS (README: change the list in another run).
                opts=pulumi.ResourceOptions.merge(
                    opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{name}-task-{index}")])
                ),
            )
            for index, policy_arn in enumerate(args.task_role_policy_arns)
        ]
        if args.task_role_statements:
            ready.append(
                aws.iam.RolePolicy(
                    f"{name}-task",
                    role=task_role.id,
                    policy=_to_json(custom_statements_policy(args.task_role_statements)),
                    opts=opts,
                )
            )
        task_role_arn = task_role.arn
    return FlowRunRoles(execution_role_arn=execution_role_arn, task_role_arn=task_role_arn, ready=ready)


def run_flows_policy_json(
    *,
    work_pool_name: str,
    cluster_arn: pulumi.Output[str],
    roles: FlowRunRoles,
    runs_use_the_stacks_task_definition: bool,
) -> pulumi.Output[str]:
    """The push user's run-flows policy as JSON, once the ARNs it is scoped to are known.

    It may always register this pool's task definitions: as the switch's way, or as the fallback for a Prefect
    Cloud submitter that ignores `task_definition_arn`.
    """
    return pulumi.Output.all(cluster_arn, roles.execution_role_arn, roles.task_role_arn).apply(
        lambda values: _to_json(
            run_flows_policy(
                cluster_arn=values[0],
                execution_role_arn=values[1],
                task_role_arn=values[2],
                work_pool_name=work_pool_name,
                runs_use_the_stacks_task_definition=runs_use_the_stacks_task_definition,
                runs_may_register=True,
            )
        )
    )


def create_push_user(
    name: str,
    *,
    policy: pulumi.Output[str],
    permissions_boundary: str | None,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> PushUser:
    """The IAM user whose access key Prefect Cloud uses to submit flow runs to this cluster."""
    user = aws.iam.User(
        f"{name}-push", path="/prefect/", permissions_boundary=permissions_boundary, tags=tags, opts=opts
    )
    # A managed policy (6,144 characters): with a long component name and region the document passes the
    # 2,048 characters IAM allows a user's inline policies.
    managed = aws.iam.Policy(
        f"{name}-push",
        path="/prefect/",
        description="Prefect Cloud submits this stack's flow runs with these permissions",
        policy=policy,
        tags=tags,
        opts=opts,
    )
    user_policy = aws.iam.UserPolicyAttachment(f"{name}-push", user=user.name, policy_arn=managed.arn, opts=opts)
    key = aws.iam.AccessKey(f"{name}-push", user=user.name, opts=opts)
    return PushUser(access_key_id=key.id, secret_access_key=pulumi.Output.secret(key.secret), policy=user_policy)
