"""Foreign keys of several fields (caveats -> observations): the fast engine agrees with a naive
reference, and a malformed declaration is a located schema problem, not a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscbench.core.paths import ROOT
from cscbench.package import schema as sch
from cscbench.validate.report import Tally
from cscbench.validate.run import validate_frame, validate_package

# The child names its key (a, b); the parent holds it as (q, p), in another order and under other
# names, so the check must pair the fields as declared, not by name or position.
CHILD_SCHEMA: dict[str, Any] = {
    "fields": [{"name": "a"}, {"name": "b"}, {"name": "note"}],
    "foreignKeys": [
        {"fields": ["a", "b"], "reference": {"resource": "parent", "fields": ["p", "q"]}}
    ],
}
VALUES = st.sampled_from(["x", "y", "z", "", "x, y"]).map(lambda v: v or None)
PAIRS = st.lists(st.tuples(VALUES, VALUES), max_size=10)


def naive_failures(child: list[tuple[Any, Any]], parent: list[tuple[Any, Any]]) -> list[int]:
    """Row by row: a tuple with no empty part must be one of the parent's tuples."""
    known = set(parent)
    return [i for i, row in enumerate(child) if None not in row and row not in known]


@settings(max_examples=60, deadline=None)
@given(child=PAIRS, parent=PAIRS)
def test_composite_foreign_key_agrees_with_a_naive_reference(
    child: list[tuple[Any, Any]], parent: list[tuple[Any, Any]]
) -> None:
    text = {"a": pl.String, "b": pl.String, "note": pl.String}
    child_frame = pl.DataFrame([(a, b, "n") for a, b in child], schema=text, orient="row")
    parent_frame = pl.DataFrame(
        [(b, a) for a, b in parent], schema={"q": pl.String, "p": pl.String}, orient="row"
    )
    frames = {"child": child_frame, "parent": parent_frame}
    expected = naive_failures(child, parent)

    checks = sch.schema_checks("child", CHILD_SCHEMA, frames)
    fast = sch.failing_checks(checks, child_frame)  # the proof, then row by row if unproved
    assert [c.check_id for c in fast.get("a", [])] == (["table.foreign_key"] if expected else [])

    tally = Tally(100)
    validate_frame("child", CHILD_SCHEMA, frames, tally)
    problems = [p for p in tally.problems if p.check_id == "table.foreign_key"]
    assert [p.line for p in problems] == [i + 2 for i in expected]
    assert {p.column for p in problems} <= {"a"}
    assert [p.value for p in problems] == [f"{child[i][0]}, {child[i][1]}" for i in expected]
    assert all("parent (p, q)" in p.expected for p in problems)


# ---------------------------------------------------------------------------- declarations


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed descriptor and schemas with tiny CSVs (the descriptor is checked first)."""
    dst = tmp_path_factory.mktemp("fk_package")
    shutil.copy2(ROOT / "datapackage.json", dst / "datapackage.json")
    shutil.copytree(ROOT / "schemas", dst / "schemas")
    (dst / "datapackage").mkdir()
    for path in (ROOT / "datapackage").glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            (dst / "datapackage" / path.name).write_text(handle.readline(), encoding="utf-8")
    return dst


def with_caveats_key(package: Path, tmp_path: Path, key: dict[str, Any]) -> Path:
    """A copy of ``package`` whose caveats schema declares ``key`` as its first foreign key."""
    dst = tmp_path / "pkg"
    shutil.copytree(package, dst)
    path = dst / "schemas" / "caveats.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["foreignKeys"][0] = key
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return dst / "datapackage.json"


OBS_KEY = ["indicator_id", "area_code", "period"]
BAD_KEYS = {
    "fewer_reference_fields": (
        {"fields": OBS_KEY, "reference": {"resource": "observations", "fields": OBS_KEY[:2]}},
        "foreignKeys[0].reference.fields",
    ),
    "more_reference_fields": (
        {"fields": OBS_KEY[:2], "reference": {"resource": "observations", "fields": OBS_KEY}},
        "foreignKeys[0].reference.fields",
    ),
    "unknown_own_field": (
        {
            "fields": ["indicator_id", "area", "period"],
            "reference": {"resource": "observations", "fields": OBS_KEY},
        },
        "foreignKeys[0].fields",
    ),
    "repeated_own_field": (
        {
            "fields": ["indicator_id", "indicator_id", "period"],
            "reference": {"resource": "observations", "fields": OBS_KEY},
        },
        "foreignKeys[0].fields",
    ),
    "empty_fields": (
        {"fields": [], "reference": {"resource": "observations", "fields": []}},
        "foreignKeys[0].fields",
    ),
    "reference_field_not_a_name": (
        {"fields": OBS_KEY, "reference": {"resource": "observations", "fields": [1, 2, 3]}},
        "foreignKeys[0].reference.fields",
    ),
    "unknown_reference_field": (
        {
            "fields": OBS_KEY,
            "reference": {"resource": "observations", "fields": ["indicator_id", "area", "period"]},
        },
        "foreignKeys[0].reference.fields",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_KEYS))
def test_malformed_composite_key_is_a_located_schema_problem(
    name: str, package: Path, tmp_path: Path
) -> None:
    key, where = BAD_KEYS[name]
    report = validate_package(with_caveats_key(package, tmp_path, key), engine="both")
    problems = [p for p in report.problems if p.check_id != "file.no_rows"]  # header-only CSVs
    assert [(p.check_id, p.resource) for p in problems] == [("schema.shape", "caveats")]
    assert problems[0].place == f"schemas/caveats.schema.json: {where}"


def test_composite_key_is_supported(package: Path, tmp_path: Path) -> None:
    """The committed declaration: no package.unsupported, and empty resources are valid."""
    key = {"fields": OBS_KEY, "reference": {"resource": "observations", "fields": OBS_KEY}}
    report = validate_package(with_caveats_key(package, tmp_path, key))
    assert [p.check_id for p in report.problems if p.check_id != "file.no_rows"] == []
