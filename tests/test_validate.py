"""The validator's contract: exit codes, output formats, determinism, bounded output, safe text."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from corpus.mutations import CASES, build_base, mutate, read_text, resource_paths, write_text
from hypothesis import given, settings
from hypothesis import strategies as st

from cscbench.cli import main
from cscbench.core.paths import ROOT
from cscbench.package.csvfile import _read_frame, read_table, record_problems, rows_add_up
from cscbench.package.schema import FORMULA_SAFE, load_table_schema
from cscbench.validate.checks import CATALOGUE, readme_table
from cscbench.validate.report import render_text
from cscbench.validate.run import _true_duplicates, validate_package

CASE = {c["id"]: c for c in CASES}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(ROOT, tmp_path_factory.mktemp("validate_base"))


@pytest.fixture(scope="module")
def broken(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package with several different problems (wrong type, range, dangling key)."""
    pkg = tmp_path_factory.mktemp("broken") / "pkg"
    mutate(CASE["observations.value_decimal_comma"], base, pkg)
    obs = resource_paths(pkg)["observations"]
    df = read_text(obs)
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) < 7)
        .then(pl.lit("nosuch_source"))
        .otherwise(pl.col("source_id"))
        .alias("source_id"),
        pl.when(pl.col("indicator_id") == "agency_rate_fte")
        .then(pl.lit("101"))
        .otherwise(pl.col("value"))
        .alias("value"),
    )
    write_text(df, obs)
    return pkg / "datapackage.json"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


# ---------------------------------------------------------------------------- exit codes


def test_exit_codes(
    base: Path, broken: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(["validate", str(base)], capsys)[0] == 0
    assert _cli(["validate", str(broken)], capsys)[0] == 1
    assert _cli(["validate", str(tmp_path / "nowhere" / "datapackage.json")], capsys)[0] == 2
    assert _cli(["validate", "--engine", "nosuch"], capsys)[0] == 2


def test_unreadable_descriptor_is_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_text("{not json", encoding="utf-8")
    code, out = _cli(["validate", str(descriptor)], capsys)
    assert code == 1 and "[package.not_json]" in out


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"PANDERA_VALIDATION_DEPTH": "SCHEMA_ONLY"}, id="schema-only"),
        pytest.param({}, id="unset", marks=pytest.mark.slow),
        pytest.param(
            {"PANDERA_VALIDATION_ENABLED": "False"}, id="disabled", marks=pytest.mark.slow
        ),
    ],
)
def test_subprocess_catches_data_errors_whatever_pandera_env_says(
    broken: Path, extra: dict[str, str]
) -> None:
    """pandera skips data checks on lazy frames unless told otherwise: the validator must not.
    A fresh process each, since pandera reads its environment once; the fast tier runs the
    trap the guide names (SCHEMA_ONLY), the slow tier the others."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANDERA_")} | extra
    run = subprocess.run(
        [sys.executable, "-m", "cscbench", "validate", str(broken), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, (extra, run.stderr[-2000:])
    checks = {p["check_id"] for p in json.loads(run.stdout)["problems"]}
    assert {"field.type", "obs.percent_range", "table.foreign_key"} <= checks, extra


# ---------------------------------------------------------------------------- output


def test_text_output_groups_repeats(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(["validate", str(broken), "--max-examples", "2"], capsys)
    assert code == 1
    block = out.split("[table.foreign_key] observations:")[1].split("\n\n")[0]
    assert block.startswith(" 7 problem(s)")
    assert block.count("  - observations.csv line ") == 2
    assert "... and 5 more" in block
    assert f"fix: {CATALOGUE['table.foreign_key'].guidance}" in block
    assert "got 'nosuch_source'; expected a value of sources.source_id" in block


def test_every_problem_names_resource_line_column_value_and_expectation(broken: Path) -> None:
    report = validate_package(broken)
    assert report.problems
    for p in report.problems:
        assert p.check_id in CATALOGUE and p.line and p.line >= 2 and p.column
        assert p.message.startswith(f"{p.resource}.csv line {p.line}, column {p.column}: got ")
        assert "; expected " in p.message and p.guidance


def test_json_output(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(["validate", str(broken), "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["valid"] is False
    assert data["total"] == sum(g["count"] for g in data["groups"]) == len(data["problems"])
    first = data["problems"][0]
    assert set(first) >= {"check_id", "resource", "line", "column", "value", "expected", "message"}
    assert set(first) >= {"title", "guidance", "engine"}


def test_two_validations_give_identical_json(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = [_cli(["validate", str(broken), "--format", "json"], capsys)[1] for _ in range(2)]
    assert outputs[0] == outputs[1]
    subprocess_out = subprocess.run(
        [sys.executable, "-m", "cscbench", "validate", str(broken), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert subprocess_out == outputs[0]


def test_problems_are_bounded_and_counts_exact(base: Path, tmp_path: Path) -> None:
    """Every row wrong: only ``limit`` examples reach Python, the count is still exact."""
    pkg = tmp_path / "pkg"
    mutate(CASE["observations.value_decimal_comma"], base, pkg)
    obs = resource_paths(pkg)["observations"]
    df = read_text(obs).with_columns(pl.col("period_end").str.replace_all("-", "/"))
    write_text(df, obs)
    report = validate_package(pkg / "datapackage.json", limit=10)
    key = ("cscbench", "field.type", "observations", "period_end")
    assert report.counts[key] == df.height
    assert sum(1 for p in report.problems if p.column == "period_end") == 10
    assert f"{df.height + 1:,} problem(s)" in render_text(report)  # + the decimal comma


# ---------------------------------------------------------------------------- reading CSV


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'a,b,c\n1,"x,\ny",3\n4,"say ""hi""",6\n', []),
        (b"a,b,c\n1,2,3\n4,5\n", [("file.malformed", 3, "c")]),
        (b"a,b,c\n1,2\n4,5,6\n", [("file.malformed", 2, "c")]),
        (b"a,b,c\n1,2,3,4\n", [("file.malformed", 2, None)]),
        (b"a,b,c\n1,2,3\n\n", [("file.malformed", 3, None)]),
        (b"a,b,c\n1,2,3", [("file.malformed", 2, None)]),
        (b'a,b,c\n1,"2,3\n', [("file.malformed", 2, None)]),
        (b'a,b,c\n1,"x\ny"\n4,5,6\n', [("file.malformed", 2, "c")]),
        (b"a,b,c\r\n1,2,3\r\n", [("file.line_endings", 1, None)]),
        (b"a,b,c\r1,2,3\r4,5,6\r", [("file.line_endings", 1, None)]),
        (b"a,b,c\n1,\rx,3\n", [("file.control", 2, "b")]),
        (b'a,b,c\n1,"x\ry",3\n4,5,6\x00\n', [("file.control", 2, "b"), ("file.control", 3, "c")]),
        (
            b"a,b,c\r\n1,2\r,3\r\n",
            [("file.line_endings", 1, None), ("file.control", 2, "b"), ("file.malformed", 2, None)],
        ),
        (b"\xef\xbb\xbfa,b,c\n1,2,3\n", [("file.bom", 1, None)]),
        (b"a,b,c\n1,2,3\n4,caf\xe9,6\n", [("file.encoding", 3, "b")]),
        (b"", [("file.empty", 1, None)]),
    ],
)
def test_read_table_locates_file_problems(
    data: bytes, expected: list[tuple[str, int, str | None]], tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    table = read_table(path, limit=100)
    assert [(p.check_id, p.line, p.column) for p in table.problems] == expected
    if table.frame is not None:
        assert table.frame.columns == ["a", "b", "c"]


def test_short_row_is_not_silently_padded(tmp_path: Path) -> None:
    """polars pads a short row with nulls; the row is reported and left out of the data checks."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n4,5\n")
    table = read_table(path, limit=100)
    assert table.frame is not None and table.frame.height == 2
    assert table.bad_rows.to_list() == [1]


# ---------------------------------------------------------------------------- safe text


def test_formula_check_covers_names_labels_and_codes_not_free_text() -> None:
    schemas = {
        p.name.split(".")[0]: load_table_schema(p) for p in (ROOT / "schemas").glob("*.json")
    }

    def guarded(resource: str, field: str) -> bool:
        fields = {f["name"]: f for f in schemas[resource]["fields"]}
        return fields[field].get("constraints", {}).get("pattern") == FORMULA_SAFE

    for resource, field in [
        ("areas", "name"),
        ("indicators", "label"),
        ("sources", "publisher"),
        ("sources", "title"),
    ]:
        assert guarded(resource, field), (resource, field)
    for resource, field in [
        ("announcements", "value_as_stated"),
        ("observations", "note"),
        ("indicators", "definition"),
        ("indicators", "caveats"),
        ("sources", "description"),
    ]:
        assert not guarded(resource, field), (resource, field)


def test_committed_stated_text_is_kept_exactly() -> None:
    announcements = read_text(ROOT / "datapackage" / "announcements.csv")
    stated = announcements["value_as_stated"].to_list()
    assert "-76 (-5.3%)" in stated


# ---------------------------------------------------------------------------- the docs


def test_docs_check_table_is_generated_from_the_catalogue() -> None:
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- checks:start -->\n(.*?)\n<!-- checks:end -->", text, re.S)
    assert table, "docs/validation.md needs the generated check table between the checks markers"
    assert table.group(1) == readme_table(), "regenerate with: python -m cscbench.validate.checks"
    for check_id in CATALOGUE:
        assert f"`{check_id}`" in text


def test_docs_document_exit_codes_and_decisions() -> None:
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    section = text.split("## Validation")[1].split("\n## ")[0]
    for phrase in ("`0`", "`1`", "`2`", "`3`", "--format json", "BOM", "CRLF", "file.malformed"):
        assert phrase in section, phrase


# ---------------------------------------------------------------------------- field counts


CELL = st.text(alphabet=["a", ",", '"', " ", "é", "1"], max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(2, 5),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=6), min_size=1, max_size=12),
    newlines=st.booleans(),
)
def test_field_counts_match_a_reference_csv_parser(
    width: int, rows: list[list[str]], newlines: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Rows written by Python's csv module with any number of fields: exactly the rows whose field
    count differs from the header's are malformed, on the fast path (one line per row) and on the
    exact path (quoted newlines)."""
    if newlines:
        rows = [[c.replace(" ", "\n") for c in row] for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f"c{i}" for i in range(width)])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    table = read_table(path, limit=100)
    expected = [i for i, row in enumerate(rows) if len(row) != width]
    assert table.bad_rows.to_list() == expected
    assert table.totals.get("file.malformed", 0) == len(expected)
    lines = sorted(p.line for p in table.problems if p.check_id == "file.malformed")
    assert lines == [i + 2 for i in expected]


# Cells with commas, quotes, doubled quotes, newlines and CRs; rows written by the csv module
# (quoted as needed), joined raw (a stray quote or comma stays as it is) or left blank. Most rows
# have the header's width, so that many files are accepted and the rest differ in one place.
AWKWARD_CELL = st.lists(
    st.sampled_from(["a", "a", "1", " ", "é", ",", ",", '"', '""', "\n", "\r"]), max_size=3
).map("".join)


@st.composite
def awkward_csv(draw: st.DrawFn) -> tuple[int, bytes]:
    """A header of 2-4 columns and rows that are short, long, blank or oddly quoted."""
    width = draw(st.integers(2, 4))
    lines = [",".join(f"c{i}" for i in range(width))]
    for _ in range(draw(st.integers(0, 6))):
        how = draw(st.sampled_from(["csv"] * 4 + ["raw", "blank"]))
        size = draw(st.sampled_from([width] * 6 + [width - 1, width + 1]))
        cells = draw(st.lists(AWKWARD_CELL, min_size=size, max_size=size))
        if how == "csv":
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(cells)
            lines.append(buffer.getvalue()[:-1])
        else:
            lines.append(",".join(cells) if how == "raw" else "")
    text = "\n".join(lines) + ("" if draw(st.integers(0, 5)) == 0 else "\n")
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    return width, (codecs.BOM_UTF8 if draw(st.booleans()) else b"") + text.encode("utf-8")


@settings(max_examples=500, deadline=None)
@given(sample=awkward_csv())
def test_whole_file_count_never_accepts_a_row_of_the_wrong_width(
    sample: tuple[int, bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``rows_add_up`` (the fast accept) passes a file only if the line-by-line check finds no
    bad row and Python's csv module reads every row with the header's field count. Where that
    module (strict) refuses the text (a character after a closing quote, which polars reads as
    quoting toggled on and off), only the agreement with the line-by-line check is asserted."""
    width, data = sample
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(data)
    frame, _ = _read_frame(path, "utf8", ragged=False)
    if frame is None or not rows_add_up(path, frame):
        return
    examples, total, bad = record_problems(path, 100, _read_frame(path, "utf8")[0])
    assert (examples, total, bad.to_list()) == ([], 0, [])
    text = data.decode("utf-8-sig")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return
    assert [len(row) for row in rows[1:]] == [width] * (len(rows) - 1)


@pytest.mark.parametrize(
    ("data", "accepted"),
    [
        (b"a,b,c\n1,2,3\n4,5,6\n", True),
        (b'a,b,c\n1,"x,y",3\n"4","",6\n', True),  # quoting without quotes in the cells
        (b'a,b,c\n1,"x\ny",3\n', True),  # a newline inside a cell is content
        (b"\xef\xbb\xbfa,b,c\n1,2,3\n", True),  # the BOM is in the header line
        (b"a,b,c\n", True),
        (b"a,b,c\n1,2\n", False),  # short
        (b"a,b,c\n1,2,3\n\n", False),  # blank line
        (b'a,b,c\n1,"x\ny"\n4,5,6\n', False),  # a quoted newline, a short row
        (b'a,b,c\n1,"say ""hi""",3\n', False),  # quotes in a cell: left to the line check
        (b"a,b,c\n1,2,3", False),  # no final newline
        (b"a,b,c\r\n1,2,3\r\n", False),  # CR
        (b'"a",b,c\n1,2,3\n', False),  # quotes in the header line
        (b"a\n1\n\n", False),  # one column: a blank line has the right count
    ],
)
def test_whole_file_count_accepts_only_what_it_can_prove(
    data: bytes, accepted: bool, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    frame, _ = _read_frame(path, "utf8", ragged=False)
    assert frame is not None
    assert rows_add_up(path, frame) is accepted


def test_a_long_row_is_an_error_when_read_strictly(tmp_path: Path) -> None:
    """The fast accept relies on it: no row read strictly has more fields than the header."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n1,2,3,\n")
    assert _read_frame(path, "utf8", ragged=False)[0] is None
    assert read_table(path, limit=10).bad_rows.to_list() == [1]


def test_primary_key_hash_collisions_are_not_reported() -> None:
    """The key check compares hashes; a failing row whose real key is new (a collision) is dropped."""
    frame = pl.DataFrame({"k1": ["a", "b", "c", "a"], "k2": ["1", "1", "1", "1"]})
    failing = pl.DataFrame({"index": [1, 3]}, schema={"index": pl.UInt32})
    kept = _true_duplicates(frame, failing, ["k1", "k2"])
    assert kept["index"].to_list() == [3]


# ---------------------------------------------------------------------------- the one pass


def cell(*values: str) -> st.SearchStrategy[str | None]:
    """A text cell from ``values``; "" is an empty cell (null, as the reader gives it)."""
    return st.sampled_from(values).map(lambda v: v or None)


OBSERVATION_CELLS = {
    "indicator_id": cell("a_pct", "b_count", "c_open", "Bad-id", "zz_unknown", ""),
    "area_code": cell("E08000035", "E08000036", "E0800003", ""),
    "period": cell("2017", "2017-18", "2018", "2017-99", "x", ""),
    "period_end": cell("2017-03-31", "2018-03-31", "2017-12-31", "2017-3-31", ""),
    "value": cell("", "1", "-3", "50", "101", "1000.5", "NaN", "inf", "1e400", "x"),
    "status": cell("", "c", "computed", "nope"),
    "source_id": cell("src", "other"),
    "note": cell("", "a note"),
}
OBSERVATION = st.fixed_dictionaries(OBSERVATION_CELLS)


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(OBSERVATION, min_size=1, max_size=12), sort=st.booleans())
def test_one_pass_finds_what_row_by_row_checks_find(rows: list[dict], sort: bool) -> None:
    """The fast pass (proofs, per-value rules on distinct values, range rules on each indicator's
    extremes) fails exactly the checks that fail when every rule runs on every row, on sorted
    and unsorted rows alike."""
    from cscbench.package import schema as sch
    from cscbench.validate.run import rules_for

    frames = {
        "indicators": pl.DataFrame(
            {
                "indicator_id": ["a_pct", "b_count", "c_open"],
                "unit": ["percent", "count", "count"],
                "min_value": [None, "0", None],
                "max_value": [None, "1000", None],
            }
        ),
        "areas": pl.DataFrame({"area_code": ["E08000035", "E08000036"]}),
        "sources": pl.DataFrame({"source_id": ["src"]}),
    }
    frame = pl.DataFrame(rows, schema=dict.fromkeys(OBSERVATION_CELLS, pl.String))
    if sort:
        frame = frame.sort("indicator_id", "area_code", "period", nulls_last=True)
    frames["observations"] = frame
    table_schema = load_table_schema(ROOT / "schemas" / "observations.schema.json")
    checks = sch.schema_checks(
        "observations", table_schema, frames, rules_for("observations", frames, table_schema)
    )
    fast = sch.failing_checks(checks, frame)
    slow = {
        column: [c for c in column_checks if not frame.select(c.passes(column)).item()]
        for column, column_checks in checks.items()
    }
    assert {c: [k.check_id for k in v] for c, v in fast.items()} == {
        c: [k.check_id for k in v] for c, v in slow.items() if v
    }


def test_a_nul_padded_file_is_reported_on_the_line_where_the_padding_starts(tmp_path: Path) -> None:
    """A download padded with NUL bytes: every byte counted, the first located, nothing parsed as
    if it were data."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n" + b"\x00" * 100_000)
    table = read_table(path, limit=3)
    control = [p for p in table.problems if p.check_id == "file.control"]
    assert [(p.line, p.column, p.value) for p in control] == [(3, "a", "NUL byte (0x00)")] * 3
    assert table.totals["file.control"] == 100_000
