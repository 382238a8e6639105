"""Announcements: what councils and the press said, one typed row per stated fact.

The raw file (``news/local_reports_yorkshire.csv``) is a compiled list of claims, not official
statistics. Each row keeps the value and date exactly as stated and adds a typed reading: a numeric
``value`` (always a positive magnitude), ``value_to`` for stated changes, a ``qualifier``, the date with
its precision, a ``kind`` that says whether money is new, saved, cut or overspent, and for workforce
claims the ``basis`` (a council's own measure is never DfE's ``caseload_fte``).

Plain figures ("6.2", "almost 40", "2.7 (overspend)") are parsed by one strict pattern; every other
text that holds a number was read by a person, and those readings, the certainty texts, the dates no
pattern reads and the press names are in ``registry/announcements.toml`` (read by
:mod:`cscbench.ingest.curation`). Anything else with a digit in it stops the build, so a new row is
never misparsed silently. The ``context`` column is text
written for the raw file and is not carried into the resource.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.areas import match_names
from cscbench.ingest.common import (
    MENTION_COLUMNS,
    RawInputError,
    conform,
    read_raw_csv,
    resource_columns,
)
from cscbench.ingest.curation import ANNOUNCEMENTS_FILE, Announcements, default_curation
from cscbench.ingest.registry import RegistryError, Source, default_registry
from cscbench.package import labels

READER = "local_reports"


def source() -> Source:
    """This file's entry in the sources registry (its id and path are declared there only)."""
    return default_registry().only(READER)


def file_name() -> str:
    return str(source().raw_path)


RAW_COLUMNS = ["council", "date", "kind", "value", "unit", "context", "source_url", "certainty"]

# The vocabularies are the announcements schema's categories; a qualifier hedges ``value``, its
# "to ..." forms hedge ``value_to`` (e.g. "85 -> ~103").
KINDS = labels.values("announcements", "kind")
DATE_PRECISIONS = labels.values("announcements", "date_precision")
QUALIFIERS = labels.values("announcements", "qualifier")
BASES = labels.values("announcements", "basis")
CERTAINTIES = labels.values("announcements", "certainty")
# Kinds whose figures could be mistaken for DfE workforce or looked-after statistics.
BASIS_KINDS = ("caseload", "agency", "workforce", "looked_after")

ANNOUNCEMENT_COLUMNS = resource_columns("announcements")


def curation() -> Announcements:
    """The readings in ``registry/announcements.toml``, their words checked."""
    return checked_words(
        default_curation().announcements, default_registry().directory / ANNOUNCEMENTS_FILE
    )


def checked_words(found: Announcements, where: Path) -> Announcements:
    """``found``, its kinds, qualifiers, bases, precisions and certainties checked against this
    resource's vocabularies, so a typo names its entry rather than failing later as a row."""
    problems = [
        f"[[reading]] ({r.council}, {r.date_as_stated!r}, {r.value_as_stated!r}): {key} {word!r} "
        f"is not one of {list(allowed)}"
        for r in found.readings
        for key, word, allowed in (
            ("kind", r.kind, KINDS),
            ("qualifier", r.qualifier, QUALIFIERS),
            ("basis", r.basis, BASES),
        )
        if word is not None and word not in allowed
    ]
    problems += [
        f"[[date]] {d.stated!r}: precision {d.precision!r} is not one of {list(DATE_PRECISIONS)}"
        for d in found.dates
        if d.precision not in DATE_PRECISIONS
    ]
    problems += [
        f"[certainty] {text!r}: {word!r} is not one of {list(CERTAINTIES)}"
        for text, word in found.certainty.items()
        if word not in CERTAINTIES
    ]
    if problems:
        raise RegistryError(f"{where}: " + "; ".join(problems))
    return found


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
        for name, code in sorted(curation().press_names.items())
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
        [{"date_as_stated": d.stated, "_d": d.date, "_p": d.precision} for d in curation().dates],
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
            f"add them as [[date]] entries to registry/{ANNOUNCEMENTS_FILE}"
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
            "council": r.council,
            "date_as_stated": r.date_as_stated,
            "value_as_stated": r.value_as_stated,
            "_read": True,
            "_reads_value": r.reads_value,
            "_kind": r.kind,
            "_value": r.value,
            "_value_to": r.value_to,
            "_qualifier": r.qualifier,
            "_unit": r.unit,
            "_basis": r.basis,
        }
        for r in curation().readings
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
    """Replace parsed fields with the registry's readings; settle kind, unit and basis."""
    keys = ["council", "date_as_stated", "value_as_stated"]
    readings = _readings_frame()
    unused = readings.join(df, on=keys, how="anti")
    if unused.height:
        raise RawInputError(
            f"{file_name()}: [[reading]] entries of registry/{ANNOUNCEMENTS_FILE} match no row "
            "(raw file changed? re-read the rows, then fix or remove the entries): "
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
    certainty = curation().certainty
    unknown = sorted(set(raw["certainty"]) - set(certainty))
    if unknown:
        raise RawInputError(
            f"{file_name()}: certainty texts not yet read (add them to [certainty] in "
            f"registry/{ANNOUNCEMENTS_FILE}): {unknown}"
        )
    df = _apply_readings(_parse_plain_values(_parse_dates(raw)))
    _check(df)
    df = df.with_columns(
        match_names(df["council"], areas, f"{file_name()} council names", on_dates=df["date"]),
        pl.format("ann_{}", pl.col("row").cast(pl.String).str.pad_start(3, "0")).alias(
            "announcement_id"
        ),
        pl.col("certainty").replace_strict(certainty).alias("certainty"),
        pl.col("certainty").alias("certainty_note"),
        pl.lit(source().source_id).alias("source_id"),
    )
    return conform(df, ANNOUNCEMENT_COLUMNS).sort("announcement_id")
