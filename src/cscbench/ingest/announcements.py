"""Announcements: what councils and the press said, one typed row per stated fact.

The raw file (``news/local_reports_yorkshire.csv``) is a compiled list of claims, not official
statistics. Each row keeps the value and date exactly as stated and adds a typed reading: a numeric
``value`` (always a positive magnitude), ``value_to`` for stated changes, a ``qualifier``, the date with
its precision, a ``kind`` that says whether money is new, saved, cut or overspent, and for workforce
claims the ``basis`` (a council's own measure is never DfE's ``caseload_fte``).

Plain figures ("6.2", "almost 40", "2.7 (overspend)") are parsed by one strict pattern; every other
text that holds a number was read by a person and is listed in ``READINGS``. Anything else with a
digit in it stops the build, so a new row is never misparsed silently. The ``context`` column is text
written for the raw file and is not carried into the resource.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TypedDict

import polars as pl

from cscbench.domain import ENGLAND
from cscbench.ingest.areas import match_names
from cscbench.ingest.common import (
    MENTION_COLUMNS,
    RawInputError,
    conform,
    read_raw_csv,
    resource_columns,
)
from cscbench.ingest.registry import Source, default_registry

READER = "local_reports"


def source() -> Source:
    """This file's entry in the sources registry (its id and path are declared there only)."""
    return default_registry().only(READER)


def file_name() -> str:
    return str(source().raw_path)


RAW_COLUMNS = ["council", "date", "kind", "value", "unit", "context", "source_url", "certainty"]

KINDS = (
    "investment",
    "saving",
    "budget_cut",
    "overspend",
    "caseload",
    "agency",
    "looked_after",
    "workforce",
    "rating",
    "other",
)
DATE_PRECISIONS = ("day", "month", "year", "financial_year", "approximate")
# A qualifier hedges ``value``; the "to ..." forms hedge ``value_to`` (e.g. "85 -> ~103").
QUALIFIERS = ("about", "almost", "over", "under", "up to", "at least", "to about", "to over")
BASES = ("council_measure", "dfe_statistics", "other")
CERTAINTIES = (
    "stated",
    "date_from_other_source",
    "approximate_date",
    "inferred_date",
    "secondary",
    "claim",
)
# Kinds whose figures could be mistaken for DfE workforce or looked-after statistics.
BASIS_KINDS = ("caseload", "agency", "workforce", "looked_after")

ANNOUNCEMENT_COLUMNS = resource_columns("announcements")

# Press names no statistics file uses, mapped to codes beyond doubt.
PRESS_NAMES: dict[str, str] = {
    "Kingston upon Hull": "E06000010",
    "England (all councils)": ENGLAND,
}

RAW_KINDS: dict[str, str] = {
    "investment": "investment",
    "caseload": "caseload",
    "agency": "agency",
    "rating": "rating",
    "looked-after": "looked_after",
    "other": "other",
}

# A bracketed tag after a plain money figure says what the money is; other tags leave the kind alone.
TAG_KINDS: dict[str, str | None] = {
    "overspend": "overspend",
    "spend above budget": "overspend",
    "saving": "saving",
    "savings": "saving",
    "saving requirement": "saving",
    "budget cut": "budget_cut",
    "union claim": None,
}

QUALIFIER_WORDS: dict[str, str] = {
    "about": "about",
    "almost": "almost",
    "nearly": "almost",
    "over": "over",
    "more than": "over",
    "above": "over",
    "below": "under",
    "under": "under",
    "up to": "up to",
    "at least": "at least",
}

# Every certainty text of the raw file, read by a person. A new text stops the build.
CERTAINTY: dict[str, str] = {
    "stated on page": "stated",
    "stated on page (cabinet date inferred: 'next Tuesday' after Wed 31 Oct 2018)": "stated",
    "stated on page; approval date inferred (meeting 'on Tuesday')": "stated",
    "stated on page (article undated; date from BBC and the Ofsted 2023 data file)": (
        "date_from_other_source"
    ),
    "stated on page; date from Ofsted data": "date_from_other_source",
    "stated on page; date from the Ofsted 2023 data file": "date_from_other_source",
    "stated on page; month from Community Care 11 Feb 2022": "date_from_other_source",
    "stated on page; publication date from Ofsted data": "date_from_other_source",
    "stated on page; publication date from Ofsted data; commissioner date from "
    "https://www.publicsectorexecutive.com/Public-Sector-News/"
    "a-genuine-partnership-approach-key-to-commissioner-turnarounds": "date_from_other_source",
    "stated on page; date approximate": "approximate_date",
    "stated on page; date approximate (a later article says this was revealed in November)": (
        "approximate_date"
    ),
    "stated on page; date of figure approximate": "approximate_date",
    "stated on page; date unknown": "approximate_date",
    "stated on page; meeting date approximate": "approximate_date",
    "stated on page; month approximate": "approximate_date",
    "amount, body and purpose stated on page; date inferred (Golton was executive member until "
    "May 2010; an interim DCS was in post in early 2010)": "inferred_date",
    "number stated; date inferred (article refers to 'plans for 2014' and a £22m cut "
    "'next year')": "inferred_date",
    "stated on page; date inferred": "inferred_date",
    "stated on page; date inferred from context": "inferred_date",
    "stated on page; year inferred": "inferred_date",
    "stated on page (BBC figures via local site)": "secondary",
    "stated on page (republished Guardian text); date approximate": "secondary",
    "stated on page (secondary quotation of the Jay report)": "secondary",
    "stated on page (secondary report); date approximate": "secondary",
    "stated on page (union claim); date approximate": "claim",
}

# Dates no pattern can read, by the text as stated.
DATE_READINGS: dict[str, tuple[dt.date, str]] = {
    "16 January (year not shown; c. 2014)": (dt.date(2014, 1, 16), "day"),
}


class Reading(TypedDict, total=False):
    """A person's reading of one raw row. Keys given replace the parsed field.

    Giving ``value`` (even None) replaces value, value_to and qualifier together.
    """

    kind: str
    value: float | None
    value_to: float | None
    qualifier: str | None
    unit: str
    basis: str


# Keyed by (council, date, value) exactly as stated in the raw file.
READINGS: dict[tuple[str, str, str], Reading] = {
    ("Bradford", "2015/16 and 2021/22", "85 -> ~103 (budget)"): {
        "kind": "other",  # a spending level, not new money
        "value": 85,
        "value_to": 103,
        "qualifier": "to about",
        "unit": "GBP million (2015/16 spend; 2021/22 budget)",
    },
    ("Bradford", "c. early 2017 (workload at 31 Dec 2016)", "186 (208 in Dec 2015)"): {
        "kind": "workforce",
        "value": 208,
        "value_to": 186,
        "unit": "social workers directly employed (Dec 2015 -> Dec 2016)",
        "basis": "council_measure",
    },
    ("Bradford", "2018 (workload to 30 Sep 2018)", "290 (143 in locality/assessment teams)"): {
        "kind": "workforce",
        "value": 290,
        "basis": "council_measure",
    },
    ("Bradford", "2022-02 (commissioner report published)", "124 vacancies / 173 agency"): {
        "value": None,  # two figures of different things
        "basis": "other",
    },
    ("Bradford", "2022-02", "+38%"): {
        "value": 38,
        "unit": "percent rise in caseloads since 2018",
        "basis": "other",
    },
    ("Bradford", "2022-02", "+35% to >130"): {
        "kind": "other",  # a spending level, not new money
        "value": 130,
        "qualifier": "over",
    },
    ("Bradford", "c. 2022", "12.3"): {"basis": "other"},
    ("Bradford", "c. January 2023", "almost 40"): {"basis": "other"},
    ("East Riding of Yorkshire", "c. 2020-21 (date not shown)", "30% (from 60%)"): {
        "value": 60,
        "value_to": 30,
        "unit": "percent of social workers with more than 20 children",
        "basis": "council_measure",
    },
    ("Kirklees", "c. mid-2017", "more than 5 (union claim)"): {"basis": "other"},
    ("Leeds", "2010-02-01 (article date)", "caseloads must fall"): {"basis": "other"},
    ("Leeds", "c. 2011 (figure at the time DCS Steve Walker joined)", "29"): {
        "basis": "council_measure"
    },
    ("Leeds", "c. 2011 target", "below 20"): {"basis": "council_measure"},
    ("Leeds", "c. January 2014 (approximate; page undated)", "1355"): {"basis": "council_measure"},
    ("Leeds", "c. January 2014 (year to date)", "-76 (-5.3%)"): {
        "value": 76,
        "unit": "children looked after (fall over the previous year)",
        "basis": "council_measure",
    },
    ("Leeds", "16 January (year not shown; c. 2014)", "over -22 per year (proposed cut)"): {
        "kind": "budget_cut",
        "value": 22,
        "qualifier": "over",
        "unit": "GBP million per year",
    },
    ("Leeds", "c. mid/late 2014 (approximate; page undated)", "1299"): {"basis": "council_measure"},
    ("Leeds", "2016 vs 2020 (official statistics quoted)", "1239 -> 1346"): {
        "value": 1239,
        "value_to": 1346,
        "basis": "dfe_statistics",
    },
    ("Leeds", "c. 2019 (published after Dec 2018 rating)", "-214 (-40%)"): {
        "kind": "budget_cut",
        "value": 214,
    },
    ("Leeds", "c. 2019 (award entry; figures match DfE Sept 2018 data)", "0.5"): {
        "basis": "council_measure"
    },
    ("Leeds", "c. mid-2022 (scrutiny meeting)", "21"): {"basis": "council_measure"},
    ("Leeds", "2022 (full council; c. mid-2022)", "nearly 50"): {
        "kind": "workforce",
        "basis": "other",
    },
    ("Leeds", "2024-01-31", "3000 per worker"): {
        "value": 3000,
        "unit": "GBP per worker (retention payment)",
    },
    ("North East Lincolnshire", "2019-12-20 (article)", "highest in England (2018)"): {
        "value": None,  # a rank in words
        "basis": "dfe_statistics",
    },
    ("Rotherham", "2008 and 2009 (quoted from Jay report, Aug 2014)", "43% (2008); >37% (2009)"): {
        "kind": "workforce",
        "value": 43,
        "value_to": 37,
        "qualifier": "to over",
        "unit": "percent social worker vacancy rate (2008 -> 2009)",
        "basis": "other",
    },
    ("Rotherham", "2014 vs 2018", "30-40 -> 17"): {
        "value": None,  # a range, not one figure
        "value_to": 17,
        "unit": "cases per social worker (2014 -> 2018)",
        "basis": "council_measure",
    },
    ("Rotherham", "c. 2016", "22"): {"basis": "council_measure"},
    ("Rotherham", "2018-09-14 (article)", "more than 16"): {"basis": "other"},
    ("Sheffield", "2017 (scrutiny; Cabinet report of 20 Sep 2017)", "32"): {
        "kind": "workforce",
        "basis": "council_measure",
    },
    ("Wakefield", "c. 2009 (approximate)", "338 vs 273"): {
        "kind": "other",  # child protection conferences: demand, not caseload per worker
        "value": 273,
        "value_to": 338,
        "unit": "initial child protection conferences (2007-08 -> 2008-09)",
    },
    ("Wakefield", "c. May 2018 (approximate)", "increase social worker numbers"): {
        "kind": "workforce",
        "basis": "council_measure",
    },
    ("Wakefield", "c. November 2018", "about 2"): {"basis": "council_measure"},
    (
        "Wakefield",
        "2018-10-31 (report for cabinet on Tuesday 6 Nov 2018)",
        "above 30 -> 25",
    ): {"value": 30, "value_to": 25, "qualifier": "over", "basis": "council_measure"},
    ("Wakefield", "2018-10-31", "15"): {"basis": "council_measure"},
    ("Wakefield", "2018-10-31", "20"): {"basis": "council_measure"},
    ("Wakefield", "2019-04-03", "social work academy; >40 NQSW applicants"): {
        "value": None,  # a count inside a qualitative finding
        "basis": "council_measure",
    },
    ("Wakefield", "c. 2019 (approximate)", "58 (down from 86)"): {
        "value": 86,
        "value_to": 58,
        "basis": "other",
    },
    ("England (all councils)", "c. 2019 (FOI data for 2017/18; Sept 2018 snapshot)", "15"): {
        "basis": "other"
    },
    ("Warwickshire", "2022-02-04 (article)", "19.5 -> 17"): {
        "value": 19.5,
        "value_to": 17,
        "basis": "dfe_statistics",
    },
}

_PLAIN_NUMBER = (
    r"^(?:(?P<q>about|almost|nearly|over|more than|above|below|under|up to|at least) )?"
    r"(?P<sign>-)?(?P<num>\d+(?:\.\d+)?)(?: \((?P<tag>[a-z ]+)\))?$"
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def read_raw(raw_dir: Path) -> pl.DataFrame:
    """The raw file as text, with its row number (1-based, header excluded)."""
    return read_raw_csv(raw_dir / file_name(), RAW_COLUMNS).with_row_index("row", offset=1)


def mentions(raw_dir: Path) -> pl.DataFrame:
    """Press names this file uses that no statistics file does (level null: variants only)."""
    used = read_raw(raw_dir)["council"].unique()
    rows = [
        {"area_code": code, "name": name, "source_id": source().source_id}
        for name, code in sorted(PRESS_NAMES.items())
        if name in used
    ]
    return conform(pl.DataFrame(rows, schema=["area_code", "name", "source_id"]), MENTION_COLUMNS)


# The months "early", "mid" and "late" in a rough date name ("c. mid-2022": May to August).
PART_MONTHS: dict[str, tuple[int, int]] = {
    "early": (1, 4),
    "mid": (5, 8),
    "late": (9, 12),
    "mid/late": (5, 12),
}


def _part_month(part: pl.Expr, which: int, otherwise: int) -> pl.Expr:
    """The first (``which`` 0) or last (1) month of an "early/mid/late" part, else ``otherwise``."""
    months = {k: v[which] for k, v in PART_MONTHS.items()}
    return part.replace_strict(months, default=otherwise, return_dtype=pl.Int32)


def _rough_window(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """First and last day a rough year names: "c. 2022" the year, "c. mid-2022" May to August,
    "c. late 2009 - early 2010" September 2009 to April 2010, "c. 2020-21" both years."""
    parts = "|".join(sorted(PART_MONTHS, key=len, reverse=True))
    head = text.str.extract_groups(
        rf"^c\. (?:(?<part>{parts})[- ])?(?<year>\d{{4}})(?:-(?<yy>\d{{2}})\b)?"
        rf"(?: - (?<part2>{parts}) (?<year2>\d{{4}}))?"
    )
    year = head.struct["year"].cast(pl.Int32)
    part2 = head.struct["part2"]
    end_year = pl.coalesce(
        head.struct["year2"].cast(pl.Int32),
        (year // 100 * 100 + head.struct["yy"].cast(pl.Int32)),
        year,
    )
    start = pl.date(year, _part_month(head.struct["part"], 0, 1), 1)
    end_part = pl.when(part2.is_not_null()).then(part2).otherwise(head.struct["part"])
    end = pl.date(end_year, _part_month(end_part, 1, 12), 1).dt.month_end()
    return start, end


def _parse_dates(df: pl.DataFrame) -> pl.DataFrame:
    """``date`` and ``date_end`` (first and last day of what is known) and ``date_precision``
    from the date as stated: a claim dated "c. mid-2022" runs from 1 May to 31 August 2022, so it
    is never set beside a figure for a year that ended before it (issue 18)."""
    text = pl.col("date_as_stated")
    day = text.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:\s|$)")
    month = text.str.extract(r"^(\d{4}-\d{2})(?:\s|$)")
    fy_start = text.str.extract(r"^(\d{4})/\d{2}(?:\s|$)")
    fy_end = text.str.extract(r"^\d{4}/(\d{2})(?:\s|$)")
    approx_month = text.str.extract(rf"^c\. ((?:{_MONTHS}) \d{{4}})\b")
    approx_year = text.str.extract(r"^c\. (?:(?:early|mid|late|mid/late)[- ])?(\d{4})\b")
    year = text.str.extract(r"^(\d{4})(?:\s|$)")
    rough_start, rough_end = _rough_window(text)
    month_date = (month + "-01").str.to_date("%Y-%m-%d", strict=False)
    approx_month_date = ("1 " + approx_month).str.to_date("%d %B %Y", strict=False)
    parsed = df.with_columns(
        pl.coalesce(
            day.str.to_date("%Y-%m-%d", strict=False),
            month_date,
            pl.date(fy_start.cast(pl.Int32), 4, 1),
            approx_month_date,
            pl.when(approx_year.is_not_null()).then(rough_start),
            pl.date(year.cast(pl.Int32), 1, 1),
        ).alias("date"),
        pl.coalesce(
            day.str.to_date("%Y-%m-%d", strict=False),
            month_date.dt.month_end(),
            pl.date(fy_start.cast(pl.Int32) + 1, 3, 31),
            approx_month_date.dt.month_end(),
            pl.when(approx_year.is_not_null()).then(rough_end),
            pl.date(year.cast(pl.Int32), 12, 31),
        ).alias("date_end"),
        pl.when(day.is_not_null())
        .then(pl.lit("day"))
        .when(month.is_not_null())
        .then(pl.lit("month"))
        .when(fy_start.is_not_null())
        .then(pl.lit("financial_year"))
        .when(approx_month.is_not_null() | approx_year.is_not_null())
        .then(pl.lit("approximate"))
        .when(year.is_not_null())
        .then(pl.lit("year"))
        .alias("date_precision"),
        ((fy_start.cast(pl.Int32) + 1) % 100 != fy_end.cast(pl.Int32)).alias("_bad_fy"),
    )
    if parsed["_bad_fy"].any():
        bad = parsed.filter(pl.col("_bad_fy"))["date_as_stated"].to_list()
        raise RawInputError(f"{file_name()}: financial years that do not run one year: {bad}")
    readings = pl.DataFrame(
        [{"date_as_stated": k, "_d": d, "_p": p} for k, (d, p) in DATE_READINGS.items()],
        schema={"date_as_stated": pl.String, "_d": pl.Date, "_p": pl.String},
    )
    parsed = parsed.join(readings, on="date_as_stated", how="left").with_columns(
        pl.coalesce("_d", "date").alias("date"),
        pl.coalesce("_d", "date_end").alias("date_end"),
        pl.coalesce("_p", "date_precision").alias("date_precision"),
    )
    unread = parsed.filter(
        pl.col("date").is_null()
        | pl.col("date_precision").is_null()
        | pl.col("date_end").is_null()
        | (pl.col("date_end") < pl.col("date"))
    )
    if unread.height:
        raise RawInputError(
            f"{file_name()}: dates that could not be read: {unread['date_as_stated'].to_list()}; "
            "add them to DATE_READINGS"
        )
    return parsed.drop("_bad_fy", "_d", "_p")


def _parse_plain_values(df: pl.DataFrame) -> pl.DataFrame:
    """Value, qualifier, sign and tag from texts that are a plain (hedged, tagged) number."""
    parts = pl.col("value_as_stated").str.extract_groups(_PLAIN_NUMBER)
    is_rating = pl.col("raw_kind") == "rating"
    return df.with_columns(
        pl.when(~is_rating).then(parts.struct.field("num").cast(pl.Float64)).alias("value"),
        pl.lit(None, pl.Float64).alias("value_to"),
        pl.when(~is_rating)
        .then(parts.struct.field("q").replace_strict(QUALIFIER_WORDS, default=None))
        .alias("qualifier"),
        (parts.struct.field("sign") == "-").fill_null(False).alias("_negative"),
        parts.struct.field("tag").alias("_tag"),
    )


def _readings_frame() -> pl.DataFrame:
    rows = [
        {
            "council": council,
            "date_as_stated": date,
            "value_as_stated": value,
            "_read": True,
            "_reads_value": "value" in reading,
            "_kind": reading.get("kind"),
            "_value": reading.get("value"),
            "_value_to": reading.get("value_to"),
            "_qualifier": reading.get("qualifier"),
            "_unit": reading.get("unit"),
            "_basis": reading.get("basis"),
        }
        for (council, date, value), reading in READINGS.items()
    ]
    schema = {
        "council": pl.String,
        "date_as_stated": pl.String,
        "value_as_stated": pl.String,
        "_read": pl.Boolean,
        "_reads_value": pl.Boolean,
        "_kind": pl.String,
        "_value": pl.Float64,
        "_value_to": pl.Float64,
        "_qualifier": pl.String,
        "_unit": pl.String,
        "_basis": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def _apply_readings(df: pl.DataFrame) -> pl.DataFrame:
    """Replace parsed fields with the readings in ``READINGS``; settle kind, unit and basis."""
    keys = ["council", "date_as_stated", "value_as_stated"]
    readings = _readings_frame()
    unused = readings.join(df, on=keys, how="anti")
    if unused.height:
        raise RawInputError(
            f"{file_name()}: READINGS entries match no row (raw file changed?): "
            f"{unused.select(keys).rows()}"
        )
    reads = pl.col("_reads_value").fill_null(False)
    tag_kind = pl.col("_tag").replace_strict(TAG_KINDS, default=None)
    return df.join(readings, on=keys, how="left").with_columns(
        pl.when(reads).then(pl.col("_value")).otherwise(pl.col("value")).alias("value"),
        pl.when(reads).then(pl.col("_value_to")).otherwise(pl.col("value_to")).alias("value_to"),
        pl.when(reads).then(pl.col("_qualifier")).otherwise(pl.col("qualifier")).alias("qualifier"),
        pl.when(reads).then(False).otherwise(pl.col("_negative")).alias("_negative"),
        pl.coalesce(
            "_kind", tag_kind, pl.col("raw_kind").replace_strict(RAW_KINDS, default=None)
        ).alias("kind"),
        pl.coalesce("_unit", pl.col("unit").str.replace(r"^% ", "percent ")).alias("unit"),
        pl.col("_basis").alias("basis"),
        pl.col("_read").fill_null(False).alias("_read"),
    )


def _check(df: pl.DataFrame) -> None:
    """Stop on anything a person has not read: unknown kinds, tags, stray numbers, signs, bases."""
    problems: list[str] = []

    def rows(mask: pl.Expr) -> list[tuple[str, str, str]]:
        return df.filter(mask).select("council", "date_as_stated", "value_as_stated").rows()

    for label, mask in (
        ("unknown raw kind", pl.col("kind").is_null()),
        (
            "unknown bracketed tag",
            pl.col("_tag").is_not_null() & ~pl.col("_tag").is_in(list(TAG_KINDS)),
        ),
        (
            "a number in text no pattern or reading covers",
            (pl.col("kind") != "rating")
            & pl.col("value_as_stated").str.contains(r"\d")
            & pl.col("value").is_null()
            & ~pl.col("_read"),
        ),
        (
            "a minus sign on a kind that is not a saving or cut",
            pl.col("_negative") & ~pl.col("kind").is_in(["saving", "budget_cut"]),
        ),
        (
            "a number on a rating",
            pl.col("value").is_not_null() & (pl.col("kind") == "rating"),
        ),
        (
            "no basis for a workforce-type claim",
            pl.col("kind").is_in(BASIS_KINDS) & pl.col("basis").is_null(),
        ),
        (
            "a basis on a kind that takes none",
            ~pl.col("kind").is_in(BASIS_KINDS) & pl.col("basis").is_not_null(),
        ),
        ("a negative magnitude", (pl.col("value") < 0) | (pl.col("value_to") < 0)),
    ):
        found = rows(mask)
        if found:
            problems.append(f"{label}: {found}")
    for column, allowed in (
        ("kind", KINDS),
        ("qualifier", QUALIFIERS),
        ("basis", BASES),
        ("date_precision", DATE_PRECISIONS),
    ):
        stray = set(df[column].drop_nulls().unique()) - set(allowed)
        if stray:
            problems.append(f"{column} outside its enum: {sorted(stray)}")
    if problems:
        raise RawInputError(f"{file_name()}: " + "; ".join(problems))


def build(raw_dir: Path, areas: pl.DataFrame) -> pl.DataFrame:
    """The announcements resource: one typed row per stated fact, sorted by id (file order)."""
    raw = read_raw(raw_dir).rename(
        {"date": "date_as_stated", "value": "value_as_stated", "kind": "raw_kind"}
    )
    unknown = sorted(set(raw["certainty"]) - set(CERTAINTY))
    if unknown:
        raise RawInputError(
            f"{file_name()}: certainty texts not yet read (add to CERTAINTY): {unknown}"
        )
    df = _apply_readings(_parse_plain_values(_parse_dates(raw)))
    _check(df)
    df = df.with_columns(
        match_names(df["council"], areas, f"{file_name()} council names", on_dates=df["date"]),
        pl.format("ann_{}", pl.col("row").cast(pl.String).str.pad_start(3, "0")).alias(
            "announcement_id"
        ),
        pl.col("certainty").replace_strict(CERTAINTY).alias("certainty"),
        pl.col("certainty").alias("certainty_note"),
        pl.lit(source().source_id).alias("source_id"),
    )
    return conform(df, ANNOUNCEMENT_COLUMNS).sort("announcement_id")
