"""The sources and indicator registries: complete, consistent with the raw files and the package."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pinned import PINNED

from cscbench.core.paths import ROOT
from cscbench.ingest import verify_files
from cscbench.ingest.registry import (
    INDICATORS_FILE,
    SOURCES_FILE,
    RegistryError,
    default_registry,
    read_registry,
    source_id_problem,
)
from cscbench.ingest.registry_fields import YEAR_IN_ID
from cscbench.ingest.registry_write import record_files

REGISTRY = default_registry()
MIRROR_ONLY = ("ofsted/derived/", "news/")


def test_every_raw_file_matches_its_registered_checksum_and_size(raw_dir: Path) -> None:
    assert verify_files(raw_dir, REGISTRY) == {}


def test_ingest_reads_only_registered_files(
    registered_raw: Path, raw_dir: Path, package_frames: dict
) -> None:
    """The session's package is built from a folder of registered files only, and every
    registered file is a source of the package."""
    linked = {str(p.relative_to(registered_raw)) for p in registered_raw.rglob("*") if p.is_file()}
    assert linked == {s.raw_path for s in REGISTRY.sources if s.raw_path}
    assert set(package_frames["sources"]["source_id"]) == {s.source_id for s in REGISTRY.sources}
    unread = {
        str(p.relative_to(raw_dir))
        for p in raw_dir.rglob("*")
        if p.is_file() and p.name != "PROVENANCE.md"
    } - linked
    # files in the raw folder that no reader takes (derived tables and an overview kept for people)
    assert unread == {
        "ofsted/derived/ilacs_history_official_2018_2025.csv",
        "ofsted/derived/la_inspection_judgements_2009_2026.csv",
        "ofsted/derived/ofsted_la_inspections_2009_2023_tidy.csv",
        "ofsted/ofsted_csc_ilacs_overview.xlsx",
    }


def test_download_urls_pin_the_commit_or_are_mirror_only() -> None:
    for s in REGISTRY.sources:
        if s.raw_path is None:
            continue
        if s.raw_path.startswith(MIRROR_ONLY):
            assert s.download_url is None, s.source_id
        else:
            assert s.download_url == (
                f"https://raw.githubusercontent.com/{s.repository}/{s.commit}/{s.repository_path}"
            ), s.source_id
            assert re.fullmatch(r"[0-9a-f]{40}", str(s.commit))


def test_several_releases_of_one_publication_are_entries() -> None:
    ro3 = [s for s in REGISTRY.sources if s.dataset == "mhclg_ro3"]
    periods = PINNED["mhclg_ro3"]["periods"]
    assert [s.periods for s in ro3] == [(p, p) for p in periods]
    newest = periods[-1].replace("-", "_")
    assert REGISTRY.newest_source("mhclg_ro3").source_id == f"mhclg_ro3_{newest}"


def same_rows(frame: pl.DataFrame, expected: list[dict[str, object]]) -> None:
    """``frame`` holds exactly these rows in these columns (first column the key)."""
    want = pl.DataFrame(expected, infer_schema_length=None)
    key = want.columns[0]
    got = frame.select(want.columns).sort(key)
    assert got.equals(want.cast(dict(got.schema)).sort(key))


def test_sources_resource_is_the_registry(package_frames: dict) -> None:
    same_rows(
        package_frames["sources"],
        [
            {"source_id": s.source_id, "sha256": s.sha256, "bytes": s.bytes}
            | {"download_url": s.download_url, "dataset": s.dataset, "raw_path": s.raw_path}
            for s in REGISTRY.sources
        ],
    )


def test_indicators_resource_is_the_registry(package_frames: dict) -> None:
    same_rows(
        package_frames["indicators"],
        [
            {"indicator_id": i.indicator_id, "label": i.label, "unit": i.unit}
            | {"polarity": i.polarity, "short_label": i.short_label, "min_value": i.min_value}
            | {"max_value": i.max_value, "headline_order": i.headline_order}
            for i in REGISTRY.indicators
        ],
    )
    headline = package_frames["indicators"].drop_nulls("headline_order").sort("headline_order")
    assert headline["indicator_id"].to_list()[:2] == ["caseload_fte", "agency_rate_fte"]


def test_every_registered_indicator_has_figures(package_frames: dict) -> None:
    used = set(package_frames["observations"]["indicator_id"])
    assert {i.indicator_id for i in REGISTRY.indicators} == used


def test_polarity_is_set_only_where_beyond_argument() -> None:
    """The polarity rule: low_is_good for caseload, agency, vacancy, turnover, absence and (DfE LAIT)
    re-referrals, repeat plans and placement and social worker instability; high_is_good for care
    leavers in education, employment or training or suitable accommodation and long-term stability."""
    ranked = {i.indicator_id: i.polarity for i in REGISTRY.indicators if i.polarity != "neutral"}
    assert {k for k, v in ranked.items() if v == "high_is_good"} == {
        "care_leavers_17_18_eet_percent",
        "care_leavers_19_21_eet_percent",
        "care_leavers_17_18_suitable_accommodation_percent",
        "care_leavers_19_21_suitable_accommodation_percent",
        "cla_long_term_stability_percent",
    }
    assert {k for k, v in ranked.items() if v == "low_is_good"} >= {
        "rereferral_percent",
        "cpp_subsequent_percent",
        "cla_3_plus_placements_percent",
        "cla_3_plus_social_workers_percent",
        "caseload_fte",
    }
    assert all(
        i.unit in ("percent", "cases_per_fte")
        for i in REGISTRY.indicators
        if i.polarity != "neutral"
    )


def test_computed_indicators_state_their_formula() -> None:
    for i in REGISTRY.indicators:
        assert (i.compute is None) == (i.formula is None), i.indicator_id
        for source in i.inputs:
            assert source in str(i.formula), i.indicator_id


# ---------------------------------------------------------------------------- reading and writing


def registry_copy(tmp_path: Path) -> Path:
    target = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", target)
    return target


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        # an unknown key: the file, the entry's position and id are named
        (
            INDICATORS_FILE,
            "polarity = ",
            "polarty = ",
            r"indicators.toml \[\[indicator\]\] 1 \(absence_rate_fte\): unknown key\(s\) \['polarty'\]",
        ),
        (
            SOURCES_FILE,
            f"bytes = {REGISTRY.source('dfe_csww').bytes}",
            f'bytes = "{REGISTRY.source("dfe_csww").bytes}"',
            r"\(dfe_csww\): key 'bytes' should be a whole number",
        ),
        # a word outside the indicators schema's categories: the entry and the allowed words
        (
            INDICATORS_FILE,
            'theme = "workforce"',
            'theme = "work_force"',
            r"\(absence_rate_fte\): theme 'work_force' is not one of \['front_door', ",
        ),
        (
            INDICATORS_FILE,
            'inputs = ["section47"]',
            'inputs = ["section_47"]',
            r"section47_rate_per_10k: inputs \['section_47'\]",
        ),
    ],
)
def test_a_bad_entry_is_named(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    directory = registry_copy(tmp_path)
    path = directory / file
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(RegistryError, match=message):
        read_registry(directory)


def test_record_files_changes_only_the_two_lines(tmp_path: Path) -> None:
    directory = registry_copy(tmp_path)
    path = directory / SOURCES_FILE
    before = path.read_text().splitlines()
    record_files(path, {"mhclg_ro3_2023_24": ("a" * 64, 12)})
    after = path.read_text().splitlines()
    changed = [(b, a) for b, a in zip(before, after, strict=True) if a != b]
    assert [a for _, a in changed] == ["bytes = 12", f'sha256 = "{"a" * 64}"']
    assert read_registry(directory).source("mhclg_ro3_2023_24").bytes == 12


def test_every_source_has_a_publication_date_or_says_why_not() -> None:
    """Issue 21: no source is silently undated; the reason travels in the package."""
    import polars as pl

    import cscbench

    sources = cscbench.load("sources")
    undated = sources.filter(pl.col("published").is_null())
    assert undated["published_note"].null_count() == 0
    assert sources.filter(pl.col("published").is_not_null())["published_note"].null_count() == (
        sources.height - undated.height
    )


# ---------------------------------------------------------------------------- ids without years

years = st.integers(min_value=1990, max_value=2098)  # the rule reads 1900 to 2099
datasets = st.from_regex(r"[a-z][a-z]{1,8}(_[a-z][a-z0-9]{0,5}){0,2}", fullmatch=True).filter(
    lambda d: not YEAR_IN_ID.search(d)
)


@given(dataset=datasets, year=years, financial=st.booleans())
def test_an_id_names_a_series_and_a_year_only_as_the_one_period_its_file_covers(
    dataset: str, year: int, financial: bool
) -> None:
    """A new year renames nothing: the series' id carries no year, and a file of one period may
    carry that period (and only that one), which a revised release of the period keeps."""
    period = f"{year}-{(year + 1) % 100:02d}" if financial else str(year)
    slug = period.replace("-", "_")
    assert source_id_problem(dataset, dataset, [period, period]) is None
    assert source_id_problem(dataset, dataset, None) is None
    assert source_id_problem(f"{dataset}_{slug}", dataset, [period, period]) is None
    # a release year, a year the file does not cover only, or a span of years: refused
    assert source_id_problem(f"{dataset}_{year + 1}", dataset, [period, period]) is not None
    assert source_id_problem(f"{dataset}_{slug}", dataset, [str(year - 5), period]) is not None
    assert source_id_problem(f"{dataset}_{year}", dataset, None) is not None


def test_every_registered_id_is_its_series_or_the_series_and_its_one_period() -> None:
    for s in REGISTRY.sources:
        assert source_id_problem(s.source_id, s.dataset, list(s.periods or ())) is None
    # one file holding every year: the id is the series, and the year lives in the entry
    workforce = REGISTRY.source("dfe_csww")
    assert workforce.dataset == "dfe_csww" and workforce.periods is not None


def test_an_id_with_a_release_year_is_refused_naming_the_entry_and_the_id_to_use(
    tmp_path: Path,
) -> None:
    directory = registry_copy(tmp_path)
    path = directory / SOURCES_FILE
    path.write_text(path.read_text().replace('id = "dfe_csww"', 'id = "dfe_csww_2025"', 1))
    with pytest.raises(
        RegistryError,
        match=r"sources.toml \[\[source\]\] 1 \(dfe_csww_2025\): id 'dfe_csww_2025' carries a "
        r"year.*expected its dataset 'dfe_csww'",
    ):
        read_registry(directory)


# ---------------------------------------------------------------------------- headers

CURATION_FILES = [*sorted((ROOT / "registry").glob("*.toml")), ROOT / "config" / "groups.toml"]


@pytest.mark.parametrize("path", CURATION_FILES, ids=lambda p: p.name)
def test_every_curation_file_says_what_it_holds_and_how_to_change_it(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = "\n".join(itertools.takewhile(lambda line: line.startswith("#"), lines))
    assert len(header.splitlines()) >= 3, f"{path.name}: no header comment at the top"
    assert "How to change it:" in header, f"{path.name}: the header does not say how to change it"
