"""Ofsted judgements on councils' children's services, 2009 to 2026: the ``inspections`` resource.

One row per inspection x judgement. Inputs, in order of preference (see ``ofsted/PROVENANCE.md``):

* Ofsted's official ILACS history (2025 file): codes, fieldwork start, publication date and every
  judgement of every ILACS standard or short inspection from 2018 to the file date.
* Ofsted's official 2023 sheet for the frameworks before ILACS (SLAC, CPI, CPRI, TLAC, SIF). It has
  names but no codes, so names go through :func:`cscbench.ingest.areas.match_names` on the publication
  date; its second table lists the councils that existed before the 2019-21 restructures.
* The JT-39 scrape of reports.ofsted.gov.uk: ILACS reports after the official file, plus the fieldwork
  end date and report link of the ILACS inspections the official file already holds.
* The research helper's cross-check of the report PDFs (derived): SIF and TLAC fieldwork dates and
  report links, which no official file gives.

``source_id`` names the input the judgement (grade) comes from; fieldwork end dates and report links
may be filled from the scrape or the derived cross-check, which are listed in ``sources`` too.

Where the inputs disagree the official file wins: Nottingham's 2022 ILACS report is dated 2022-09-05
in the 2025 file and 2022-11-05 in the 2023 sheet; six SIF reports are dated 1-7 days apart in the
2023 sheet and the PDFs; the scrape's sub-judgements differ from the official ones for St Helens 2023,
Oxfordshire 2018, Bolton 2018 (and read "to requires improvement" for Nottingham 2019 and Southend
2019). Codes stay as published: the 2025 file files North Yorkshire's 2018 and Somerset's 2022
inspections under their post-2023 codes, and ``areas`` links them to the old ones.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from cscbench.core.domain import ADEQUATE_FRAMEWORKS, GRADE_WORDING, REFORM_DATE
from cscbench.ingest import ofsted_inyear
from cscbench.ingest.areas import match_names, normalise_name
from cscbench.ingest.common import (
    MENTION_COLUMNS,
    RawInputError,
    conform,
    read_raw_csv,
    resource_columns,
)
from cscbench.ingest.ofsted_files import (
    BLOCKS_2023,
    ILACS_COLUMNS,
    SCRAPE,
    SHEET_2023,
    SHEET_2025,
    _iso_date,
    _path,
    csc_data_source,
    outcomes_source,
    read_derived_dates,
    read_lookup,
    read_official_ilacs,
    read_scrape,
    read_sheet_2023,
)
from cscbench.ingest.registry import default_registry
from cscbench.package import labels

LOOKUP = "jt39_provider_lookup"
DERIVED = "cscbench_derived_inspections"


# From this date ILACS split 'children in care and care leavers' into two judgements.
CARE_LEAVERS_DATE = dt.date(2023, 1, 1)
# A SIF/TLAC report in the derived cross-check belongs to an official row published within this.
DATE_TOLERANCE_DAYS = 14

# The vocabularies (and their order: judgements sort in the schema's order) are the inspections
# schema's categories.
FRAMEWORKS = labels.values("inspections", "framework")
INSPECTION_TYPES = labels.values("inspections", "inspection_type")
JUDGEMENTS = labels.values("inspections", "judgement")
GRADE_STATUSES = labels.values("inspections", "grade_status")
NOT_JUDGED = "-"  # how the 2023 sheet marks a judgement the inspection did not make

SCALE = GRADE_WORDING
GRADES_ON_SCALE = labels.values("inspections", "grade_on_framework_scale")
NOT_REPORTED = "not_reported_post_reform"  # the scrape's marker for the missing overall grade
PRE_DATES = "inspection_pre_dates_judgement"  # the scrape's marker for no care-leavers judgement

COLUMNS = resource_columns("inspections")
# An inspection is identified by its fieldwork start, or its publication date where no source
# gives the fieldwork (2009-13): a visit listed without a publication date still has a key.
PRIMARY_KEY = ["area_code", "inspection_date", "inspection_type", "judgement"]
INSPECTION_KEY = ["area_code", "framework", "inspection_type", "publication_date"]

SCRAPE_TYPES = {"standard": "standard", "short": "short"}

# The sheet's second table ("local authorities that existed before the restructure"): the code of
# each council it lists, fixed by the table it sits in, not by its (reused) name.
PRE_RESTRUCTURE: dict[str, str] = {
    "Bournemouth": "E06000028",
    "Dorset": "E10000009",
    "Poole": "E06000029",
    "Northamptonshire": "E10000021",
}


# ---------------------------------------------------------------------------------------------
# mentions


def mentions(raw_dir: Path) -> pl.DataFrame:
    """Every code the Ofsted inputs publish, plus the 2023 sheet's spellings as name variants.

    Region codes are left to the DfE files: the lookup's ``rgn22cd`` is wrong for some councils
    (Buckinghamshire and Gloucestershire). The derived cross-check adds only codes the lookup lacks
    (none today), so its spellings do not outvote the publishers' names.

    The 2023 names get a code only where it is certain: through a name the official file or the
    lookup gives with a code (current councils, table 1), or through the table a council sits in
    (pre-restructure councils, table 2). Those rows have no level: they only add names.
    """
    official = (
        read_official_ilacs(_path(raw_dir, outcomes_source())).select("area_code", "name").unique()
    )
    lookup = read_lookup(_path(raw_dir, LOOKUP)).drop("urn", "region_code")
    derived = (
        read_raw_csv(_path(raw_dir, DERIVED), ["la_code_ons", "la_code_old", "la_name"])
        .select(
            pl.col("la_code_ons").alias("area_code"),
            pl.col("la_code_old").alias("old_la_code"),
            pl.col("la_name").alias("name"),
        )
        .unique()
        .join(lookup, on="area_code", how="anti")
    )
    coded = pl.concat(
        [
            official.with_columns(pl.lit(outcomes_source()).alias("source_id")),
            lookup.with_columns(pl.lit(LOOKUP).alias("source_id")),
            derived.with_columns(pl.lit(DERIVED).alias("source_id")),
        ],
        how="diagonal_relaxed",
    ).with_columns(pl.lit("local_authority").alias("level"))
    return (
        pl.concat([conform(coded, MENTION_COLUMNS), _sheet_2023_variants(raw_dir, coded)])
        .unique()
        .sort("area_code", "source_id", "name", nulls_last=True)
    )


def _sheet_2023_variants(raw_dir: Path, coded: pl.DataFrame) -> pl.DataFrame:
    sheet = read_sheet_2023(_path(raw_dir, csc_data_source())).select(
        "table", pl.col("Local authority name").alias("name")
    )
    pre = sheet.filter(pl.col("table") == 2)
    unknown = set(pre["name"].to_list()) - set(PRE_RESTRUCTURE)
    if unknown:
        raise RawInputError(
            f"{SHEET_2023}: pre-restructure table lists {sorted(unknown)}; add their codes to "
            "PRE_RESTRUCTURE"
        )
    keys = coded.select("area_code", normalise_name(pl.col("name")).alias("key")).unique()
    current = (
        sheet.filter(pl.col("table") == 1)
        .with_columns(normalise_name(pl.col("name")).alias("key"))
        .join(keys, on="key", how="inner")
    )
    before = pre.with_columns(pl.col("name").replace_strict(PRE_RESTRUCTURE).alias("area_code"))
    return conform(
        pl.concat([current.select("area_code", "name"), before.select("area_code", "name")])
        .unique()
        .with_columns(pl.lit(csc_data_source()).alias("source_id")),
        MENTION_COLUMNS,
    )


# ---------------------------------------------------------------------------------------------
# building


def _on_scale(framework: pl.Expr, grade: pl.Expr) -> pl.Expr:
    """The grade in the wording of the framework at the time (2009-13 'adequate')."""
    canonical = grade.str.to_lowercase().replace_strict(SCALE, default=None)
    return (
        pl.when(
            framework.is_in(ADEQUATE_FRAMEWORKS) & (canonical == "Requires improvement to be good")
        )
        .then(pl.lit("Adequate"))
        .otherwise(canonical)
    )


def _check_grades(df: pl.DataFrame, where: str) -> None:
    known = set(SCALE)
    bad = df.filter(
        pl.col("grade").is_not_null() & ~pl.col("grade").str.to_lowercase().is_in(list(known))
    )
    if bad.height:
        raise RawInputError(
            f"{where}: grade(s) {bad['grade'].unique().sort().to_list()} not recognised "
            f"(expected one of {sorted(known)}); e.g. {bad.head(3).to_dicts()}"
        )


def _ilacs_long(wide: pl.DataFrame, where: str) -> pl.DataFrame:
    """Wide ILACS rows (official or scrape) -> one row per judgement.

    Before 1 January 2023 the 'children in care' column holds the combined judgement on children in
    care and care leavers and there is no care-leavers judgement; the source must agree.
    """
    if wide["fieldwork_start"].null_count():
        raise RawInputError(f"{where}: ILACS inspection(s) without a fieldwork start date")
    combined = pl.col("fieldwork_start") < CARE_LEAVERS_DATE
    no_leavers = pl.col("care_leavers").is_null() | (pl.col("care_leavers") == PRE_DATES)
    clash = wide.filter(combined != no_leavers)
    if clash.height:
        raise RawInputError(
            f"{where}: care-leavers judgement present before / missing after 2023-01-01 for "
            f"{clash.select('area_code', 'fieldwork_start').to_dicts()}"
        )
    reformed = pl.col("fieldwork_start") >= REFORM_DATE
    wide = wide.with_columns(
        pl.when(reformed).then(pl.lit("ILACS_2026")).otherwise(pl.lit("ILACS")).alias("framework"),
        pl.when(no_leavers).then(None).otherwise(pl.col("care_leavers")).alias("care_leavers"),
    )
    judgements = [j for _, j in ILACS_COLUMNS.values()]
    long = wide.unpivot(
        index=[c for c in wide.columns if c not in judgements],
        on=judgements,
        variable_name="judgement",
        value_name="grade",
    )
    long = long.filter(
        ~((pl.col("judgement") == "care_leavers") & (pl.col("fieldwork_start") < CARE_LEAVERS_DATE))
    ).with_columns(
        pl.when(
            (pl.col("judgement") == "children_in_care")
            & (pl.col("fieldwork_start") < CARE_LEAVERS_DATE)
        )
        .then(pl.lit("children_in_care_and_care_leavers"))
        .otherwise(pl.col("judgement"))
        .alias("judgement")
    )
    overall_ungraded = (pl.col("judgement") == "overall_effectiveness") & (
        pl.col("grade").is_null() | (pl.col("grade") == NOT_REPORTED)
    )
    clash = long.filter(
        overall_ungraded != (reformed & (pl.col("judgement") == "overall_effectiveness"))
    )
    if clash.height:
        raise RawInputError(
            f"{where}: overall effectiveness graded after / missing before the April 2026 reform: "
            f"{clash.select('area_code', 'fieldwork_start', 'grade').to_dicts()}"
        )
    long = long.with_columns(
        pl.when(overall_ungraded).then(None).otherwise(pl.col("grade")).alias("grade"),
        pl.when(overall_ungraded)
        .then(pl.lit("not_graded_post_april_2026"))
        .otherwise(None)
        .alias("grade_status"),
    )
    missing = long.filter(pl.col("grade").is_null() & pl.col("grade_status").is_null())
    if missing.height:
        raise RawInputError(
            f"{where}: judgement(s) without a grade: "
            f"{missing.select('area_code', 'publication_date', 'judgement').head(5).to_dicts()}"
        )
    _check_grades(long, where)
    return long


def _with_series(df: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Attach the code that continues each code's time series (links old codes to the scrape's)."""
    series = areas.select("area_code", "series_code")
    unknown = df.join(series, on="area_code", how="anti")
    if unknown.height:
        raise RawInputError(
            f"Ofsted code(s) not in areas: {unknown['area_code'].unique().sort().to_list()}"
        )
    return df.join(series, on="area_code", how="left")


def ilacs(raw_dir: Path, areas: pl.DataFrame) -> pl.DataFrame:
    """Official ILACS inspections (end dates and links from the scrape), then the scrape's later ones.

    An inspection is the same in both when the council (through ``series_code``) and fieldwork start
    agree. Grades always come from the official file: the scrape's overall grades agree with it,
    but a few of its sub-judgements do not (PDF table parsing), so they are never used for these.
    """
    official = _with_series(
        read_official_ilacs(_path(raw_dir, outcomes_source())).drop("name"), areas
    )
    scrape = read_scrape(_path(raw_dir, SCRAPE), _path(raw_dir, LOOKUP))
    extra = scrape.select(
        pl.col("area_code").alias("series_code"),
        "fieldwork_start",
        pl.col("fieldwork_end").alias("s_end"),
        pl.col("report_url").alias("s_url"),
    )
    dupes = extra.filter(pl.struct("series_code", "fieldwork_start").is_duplicated())
    if dupes.height:
        raise RawInputError(
            f"{SCRAPE}: two reports with the same fieldwork start: {dupes.to_dicts()}"
        )
    official = (
        official.join(extra, on=["series_code", "fieldwork_start"], how="left")
        .with_columns(pl.col("s_end").alias("fieldwork_end"), pl.col("s_url").alias("report_url"))
        .drop("s_end", "s_url", "series_code")
    )
    known = official.join(areas.select("area_code", "series_code"), on="area_code").select(
        pl.col("series_code").alias("area_code"), "fieldwork_start"
    )
    later = scrape.join(known, on=["area_code", "fieldwork_start"], how="anti")
    unknown = set(later["scrape_type"].unique().to_list()) - set(SCRAPE_TYPES)
    if unknown:
        raise RawInputError(f"{SCRAPE}: unknown framework value(s) {sorted(unknown)}")
    # Unmatched reports from the official file's period must predate ILACS (the scraper labels a
    # few SIF re-inspection reports 'standard'; the 2023 sheet holds those inspections).
    within = pl.col("publication_date") <= official["publication_date"].max()
    early = later.filter(within & (pl.col("fieldwork_start") >= official["fieldwork_start"].min()))
    if early.height:
        raise RawInputError(
            f"{SCRAPE}: report(s) published within the official file's period but missing from it: "
            f"{early.select('area_code', 'fieldwork_start', 'publication_date').to_dicts()}"
        )
    later = later.filter(~within)
    later = later.with_columns(
        pl.col("scrape_type").replace_strict(SCRAPE_TYPES).alias("inspection_type")
    ).drop("scrape_type")
    return pl.concat(
        [
            _ilacs_long(official, SHEET_2025),
            _ilacs_long(later.select(official.columns), SCRAPE),
        ],
        how="diagonal_relaxed",
    )


def _blocks_long(sheet: pl.DataFrame) -> pl.DataFrame:
    """The 2023 sheet's inspection blocks -> one row per council x inspection x judgement."""
    parts = []
    for framework, kind, date_col, grades in BLOCKS_2023:
        block = sheet.select(
            "table",
            pl.col("Local authority name").alias("name"),
            pl.col(date_col).alias("_date"),
            *[pl.col(c).str.strip_chars().alias(j) for j, c in grades.items()],
        )
        undated = block.filter(
            pl.col("_date").is_null() & pl.any_horizontal(pl.col(list(grades)).is_not_null())
        )
        if undated.height:
            raise RawInputError(f"{SHEET_2023}: grades without a publication date in {date_col!r}")
        long = block.filter(pl.col("_date").is_not_null()).unpivot(
            index=["table", "name", "_date"],
            on=list(grades),
            variable_name="judgement",
            value_name="grade",
        )
        if long["grade"].null_count():
            raise RawInputError(f"{SHEET_2023}: empty grade cell(s) in block {date_col!r}")
        not_judged = pl.col("grade") == NOT_JUDGED
        parts.append(
            long.with_columns(
                _iso_date("_date").alias("publication_date"),
                pl.lit(framework).alias("framework"),
                pl.lit(kind).alias("inspection_type"),
                pl.when(not_judged).then(None).otherwise(pl.col("grade")).alias("grade"),
                pl.when(not_judged).then(pl.lit("not_judged")).alias("grade_status"),
            ).drop("_date")
        )
    long = pl.concat(parts)
    _check_grades(long, SHEET_2023)
    return long


def _sheet_codes(long: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Names -> the code in use on each publication date; table 2 must resolve to ended codes."""
    keys = long.select("table", "name", "publication_date").unique().sort(pl.all())
    codes = match_names(
        keys["name"], areas, f"Ofsted 2023 sheet {SHEET_2023}", on_dates=keys["publication_date"]
    )
    keys = keys.with_columns(codes)
    ended = areas.filter(pl.col("end_date").is_not_null())["area_code"]
    wrong = keys.filter((pl.col("table") == 2) & ~pl.col("area_code").is_in(ended.implode()))
    if wrong.height:
        raise RawInputError(
            f"{SHEET_2023}: pre-restructure councils matched to current codes: {wrong.to_dicts()}"
        )
    return long.join(keys, on=["table", "name", "publication_date"], how="left")


def _add_derived_dates(long: pl.DataFrame, raw_dir: Path, areas: pl.DataFrame) -> pl.DataFrame:
    """SIF/TLAC fieldwork dates and links: the cross-check report for the same council and framework
    published within DATE_TOLERANCE_DAYS of the official date (nearest wins)."""
    derived = read_derived_dates(_path(raw_dir, DERIVED))
    inspections = _with_series(long.select(INSPECTION_KEY).unique(), areas)
    pairs = (
        inspections.join(derived, on=["series_code", "framework"], how="inner")
        .with_columns(
            (pl.col("d_published") - pl.col("publication_date")).dt.total_days().abs().alias("gap")
        )
        .filter(pl.col("gap") <= DATE_TOLERANCE_DAYS)
        .sort([*INSPECTION_KEY, "gap", "d_published"])
        .group_by(INSPECTION_KEY, maintain_order=True)
        .first()
    )
    reused = pairs.filter(pl.struct("series_code", "d_published", "framework").is_duplicated())
    if reused.height:
        raise RawInputError(f"{DERIVED}: one report matched two official inspections: {reused}")
    return long.join(
        pairs.select(
            *INSPECTION_KEY,
            pl.col("d_start").alias("fieldwork_start"),
            pl.col("d_end").alias("fieldwork_end"),
            pl.col("d_url").alias("report_url"),
        ),
        on=list(INSPECTION_KEY),
        how="left",
    )


def before_ilacs(raw_dir: Path, areas: pl.DataFrame) -> pl.DataFrame:
    """SLAC, CPI, CPRI, TLAC and SIF judgements from the 2023 sheet (ILACS comes from 2025's file)."""
    long = _sheet_codes(_blocks_long(read_sheet_2023(_path(raw_dir, csc_data_source()))), areas)
    long = long.with_columns(pl.lit(csc_data_source()).alias("source_id"))
    return _add_derived_dates(long, raw_dir, areas)


def build(raw_dir: Path, areas: pl.DataFrame) -> pl.DataFrame:
    """The inspections resource, sorted by council, inspection date, type and judgement order.

    Judgements first; then Ofsted's in-year sheets are checked against them and add the year's
    focused and monitoring visits (:mod:`cscbench.ingest.ofsted_inyear`).
    """
    frame = pl.concat([before_ilacs(raw_dir, areas), ilacs(raw_dir, areas)], how="diagonal_relaxed")
    frame = frame.with_columns(
        _on_scale(pl.col("framework"), pl.col("grade")).alias("grade_on_framework_scale")
    ).with_columns(
        # the scraper lower-cases Ofsted's wording ("requires improvement"); ILACS reports print
        # the framework's own words, so those are what Ofsted published
        pl.when(pl.col("source_id") == SCRAPE)
        .then(pl.col("grade_on_framework_scale"))
        .otherwise(pl.col("grade"))
        .alias("grade")
    )
    frame = frame.with_columns(
        pl.coalesce("fieldwork_start", "publication_date").alias("inspection_date")
    )
    visits = ofsted_inyear.visits_and_checks(raw_dir, frame, areas, default_registry())
    frame = conform(pl.concat([frame, visits], how="diagonal_relaxed"), COLUMNS)
    _check_keys(frame)
    order = {j: i for i, j in enumerate(JUDGEMENTS)}
    return (
        frame.with_columns(pl.col("judgement").replace_strict(order).alias("_order"))
        .sort("area_code", "inspection_date", "framework", "inspection_type", "_order")
        .drop("_order")
    )


def _check_keys(frame: pl.DataFrame) -> None:
    dupes = frame.filter(pl.struct(PRIMARY_KEY).is_duplicated())
    if dupes.height:
        raise RawInputError(f"inspections: duplicate primary key {PRIMARY_KEY}: {dupes.head(6)}")
    checks = {
        "framework": FRAMEWORKS,
        "inspection_type": INSPECTION_TYPES,
        "judgement": JUDGEMENTS,
        "grade_status": GRADE_STATUSES,
        "grade_on_framework_scale": GRADES_ON_SCALE,
    }
    for column, allowed in checks.items():
        bad = set(frame[column].drop_nulls().unique().to_list()) - set(allowed)
        if bad:
            raise RawInputError(f"inspections: {column} value(s) {sorted(bad)} not in the enum")
    for column in ("area_code", "framework", "inspection_type", "inspection_date", "judgement"):
        if frame[column].null_count():
            raise RawInputError(f"inspections: empty {column}")
    undated = frame.filter(
        pl.col("publication_date").is_null()
        & ((pl.col("judgement") != "visit") | (pl.col("source_id") == outcomes_source()))
    )
    if undated.height:
        raise RawInputError(
            "inspections: only the 2022-23 and 2023-24 visits may lack a publication date: "
            f"{undated.head(3).to_dicts()}"
        )
