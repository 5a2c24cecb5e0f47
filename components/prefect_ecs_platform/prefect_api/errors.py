"""Domain errors for the Prefect API, each naming the object and carrying Prefect's own message."""

from __future__ import annotations

from typing import Any

# Pydantic lists one error per member of a union (interval, cron, rrule schedules): these two say only
# "this was not that member" and bury the one message that explains the rejection.
_UNION_NOISE = frozenset({"Field required", "Extra inputs are not permitted"})


class PrefectApiError(Exception):
    """A request the Prefect API refused or could not answer; `str()` names the object and Prefect's reason."""

    def __init__(self, what: str, message: str, status_code: int | None = None) -> None:
        self.what = what
        self.message = message
        self.status_code = status_code
        # How many times the request went out: Prefect's client re-sends a POST after a read timeout.
        self.attempts = 1
        status = f" (HTTP {status_code})" if status_code is not None else ""
        super().__init__(f"{what}: {message}{status}")


class NotFound(PrefectApiError):
    """The object does not exist on the server (HTTP 404)."""


class Conflict(PrefectApiError):
    """The server refused because of existing state, e.g. a name already taken (HTTP 409)."""


def _location(loc: list[Any]) -> str:
    # Union member names such as "function-after[validate_timezone(), CronSchedule]" are noise to a user.
    parts = [str(p) for p in loc if p != "body" and "[" not in str(p) and not str(p).endswith("Schedule")]
    return ".".join(parts)


def _validation_messages(details: list[Any]) -> list[str]:
    entries = [d for d in details if isinstance(d, dict) and "msg" in d]
    meaningful = [d for d in entries if d["msg"] not in _UNION_NOISE] or entries
    messages: list[str] = []
    for entry in meaningful:
        text = str(entry["msg"]).removeprefix("Value error, ")
        where = _location(entry.get("loc") or [])
        line = f"{where}: {text}" if where else text
        if line not in messages:
            messages.append(line)
    return messages


def message_from_body(body: Any, fallback: str) -> str:
    """Extract Prefect's human message from an error response body (FastAPI `detail` or Prefect's 422 shape)."""
    if not isinstance(body, dict):
        return fallback
    for key in ("exception_detail", "detail"):
        detail = body.get(key)
        if isinstance(detail, list):
            messages = _validation_messages(detail)
            if messages:
                return "; ".join(messages)
        elif isinstance(detail, str) and detail:
            return detail
    message = body.get("exception_message")
    return message if isinstance(message, str) and message else fallback


def error_for_status(what: str, status_code: int, body: Any, fallback: str) -> PrefectApiError:
    """Map an HTTP error status to the matching domain error."""
    message = message_from_body(body, fallback)
    if status_code == 404:
        return NotFound(what, message, status_code)
    if status_code == 409:
        return Conflict(what, message, status_code)
    return PrefectApiError(what, message, status_code)


def unreachable(what: str, api_url: str, error: Exception) -> PrefectApiError:
    """The error for a request that got no answer: the server, what went wrong, and what to check.

    Raised without its httpx cause: Pulumi's provider host prints the whole chained traceback, and
    httpx's and httpcore's frames say nothing a user can act on.
    """
    cause = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return PrefectApiError(
        what,
        f"no answer from the Prefect API at {api_url} ({cause}). Check that the "
        "server is running and reachable from where pulumi runs, and that prefectApiUrl is its API URL "
        "(ending in /api); rerun pulumi up once it answers",
    )
