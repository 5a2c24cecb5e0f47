"""load_prefect_yaml: Prefect's prefect.yaml read into DeploymentArgs, with rejections and per-stack overrides."""

from __future__ import annotations

import textwrap
from pathlib import Path

import prefect
import pytest
from prefect.cli.deploy._models import DeploymentConfig, PrefectYamlModel, RawScheduleConfig, WorkPoolConfig
from prefect_aws.workers.ecs_worker import ECSWorker

from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs
from prefect_ecs_platform.inputs.deployment_validation import deployment_problems
from prefect_ecs_platform.inputs.prefect_yaml import load_prefect_yaml
from prefect_ecs_platform.inputs.problems import InvalidInputError, Problem
from tests.support import ROOT

PROJECT_YAML = ROOT / "flows" / "prefect.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prefect.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def problems_loading(path: Path, **kwargs: object) -> list[Problem]:
    with pytest.raises(InvalidInputError) as caught:
        load_prefect_yaml(path, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


# Unindented, so a snippet indented by four spaces adds keys to the deployment.
MINIMAL = "deployments:\n  - name: etl\n    entrypoint: flows/etl.py:etl\n"


def test_prefect_version_is_the_one_the_private_model_was_checked_against() -> None:
    """The private prefect.yaml model is used only with the prefect minor it was written for."""
    assert prefect.__version__.startswith("3.8.")


def test_private_prefect_yaml_model_has_the_expected_shape() -> None:
    """PrefectYamlModel's keys are the ones the loader maps or rejects; a new key must be handled first."""
    assert set(PrefectYamlModel.model_fields) == {"prefect_version", "name", "build", "push", "pull", "deployments"}
    assert set(DeploymentConfig.model_fields) == {
        "name", "version", "version_type", "tags", "description", "schedule", "schedules", "paused",
        "concurrency_limit", "flow_name", "entrypoint", "parameters", "enforce_parameter_schema",
        "build", "push", "pull", "work_pool", "triggers", "sla",
    }  # fmt: skip
    assert set(WorkPoolConfig.model_fields) == {"name", "work_queue_name", "job_variables"}
    assert set(RawScheduleConfig.model_fields) == {
        "cron", "interval", "rrule", "timezone", "anchor_date", "active", "parameters", "slug", "replaces", "day_or",
    }  # fmt: skip


def test_project_prefect_yaml_loads_into_deployment_args() -> None:
    """The project's flows/prefect.yaml gives its two deployments, cpu/memory lifted out of job_variables."""
    healthcheck, etl = load_prefect_yaml(PROJECT_YAML)

    assert healthcheck.name == "healthcheck"
    assert healthcheck.entrypoint == "flows/healthcheck.py:healthcheck"
    assert healthcheck.schedules == [ScheduleArgs(interval=900.0, slug="every-15-minutes")]
    assert (healthcheck.cpu, healthcheck.memory, healthcheck.job_variables) == (256, 512, {})
    assert etl.entrypoint == "flows/etl.py:etl"
    assert [s.cron for s in etl.schedules] == ["0 6 * * *", "0 7 * * 1"]
    assert etl.schedules[1].parameters == {"window": {"days": 7}}
    assert (etl.cpu, etl.memory, etl.concurrency_limit, etl.version) == (512, 1024, 1, "1")


def test_project_deployments_pass_validation_against_the_ecs_template() -> None:
    """Every deployment in flows/prefect.yaml passes deployment_problems with the real ECS template variables."""
    variables = ECSWorker.get_default_base_job_template()["variables"]["properties"]

    assert deployment_problems(load_prefect_yaml(PROJECT_YAML), project_root=ROOT, template_variables=variables) == []


def test_all_deployment_fields_are_mapped(tmp_path: Path) -> None:
    """Every honoured prefect.yaml key lands in the matching DeploymentArgs field."""
    path = write(
        tmp_path,
        """
        deployments:
          - name: etl
            entrypoint: flows/etl.py:etl
            version: "2.1"
            description: Orders
            tags: [a, b]
            paused: true
            concurrency_limit: {limit: 3}
            enforce_parameter_schema: false
            parameters: {day: 2024-01-31}
            schedule: {rrule: "FREQ=DAILY", timezone: Europe/Paris, active: false}
            work_pool:
              work_queue_name: high
              job_variables: {env: {A: "1"}, cpu: 1024, memory: 2048}
        """,
    )

    assert load_prefect_yaml(path) == [
        DeploymentArgs(
            name="etl",
            entrypoint="flows/etl.py:etl",
            version="2.1",
            description="Orders",
            tags=["a", "b"],
            paused=True,
            concurrency_limit=3,
            enforce_parameter_schema=False,
            # As `prefect deploy` sends it: a YAML date becomes an ISO string.
            parameters={"day": "2024-01-31"},
            schedules=[ScheduleArgs(rrule="FREQ=DAILY", timezone="Europe/Paris", active=False)],
            work_queue_name="high",
            job_variables={"env": {"A": "1"}},
            cpu=1024,
            memory=2048,
        )
    ]


@pytest.mark.parametrize("interval", ["3600", "PT1H", "'01:00:00'"])
def test_interval_forms_prefect_accepts_become_seconds(tmp_path: Path, interval: str) -> None:
    """Seconds, ISO 8601 durations and HH:MM:SS all become seconds, as Prefect's model reads them."""
    path = write(tmp_path, MINIMAL + f"    schedules: [{{interval: {interval}}}]\n")

    assert load_prefect_yaml(path)[0].schedules == [ScheduleArgs(interval=3600.0)]


@pytest.mark.parametrize(
    ("snippet", "field", "reason_starts"),
    [
        (
            "    build: [{prefect_docker.deployments.steps.build_docker_image: {}}]",
            "build",
            "no build; the platform builds",
        ),
        (
            "    push: [{prefect_docker.deployments.steps.push_docker_image: {}}]",
            "push",
            "no push; the platform pushes",
        ),
        ("    pull: [{prefect.deployments.steps.git_clone: {}}]", "pull", "no pull; the platform sets the pull step"),
        ("    triggers: [{type: event, enabled: true}]", "triggers", "no triggers; the platform does not manage"),
        ("    sla: [{name: late, duration: 60}]", "sla", "no sla; the platform does not manage SLAs"),
        ("    flow_name: etl", "flow_name", "no flow_name; the flow name is read"),
        ("    version_type: vcs:git", "version_type", "no version_type"),
        ("    work_pool: {name: my-pool}", "work_pool.name", "no work pool name"),
        (
            "    work_pool: {job_variables: {image: 'x:latest'}}",
            "work_pool.job_variables.image",
            "the platform's task definition pins the flows image",
        ),
        ("    work_pool: {job_queue: q}", "work_pool.job_queue", "a work_pool key the platform honours"),
        ("    colour: blue", "colour", "a prefect.yaml deployment key: "),
        ("    concurrency_limit: {limit: 1, collision_strategy: CANCEL_NEW}", "concurrency_limit", "an integer limit"),
    ],
)
def test_unhonoured_deployment_keys_are_rejected_by_name(
    tmp_path: Path, snippet: str, field: str, reason_starts: str
) -> None:
    """Keys the platform would not carry out are rejected with the field and the reason, not dropped."""
    [problem] = problems_loading(write(tmp_path, MINIMAL + snippet + "\n"))

    assert problem.field == f"prefect.yaml:deployments[etl].{field}"
    assert problem.allowed.startswith(reason_starts)


@pytest.mark.parametrize("key", ["build", "push", "pull"])
def test_top_level_steps_are_rejected(tmp_path: Path, key: str) -> None:
    """Top-level build, push and pull steps are rejected; empty ones are fine."""
    steps = write(tmp_path, MINIMAL + f"{key}:\n  - prefect.deployments.steps.run_shell_script: {{script: echo}}\n")
    (tmp_path / "empty.yaml").write_text(MINIMAL + f"{key}: null\n")

    [problem] = problems_loading(steps)
    assert problem.field == f"prefect.yaml:{key}"
    assert [d.name for d in load_prefect_yaml(tmp_path / "empty.yaml")] == ["etl"]


def test_unknown_top_level_key_is_rejected_but_definitions_is_allowed(tmp_path: Path) -> None:
    """`definitions` (YAML anchors) is accepted; any other unknown top-level key is rejected."""
    path = write(tmp_path, "definitions: {tags: &tags [x]}\nextras: 1\n" + MINIMAL + "    tags: *tags\n")

    [problem] = problems_loading(path)
    assert (problem.field, problem.value) == ("prefect.yaml:extras", 1)


def test_templates_are_rejected_where_they_appear(tmp_path: Path) -> None:
    """`{{ }}` templates are rejected with their path, including ones the model would also refuse."""
    path = write(
        tmp_path,
        """
        deployments:
          - name: etl
            entrypoint: flows/etl.py:etl
            paused: "{{ prefect.variables.paused }}"
            parameters: {bucket: "{{ $BUCKET }}"}
            work_pool: {job_variables: {env: {TOKEN: "{{ prefect.blocks.secret.token }}"}}}
        """,
    )

    assert {p.field for p in problems_loading(path)} == {
        "prefect.yaml:deployments[etl].paused",
        "prefect.yaml:deployments[etl].parameters.bucket",
        "prefect.yaml:deployments[etl].work_pool.job_variables.env.TOKEN",
    }


def test_schedule_with_two_kinds_reports_prefects_message(tmp_path: Path) -> None:
    """Prefect's own one-of rule is reported once, at the schedule, without the other union members' noise."""
    path = write(tmp_path, MINIMAL + "    schedules: [{cron: '0 6 * * *', interval: 60}]\n")

    assert problems_loading(path) == [
        Problem(
            "prefect.yaml:deployments[etl].schedules[0]",
            {"cron": "0 6 * * *", "interval": 60},
            "Value error, Exactly one of 'cron', 'interval', or 'rrule' must be provided",
        )
    ]


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ("{interval: 60, anchor_date: '2024-01-01T00:00:00Z'}", "schedules[0].anchor_date"),
        ("{cron: '0 6 * * *', replaces: old}", "schedules[0].replaces"),
        ("{cron: '0 6 * * 5', day_or: false}", "schedules[0].day_or"),
        ("{schedule: {cron: '0 6 * * *'}, slug: nested}", "schedules[0]"),
    ],
)
def test_schedule_settings_the_platform_does_not_send_are_rejected(tmp_path: Path, schedule: str, field: str) -> None:
    """anchor_date, replaces, day_or: false and the nested schedule form are rejected by name."""
    [problem] = problems_loading(write(tmp_path, MINIMAL + f"    schedules: [{schedule}]\n"))

    assert problem.field == f"prefect.yaml:deployments[etl].{field}"


def test_schedule_and_schedules_together_are_rejected(tmp_path: Path) -> None:
    """The legacy `schedule` key cannot be combined with `schedules`."""
    path = write(tmp_path, MINIMAL + "    schedule: {interval: 60}\n    schedules: [{interval: 120}]\n")

    [problem] = problems_loading(path)
    assert problem.field == "prefect.yaml:deployments[etl].schedule"


def test_missing_name_and_entrypoint_are_reported(tmp_path: Path) -> None:
    """A deployment needs a name and an entrypoint."""
    path = write(tmp_path, "deployments:\n  - description: nameless\n")

    assert [p.field for p in problems_loading(path)] == [
        "prefect.yaml:deployments[0].name",
        "prefect.yaml:deployments[0].entrypoint",
    ]


@pytest.mark.parametrize("text", ["- just\n- a list\n", "deployments: [\n"])
def test_file_that_is_not_a_yaml_mapping_is_one_problem(tmp_path: Path, text: str) -> None:
    """A list or broken YAML is reported as a problem with the file, not a traceback."""
    [problem] = problems_loading(write(tmp_path, text))

    assert problem.field == str(tmp_path / "prefect.yaml")


def test_overrides_apply_to_all_then_to_one_deployment() -> None:
    """`*` applies first, then the deployment's own override, for paused, schedule activity and size."""
    healthcheck, etl = load_prefect_yaml(
        PROJECT_YAML,
        stack="dev",
        overrides={
            "*": {"paused": True, "schedules_active": False},
            "etl-daily": {"paused": False, "cpu": 1024, "memory": 2048},
        },
    )

    assert (healthcheck.paused, etl.paused) == (True, False)
    assert [s.active for s in (*healthcheck.schedules, *etl.schedules)] == [False, False, False]
    assert (etl.cpu, etl.memory) == (1024, 2048)
    assert (healthcheck.cpu, healthcheck.memory) == (256, 512)


def test_bad_overrides_are_rejected_where_the_caller_says_they_come_from() -> None:
    """Unknown deployments, unknown keys and wrong types in overrides are all reported, under the label the
    caller gives (the stack program's is its key, deploymentOverrides)."""
    problems = problems_loading(
        PROJECT_YAML,
        stack="prod",
        overrides={"etl": {"paused": True}, "etl-daily": {"cpu": "1024", "replicas": 2}},
        overrides_label="deploymentOverrides",
    )

    assert problems == [
        Problem(
            "deploymentOverrides",
            "etl",
            "a deployment name from prefect.yaml or '*': '*', 'healthcheck', 'etl-daily'",
        ),
        Problem("deploymentOverrides.etl-daily.cpu", "1024", "a whole number, e.g. 1024"),
        Problem(
            "deploymentOverrides.etl-daily",
            "replicas",
            "override keys: paused, schedules_active, cpu, memory, ui_owned",
        ),
    ]


def test_every_problem_in_the_file_is_reported_at_once(tmp_path: Path) -> None:
    """Problems in several deployments and keys come back together."""
    path = write(
        tmp_path,
        """
        build: [{step: {}}]
        deployments:
          - name: a
            entrypoint: flows/a.py:a
            triggers: [{type: event}]
          - name: b
            entrypoint: flows/b.py:b
            work_pool: {name: other}
        """,
    )

    assert [p.field for p in problems_loading(path)] == [
        "prefect.yaml:build",
        "prefect.yaml:deployments[a].triggers",
        "prefect.yaml:deployments[b].work_pool.name",
    ]
