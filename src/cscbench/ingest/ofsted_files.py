"""Ofsted's raw files read into frames: the official ILACS outcomes, the inspection scrape and its
provider lookup, the 2023 sheet of earlier judgements and the derived inspection dates; each
file's columns checked before anything is read from it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.common import (
    RawInputError,
    read_raw_csv,
)
from cscbench.ingest.registry import default_registry

SCRAPE = "jt39_ilacs_scrape"

SHEET_2025 = "ILACS_inspection_history"
SCRAPE_COLUMNS = ["urn", "inspection_link", "publication_date", "inspection_framework"]
SCRAPE_COLUMNS += ["inspection_start_date", "inspection_end_date"]
LOOKUP_COLUMNS = ["urn", "la_code", "la_code_new", "local_authority_ons_name", "rgn22cd"]
DERIVED_COLUMNS = ["la_code_ons", "framework", "inspection_start", "inspection_end"]
DERIVED_COLUMNS += ["publication_date", "source_url", "la_code_old", "la_name"]
SHEET_2023 = "LA_inspections_2009-2023"


# ILACS judgement columns: official 2025 header -> scrape column -> judgement id.
ILACS_COLUMNS: dict[str, tuple[str, str]] = {
    "Overall effectiveness": ("overall_effectiveness_grade", "overall_effectiveness"),
    "The impact of leaders on social work practice with children and families": (
        "impact_of_leaders_grade",
        "impact_of_leaders",
    ),
    "The experiences and progress of children who need help and protection": (
        "help_and_protection_grade",
        "help_and_protection",
    ),
    "The experiences and progress of children in care": ("in_care_grade", "children_in_care"),
    "The experiences and progress of care leavers": ("care_leavers_grade", "care_leavers"),
}
SCRAPE_COLUMNS += [s for s, _ in ILACS_COLUMNS.values()]


OFFICIAL_TYPES = {"ILACS Standard Inspection": "standard", "ILACS Short Inspection": "short"}


# The 2023 sheet, one block per inspection: (framework, type, date column, {judgement: column}).
Block = tuple[str, str, str, dict[str, str]]
BLOCKS_2023: tuple[Block, ...] = (
    (
        "SLAC",
        "standard",
        "Safeguarding & Looked After Children (SLAC) Inspection publication date",
        {
            "safeguarding": "SLAC Safeguarding Overall effectiveness (OE)",
            "looked_after_children": "SLAC Looked After Children Overall Effectiveness (OE)",
        },
    ),
    (
        "SLAC",
        "re-inspection",
        "SLAC re-inspection of Safeguarding publication date",
        {"safeguarding": "SLAC re-inspection Safeguarding OE"},
    ),
    (
        "SLAC",
        "re-inspection",
        "SLAC re-inspection of services for Children Looked After publication date",
        {"looked_after_children": "SLAC re-inspection of services Children Looked After OE"},
    ),
    (
        "CPI",
        "standard",
        "Child Protection Inspections (CPI) publication date",
        {"child_protection": "CPI Overall Effectiveness (OE)"},
    ),
    (
        "CPRI",
        "re-inspection",
        "Child Protection Re-Inspection (CPRI) publication date",
        {"child_protection": "CPRI Overall Effectiveness (OE)"},
    ),
    (
        "TLAC",
        "standard",
        "Targeted Looked After Children (TLAC) inspection publication date",
        {"looked_after_children": "TLAC Overall Effectiveness (OE)"},
    ),
    (
        "SIF",
        "standard",
        "Single Inspection of LA Children's Services (SIF) First SIF publication date",
        {
            "overall_effectiveness": "First SIF Overall Judgement (OE)",
            "help_and_protection": "First SIF children who need help and protection",
            "children_looked_after_and_permanence": (
                "First SIF children looked after and achieving permanence"
            ),
            "adoption_performance": "First SIF CLA Sub: Adoption Performance",
            "care_leavers": "First SIF CLA Sub: Experiences and progress of care leavers",
            "leadership_management_governance": "First SIF leadership, management and governance",
            "lscb_effectiveness": "LSCB Overall Effectiveness",
        },
    ),
    (
        "SIF",
        "re-inspection",
        "Single Inspection of LA Children's Services (SIF) SIF Re-inspection publication date",
        {
            "overall_effectiveness": "SIF Re-inspection Overall Judgement (OE)",
            "help_and_protection": "SIF Re-inspection children who need help and protection",
            "children_looked_after_and_permanence": (
                "SIF Re-inspection children looked after and achieving permanence"
            ),
            "adoption_performance": "SIF Re-inspection CLA Sub: Adoption Performance",
            "care_leavers": "SIF Re-inspection CLA Sub: Experiences and progress of care leavers",
            "leadership_management_governance": (
                "SIF Re-inspection leadership, management and governance"
            ),
        },
    ),
)


# The derived cross-check's framework labels for the reports it dates.
DERIVED_FRAMEWORKS = {"SIF": "SIF", "LAC services inspection (2012-13 framework)": "TLAC"}


def outcomes_source() -> str:
    """The official outcomes file holding the ILACS history: the one source its reader takes, so
    a new year's file is a registry edit (its id names the period it covers), not a code edit."""
    return default_registry().only("ofsted_outcomes").source_id


def csc_data_source() -> str:
    """The official 2023 underlying-data file (2009-18 frameworks): the one its reader takes."""
    return default_registry().only("ofsted_csc_data").source_id


def _path(raw_dir: Path, source_id: str) -> Path:
    """Where a source's file is, from the sources registry (the one place paths are declared)."""
    path = raw_dir / str(default_registry().source(source_id).raw_path)
    if not path.exists():
        raise RawInputError(f"{path}: raw file not found")
    return path


def _require(df: pl.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RawInputError(
            f"{where}: expected column(s) {missing} not found; the publisher layout may have changed"
        )


def _clean_header(name: object) -> str:
    return " ".join(str(name).split()) if name is not None else ""


def _iso_date(col: str) -> pl.Expr:
    """ODS dates read as text ('2019-02-18T00:00:00'); parse strictly so a bad cell fails."""
    return pl.col(col).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d")


def read_official_ilacs(path: Path) -> pl.DataFrame:
    """The official ILACS history, one row per inspection, judgements still wide."""
    df = pl.read_excel(
        path,
        sheet_name=SHEET_2025,
        engine="calamine",
        read_options={"header_row": 2},
        infer_schema_length=0,
    )
    df = df.rename({c: _clean_header(c) for c in df.columns})
    id_cols = ["Local authority area code", "Local authority name", "Inspection date"]
    _require(df, [*id_cols, "Publication date", "Inspection type", *ILACS_COLUMNS], path.name)
    unknown = set(df["Inspection type"].unique().to_list()) - set(OFFICIAL_TYPES)
    if unknown:
        raise RawInputError(f"{path.name}: unknown inspection type(s) {sorted(unknown)}")
    return df.select(
        pl.col("Local authority area code").str.strip_chars().alias("area_code"),
        pl.col("Local authority name").str.strip_chars().alias("name"),
        _iso_date("Inspection date").alias("fieldwork_start"),
        pl.lit(None, pl.Date).alias("fieldwork_end"),
        _iso_date("Publication date").alias("publication_date"),
        pl.col("Inspection type").replace_strict(OFFICIAL_TYPES).alias("inspection_type"),
        *[pl.col(c).str.strip_chars().alias(j) for c, (_, j) in ILACS_COLUMNS.items()],
        pl.lit(None, pl.String).alias("report_url"),
        pl.lit(outcomes_source()).alias("source_id"),
    )


def read_lookup(path: Path) -> pl.DataFrame:
    df = read_raw_csv(path, LOOKUP_COLUMNS)
    return df.select(
        pl.col("urn").str.strip_chars(),
        pl.col("la_code_new").str.strip_chars().alias("area_code"),
        pl.col("la_code").str.strip_chars().alias("old_la_code"),
        pl.col("local_authority_ons_name").str.strip_chars().alias("name"),
        pl.col("rgn22cd").str.strip_chars().alias("region_code"),
    )


def read_scrape(path: Path, lookup_path: Path) -> pl.DataFrame:
    """The JT-39 report list with area codes from the URN lookup; ILACS reports only.

    Reports without a framework are SIF-era (their grades are blank or unreadable in the scrape).
    """
    df = read_raw_csv(path, SCRAPE_COLUMNS)
    lookup = read_lookup(lookup_path).select("urn", "area_code")
    unmatched = df.join(lookup, on="urn", how="anti")
    if unmatched.height:
        raise RawInputError(
            f"{path.name}: URN(s) {unmatched['urn'].unique().sort().to_list()} not in the lookup"
        )
    df = df.filter(pl.col("inspection_framework").is_not_null()).join(lookup, on="urn", how="left")
    return df.select(
        "area_code",
        pl.col("inspection_start_date").str.to_date("%d/%m/%Y").alias("fieldwork_start"),
        pl.col("inspection_end_date").str.to_date("%d/%m/%Y").alias("fieldwork_end"),
        pl.col("publication_date").str.to_date("%d/%m/%y").alias("publication_date"),
        pl.col("inspection_framework").alias("scrape_type"),
        *[pl.col(s).str.strip_chars().alias(j) for s, j in ILACS_COLUMNS.values()],
        pl.col("inspection_link").alias("report_url"),
        pl.lit(SCRAPE).alias("source_id"),
    )


def read_sheet_2023(path: Path) -> pl.DataFrame:
    """Both tables of the 2023 sheet stacked, with ``table`` 1 (councils in 2023) or 2 (before the
    restructures). Headers are found by their 'Web link' cell, not by fixed row numbers."""
    grid = pl.read_excel(
        path, sheet_name=SHEET_2023, engine="calamine", has_header=False, infer_schema_length=0
    )
    first = grid.columns[0]
    headers = grid.with_row_index().filter(pl.col(first).str.strip_chars() == "Web link")["index"]
    if headers.len() != 2:
        raise RawInputError(
            f"{path.name}: expected 2 tables in {SHEET_2023}, found {headers.len()}"
        )
    tables = []
    for table, start in enumerate(headers.to_list(), start=1):
        names = [_clean_header(v) for v in grid.row(start)]
        body = grid.slice(start + 1)
        body = body.rename({old: new or old for old, new in zip(grid.columns, names, strict=True)})
        name_col = "Local authority name"
        _require(body, [name_col], path.name)
        # a table ends at its first row without a council name
        blank = body[name_col].is_null()
        end = int(blank.arg_true()[0]) if blank.any() else body.height
        columns = [n for n in names if n]
        tables.append(
            body.slice(0, end)
            .select(columns)
            .with_columns(pl.lit(table).alias("table"), pl.col(name_col).str.strip_chars())
        )
    needed = [c for _, _, d, g in BLOCKS_2023 for c in (d, *g.values())]
    for t in tables:
        _require(t, needed, f"{path.name} {SHEET_2023}")
    return pl.concat([t.select("table", "Local authority name", *needed) for t in tables])


def read_derived_dates(path: Path) -> pl.DataFrame:
    """SIF and TLAC fieldwork dates and report links from the derived PDF cross-check."""
    df = read_raw_csv(path, DERIVED_COLUMNS)
    return df.filter(pl.col("framework").is_in(list(DERIVED_FRAMEWORKS))).select(
        pl.col("la_code_ons").alias("series_code"),
        pl.col("framework").replace_strict(DERIVED_FRAMEWORKS),
        pl.col("inspection_start").str.to_date("%Y-%m-%d").alias("d_start"),
        pl.col("inspection_end").str.to_date("%Y-%m-%d").alias("d_end"),
        pl.col("publication_date").str.to_date("%Y-%m-%d").alias("d_published"),
        pl.col("source_url").alias("d_url"),
    )
