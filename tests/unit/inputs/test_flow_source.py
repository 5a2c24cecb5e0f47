"""A flow's source, read without importing it: annotations must name something the module binds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from prefect_ecs_platform.inputs.flow_source import EntrypointError, read_flow_source

HEADER = """\
from __future__ import annotations

import datetime
from typing import Literal

from prefect import flow
from pydantic import BaseModel


class Window(BaseModel):
    days: int = 1

"""


def flow_file(tmp_path: Path, signature: str) -> Path:
    (tmp_path / "flows").mkdir(exist_ok=True)
    body = HEADER + textwrap.dedent(f"@flow\ndef etl({signature}) -> None:\n    pass\n")
    (tmp_path / "flows" / "etl.py").write_text(body)
    return tmp_path


@pytest.mark.parametrize(
    "signature",
    [
        "window: Window | None = None",
        "day: datetime.date | None = None, mode: Literal['full', 'delta'] = 'full'",
        "windows: list[Window] = [], count: int = 1",
        "window: 'Window | None' = None",
    ],
)
def test_annotations_naming_imports_definitions_builtins_and_literal_values_pass(
    tmp_path: Path, signature: str
) -> None:
    source = read_flow_source("flows/etl.py:etl", flow_file(tmp_path, signature))
    assert source.flow_name == "etl"


@pytest.mark.parametrize(
    ("signature", "name"),
    [("window: Windw | None = None", "Windw"), ("days: list[Dayz] = []", "Dayz"), ("w: 'Windw' = None", "Windw")],
)
def test_an_annotation_that_names_nothing_is_refused_before_prefect_drops_it(
    tmp_path: Path, signature: str, name: str
) -> None:
    """Prefect's schema silently leaves such a parameter untyped, and every run then fails to load the flow."""
    with pytest.raises(EntrypointError) as raised:
        read_flow_source("flows/etl.py:etl", flow_file(tmp_path, signature))
    assert f"{name!r} (parameter" in str(raised.value)
    assert "is not imported, defined in flows/etl.py or a builtin" in str(raised.value)
