"""The Table Schemas are the single source of truth: the ingest frames' columns must follow them."""

from __future__ import annotations

import json

import polars as pl
import pytest

from cscbench.core.paths import ROOT
from cscbench.ingest import announcements, caveats, neighbours, ofsted
from cscbench.ingest.areas import AREA_COLUMNS
from cscbench.ingest.common import INDICATOR_COLUMNS, OBSERVATION_COLUMNS
from cscbench.package.schema import load_table_schema, polars_dtypes

FRAMES: dict[str, dict[str, pl.DataType]] = {
    "observations": OBSERVATION_COLUMNS,
    "indicators": INDICATOR_COLUMNS,
    "areas": AREA_COLUMNS,
    "statistical_neighbours": neighbours.COLUMNS,
    "inspections": ofsted.COLUMNS,
    "announcements": announcements.ANNOUNCEMENT_COLUMNS,
    "caveats": caveats.CAVEAT_COLUMNS,
}


@pytest.mark.parametrize("resource", sorted(FRAMES))
def test_ingest_columns_follow_the_schema(resource: str) -> None:
    schema = load_table_schema(ROOT / "schemas" / f"{resource}.schema.json")
    assert list(FRAMES[resource]) == [f["name"] for f in schema["fields"]]


@pytest.mark.parametrize("resource", sorted(FRAMES))
def test_ingest_dtypes_agree_with_the_schema_types(resource: str) -> None:
    """Enums are text while ingesting; everything else has the schema's type."""
    schema = load_table_schema(ROOT / "schemas" / f"{resource}.schema.json")
    for name, dtype in polars_dtypes(schema).items():
        expected = pl.String() if isinstance(dtype, pl.Enum) else dtype
        assert FRAMES[resource][name] == expected, (resource, name)


def test_every_schema_is_in_the_descriptor() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    listed = {r["name"] for r in descriptor["resources"]}
    assert listed == {
        p.name.removesuffix(".schema.json") for p in (ROOT / "schemas").glob("*.json")
    }
