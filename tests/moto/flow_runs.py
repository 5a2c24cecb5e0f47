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
from dataclasses import dataclass
from typing import Any

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import FlowRun, WorkPool
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_KEY
from prefect.settings.legacy import Setting
from prefect_aws.credentials import AwsCredentials
from prefect_aws.workers.ecs_worker import ECSJobConfiguration, ECSWorker, parse_identifier
from pydantic import SecretStr

from prefect_ecs_platform.prefect_api.job_template import build_base_job_template
from tests.moto.aws_calls import AwsCalls
from tests.moto.aws_stack import AwsStack, Mode, RunTaskRequests, template_settings

PUSH_BLOCK_ACCESS_KEY_ID = "AKIAMOTOPUSHPOOL0001"
# The worker's own Prefect credentials; prefect-aws copies them into a flow run's environment
# unless the template names a secret for them.
WORKER_API_KEY = "pnu_moto-worker-api-key"
WORKER_AUTH_STRING = "admin:moto-worker-password"
WORKER_CREDENTIALS: dict[Mode, dict[Setting, str]] = {
    "push": {PREFECT_API_KEY: WORKER_API_KEY},
    "worker": {PREFECT_API_AUTH_STRING: WORKER_AUTH_STRING},
}


async def create_stack_pools(client: PrefectClient, stacks: dict[Mode, AwsStack]) -> dict[Mode, WorkPool]:
    """Each stack's pool with its template: push with an aws-credentials block, worker without."""
    block_id = await AwsCredentials(
        aws_access_key_id=PUSH_BLOCK_ACCESS_KEY_ID,
        aws_secret_access_key=SecretStr("moto-push-secret-access-key"),
        region_name=stacks["push"].region,
    ).asave("moto-push-credentials", overwrite=True)
    pools = {}
    pool_types: dict[Mode, str] = {"push": "ecs:push", "worker": "ecs"}
    for mode, pool_type in pool_types.items():
        stack = stacks[mode]
        template = build_base_job_template(template_settings(stack, mode, str(block_id) if mode == "push" else None))
        pools[mode] = await client.create_work_pool(
            WorkPoolCreate(name=stack.name, type=pool_type, base_job_template=template), overwrite=True
        )
    return pools


@dataclass(frozen=True, kw_only=True)
class Submission:
    """One flow run submitted by the worker, with what ECS (moto) recorded for it."""

    flow_run: FlowRun
    configuration: ECSJobConfiguration
    #: The RunTask request as moto received it (see `tests.moto.aws_stack.recording_run_task_requests`).
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


async def submit_deployment_run(
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
