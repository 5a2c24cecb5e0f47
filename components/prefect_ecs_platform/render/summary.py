"""summary.md: what a stack creates and the settings a reviewer checks, read from what the program registered.

Every line comes from a registered resource (the pool's template, the log group, the VPC, the task
definitions, the deployments), not from the configuration, so the summary shows what `pulumi up` would
send. Markdown tables fit `$GITHUB_STEP_SUMMARY`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from prefect_ecs_platform.render.artifacts import (
    CONCURRENCY_LIMIT,
    DEPLOYMENT,
    TASK_DEFINITION,
    VARIABLE,
    WORK_POOL,
    WORK_QUEUE,
)
from prefect_ecs_platform.render.costs import PRICES, USAGE_PRICED, fixed_costs, flow_run_hour
from prefect_ecs_platform.render.evaluate import Evaluation
from prefect_ecs_platform.render.plan_mocks import Registered

_MODES = {"ecs:push": "push: Prefect Cloud submits flow runs to ECS", "ecs": "worker: an ECS service runs the worker"}


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _n(value: Any) -> Any:
    """A number as written in the config: the engine hands every number over as a float."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _table(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> list[str]:
    lines = [f"| {' | '.join(header)} |", f"|{'|'.join('---' for _ in header)}|"]
    lines += [f"| {' | '.join(_cell(cell) for cell in row)} |" for row in rows]
    return lines


def _of_type(resources: list[Registered], typ: str) -> list[Registered]:
    return [r for r in resources if r.typ == typ]


def _defaults(pool: Registered) -> dict[str, Any]:
    properties = pool.inputs["base_job_template"]["variables"]["properties"]
    return {name: spec.get("default") for name, spec in properties.items()}


def _network(resources: list[Registered], pool: Registered | None) -> str:
    vpcs = _of_type(resources, "awsx:ec2:Vpc")
    public_ip = ""
    if pool is not None:
        request = pool.inputs["base_job_template"]["job_configuration"]["task_run_request"]
        awsvpc = request.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
        public_ip = "; tasks get public IPs" if awsvpc.get("assignPublicIp") == "ENABLED" else "; no public IPs"
    if not vpcs:
        return f"brought VPC and subnets{public_ip}"
    vpc = vpcs[0].inputs
    kinds = sorted({str(spec["type"]).lower() for spec in vpc.get("subnetSpecs", [])})
    nat = {"None": "no NAT gateway", "Single": "one NAT gateway"}.get(
        str(vpc.get("natGateways", {}).get("strategy")), "NAT gateways per zone"
    )
    layout = "private subnets" if "private" in kinds else "public subnets"
    return (
        f"new VPC {vpc.get('cidrBlock')} in {_n(vpc.get('numberOfAvailabilityZones'))} zones, "
        f"tasks in {layout}, {nat}{public_ip}"
    )


def _flow_runs(pool: Registered) -> str:
    defaults = _defaults(pool)
    capacity = "Fargate Spot" if defaults.get("launch_type") == "FARGATE_SPOT" else "Fargate on demand"
    return f"{_n(defaults.get('cpu'))} CPU units, {_n(defaults.get('memory'))} MiB, {capacity}"


def _logs(resources: list[Registered]) -> str:
    rows = []
    for group in _of_type(resources, "aws:cloudwatch/logGroup:LogGroup"):
        days = group.inputs.get("retentionInDays")
        kept = f"kept {_n(days)} days" if days else "kept forever"
        rows.append(f"{group.outputs.get('name')}, {kept}")
    return "; ".join(rows) or "none"


def _image(resources: list[Registered], pool: Registered | None) -> str:
    images = _of_type(resources, "awsx:ecr:Image")
    if images:
        image = images[0].inputs
        return f"built from {image.get('context')} for {image.get('platform')}, pushed to the stack's ECR repository"
    return f"brought: {_defaults(pool).get('image')}" if pool is not None else "none"


def _task_definitions(resources: list[Registered]) -> str:
    families = [
        f"{r.inputs['family']} ({r.inputs.get('cpu')}/{r.inputs.get('memory')})"
        for r in resources
        if r.typ == TASK_DEFINITION
    ]
    return ", ".join(families) or "none: prefect-aws registers one per deployment at run time"


def _services(resources: list[Registered]) -> dict[str, str]:
    """A row per ECS service: the worker's, and the hosted Prefect server's."""
    rows = {}
    for service in _of_type(resources, "aws:ecs/service:Service"):
        label = "Prefect server" if service.name.endswith("-server") else "worker service"
        rows[label] = f"{service.name}: {_n(service.inputs.get('desiredCount'))} task(s)"
    return rows


def _database(resources: list[Registered]) -> str | None:
    """The hosted server's database: its engine, class, storage and protections."""
    found = _of_type(resources, "aws:rds/instance:Instance")
    if not found:
        return None
    i = found[0].inputs
    kept = [name for name, on in (("multi-AZ", i.get("multiAz")), ("deletion protection", i.get("deletionProtection")),
                                  ("final snapshot", not i.get("skipFinalSnapshot", True))) if on]  # fmt: skip
    return (
        f"{i.get('engine')} {i.get('engineVersion')}, {i.get('instanceClass')}, {_n(i.get('allocatedStorage'))} GiB, "
        f"backups {_n(i.get('backupRetentionPeriod'))} day(s){', ' + ', '.join(kept) if kept else ''}"
    )


def _schedule(schedule: dict[str, Any]) -> str:
    spec = schedule.get("schedule", {})
    if "cron" in spec:
        text = f"cron `{spec['cron']}`"
    elif "interval" in spec:
        text = f"every {spec['interval']:g} s"
    else:
        text = f"rrule `{spec.get('rrule')}`"
    active = "" if schedule.get("active", True) else " (inactive)"
    return f"{text} {spec.get('timezone', 'UTC')}{active}"


def _deployment_rows(resources: list[Registered]) -> list[tuple[Any, ...]]:
    rows = []
    for registered in sorted(_of_type(resources, DEPLOYMENT), key=lambda r: str(r.inputs["name"])):
        inputs = registered.inputs
        job_variables = inputs.get("job_variables") or {}
        size = f"{_n(job_variables['cpu'])}/{_n(job_variables['memory'])}" if "cpu" in job_variables else "pool default"
        schedules = "; ".join(_schedule(s) for s in inputs.get("schedules") or []) or "none"
        rows.append(
            (
                inputs["name"],
                f"{inputs['flow_name']} ({inputs.get('entrypoint')})",
                schedules,
                "yes" if inputs.get("paused") else "no",
                size,
            )
        )
    return rows


def _cost_section(resources: list[Registered], pool: Registered | None) -> list[str]:
    costs = fixed_costs(resources)
    total = sum(c.monthly for c in costs)
    rows = [(c.item, f"{c.monthly:.2f}", c.how) for c in costs] + [("total", f"{total:.2f}", "")]
    lines = [
        f"## Cost before any flow runs (USD a month; {PRICES.region} list prices, {PRICES.as_of})",
        "",
        *_table(("part", "USD / month", "from"), rows),
        "",
        f"Not counted: {USAGE_PRICED}. Check the prices for your region with AWS: docs/costs.md.",
    ]
    if pool is not None:
        hour = flow_run_hour(resources, _defaults(pool))
        lines += ["", f"An hour of a flow run at the pool's default size: {hour}."]
    return [*lines, ""]


def _shared_object_section(resources: list[Registered]) -> list[str]:
    """The work queues, global concurrency limits and variables, when the stack declares any."""
    queues = sorted(_of_type(resources, WORK_QUEUE), key=lambda r: int(r.inputs["priority"]))
    limits = sorted(_of_type(resources, CONCURRENCY_LIMIT), key=lambda r: str(r.inputs["name"]))
    variables = sorted(_of_type(resources, VARIABLE), key=lambda r: str(r.inputs["name"]))
    lines: list[str] = []
    if queues:
        queue_rows = [
            (
                r.inputs["name"],
                _n(r.inputs["priority"]),
                "none" if r.inputs.get("concurrency_limit") is None else _n(r.inputs["concurrency_limit"]),
                "yes" if r.inputs.get("is_paused") else "no",
                r.inputs.get("description") or "",
            )
            for r in queues
        ]
        lines += [
            "## Work queues",
            "",
            *_table(("queue", "priority", "runs at once", "paused", "description"), queue_rows),
            "",
            "Then the pool's `default` queue, and any other queue of the pool.",
            "",
        ]
    if limits:
        rows = [
            (
                r.inputs["name"],
                _n(r.inputs["limit"]),
                _n(r.inputs.get("slot_decay_per_second") or 0),
                "yes" if r.inputs.get("active", True) else "no",
            )
            for r in limits
        ]
        lines += ["## Global concurrency limits", "", *_table(("limit", "slots", "decay/s", "active"), rows), ""]
    if variables:
        variable_rows = [
            (r.inputs["name"], json.dumps(r.inputs.get("value"), sort_keys=True), ", ".join(r.inputs.get("tags") or []))
            for r in variables
        ]
        lines += ["## Variables", "", *_table(("variable", "value", "tags"), variable_rows), ""]
    return lines


def summary_markdown(evaluation: Evaluation, files: Iterable[str]) -> str:
    # The mocks see registrations in the order their inputs resolved, which varies from run to run (a task
    # definition waits for its roles' ARNs); the summary lists them in one order so two renders match.
    resources = sorted(evaluation.resources, key=lambda r: (r.typ, r.name))
    stack_files = evaluation.files
    pools = _of_type(resources, WORK_POOL)
    pool = pools[0] if pools else None
    settings: list[tuple[str, str]] = []
    if pool is not None:
        mode = _MODES.get(pool.inputs["type"], pool.inputs["type"])
        settings.append(("mode", f"{mode} (pool `{pool.inputs['name']}`)"))
        settings.append(("flow runs", _flow_runs(pool)))
    settings += [
        ("network", _network(resources, pool)),
        ("logs", _logs(resources)),
        ("flow image", _image(resources, pool)),
        ("task definitions", _task_definitions(resources)),
    ]
    settings += list(_services(resources).items())
    database = _database(resources)
    if database:
        settings.append(("Prefect server's database", database))
    for key, source in sorted(evaluation.credential_sources.items()):
        settings.append((f"credential {key}", source))

    lines = [
        f"# Render of stack `{stack_files.stack}` (project `{stack_files.project}`)",
        "",
        f"Evaluated offline from {stack_files.stack_file.name} and the project's declared defaults, with no "
        "credentials and no AWS or Prefect calls. Values in `<...>` are known only after `pulumi up` (or "
        "the image build).",
        "",
        "## Settings",
        "",
        *_table(("setting", "value"), settings),
        "",
        *_cost_section(resources, pool),
        "## Deployments",
        "",
        *_table(("deployment", "flow", "schedules", "paused", "cpu/memory"), _deployment_rows(resources)),
        "",
        *_shared_object_section(resources),
        f"## Resources ({len(resources)})",
        "",
        *_table(("type", "name"), sorted((r.typ, r.name) for r in resources)),
        "",
        "## Files",
        "",
        *(f"- `{path}`" for path in files),
    ]
    if evaluation.warnings:
        lines += ["", "## Warnings", "", *(f"- {_cell(w)}" for w in evaluation.warnings)]
    return "\n".join(lines) + "\n"
