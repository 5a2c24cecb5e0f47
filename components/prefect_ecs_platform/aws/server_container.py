"""The hosted Prefect server's container: `prefect server start` from the flow image, on RDS for PostgreSQL.

Every value Prefect reads is named here once, so the test that starts this container definition on loopback
catches a misspelt setting: without `PREFECT_SERVER_DATABASE_DRIVER` Prefect silently keeps SQLite on the
task's disk, and asyncpg's default TLS encrypts without checking whom it talks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVER_CONTAINER_NAME = "prefect-server"
#: Its log streams are `<prefix>/<container>/<task id>` (the awslogs driver's naming).
SERVER_LOG_STREAM_PREFIX = "server"
SERVER_PORT = 4200
DATABASE_PORT = 5432
DATABASE_NAME = "prefect"
DATABASE_USER = "prefect"
#: Where the flow image keeps Amazon RDS's CA bundle (flows/Dockerfile), which verifies the database's certificate.
RDS_CA_FILE = "/etc/ssl/certs/rds-global-bundle.pem"
#: A directory the image's user can write: Prefect copies its UI build there to serve it (its packaged build
#: sits in site-packages, which the user cannot write, and the server then serves no UI).
UI_STATIC_DIRECTORY = "/tmp/prefect-ui"


@dataclass(frozen=True)
class ServerContainerSettings:
    image: str
    database_host: str
    #: The RDS-managed master user secret: a JSON document with `username` and `password`.
    database_secret_arn: str
    auth_string_secret_arn: str
    log_group_name: str
    region: str
    #: `https://<distribution domain>`, the UI as browsers reach it; None: the UI calls the API where it loaded
    #: from.
    public_url: str | None = None


def server_command() -> list[str]:
    """The server's command line, in exec form so ECS's stop signal reaches it."""
    return ["prefect", "server", "start", "--host", "0.0.0.0", "--port", str(SERVER_PORT)]


def server_environment(database_host: str, public_url: str | None = None) -> list[dict[str, str]]:
    """Prefect's settings for the server, none of them secret."""
    values = {
        "PREFECT_SERVER_DATABASE_DRIVER": "postgresql+asyncpg",
        "PREFECT_SERVER_DATABASE_HOST": database_host,
        "PREFECT_SERVER_DATABASE_PORT": str(DATABASE_PORT),
        "PREFECT_SERVER_DATABASE_NAME": DATABASE_NAME,
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED": "true",
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE": RDS_CA_FILE,
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CHECK_HOSTNAME": "true",
        # One task at a time runs (the service stops the old before it starts the new), so migrating on start
        # runs each upgrade's migrations exactly once.
        "PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "true",
        "PREFECT_SERVER_UI_STATIC_DIRECTORY": UI_STATIC_DIRECTORY,
        # Without a public URL the browser calls the API where it loaded the UI from.
        "PREFECT_SERVER_UI_API_URL": f"{public_url}/api" if public_url else "/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    if public_url:
        # The links the server writes (a flow run's page) name the UI; unset, Prefect infers them from the API
        # URL the server listens on, 0.0.0.0.
        values["PREFECT_UI_URL"] = public_url
    return [{"name": name, "value": value} for name, value in values.items()]


def server_secrets(database_secret_arn: str, auth_string_secret_arn: str) -> list[dict[str, str]]:
    """What ECS reads from Secrets Manager when the task starts: the database login and the API's auth string."""
    return [
        {"name": "PREFECT_SERVER_DATABASE_USER", "valueFrom": f"{database_secret_arn}:username::"},
        {"name": "PREFECT_SERVER_DATABASE_PASSWORD", "valueFrom": f"{database_secret_arn}:password::"},
        {"name": "PREFECT_SERVER_API_AUTH_STRING", "valueFrom": auth_string_secret_arn},
    ]


def server_container(settings: ServerContainerSettings) -> dict[str, Any]:
    """The server's container definition, as ECS takes it."""
    # /api/health answers without the auth string (Prefect exempts it and /api/ready).
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{SERVER_PORT}/api/health', timeout=5)"
    return {
        "name": SERVER_CONTAINER_NAME,
        "image": settings.image,
        "essential": True,
        "command": server_command(),
        "environment": server_environment(settings.database_host, settings.public_url),
        "secrets": server_secrets(settings.database_secret_arn, settings.auth_string_secret_arn),
        "portMappings": [{"containerPort": SERVER_PORT, "protocol": "tcp"}],
        "healthCheck": {
            "command": ["CMD", "python", "-c", probe],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            # Migrations of a first start or an upgrade run before the API answers.
            "startPeriod": 180,
        },
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": settings.log_group_name,
                "awslogs-region": settings.region,
                "awslogs-stream-prefix": SERVER_LOG_STREAM_PREFIX,
            },
        },
    }
