"""moto as an HTTP server on loopback, for AWS clients that in-process `mock_aws` cannot intercept.

prefect-aws's ECS observer reads SQS and ECS through aiobotocore, whose HTTP layer (aiohttp) bypasses
moto's in-process patching. A `ThreadedMotoServer` in this process answers every client, boto3 and
aiobotocore alike, once `AWS_ENDPOINT_URL` points at it; moto's backends are module-level state, so the
patches in `tests.support.moto.moto_patches` (applied to moto's classes) hold for the server too.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from moto.server import ThreadedMotoServer

LOOPBACK = "127.0.0.1"
#: Variables that would send a client elsewhere (a profile, a real session) or keep a stale endpoint.
_FOREIGN_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


def reset_moto(endpoint_url: str) -> None:
    """Empty every moto backend (moto's documented `/moto-api/reset`): they are shared by the whole process."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@contextmanager
def moto_server() -> Iterator[str]:
    """Run moto on a free loopback port for the duration, starting and leaving it empty; yield its endpoint URL."""
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    requests_log = logging.getLogger("werkzeug")
    level = requests_log.level
    # One line per AWS call would bury a failing test's output.
    requests_log.setLevel(logging.WARNING)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        reset_moto(endpoint_url)
        try:
            yield endpoint_url
        finally:
            reset_moto(endpoint_url)
    finally:
        server.stop()
        requests_log.setLevel(level)


@contextmanager
def aws_clients_pointed_at(endpoint_url: str, region: str) -> Iterator[boto3.Session]:
    """Send every boto3/aiobotocore client in this process to `endpoint_url`, with fake credentials.

    Yields a boto3 session for the test's own calls; the environment is restored afterwards.
    """
    with pytest.MonkeyPatch.context() as patch:
        # A service-specific endpoint (AWS_ENDPOINT_URL_SQS, ...) would win over AWS_ENDPOINT_URL.
        service_endpoints = [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")]
        for name in [*_FOREIGN_AWS_VARIABLES, *service_endpoints]:
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ENDPOINT_URL", endpoint_url)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", region)
        yield boto3.Session(region_name=region)
