"""Publishing the site from the committed package (cscbench.publish).

The site is published once per session without PNG images (the ``published`` fixture in
conftest.py) and the tests assert on it. Determinism is checked by rebuilding the parts that could
differ (page families, the XLSX and Parquet writers) once, from a second, independent context built
while polars shuffles every unordered result, and comparing the bytes with the published site;
the whole-site comparison of two full builds and the PNG images of a full build are in the slow
tier (``make test-slow``). The failure tests use cheap stand-ins for the slow builders and reuse
the module's context.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import os
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from great_tables import GT
from hypothesis import given, settings
from hypothesis import strategies as st
from pinned import WORKFORCE
from polars.dataframe.group_by import GroupBy

import cscbench
import cscbench.publish as publish_module
from cscbench.analysis import comparison as compare
from cscbench.cli import main
from cscbench.core.errors import InvalidPackageError, UsageError
from cscbench.core.paths import ROOT
from cscbench.publish import (
    charts,
    claims,
    definitions,
    exports,
    groups,
    headline,
    history,
    png_export,
    publish_site,
    regions,
    site,
    workbook,
)
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context, build_context
from cscbench.publish.groups import GroupConfigError, read_groups

DESCRIPTOR = ROOT / "datapackage.json"
LEEDS, WAKEFIELD = "E08000035", "E08000036"
IN_CI = os.environ.get("CI", "").lower() == "true"


def headline_ids() -> list[str]:
    """The package's headline indicators, in their order (indicators.headline_order)."""
    indicators = cscbench.load("indicators", DESCRIPTOR).drop_nulls("headline_order")
    return indicators.sort("headline_order")["indicator_id"].to_list()


def old_site(path: Path) -> dict[str, bytes]:
    """A previous site to protect: marker plus one page; returns its exact contents."""
    path.mkdir(parents=True)
    (path / site.MARKER).write_text("built by cscbench publish\n")
    (path / "index.html").write_text("<p>the previous site</p>\n")
    return snapshot(path)


def snapshot(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def no_leftovers(parent: Path) -> bool:
    return not [p for p in parent.iterdir() if ".building-" in p.name or ".previous-" in p.name]


# ---------------------------------------------------------------------------- the site


def test_index_links_all_exist(published: Path) -> None:
    index = (published / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    local = [
        html.unescape(h).split("#")[0]
        for h in links
        if not h.startswith(("http://", "https://", "#"))
    ]
    assert len(local) > 150  # every profile, region, group and the headline tables
    for href in local:
        assert (published / href).is_file(), href
    version = json.loads(DESCRIPTOR.read_text())["version"]
    assert f"version <strong>{version}</strong>" in index
    assert fmt.OGL in index and 'id="cite"' in index and 'id="sources"' in index
    for stem in (
        "headline/leeds-vs-wakefield",
        "claims/claims-vs-statistics",
        "groups/west-yorkshire",
    ):
        assert f'href="{stem}.html"' in index
        assert (published / f"{stem}.csv").is_file()
    assert (published / exports.WORKBOOK).is_file()
    for name in cscbench.resources(DESCRIPTOR):
        assert (published / exports.PARQUET_DIR / f"{name}.parquet").is_file()


def expected_latest(indicator: str, code: str) -> tuple[float | None, str]:
    """The package's own figure for a council at the indicator's latest period, and its text."""
    obs = cscbench.load("observations", DESCRIPTOR).filter(pl.col("indicator_id") == indicator)
    meta = (
        cscbench.load("indicators", DESCRIPTOR)
        .filter(pl.col("indicator_id") == indicator)
        .row(0, named=True)
    )
    last = obs.sort("period_end")["period"][-1]
    value = obs.filter(pl.col("area_code") == code, pl.col("period") == last)["value"].item()
    text = f"{value:,.{meta['decimals']}f}"
    unit = str(meta["unit"])
    if unit == "percent":
        text += "%"
    elif unit == "gbp_per_child":
        text = "£" + text
    elif unit == "gbp_thousand":
        text = f"£{text}k"
    return value, text


def test_headline_figures_equal_the_package(published: Path) -> None:
    page = (published / "headline/leeds-vs-wakefield.html").read_text(encoding="utf-8")
    data = pl.read_csv(published / "headline/leeds-vs-wakefield.csv")
    ids = headline_ids()
    assert len(ids) >= 6
    for indicator in ids:
        for code in (LEEDS, WAKEFIELD):
            value, text = expected_latest(indicator, code)
            row = data.filter(pl.col("indicator_id") == indicator, pl.col("area_code") == code)
            assert row.height == 1
            # the CSV has the figure at the indicator's decimals: the number the page shows
            assert row["value"].item() == float(re.sub(r"[£%k,]", "", text)), (indicator, value)
            assert row["figure"].item() == text
            assert f">{html.escape(text)}</td>" in page or f"{html.escape(text)}</td>" in page, (
                indicator,
                code,
                text,
            )


def test_headline_ofsted_row_and_png_subjects(published: Path) -> None:
    data = pl.read_csv(published / "headline/leeds-vs-wakefield.csv")
    ofsted = data.filter(pl.col("indicator_id") == headline.OFSTED_ID)
    assert ofsted["area_code"].to_list() == [LEEDS, WAKEFIELD]
    latest = compare.latest_inspections(
        cscbench.load("inspections", DESCRIPTOR), cscbench.load("areas", DESCRIPTOR)
    )
    for code, shown in ofsted.select("area_code", "figure").iter_rows():
        grade = latest.filter(pl.col("unit_code") == code)["grade"].item()
        assert shown.startswith(grade)


def test_suppressed_symbol_and_footnote_rendered(published: Path) -> None:
    """A council whose latest headline figure is suppressed shows the symbol, never 0 or blank."""
    obs = cscbench.load("observations", DESCRIPTOR)
    areas = cscbench.load("areas", DESCRIPTOR).filter(
        pl.col("level") == "local_authority", pl.col("status") == "current"
    )
    last = obs.filter(pl.col("indicator_id") == "caseload_fte")["period"].max()
    hidden = obs.filter(
        pl.col("indicator_id") == "caseload_fte",
        pl.col("period") == last,
        pl.col("value").is_null(),
        pl.col("area_code").is_in(areas["area_code"].implode()),
    ).sort("area_code")
    assert hidden.height > 0, "the package has no suppressed caseload to check"
    code, symbol = hidden["area_code"][0], str(hidden["status"][0])
    page = next((published / "profiles").glob(f"{code.lower()}-*.html")).read_text(encoding="utf-8")
    meaning = fmt.status_meanings()[symbol]
    assert f"{html.escape(symbol)} = {html.escape(meaning, quote=False)}" in page.replace(
        "&#x27;", "'"
    )
    data = pl.read_csv(profile_csv(published, code))
    row = data.filter(pl.col("indicator_id") == "caseload_fte")
    assert row["value"].item() is None and row["status"].item() == symbol
    assert re.search(rf">{re.escape(symbol)}(<span[^>]*>[^<]*</span>)?</td>", page)


@pytest.mark.slow
def test_whole_site_is_byte_identical_across_runs(published: Path, tmp_path: Path) -> None:
    """Every page and CSV (and the workbook and Parquet files) of a second, independent full
    build, made while polars returns every unordered result shuffled: one rebuild checks both
    determinism and that every order a reader sees comes from an explicit sort or
    ``maintain_order``. (The fast tier checks the context built that way:
    test_context_does_not_depend_on_unordered_polars_results.)"""
    with pytest.MonkeyPatch.context() as patch:
        shuffle_unordered_results(patch)
        publish_site(DESCRIPTOR, tmp_path / "site", png="no")
    first, second = snapshot(published), snapshot(tmp_path / "site")
    assert first.keys() == second.keys() and len(first) > 300
    differing = [k for k in first if first[k] != second[k]]
    assert not differing


def test_no_wall_clock_or_random_ids(published: Path) -> None:
    page = (published / "headline/leeds-vs-wakefield.html").read_text(encoding="utf-8")
    assert 'id="headline-leeds-vs-wakefield"' in page


@pytest.fixture(scope="module")
def book(published: Path) -> openpyxl.Workbook:
    """The published workbook, read once for the tests that look inside it."""
    return openpyxl.load_workbook(published / exports.WORKBOOK)


def test_xlsx_neutralises_formula_like_cells(published: Path, book: openpyxl.Workbook) -> None:
    assert {"README", "headline", "claims", "claims context"} <= set(book.sheetnames)
    risky = (
        cscbench.load("announcements", DESCRIPTOR)
        .filter(pl.col("value").is_not_null(), pl.col("value_as_stated").str.contains(r"^[=+\-@]"))[
            "value_as_stated"
        ]
        .to_list()
    )
    assert risky, "no formula-like stated value in the package to check"
    cells = {
        c.value
        for name in ("claims", "claims context")
        for row in book[name].iter_rows()
        for c in row
        if isinstance(c.value, str)
    }
    for text in risky:
        assert "'" + text in cells and text not in cells
    csv = "".join(
        (published / f"{stem}.csv").read_text(encoding="utf-8")
        for stem in (claims.STEM, claims.CONTEXT_STEM)
    )
    assert "'" + risky[0] in csv


def test_workbook_writer_never_writes_formulas(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"name": ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "ok"], "n": [-1.5, 2, 3, 4]}
    )
    table = fmt.Table("t/x", "t", "s", None, frame, sheet="test")  # type: ignore[arg-type]
    exports.write_workbook(tmp_path / "b.xlsx", [table], ["=readme"])
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["test"]
    values = [c.value for c in sheet["A"]][1:]
    assert values == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "'+1", "ok"]
    assert all(c.data_type == "s" for c in sheet["A"])
    assert [c.value for c in sheet["B"]][1:] == [-1.5, 2, 3, 4]
    assert openpyxl.load_workbook(tmp_path / "b.xlsx")["README"]["A1"].value == "'=readme"


def need_chromium() -> str:
    """The Chromium to render with; a missing one skips the test, except in CI (it must run)."""
    binary = png_export.find_chromium()
    if binary is None:
        message = "no Chromium found (install chromium or set CHROME_PATH); PNG export not tested"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return binary


def test_one_small_png_carries_its_title_and_alt_text(tmp_path: Path) -> None:
    """The fast tier renders one two-row table; the full site's images are in the slow tier."""
    binary = need_chromium()
    frame = pl.DataFrame({"council": ["Leeds", "Wakefield"], "caseload": [16.4, 21.9]})
    table = fmt.Table("t/small", "Small table", "two rows", GT(frame, id="small"), frame, png=True)
    produced, failed = png_export.render_pngs(tmp_path, [table], binary, strict=True)
    assert produced == {"t/small"} and failed == []
    png = (tmp_path / "t/small.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"iTXtDescription" in png
    assert table.alt.encode() in png and b"iTXtTitle" in png


@pytest.fixture(scope="session")
def published_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full build with every PNG image (slow tier only)."""
    need_chromium()
    out = tmp_path_factory.mktemp("publish-png") / "site"
    result = publish_site(DESCRIPTOR, out, png="yes")
    assert result.pngs > 0 and not result.notes
    return out


@pytest.mark.slow
def test_png_images(published_png: Path) -> None:
    for stem in (
        "headline/leeds-vs-wakefield",
        "ofsted/leeds-and-wakefield-history",
        "claims/claims-vs-statistics",
        "groups/west-yorkshire",
    ):
        png = (published_png / f"{stem}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"iTXtDescription" in png
    index = (published_png / "index.html").read_text(encoding="utf-8")
    assert '<img src="headline/leeds-vs-wakefield.png" alt="Table: ' in index


@pytest.mark.slow
def test_png_charts_and_every_image_reference(published_png: Path) -> None:
    """Every profile's chart has its PNG (title and words inside); every image on the index
    exists, and every file its alt text names (a CSV, a page) exists beside it."""
    charts_drawn = sorted((published_png / "profiles").glob("*-trends.svg"))
    assert len(charts_drawn) > 150
    for path in charts_drawn:
        png = path.with_suffix(".png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"iTXtDescription" in png, path
    index = (published_png / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)" alt="([^"]*)"', index)
    assert any(src.endswith("-trend.png") for src, _ in images)
    for src, alt in images:
        assert (published_png / src).is_file(), src
        named = re.findall(r"([\w./-]+\.(?:csv|html))", html.unescape(alt))
        assert named, alt
        folder = (published_png / src).parent
        for file in named:
            assert (folder / file).resolve().is_file(), (src, file)


# ---------------------------------------------------------------------------- failures


def broken_package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    root.mkdir()
    shutil.copy(DESCRIPTOR, root / "datapackage.json")
    shutil.copytree(ROOT / "datapackage", root / "datapackage")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    path = root / "datapackage" / "observations.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[1].split(",")
    cells[4] = "not-a-number"  # value column
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return root / "datapackage.json"


def test_invalid_package_exits_1_and_leaves_old_site(tmp_path: Path, capsys) -> None:
    out = tmp_path / "site"
    before = old_site(out)
    package = broken_package(tmp_path)
    with pytest.raises(InvalidPackageError) as raised:
        publish_site(package, out, png="no")
    assert [p.check_id for p in raised.value.report.problems] == ["field.type"]
    assert main(["publish", "--package", str(package), "--out", str(out), "--png", "no"]) == 1
    err = capsys.readouterr().err
    assert "[field.type] observations" in err and "the package is invalid" in err
    assert snapshot(out) == before
    assert no_leftovers(tmp_path)


def reuse_context(monkeypatch: pytest.MonkeyPatch, ctx) -> None:
    """publish_site takes the module's context instead of building its own (the failure tests are
    about what is written, not about the context)."""
    monkeypatch.setattr(publish_module, "build_context", lambda *args, **kwargs: ctx)


def test_failing_builder_leaves_old_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctx
) -> None:
    out = tmp_path / "site"
    before = old_site(out)

    def boom(ctx):
        raise RuntimeError("injected failure")

    reuse_context(monkeypatch, ctx)
    for module in (headline, history, claims, groups):  # speed: the builders before regions
        monkeypatch.setattr(module, "build", lambda ctx: [])
    monkeypatch.setattr(groups, "build_group", lambda ctx, group: [])  # a unit per group page
    monkeypatch.setattr(charts, "plan", lambda *args, **kwargs: [])  # speed: no chart planned
    monkeypatch.setattr(regions, "build", boom)
    with pytest.raises(RuntimeError, match="injected"):
        publish_site(DESCRIPTOR, out, png="no")
    assert snapshot(out) == before and no_leftovers(tmp_path)


def test_failure_while_writing_leaves_old_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctx
) -> None:
    out = tmp_path / "site"
    before = old_site(out)
    reuse_context(monkeypatch, ctx)
    # speed: the pages of one cheap builder are enough, and no chart is planned
    for module in publish_module.BUILDERS:
        if module is not definitions:
            monkeypatch.setattr(module, "build", lambda ctx: [])
    monkeypatch.setattr(groups, "build_group", lambda ctx, group: [])  # a unit per group page
    monkeypatch.setattr(charts, "plan", lambda *args, **kwargs: [])
    written: list[Path] = []
    real = site.write_pages

    def write_then_fail(root: Path, *args, **kwargs):
        real(root, *args, **kwargs)
        written.append(root)
        raise OSError("disk full (injected)")

    monkeypatch.setattr(site, "write_pages", write_then_fail)
    with pytest.raises(OSError, match="injected"):
        publish_site(DESCRIPTOR, out, png="no")
    assert written and not written[0].exists()  # the half-built site was removed
    assert snapshot(out) == before and no_leftovers(tmp_path)


def test_refuses_to_replace_a_directory_it_did_not_create(tmp_path: Path) -> None:
    out = tmp_path / "not-a-site"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(site.SiteError, match="not a cscbench site") as raised:
        publish_site(DESCRIPTOR, out, png="no")
    assert isinstance(raised.value, UsageError)  # the CLI exits 2 (test_cli.py)
    assert (out / "precious.txt").read_text() == "keep me"


# ---------------------------------------------------------------------------- groups and versions


def test_groups_resolve_names_and_reject_unknown(tmp_path: Path) -> None:
    areas = cscbench.load("areas", DESCRIPTOR)
    config = tmp_path / "groups.toml"
    config.write_text('[[group]]\nname = "Pair"\nmembers = ["Leeds", "Hull", "E08000038"]\n')
    (group,) = read_groups(config, areas)
    assert group.codes == (LEEDS, "E06000010", "E08000038") and group.slug == "pair"
    config.write_text('[[group]]\nname = "Bad"\nmembers = ["Leeds", "Atlantis"]\n')
    with pytest.raises(GroupConfigError, match="Atlantis"):
        read_groups(config, areas)
    config.write_text('[[group]]\nname = "Twice"\nmembers = ["Leeds", "Leeds City Council"]\n')
    with pytest.raises(GroupConfigError, match="twice"):
        read_groups(config, areas)


def test_committed_groups_config_is_valid() -> None:
    groups = read_groups(ROOT / "config" / "groups.toml", cscbench.load("areas", DESCRIPTOR))
    assert "West Yorkshire" in [g.name for g in groups]


def test_pages_degrade_without_inspections_and_announcements(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    root.mkdir()
    package = json.loads(DESCRIPTOR.read_text())
    package["resources"] = [
        r for r in package["resources"] if r["name"] not in ("inspections", "announcements")
    ]
    (root / "datapackage.json").write_text(json.dumps(package))
    shutil.copytree(ROOT / "datapackage", root / "datapackage")  # a symlink out is refused
    shutil.copytree(ROOT / "schemas", root / "schemas")
    ctx = build_context(root / "datapackage.json", ROOT / "config" / "groups.toml")
    table = headline.build(ctx)[0].tables[0]
    assert fmt.NOT_IN_PACKAGE in table.gt.as_raw_html()
    for module in (history, claims):
        (page,) = module.build(ctx)
        assert not page.tables and fmt.NOT_IN_PACKAGE in page.intro[0]


# ---------------------------------------------------------------------------- review fixes


@pytest.fixture(scope="module")
def ctx(context):
    """The shared context: built apart from the ``published`` build (so comparing the two is a
    determinism check)."""
    return context


@pytest.fixture(scope="module")
def shuffled_ctx() -> Context:
    """A third context, built while polars returns every unordered result shuffled."""
    with pytest.MonkeyPatch.context() as patch:
        shuffle_unordered_results(patch)
        return build_context(DESCRIPTOR, ROOT / "config" / "groups.toml")


def text_of(frame_values: list[float], decimals: list[int]) -> list[str]:
    frame = pl.DataFrame(
        {"v": frame_values, "d": decimals}, schema={"v": pl.Float64, "d": pl.Int64}
    )
    return frame.select(fmt.number_text(pl.col("v"), pl.col("d")).alias("t"))["t"].to_list()


def half_away(value: Decimal, decimals: int) -> str:
    """The reference: Python's decimal module, ROUND_HALF_UP (= half away from zero)."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return "-" + f"{-rounded:,}" if rounded < 0 else f"{rounded:,}"


def test_number_text_rounds_half_away_from_zero() -> None:
    """DfE and LAIT round halves away from zero; banker's rounding would give 2, 12.2 and -2."""
    cases = [(2.5, 0), (12.25, 1), (-2.5, 0), (0.5, 0), (-12.25, 1), (1.005, 2), (88916.5, 0)]
    got = text_of([v for v, _ in cases], [d for _, d in cases])
    assert got == [half_away(Decimal(str(v)), d) for v, d in cases]
    assert got[:3] == ["3", "12.3", "-3"]


FIGURE = st.tuples(st.integers(-(10**8), 10**8), st.integers(0, 4), st.integers(0, 3))


@settings(max_examples=60, deadline=None)
@given(st.lists(FIGURE, min_size=1, max_size=40))
def test_number_text_matches_decimal_rounding(figures: list[tuple[int, int, int]]) -> None:
    """Any figure as written (units / 10**scale, up to 9 significant digits: every figure in the
    package) is shown as decimal rounding would show it, halves away from zero. (Figures come in
    batches, one frame per example: more figures checked than one frame each, for less time.)"""
    values = [Decimal(units).scaleb(-scale) for units, scale, _ in figures]
    decimals = [d for _, _, d in figures]
    got = text_of([float(v) for v in values], decimals)
    for text, value, places in zip(got, values, decimals, strict=True):
        want = half_away(value, places)
        assert text == (want.lstrip("-") if want.strip("-0.,") == "" else want), (value, places)


def test_status_note_calls_only_publisher_symbols_publishers() -> None:
    meanings = fmt.status_meanings()
    statuses = list(meanings)
    frame = pl.DataFrame({"status": statuses}).with_columns(
        fmt.status_note(pl.col("status"), meanings).alias("note")
    )
    for status, note in frame.iter_rows():
        if status in fmt.CSCBENCH_STATUSES:
            assert "publisher" not in note, note
        else:
            assert note == f"{status} = {meanings[status]} (publisher's symbol).", note
    incomplete = frame.filter(pl.col("status") == "incomplete")["note"].item()
    assert meanings["incomplete"] in incomplete and "cscbench" in incomplete


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_raw_ofsted_ids_reach_readers(published: Path) -> None:
    """Judgement and grade-status ids are shown in words (Isles of Scilly's "not judged")."""
    inspections = cscbench.load("inspections", DESCRIPTOR)
    ids = {
        *inspections["judgement"].cast(pl.String).unique().to_list(),
        *inspections["grade_status"].drop_nulls().cast(pl.String).unique().to_list(),
    }
    # what councils and the press said is quoted as written ("SLAC re-inspection of safeguarding")
    quoted = cscbench.load("announcements", DESCRIPTOR).select("unit", "value_as_stated")
    said = sorted({t for col in quoted.iter_columns() for t in col.drop_nulls()}, key=len)[::-1]
    # the What changed page lists the package's own ids on purpose (a new allowed value such as
    # `judgement=visit` is what a consumer must handle), so it is the one page exempt
    pages = [p for p in published.glob("*/*.html") if p.parent.name != "changes"]
    assert len(pages) > 150
    # `visit` is also the plain word every profile's visits section uses ("Monitoring visit")
    ids.discard(compare.VISIT)
    for path in pages:
        shown = visible_text(path.read_text(encoding="utf-8"))
        for text in said:
            shown = shown.replace(text, " ")
        leaked = sorted(i for i in ids if i in shown)
        assert not leaked, (path.name, leaked)
    not_judged = inspections.filter(pl.col("grade_status").cast(pl.String) == "not_judged")
    code = not_judged["area_code"][0]
    page = next((published / "profiles").glob(f"{code.lower()}-*.html")).read_text("utf-8")
    assert fmt.GRADE_STATUS_LABELS["not_judged"] in visible_text(page)


def profile_csv(published: Path, code: str) -> Path:
    """The profile's own CSV (not its Ofsted history's or its chart's)."""
    (path,) = [
        p
        for p in (published / "profiles").glob(f"{code.lower()}-*.csv")
        if not p.name.endswith(("-ofsted.csv", "-trends.csv", "-neighbours.csv", "-visits.csv"))
    ]
    return path


def marks(cell: str) -> list[str]:
    return re.findall(r'gt_footnote_marks"[^>]*>([^<]+)</span>', cell)


def footnote_mark(page: str, text: str) -> str:
    """The mark of the footnote whose text starts with ``text``."""
    for cell in re.findall(r'<td class="gt_footnote".*?</td>', page, re.S):
        (mark, *_) = marks(cell) or [""]
        if (
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            .strip()[len(mark) :]
            .strip()
            .startswith(text)
        ):
            return mark
    raise AssertionError(f"no footnote starting {text!r}")


def row_cells(page: str, stub: str) -> list[str]:
    """The cells of the body row whose stub (row label) is ``stub``."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        head = re.search(r'<th [^>]*class="gt_row[^"]*gt_stub[^>]*>(.*?)</th>', row, re.S)
        if head and html.unescape(re.sub(r"<[^>]+>", "", head.group(1))).strip() == stub:
            return re.findall(r"<td[^>]*>.*?</td>", row, re.S)
    raise AssertionError(f"no row {stub!r}")


def test_flagged_figure_is_unranked_with_its_caveat_on_figure_rank_and_band(
    published: Path, ctx
) -> None:
    """Kirklees' published 0.0 agency rate is shown, "not ranked", no band, and the caveat's mark
    is on all three cells; its profile CSV carries the flag and the caveat."""
    kirklees = "E08000034"
    row = ctx.latest.filter(
        pl.col("unit_code") == kirklees, pl.col("indicator_id") == "agency_rate_fte"
    ).row(0, named=True)
    assert row["value"] == 0 and row["flagged"] and row["rank"] is None and row["band"] is None
    assert row["rank_note"] == compare.FLAGGED_NOTE and row["note"] is None
    page = next((published / "profiles").glob(f"{kirklees.lower()}-*.html")).read_text("utf-8")
    mark = footnote_mark(page, fmt.FLAGGED_PREFIX)
    label = pl.select(fmt.display_label(pl.lit(row["label"]), pl.lit(row["unit"]))).item()
    figure, rank, band = row_cells(page, label)[1:4]
    for cell in (figure, rank, band):
        assert mark in marks(cell), cell
    assert "not ranked" in rank and "0.0%" in figure
    data = pl.read_csv(profile_csv(published, kirklees), infer_schema_length=None)
    shown = data.filter(pl.col("indicator_id") == "agency_rate_fte").row(0, named=True)
    assert shown["flagged"] and shown["caveat"] == row["caveat"] and shown["rank"] is None


def test_leeds_agency_neighbour_mean_leaves_kirklees_out(published: Path, ctx) -> None:
    """The acceptance figure: Leeds' agency neighbour mean is 12.5 over 9 councils (2025), with
    Kirklees named in the neighbour count's footnote, in the HTML and the CSV alike."""
    row = ctx.latest.filter(
        pl.col("unit_code") == LEEDS, pl.col("indicator_id") == "agency_rate_fte"
    ).row(0, named=True)
    assert row["period"] == WORKFORCE["latest_period"] and row["sn_flagged"] == "E08000034"
    pinned = (WORKFORCE["leeds_agency_sn_count"], WORKFORCE["leeds_agency_sn_mean"])
    assert (row["sn_count"], round(row["sn_mean"], 1)) == pinned
    page = next((published / "profiles").glob(f"{LEEDS.lower()}-*.html")).read_text("utf-8")
    mark = footnote_mark(page, "Kirklees is a neighbour whose figure is flagged")
    label = pl.select(fmt.display_label(pl.lit(row["label"]), pl.lit(row["unit"]))).item()
    cells = row_cells(page, label)
    assert ">12.5%<" in cells[6] and "9 of 10" in cells[8] and mark in marks(cells[8])
    data = pl.read_csv(published / "headline/leeds-vs-wakefield.csv", infer_schema_length=None)
    leeds = data.filter(pl.col("indicator_id") == "agency_rate_fte", pl.col("area_code") == LEEDS)
    assert leeds.select("sn_mean", "sn_count", "sn_flagged").row(0) == (12.5, 9, "E08000034")


def test_swindon_neighbours_count_the_joint_return_once(published: Path, ctx) -> None:
    swindon = "E06000030"
    row = ctx.latest.filter(
        pl.col("unit_code") == swindon, pl.col("indicator_id") == "caseload_fte"
    ).row(0, named=True)
    assert row["sn_merged"], "Swindon's neighbours no longer share a joint return"
    shared = row["sn_merged"].split("|")
    pairs = cscbench.load("statistical_neighbours", DESCRIPTOR).filter(
        pl.col("area_code") == swindon
    )
    with_figure = ctx.latest.filter(
        pl.col("indicator_id") == "caseload_fte",
        pl.col("unit_code").is_in(pairs["neighbour_code"].implode()),
        pl.col("value").is_not_null(),
    )
    figures = with_figure.unique("basis_code").height
    assert figures == with_figure.height - (len(shared) - 1)
    page = next((published / "profiles").glob(f"{swindon.lower()}-*.html")).read_text("utf-8")
    names = [ctx.names[c] for c in shared]
    note = f"{names[0]} and {names[1]} are both neighbours but report one joint return"
    mark = footnote_mark(page, note)
    label = pl.select(fmt.display_label(pl.lit(row["label"]), pl.lit(row["unit"]))).item()
    count = row_cells(page, label)[-2]
    assert f"{figures} of {pairs.height}" in count and mark in marks(count)
    data = pl.read_csv(profile_csv(published, swindon))
    csv_row = data.filter(pl.col("indicator_id") == "caseload_fte").row(0, named=True)
    assert (csv_row["sn_count"], csv_row["sn_merged"]) == (figures, row["sn_merged"])


def test_rank_note_in_headline_and_region_csvs(published: Path, ctx) -> None:
    data = pl.read_csv(published / "headline/leeds-vs-wakefield.csv", infer_schema=False)
    councils = data.filter(pl.col("row_kind") == "council", pl.col("period").is_not_null())
    want = ctx.latest.select(
        pl.col("unit_code").alias("area_code"), "indicator_id", pl.col("rank_note").alias("want")
    )
    joined = councils.join(want, on=["area_code", "indicator_id"], how="left")
    assert joined.height == councils.height > 0
    assert joined.filter(pl.col("rank_note").ne_missing(pl.col("want"))).is_empty()
    region = ctx.areas.filter(pl.col("name") == "Yorkshire and The Humber")["area_code"].item()
    wide = pl.read_csv(published / "regions/yorkshire-and-the-humber.csv", infer_schema=False)
    expected = ctx.latest.filter(
        pl.col("region_code") == region,
        pl.col("level") == "local_authority",
        pl.col("indicator_id").is_in(headline_ids()),
    )
    assert expected.height > 0
    for r in expected.iter_rows(named=True):
        got = wide.filter(pl.col("area_code") == r["unit_code"]).row(0, named=True)
        i = r["indicator_id"]
        assert got[f"{i}_rank_note"] == r["rank_note"]
        assert got[f"{i}_rank"] == (None if r["rank"] is None else str(r["rank"]))
        assert got[f"{i}_band"] == r["band"]
        shown = pl.select(fmt.plain_number(pl.lit(r["value"]), pl.lit(r["decimals"]))).item()
        assert got[i] == (None if r["value"] is None else str(float(shown)).removesuffix(".0"))


def test_profile_change_is_against_the_previous_period(published: Path) -> None:
    obs = cscbench.load("observations", DESCRIPTOR).filter(
        pl.col("indicator_id") == "caseload_fte", pl.col("area_code") == LEEDS
    )
    last, previous = obs.sort("period_end").tail(2).select("period", "value").rows()[::-1]
    data = pl.read_csv(profile_csv(published, LEEDS))
    shown = data.filter(pl.col("indicator_id") == "caseload_fte")["change_text"].item()
    change = pl.select(fmt.number_text(pl.lit(last[1] - previous[1]), pl.lit(1))).item()
    sign = "+" if last[1] > previous[1] else ""
    want = f"{sign}{change} since {previous[0]}"
    assert shown == pl.select(fmt.neutralise(pl.lit(want))).item()  # the CSV's "'+0.3" form


def test_claims_other_side_is_the_nearest_snapshot(ctx) -> None:
    """The figure on the other side of a claim's date is the nearest one on that side."""
    frame = claims.claims_frame(ctx).filter(pl.col("other_official_value").is_not_null())
    assert frame.height > 0
    figures = ctx.series.filter(pl.col("value").is_not_null())
    for r in frame.iter_rows(named=True):
        side = figures.filter(
            pl.col("unit_code") == r["unit_code"],
            pl.col("indicator_id") == r["indicator_id"],
            (pl.col("period_end") >= r["date"]) != (r["gap_days"] >= 0),
        ).with_columns((pl.col("period_end") - r["date"]).dt.total_days().abs().alias("gap"))
        best = side["gap"].min()
        assert abs(r["other_gap_days"]) == best
        assert r["other_official_end"] == side.filter(pl.col("gap") == best)["period_end"].min()


def test_money_claims_say_different_year_only_when_it_differs() -> None:
    end = dt.date(2025, 3, 31)
    frame = pl.DataFrame(
        {
            "indicator_id": claims.MONEY_TOTAL,
            "olabel": "spend",
            "relation": "scale",
            "official_value": 1000.0,
            "official_period": "2024-25",
            "official_caveat": None,
            "official_percent": None,
            "ounit": "gbp_thousand",
            "decimals": 0,
            "kind": "overspend",
            "date": [
                dt.date(2024, 4, 1),
                dt.date(2025, 3, 31),
                dt.date(2024, 3, 31),
                dt.date(2025, 4, 1),
            ],
            "official_end": end,
            "year_from": None,
            "year_to": None,
            "value_to": None,
            "stated_from_value": None,
            "stated_to_value": None,
            "gap_line": None,
        },
        schema_overrides={
            c: pl.String for c in ("official_caveat", "year_from", "year_to", "gap_line")
        }
        | {c: pl.Float64 for c in ("official_percent", "value_to", "stated_from_value")}
        | {"stated_to_value": pl.Float64},
    )
    shown = frame.select(claims.official_text().alias("shown"))["shown"].to_list()
    assert ["different year" in s for s in shown] == [False, False, True, True]
    assert all("for scale only" in s and "measure" in s for s in shown)


def test_claims_are_comparable_or_for_context_never_both(published: Path, ctx) -> None:
    """Every numeric claim is in exactly one of the two tables; the comparable ones have the same
    measure within about 13 months or the exact DfE years they state; the rest say why not."""
    frame = claims.claims_frame(ctx)
    main = pl.read_csv(published / f"{claims.STEM}.csv", infer_schema=False)
    context = pl.read_csv(published / f"{claims.CONTEXT_STEM}.csv", infer_schema=False)
    ids = [*main["announcement_id"], *context["announcement_id"]]
    assert sorted(ids) == sorted(frame["announcement_id"]) and len(set(ids)) == len(ids)
    comparable = frame.filter(pl.col("comparable"))
    assert set(main["announcement_id"]) == set(comparable["announcement_id"]) and main.height >= 4
    assert comparable["relation"].is_in([claims.MEASURE, claims.CHANGE]).all()
    stated = comparable["year_from"].is_not_null()
    near = comparable["gap_days"].abs() <= claims.COMPARABLE_DAYS
    assert (stated | (near & comparable["official_covers"])).all()
    assert context["context_reason"].null_count() == 0
    # a council's own measure is never judged against DfE's
    own = main.filter(pl.col("basis") == "council_measure")
    assert (own["check"] == fmt.DASH).all()
    # a council's own caseload count is not DfE's caseload per FTE: "a different measure"
    fte = frame.filter(
        pl.col("indicator_id") == "caseload_fte", pl.col("basis") != "dfe_statistics"
    )
    assert (
        fte.height and not fte["comparable"].any() and (fte["relation"] == claims.DIFFERENT).all()
    )
    wakefield = context.filter(
        pl.col("area_code") == "E08000036", pl.col("unit").str.starts_with("average cases")
    )
    assert wakefield["context_reason"].str.starts_with("a different measure").all()
    assert "for context only, a different measure" in wakefield["official_shown"].item()


def test_rough_dates_keep_their_time_and_gaps_are_never_figures(ctx) -> None:
    """Issues 18 and 21: "c. mid-2022" runs May to August 2022, so Leeds' caseload claim is set
    beside September 2022, never September 2021; Bradford's "£12.3m agency spend" (c. 2022) is
    set beside no figure, because its 2022-23 return line is £0k; every roughly dated comparable
    claim's figure covers part of its time."""
    frame = claims.claims_frame(ctx)
    leeds = frame.filter(
        pl.col("area_code") == "E08000035", pl.col("date_as_stated").str.starts_with("c. mid-2022")
    )
    row = leeds.row(0, named=True)
    assert (row["date"], row["date_end"]) == (dt.date(2022, 5, 1), dt.date(2022, 8, 31))
    assert row["official_end"] == dt.date(2022, 9, 30) and row["official_covers"]
    bradford = frame.filter(pl.col("area_code") == "E08000032", pl.col("value") == 12.3).row(
        0, named=True
    )
    assert bradford["official_value"] is None and not bradford["comparable"]
    assert "2022-23 return shows 0" in bradford["context_reason"]
    assert "£0k" not in bradford["official_shown"]
    rough = frame.filter(
        pl.col("comparable"), pl.col("date_precision") != "day", pl.col("year_from").is_null()
    )
    starts = rough["official_end"].dt.offset_by("-1y")
    assert ((rough["date_end"] > starts) & (rough["date"] <= rough["official_end"])).all()


def test_claims_quoting_dfe_years_are_checked_against_those_years(ctx) -> None:
    """Warwickshire's "19.5 -> 17 (DfE 2017 -> 2020)": DfE 2017 = 18.3 (differs), 2020 = 17.0
    (matches); Leeds' "1239 -> 1346" (2016 vs 2020) quotes years the package does not hold."""
    frame = claims.claims_frame(ctx)
    row = frame.filter(pl.col("area_code") == "E10000031", pl.col("kind") == "caseload")
    row = row.row(0, named=True)
    assert (row["year_from"], row["year_to"]) == ("2017", "2020") and row["comparable"]
    assert (row["stated_from_value"], row["stated_to_value"]) == (18.3, 17.0)
    check = frame.filter(pl.col("announcement_id") == row["announcement_id"]).select(
        claims.check_text()
    )
    assert (
        check.item() == "2017: claim 19.5, DfE 18.3 (differs); 2020: claim 17, DfE 17.0 (matches)"
    )
    leeds = frame.filter(pl.col("year_from") == "2016").row(0, named=True)
    assert not leeds["comparable"] and "2016 and 2020" in leeds["context_reason"]


def test_investment_claims_sit_beside_the_spending_change_of_the_nearest_year(ctx) -> None:
    frame = claims.claims_frame(ctx).filter(
        pl.col("kind") == "investment", pl.col("unit").str.starts_with("GBP million")
    )
    assert frame.height >= 5
    assert (frame["indicator_id"] == claims.SPENDING_CHANGE).all()
    changes = ctx.series.filter(
        pl.col("indicator_id") == claims.SPENDING_CHANGE, pl.col("value").is_not_null()
    )
    assert changes["period"].n_unique() >= 2  # the package holds more than one year of change
    for r in frame.iter_rows(named=True):
        held = changes.filter(pl.col("unit_code") == r["unit_code"])
        # days from the claim's time (date to date_end) to each year's end; 0 within it
        start = (held["period_end"] - r["date"]).dt.total_days()
        end = (held["period_end"] - r["date_end"]).dt.total_days()
        gaps = [abs(a) if a < 0 else max(b, 0) for a, b in zip(start, end, strict=True)]
        assert abs(r["gap_days"]) == min(gaps), r["announcement_id"]
        timely = abs(r["gap_days"]) <= claims.COMPARABLE_DAYS and r["official_covers"]
        assert r["comparable"] == timely
    shown = frame.select(claims.official_text()).to_series()
    assert shown.str.contains(r"^[+-]?£[\d,]+k \(£[\d.]+m\), [+-]?[\d.]+%, change in").all()


def test_claim_units_are_printed_once(published: Path) -> None:
    frame = pl.DataFrame(
        {
            "value_as_stated": ["+38%", "almost 40", "3000 per worker", "6.2"],
            "unit": [
                "percent rise in caseloads since 2018",
                "percent of social workers from agencies",
                "GBP per worker (retention payment)",
                "GBP million",
            ],
        }
    )
    assert frame.select(claims.claim_text()).to_series().to_list() == [
        "+38% rise in caseloads since 2018",
        "almost 40% of social workers from agencies",
        "3000 per worker GBP (retention payment)",
        "6.2 GBP million",
    ]
    page = visible_text((published / f"{claims.STEM}.html").read_text("utf-8"))
    assert not re.search(r"%\s*percent|per (\w+) \w+ per \1", page)


def decimals_of(column: pl.Series) -> int:
    """The most fraction digits any cell of a CSV column (read as text) has."""
    fractions = column.drop_nulls().str.extract(r"\.(\d+)$").drop_nulls().str.len_chars()
    return int(fractions.max() or 0)


def test_no_page_prints_a_status_word_where_a_number_goes(published: Path) -> None:
    """Issue 21: a gap is never a number: no table cell holds cscbench's own status word (the
    region's spending change read "computed" on 75 pages); the reason is printed instead."""
    cell = re.compile(r"<td[^>]*>\s*(computed|incomplete)\s*</td>")
    shown = [p.name for p in published.rglob("*.html") if cell.search(p.read_text("utf-8"))]
    assert shown == []


def test_csv_numbers_are_at_the_indicators_decimals(published: Path, ctx) -> None:
    """No float noise: every number in the headline, region and profile CSVs has at most the
    indicator's decimals (the trend text too)."""
    decimals = dict(ctx.indicators.select("indicator_id", "decimals").iter_rows())
    long_files = [
        published / "headline/leeds-vs-wakefield.csv",
        profile_csv(published, LEEDS),
        profile_csv(published, "E06000053"),
    ]
    numbers = ("value", "sn_mean", "sn_median", "region_value", "england_value")
    for path in long_files:
        data = pl.read_csv(path, infer_schema=False)
        for (indicator,), part in data.group_by("indicator_id"):
            if indicator not in decimals:
                continue  # the Ofsted row
            for column in (c for c in numbers if c in part.columns):
                assert decimals_of(part[column]) <= decimals[indicator], (path, indicator, column)
            if "trend" in part.columns:
                values = part["trend"].drop_nulls().str.extract_all(r": ([-\d.]+)").explode()
                assert decimals_of(values.str.slice(2)) <= decimals[indicator], (path, indicator)
    region = pl.read_csv(published / "regions/yorkshire-and-the-humber.csv", infer_schema=False)
    for indicator in headline_ids():
        assert decimals_of(region[indicator]) <= decimals[indicator], indicator
    noisy = pl.read_csv(published / "headline/leeds-vs-wakefield.csv", infer_schema=False)
    assert not noisy["sn_mean"].drop_nulls().str.contains(r"\d{8}").any()


def test_workbook_has_every_profile_with_symbols_and_caveats(book: openpyxl.Workbook, ctx) -> None:
    """The profiles as two wide sheets: one column per council, figures at the indicator's
    decimals, a publisher's symbol where there is no figure, and a flagged figure's caveat as the
    cell's comment."""
    assert {workbook.VALUES_SHEET, workbook.RANKS_SHEET} <= set(book.sheetnames)
    sheet = book[workbook.VALUES_SHEET]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    councils = ctx.latest.filter(pl.col("level") == "local_authority")["name"].unique()
    assert set(councils) <= set(header) and header[len(workbook.ROW_COLUMNS)] == "England"
    assert len(rows) - 1 == ctx.indicators.height
    by_id = {r[1].value: r for r in rows[1:]}
    kirklees, leeds = header.index("Kirklees"), header.index("Leeds")
    agency = by_id["agency_rate_fte"]
    assert agency[kirklees].value == 0 and "Kirklees reports" in agency[kirklees].comment.text
    assert agency[leeds].value == 2.1 and agency[leeds].comment is None
    symbols = [c.value for r in rows[1:] for c in r[len(workbook.ROW_COLUMNS) :]]
    assert "c" in symbols  # a suppressed figure shows its symbol, not an empty cell
    ranks = {r[1].value: r for r in book[workbook.RANKS_SHEET].iter_rows(min_row=2)}
    rank_header = [c.value for c in next(book[workbook.RANKS_SHEET].iter_rows(max_row=1))]
    assert ranks["agency_rate_fte"][rank_header.index("Kirklees")].value == "not ranked"
    assert ranks["agency_rate_fte"][rank_header.index("Leeds")].value.endswith(", band A")


def test_links_say_what_they_link_to(published: Path) -> None:
    assert fmt.safe_link("https://example.org/a?b=1&c=2", text="source") == (
        '<a href="https://example.org/a?b=1&amp;c=2">source</a>'
    )
    assert fmt.safe_link(None) == "not recorded"
    page = (published / "claims/claims-vs-statistics.html").read_text("utf-8")
    assert ">source</a>" in page and ">report</a>" not in page


def test_tables_keep_the_order_they_are_asked_for(ctx) -> None:
    """Rows follow the councils as listed, whatever order a join would give."""
    codes = (
        ctx.latest.filter(pl.col("level") == "local_authority")["unit_code"]
        .unique()
        .sort(descending=True)
        .to_list()
    )
    assert headline.ofsted_rows(ctx, codes)["unit_code"].to_list() == codes
    table = headline.comparison_table(ctx, codes[:40], "t/t", "t", sheet=None, png=False)
    councils = table.data.filter(pl.col("row_kind") == "council")
    blocks = councils.partition_by("indicator_id", maintain_order=True)
    assert all(b["area_code"].to_list() == codes[:40] for b in blocks)


def shuffle_unordered_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Polars as its documentation allows it to behave: a join, group-by or unique without
    ``maintain_order`` may return its rows in any order. Here they come back shuffled."""
    seeds = itertools.count(1)
    join, unique, agg = pl.DataFrame.join, pl.DataFrame.unique, GroupBy.agg

    def shuffle(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.sample(fraction=1.0, shuffle=True, seed=next(seeds))

    def any_order_join(self, *args, maintain_order=None, **kwargs):
        out = join(self, *args, maintain_order=maintain_order, **kwargs)
        return shuffle(out) if maintain_order in (None, "none") else out

    def any_order_unique(self, *args, maintain_order=False, **kwargs):
        out = unique(self, *args, maintain_order=maintain_order, **kwargs)
        return out if maintain_order else shuffle(out)

    def any_order_agg(self, *args, **kwargs):
        out = agg(self, *args, **kwargs)
        return out if self.maintain_order else shuffle(out)

    monkeypatch.setattr(pl.DataFrame, "join", any_order_join)
    monkeypatch.setattr(pl.DataFrame, "unique", any_order_unique)
    monkeypatch.setattr(GroupBy, "agg", any_order_agg)


def test_context_does_not_depend_on_unordered_polars_results(ctx, shuffled_ctx) -> None:
    """Every order that reaches a reader comes from an explicit sort or maintain_order: the
    comparison grid and every table the pages are built from, made with polars shuffling every
    unordered result, equal those made without. The pages and files written from such a build
    are compared with a cold build's in the slow tier (test_whole_site_is_byte_identical_across_runs)."""
    for name in ("grid", "latest", "series", "periods", "area_names"):
        assert getattr(shuffled_ctx, name).equals(getattr(ctx, name)), name
    assert shuffled_ctx.names == ctx.names
    assert shuffled_ctx.frames.keys() == ctx.frames.keys()
    assert all(shuffled_ctx.frames[k].equals(ctx.frames[k]) for k in ctx.frames)


# ---------------------------------------------------------------------------- Ofsted grade claims


def test_wakefield_july_2018_rating_lines_up_with_ofsted(published: Path, ctx) -> None:
    """Wakefield's July 2018 "Inadequate" sits beside Ofsted's own judgement, read from the package."""
    stated = cscbench.load("announcements", DESCRIPTOR).filter(
        pl.col("area_code") == WAKEFIELD,
        pl.col("kind") == "rating",
        pl.col("date").dt.year() == 2018,
        pl.col("date").dt.month() == 7,
    )
    assert stated.height == 1, "Wakefield's July 2018 rating claim is not in the package"
    claim = stated.row(0, named=True)
    series = ctx.areas.filter(pl.col("area_code") == WAKEFIELD)["series_code"].item()
    codes = ctx.areas.filter(pl.col("series_code") == series)["area_code"].implode()
    inspections = (
        cscbench.load("inspections", DESCRIPTOR)
        .filter(pl.col("area_code").is_in(codes), pl.col("judgement") == compare.OVERALL)
        .with_columns((pl.col("publication_date") - claim["date"]).dt.total_days().alias("gap"))
    )
    nearest = inspections.filter(pl.col("gap").abs() == pl.col("gap").abs().min()).row(
        0, named=True
    )
    row = (
        claims.ratings_frame(ctx)
        .filter(pl.col("announcement_id") == claim["announcement_id"])
        .row(0, named=True)
    )
    assert row["official_judgement"] == compare.OVERALL
    assert row["official_publication_date"] == nearest["publication_date"]
    assert row["official_framework"] == str(nearest["framework"])
    assert row["official_grade_on_framework_scale"] == str(nearest["grade_on_framework_scale"])
    assert row["gap_days"] == nearest["gap"]
    same = claim["value_as_stated"].lower() in {
        str(nearest["grade"]).lower(),
        str(nearest["grade_on_framework_scale"]).lower(),
    }
    assert row["verdict"] == (claims.MATCHES if same else claims.DIFFERS)
    assert same and nearest["gap"] == 0  # the package's record: published the same day

    page = (published / "claims/claims-vs-statistics.html").read_text("utf-8")
    table = page[page.index('id="claims-ratings-vs-ofsted"') :]
    said = html.escape(f"{claim['unit']}: {claim['value_as_stated']}")
    council = ctx.names[WAKEFIELD]
    rows = [
        r
        for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        if f">{said}</td>" in r
        and f">{html.escape(claim['date_as_stated'])}</td>" in r
        and f"claims-ratings-vs-ofsted-{council} " in r
    ]
    assert len(rows) == 1, rows
    cells = re.findall(r"<td[^>]*>.*?</td>", rows[0], re.S)
    published_on = pl.select(fmt.date_text(pl.lit(nearest["publication_date"]))).item()
    for want in (
        str(nearest["grade_on_framework_scale"]),
        published_on,
        "same day (0 days)",
        claims.MATCHES,
    ):
        assert any(want in c for c in cells), (want, cells)
    data = pl.read_csv(published / "claims/ratings-vs-ofsted.csv", try_parse_dates=True)
    assert data.filter(pl.col("announcement_id") == claim["announcement_id"])["verdict"].item() == (
        claims.MATCHES
    )


def test_rating_claims_all_listed_with_a_counterpart_or_saying_none(ctx) -> None:
    frame = claims.ratings_frame(ctx)
    ratings = cscbench.load("announcements", DESCRIPTOR).filter(pl.col("kind") == "rating")
    assert sorted(frame["announcement_id"].to_list()) == sorted(
        ratings["announcement_id"].to_list()
    )
    # a verdict only where the claim named a judgement and the official row is that judgement
    judged = frame.filter(pl.col("verdict").is_not_null())
    assert (judged["official_judgement"] == judged["judgement_named"]).all()
    # a council with no inspection on record: listed, saying so
    fake = ratings.head(1).with_columns(
        pl.lit("E99999999").alias("area_code"), pl.lit("ann_none").alias("announcement_id")
    )
    none = claims.nearest_inspection(ctx, fake.with_columns(pl.col(pl.Enum).cast(pl.String)))
    assert none["official_framework"].is_null().all() and none.height == 1


def test_rating_verdict_rules() -> None:
    ilacs, slac = "ILACS overall effectiveness", "Ofsted/CQC grade (safeguarding overall)"
    cases = [
        # (stated, unit, official judgement, grade, grade on framework scale, want)
        ("Inadequate", ilacs, "overall_effectiveness", "Inadequate", "Inadequate", "matches"),
        ("inadequate", ilacs, "overall_effectiveness", "Inadequate", "Inadequate", "matches"),
        ("Good", ilacs, "overall_effectiveness", "Inadequate", "Inadequate", "differs"),
        ("Adequate (grade 3)", slac, "safeguarding", "Requires improvement to be good",
         "Adequate", "matches"),
        ("Requires improvement to be good", slac, "safeguarding",
         "Requires improvement to be good", "Adequate", "matches"),
        ("Good", slac, "overall_effectiveness", "Good", "Good", None),  # another judgement
        ("steady progress", "Ofsted monitoring visit letter", "overall_effectiveness", "Good",
         "Good", None),
        ("areas for priority action", "Ofsted unannounced inspection finding",
         "safeguarding", "Good", "Good", None),
        ("Good", ilacs, "overall_effectiveness", None, None, None),  # post-2026: no grade
        ("Good", ilacs, None, None, None, None),  # no counterpart
    ]  # fmt: skip
    frame = pl.DataFrame(
        [c[:5] for c in cases],
        schema=[
            "value_as_stated",
            "unit",
            "official_judgement",
            "official_grade",
            "official_grade_on_framework_scale",
        ],
        orient="row",
    ).with_columns(claims.named_judgement(pl.col("unit")).alias("judgement_named"))
    got = frame.select(claims.verdict().alias("v"))["v"].to_list()
    assert got == [c[5] for c in cases]
    units = pl.Series(["Ofsted SIF re-inspection", "Ofsted annual performance assessment"])
    named = pl.select(claims.named_judgement(pl.lit(units))).to_series().to_list()
    assert named == [compare.OVERALL, None]


# ---------------------------------------------------------------------------- readable formulas


def test_computed_footnote_names_indicators_by_label(published: Path, ctx) -> None:
    labels = fmt.indicator_labels(cscbench.load("indicators", DESCRIPTOR))
    note = "cin_at31_episodes / population_0_17 (mid-2024) x 10000"
    want = f"{labels['cin_at31_episodes']} / {labels['population_0_17']} (mid-2024) x 10,000"
    assert pl.select(fmt.readable_formula(pl.lit(note), labels)).item() == want
    # whole ids only; years keep their digits; text without ids is kept exactly
    assert (
        pl.select(fmt.readable_formula(pl.lit("xcases_y mid-2024 x 1000000"), labels)).item()
        == "xcases_y mid-2024 x 1,000,000"
    )
    kept = "sum of 12 councils' published figures (0 of 12 missing)"
    assert pl.select(fmt.readable_formula(pl.lit(kept), labels)).item() == kept

    computed = ctx.latest.filter(
        pl.col("unit_code") == LEEDS,
        pl.col("status") == "computed",
        pl.col("note").str.contains("population_0_17"),
    )
    assert computed.height > 0, "no computed figure for Leeds in the package"
    raw = computed.sort("indicator_id")["note"][0]
    readable = pl.select(fmt.readable_formula(pl.lit(raw), labels)).item()
    assert "population_0_17" not in readable and labels["population_0_17"] in readable
    page = (published / "headline/leeds-vs-wakefield.html").read_text("utf-8")
    assert html.escape("Computed by cscbench from published figures: " + readable) in page
    assert "population_0_17" not in page
