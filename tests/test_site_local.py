"""Local returns on the site (issue 20, ``publish --extension``): shown apart, never mixed in.

Fast tier: one small site, built once from the committed package with a synthetic demonstration
return (two profiles, the group pages, the compare page and the return's CSV) shows each block with
its banner, heading, official figure, difference and CSV; the official tables are those of the
same pages built without the return; the default site has no local figure at all. A bad return
fails before anything is written. Slow tier: a whole publish with the return, and axe-core on a
profile with a local block at 1280 and 390 px.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import pytest
from extension_helpers import FIGURES, PARTNERSHIP, build_demo
from hypothesis import given, settings
from hypothesis import strategies as st
from test_extension import BAD_RETURNS
from test_site_pages import driver, serious_violations  # noqa: F401  (driver: a fixture)

from cscbench.core.paths import ROOT
from cscbench.extension import read_extension
from cscbench.publish import compare_page, freshness, groups, layout, local, navigation, profiles
from cscbench.publish import formatting as fmt
from cscbench.publish import site as site_files
from cscbench.publish.context import Context, build_context

DESCRIPTOR = ROOT / "datapackage.json"
LEEDS, WAKEFIELD, BRADFORD, BARNSLEY = "E08000035", "E08000036", "E08000032", "E08000038"
SHOWN = (LEEDS, WAKEFIELD, BRADFORD, BARNSLEY)
TAG = re.compile(r"<[^>]+>")
HREF = re.compile(r'href="([^"#]+)(?:#[^"]*)?"')


# One figure with an official counterpart (Leeds, agency rate at 30 September 2025), added to
# the demo's figures at 30 June 2026 (ahead of DfE), its own indicator and a superseded code.
MATCHED = {
    "indicator_id": "agency_rate_fte",
    "area_code": LEEDS,
    "period": "2025",
    "period_end": "2025-09-30",
    "value": "9.9",
    "unit": "percent",
    "source": "https://example.org/demo-return",
}


def text(markup: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", markup)).split())


@dataclass(frozen=True)
class Small:
    ctx: Context
    returns: tuple[local.LocalReturn, ...]
    plain: dict[str, fmt.Page]  # the pages without the return, by stem
    root: Path  # the small site with it


def pages_for(ctx: Context) -> list[fmt.Page]:
    """Four profiles (Bradford's has no local figure), the group pages and the compare page."""
    rows = profiles.profile_rows(ctx)
    places = navigation.places(ctx)
    chosen = rows.filter(pl.col("unit_code").is_in(SHOWN))
    common = profiles.shared(ctx, chosen, places.profiles)
    pages = [
        profiles.profile_page(
            ctx, code, chosen.filter(pl.col("unit_code") == code), None, places, common
        )
        for code in SHOWN
    ]
    return navigation.decorate(ctx, [*pages, *groups.build(ctx), *compare_page.build(ctx)])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, context: Context) -> Small:
    ctx = context
    plain = pages_for(ctx)
    folder = tmp_path_factory.mktemp("demo") / "demo"
    demo = read_extension(build_demo(folder, figures=[*FIGURES, MATCHED]), DESCRIPTOR)
    returns = local.returns(ctx, [demo])
    pages = local.decorate(ctx, plain, returns)
    root = tmp_path_factory.mktemp("local-site")
    site_files.write_pages(root, pages, ctx.version, set())
    compare_page.write(root, ctx)
    local.write(root, returns)
    return Small(ctx, returns, {p.stem: p for p in plain}, root)


def stem_of(small: Small, code: str) -> str:
    return navigation.places(small.ctx).profiles[code]


def page_text(small: Small, stem: str) -> str:
    return (small.root / f"{stem}.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- the blocks


def test_profile_shows_the_return_apart_with_banner_official_figure_and_difference(
    small: Small,
) -> None:
    page = page_text(small, stem_of(small, LEEDS))
    banner, _, rest = page.partition('class="local-banner"')
    assert "<h1>" in banner and rest, "the banner sits under the title, before the figures"
    assert "This page includes local figures" in text(rest.split("</div>", 1)[0])
    heading = f"Local return: {PARTNERSHIP}, collected 15 Jul 2026"
    section = page.split('<section id="local-demo-partnership">', 1)[1].split("</section>", 1)[0]
    words = text(section)
    assert heading in words and "demonstration data" in words.lower()
    official = (
        small.ctx.frames["observations"]
        .filter(
            pl.col("area_code") == LEEDS,
            pl.col("indicator_id") == "agency_rate_fte",
            pl.col("period") == "2025",
        )["value"]
        .item()
    )
    difference = round(9.9 - official, 1)
    sign = "+" if difference > 0 else ""
    assert f"{official:.1f}%" in words and f"{sign}{difference:.1f}%" in words
    assert "9.9% (demonstration data)" in words
    assert "no official figure" in words  # the quarter DfE has not published yet
    assert 'href="https://example.org/demo-return"' in section
    assert 'href="../local/demo-partnership.csv"' in section
    # the local section follows the official figures, it is not one of them
    assert page.index('id="indicators"') < page.index('id="local-demo-partnership"')


def test_group_page_lists_each_members_local_figures_with_the_council(small: Small) -> None:
    west = next(g for g in small.ctx.groups.pages if LEEDS in g.codes and WAKEFIELD in g.codes)
    page = page_text(small, f"groups/{west.slug}")
    assert 'class="local-banner"' in page
    words = text(page.split('id="local-demo-partnership"', 1)[1])
    assert "Leeds" in words and "Wakefield" in words
    assert "Agency social workers this quarter" in words  # the partnership's own indicator
    assert "demo partnership synthetic return" in words  # a source that is no address: its text
    south = next(g for g in small.ctx.groups.pages if BARNSLEY in g.codes)
    words = text(page_text(small, f"groups/{south.slug}"))
    assert "Barnsley" in words and "returned under the superseded code E08000016" in words


def test_pages_without_local_figures_are_unchanged(small: Small) -> None:
    """Bradford (no local figure) and every page but those concerned: byte-identical to the
    same page built without the return; on the pages concerned, everything but the banner and
    the local section is the same too, and every official table's CSV is identical."""
    for stem, plain in small.plain.items():
        written = page_text(small, stem)
        unimaged = replace(plain, tables=tuple(replace(t, png=False) for t in plain.tables))
        expected = layout.page_html(unimaged, stem.count("/"), small.ctx.version)
        if "local-banner" not in written:
            assert written == expected, stem
            continue
        kept = re.sub(r'<div class="local-banner".*?</div>\n', "", written, flags=re.S)
        kept = re.sub(r'<section id="local[^"]*">.*?</section>\n', "", kept, flags=re.S)
        assert kept == expected, stem
        for table in plain.tables:
            csv = (small.root / f"{table.stem}.csv").read_bytes()
            assert "local" not in csv.decode().lower() or "local" in table.stem, table.stem
    assert "local-banner" not in page_text(small, stem_of(small, BRADFORD))


def test_the_returns_csv_holds_every_figure_with_the_official_one(small: Small) -> None:
    csv = pl.read_csv(
        small.root / "local/demo-partnership.csv",
        schema_overrides={"period": pl.String, "status": pl.String, "official_status": pl.String},
    )
    assert csv.columns == local.CSV_COLUMNS and csv.height == len(FIGURES) + 1
    assert csv["demonstration"].all() and set(csv["partnership"]) == {PARTNERSHIP}
    both = csv.drop_nulls("official_value")
    assert both.height == 1  # only the 2025 figure: DfE has not published 30 June 2026
    check = both.select(
        (pl.col("value") - pl.col("official_value")).round(1) == pl.col("difference")
    )
    assert check.to_series().all()
    assert csv["difference"].null_count() == len(FIGURES)
    assert set(csv.filter(pl.col("area_code") != pl.col("council_code"))["council_code"]) == {
        BARNSLEY
    }


def test_compare_page_has_a_local_section_and_its_data(small: Small) -> None:
    page = page_text(small, "compare")
    assert 'class="local-banner"' in page and 'href="#local"' in page
    assert f'<script src="{local.DATA_FILE}"></script><script src="{local.SCRIPT_FILE}">' in page
    body = (small.root / local.DATA_FILE).read_text(encoding="utf-8")
    data = json.loads(body.split("=", 1)[1][:-2])
    assert data["returns"] == [
        [f"Local return: {PARTNERSHIP}, collected 15 Jul 2026", "local/demo-partnership.csv", True]
    ]
    assert set(data["rows"]) == {LEEDS, WAKEFIELD, BARNSLEY}
    assert (small.root / local.SCRIPT_FILE).is_file()


def test_every_local_link_resolves(small: Small) -> None:
    stems = [stem_of(small, c) for c in SHOWN] + ["compare"]
    stems += [s for s in small.plain if s.startswith("groups/")]
    for stem in stems:
        page = page_text(small, stem)
        for part in re.findall(r'<section id="local[^"]*">.*?</section>', page, flags=re.S):
            for target in HREF.findall(part):
                if target.startswith("http"):
                    continue
                assert (small.root / stem).parent.joinpath(target).resolve().is_file(), target


# ---------------------------------------------------------------------------- kept apart


def test_no_return_no_change() -> None:
    """Without --extension nothing differs: the pages as built, no file written, the content
    key as before."""
    page = fmt.Page("compare", "Compare", "compare")
    assert local.decorate(None, [page], ()) == [page]  # type: ignore[arg-type]
    assert local.returns(None, []) == ()  # type: ignore[arg-type]


def test_default_site_has_no_local_figure(published: Path) -> None:
    assert not (published / local.FOLDER).exists()
    assert (
        not (published / local.DATA_FILE).exists() and not (published / local.SCRIPT_FILE).exists()
    )
    for path in sorted(published.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        assert "local-banner" not in page and "Local return" not in page, path
        assert "demonstration data" not in page.lower(), path


def test_content_key_changes_with_the_return(tmp_path: Path) -> None:
    none = freshness.content_key(DESCRIPTOR, None, "no", None)
    assert freshness.content_key(DESCRIPTOR, None, "no", None, ()) == none
    first = read_extension(build_demo(tmp_path / "one", figures=FIGURES), DESCRIPTOR)
    changed = [{**FIGURES[0], "value": "99"}, *FIGURES[1:]]
    second = read_extension(build_demo(tmp_path / "two", figures=changed), DESCRIPTOR)
    keys = {
        none,
        *(freshness.content_key(DESCRIPTOR, None, "no", None, [e]) for e in (first, second)),
    }
    assert len(keys) == 3


CASE = st.tuples(
    st.integers(-(10**6), 10**6),  # the local figure, in units of the last decimal
    st.one_of(st.none(), st.integers(-(10**6), 10**6)),  # the official one, or none
    st.integers(0, 2),  # the indicator's decimals
)


# Many cases per example, one frame for all: the same property over more cases than one case
# per example, at a fraction of the frames built (speed: building a frame dominates).
@settings(max_examples=25)
@given(cases=st.lists(CASE, min_size=1, max_size=40))
def test_difference_is_local_minus_official_signed(
    cases: list[tuple[int, int | None, int]],
) -> None:
    """The difference shown is local minus official at the indicator's decimals, "+" when the
    local figure is higher, a dash when there is no official figure."""
    count = len(cases)
    frame = pl.DataFrame(
        {
            "label": ["x"] * count,
            "area_code": [LEEDS] * count,
            "council_code": [LEEDS] * count,
            "unit": ["number"] * count,
            "decimals": [d for _, _, d in cases],
            "period": ["2025"] * count,
            "period_end": [None] * count,
            "value": [v / 10**d for v, _, d in cases],
            "status": [None] * count,
            "official_value": [None if o is None else o / 10**d for _, o, d in cases],
            "official_status": [None] * count,
            "demonstration": [False] * count,
            "collected_on": [None] * count,
        },
        schema_overrides={
            "decimals": pl.Int64,
            "value": pl.Float64,
            "period_end": pl.Date,
            "collected_on": pl.Date,
            "status": pl.String,
            "official_status": pl.String,
            "official_value": pl.Float64,
        },
    ).with_columns(
        fmt.rounded(pl.col("value") - pl.col("official_value"), pl.col("decimals")).alias(
            "difference"
        )
    )
    shown = frame.with_columns(local.texts())["difference_text"].to_list()
    assert shown == [expected_difference(*case) for case in cases]


def expected_difference(local_value: int, official_value: int | None, decimals: int) -> str:
    """The reference text, from integer arithmetic (no float rounding to disagree with)."""
    if official_value is None:
        return fmt.DASH
    scale = 10**decimals
    units = local_value - official_value
    magnitude = f"{abs(units) // scale:,}" + (
        f".{abs(units) % scale:0{decimals}d}" if decimals else ""
    )
    return ("+" if units > 0 else "-" if units < 0 else "") + magnitude


# ---------------------------------------------------------------------------- a bad return


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# The issue's list runs in the fast tier; the rest of the extension corpus in the slow one.
ISSUE_CASES = {
    "unknown council code",
    "own id shadows an official one",
    "unit differs from the official indicator's",
    "period in no format at all",
    "percentage out of range",
    "duplicate row",
    "incompatible release",
}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, marks=() if case in ISSUE_CASES else pytest.mark.slow)
        for case in sorted(BAD_RETURNS)
    ],
)
def test_a_bad_return_fails_in_one_located_line_and_leaves_the_site_untouched(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each bad return of the extension corpus: exit 1 with one line naming the return and
    what is wrong, before the package is validated; the previous site keeps every byte and
    nothing is left beside it."""
    from cscbench.cli import main

    arguments, _, words, _, _ = BAD_RETURNS[case]
    bad = build_demo(tmp_path / "bad", **arguments).parent
    out = tmp_path / "site"
    (out / "profiles").mkdir(parents=True)
    (out / site_files.MARKER).write_text("built by cscbench publish\n", encoding="utf-8")
    (out / "index.html").write_text("<p>the previous site</p>\n", encoding="utf-8")
    (out / "profiles/leeds.html").write_text("<p>Leeds</p>\n", encoding="utf-8")
    before = snapshot(out)
    options = ["--package", str(DESCRIPTOR), "--out", str(out), "--png", "no"]
    code = main(["publish", *options, "--extension", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code == 1, err
    assert len(err.splitlines()) == 1 and "bad" in err and words in err, err
    assert "Traceback" not in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "site"]


# ---------------------------------------------------------------------------- slow tier


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violation_on_pages_with_local_figures(
    small: Small,
    driver,  # noqa: F811
    width: int,
) -> None:
    """A profile, a group page and the compare page (its local table drawn for the councils in
    its address) with a local return: no serious or critical axe-core violation."""
    west = next(g for g in small.ctx.groups.pages if LEEDS in g.codes and WAKEFIELD in g.codes)
    driver.set_window_size(width, 900)
    found = {}
    for page in (f"{stem_of(small, LEEDS)}.html", f"groups/{west.slug}.html", "compare.html"):
        anchor = f"#{LEEDS},{WAKEFIELD},{BARNSLEY}" if page == "compare.html" else ""
        driver.get((small.root / page).as_uri() + anchor)
        if bad := serious_violations(driver):
            found[page] = bad
    assert not found


@pytest.mark.slow
def test_compare_page_draws_the_local_figures_of_the_councils_chosen(
    small: Small,
    driver,  # noqa: F811
) -> None:
    driver.set_window_size(1280, 900)
    driver.get((small.root / "compare.html").as_uri() + f"#{LEEDS},{BRADFORD}")
    box = driver.find_element("id", "local-tables")
    words = " ".join(box.text.split())
    assert f"Local return: {PARTNERSHIP}, collected 15 Jul 2026" in words
    assert "Leeds" in words and "Wakefield" not in words and "9.9% (demonstration data)" in words
    assert "Demonstration data" in words
    driver.execute_script(f"location.hash = '#{BRADFORD}'")
    driver.find_element("id", "summary")  # the page redrew
    words = " ".join(driver.find_element("id", "local-tables").text.split())
    assert words == "No local figure for the councils chosen."


@pytest.mark.slow
def test_publish_with_a_return_changes_only_the_pages_it_concerns(
    published: Path, tmp_path: Path
) -> None:
    """The whole site published with the demo return (CLI): every file of the default site but
    the pages that show local figures is the same byte for byte (official CSVs, workbook,
    Parquet, indicator pages, search index); the return adds its CSV and the compare page's
    local scripts; the up-to-date republish notices a changed return."""
    from cscbench.cli import main

    demo = build_demo(tmp_path / "demo", figures=[*FIGURES, MATCHED]).parent
    out = tmp_path / "site"
    options = ["--package", str(DESCRIPTOR), "--out", str(out), "--png", "no"]
    assert main(["publish", *options, "--extension", str(demo)]) == 0
    plain, extended = snapshot(published), snapshot(out)
    added = sorted(set(extended) - set(plain))
    assert added == [local.DATA_FILE, local.SCRIPT_FILE, "local/demo-partnership.csv"]
    changed = {k for k in plain if extended.get(k) != plain[k]}
    shown = {"compare.html", "groups/west-yorkshire.html", "groups/south-yorkshire.html"}
    shown |= {f"{s}.html" for c, s in profile_stems().items() if c in (LEEDS, WAKEFIELD, BARNSLEY)}
    assert changed == shown | {freshness.KEY_FILE}
    for page in shown:
        assert b'class="local-banner"' in extended[page], page
    # the return is part of the content key: the same inputs again are up to date, and the key
    # is not the default site's
    from cscbench.publish import UP_TO_DATE, publish_site

    again = publish_site(DESCRIPTOR, out, png="no", extensions=[demo])
    assert UP_TO_DATE in again.notes


def profile_stems() -> dict[str, str]:
    ctx = build_context(DESCRIPTOR, ROOT / "config" / "groups.toml")
    return navigation.profile_stems(ctx)
