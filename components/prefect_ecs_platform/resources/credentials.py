"""Where the dynamic providers find the Prefect API key, read at call time and never kept on a provider.

A provider object is dill-pickled into the Pulumi state, so anything stored on it would be persisted
there. The key is looked up in this order on every call:

1. The stack config key `prefect-ecs-platform:prefectApiKey`, as delivered to the provider's `configure()`.
   Pulumi's provider host (`pulumi/dynamic/__main__.py`, read for pulumi 3.272) keeps the config of the
   Configure call with namespaces, unwraps secrets, and calls `configure()` once per deserialized provider.
   That the engine sends the whole stack config there comes from pulumi/pulumi#17673 and is NOT verified
   on this machine (no Pulumi CLI here): the next two sources keep working if it does not.
2. The `PREFECT_API_KEY` environment variable of the provider host (it inherits the CLI's environment).
3. The resource's own `api_key` input, which the program should pass as a secret; it is never in outputs
   and never part of a diff, so rotating it changes no resource.

The configured value lives in this module, in the provider host's memory, not on the pickled object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import ConfigureRequest

CONFIG_KEY = "prefect-ecs-platform:prefectApiKey"
ENV_VAR = "PREFECT_API_KEY"
INPUT_KEY = "api_key"

_configured: dict[str, str | None] = {"api_key": None}


def remember_configuration(req: ConfigureRequest) -> None:
    """Keep the API key from the stack config the host passed to `configure()`, in process memory only."""
    value = req.config.get(CONFIG_KEY)
    _configured["api_key"] = str(value) if value else None


def forget_configuration() -> None:
    """Drop the configured key (tests use this to isolate lookups)."""
    _configured["api_key"] = None


def api_key(props: Mapping[str, Any]) -> str | None:
    """The Prefect API key to use for this call, or None for an unauthenticated OSS server."""
    configured = _configured["api_key"]
    if configured:
        return configured
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env
    from_input = props.get(INPUT_KEY)
    return str(from_input) if from_input else None
