"""Where the dynamic providers find Prefect credentials, read at call time and never kept on a provider.

A provider object is dill-pickled into the Pulumi state, so anything stored on it would be persisted
there. Two credentials exist: the API key (Prefect Cloud, `Authorization: Bearer`) and the auth string
of a self-hosted server with basic auth (`Authorization: Basic`). Each is looked up in this order on
every call:

1. The stack config key (`prefectApiKey`, `prefectApiAuthString`) in the project's namespace, or else in
   `prefect-ecs-platform:` (this repository's project, which consumers used before), as delivered to the
   provider's `configure()`. Pulumi's provider host (`pulumi/dynamic/__main__.py`,
   read for pulumi 3.272) keeps the config of the Configure call with namespaces, unwraps secrets, and
   calls `configure()` once per deserialized provider. That the engine sends the whole stack config there
   comes from pulumi/pulumi#17673 and is NOT verified on this machine (no Pulumi CLI here): the next two
   sources keep working if it does not.
2. The environment variable of the provider host (it inherits the CLI's environment).
3. The resource's own input, which the program passes as a secret; it is never in outputs and never part
   of a diff, so rotating it changes no resource.

A resource with the (non-secret) input `api_auth_string_from_stack: true` takes its auth string input first:
a hosted stack generates the string its server checks, so an unrelated `PREFECT_API_AUTH_STRING` in the
environment of `pulumi up`, or in the config, must not replace it. Without the flag (every other stack, and
every object created before the flag existed) the order above holds.

Configured values live in this module, in the provider host's memory, not on the pickled object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import ConfigureRequest

from prefect_ecs_platform.inputs.config_keys import API_KEY_KEY, AUTH_STRING_KEY, NAMESPACE


@dataclass(frozen=True)
class Credential:
    #: The key without a namespace: `Config.get` reads it from the project's.
    config_key: str
    env_var: str
    input_key: str


API_KEY = Credential(API_KEY_KEY, "PREFECT_API_KEY", "api_key")
AUTH_STRING = Credential(AUTH_STRING_KEY, "PREFECT_API_AUTH_STRING", "api_auth_string")
CREDENTIALS = (API_KEY, AUTH_STRING)
#: The input that puts the resource's own auth string first (see above).
AUTH_STRING_FROM_STACK = "api_auth_string_from_stack"

_configured: dict[str, str | None] = {}


def remember_configuration(req: ConfigureRequest) -> None:
    """Keep the credentials from the stack config the host passed to `configure()`, in process memory only."""
    for credential in CREDENTIALS:
        value = req.config.get(credential.config_key) or req.config.get(f"{NAMESPACE}:{credential.config_key}")
        _configured[credential.config_key] = str(value) if value else None


def forget_configuration() -> None:
    """Drop configured credentials (tests use this to isolate lookups)."""
    _configured.clear()


def lookup(credential: Credential, props: Mapping[str, Any]) -> str | None:
    """The credential to use for this call, or None when none is given anywhere."""
    configured = _configured.get(credential.config_key)
    if configured:
        return configured
    from_env = os.environ.get(credential.env_var)
    if from_env:
        return from_env
    from_input = props.get(credential.input_key)
    return str(from_input) if from_input else None


def api_key(props: Mapping[str, Any]) -> str | None:
    """The Prefect API key to use for this call, or None for a server without one."""
    return lookup(API_KEY, props)


def auth_string(props: Mapping[str, Any]) -> str | None:
    """The `user:password` of a self-hosted server with basic auth, or None."""
    own = props.get(AUTH_STRING.input_key)
    if props.get(AUTH_STRING_FROM_STACK) is True and own:
        return str(own)
    return lookup(AUTH_STRING, props)
