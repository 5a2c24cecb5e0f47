"""The Prefect API URL and Prefect object names: checked by the component before anything is created, and
by the providers in Pulumi's provider host, which should not import the rest of the input checks (they bring
in prefect-aws's worker)."""

import re
from urllib.parse import urlparse

from prefect_ecs_platform.inputs.problems import MISSING, Problem

PREFECT_NAME_BANNED_CHARACTERS = ("/", "%", "&", ">", "<")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_CLOUD_PATH = re.compile(rf"^/api/accounts/{_UUID}/workspaces/{_UUID}$")


def is_prefect_cloud_url(url: str) -> bool:
    """Whether `url` is a Prefect Cloud workspace API URL."""
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(_CLOUD_PATH.match(parsed.path.rstrip("/")))


_BROWSER_PATH = re.compile(rf"^/account/({_UUID})/workspace/({_UUID})")
_CLOUD_HOSTS = ("api.prefect.cloud", "app.prefect.cloud")


def _cloud_url_problems(url: str) -> list[Problem] | None:
    """Problems of a URL on a Prefect Cloud host; None when the host is not Prefect Cloud's."""
    parsed = urlparse(url)
    if parsed.hostname not in _CLOUD_HOSTS:
        return None
    browser = _BROWSER_PATH.match(parsed.path)
    if parsed.hostname == "app.prefect.cloud" and browser:
        api = f"https://api.prefect.cloud/api/accounts/{browser[1]}/workspaces/{browser[2]}"
        return [Problem("prefect_api_url", url, f"the workspace's API URL, not the browser's: {api}")]
    if parsed.scheme != "https":
        secure = parsed._replace(scheme="https").geturl()
        return [Problem("prefect_api_url", url, f"Prefect Cloud is served over https only: {secure}")]
    return None


def api_url_problems(url: str) -> list[Problem]:
    cloud = _cloud_url_problems(url)
    if cloud is not None:
        return cloud
    parsed = urlparse(url)
    allowed = (
        "a Prefect Cloud workspace URL https://api.prefect.cloud/api/accounts/<uuid>/workspaces/<uuid> "
        "or a Prefect server URL ending in /api, such as http://prefect.internal:4200/api"
    )
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return [Problem("prefect_api_url", url, allowed)]
    path = parsed.path.rstrip("/")
    if "/accounts/" in path and not _CLOUD_PATH.match(path):
        return [Problem("prefect_api_url", url, allowed)]
    if "/accounts/" not in path and not path.endswith("/api"):
        return [Problem("prefect_api_url", url, allowed)]
    return []


def work_pool_name_problems(name: str, field: str = "work_pool_name") -> list[Problem]:
    if not name or not name.strip():
        return [Problem(field, name, "a non-empty name")]
    if name.lower().startswith("prefect"):
        return [Problem(field, name, 'Prefect reserves names starting with "prefect"; choose another')]
    banned = [c for c in PREFECT_NAME_BANNED_CHARACTERS if c in name]
    if banned:
        return [Problem(field, name, f"Prefect names may not contain {' '.join(PREFECT_NAME_BANNED_CHARACTERS)}")]
    return []


def object_name_problems(name: object, field: str) -> list[Problem]:
    """A queue's or a global concurrency limit's name: text, not blank, none of Prefect's banned characters."""
    if not isinstance(name, str) or not name.strip() or any(c in name for c in PREFECT_NAME_BANNED_CHARACTERS):
        banned = " ".join(PREFECT_NAME_BANNED_CHARACTERS)
        return [Problem(field, name or MISSING, f"a name without {banned}, as Prefect requires")]
    return []
