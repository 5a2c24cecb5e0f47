"""The render's stand-ins pass the code that parses them only while the render runs."""

from __future__ import annotations

import asyncio

from prefect_ecs_platform.inputs.flow_container import is_digest_pinned
from prefect_ecs_platform.inputs.placeholders import UNBUILT_DIGEST, accepting_placeholders, rendering

UNBUILT = f"<account>.dkr.ecr.eu-west-1.amazonaws.com/data-flows-<known after pulumi up>@{UNBUILT_DIGEST}"


def test_an_unbuilt_image_is_refused_outside_the_render() -> None:
    assert not rendering()
    assert not is_digest_pinned(UNBUILT)
    assert not is_digest_pinned("repo:latest")


def test_an_unbuilt_image_passes_only_inside_the_render_and_tags_still_fail() -> None:
    with accepting_placeholders():
        assert is_digest_pinned(UNBUILT)
        assert not is_digest_pinned("repo:latest")
    assert not is_digest_pinned(UNBUILT)


def test_callbacks_started_inside_the_render_see_it() -> None:
    """Pulumi runs apply callbacks as asyncio tasks; a task copies the context it was created in."""

    async def in_a_task() -> bool:
        return await asyncio.create_task(asyncio.sleep(0, result=rendering()))

    with accepting_placeholders():
        runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
        try:
            assert runner.run(in_a_task()) is True
        finally:
            runner.close()
