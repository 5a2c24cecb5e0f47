"""Submit a deployment's flow run through prefect-aws's real ECS worker and record what reached ECS.

A deployment's `job_variables` reach the worker the way Prefect sends them: the deployment is created
on the server in the work pool (which checks their types against the pool's template), a flow
run is created from it (with optional flow-run job variables), and the configuration is built by
`ECSJobConfiguration.resolve_for_flow_run`, the method prefect's worker calls before `run`. It merges
flow-run over deployment variables over the pool's defaults (only `env` is merged key by key), then
runs `from_template_and_values` and `prepare_for_flow_run`.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import FlowRun, WorkPool
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_KEY
from prefect.settings.legacy import Setting
from prefect_aws.credentials import AwsCredentials
from prefect_aws.workers.ecs_worker import ECSJobConfiguration, ECSWorker, parse_identifier

from prefect_ecs_platform.resources.normalise import set_fields
from prefect_ecs_platform.resources.work_pool import FIELDS as WORK_POOL_FIELDS
from tests.support.moto.aws_calls import AwsCalls
from tests.support.moto.component_in_moto import DeployedStack, Mode, unsecret
from tests.support.moto.moto_patches import RunTaskRequests

# The worker's own Prefect credentials; prefect-aws copies them into a flow run's environment
# unless the template names a secret for them.
WORKER_API_KEY = "pnu_moto-worker-api-key"
WORKER_AUTH_STRING = "admin:moto-worker-password"
WORKER_CREDENTIALS: dict[Mode, dict[Setting, str]] = {
    "push": {PREFECT_API_KEY: WORKER_API_KEY},
    "worker": {PREFECT_API_AUTH_STRING: WORKER_AUTH_STRING},
}


async def create_stack_pools(client: PrefectClient, stacks: dict[Mode, DeployedStack]) -> dict[Mode, WorkPool]:
    """Each stack's pool as the component registered it; push's with the aws-credentials block it registered.

    Under mocks the block's id in the template is a placeholder: the block is saved on the server from its
    registered fields (the access key moto issued to the push user) and the placeholder becomes its id.
    """
    return {mode: await create_stack_pool(client, stack) for mode, stack in stacks.items()}


async def create_stack_pool(
    client: PrefectClient,
    stack: DeployedStack,
    *,
    ignore_task_definition_arn: bool = False,
    network_as_variables: bool = False,
) -> WorkPool:
    """`stack`'s pool as the component registered it, with the aws-credentials block it registered, if any.

    `ignore_task_definition_arn` drops the template's `task_definition_arn` default: what a submitter that
    ignores the variable would work from. `network_as_variables` gives the network the way prefect-aws's own
    template takes it (`vpc_id` and `network_configuration`), not written into the request.
    """
    # The bodies the providers send (`set_fields` undoes Pulumi's turning every integer into a float).
    pool = set_fields(unsecret(stack.work_pool.inputs), WORK_POOL_FIELDS)
    variables = pool["base_job_template"]["variables"]["properties"]
    if ignore_task_definition_arn:
        variables["task_definition_arn"].pop("default")
    if network_as_variables:
        network = pool["base_job_template"]["job_configuration"]["task_run_request"].pop("networkConfiguration")
        variables["network_configuration"]["default"] = network["awsvpcConfiguration"]
        variables["vpc_id"]["default"] = stack.vpc_id
    block = stack.credentials_block
    if block is not None:
        fields = unsecret(block.inputs)
        assert fields["block_type_slug"] == AwsCredentials.get_block_type_slug()
        data = set_fields(fields, ("data",))["data"]
        block_id = await AwsCredentials(**data).asave(fields["name"], overwrite=True)
        pool = json.loads(json.dumps(pool).replace(block.id, str(block_id)))
    return await client.create_work_pool(WorkPoolCreate(**pool), overwrite=True)


@dataclass(frozen=True, kw_only=True)
class Submission:
    """One flow run submitted by the worker, with what ECS (moto) recorded for it."""

    flow_run: FlowRun
    configuration: ECSJobConfiguration
    #: The RunTask request as moto received it (see `tests.support.moto.moto_patches.recording_run_task_requests`).
    run_task_request: dict[str, Any]
    #: The task as `describe_tasks(include=["TAGS"])` returns it.
    task: dict[str, Any]
    #: The task definition as `describe_task_definition` returns it.
    task_definition: dict[str, Any]

    @property
    def flow_container(self) -> dict[str, Any]:
        """The task definition's single container, the one flow runs execute in."""
        (container,) = self.task_definition["containerDefinitions"]
        return dict(container)

    @property
    def flow_container_override(self) -> dict[str, Any]:
        """The RunTask container override for the flow container."""
        (override,) = self.run_task_request["overrides"]["containerOverrides"]
        return dict(override)


async def submit_deployment_run(  # noqa: PLR0913 -- each test sets the few of these its run is about
    client: PrefectClient,
    work_pool: WorkPool,
    *,
    deployment_name: str,
    job_variables: dict[str, Any],
    flow_run_job_variables: dict[str, Any] | None = None,
    ecs_client: Any,
    run_task_requests: RunTaskRequests,
    aws_calls: AwsCalls | None = None,
    cancel: bool = False,
) -> Submission:
    """Create a deployment with `job_variables` in `work_pool`, run it once with the ECS worker.

    With `aws_calls`, the worker's AWS calls are recorded (submission, and the cancellation when `cancel`).
    """
    flow_id = await client.create_flow_from_name("moto-flow")
    deployment_id = await client.create_deployment(
        flow_id=flow_id,
        name=deployment_name,
        work_pool_name=work_pool.name,
        entrypoint="flows/etl.py:etl",
        job_variables=job_variables,
    )
    flow_run = await client.create_flow_run_from_deployment(deployment_id, job_variables=flow_run_job_variables)

    async with ECSWorker(work_pool_name=work_pool.name, name=f"moto-{work_pool.name}") as worker:
        configuration = await ECSJobConfiguration.resolve_for_flow_run(
            flow_run, client=client, work_pool=work_pool, worker_name=worker.name
        )
        with aws_calls.window() if aws_calls else contextlib.nullcontext():
            result = await worker.run(flow_run, configuration)
            if cancel:
                await worker.kill_infrastructure(result.identifier, configuration)

    cluster, task_arn = parse_identifier(result.identifier)
    (task,) = ecs_client.describe_tasks(cluster=cluster, tasks=[task_arn], include=["TAGS"])["tasks"]
    task_definition = ecs_client.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    return Submission(
        flow_run=flow_run,
        configuration=configuration,
        run_task_request=run_task_requests.by_task_arn[task_arn],
        task=task,
        task_definition=task_definition,
    )
