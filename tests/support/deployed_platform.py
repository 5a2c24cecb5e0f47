"""The component deployed under Pulumi's mocks, with every output it registers resolved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from prefect_ecs_platform import PrefectEcsPlatform, PrefectEcsPlatformArgs
from prefect_ecs_platform.platform import OUTPUT_NAMES
from tests.support.pulumi_mocks import PulumiHarness


def deploy_platform(
    harness: PulumiHarness,
    args: PrefectEcsPlatformArgs,
    name: str = "data",
    *,
    also: Callable[[PrefectEcsPlatform], dict[str, pulumi.Input[Any]]] | None = None,
) -> dict[str, Any]:
    """Run the component `name` on the harness's mocks; return its outputs by name, and what `also` adds.

    Every output is awaited, so a test sees each value the stack would export, and the registrations of
    all the children behind them.
    """

    def program() -> dict[str, Any]:
        platform = PrefectEcsPlatform(name, args)
        outputs: dict[str, Any] = {
            output: pulumi.Output.from_input(getattr(platform, output)) for output in OUTPUT_NAMES
        }
        if also:
            outputs.update({key: pulumi.Output.from_input(value) for key, value in also(platform).items()})
        return outputs

    return harness.run(program)
