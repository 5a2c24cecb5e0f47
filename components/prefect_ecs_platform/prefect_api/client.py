"""A thin synchronous client over Prefect's REST API, built on Prefect's own retrying httpx client.

`prefect.client.base.PrefectHttpxSyncClient` already retries 408, 429, 502, 503 and dropped connections
with backoff that honours Retry-After, and does not retry 500: this module adds no retry loop of its own.
It only maps routes to methods, error statuses to domain errors, and counts how many times a request
was sent so a caller can tell "409 because my own retried POST succeeded" from "409, someone else's".

Everything is synchronous on purpose: Pulumi's dynamic provider host fails on coroutine methods.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from prefect.client.base import PrefectHttpxSyncClient
from prefect.settings import get_current_settings

from prefect_ecs_platform.prefect_api.errors import NotFound, error_for_status, unreachable

# Pulumi's provider host serves a stack's resources from threads of one process. A self-hosted server on
# SQLite answers concurrent writes with 503 "database is locked" until Prefect's retries run out, so writes
# to a self-hosted server go one at a time per process, unless `pulumi up`'s environment says the server's
# database takes parallel writes (PostgreSQL). Prefect Cloud takes them in parallel. A server does not tell
# its database (its settings endpoint masks the connection URL), hence the setting.
PARALLEL_WRITES_ENV_VAR = "PREFECT_ECS_PLATFORM_PARALLEL_WRITES"
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _parallel_writes_allowed(api_url: str) -> bool:
    if is_cloud_url(api_url):
        return True
    return os.environ.get(PARALLEL_WRITES_ENV_VAR, "").strip().lower() in {"1", "true", "yes"}


def _write_lock(api_url: str) -> contextlib.AbstractContextManager[Any]:
    if _parallel_writes_allowed(api_url):
        return contextlib.nullcontext()
    with _write_locks_guard:
        return _write_locks.setdefault(api_url, threading.Lock())


class _OneWriteAtATime(httpx.BaseTransport):
    """Holds the process's write lock for one attempt of a write, not for the whole retried request.

    Prefect's client sleeps between attempts (2, 4, 8 s without Retry-After); a lock held through those
    sleeps would stop every other write of the stack while one request backs off.
    """

    def __init__(self, api_url: str, inner: httpx.BaseTransport) -> None:
        self._api_url = api_url
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return self._inner.handle_request(request)
        with _write_lock(self._api_url):
            response = self._inner.handle_request(request)
            # The server has handled the write once its answer is read; only then may the next one start.
            response.read()
        return response

    def close(self) -> None:
        self._inner.close()


# One client per API URL and credential per process (Pulumi's provider host serves every resource of a stack
# from one process): connections are reused and the CSRF token (self-hosted servers that enforce CSRF) is
# fetched once, not before every write. Credentials live only here, in memory, never on a provider object.
_shared_clients: dict[tuple[str, str], PrefectHttpxSyncClient] = {}
_shared_clients_guard = threading.Lock()
# Flow ids by (API URL, flow name): a deployment's flow is looked up once per process, not per deployment.
_flow_ids: dict[tuple[str, str], str] = {}
_flow_locks: dict[tuple[str, str], threading.Lock] = {}
# Times each request was sent, per thread: Prefect's client retries within the thread that sent the request,
# and a shared client serves several threads at once.
_attempts = threading.local()


def _count_attempt(request: httpx.Request) -> None:
    counts = _attempts.__dict__.setdefault("counts", {})
    key = (request.method, str(request.url))
    counts[key] = counts.get(key, 0) + 1


def forget_shared_state() -> None:
    """Close the shared clients and drop cached flow ids (tests, and a process that changes servers)."""
    with _shared_clients_guard:
        for client in _shared_clients.values():
            client.close()
        _shared_clients.clear()
        _flow_ids.clear()


def is_cloud_url(api_url: str) -> bool:
    """Whether `api_url` addresses a Prefect Cloud workspace (its routes live under accounts/workspaces)."""
    return "/accounts/" in api_url and "/workspaces/" in api_url


def _segment(value: str) -> str:
    return quote(value, safe="")


def _authorization(api_key: str | None, auth_string: str | None) -> dict[str, str]:
    # Same precedence as prefect's own client: a server's basic auth wins over an API key.
    if auth_string:
        return {"Authorization": "Basic " + base64.b64encode(auth_string.encode()).decode()}
    if api_key:
        return {"Authorization": f"Bearer {api_key}"}
    return {}


class PrefectApi:
    """Prefect REST calls used by the dynamic resources; each method names the object in its errors."""

    def __init__(
        self,
        api_url: str,
        api_key: str | None = None,
        *,
        auth_string: str | None = None,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
        shared: bool = False,
    ) -> None:
        """`shared` uses the process's client for this URL and credential (see `_shared_clients`).

        `timeout` defaults to Prefect's own setting, PREFECT_API_REQUEST_TIMEOUT, as Prefect's clients do.
        """
        self.api_url = api_url.rstrip("/")
        if timeout is None:
            timeout = float(get_current_settings().api.request_timeout)
        headers = _authorization(api_key, auth_string)
        self._shared = shared and transport is None
        if self._shared:
            key = (self.api_url, headers.get("Authorization", ""))
            with _shared_clients_guard:
                if key not in _shared_clients:
                    _shared_clients[key] = self._new_client(headers, timeout, None)
                self._http = _shared_clients[key]
        else:
            self._http = self._new_client(headers, timeout, transport)

    def _new_client(
        self, headers: dict[str, str], timeout: float, transport: httpx.BaseTransport | None
    ) -> PrefectHttpxSyncClient:
        return PrefectHttpxSyncClient(
            base_url=self.api_url + "/",
            headers=headers,
            timeout=timeout,
            transport=_OneWriteAtATime(self.api_url, transport or httpx.HTTPTransport()),
            # Same rule as prefect's own client: OSS servers may enforce CSRF, Cloud does not use it.
            enable_csrf_support=not is_cloud_url(self.api_url),
            event_hooks={"request": [_count_attempt]},
        )

    def close(self) -> None:
        """Close the underlying connection pool, unless it is the process's shared one."""
        if not self._shared:
            self._http.close()

    def __enter__(self) -> PrefectApi:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[Any, int]:
        """Send one request (retried by Prefect's client); return (decoded body or None, times sent)."""
        url = self._http.build_request(method, path.lstrip("/"), params=params).url
        key = (method, str(url))
        counts = _attempts.__dict__.setdefault("counts", {})
        counts.pop(key, None)
        try:
            # Prefect's client raises on every error status (its CSRF handshake depends on that); the
            # response is mapped below to a domain error naming the object.
            response = self._http.request(method, path.lstrip("/"), json=json, params=params)
        except httpx.HTTPStatusError as exc:
            response = exc.response
        except httpx.HTTPError as exc:
            raise unreachable(what, self.api_url, exc) from None
        attempts = counts.pop(key, 1)
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = response.text
        if response.status_code >= 400:
            fallback = response.text or response.reason_phrase
            error = error_for_status(what, response.status_code, body, fallback)
            error.attempts = attempts
            raise error
        return body, attempts

    @staticmethod
    def segment(value: str) -> str:
        """`value` quoted as one path segment."""
        return _segment(value)

    def read(self, path: str, what: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET one object."""
        body, _ = self.request("GET", path, what, params=params)
        return dict(body)

    def remove(self, path: str, what: str) -> bool:
        """DELETE that treats 404 as done; returns whether something was deleted."""
        try:
            self.request("DELETE", path, what)
        except NotFound:
            return False
        return True

    # Work pools: addressed by name.

    def read_work_pool(self, name: str) -> dict[str, Any]:
        """GET a work pool by name."""
        return self.read(f"/work_pools/{_segment(name)}", f"work pool {name!r}")

    def create_work_pool(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """POST a `WorkPoolCreate` body; return the stored pool and how many times the POST was sent."""
        stored, attempts = self.request("POST", "/work_pools/", f"work pool {body.get('name')!r}", json=body)
        return dict(stored), attempts

    def update_work_pool(self, name: str, body: dict[str, Any]) -> None:
        """PATCH a work pool with a `WorkPoolUpdate` body."""
        self.request("PATCH", f"/work_pools/{_segment(name)}", f"work pool {name!r}", json=body)

    def delete_work_pool(self, name: str) -> bool:
        """DELETE a work pool; False when it was already gone."""
        return self.remove(f"/work_pools/{_segment(name)}", f"work pool {name!r}")

    # Flows.

    def read_flow(self, flow_id: str) -> dict[str, Any]:
        """GET a flow by id."""
        return self.read(f"/flows/{flow_id}", f"flow {flow_id}")

    def read_flow_by_name(self, name: str) -> dict[str, Any]:
        """GET a flow by name."""
        return self.read(f"/flows/name/{_segment(name)}", f"flow {name!r}")

    def ensure_flow(self, name: str) -> tuple[str, bool]:
        """Create the flow when missing (POST /flows/ is an upsert); return (id, whether it was new).

        The id is remembered for the process: later deployments of the flow need no request for it.
        """
        key = (self.api_url, name)
        cached = _flow_ids.get(key)
        if cached is not None:
            return cached, False
        with _shared_clients_guard:
            lock = _flow_locks.setdefault(key, threading.Lock())
        # One lookup per flow: the engine creates a flow's deployments at once, and each would look it up.
        with lock:
            cached = _flow_ids.get(key)
            if cached is not None:
                return cached, False
            try:
                flow_id, new = str(self.read_flow_by_name(name)["id"]), False
            except NotFound:
                body, _ = self.request("POST", "/flows/", f"flow {name!r}", json={"name": name})
                flow_id, new = str(body["id"]), True
            _flow_ids[key] = flow_id
        return flow_id, new

    def remembers_flow(self, name: str) -> bool:
        """Whether `ensure_flow` would answer from memory."""
        return (self.api_url, name) in _flow_ids

    def forget_flow(self, name: str) -> None:
        """Drop a remembered flow id (the flow was deleted, here or on the server)."""
        _flow_ids.pop((self.api_url, name), None)

    def delete_flow(self, flow_id: str) -> bool:
        """DELETE a flow (and, server-side, its deployments)."""
        for key in [key for key, known in _flow_ids.items() if known == flow_id]:
            del _flow_ids[key]
        return self.remove(f"/flows/{flow_id}", f"flow {flow_id}")

    # Deployments: addressed by id; (flow name, deployment name) is their unique key.

    def read_deployment(self, deployment_id: str) -> dict[str, Any]:
        """GET a deployment by id."""
        return self.read(f"/deployments/{deployment_id}", f"deployment {deployment_id}")

    def read_deployment_by_name(self, flow_name: str, name: str) -> dict[str, Any]:
        """GET a deployment by flow name and deployment name."""
        return self.read(f"/deployments/name/{_segment(flow_name)}/{_segment(name)}", f"deployment {flow_name}/{name}")

    def upsert_deployment(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        """POST a `DeploymentCreate` body: an upsert on (flow_id, name) that recreates every schedule."""
        stored, _ = self.request("POST", "/deployments/", what, json=body)
        return dict(stored)

    def update_deployment(self, deployment_id: str, body: dict[str, Any], what: str) -> None:
        """PATCH a deployment with a `DeploymentUpdate` body."""
        self.request("PATCH", f"/deployments/{deployment_id}", what, json=body)

    def delete_deployment(self, deployment_id: str) -> bool:
        """DELETE a deployment; False when it was already gone."""
        return self.remove(f"/deployments/{deployment_id}", f"deployment {deployment_id}")

    def delete_deployment_schedule(self, deployment_id: str, schedule_id: str, what: str) -> bool:
        """DELETE one schedule of a deployment (PATCH never removes schedules)."""
        return self.remove(f"/deployments/{deployment_id}/schedules/{schedule_id}", what)

    # Blocks.

    def read_block_type(self, slug: str) -> dict[str, Any]:
        """GET a block type by slug."""
        return self.read(f"/block_types/slug/{_segment(slug)}", f"block type {slug!r}")

    def read_block_schema_by_checksum(self, checksum: str) -> dict[str, Any]:
        """GET a block schema by checksum (several schemas of one block type can coexist)."""
        return self.read(f"/block_schemas/checksum/{_segment(checksum)}", f"block schema {checksum}")

    def create_block_schema(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        """POST a `BlockSchemaCreate` body."""
        stored, _ = self.request("POST", "/block_schemas/", what, json=body)
        return dict(stored)

    def read_block_document(self, block_id: str) -> dict[str, Any]:
        """GET a block document with its secret values unmasked."""
        return self.read(
            f"/block_documents/{block_id}", f"block document {block_id}", params={"include_secrets": "true"}
        )

    def read_block_document_by_name(self, block_type_slug: str, name: str) -> dict[str, Any]:
        """GET a block document by block type slug and name, secrets unmasked."""
        return self.read(
            f"/block_types/slug/{_segment(block_type_slug)}/block_documents/name/{_segment(name)}",
            f"{block_type_slug} block {name!r}",
            params={"include_secrets": "true"},
        )

    def create_block_document(self, body: dict[str, Any], what: str) -> tuple[dict[str, Any], int]:
        """POST a `BlockDocumentCreate` body; return the stored document and how many times it was sent."""
        stored, attempts = self.request("POST", "/block_documents/", what, json=body)
        return dict(stored), attempts

    def update_block_document(self, block_id: str, body: dict[str, Any], what: str) -> None:
        """PATCH a block document with a `BlockDocumentUpdate` body."""
        self.request("PATCH", f"/block_documents/{block_id}", what, json=body)

    def delete_block_document(self, block_id: str) -> bool:
        """DELETE a block document; False when it was already gone."""
        return self.remove(f"/block_documents/{block_id}", f"block document {block_id}")
