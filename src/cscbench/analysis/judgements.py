"""Each council's latest Ofsted judgement, as an analyst asks for it, and as Ofsted counts it.

Two traps make "the latest grade" hard to get right from ``inspections`` alone: councils changed
codes (Barnsley's and Sheffield's inspections up to 2023 are under their old codes), and since
April 2026 Ofsted gives no overall grade (fieldwork from 1 April 2026), so the latest inspection
may have none. This gives both the latest graded overall judgement and, where there is one, a newer
ungraded inspection, one row per council.

Ofsted's "as at 31 March" headline counts differently from "everything published by a date": it
takes inspections done by that date whose report was out by a later cut-off stated on each file's
cover. Those cut-offs are declared once, in ``registry/ofsted_counts.toml``; this module reads them.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cscbench.analysis.loader import load, opened
from cscbench.core.domain import OVERALL, POST_2026
from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.core.paths import package_home
from cscbench.core.series import PUBLISHED, as_text

AsAt = dt.date | str | None
COUNTS_FILE = Path("registry", "ofsted_counts.toml")
# Columns taken from the chosen inspection, prefixed graded_ or ungraded_.
INSPECTION = (
    "framework",
    "inspection_type",
    "fieldwork_start",
    "fieldwork_end",
    "publication_date",
    "report_url",
    PUBLISHED,
)
ORDER = ("publication_date", "fieldwork_start", "inspection_type", "framework", PUBLISHED)
SERIES = "__series"


@dataclass(frozen=True)
class Included:
    """A report an official file counts although it was published after the file's cut-off."""

    area_code: str
    fieldwork_start: dt.date
    reason: str


@dataclass(frozen=True)
class CountRule:
    """Ofsted's rule for one "as at" date: fieldwork by ``as_at``, published by ``published_by``."""

    as_at: dt.date
    published_by: dt.date
    source_id: str
    included: tuple[Included, ...] = ()


class CountRulesError(InvalidInputError):
    """``registry/ofsted_counts.toml`` is missing a key, has a bad date or contradicts itself."""


def _iso(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CountRulesError(f"{where}: expected an ISO date (YYYY-MM-DD), found {value!r}")


def _text(entry: dict[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CountRulesError(f"{where}: key {key!r} must be non-empty text, found {value!r}")
    return value


def count_rules(path: Path | None = None) -> dict[dt.date, CountRule]:
    """The declared "as at" dates and their cut-offs, checked (each cut-off on or after its date)."""
    path = path or package_home() / COUNTS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CountRulesError(f"{path}: cannot read Ofsted's counting rules: {exc}") from None
    rules: dict[dt.date, CountRule] = {}
    entries = data.get("count", [])
    if not isinstance(entries, list):
        raise CountRulesError(f"{path}: 'count' must be an array of tables ([[count]])")
    for n, entry in enumerate(entries, 1):
        where = f"{path.name}, count {n}"
        if not isinstance(entry, dict):
            raise CountRulesError(f"{where}: expected a table")
        unknown = set(entry) - {"as_at", "published_by", "source_id", "where", "included"}
        if unknown:
            raise CountRulesError(f"{where}: unknown key(s) {sorted(unknown)}")
        as_at = _iso(entry.get("as_at"), f"{where}, as_at")
        cut = _iso(entry.get("published_by"), f"{where}, published_by")
        if cut < as_at or as_at in rules:
            raise CountRulesError(
                f"{where}: published_by {cut} must be on or after as_at {as_at}, once per date"
            )
        _text(entry, "where", where)
        included = []
        for m, item in enumerate(entry.get("included", []), 1):
            at = f"{where}, included {m}"
            if not isinstance(item, dict):
                raise CountRulesError(f"{at}: expected a table")
            _text(item, "where", at)
            start = _iso(item.get("fieldwork_start"), f"{at}, fieldwork_start")
            if start > as_at:
                raise CountRulesError(f"{at}: fieldwork_start {start} is after as_at {as_at}")
            included.append(
                Included(_text(item, "area_code", at), start, _text(item, "reason", at))
            )
        rules[as_at] = CountRule(as_at, cut, _text(entry, "source_id", where), tuple(included))
    return rules


def latest_judgements(
    as_at: AsAt = None, package: str | Path | None = None, *, published_by: AsAt = None
) -> pl.DataFrame:
    """One row per council: its latest graded and newer ungraded overall judgement.

    Three questions, three calls:

    * ``latest_judgements()``: today's 153 councils, every inspection the package holds.
    * ``latest_judgements(as_at=D)``: as Ofsted counts "as at D". An inspection counts when its
      fieldwork started on or before D (with no fieldwork date on record, 2009-13, its
      publication on or before D) and its report was published by Ofsted's cut-off for D
      (``registry/ofsted_counts.toml``, from each official file's cover: 30 June for 31 March 2024
      and 2025, 30 April for 31 March 2023, plus the late report that file names); for a date no
      file covers, by D itself. So Dorset, inspected by 31 March 2025 and published in May, counts
      as at 31 March 2025; Wakefield's March 2025 inspection, published in July, does not.
    * ``latest_judgements(published_by=D)``: everything published on or before D, whenever its
      fieldwork was. Given with ``as_at`` it replaces the declared cut-off.

    With either date, the councils are those that existed on it (``as_at``, else
    ``published_by``), abolished ones included under their codes then (as at 31 March 2021,
    Northamptonshire and Cumbria; councils created later are absent), and each inspection counts
    for the council of its series then. Without a date, today's councils, with inspections under
    superseded codes moved onto them and abolished councils left out.

    Columns: ``area_code``, ``name``; ``grade`` (Ofsted's wording) and
    ``grade_on_framework_scale`` of the latest overall effectiveness judgement that has a grade,
    with its ``graded_framework``, ``graded_inspection_type``, ``graded_fieldwork_start``,
    ``graded_fieldwork_end``, ``graded_publication_date``, ``graded_report_url`` and
    ``graded_published_area_code`` (the code Ofsted's row is under, e.g. Barnsley's E08000016);
    then the same ``ungraded_*`` columns for an inspection under the post-April-2026 framework
    (overall judgement not graded) published after that graded one, empty when there is none.
    Rows that are not an overall effectiveness judgement (sub-judgements, focused and monitoring
    visits) never count.
    """
    with opened(package, allow_remote=False) as read_once:  # one read of the descriptor
        inspections, areas = load("inspections", read_once), load("areas", read_once)
    return latest_from(inspections, areas, as_at, published_by=published_by)


def latest_from(
    inspections: pl.DataFrame,
    areas: pl.DataFrame,
    as_at: AsAt = None,
    *,
    published_by: AsAt = None,
    rules: dict[dt.date, CountRule] | None = None,
) -> pl.DataFrame:
    """:func:`latest_judgements` on frames already loaded (tests pass hand-made ones)."""
    on, cut = _date(as_at, "as_at"), _date(published_by, "published_by")
    councils = (
        current_councils(areas) if on is None and cut is None else councils_on(areas, on or cut)
    )
    overall = overall_judgements(inspections, areas, on, cut, rules)
    overall = overall.drop("area_code").join(
        councils.select("area_code", SERIES), on=SERIES, how="inner"
    )
    graded = _latest(overall.filter(pl.col("grade").is_not_null()), "graded_", grades=True)
    ungraded = _latest(overall.filter(pl.col("grade_status") == POST_2026), "ungraded_")
    joined = (
        councils.drop(SERIES)
        .join(graded, on="area_code", how="left")
        .join(ungraded, on="area_code", how="left")
    )
    newer = pl.col("graded_publication_date").is_null() | (
        pl.col("ungraded_publication_date") > pl.col("graded_publication_date")
    )
    return joined.with_columns(
        pl.when(newer).then(pl.col(f"ungraded_{c}")).alias(f"ungraded_{c}") for c in INSPECTION
    ).sort("area_code")


def _date(value: AsAt, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise UsageError(
            f"{name}: expected a date or ISO text (YYYY-MM-DD), got {value!r}"
        ) from None


def _series(areas: pl.DataFrame) -> pl.DataFrame:
    """area_code -> the series it belongs to (its own code when it has none: abolished councils)."""
    return as_text(areas).select("area_code", pl.coalesce("series_code", "area_code").alias(SERIES))


def current_councils(areas: pl.DataFrame) -> pl.DataFrame:
    """The councils with CSC duties today (joint returns are workforce returns, not inspected)."""
    return (
        as_text(areas)
        .filter(pl.col("level") == "local_authority", pl.col("status") == "current")
        .select("area_code", "name")
        .join(_series(areas), on="area_code", how="left")
    )


def councils_on(areas: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The councils that existed on ``day``, under their codes then.

    Within a series (a council whose code changed) the code in use is the one that had not yet
    ended, so an open-ended code with no recorded start never doubles a superseded one.
    """
    started = pl.col("start_date").is_null() | (pl.col("start_date") <= day)
    not_ended = pl.col("end_date").is_null() | (pl.col("end_date") >= day)
    return (
        as_text(areas)
        .filter(pl.col("level") == "local_authority", started, not_ended)
        .join(_series(areas), on="area_code", how="left")
        .sort(SERIES, "end_date", nulls_last=True)
        .group_by(SERIES, maintain_order=True)
        .first()
        .select("area_code", "name", SERIES)
        .sort("area_code")
    )


def overall_judgements(
    inspections: pl.DataFrame,
    areas: pl.DataFrame,
    as_at: dt.date | None,
    published_by: dt.date | None = None,
    rules: dict[dt.date, CountRule] | None = None,
) -> pl.DataFrame:
    """Overall effectiveness rows that count (see :func:`latest_judgements`), with their series."""
    rows = as_text(inspections).filter(pl.col("judgement") == OVERALL)
    if as_at is not None:
        rule = (count_rules() if rules is None else rules).get(as_at)
        cut = published_by or (rule.published_by if rule else as_at)
        # 2009-13 inspections have no fieldwork dates: their report, out by then, was done by then
        done = pl.coalesce("fieldwork_start", "publication_date") <= as_at
        late = pl.lit(False)
        for item in rule.included if rule and published_by is None else ():
            late = late | (
                (pl.col("area_code") == item.area_code)
                & (pl.col("fieldwork_start") == item.fieldwork_start)
            )
        rows = rows.filter(done & ((pl.col("publication_date") <= cut) | late))
    elif published_by is not None:
        rows = rows.filter(pl.col("publication_date") <= published_by)
    return rows.with_columns(pl.col("area_code").alias(PUBLISHED)).join(
        _series(areas), on="area_code", how="left"
    )


def _latest(rows: pl.DataFrame, prefix: str, *, grades: bool = False) -> pl.DataFrame:
    """Each council's latest row, its inspection columns prefixed (and its grade, if wanted)."""
    kept = ("grade", "grade_on_framework_scale") if grades else ()
    return (
        rows.sort("area_code", *ORDER)
        .group_by("area_code", maintain_order=True)
        .last()
        .select(
            "area_code",
            *kept,
            *(pl.col(c).alias(f"{prefix}{c}") for c in INSPECTION),
        )
    )
