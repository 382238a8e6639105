"""Publishing takes any valid package: unusual but valid content publishes, or fails clearly.

One small package (the corpus base, cut down to two councils) is made unusual in every way at
once: no Leeds, no announcement rows, a spending figure of 1e300, a region whose name starts with
an apostrophe, two regions whose names give the same slug, and names Excel refuses or reserves.
The fast tests call the builders and writers on it; the slow test publishes it whole. (A resource
named ``../../../PWNED`` is refused by validation, package.shape; the writers still never let a
name leave the site, tested here on the frames directly.)
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from corpus.mutations import build_base, read_text, write_text
from hypothesis import given, settings
from hypothesis import strategies as st

from cscbench.analysis.groupsfile import GroupConfigError
from cscbench.core.paths import ROOT
from cscbench.publish import (
    check_groups,
    exports,
    groups_files,
    headline,
    history,
    index,
    output_names,
    publish_site,
    regions,
    site,
)
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context, build_context
from cscbench.validate.run import validate_package

LEEDS = "E08000035"
ODD_REGIONS = {
    "E12000003": "'Yorkshire and The Humber",  # Excel refuses a leading apostrophe
    "E12000001": "North East",
    "E12000002": "North-East",  # the same slug as North East
    "E12000004": "History",  # a sheet name Excel reserves
    "E12000005": "West Midlands: [the] *region*? a/b\\c, well over thirty-one characters",
}
PWNED = "../../../PWNED"


def unusual_package(dst: Path) -> Path:
    dst.mkdir(parents=True)
    build_base(ROOT, dst)
    data = dst / "datapackage"

    def edit(name: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
        write_text(change(read_text(data / f"{name}.csv")), data / f"{name}.csv")

    edit(
        "areas",
        lambda df: df.filter(pl.col("area_code") != LEEDS).with_columns(
            pl.col("area_code").replace_strict(ODD_REGIONS, default=pl.col("name")).alias("name")
        ),
    )
    for name in ("observations", "caveats", "inspections", "statistical_neighbours"):
        edit(name, lambda df: df.filter(pl.col("area_code") != LEEDS))
    edit("statistical_neighbours", lambda df: df.filter(pl.col("neighbour_code") != LEEDS))
    edit("announcements", lambda df: df.head(0))
    spending = pl.col("indicator_id") == "ro3_csctot_net_cur_exp"
    edit(
        "observations",
        lambda df: df.with_columns(
            pl.when(spending & pl.col("value").is_not_null())
            .then(pl.lit("1e300"))
            .otherwise(pl.col("value"))
            .alias("value")
        ),
    )
    return dst / "datapackage.json"


@pytest.fixture(scope="module")
def unusual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unusual_package(tmp_path_factory.mktemp("unusual") / "pkg")


@pytest.fixture(scope="module")
def ctx(unusual: Path) -> Context:
    return build_context(unusual, ())  # the shipped groups name councils it does not have


def test_the_unusual_package_is_valid(unusual: Path) -> None:
    report = validate_package(unusual)
    assert report.valid, [p.message for p in report.problems[:5]]


def test_headline_pages_say_why_without_a_pair(ctx: Context, unusual: Path) -> None:
    """Without a [[pair]] the headline pages say so; the shipped pair (Leeds vs Wakefield) on a
    package without Leeds stops publishing before validation, naming the entry to fix."""
    for module in (headline, history):
        (page,) = module.build(ctx)
        assert not page.tables and "no [[pair]]" in page.intro[0]
        assert output_names.SAFE_STEM.fullmatch(page.stem)
    with pytest.raises(
        GroupConfigError,
        match=r"groups\.toml: (group|pair) '[^']+': no current council called 'Leeds'",
    ):
        check_groups(unusual, groups_files())


def test_regions_with_odd_names_get_their_own_files_and_sheets(
    ctx: Context, tmp_path: Path
) -> None:
    pages = regions.build(ctx)
    stems = [p.stem for p in pages]
    assert len(stems) == len(set(stems)) == ctx.areas.filter(pl.col("level") == "regional").height
    assert {"regions/north-east", "regions/north-east-2"} <= set(stems)
    output_names.check_names(pages)
    book = tmp_path / "book.xlsx"
    exports.write_workbook(book, [t for p in pages for t in p.tables], ["readme"])
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert "Yorkshire and The Humber" in sheets and "History table" in sheets
    assert {"North East", "North-East"} <= set(sheets)


def test_huge_figures_are_written_not_crashed() -> None:
    frame = pl.DataFrame({"v": [1e300, -1e300, float("inf"), 1355.0], "d": [0, 1, 0, 0]})
    text = frame.select(fmt.number_text(pl.col("v"), pl.col("d"))).to_series().to_list()
    assert text == ["1e+300", "-1e+300", "inf", "1,355"]


def test_periods_covered_skip_an_empty_resource(ctx: Context) -> None:
    covered = dict(index.periods_covered(ctx))
    assert ctx.frames["announcements"].height == 0
    assert not any("announcements" in source for source in covered)


def test_a_resource_name_never_leaves_the_site(ctx: Context, tmp_path: Path) -> None:
    root = tmp_path / "site"
    written = exports.write_parquet(root, {**ctx.frames, PWNED: ctx.frames["sources"]})
    assert "data/parquet/pwned.parquet" in written
    assert "data/parquet/statistical_neighbours.parquet" in written  # plain names kept
    assert all(p.resolve().is_relative_to(root) for p in tmp_path.rglob("*"))
    assert not list(tmp_path.parent.rglob("PWNED*"))


@pytest.mark.parametrize("stem", ["../x", "/etc/passwd", "a/../../b", "", ".hidden", "A"])
def test_unsafe_output_names_are_refused(stem: str, tmp_path: Path) -> None:
    with pytest.raises(site.SiteError, match="not a safe output name"):
        output_names.safe_file(tmp_path, stem, ".html")


def test_repeated_names_are_told_apart_deterministically() -> None:
    assert fmt.distinct(["a", "b", "a", "a-2", "a"]) == ["a", "b", "a-2", "a-2-2", "a-3"]
    assert fmt.unique_slugs(["North East", "North-East", "???"], "region") == [
        "north-east",
        "north-east-2",
        "region",
    ]


@settings(max_examples=20)
@given(st.lists(st.text(max_size=60), max_size=12))
def test_every_sheet_name_is_one_excel_accepts(wanted: list[str]) -> None:
    """xlsxwriter applies Excel's rules (length in UTF-16 units, forbidden characters, no
    apostrophe at either end, unique ignoring case): every name the sanitiser gives passes."""
    book = xlsxwriter.Workbook(io.BytesIO())
    used = {"readme"}
    book.add_worksheet("README")
    for name in wanted:
        chosen = exports._sheet_name(name, used)
        assert chosen.lower() != "history"
        book.add_worksheet(chosen)
    book.close()


@pytest.mark.slow
def test_the_unusual_package_publishes_whole(unusual: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "site"
    result = publish_site(unusual, out, png="no", groups_path=())  # no groups, no pair
    assert result.pages > 0 and result.out == out
    assert (out / "index.html").is_file()
    assert {p.name for p in (out / "regions").glob("north-east*.html")} == {
        "north-east.html",
        "north-east-2.html",
    }
    assert all(p.resolve().is_relative_to(tmp_path) for p in tmp_path.rglob("*"))
    shutil.rmtree(tmp_path / "out")
