"""deployment_problems: every rule on DeploymentArgs, checked against flow sources in a temporary project."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from prefect_aws.workers.ecs_worker import ECSWorker

from prefect_ecs_platform.inputs.deployment_args import DeploymentArgs, ScheduleArgs
from prefect_ecs_platform.inputs.deployment_validation import deployment_problems
from prefect_ecs_platform.inputs.flow_source import read_flow_source
from prefect_ecs_platform.inputs.job_variables import platform_job_variables
from prefect_ecs_platform.inputs.problems import Problem

TEMPLATE_VARIABLES = frozenset(ECSWorker.get_default_base_job_template()["variables"]["properties"])

FLOWS = {
    "flows/report.py": '''
        from datetime import date
        from pydantic import BaseModel, Field
        from prefect import flow

        class Window(BaseModel):
            days: int = Field(default=1, ge=1, le=31)

        @flow
        def report(region: str, day: date | None = None, limit: int = 10, window: Window = Window()):
            """Report.

            Args:
                region: where
            """

        def helper(x: int):
            pass
    ''',
    "flows/aliases.py": """
        import prefect as pf
        from prefect import flow as prefect_flow

        @pf.flow(name="Named Flow")
        def named(): ...

        @prefect_flow(retries=1)
        async def aliased_async(**options): ...

        class Holder:
            @prefect_flow
            def method(self): ...
    """,
    "flows/broken.py": "def oops(:\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, source in FLOWS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(source))
    return tmp_path


def report(**overrides: object) -> DeploymentArgs:
    fields: dict[str, object] = {
        "name": "report",
        "entrypoint": "flows/report.py:report",
        "parameters": {"region": "eu"},
    }
    return DeploymentArgs(**(fields | overrides))  # type: ignore[arg-type]


def problems_of(project: Path, *deployments: DeploymentArgs) -> list[Problem]:
    return deployment_problems(deployments, project_root=project, template_variables=TEMPLATE_VARIABLES)


def test_valid_deployment_has_no_problems(project: Path) -> None:
    """A deployment whose schedules, parameters, size and job variables all fit passes."""
    deployment = report(
        parameters={"region": "eu", "day": date(2024, 1, 31), "window": {"days": 7}},
        schedules=[
            ScheduleArgs(cron="0 6 * * *", timezone="Europe/Berlin"),
            ScheduleArgs(interval=3600, parameters={"limit": 5}),
            ScheduleArgs(rrule="FREQ=WEEKLY;BYDAY=MO", timezone="America/New_York"),
        ],
        cpu=512,
        memory=1024,
        job_variables={"env": {"LOG_LEVEL": "DEBUG"}, "launch_type": "FARGATE_SPOT"},
        concurrency_limit=2,
    )

    assert problems_of(project, deployment) == []


def test_schedule_with_two_kinds_is_rejected(project: Path) -> None:
    """A schedule naming both cron and interval is one problem naming both values."""
    deployment = report(schedules=[ScheduleArgs(cron="0 6 * * *", interval=60)])

    assert [str(p) for p in problems_of(project, deployment)] == [
        "deployments[0].schedules[0]: {cron: '0 6 * * *', interval: 60} is not allowed; "
        "exactly one of cron, interval (seconds) or rrule"
    ]


def test_schedule_with_no_kind_is_rejected(project: Path) -> None:
    """A schedule with none of cron, interval or rrule is rejected."""
    assert problems_of(project, report(schedules=[ScheduleArgs(timezone="UTC")])) == [
        Problem("deployments[0].schedules[0]", {}, "exactly one of cron, interval (seconds) or rrule")
    ]


@pytest.mark.parametrize("cron", ["61 * * * *", "not a cron", "H * * * *", "R 6 * * *"])
def test_cron_prefect_rejects_is_a_problem(project: Path, cron: str) -> None:
    """Cron strings Prefect refuses, including random and hashed fields, are named with the field."""
    assert problems_of(project, report(schedules=[ScheduleArgs(cron=cron)])) == [
        Problem(
            "deployments[0].schedules[0].cron",
            cron,
            "a cron expression Prefect accepts, e.g. '0 6 * * *' (no random R or hashed H fields)",
        )
    ]


@pytest.mark.parametrize(
    "schedule",
    [
        ScheduleArgs(cron="0 6 * * *", timezone="Mars/Olympus_Mons"),
        ScheduleArgs(interval=60, timezone="CEST"),
        ScheduleArgs(rrule="FREQ=DAILY", timezone="Europe/Atlantis"),
    ],
)
def test_timezone_must_be_iana(project: Path, schedule: ScheduleArgs) -> None:
    """Every schedule kind rejects a time zone that is not an IANA name, and only the time zone."""
    assert problems_of(project, report(schedules=[schedule])) == [
        Problem(
            "deployments[0].schedules[0].timezone",
            schedule.timezone,
            "an IANA time zone name, e.g. 'UTC' or 'Europe/Berlin'",
        )
    ]


@pytest.mark.parametrize("interval", [0, -30, float("inf"), True, "60"])
def test_interval_must_be_positive_seconds(project: Path, interval: object) -> None:
    """Zero, negative, infinite, boolean and string intervals are rejected."""
    problems = problems_of(project, report(schedules=[ScheduleArgs(interval=interval)]))  # type: ignore[arg-type]

    assert problems == [Problem("deployments[0].schedules[0].interval", interval, "a positive number of seconds")]


def test_invalid_rrule_is_a_problem(project: Path) -> None:
    """An RRULE dateutil cannot parse is rejected."""
    [problem] = problems_of(project, report(schedules=[ScheduleArgs(rrule="FREQ=SOMETIMES")]))

    assert (problem.field, problem.value) == ("deployments[0].schedules[0].rrule", "FREQ=SOMETIMES")


def test_deployment_names_must_be_unique(project: Path) -> None:
    """The second deployment with a name is rejected, pointing at the first."""
    assert problems_of(project, report(), report(), report(name="other")) == [
        Problem("deployments[1].name", "report", "a name no other deployment uses; deployments[0] has it")
    ]


def test_schedule_slugs_must_be_unique_including_derived_ones(project: Path) -> None:
    """An explicit slug equal to a derived one collides with it."""
    deployment = report(schedules=[ScheduleArgs(interval=60), ScheduleArgs(interval=120, slug="report-0")])

    assert problems_of(project, deployment) == [
        Problem(
            "deployments[0].schedules[1].slug",
            "report-0",
            "a slug unique within the deployment; schedules[0] has it",
        )
    ]


@pytest.mark.parametrize(
    ("entrypoint", "allowed_starts"),
    [
        ("flows/missing.py:report", "a file under the project root"),
        ("flows/report.py:nothing", "a top-level function of flows/report.py; it defines no 'nothing'"),
        ("flows/report.py:helper", "a Prefect flow; decorate 'helper' with @flow"),
        ("flows/aliases.py:method", "a top-level function of flows/aliases.py"),
        ("flows/broken.py:oops", "a readable Python file"),
        ("/abs/flows/report.py:report", "a path relative to the project root"),
        ("../flows/report.py:report", "a path relative to the project root"),
        ("flows.report.report", "'<relative path>.py:<function>'"),
    ],
)
def test_entrypoint_must_name_a_flow_function(project: Path, entrypoint: str, allowed_starts: str) -> None:
    """Missing files and functions, plain functions, methods and malformed paths are rejected."""
    [problem] = problems_of(project, report(entrypoint=entrypoint, parameters={}))

    assert (problem.field, problem.value) == ("deployments[0].entrypoint", entrypoint)
    assert problem.allowed.startswith(allowed_starts)


def test_flow_is_recognised_through_module_and_name_aliases(project: Path) -> None:
    """`@pf.flow(...)` and `@prefect_flow` on an async function count as Prefect flows."""
    deployments = [
        DeploymentArgs(name="a", entrypoint="flows/aliases.py:named"),
        DeploymentArgs(name="b", entrypoint="flows/aliases.py:aliased_async", parameters={"anything": 1}),
    ]

    assert problems_of(project, *deployments) == []


def test_flow_name_comes_from_the_decorator_or_the_function(project: Path) -> None:
    """The flow name is `name=` when given, else the function name with dashes, as Prefect names it."""
    assert read_flow_source("flows/aliases.py:named", project).flow_name == "Named Flow"
    assert read_flow_source("flows/aliases.py:aliased_async", project).flow_name == "aliased-async"


def test_unknown_parameter_name_lists_the_flow_parameters(project: Path) -> None:
    """A parameter the flow does not take is rejected with the names it does take."""
    assert problems_of(project, report(parameters={"region": "eu", "regoin": "us"})) == [
        Problem("deployments[0].parameters", "regoin", "parameter names of flow 'report': day, limit, region, window")
    ]


def test_parameter_types_are_checked_against_the_signature(project: Path) -> None:
    """Values are validated with the schema Prefect computes, nested model constraints included."""
    problems = problems_of(
        project, report(parameters={"region": "eu", "limit": "ten", "day": "31/01/2024", "window": {"days": 40}})
    )

    assert {(p.field, p.value) for p in problems} == {
        ("deployments[0].parameters.limit", "ten"),
        ("deployments[0].parameters.day", "31/01/2024"),
        ("deployments[0].parameters.window.days", 40),
    }
    assert "40 is greater than the maximum of 31" in next(p.allowed for p in problems if p.value == 40)


def test_schedule_parameters_are_checked_too(project: Path) -> None:
    """Schedule parameters are checked for names and types like the deployment's."""
    deployment = report(schedules=[ScheduleArgs(interval=60, parameters={"limit": "x", "colour": "red"})])

    assert {(p.field, p.value) for p in problems_of(project, deployment)} == {
        ("deployments[0].schedules[0].parameters", "colour"),
        ("deployments[0].schedules[0].parameters.limit", "x"),
    }


def test_scheduled_runs_need_every_required_parameter(project: Path) -> None:
    """A schedule whose runs would lack a required parameter is rejected; one that supplies it passes."""
    deployment = report(
        parameters={},
        schedules=[ScheduleArgs(interval=60), ScheduleArgs(interval=120, parameters={"region": "us"})],
    )

    assert problems_of(project, deployment) == [
        Problem(
            "deployments[0].schedules[0].parameters",
            ["region"],
            "a value for every required flow parameter here or in the deployment's parameters, "
            "since scheduled runs get no others",
        )
    ]


def test_cpu_and_memory_must_be_a_fargate_pair(project: Path) -> None:
    """Sizes are checked with the Fargate rules, under the deployment's field names."""
    assert problems_of(project, report(cpu=256, memory=4096)) == [
        Problem("deployments[0].memory", 4096, "with cpu=256 Fargate accepts memory (MiB) 512, 1024, 2048")
    ]


def test_cpu_without_memory_is_rejected(project: Path) -> None:
    """Giving only one of cpu and memory is rejected, since the pair cannot be checked."""
    assert problems_of(project, report(cpu=1024)) == [
        Problem(
            "deployments[0].memory", None, "cpu and memory set together, or neither to use the work pool's defaults"
        )
    ]


def test_job_variables_must_be_declared_by_the_template(project: Path) -> None:
    """A job variable the pool's template does not declare is rejected with the declared names."""
    [problem] = problems_of(project, report(job_variables={"launch_type": "FARGATE_SPOT", "gpu": 1}))

    assert (problem.field, problem.value) == ("deployments[0].job_variables", "gpu")
    assert problem.allowed.startswith("variables the work pool's job template declares: ")
    assert "launch_type" in problem.allowed
    assert "image" not in problem.allowed
    assert "cluster" not in problem.allowed


@pytest.mark.parametrize(
    "key",
    [
        "image",
        "cpu",
        "memory",
        "network_configuration",
        "cloudwatch_logs_options",
        "labels",
        "cluster",
        "execution_role_arn",
        "task_role_arn",
        "prefect_api_key_secret_arn",
        "family",
    ],
)
def test_platform_owned_job_variables_are_rejected(project: Path, key: str) -> None:
    """Variables the stack owns (image, size, network, logs, roles, cluster, secrets, family) are refused."""
    [problem] = problems_of(project, report(job_variables={key: "x"}))

    assert problem.field == f"deployments[0].job_variables.{key}"


BOOLEAN_VARIABLES = ("configure_cloudwatch_logs", "auto_deregister_task_definition", "match_latest_revision_in_family")
IGNORED_WITH_THE_STACKS_TASK_DEFINITION = [
    "image",
    "container_name",
    "configure_cloudwatch_logs",
    "cloudwatch_logs_prefix",
    "auto_deregister_task_definition",
    "match_latest_revision_in_family",
]


@pytest.mark.parametrize("key", IGNORED_WITH_THE_STACKS_TASK_DEFINITION)
def test_variables_the_stacks_task_definition_makes_ineffective_are_refused_with_the_switch_named(
    project: Path, key: str
) -> None:
    """prefect-aws ignores them once a run names a task definition: refused, naming the deployment, the variable
    and the switch (as the stack file and Python spell it) that would make them work."""
    [problem] = problems_of(project, report(name="nightly", job_variables={key: "x"}))
    assert problem.field == f"deployments[0].job_variables.{key}"
    assert "prefectRegistersTaskDefinitions (Python: prefect_registers_task_definitions)" in problem.allowed


@pytest.mark.parametrize("key", IGNORED_WITH_THE_STACKS_TASK_DEFINITION)
def test_with_the_switch_prefect_aws_honours_them(project: Path, key: str) -> None:
    """When prefect-aws registers task definitions, a deployment may bring its own image and log options."""
    value: object = {"cloudwatch_logs_options": {"awslogs-group": "x"}}.get(key, "x")
    if key in BOOLEAN_VARIABLES:
        value = True
    problems = deployment_problems(
        [report(job_variables={key: value})],
        project_root=project,
        template_variables=TEMPLATE_VARIABLES,
        platform_variables=platform_job_variables(prefect_registers_task_definitions=True),
    )
    assert problems == []


@pytest.mark.parametrize("switch", [False, True])
def test_a_deployment_never_names_a_task_definition(project: Path, switch: bool) -> None:
    """task_definition_arn is the stack's to set: the submitting principals may run no other."""
    problems = deployment_problems(
        [report(job_variables={"task_definition_arn": "arn:aws:ecs:eu-west-1:1:task-definition/other:1"})],
        project_root=project,
        template_variables=TEMPLATE_VARIABLES,
        platform_variables=platform_job_variables(prefect_registers_task_definitions=switch),
    )
    assert [p.field for p in problems] == ["deployments[0].job_variables.task_definition_arn"]


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("name", "a/b", "a non-empty name without any of / % & > <"),
        ("concurrency_limit", 0, "a positive integer, or null for no limit"),
        ("paused", "yes", "true or false"),
        ("tags", "etl", "a list of strings"),
    ],
)
def test_field_types_are_checked(project: Path, field: str, value: object, allowed: str) -> None:
    """Bad names, limits, flags and tags are reported with the field."""
    assert Problem(f"deployments[0].{field}", value, allowed) in problems_of(project, report(**{field: value}))


def test_problems_of_several_deployments_are_all_reported(project: Path) -> None:
    """Validation does not stop at the first bad deployment."""
    problems = problems_of(
        project,
        report(schedules=[ScheduleArgs(cron="bad")]),
        report(name="second", cpu=3, memory=1),
    )

    assert [p.field for p in problems] == ["deployments[0].schedules[0].cron", "deployments[1].cpu"]


def test_an_edited_flow_file_is_read_again(project: Path) -> None:
    """Flow sources are cached, but a changed file gives the new flow name and schema."""
    first = read_flow_source("flows/aliases.py:named", project)
    source = (project / "flows/aliases.py").read_text()
    (project / "flows/aliases.py").write_text(source.replace('name="Named Flow"', 'name="Renamed Flow Two"'))

    second = read_flow_source("flows/aliases.py:named", project)

    assert (first.flow_name, second.flow_name) == ("Named Flow", "Renamed Flow Two")


def test_cached_schema_cannot_be_changed_by_a_caller(project: Path) -> None:
    """Each read returns its own copy of the parameter schema."""
    read_flow_source("flows/report.py:report", project).parameter_schema["properties"].clear()

    assert "region" in read_flow_source("flows/report.py:report", project).parameter_schema["properties"]


@pytest.mark.parametrize(
    ("job_variables", "expected"),
    [
        ({"env": {"RETRIES": 3}}, "RETRIES: text or null"),
        ({"command": 5}, "text or null"),
        ({"capacity_provider_strategy": {"FARGATE": 1}}, "a list"),
    ],
)
def test_job_variable_values_are_checked_against_the_pools_template(
    project: Path, job_variables: dict[str, object], expected: str
) -> None:
    """Prefect would refuse these with a 422 halfway through `pulumi up`: the template's own schema decides here."""
    [problem] = problems_of(project, report(name="nightly", job_variables=job_variables))
    [key] = job_variables
    assert (problem.field, problem.allowed) == (f"deployments[0].job_variables.{key}", expected)


def test_ui_owned_names_only_fields_the_ui_may_own(project: Path) -> None:
    """`ui_owned` takes paused and schedules_active; anything else is named with its position and the choices."""
    assert problems_of(project, report(ui_owned=("paused", "schedules_active"))) == []
    allowed = "a list of any of: paused, schedules_active"
    assert problems_of(project, report(ui_owned=("paused", "cpu"))) == [
        Problem("deployments[0].ui_owned[1]", "cpu", allowed)
    ]
    assert problems_of(project, report(ui_owned="paused")) == [Problem("deployments[0].ui_owned", "paused", allowed)]
