"""Crash detection in worker mode: prefect-aws's real ECS worker and observer, ECS task-state events, moto.

prefect-aws 0.7's ECS worker returns right after RunTask; it learns that a task stopped on its own only
from ECS "Task State Change" events in an SQS queue, which its observer (started inside the worker)
reads with aiobotocore. So moto runs as a loopback HTTP server here (`tests.support.moto.moto_server`), not
in-process, and the worker's observer is the real one, not the stub `tests/moto/conftest.py` installs
for the template tests.

The AWS side is a worker-mode stack, deployed into moto by the component itself
(`tests.support.moto.component_in_moto`): the stack's network, roles and cluster, the events queue with its
dead-letter queue and policy, and the EventBridge rule and target,
all as registered. Two flow runs of one deployment in the pool the component registered are
submitted by the worker to moto, with the observer settings of the worker container the component registered.
Events then enter through EventBridge's PutEvents, so moto's rule decides what reaches the queue, as EventBridge
would:

- flow run "crashes": its task STOPPED, the flow container exited 137 (out of memory);
- flow run "exits-cleanly": its task STOPPED, the flow container exited 0 (must not crash);
- an event from another cluster, which the rule must drop.

A second target of the same rule (a witness queue nobody reads) shows what the rule delivered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import prefect_aws.credentials as aws_credentials_module
import prefect_aws.observers.ecs as ecs_observer_module
import prefect_aws.workers.ecs_worker as ecs_worker_module
import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect_aws.observers.ecs import EcsTaskTagsReader, SqsSubscriber
from prefect_aws.settings import EcsObserverSettings
from prefect_aws.workers.ecs_worker import ECSJobConfiguration, ECSWorker, parse_identifier

from prefect_ecs_platform.inputs.flow_container import FLOW_CONTAINER_NAME
from tests.support.iam.simulator import evaluate
from tests.support.moto.authorizations import authorizations_for
from tests.support.moto.aws_calls import AwsCall, recording_aws_calls
from tests.support.moto.component_in_moto import DeployedStack, deploy_component
from tests.support.moto.flow_runs import create_stack_pool
from tests.support.moto.moto_patches import fargate_containers_without_memory
from tests.support.moto.moto_server import aws_clients_pointed_at, moto_server

pytestmark = pytest.mark.moto

REGION = "us-east-1"
OBSERVER_SETTINGS_PREFIX = "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_"
STACK = "moto-crash"
CRASHES = "crashes"
EXITS_CLEANLY = "exits-cleanly"
FLOW_RUN_TAG = "prefect.io/flow-run-id"
#: How long the worker may take to submit both runs, and the observer to act on the events.
SUBMIT_TIMEOUT_SECONDS = 30.0
OBSERVE_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.2


@dataclass(frozen=True, kw_only=True)
class EventsQueues:
    """The task-state events queue and its dead-letter queue, as worker mode creates them."""

    queue_name: str
    queue_url: str
    queue_arn: str
    dead_letter_url: str
    rule_arn: str
    #: A second target of the rule that nothing consumes: it keeps every event the rule delivered.
    witness_url: str


@dataclass(frozen=True, kw_only=True)
class Observed:
    """What happened to each flow run and to the queues once the observer had read the events."""

    stack: DeployedStack
    other_cluster_arn: str
    queues: EventsQueues
    #: The tasks as `describe_tasks(include=["TAGS"])` returned them after RunTask, by flow run label.
    tasks: dict[str, dict[str, Any]]
    flow_run_ids: dict[str, uuid.UUID]
    #: Each run's state after the worker submitted it, and after the observer handled the events.
    submitted: dict[str, FlowRun]
    final: dict[str, FlowRun]
    #: The events given to EventBridge's PutEvents, by label ("crashes", "exits-cleanly", "other-cluster").
    sent: dict[str, dict[str, Any]]
    #: Message bodies the rule delivered to the witness queue.
    delivered: list[dict[str, Any]]
    #: Approximate message counts, visible + in flight, once observing ended.
    queue_backlog: int
    dead_letter_backlog: int
    observer_settings: EcsObserverSettings
    seconds_to_crash: float
    #: Every AWS call the worker and its observer made, the cancellation of the clean run included.
    aws_calls: list[AwsCall]


def matches_event_pattern(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether `event` matches an EventBridge pattern made only of exact-value lists and nested objects."""
    for key, expected in pattern.items():
        if key not in event:
            return False
        if isinstance(expected, dict):
            if not isinstance(event[key], dict) or not matches_event_pattern(expected, event[key]):
                return False
        elif event[key] not in expected:
            return False
    return True


def _events_queues(session: boto3.Session, stack: DeployedStack) -> EventsQueues:
    """The queue, DLQ and rule the stack registered, and a witness queue added as a second target of the rule."""
    queue = stack.resource("aws:sqs/queue:Queue", f"{STACK}-task-events")
    dead_letter = stack.resource("aws:sqs/queue:Queue", f"{STACK}-task-events-dlq")
    rule = stack.resource("aws:cloudwatch/eventRule:EventRule", f"{STACK}-task-events")
    sqs = session.client("sqs")
    witness_url = sqs.create_queue(QueueName=f"{STACK}-task-events-witness")["QueueUrl"]
    witness_arn = sqs.get_queue_attributes(QueueUrl=witness_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    session.client("events").put_targets(Rule=rule.id, Targets=[{"Id": "witness", "Arn": witness_arn}])
    return EventsQueues(
        queue_name=stack.outputs["events_queue_name"],
        queue_url=queue.id,
        queue_arn=queue.outputs["arn"],
        dead_letter_url=dead_letter.id,
        rule_arn=rule.outputs["arn"],
        witness_url=witness_url,
    )


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stopped_event_detail(
    task: dict[str, Any], *, exit_code: int, container_reason: str | None, cluster_arn: str | None = None
) -> dict[str, Any]:
    """The `detail` of an ECS "Task State Change" event for `task` having stopped, as ECS sends it.

    ECS's event carries no tags: the observer reads them with DescribeTasks to find the flow run.
    """
    container: dict[str, Any] = {
        "containerArn": task["containers"][0]["containerArn"],
        "lastStatus": "STOPPED",
        "name": task["containers"][0]["name"],
        "taskArn": task["taskArn"],
        "exitCode": exit_code,
        "networkInterfaces": [],
        "cpu": "0",
    }
    if container_reason:
        container["reason"] = container_reason
    return {
        "attachments": [],
        "availabilityZone": f"{REGION}a",
        "capacityProviderName": "FARGATE_SPOT",
        "clusterArn": cluster_arn or task["clusterArn"],
        "containers": [container],
        "createdAt": _now(),
        "desiredStatus": "STOPPED",
        "group": task.get("group", "family:prefect"),
        "lastStatus": "STOPPED",
        "launchType": "FARGATE",
        "overrides": {"containerOverrides": [{"name": container["name"]}]},
        "platformVersion": "1.4.0",
        "stopCode": "EssentialContainerExited",
        "stoppedAt": _now(),
        "stoppedReason": "Essential container in task exited",
        "stoppingAt": _now(),
        "taskArn": task["taskArn"],
        "taskDefinitionArn": task["taskDefinitionArn"],
        "updatedAt": _now(),
        "version": 5,
    }


def _put_task_state_change(session: boto3.Session, detail: dict[str, Any]) -> dict[str, Any]:
    """Give EventBridge the event ECS would emit; return it in the envelope shape the rule matches."""
    entry = {
        "Source": "aws.ecs",
        "DetailType": "ECS Task State Change",
        "Detail": json.dumps(detail),
        "Resources": [detail["taskArn"]],
    }
    (result,) = session.client("events").put_events(Entries=[entry])["Entries"]
    assert "EventId" in result, result
    return {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": detail}


def _state_type(run: FlowRun) -> StateType | None:
    return run.state.type if run.state else None


def _backlog(session: boto3.Session, queue_url: str) -> int:
    attributes = session.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _drain(session: boto3.Session, queue_url: str) -> list[dict[str, Any]]:
    """Every message body in a queue nothing else reads (bounded: moto answers at once)."""
    sqs = session.client("sqs")
    bodies: list[dict[str, Any]] = []
    for _ in range(10):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            break
        bodies += [json.loads(message["Body"]) for message in messages]
    return bodies


async def _wait_for_submission(client: PrefectClient, flow_run_ids: dict[str, uuid.UUID]) -> dict[str, FlowRun]:
    """Wait until the worker has set every run's infrastructure id (cluster::taskArn) after RunTask."""
    deadline = time.monotonic() + SUBMIT_TIMEOUT_SECONDS
    while True:
        runs = {label: await client.read_flow_run(run_id) for label, run_id in flow_run_ids.items()}
        if all(run.infrastructure_pid for run in runs.values()):
            return runs
        if time.monotonic() > deadline:
            raise TimeoutError(f"worker did not submit every run: {[(r.name, r.state) for r in runs.values()]}")
        await asyncio.sleep(POLL_SECONDS)


async def _observe(
    session: boto3.Session, stack: DeployedStack, other_cluster_arn: str, queues: EventsQueues
) -> Observed:
    async with get_client() as client:
        pool = await create_stack_pool(client, stack)
        flow_id = await client.create_flow_from_name("moto-crash-flow")
        deployment_id = await client.create_deployment(
            flow_id=flow_id, name="crash-detection", work_pool_name=pool.name, entrypoint="flows/etl.py:etl"
        )
        flow_run_ids = {
            label: (await client.create_flow_run_from_deployment(deployment_id)).id
            for label in (CRASHES, EXITS_CLEANLY)
        }

        # Entering the worker starts prefect-aws's observer (ECSWorker.__aenter__ -> start_observer).
        async with ECSWorker(work_pool_name=pool.name, name=f"{STACK}-worker") as worker:
            await worker.get_and_submit_flow_runs()
            submitted = await _wait_for_submission(client, flow_run_ids)

            ecs = session.client("ecs")
            tasks = {}
            for label, run in submitted.items():
                assert run.infrastructure_pid is not None
                cluster, task_arn = parse_identifier(run.infrastructure_pid)
                (tasks[label],) = ecs.describe_tasks(cluster=cluster, tasks=[task_arn], include=["TAGS"])["tasks"]

            # The clean exit and the foreign cluster go first: once the crash is seen and the queue is
            # empty, the observer has acknowledged (so fully handled) every event that reached it.
            sent = {
                EXITS_CLEANLY: _put_task_state_change(
                    session, stopped_event_detail(tasks[EXITS_CLEANLY], exit_code=0, container_reason=None)
                ),
                "other-cluster": _put_task_state_change(
                    session,
                    stopped_event_detail(
                        tasks[EXITS_CLEANLY],
                        exit_code=1,
                        container_reason="OutOfMemoryError: Container killed due to memory usage",
                        cluster_arn=other_cluster_arn,
                    ),
                ),
                CRASHES: _put_task_state_change(
                    session,
                    stopped_event_detail(
                        tasks[CRASHES],
                        exit_code=137,
                        container_reason="OutOfMemoryError: Container killed due to memory usage",
                    ),
                ),
            }

            started = time.monotonic()
            deadline = started + OBSERVE_TIMEOUT_SECONDS
            while True:
                final = {label: await client.read_flow_run(run_id) for label, run_id in flow_run_ids.items()}
                crashed = _state_type(final[CRASHES]) == StateType.CRASHED
                queue_backlog = await asyncio.to_thread(_backlog, session, queues.queue_url)
                if (crashed and queue_backlog == 0) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(POLL_SECONDS)
            seconds_to_crash = time.monotonic() - started

            # Cancelling the run that is still running: the worker's StopTask, recorded with the rest.
            running = submitted[EXITS_CLEANLY]
            assert running.infrastructure_pid is not None
            configuration = await ECSJobConfiguration.resolve_for_flow_run(
                running, client=client, work_pool=pool, worker_name=worker.name
            )
            await worker.kill_infrastructure(running.infrastructure_pid, configuration)

    return Observed(
        stack=stack,
        other_cluster_arn=other_cluster_arn,
        queues=queues,
        tasks=tasks,
        flow_run_ids=flow_run_ids,
        submitted=submitted,
        final=final,
        sent=sent,
        delivered=_drain(session, queues.witness_url),
        queue_backlog=queue_backlog,
        dead_letter_backlog=_backlog(session, queues.dead_letter_url),
        observer_settings=ecs_observer_module.ecs_observer.settings,
        seconds_to_crash=seconds_to_crash,
        aws_calls=[],
    )


@contextmanager
def _prefect_aws_clients_forgotten() -> Iterator[None]:
    """Forget prefect-aws's cached boto3 clients, which keep the endpoint they were created with.

    `AwsCredentials.get_client` caches clients by credentials (a private `lru_cache`); credentials-less
    workers in every module share one entry, so a client bound to this module's short-lived server must
    not outlive it, nor one from an earlier module be reused here.
    """
    aws_credentials_module._get_client_cached.cache_clear()
    try:
        yield
    finally:
        aws_credentials_module._get_client_cached.cache_clear()


@pytest.fixture(scope="module")
def observed(prefect_api: None) -> Iterator[Observed]:
    """Both flow runs submitted by the real worker to a moto server, and the observer's verdict on the events."""
    with (
        _prefect_aws_clients_forgotten(),
        moto_server() as endpoint_url,
        aws_clients_pointed_at(endpoint_url, REGION) as session,
        fargate_containers_without_memory(),
        pytest.MonkeyPatch.context() as patch,
        recording_aws_calls() as aws_calls,
    ):
        aws_calls.own_clients(session, patch)
        stack = deploy_component(session, STACK, "worker")
        other_cluster_arn = session.client("ecs").create_cluster(clusterName=f"{STACK}-other")["cluster"]["clusterArn"]
        queues = _events_queues(session, stack)

        # The observer's settings from the worker container's environment, as the component registered it;
        # the rest of it (PREFECT_API_URL) would send this worker away from the test's server.
        for variable in stack.worker_container["environment"]:
            if variable["name"].startswith(OBSERVER_SETTINGS_PREFIX):
                patch.setenv(variable["name"], variable["value"])
        # prefect-aws builds its observer once, at import, from the settings of that moment; a worker
        # process started with this environment builds it like this.
        settings = EcsObserverSettings()
        observer = ecs_observer_module.ecs_observer
        patch.setattr(observer, "settings", settings)
        patch.setattr(
            observer,
            "sqs_subscriber",
            SqsSubscriber(queue_name=settings.sqs.queue_name, queue_region=settings.sqs.queue_region),
        )
        patch.setattr(observer, "ecs_tags_reader", EcsTaskTagsReader())
        # The template tests stub the observer in their module's `aws` fixture; here it must be the real one.
        assert ecs_worker_module.start_observer is ecs_observer_module.start_observer
        assert ecs_worker_module.stop_observer is ecs_observer_module.stop_observer

        # As in test_job_template_in_moto: keep the thread's current event loop untouched.
        with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
            with aws_calls.window():
                observed = runner.run(_observe(session, stack, other_cluster_arn, queues))
            yield dataclasses.replace(observed, aws_calls=list(aws_calls.calls))


# The AWS side


def test_observer_reads_the_queue_the_component_names(observed: Observed) -> None:
    """The worker's observer reads the queue named by the setting the component puts in the worker's environment."""
    assert observed.observer_settings.sqs.queue_name == observed.queues.queue_name


def test_worker_tags_each_task_with_its_flow_run_id(observed: Observed) -> None:
    """Each task the worker started in moto carries the flow-run-id tag the observer matches events by."""
    tags = {label: {tag["key"]: tag["value"] for tag in task.get("tags", [])} for label, task in observed.tasks.items()}
    assert {label: task_tags.get(FLOW_RUN_TAG) for label, task_tags in tags.items()} == {
        label: str(run_id) for label, run_id in observed.flow_run_ids.items()
    }


def test_tasks_run_the_flow_container_in_the_stacks_cluster(observed: Observed) -> None:
    """Both tasks run in the stack's cluster with the template's flow container, the one the observer checks."""
    assert {(task["clusterArn"], task["containers"][0]["name"]) for task in observed.tasks.values()} == {
        (observed.stack.cluster_arn, FLOW_CONTAINER_NAME)
    }


def test_injected_events_have_the_shape_the_rule_pattern_matches(observed: Observed) -> None:
    """The stopped-task events are ECS task state changes of the stack's cluster, as the component's pattern asks."""
    pattern = json.loads(
        observed.stack.resource("aws:cloudwatch/eventRule:EventRule", f"{STACK}-task-events").inputs["eventPattern"]
    )
    assert pattern == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {"clusterArn": [observed.stack.cluster_arn]},
    }
    assert {label: matches_event_pattern(pattern, event) for label, event in observed.sent.items()} == {
        CRASHES: True,
        EXITS_CLEANLY: True,
        "other-cluster": False,
    }


def test_rule_delivers_this_clusters_events_and_drops_others(observed: Observed) -> None:
    """EventBridge (moto) routes exactly the two events of the stack's cluster to the queue, unchanged."""
    delivered = {(body["source"], body["detail-type"], json.dumps(body["detail"])) for body in observed.delivered}
    assert delivered == {
        (
            observed.sent[label]["source"],
            observed.sent[label]["detail-type"],
            json.dumps(observed.sent[label]["detail"]),
        )
        for label in (CRASHES, EXITS_CLEANLY)
    }


# The observer's verdict


def test_runs_are_pending_after_submission(observed: Observed) -> None:
    """After RunTask the worker leaves both runs Pending: without an event nothing would ever end them."""
    assert {label: _state_type(run) for label, run in observed.submitted.items()} == {
        CRASHES: StateType.PENDING,
        EXITS_CLEANLY: StateType.PENDING,
    }


def test_non_zero_exit_marks_the_flow_run_crashed(observed: Observed) -> None:
    """A STOPPED event whose flow container exited non-zero turns that task's flow run Crashed."""
    run = observed.final[CRASHES]
    assert run.state is not None
    assert (run.state.type, run.state.message) == (
        StateType.CRASHED,
        f"The following containers stopped with a non-zero exit code: ['{FLOW_CONTAINER_NAME}']",
    )
    assert observed.seconds_to_crash < OBSERVE_TIMEOUT_SECONDS


def test_zero_exit_leaves_the_flow_run_alone(observed: Observed) -> None:
    """A STOPPED event whose flow container exited 0 (handled before the crash event) does not crash its run."""
    assert _state_type(observed.final[EXITS_CLEANLY]) == StateType.PENDING


def test_observer_acknowledges_every_event(observed: Observed) -> None:
    """The observer deleted every message it handled, so none waits in the queue or reached the dead-letter queue."""
    assert (observed.queue_backlog, observed.dead_letter_backlog) == (0, 0)


# The worker role's IAM, evaluated on the calls the worker and its observer made (see test_iam_evaluated.py)

#: Statements of the worker's policy these runs do not exercise, with the prefect-aws path that needs them.
NOT_EXERCISED_HERE = {
    "ReadFlowRunLogs": "the observer forwards CloudWatch logs only for runs that crash before reaching Prefect "
    "(forward_crashed_run_logs, prefect_aws/observers/ecs.py fetch_cloudwatch_logs)",
}


def _worker_decisions(observed: Observed, policy: dict[str, Any]) -> list[str]:
    stack = observed.stack
    authorizations = authorizations_for(observed.aws_calls, region=REGION, account=stack.account)
    return evaluate(
        authorizations,
        {"worker": policy},
        principal=stack.submitter_arn,
        account_id=stack.account,
    )


def test_worker_and_observer_make_exactly_these_calls(observed: Observed) -> None:
    """Submission, cancellation and crash detection: the worker runs the stack's task definition (no registration,
    no EC2 lookup); the observer reads the queue and describes the task."""
    assert {f"{c.service}:{c.operation}" for c in observed.aws_calls} == {
        "ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks", "ecs:DescribeTaskDefinition", "sqs:GetQueueUrl",
        "sqs:ReceiveMessage", "sqs:DeleteMessage",
    }  # fmt: skip


def test_every_worker_and_observer_call_is_allowed(observed: Observed) -> None:
    """The worker role's document, as the component registered it, allows every recorded call."""
    decisions = _worker_decisions(observed, observed.stack.submitter_policy)
    assert set(decisions) == {"Allowed"}


def test_every_worker_statement_is_needed_but_the_named_ones(observed: Observed) -> None:
    """Without any one statement, some recorded call is denied, except those whose need is named above."""
    full = observed.stack.submitter_policy
    unused = set()
    for index, statement in enumerate(full["Statement"]):
        without = {**full, "Statement": [s for i, s in enumerate(full["Statement"]) if i != index]}
        if "ImplicitlyDenied" not in _worker_decisions(observed, without):
            unused.add(statement["Sid"])
    assert unused == set(NOT_EXERCISED_HERE)
