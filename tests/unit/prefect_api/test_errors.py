"""Error mapping: Prefect's reason surfaces, named after the object, with the right domain error."""

from __future__ import annotations

from prefect_ecs_platform.prefect_api.errors import Conflict, NotFound, PrefectApiError, error_for_status

CRON_422 = {
    "exception_message": "Invalid request received.",
    "exception_detail": [
        {
            "type": "missing",
            "loc": ["body", "schedules", 0, "schedule", "function-after[validate_timezone(), IntervalSchedule]"],
            "msg": "Field required",
        },
        {
            "type": "value_error",
            "loc": ["body", "schedules", 0, "schedule", "function-after[validate_timezone(), CronSchedule]", "cron"],
            "msg": 'Value error, Invalid cron string: "61 * * * *"',
        },
        {
            "type": "extra_forbidden",
            "loc": ["body", "schedules", 0, "schedule", "RRuleSchedule", "cron"],
            "msg": "Extra inputs are not permitted",
        },
    ],
}


def test_union_422_keeps_only_the_meaningful_message() -> None:
    """The cron message buried among union-member noise is the one reported, with its field path."""
    error = error_for_status("deployment f/d", 422, CRON_422, "fallback")
    assert type(error) is PrefectApiError
    assert str(error) == 'deployment f/d: schedules.0.schedule.cron: Invalid cron string: "61 * * * *" (HTTP 422)'


def test_status_codes_map_to_domain_errors() -> None:
    """404 is NotFound and 409 is Conflict, each carrying FastAPI's detail string."""
    missing = error_for_status("work pool 'p'", 404, {"detail": "Work pool not found."}, "x")
    taken = error_for_status("work pool 'p'", 409, {"detail": "A work pool with this name already exists."}, "x")
    assert isinstance(missing, NotFound)
    assert isinstance(taken, Conflict)
    assert str(taken) == "work pool 'p': A work pool with this name already exists. (HTTP 409)"


def test_unparseable_body_falls_back_to_the_response_text() -> None:
    """A 500 with a plain-text body reports that text."""
    assert error_for_status("flow 'f'", 500, "Internal Server Error", "Internal Server Error").message == (
        "Internal Server Error"
    )
