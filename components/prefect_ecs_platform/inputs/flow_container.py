"""Facts about the flow-run container that the inputs, the AWS half and the Prefect half agree on."""

from __future__ import annotations

import re

from prefect_ecs_platform.inputs.placeholders import UNBUILT_DIGEST, rendering

#: The container name flow runs use; the job template and the task definition agree on it.
FLOW_CONTAINER_NAME = "prefect"

_DIGEST_PINNED = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
DIGEST_PINNED_ALLOWED = "an image pinned by digest: <repository>@sha256:<64 hex>"


def is_digest_pinned(image_uri: str) -> bool:
    """Whether `image_uri` names one exact build (`repository@sha256:<digest>`), not a movable tag.

    Under the offline render the stack's own image has no digest yet: its marked stand-in passes there only.
    """
    if rendering() and image_uri.endswith(f"@{UNBUILT_DIGEST}"):
        return True
    return bool(_DIGEST_PINNED.match(image_uri))


def flow_log_stream_prefix(work_pool_name: str) -> str:
    """The awslogs stream prefix of the pool's flow runs: its name, minus what CloudWatch refuses (`:` and `*`)."""
    return work_pool_name.replace(":", "-").replace("*", "-")


def family_safe(work_pool_name: str) -> str:
    """The pool's name as an ECS task definition family takes it (letters, digits, hyphens, underscores)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", work_pool_name)


def flow_run_family(work_pool_name: str) -> str:
    """The family of the flow-run task definition the stack registers for the pool."""
    return f"prefect_{family_safe(work_pool_name)}"


def registered_family_prefix(work_pool_name: str) -> str:
    """How the families prefect-aws registers for the pool begin: `prefect_<pool>_<deployment id>`."""
    return f"prefect_{work_pool_name}_"
