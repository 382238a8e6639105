"""``cscbench.compare()`` and ``cscbench compare``: councils side by side, on the committed package.

Every figure is checked against ``cscbench.load()`` computed independently here (ranks, neighbour
medians, region and England figures), so the API, the CLI and the package agree.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shlex
import shutil
import statistics
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pinned import WORKFORCE

import cscbench
from cscbench.analysis import comparison
from cscbench.analysis.side_by_side import (
    COLUMNS,
    UnknownChoiceError,
    UnknownCouncilError,
    number,
    render,
)
from cscbench.cli import main
from cscbench.core.paths import ROOT

THREE = ("Leeds", "Wakefield", "Bradford")
THREE_CODES = ["E08000035", "E08000036", "E08000032"]
JOINT = "E06000061 / E06000062"
ENGLAND = "E92000001"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["compare", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def three() -> pl.DataFrame:
    return cscbench.compare(*THREE)


@pytest.fixture(scope="module")
def observations() -> pl.DataFrame:
    return cscbench.load("observations", current=True).with_columns(pl.col("status").cast(str))


@pytest.fixture(scope="module")
def every_council() -> pl.DataFrame:
    """Every ranked unit on the headline indicators plus a flagged and a tied one."""
    units = comparison.units(cscbench.load("areas"))["unit_code"].to_list()
    extra = ["agency_rate_fte", "absence_rate_fte"]
    headline = cscbench.load("indicators").filter(pl.col("headline_order").is_not_null())
    return cscbench.compare(*units, indicators=[*headline["indicator_id"], *extra])


def _ranked_units() -> pl.DataFrame:
    areas = cscbench.load("areas").with_columns(pl.col("status", "level").cast(str))
    return areas.filter(
        pl.col("status") == "current", pl.col("level").is_in(["local_authority", "joint_return"])
    ).select("area_code")


# ---------------------------------------------------------------------------- agreement


def test_cli_json_and_python_agree_with_each_other(
    three: pl.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*THREE, "--format", "json"], capsys)
    assert code == 0 and err == ""
    body = json.loads(out)
    assert body["columns"] == list(COLUMNS) == three.columns
    as_json = three.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).to_dicts()
    assert body["rows"] == as_json
    headline = cscbench.load("indicators").filter(pl.col("headline_order").is_not_null())
    assert three.height == 3 * headline.height
    # councils in the order given, then indicators in headline order
    assert three["area_code"].unique(maintain_order=True).to_list() == THREE_CODES
    order = headline.sort("headline_order")["indicator_id"].to_list()
    assert three.filter(pl.col("area_code") == THREE_CODES[0])["indicator_id"].to_list() == order


def test_values_and_comparators_are_the_packages(
    three: pl.DataFrame, observations: pl.DataFrame
) -> None:
    areas = cscbench.load("areas").select("area_code", pl.col("region_code").alias("region"))
    rows = three.join(areas, left_on="area_code", right_on="area_code")
    key = ["indicator_id", "period"]
    own = observations.select(*key, "area_code", pl.col("value").alias("v"), "status")
    england = observations.filter(pl.col("area_code") == ENGLAND).select(
        *key, pl.col("value").alias("e")
    )
    region = observations.select(
        *key, pl.col("area_code").alias("region"), pl.col("value").alias("r")
    )
    checked = (
        rows.join(own, on=[*key, "area_code"], how="left")
        .join(england, on=key, how="left")
        .join(region, on=[*key, "region"], how="left")
    )
    assert checked.height == three.height
    assert checked.filter(pl.col("v").is_not_null()).height >= three.height - 2
    for a, b in (("value", "v"), ("status", "status_right"), ("england_value", "e")):
        assert checked[a].eq_missing(checked[b]).all(), a
    assert checked["region_value"].eq_missing(checked["r"]).all()


def test_rows_are_the_whole_grids_rows() -> None:
    """Narrowing the observations to the chosen indicators and the neighbour statistics to the
    chosen councils changes no figure: the rows are those of the grid the site is built from."""
    councils = ["Leeds", "Kirklees", "North Northamptonshire", "Isles of Scilly"]
    headline = cscbench.load("indicators").filter(pl.col("headline_order").is_not_null())
    frame = cscbench.compare(*councils, theme="workforce", indicators=headline["indicator_id"])
    inputs = comparison.Inputs(
        *(cscbench.load(n) for n in ("areas", "indicators", "observations")),
        cscbench.load("statistical_neighbours"),
        cscbench.load("caveats"),
    )
    grid = comparison.latest(comparison.build(inputs).grid).rename({"unit_code": "area_code"})
    shared = [c for c in frame.columns if c in grid.columns and c != "basis_code"]
    whole = frame.select("area_code", "indicator_id").join(
        grid.select(shared), on=["area_code", "indicator_id"], how="left", maintain_order="left"
    )
    assert frame.height > 80 and len(shared) > 25
    assert frame.select(shared).equals(whole.select(shared))


def test_ranks_are_min_ranks_among_councils_with_an_unflagged_figure(
    every_council: pl.DataFrame, observations: pl.DataFrame
) -> None:
    """Rank = 1 + the number of ranked units strictly better, recomputed from load()."""
    caveats = cscbench.load("caveats").select("indicator_id", "area_code", "period")
    polarity = cscbench.load("indicators").select("indicator_id", pl.col("polarity").cast(str))
    latest = every_council.select("indicator_id", "period").unique()
    figures = (
        observations.join(_ranked_units(), on="area_code")
        .join(latest, on=["indicator_id", "period"])
        .join(caveats, on=["indicator_id", "area_code", "period"], how="anti")
        .join(polarity, on="indicator_id")
        .filter(pl.col("value").is_not_null(), pl.col("polarity") != "neutral")
    )
    score = pl.when(pl.col("polarity") == "high_is_good").then(-pl.col("value"))
    expected = figures.with_columns(
        score.otherwise(pl.col("value")).rank("min").over("indicator_id").alias("expected"),
        pl.len().over("indicator_id").alias("n"),
    ).select("indicator_id", "area_code", "expected", "n")
    own = every_council.filter(pl.col("basis") == "own", pl.col("rank").is_not_null())
    joined = own.join(expected, on=["indicator_id", "area_code"], how="left")
    assert joined.height == expected.height > 500
    assert (joined["rank"] == joined["expected"]).all()
    assert (joined["ranked_count"] == joined["n"]).all()


def test_ties_take_the_lower_rank_and_share_the_band(every_council: pl.DataFrame) -> None:
    ranked = every_council.filter(pl.col("rank").is_not_null(), pl.col("basis") == "own")
    ties = ranked.filter(pl.len().over("indicator_id", "value") > 1)
    assert ties.height > 10  # the real package has many ties at one decimal
    per_value = ties.group_by("indicator_id", "value").agg(
        pl.col("rank").n_unique().alias("ranks"), pl.col("band").n_unique().alias("bands")
    )
    assert (per_value["ranks"] == 1).all() and (per_value["bands"] == 1).all()
    better = ranked.join(ties.select("indicator_id", "value", "rank").unique(), on="indicator_id")
    higher = pl.col("polarity") == "high_is_good"
    strictly_better = (
        pl.when(higher)
        .then(pl.col("value") > pl.col("value_right"))
        .otherwise(pl.col("value") < pl.col("value_right"))
    )
    counted = better.group_by("indicator_id", "value_right", "rank_right").agg(
        strictly_better.sum().alias("better")
    )
    assert (counted["rank_right"] == counted["better"] + 1).all()


def test_neighbours_median_is_recomputed_from_load(
    three: pl.DataFrame, observations: pl.DataFrame
) -> None:
    neighbours = cscbench.load("statistical_neighbours", current=True)
    caveats = cscbench.load("caveats").select("indicator_id", "area_code", "period")
    for row in three.filter(pl.col("sn_total").is_not_null()).iter_rows(named=True):
        codes = neighbours.filter(pl.col("area_code") == row["area_code"])["neighbour_code"]
        values = (
            observations.filter(
                pl.col("indicator_id") == row["indicator_id"],
                pl.col("period") == row["period"],
                pl.col("area_code").is_in(codes.implode()),
                pl.col("value").is_not_null(),
            )
            .join(caveats, on=["indicator_id", "area_code", "period"], how="anti")["value"]
            .to_list()
        )
        assert row["sn_count"] == len(values), row
        assert row["sn_median"] == (statistics.median(values) if values else None), row


def test_change_is_the_grids_difference_with_a_direction_by_polarity(
    three: pl.DataFrame, observations: pl.DataFrame
) -> None:
    changed = three.filter(pl.col("change").is_not_null())
    assert changed.height > 10
    assert (changed["change"] == changed["value"] - changed["previous_value"]).all()
    polar = changed.filter(pl.col("polarity") != "neutral")
    good = pl.when(pl.col("polarity") == "high_is_good").then(pl.col("change") > 0)
    direction = pl.when(pl.col("change") == 0).then(pl.lit("no change"))
    direction = direction.when(good.otherwise(pl.col("change") < 0)).then(pl.lit("better"))
    assert (
        polar["change_direction"] == polar.select(direction.otherwise(pl.lit("worse"))).to_series()
    ).all()
    leeds = three.row(0, named=True)  # Leeds, caseload: 14.8 in 2025 after 14.5 in 2024
    previous = observations.filter(
        pl.col("indicator_id") == leeds["indicator_id"],
        pl.col("area_code") == "E08000035",
        pl.col("period") == leeds["previous_period"],
    )["value"].item()
    assert leeds["previous_value"] == previous


# ---------------------------------------------------------------------------- special rows


def test_neutral_indicators_have_no_rank_band_or_direction(three: pl.DataFrame) -> None:
    neutral = three.filter(pl.col("polarity") == "neutral")
    assert neutral.height == 3 * 4  # looked after, in need, net spend, spend per child
    assert neutral["rank"].is_null().all() and neutral["band"].is_null().all()
    assert neutral["change_direction"].is_null().all()
    assert neutral["change"].is_not_null().any()
    assert (neutral["rank_note"] == "neutral indicator: not ranked").all()


def test_a_flagged_figure_is_unranked_with_its_caveat(capsys: pytest.CaptureFixture[str]) -> None:
    frame = cscbench.compare("Kirklees", "Leeds", indicators="agency_rate_fte")
    kirklees, leeds = frame.rows(named=True)
    reason = (
        cscbench.load("caveats")
        .filter(
            pl.col("area_code") == "E08000034",
            pl.col("indicator_id") == "agency_rate_fte",
            pl.col("period") == kirklees["period"],
        )["reason"]
        .item()
    )
    assert kirklees["value"] == 0.0 and kirklees["flagged"] and kirklees["caveat"] == reason
    assert kirklees["rank"] is None and kirklees["band"] is None
    assert kirklees["rank_note"] == comparison.FLAGGED_NOTE
    assert kirklees["change_direction"] is None
    assert not leeds["flagged"] and leeds["rank"] is not None
    assert leeds["sn_count"] < leeds["sn_total"] or "E08000034" not in (leeds["sn_flagged"] or "")
    code, out, _ = run(["Kirklees", "--indicator", "agency_rate_fte"], capsys)
    assert code == 0 and "not ranked [1]" in out and f"[1] {reason}" in out


def test_a_superseded_code_means_the_current_council(observations: pl.DataFrame) -> None:
    spend = "csc_net_expenditure_per_child_gbp"
    old = cscbench.compare("E08000016", indicators=spend)
    assert old.equals(cscbench.compare("Barnsley", indicators=spend))
    (row,) = old.rows(named=True)
    assert row["area_code"] == "E08000038" and row["area_name"] == "Barnsley"
    published = cscbench.load("observations").filter(
        pl.col("indicator_id") == spend,
        pl.col("area_code") == "E08000016",
        pl.col("period") == row["period"],
    )
    assert published.height == 1 and row["value"] == published["value"].item()  # under old code


def test_joint_return_members_show_the_joint_figure_and_rank() -> None:
    frame = cscbench.compare(
        "North Northamptonshire", "West Northants", JOINT, indicators="caseload_fte"
    )
    north, west, joint = frame.rows(named=True)
    assert joint["area_code"] == JOINT and joint["basis"] == "own"
    for member in (north, west):
        assert member["basis"] == "joint" and member["basis_code"] == JOINT
        assert member["value"] == joint["value"] is not None
        assert (member["rank"], member["band"]) == (joint["rank"], joint["band"])
        assert member["rank_note"] == f"rank of the joint return {JOINT}"
    text = render(frame, "text")
    assert f"figure of the joint return {JOINT}" in text and " joint " in text


def test_a_council_named_twice_is_shown_once() -> None:
    frame = cscbench.compare("Leeds", "E08000035", "383", indicators="caseload_fte")
    assert frame["area_code"].to_list() == ["E08000035"]


def test_councils_by_the_names_they_use_and_as_one_list() -> None:
    frame = cscbench.compare(
        ["Bradford Council", "Leeds City Council", "Hull", "383"], indicators="caseload_fte"
    )
    assert frame["area_code"].to_list() == ["E08000032", "E08000035", "E06000010"]
    with pytest.raises(UnknownCouncilError, match="did you mean 'Bradford'"):
        cscbench.compare("Brdford Council")
    with pytest.raises(TypeError, match="names or codes"):
        cscbench.compare(5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- choices


def test_an_unknown_council_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["Leeds", "Wakefeild"], capsys)
    assert code == 2 and out == ""
    assert "did you mean 'Wakefield'" in err and "Traceback" not in err
    with pytest.raises(UnknownCouncilError, match="did you mean 'Wakefield'"):
        cscbench.compare("Wakefeild")
    with pytest.raises(ValueError, match=r"abolished on 2021-03-31.*North Northamptonshire"):
        cscbench.compare("Northamptonshire")
    with pytest.raises(UnknownCouncilError, match="not a council"):
        cscbench.compare("England")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "caseload"], "no indicator 'caseload' (did you mean 'caseload_fte'"),
        (["--theme", "work"], "the themes are care_leavers, child_protection"),
        (["--period", "2031"], "their periods are latest, 2013,"),
        (["--theme", "spending", "--period", "2025"], "their periods are latest, 2022-23,"),
    ],
)
def test_an_unknown_choice_exits_2_with_the_valid_ones(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["Leeds", *args], capsys)
    assert code == 2 and out == "" and message in err, err
    if args[0] == "--indicator":  # every id, after the closest
        assert "indicator ids are absence_rate_fte, agency_cover_fte," in err


def test_unknown_choices_are_typed_with_their_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UnknownChoiceError) as caught:
        cscbench.compare("Leeds", theme="nope")
    assert "workforce" in caught.value.choices
    code, out, _ = run(["Leeds", "--period", "1999", "--format", "json"], capsys)
    body = json.loads(out)
    assert code == 2 and body["rows"] is None and body["error"]["kind"] == "usage"
    code, out, err = run(["--format", "json"], capsys)  # argparse's own error: no council
    assert code == 2 and json.loads(out)["rows"] is None and "COUNCIL" in err


def test_theme_indicators_and_a_period() -> None:
    frame = cscbench.compare("Leeds", theme="care_leavers", indicators=["caseload_fte"])
    themes = cscbench.load("indicators").filter(pl.col("theme") == "care_leavers")
    assert set(frame["indicator_id"]) == {"caseload_fte", *themes["indicator_id"]}
    assert frame["indicator_id"].first() == "caseload_fte"  # headline order first
    old = cscbench.compare("Leeds", "Wakefield", indicators="caseload_fte", period="2018")
    assert old["period"].to_list() == ["2018", "2018"]
    assert old["value"].to_list() == [
        cscbench.load("observations")
        .filter(pl.col("indicator_id") == "caseload_fte", area_code=c, period="2018")["value"]
        .item()
        for c in ("E08000035", "E08000036")
    ]


def test_an_untrusted_package_is_checked_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "package"
    shutil.copytree(ROOT / "schemas", copy / "schemas")
    shutil.copytree(ROOT / "datapackage", copy / "datapackage")
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["path"] = "../../../../../../etc/passwd"
    (copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, out, err = run(["Leeds", "--package", str(copy)], capsys)
    assert code == 1 and out == "" and "etc/passwd" in err and "cannot be compared" in err
    code, _, err = run(["Leeds", "--package", str(tmp_path / "nowhere")], capsys)
    assert code == 2 and "not found" in err
    (copy / "datapackage" / "areas.csv").write_text("not,a\npackage\n", encoding="utf-8")
    descriptor["resources"][0]["path"] = "datapackage/announcements.csv"
    (copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, out, err = run(["Leeds", "--package", str(copy)], capsys)
    assert code == 1 and "could not be read" in err and "cscbench validate" in err, err


# ---------------------------------------------------------------------------- formats


def test_the_four_formats(three: pl.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {}
    for fmt in ("text", "csv", "json", "markdown"):
        code, out, err = run([*THREE, "--format", fmt], capsys)
        assert code == 0 and err == "", fmt
        outputs[fmt] = out
    text = outputs["text"].splitlines()
    assert text[0].startswith("council") and set(text[1]) <= {"-", " "}
    assert len(text) == 2 + three.height and "54 of 148" not in text[0]
    assert text[2].split()[0] == "Leeds" and "14.8" in text[2]
    markdown = outputs["markdown"].splitlines()
    assert len(markdown) == 2 + three.height and all(m.startswith("| ") for m in markdown[2:])
    assert markdown[1].startswith("|---|")
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == three.height
    read = pl.read_csv(io.StringIO(outputs["csv"]), schema=three.schema)
    assert read.equals(three)


def test_output_is_deterministic_and_follows_the_order_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = run(["Wakefield", "Leeds", "--format", "csv"], capsys)
    assert first == run(["Wakefield", "Leeds", "--format", "csv"], capsys)
    codes = [line.split(",")[0] for line in first[1].splitlines()[1:]]
    assert codes[0] == "E08000036" and codes[-1] == "E08000035"


WEST_YORKSHIRE = ["Leeds", "Wakefield", "Bradford", "Kirklees", "Calderdale"]
PAIR = ["caseload_fte", "agency_rate_fte"]


@pytest.fixture(scope="module")
def west_yorkshire() -> dict[str, pl.DataFrame]:
    frame = cscbench.compare(*WEST_YORKSHIRE, indicators=PAIR)
    codes = frame["area_code"].unique(maintain_order=True)
    return {
        n: frame.filter(pl.col("area_code") == c)
        for n, c in zip(WEST_YORKSHIRE, codes, strict=True)
    }


@settings(max_examples=8)
@given(st.permutations(WEST_YORKSHIRE), st.integers(1, 5))
def test_a_councils_rows_do_not_depend_on_the_others_asked(
    west_yorkshire: dict[str, pl.DataFrame], names: list[str], k: int
) -> None:
    chosen = names[:k]
    frame = cscbench.compare(*chosen, indicators=PAIR)
    assert frame.equals(pl.concat([west_yorkshire[n] for n in chosen]))


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
    st.integers(0, 2),
)
def test_numbers_are_shown_as_written_rounded_half_away_from_zero(
    value: Decimal, decimals: int
) -> None:
    shown = number(float(value), decimals)
    assert shown is not None
    back = Decimal(shown.replace(",", ""))
    step = Decimal(1).scaleb(-decimals)
    assert abs(back - value) <= step / 2  # the nearest at that many decimals
    if abs(back - value) == step / 2 and value != 0:  # a half: away from zero
        assert abs(back) > abs(value)
    assert number(None, decimals) is None


# ---------------------------------------------------------------------------- install and names


def test_compare_imports_no_heavy_library() -> None:
    script = (
        "import sys, cscbench\n"
        "cscbench.compare('Leeds', 'Wakefield', 'Bradford')\n"
        "from cscbench.cli import main; main(['compare', 'Leeds', '--format', 'csv'])\n"
        "heavy = ('pandas', 'pyarrow', 'pandera', 'frictionless', 'great_tables', 'numpy', 'rich')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stderr.strip() == "[]"


def test_no_module_imports_compare_as_a_module() -> None:
    """``cscbench.compare`` is the function; the grid library is ``cscbench.analysis.comparison``. A module
    written before the rename (``from cscbench import compare``, then ``compare.build``) would get
    the function and fail at run time: this finds it at once."""
    wrong = []
    for path in [
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "tests").rglob("*.py"),
        *(ROOT / "benchmarks").rglob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "cscbench":
                wrong += [f"{path}:{node.lineno}" for a in node.names if a.name == "compare"]
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                wrong += [f"{path}:{node.lineno}" for n in names if n == "cscbench.compare"]
    assert wrong == [], "use `from cscbench import comparison` for the grid library"


# ---------------------------------------------------------------------------- the guide


def test_guide_examples_run_as_shown(capsys: pytest.CaptureFixture[str]) -> None:
    """The compare examples of docs/analysts.md: the Python block gives the figures its comment
    states, and the command prints exactly the text shown under it."""
    guide = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", guide, re.S) if ".compare(" in b]
    names: dict[str, object] = {"pl": pl, "cscbench": cscbench}
    exec(compile(block, "docs/analysts.md compare example", "exec"), names)
    leeds = names["caseload_ranks"].row(0, named=True)  # type: ignore[attr-defined]
    assert leeds == WORKFORCE["readme_compare_leeds_caseload"]
    command, shown = re.search(
        r"```sh\n(cscbench compare .*?)\n```\n\n```text\n(.*?)```", guide, re.S
    ).groups()  # type: ignore[union-attr]
    code, out, _ = run(shlex.split(command)[2:], capsys)
    assert code == 0 and out == shown
