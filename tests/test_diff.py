"""cscbench diff on hand-made pairs: each kind of change found, located and given its semver level."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from pinned import NEXT_WORKFORCE_PERIOD as NEXT
from release_helpers import (
    copy_package,
    edit_rows,
    edit_schema,
    read,
    set_cell,
    small_package,
    write_csv,
)

from cscbench.cli import main
from cscbench.package.archive import write_zip
from cscbench.release.changes import render_markdown, render_text
from cscbench.release.diff import Diff, diff_packages, read_package

LEEDS_CASELOAD_2025 = {"indicator_id": "caseload_fte", "area_code": "E08000035", "period": "2025"}
LEEDS_CASELOAD_2024 = {**LEEDS_CASELOAD_2025, "period": "2024"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_package(tmp_path_factory.mktemp("diff") / "base")


@pytest.fixture
def new(base: Path, tmp_path: Path) -> Path:
    """A copy of the base package for a test to change."""
    return copy_package(base, tmp_path / "new", version="0.2.0")


def compare(old: Path, new: Path) -> Diff:
    return diff_packages(read_package(old), read_package(new))


def kinds(diff: Diff) -> set[tuple[str, str, str]]:
    return {(c.level, c.resource, c.kind) for c in diff.changes}


def test_identical_packages_have_no_differences(base: Path, new: Path) -> None:
    diff = compare(base, new)
    assert not diff.different and diff.level == "none"
    assert render_text(diff).endswith("no differences")
    assert main(["diff", str(base), str(new)]) == 0


def test_a_revised_figure_is_a_patch_with_old_and_new_values(
    base: Path, new: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_rows(new, "observations", set_cell(LEEDS_CASELOAD_2025, "value", "15.1"))
    diff = compare(base, new)
    assert diff.level == "patch"
    assert kinds(diff) == {
        ("patch", "observations", "rows_changed"),
        ("patch", "observations", "figures_revised"),
    }
    (row,) = diff.tables["revisions"].to_dicts()
    assert row["old_value"] == 14.8 and row["new_value"] == 15.1
    assert row["change"] == pytest.approx(0.3) and row["relative_change"] == pytest.approx(
        0.3 / 14.8
    )
    assert main(["diff", str(base), str(new)]) == 1  # as diff(1): differences found
    out = capsys.readouterr().out
    assert "caseload_fte E08000035 2025: 14.8 -> 15.1 (+2.0%)" in out and "PATCH" in out


def test_removed_rows_are_a_patch_but_a_removed_indicator_is_major(base: Path, new: Path) -> None:
    edit_rows(new, "observations", lambda f: f.filter(pl.col("period") != "2017"))
    diff = compare(base, new)
    assert kinds(diff) == {("patch", "observations", "rows_removed")}
    edit_rows(new, "observations", lambda f: f.filter(pl.col("indicator_id") != "agency_rate_fte"))
    edit_rows(new, "indicators", lambda f: f.filter(pl.col("indicator_id") != "agency_rate_fte"))
    diff = compare(base, new)
    assert ("major", "indicators", "indicator_removed") in kinds(diff) and diff.level == "major"
    assert "indicator 'agency_rate_fte' removed" in diff.reasons("major")[0]


def test_a_new_period_is_minor_and_listed_per_indicator(base: Path, new: Path) -> None:
    def add_2026(frame: pl.DataFrame) -> pl.DataFrame:  # a year no release has yet
        row = frame.filter(**LEEDS_CASELOAD_2025).with_columns(
            period=pl.lit(NEXT), period_end=pl.lit(f"{NEXT}-09-30")
        )
        return pl.concat([frame, row]).sort("indicator_id", "area_code", "period")

    edit_rows(new, "observations", add_2026)
    diff = compare(base, new)
    expected = {("minor", "observations", "rows_added"), ("minor", "observations", "periods_added")}
    assert (diff.level, kinds(diff)) == ("minor", expected)
    assert diff.tables["new_periods"].to_dicts() == [
        {"indicator_id": "caseload_fte", "periods": [NEXT]}
    ]
    assert any(c.detail == f"{NEXT}: caseload_fte" for c in diff.changes)


def test_a_figure_suppressed_and_one_published_are_status_changes(base: Path, new: Path) -> None:
    edit_rows(new, "observations", set_cell(LEEDS_CASELOAD_2024, "value", None))
    edit_rows(new, "observations", set_cell(LEEDS_CASELOAD_2024, "status", "c"))
    diff = compare(base, new)
    (row,) = diff.tables["status_changes"].to_dicts()
    assert row["what"] == "now suppressed or missing"
    assert (row["old_value"], row["old_status"], row["new_value"], row["new_status"]) == (
        "14.5",
        None,
        None,
        "c",
    )
    assert diff.tables["revisions"].is_empty() and diff.level == "patch"
    back = compare(new, base).tables["status_changes"]  # the reverse: published again
    assert back["what"].to_list() == ["now published"]


def test_areas_new_closed_and_renamed(base: Path, new: Path) -> None:
    leeds = {"area_code": "E08000035"}
    edit_rows(new, "areas", set_cell(leeds, "name", "Leeds City"))
    wakefield = {"area_code": "E08000036"}
    edit_rows(new, "areas", set_cell(wakefield, "status", "superseded"))
    edit_rows(new, "areas", set_cell(wakefield, "successor_code", "E08000099"))

    def add_successor(frame: pl.DataFrame) -> pl.DataFrame:
        row = frame.filter(**wakefield).with_columns(
            area_code=pl.lit("E08000099"), series_code=pl.lit("E08000099"), alt_names=pl.lit(None)
        )
        return pl.concat([frame, row]).sort("area_code")

    edit_rows(new, "areas", add_successor)
    diff = compare(base, new)
    areas = {r["what"]: r for r in diff.tables["areas"].to_dicts()}
    assert areas["renamed"]["old_name"] == "Leeds" and areas["renamed"]["new_name"] == "Leeds City"
    assert areas["closed"]["area_code"] == "E08000036"
    assert areas["closed"]["successor_code"] == "E08000099"
    assert areas["new"]["area_code"] == "E08000099"
    assert {("minor", "areas", "area_new"), ("patch", "areas", "area_renamed")} <= kinds(diff)
    assert ("patch", "areas", "area_closed") in kinds(diff) and diff.level == "minor"


def test_indicator_metadata_changes_are_patches(base: Path, new: Path) -> None:
    edit_rows(new, "indicators", set_cell({"indicator_id": "caseload_fte"}, "decimals", "2"))
    diff = compare(base, new)
    assert kinds(diff) == {("patch", "indicators", "indicator_changed")}
    (cell,) = diff.tables["cells"].to_dicts()
    assert cell == {
        "resource": "indicators",
        "key": "caseload_fte",
        "field": "decimals",
        "old": "1",
        "new": "2",
    }


def _drop_field(name: str) -> object:
    return lambda schema: schema.update(fields=[f for f in schema["fields"] if f["name"] != name])


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ("remove column", "column_removed"),
        ("rename column", "column_renamed"),
        ("change type", "type_changed"),
        ("remove enum value", "enum_value_removed"),
        ("change key", "key_changed"),
        ("remove resource", "resource_removed"),
        ("rename resource", "resource_renamed"),
    ],
)
def test_schema_changes_that_break_consumers_are_major(
    base: Path, new: Path, change: str, kind: str
) -> None:
    if change == "remove column":
        edit_schema(new, "observations", _drop_field("note"))
        edit_rows(new, "observations", lambda f: f.drop("note"))
    elif change == "rename column":
        edit_schema(new, "observations", lambda s: s["fields"][-1].update(name="comment"))
        edit_rows(new, "observations", lambda f: f.rename({"note": "comment"}))
    elif change == "change type":
        edit_schema(new, "observations", lambda s: s["fields"][3].update(type="string"))
    elif change == "remove enum value":
        edit_schema(new, "observations", lambda s: drop_category(s["fields"][5], "low"))
    elif change == "change key":
        edit_schema(new, "statistical_neighbours", lambda s: s.update(primaryKey=["area_code"]))
    else:
        descriptor = json.loads(new.read_text())
        entry = next(r for r in descriptor["resources"] if r["name"] == "announcements")
        if change == "remove resource":
            descriptor["resources"].remove(entry)
        else:
            entry["name"] = "claims"
        new.write_text(json.dumps(descriptor))
    diff = compare(base, new)
    assert diff.level == "major"
    assert kind in {c.kind for c in diff.changes if c.level == "major"}


def drop_category(field: dict, value: str) -> None:
    field["categories"] = [c for c in field["categories"] if c["value"] != value]


def test_additions_are_minor(base: Path, new: Path) -> None:
    edit_schema(
        new,
        "observations",
        lambda s: s["fields"][5]["categories"].append({"value": "[k]", "label": "a new symbol"}),
    )
    edit_schema(
        new, "sources", lambda s: s["fields"].append({"name": "zz_added", "type": "integer"})
    )
    edit_rows(new, "sources", lambda f: f.with_columns(zz_added=pl.lit("1")))
    descriptor = json.loads(new.read_text())
    extra = {**descriptor["resources"][-1], "name": "sources_copy"}
    descriptor["resources"].append(extra)
    new.write_text(json.dumps(descriptor))

    def add_indicator(frame: pl.DataFrame) -> pl.DataFrame:
        row = frame.filter(indicator_id="caseload_fte").with_columns(indicator_id=pl.lit("zz_new"))
        return pl.concat([frame, row])

    edit_rows(new, "indicators", add_indicator)
    added = {"enum_value_added", "column_added", "resource_added", "indicator_added"}
    diff = compare(base, new)
    assert diff.level == "minor" and {c.kind for c in diff.changes} == added
    assert {c.resource for c in diff.changes} == {
        "observations",
        "sources",
        "sources_copy",
        "indicators",
    }


def test_output_is_sorted_and_the_same_every_time(base: Path, new: Path) -> None:
    edit_rows(new, "observations", set_cell(LEEDS_CASELOAD_2025, "value", "15.1"))
    edit_rows(new, "indicators", set_cell({"indicator_id": "caseload_fte"}, "decimals", "2"))
    edit_schema(new, "observations", lambda s: s["fields"][3].update(type="string"))
    first, second = compare(base, new), compare(base, new)
    assert first.to_dict() == second.to_dict()
    assert [c.level for c in first.changes] == ["major", "patch", "patch", "patch"]
    again = Diff.from_dict(json.loads(json.dumps(first.to_dict())))
    assert again.to_dict() == first.to_dict()


def test_formats_and_release_archives(
    base: Path, new: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON for machines, Markdown for the CHANGELOG, and a release zip as either side."""
    edit_rows(new, "observations", set_cell(LEEDS_CASELOAD_2025, "value", "15.1"))
    members = [
        (p.relative_to(new.parent).as_posix(), p) for p in new.parent.rglob("*") if p.is_file()
    ]
    archive = write_zip(new.parent.parent / "new.zip", [(f"top/{n}", p) for n, p in members])
    assert main(["diff", str(base), str(archive), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["differences"] is True and data["level"] == "patch"
    assert data["tables"]["revisions"][0]["new_value"] == 15.1
    assert main(["diff", str(base), str(new), "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert markdown.startswith("### Data (0.1.0 -> 0.2.0, patch)")
    assert markdown.strip() == render_markdown(compare(base, new)).strip()


def test_unreadable_inputs_exit_2_without_showing_their_content(
    base: Path, new: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(base), str(tmp_path / "missing.json")]) == 2
    assert "not found" in capsys.readouterr().err
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    descriptor = json.loads(new.read_text())
    descriptor["resources"][0]["path"] = "../secret.csv"
    new.write_text(json.dumps(descriptor))
    assert main(["diff", str(base), str(new), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert "../secret.csv" in captured.err
    assert "hunter2" not in captured.out + captured.err
    assert json.loads(captured.out)["differences"] is None
    new.write_text("{not json")
    assert main(["diff", str(base), str(new)]) == 2
    assert "expected valid UTF-8 JSON" in capsys.readouterr().err


def test_duplicate_keys_are_refused(
    base: Path, new: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_rows(new, "areas", lambda f: pl.concat([f, f.head(1)]))
    assert main(["diff", str(base), str(new)]) == 2
    assert "rows share a primary key" in capsys.readouterr().err


def test_period_spans() -> None:
    from cscbench.release.diff import period_span

    frame = pl.DataFrame(
        {
            "p": [
                ["2013", "2014", "2015"],
                ["2013", "2015", "2016"],
                ["2022-23", "2023-24", "2024-25"],
            ]
        }
    )
    assert frame.select(period_span(pl.col("p")))["p"].to_list() == [
        "2013 to 2015",
        "2013, 2015, 2016",
        "2022-23 to 2024-25",
    ]


def test_read_helper_matches_the_csv(base: Path, tmp_path: Path) -> None:
    """The helpers write CSVs exactly as read, so a copy compares equal to its source."""
    path = base.parent / "datapackage" / "observations.csv"
    write_csv(read(path), tmp_path / "copy.csv")
    assert (tmp_path / "copy.csv").read_bytes() == path.read_bytes()


def test_a_relabelled_value_is_a_patch_and_a_moved_one_too(base: Path, new: Path) -> None:
    def relabel(s: dict) -> None:
        status = s["fields"][5]["categories"]
        status[0]["label"] = "suppressed"
        status[1], status[2] = status[2], status[1]

    edit_schema(new, "observations", relabel)
    diff = compare(base, new)
    assert diff.level == "patch"
    (change,) = [c for c in diff.changes if c.kind == "field_changed"]
    assert "categories" in change.detail


def _rename_source(old_id: str, new_id: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda f: f.with_columns(pl.col("source_id").replace({old_id: new_id}))


def test_a_renamed_source_id_is_one_major_change_and_rows_compare_under_the_new_id(
    base: Path, new: Path
) -> None:
    """0.2.0's ids carried a year (dfe_csww_2025, now dfe_csww): the diff says so once per id,
    with the rows citing it, and shows only what else moved (here one revised figure)."""
    old = read(base.parent / "datapackage" / "observations.csv")
    citing = old.filter(pl.col("source_id") == "dfe_csww").height
    for resource in ("sources", "observations", "indicators", "caveats"):
        edit_rows(new, resource, _rename_source("dfe_csww", "dfe_workforce"))
    edit_rows(new, "observations", set_cell(LEEDS_CASELOAD_2025, "value", "15.1"))
    diff = compare(base, new)
    renamed = [c for c in diff.changes if c.kind == "source_id_renamed"]
    assert [(c.level, c.resource, c.subject) for c in renamed] == [("major", "sources", "dfe_csww")]
    assert renamed[0].detail.startswith("dfe_csww -> dfe_workforce (rows citing it: ")
    assert f"observations {citing:,}" in renamed[0].detail
    counts = {r["resource"]: r for r in diff.tables["resources"].to_dicts()}
    assert counts["sources"]["rows_added"] == 0 and counts["sources"]["rows_removed"] == 0
    assert counts["observations"]["rows_changed"] == 1  # the revision, not the renamed cells
    assert "figures_revised" in {c.kind for c in diff.changes}
    assert "source ids renamed (1)" not in render_text(diff)  # one change reads as itself


def test_a_source_replaced_by_another_file_of_another_series_is_no_rename(
    base: Path, new: Path
) -> None:
    def swap(frame: pl.DataFrame) -> pl.DataFrame:
        row = frame.filter(pl.col("source_id") == "dfe_csww")
        other = row.with_columns(
            pl.lit("dfe_other").alias("source_id"),
            pl.lit("dfe_other").alias("dataset"),
            pl.lit("f" * 64).alias("sha256"),
        )
        return pl.concat([frame.filter(pl.col("source_id") != "dfe_csww"), other])

    edit_rows(new, "sources", swap)
    for resource in ("observations", "indicators", "caveats"):
        edit_rows(new, resource, _rename_source("dfe_csww", "dfe_other"))
    diff = compare(base, new)
    assert "source_id_renamed" not in {c.kind for c in diff.changes}
    assert {("minor", "sources", "rows_added"), ("patch", "sources", "rows_removed")} <= kinds(diff)
