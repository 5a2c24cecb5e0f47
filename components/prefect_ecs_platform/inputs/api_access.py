"""Where the stack's Prefect objects, worker and flow runs reach Prefect's API, and with what credentials.

The user's URL, key and auth string, or those of the server the stack hosts, whose URL is known only once its
load balancer exists: so the URL is an Input here, while `PrefectEcsPlatformArgs.prefect_api_url` stays text
the rules can check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from prefect_ecs_platform.inputs.args import PrefectEcsPlatformArgs


@dataclass(frozen=True)
class PrefectApiAccess:
    url: pulumi.Input[str]
    api_key: pulumi.Input[str] | None = None
    auth_string: pulumi.Input[str] | None = None
    #: What must exist, and answer, before anything is created through this API: the hosted server.
    ready: tuple[pulumi.Resource, ...] = ()
    #: The auth string is the stack's own (a hosted server's): it wins over one in `pulumi up`'s environment.
    auth_string_from_stack: bool = False

    @classmethod
    def given(cls, args: PrefectEcsPlatformArgs) -> PrefectApiAccess:
        """The API the user named."""
        return cls(url=args.prefect_api_url, api_key=args.prefect_api_key, auth_string=args.prefect_api_auth_string)

    def resource_inputs(self) -> dict[str, Any]:
        """The inputs every Prefect resource of this package takes for its API."""
        inputs = {"api_url": self.url, "api_key": self.api_key, "api_auth_string": self.auth_string}
        # Only when set: the inputs of every other stack's objects stay as they were.
        return {**inputs, "api_auth_string_from_stack": True} if self.auth_string_from_stack else inputs
