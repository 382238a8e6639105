"""Publishing the site from the committed package (cscbench.publish).

The site is published twice per session (the second run only to check byte-identical output);
the failure tests use cheap stand-ins for the slow builders.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import cscbench
from cscbench import compare
from cscbench.paths import ROOT
from cscbench.publish import claims, headline, history, profiles, publish_site, regions, site
from cscbench.publish import formatting as fmt
from cscbench.publish.context import build_context
from cscbench.publish.groups import GroupConfigError, read_groups

DESCRIPTOR = ROOT / "datapackage.json"
LEEDS, WAKEFIELD = "E08000035", "E08000036"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "site"
    assert publish_site(DESCRIPTOR, out, png="auto") == 0
    return out


@pytest.fixture(scope="session")
def published_again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish-again") / "site"
    assert publish_site(DESCRIPTOR, out, png="auto") == 0
    return out


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
    assert (published / site.WORKBOOK).is_file()
    for name in cscbench.resources(DESCRIPTOR):
        assert (published / site.PARQUET_DIR / f"{name}.parquet").is_file()


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
    ids = [
        i
        for i in headline.HEADLINE_INDICATORS
        if i in set(cscbench.load("indicators", DESCRIPTOR)["indicator_id"])
    ]
    assert len(ids) >= 6
    for indicator in ids:
        for code in (LEEDS, WAKEFIELD):
            value, text = expected_latest(indicator, code)
            row = data.filter(pl.col("indicator_id") == indicator, pl.col("area_code") == code)
            assert row.height == 1
            assert row["value"].item() == pytest.approx(value, rel=0, abs=0)
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
    data = pl.read_csv(
        next(
            p
            for p in (published / "profiles").glob(f"{code.lower()}-*.csv")
            if not p.name.endswith("-ofsted.csv")
        )
    )
    row = data.filter(pl.col("indicator_id") == "caseload_fte")
    assert row["value"].item() is None and row["status"].item() == symbol
    assert re.search(rf">{re.escape(symbol)}(<span[^>]*>[^<]*</span>)?</td>", page)


def test_html_and_csv_byte_identical_across_runs(published: Path, published_again: Path) -> None:
    first = {k: v for k, v in snapshot(published).items() if k.endswith((".html", ".csv"))}
    second = {k: v for k, v in snapshot(published_again).items() if k.endswith((".html", ".csv"))}
    assert first.keys() == second.keys() and len(first) > 300
    differing = [k for k in first if first[k] != second[k]]
    assert not differing


def test_no_wall_clock_or_random_ids(published: Path) -> None:
    page = (published / "headline/leeds-vs-wakefield.html").read_text(encoding="utf-8")
    assert 'id="headline-leeds-vs-wakefield"' in page


def test_xlsx_neutralises_formula_like_cells(published: Path) -> None:
    book = openpyxl.load_workbook(published / site.WORKBOOK)
    assert {"README", "headline", "claims"} <= set(book.sheetnames)
    risky = (
        cscbench.load("announcements", DESCRIPTOR)
        .filter(pl.col("value").is_not_null(), pl.col("value_as_stated").str.contains(r"^[=+\-@]"))[
            "value_as_stated"
        ]
        .to_list()
    )
    assert risky, "no formula-like stated value in the package to check"
    cells = {c.value for row in book["claims"].iter_rows() for c in row if isinstance(c.value, str)}
    for text in risky:
        assert "'" + text in cells and text not in cells
    csv = (published / "claims/claims-vs-statistics.csv").read_text(encoding="utf-8")
    assert "'" + risky[0] in csv


def test_workbook_writer_never_writes_formulas(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"name": ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "ok"], "n": [-1.5, 2, 3, 4]}
    )
    table = fmt.Table("t/x", "t", "s", None, frame, sheet="test")  # type: ignore[arg-type]
    site.write_workbook(tmp_path / "b.xlsx", [table], ["=readme"])
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["test"]
    values = [c.value for c in sheet["A"]][1:]
    assert values == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "'+1", "ok"]
    assert all(c.data_type == "s" for c in sheet["A"])
    assert [c.value for c in sheet["B"]][1:] == [-1.5, 2, 3, 4]
    assert openpyxl.load_workbook(tmp_path / "b.xlsx")["README"]["A1"].value == "'=readme"


def test_png_images(published: Path) -> None:
    if site.find_chromium() is None and not IN_CI:
        pytest.skip(
            "no Chromium found (install chromium or set CHROME_PATH); PNG export not tested"
        )
    for stem in (
        "headline/leeds-vs-wakefield",
        "ofsted/leeds-and-wakefield-history",
        "claims/claims-vs-statistics",
        "groups/west-yorkshire",
    ):
        png = (published / f"{stem}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"iTXtDescription" in png
    index = (published / "index.html").read_text(encoding="utf-8")
    assert '<img src="headline/leeds-vs-wakefield.png" alt="Table: ' in index


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
    assert publish_site(broken_package(tmp_path), out, png="no") == 1
    assert snapshot(out) == before
    assert "invalid" in capsys.readouterr().err
    assert no_leftovers(tmp_path)


def test_failing_builder_leaves_old_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    before = old_site(out)

    def boom(ctx):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(regions, "build", boom)
    with pytest.raises(RuntimeError, match="injected"):
        publish_site(DESCRIPTOR, out, png="no")
    assert snapshot(out) == before and no_leftovers(tmp_path)


def test_failure_while_writing_leaves_old_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    before = old_site(out)
    monkeypatch.setattr(profiles, "build", lambda ctx: [])  # speed: the failure comes later anyway
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
    assert publish_site(DESCRIPTOR, out, png="no") == 2
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
    (root / "datapackage").symlink_to(ROOT / "datapackage")
    (root / "schemas").symlink_to(ROOT / "schemas")
    ctx = build_context(root / "datapackage.json", ROOT / "config" / "groups.toml")
    (table,) = headline.build(ctx)[0].tables
    assert fmt.NOT_IN_PACKAGE in table.gt.as_raw_html()
    for module in (history, claims):
        (page,) = module.build(ctx)
        assert not page.tables and fmt.NOT_IN_PACKAGE in page.intro[0]
