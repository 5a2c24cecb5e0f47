"""Facts of the flow-run container: its log stream prefix is always one CloudWatch accepts."""

from __future__ import annotations

import pytest

from prefect_ecs_platform.inputs.flow_container import flow_log_stream_prefix


@pytest.mark.parametrize(("pool", "prefix"), [("ecs-dev", "ecs-dev"), ("ecs:prod", "ecs-prod"), ("etl*", "etl-")])
def test_log_stream_prefix_has_no_colon_or_asterisk(pool: str, prefix: str) -> None:
    """A pool name Prefect allows (with `:` or `*`) still gives a valid awslogs-stream-prefix."""
    assert flow_log_stream_prefix(pool) == prefix
