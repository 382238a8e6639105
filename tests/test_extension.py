"""Extensions: a partnership's own figures, checked against cscbench and kept apart from it.

Every return here is the synthetic demo partnership's (tests/extension_helpers.py), with one thing
changed per bad return: each must be refused with one located line, by the API and the CLI.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from extension_helpers import FIGURES, OWN, PARTNERSHIP, build_demo
from hypothesis import given
from hypothesis import strategies as st

import cscbench
from cscbench.cli import main
from cscbench.core.errors import InvalidInputError
from cscbench.core.paths import ROOT
from cscbench.extension import read_extension, validate_extension
from cscbench.extension.format import default_extends, local_schemas, satisfies
from cscbench.package.reader import Package
from cscbench.package.reader import read as read_package
from cscbench.release import semver
from cscbench.release.semver import Version
from cscbench.validate.checks import CATALOGUE

OFFICIAL_ONLY = [r for r in FIGURES if not r["indicator_id"].startswith("local_")]
LEEDS, WAKEFIELD, BARNSLEY_OLD, BARNSLEY = "E08000035", "E08000036", "E08000016", "E08000038"


@pytest.fixture(scope="module")
def committed() -> Package:
    """The committed package, read once: each bad return is checked against it from memory."""
    return read_package(ROOT / "datapackage.json")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("ext") / "demo").parent


def _with(index: int, **cells: str) -> list[dict[str, str]]:
    rows = [dict(r) for r in FIGURES]
    rows[index].update(cells)
    return rows


def _own(**cells: str) -> list[dict[str, str]]:
    return [{**OWN[0], **cells}]


def _extends(value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["cscbench"].update(extends=value)


# name: (build arguments, check id, words the message must hold, line, column)
BAD_RETURNS: dict[str, tuple[dict[str, Any], str, str, int | None, str | None]] = {
    "unknown council code": (
        {"figures": _with(0, area_code="E08000305")},
        "extension.area",
        "did you mean E08000035 (Leeds)",
        2,
        "area_code",
    ),
    "a council's name for its code": (
        {"figures": _with(2, area_code="Wakefield")},
        "extension.area",
        "did you mean E08000036 (Wakefield)",
        4,
        "area_code",
    ),
    "a region is not a council": (
        {"figures": _with(0, area_code="E12000003")},
        "extension.area",
        "not the regional area",
        2,
        "area_code",
    ),
    "an abolished council split in two": (
        {"figures": _with(0, area_code="E10000021")},
        "extension.area",
        "E06000061 or E06000062",
        2,
        "area_code",
    ),
    "own id shadows an official one": (
        {"own": _own(indicator_id="caseload_fte"), "figures": OFFICIAL_ONLY},
        "extension.shadow",
        "caseload_fte is an official indicator",
        2,
        "indicator_id",
    ),
    "own id outside the namespace": (
        {"own": _own(indicator_id="agency_staff_quarter"), "figures": OFFICIAL_ONLY},
        "extension.namespace",
        "starting local_",
        2,
        "indicator_id",
    ),
    "unknown indicator": (
        {"figures": _with(0, indicator_id="caseload_ft")},
        "extension.indicator",
        "did you mean caseload_fte",
        2,
        "indicator_id",
    ),
    "unit differs from the official indicator's": (
        {"figures": _with(1, unit="number")},
        "extension.unit",
        "the unit of agency_rate_fte: percent",
        3,
        "unit",
    ),
    "financial year for an indicator published by year": (
        {"figures": _with(0, period="2025-26", period_end="2026-03-31")},
        "extension.period_format",
        "a year such as 2026",
        2,
        "period",
    ),
    "period in no format at all": (
        {"figures": _with(0, period="Q2 2026")},
        "field.pattern",
        "Q2 2026",
        2,
        "period",
    ),
    "period_end outside the period": (
        {"figures": _with(0, period_end="2025-06-30")},
        "extension.period_end",
        "a date in 2026",
        2,
        "period_end",
    ),
    "percentage out of range": (
        {"figures": _with(1, value="130")},
        "extension.range",
        "from 0.0 to 100.0",
        3,
        "value",
    ),
    "value over the indicator's maximum": (
        {"figures": _with(0, value="250")},
        "extension.range",
        "caseload_fte's valid range",
        2,
        "value",
    ),
    "duplicate row": (
        {"figures": [*FIGURES, FIGURES[0]]},
        "table.primary_key",
        "caseload_fte, E08000035, 2026",
        7,
        "indicator_id",
    ),
    "one council under its old and new codes": (
        {"figures": [*FIGURES, {**FIGURES[4], "area_code": BARNSLEY}]},
        "extension.duplicate_council",
        "E08000038",
        7,
        "area_code",
    ),
    "no source": (
        {"figures": _with(0, source="")},
        "field.required",
        "",
        2,
        "source",
    ),
    "incompatible release": (
        {"meta": _extends(">=9.0.0,<10.0.0")},
        "extension.extends",
        "the installed cscbench release",
        None,
        None,
    ),
    "a name that would lead outside the release folder": (
        {"meta": lambda d: d.update(name="../../evil")},
        "extension.descriptor",
        "lower-case letters",
        None,
        None,
    ),
    "a version that is not X.Y.Z": (
        {"meta": lambda d: d.update(version="1.0")},
        "extension.descriptor",
        "X.Y.Z",
        None,
        None,
    ),
    "malformed release range": (
        {"meta": _extends("0.2")},
        "extension.descriptor",
        "release range",
        None,
        None,
    ),
}


def test_the_bad_returns_exercise_every_extension_check() -> None:
    covered = {case[1] for case in BAD_RETURNS.values()}
    assert {c for c in CATALOGUE if c.startswith("extension.")} <= covered


def test_the_demo_return_is_valid_and_maps_a_superseded_code(demo: Path) -> None:
    checked = validate_extension(demo)
    assert checked.report.valid, checked.report.problems
    assert checked.notes == (
        f"local_observations.csv line 6: {BARNSLEY_OLD} (Barnsley) is a superseded code; the "
        f"figure is counted for the current council {BARNSLEY}",
    )
    ext = read_extension(demo)
    assert (ext.name, ext.version, ext.partnership) == ("demo-partnership", "0.1.0", PARTNERSHIP)
    obs = ext.observations
    assert obs.columns[:3] == ["indicator_id", "area_code", "council_code"]
    assert obs.schema["value"] == pl.Float64 and obs.schema["period_end"] == pl.Date
    assert obs.schema["demonstration"] == pl.Boolean and obs["demonstration"].all()
    assert obs.filter(pl.col("area_code") == BARNSLEY_OLD)["council_code"].item() == BARNSLEY
    assert ext.indicators["indicator_id"].to_list() == ["local_agency_staff_quarter"]


@pytest.mark.parametrize("case", list(BAD_RETURNS))
def test_each_bad_return_gets_one_located_line(
    case: str, tmp_path: Path, committed: Package
) -> None:
    kwargs, check_id, words, line, column = BAD_RETURNS[case]
    descriptor = build_demo(tmp_path / "bad", **kwargs)
    report = validate_extension(descriptor, committed).report
    assert [p.check_id for p in report.problems] == [check_id], report.problems
    (problem,) = report.problems
    assert (problem.line, problem.column) == (line, column)
    assert words in problem.message
    with pytest.raises(InvalidInputError) as raised:
        read_extension(descriptor, committed)
    message = str(raised.value)
    assert "\n" not in message and words in message and f"[{check_id}]" in message
    if line is not None:
        assert f"local_{problem.resource.split('_', 1)[1]}.csv line {line}" in message


@pytest.mark.parametrize("case", ["unknown council code", "incompatible release", "no source"])
def test_the_validate_command_refuses_a_bad_return(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kwargs, check_id, words, *_ = BAD_RETURNS[case]
    assert main(["validate", str(build_demo(tmp_path / "bad", **kwargs))]) == 1
    out = capsys.readouterr().out
    assert out.startswith("invalid") and check_id in out and words in out


@pytest.mark.slow
@pytest.mark.parametrize("case", ["duplicate row", "no source", "period in no format at all"])
def test_frictionless_agrees_on_the_extensions_own_schema(case: str, tmp_path: Path) -> None:
    kwargs, check_id, *_ = BAD_RETURNS[case]
    report = validate_extension(build_demo(tmp_path / "bad", **kwargs), engine="both").report
    assert {(p.engine, p.check_id) for p in report.problems} >= {
        ("cscbench", check_id),
        ("frictionless", check_id),
    }


def test_new_fill_validate_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "west-yorkshire"
    assert main(["extension", "new", str(folder), "--partnership", PARTNERSHIP]) == 0
    meta = json.loads((folder / "datapackage.json").read_text())
    assert meta["cscbench"] == {
        "extends": default_extends(cscbench.__version__),
        "partnership": PARTNERSHIP,
    }
    assert (folder / "README.md").read_text().count("demonstration") >= 1
    example = pl.read_csv(folder / "local_observations.csv", infer_schema=False)
    assert example["demonstration"].to_list() == ["true"]  # the example row says it is one
    assert main(["validate", str(folder / "datapackage.json")]) == 0
    assert main(["extension", "new", str(folder)]) == 2  # never over an existing return
    lines = (folder / "local_observations.csv").read_text().splitlines()
    filled = "caseload_fte,E08000036,2026,2026-06-30,18.5,,cases_per_fte,team,2026-07-15,demo,true"
    (folder / "local_observations.csv").write_text("\n".join([lines[0], filled]) + "\n")
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 0
    assert capsys.readouterr().out.startswith("valid")


def test_schemas_are_generated_from_the_main_packages() -> None:
    main_obs = json.loads((ROOT / "schemas/observations.schema.json").read_text())
    main_ind = json.loads((ROOT / "schemas/indicators.schema.json").read_text())
    local = local_schemas(main_obs, main_ind)
    by_name = {f["name"]: f for f in local["local_observations"]["fields"]}
    assert by_name["status"] == next(f for f in main_obs["fields"] if f["name"] == "status")
    assert by_name["unit"] == next(f for f in main_ind["fields"] if f["name"] == "unit")
    assert local["local_indicators"]["fields"] == main_ind["fields"]
    assert "foreignKeys" not in local["local_observations"]


@pytest.mark.parametrize(
    ("version", "extends", "ok"),
    [
        ("0.2.0", ">=0.2.0,<0.3.0", True),
        ("0.3.0", ">=0.2.0,<0.3.0", False),
        ("0.2.5", "0.2.5", True),
        ("1.0.0", ">0.9.9", True),
        ("0.1.9", ">=0.2.0", False),
    ],
)
def test_release_ranges(version: str, extends: str, ok: bool) -> None:
    assert satisfies(version, extends) is ok


versions = st.tuples(*[st.integers(0, 30)] * 3)


@given(versions, versions)
def test_a_range_holds_what_its_comparisons_say(have: Version, bound: Version) -> None:
    text, limit = semver.text(have), semver.text(bound)
    assert satisfies(text, f">={limit}") is (have >= bound)
    assert satisfies(text, f">{limit}, <={limit}") is False
    assert satisfies(text, limit) is (have == bound)
    assert satisfies(text, default_extends(text))  # a new extension accepts its own release


def test_problems_are_bounded_and_counted(tmp_path: Path) -> None:
    rows = [{**FIGURES[0], "area_code": f"E09{n:06d}", "period": "2026"} for n in range(900, 3100)]
    report = validate_extension(build_demo(tmp_path / "many", figures=rows), limit=100).report
    assert len(report.problems) == 100 and report.total == 2200
    assert {p.check_id for p in report.problems} == {"extension.area"}


def test_load_and_compare_say_where_each_figure_came_from(demo: Path) -> None:
    local = cscbench.load("local_observations", extension=demo)
    assert set(local["origin"]) == {f"local return: {PARTNERSHIP}"}
    assert cscbench.load("local_indicators", extension=demo).height == 1
    with pytest.raises(ValueError, match="local_observations"):
        cscbench.load("observations", extension=demo)
    rows = cscbench.compare("Leeds", "Barnsley", indicators="caseload_fte", extension=demo)
    assert rows.select("area_code", "period", "origin").rows() == [
        (LEEDS, "2025", "official"),
        (LEEDS, "2026", f"local return: {PARTNERSHIP}"),
        (BARNSLEY, "2025", "official"),
        (BARNSLEY, "2026", f"local return: {PARTNERSHIP}"),
    ]
    local_rows = rows.filter(pl.col("origin") != "official")
    assert local_rows["rank"].is_null().all() and local_rows["band"].is_null().all()
    assert local_rows["published_area_code"].to_list() == [LEEDS, BARNSLEY_OLD]
    official = cscbench.compare("Leeds", "Barnsley", indicators="caseload_fte")
    assert rows.filter(pl.col("origin") == "official").select(official.columns).equals(official)
    own = cscbench.compare("Wakefield", indicators=["local_agency_staff_quarter"], extension=demo)
    assert own.select("indicator_id", "value", "origin").rows() == [
        ("local_agency_staff_quarter", 21.0, f"local return: {PARTNERSHIP}")
    ]


def test_compare_command_shows_local_figures_unranked_with_their_note(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", "Wakefield", "--indicator", "caseload_fte", "--extension", str(demo)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "18.5 [1]" in out and "not ranked [1]" in out
    assert f"[1] local return: {PARTNERSHIP}, collected 2026-07-15" in out
    assert main([*args, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["origin"] for r in rows] == ["official", f"local return: {PARTNERSHIP}"]


def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}


def test_release_package_builds_the_extensions_own_archive(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["release", "--package", str(demo), "--out", str(out)]) == 0
    first = out / "demo-partnership-0.1.0.zip"
    files = _members(first)
    assert set(files) >= {
        "datapackage.json",
        "CHANGES.md",
        "local_observations.csv",
        "schemas/local_observations.schema.json",
        "parquet/local_observations.parquet",
        "parquet/local_indicators.parquet",
    }
    for res in json.loads(files["datapackage.json"])["resources"]:
        body = files[res["path"]]
        assert res["bytes"] == len(body)
        assert res["hash"] == "sha256:" + hashlib.sha256(body).hexdigest()
    again = tmp_path / "again"
    assert main(["release", "--package", str(demo), "--out", str(again)]) == 0
    assert (again / first.name).read_bytes() == first.read_bytes()  # deterministic
    (tmp_path / "obs.parquet").write_bytes(files["parquet/local_observations.parquet"])
    typed = pl.read_parquet(tmp_path / "obs.parquet")
    assert typed.schema["period_end"] == pl.Date and typed.schema["value"] == pl.Float64

    rows = [*FIGURES, {**FIGURES[0], "period": "2025", "period_end": "2025-12-31"}]
    build_demo(tmp_path / "v2b", figures=rows, meta=lambda d: d.update(version="0.1.1"))
    capsys.readouterr()
    again_after = ["release", "--package", str(tmp_path / "v2b"), "--out", str(out)]
    assert main([*again_after, "--previous", str(first)]) == 1  # rows added: a minor bump
    assert "MINOR" in capsys.readouterr().err
    assert not (out / "demo-partnership-0.1.1.zip").exists()
    meta = json.loads((tmp_path / "v2b/datapackage.json").read_text())
    meta["version"] = "0.2.0"
    (tmp_path / "v2b/datapackage.json").write_text(json.dumps(meta))
    assert main([*again_after, "--previous", str(first)]) == 0
    changes = _members(out / "demo-partnership-0.2.0.zip")["CHANGES.md"].decode()
    assert "since 0.1.0" in changes and "1 rows added" in changes


def test_diff_of_two_extension_versions(demo: Path, tmp_path: Path, capsys: Any) -> None:
    newer = build_demo(tmp_path / "v2", figures=_with(0, value="15.9"))
    capsys.readouterr()
    assert main(["diff", str(demo), str(newer.parent), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found["level"] == "patch"
    assert [c["resource"] for c in found["changes"]] == ["local_observations"]


def test_a_hostile_extension_is_refused_at_the_boundary(tmp_path: Path) -> None:
    def outside(d: dict[str, Any]) -> None:
        d["resources"][0]["path"] = "../../etc/passwd"

    descriptor = build_demo(tmp_path / "hostile", meta=outside)
    report = validate_extension(descriptor).report
    assert not report.valid
    assert report.problems[0].check_id.startswith("package.")
    with pytest.raises(InvalidInputError, match="etc/passwd"):
        read_extension(descriptor)


def test_no_demonstration_figure_enters_the_main_package_or_its_release() -> None:
    meta = json.loads((ROOT / "datapackage.json").read_text())
    assert not [r for r in meta["resources"] if r["name"].startswith("local_")]
    observations = pl.read_csv(ROOT / "datapackage/observations.csv", infer_schema=False)
    assert not observations.filter(pl.col("indicator_id").str.starts_with("local_")).height
    indicators = cscbench.load("indicators")["indicator_id"]
    assert not indicators.str.starts_with("local_").any()  # the namespace stays the partners'
    bundled = (ROOT / "setup.py").read_text() + (ROOT / "MANIFEST.in").read_text()
    assert "extension_helpers" not in bundled and "local_observations" not in bundled


def test_a_local_figure_for_an_official_period_gets_the_difference(tmp_path: Path) -> None:
    same = {**FIGURES[0], "period": "2025", "period_end": "2025-09-30", "value": "15.0"}
    demo = build_demo(tmp_path / "same", figures=[same]).parent
    rows = cscbench.compare("Leeds", indicators="caseload_fte", period="2025", extension=demo)
    local = rows.filter(pl.col("origin") != "official")
    official = rows.filter(pl.col("origin") == "official")["value"].item()  # DfE's 14.8
    assert local["official_value"].item() == official
    assert local["difference"].item() == pytest.approx(15.0 - official)
    assert official == 14.8


def test_a_local_snapshot_on_another_date_is_not_set_against_the_official(tmp_path: Path) -> None:
    """Leeds' caseload at 30 June 2025 and DfE's at 30 September 2025 share the period 2025 but
    not the date: no official figure beside it, no difference."""
    june = {**FIGURES[0], "period": "2025", "period_end": "2025-06-30", "value": "15.0"}
    demo = build_demo(tmp_path / "june", figures=[june]).parent
    rows = cscbench.compare("Leeds", indicators="caseload_fte", period="2025", extension=demo)
    local = rows.filter(pl.col("origin") != "official")
    assert local["official_value"].is_null().all() and local["difference"].is_null().all()
