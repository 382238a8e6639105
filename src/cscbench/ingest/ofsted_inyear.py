"""Ofsted's in-year activity: focused and monitoring visits as ``inspections`` rows, and cross-checks.

Each of Ofsted's yearly files has an in-year sheet: the 2023 "Children's social care data" file for
2022-23, the "Local authority inspection outcomes" files for 2023-24 and 2024-25. It lists the year's
ILACS inspections (graded) and its focused and monitoring visits (not graded, each with a theme).

* Visits become rows of ``inspections`` with their own ``inspection_type`` (focused_visit,
  monitoring_visit), judgement ``visit``, no grade, ``grade_status`` not_graded_visit and their
  ``theme``. They are carried out under the ILACS framework, so they carry ILACS (ILACS_2026 for
  fieldwork from April 2026) and the framework and date rules hold for them too. Every sheet's
  visits are rows, keyed by the visit date (``inspection_date``): the 2022-23 and 2023-24 sheets
  name councils only (resolved through the areas name lookup on the visit date; an unmatched name
  stops the build) and give no publication date, so theirs stays empty, never invented.
* The graded inspections on every in-year sheet, and the 2024 file's ILACS history, must agree with
  the ILACS grades already held (from the 2025 official history): a disagreement stops the build.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import fastexcel
import polars as pl

from cscbench.core.domain import GRADE_WORDING, REFORM_DATE
from cscbench.ingest.areas import match_names
from cscbench.ingest.common import RawInputError
from cscbench.ingest.curation import KnownDifference, default_curation
from cscbench.ingest.registry import Registry, Source

IN_YEAR_SHEET = re.compile(r"in.year", re.IGNORECASE)
NOT_IN_YEAR = re.compile(r"time.series|provider", re.IGNORECASE)
HISTORY_SHEET_2024 = "ILACS_inspections_2018-2024"
VISIT_TYPES = {"ILACS Focused Visit": "focused_visit", "LA Monitoring visit": "monitoring_visit"}
GRADED_TYPES = {"ILACS Standard Inspection": "standard", "ILACS Short Inspection": "short"}
NAME, CODE, REGION = "Local authority name", "Local authority area code", "Region"
DATE, PUBLISHED, KIND, THEME = (
    "Inspection/Visit date",
    "Publication date",
    "Inspection/Visit type",
    "Visit Theme",
)
# Judgement headers as the sheets word them, after dropping a leading "the" and the case. The
# combined pre-2023 judgement and the later children-in-care one compare under one key.
JUDGEMENT_HEADERS = {
    "overall effectiveness": "overall_effectiveness",
    "impact of leaders": "impact_of_leaders",
    "impact of leaders on social work practice with children and families": "impact_of_leaders",
    "experiences and progress of children who need help and protection": "help_and_protection",
    "experiences and progress of children in care": "children_in_care",
    "experiences and progress of children in care and care leavers": "children_in_care",
    "experiences and progress of care leavers": "care_leavers",
}
HELD_KEYS = {"children_in_care_and_care_leavers": "children_in_care"}
VISIT = "visit"
NOT_GRADED = "not_graded_visit"


def _header_key(text: object) -> str:
    words = " ".join(str(text).split()).lower() if text is not None else ""
    return words.removeprefix("the ")


def _iso(col: str) -> pl.Expr:
    """ODS dates read as text ('2025-03-26T00:00:00'); parse strictly so a bad cell fails."""
    return pl.col(col).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d")


def _grid(path: Path, sheet_test: re.Pattern[str] | str) -> tuple[pl.DataFrame, str]:
    """The one sheet whose name matches, as a text grid with no header."""
    if not path.exists():
        raise RawInputError(f"{path}: raw file not found")
    sheets = fastexcel.read_excel(path).sheet_names
    if isinstance(sheet_test, str):
        chosen = [s for s in sheets if s == sheet_test]
    else:
        chosen = [s for s in sheets if sheet_test.search(s) and not NOT_IN_YEAR.search(s)]
    if len(chosen) != 1:
        raise RawInputError(
            f"{path.name}: expected one {'in-year' if not isinstance(sheet_test, str) else sheet_test!r} "
            f"sheet, found {chosen} (sheets: {sheets}); the publisher layout may have changed"
        )
    grid = pl.read_excel(
        path, sheet_name=chosen[0], engine="calamine", has_header=False, infer_schema_length=0
    )
    return grid, chosen[0]


def _tables(grid: pl.DataFrame, where: str) -> list[pl.DataFrame]:
    """Every table of a sheet: a header row starting 'Web link', rows until the first blank name."""
    first = grid.columns[0]
    starts = grid.with_row_index().filter(pl.col(first).str.strip_chars() == "Web link")["index"]
    if starts.is_empty():
        raise RawInputError(f"{where}: no header row starting 'Web link'")
    tables = []
    for start in starts.to_list():
        names = [" ".join(str(v).split()) if v is not None else "" for v in grid.row(start)]
        body = grid.slice(start + 1).rename(
            {old: new or old for old, new in zip(grid.columns, names, strict=True)}
        )
        if NAME not in body.columns:
            raise RawInputError(f"{where}: no column {NAME!r} in the header row {names}")
        blank = body[NAME].is_null()
        end = int(blank.arg_true()[0]) if blank.any() else body.height
        tables.append(body.slice(0, end).select([n for n in names if n]))
    return tables


def _judgement_columns(columns: list[str], prefix: str, where: str) -> dict[str, str]:
    """Column -> judgement key for the judgement columns after ``prefix`` (in-year: none)."""
    found = {
        c: JUDGEMENT_HEADERS[_header_key(c[len(prefix) :])]
        for c in columns
        if c.startswith(prefix) and _header_key(c[len(prefix) :]) in JUDGEMENT_HEADERS
    }
    if "overall_effectiveness" not in found.values():
        raise RawInputError(f"{where}: no overall effectiveness column among {columns}")
    return found


def read_in_year(path: Path, source_id: str) -> pl.DataFrame:
    """The in-year sheet, one row per inspection or visit, judgements still wide.

    Columns: name, area_code (null where the sheet has no codes), visit_date, publication_date
    (null where the sheet has none), kind (as published), theme, one column per judgement key.
    """
    grid, sheet = _grid(path, IN_YEAR_SHEET)
    where = f"{path.name}, sheet {sheet!r}"
    (table,) = _tables(grid, where)
    missing = [c for c in (DATE, KIND, THEME) if c not in table.columns]
    if missing:
        raise RawInputError(f"{where}: expected column(s) {missing} not found in {table.columns}")
    judgements = _judgement_columns(table.columns, "", where)
    frame = table.select(
        pl.col(NAME).str.strip_chars().alias("name"),
        (
            pl.col(CODE).str.strip_chars() if CODE in table.columns else pl.lit(None, pl.String)
        ).alias("area_code"),
        _iso(DATE).alias("visit_date"),
        (_iso(PUBLISHED) if PUBLISHED in table.columns else pl.lit(None, pl.Date)).alias(
            "publication_date"
        ),
        pl.col(KIND).str.strip_chars().alias("kind"),
        pl.col(THEME).str.strip_chars().alias("theme"),
        *(pl.col(c).str.strip_chars().alias(k) for c, k in judgements.items()),
        pl.lit(source_id).alias("source_id"),
    )
    _check_in_year(frame, where, list(judgements.values()))
    return frame


def _check_in_year(frame: pl.DataFrame, where: str, judgements: list[str]) -> None:
    """Known types; a visit has a theme and no grade; an inspection has grades and no theme."""
    unknown = set(frame["kind"].drop_nulls().to_list()) - set(VISIT_TYPES) - set(GRADED_TYPES)
    if unknown or frame["kind"].null_count() or frame["visit_date"].null_count():
        raise RawInputError(
            f"{where}: column {KIND!r} has {sorted(unknown)} or an empty type or date; expected "
            f"one of {[*VISIT_TYPES, *GRADED_TYPES]}"
        )
    visit = pl.col("kind").is_in(list(VISIT_TYPES))
    graded = pl.any_horizontal(pl.col(judgements).is_not_null())
    wrong = frame.filter(
        (visit & (pl.col("theme").is_null() | graded))
        | (~visit & (pl.col("theme").is_not_null() | pl.col("overall_effectiveness").is_null()))
    )
    if wrong.height:
        raise RawInputError(
            f"{where}: visits must have a theme and no grade, inspections grades and no theme: "
            f"{wrong.select('name', 'visit_date', 'kind', 'theme').head(5).to_dicts()}"
        )
    if frame["area_code"].null_count() not in (0, frame.height):
        raise RawInputError(f"{where}: some rows have no {CODE!r}")
    if frame["publication_date"].null_count() not in (0, frame.height):
        raise RawInputError(f"{where}: some rows have no {PUBLISHED!r}")


def visit_rows(in_year: pl.DataFrame) -> pl.DataFrame:
    """The visits of a sheet (codes given or resolved from names) as inspections rows; the
    publication date is the sheet's, empty where it gives none."""
    visits = in_year.filter(pl.col("kind").is_in(list(VISIT_TYPES)))
    if visits["area_code"].null_count():
        raise RawInputError(f"in-year visits without a council code: {visits.head(3).to_dicts()}")
    late = visits.filter(pl.col("publication_date") < pl.col("visit_date"))
    if late.height:
        raise RawInputError(f"in-year visits published before their visit date: {late.to_dicts()}")
    framework = pl.when(pl.col("visit_date") >= REFORM_DATE).then(pl.lit("ILACS_2026"))
    return visits.select(
        "area_code",
        framework.otherwise(pl.lit("ILACS")).alias("framework"),
        pl.col("kind").replace_strict(VISIT_TYPES).alias("inspection_type"),
        pl.col("visit_date").alias("fieldwork_start"),
        pl.lit(None, pl.Date).alias("fieldwork_end"),
        "publication_date",
        pl.col("visit_date").alias("inspection_date"),
        pl.lit(VISIT).alias("judgement"),
        pl.lit(None, pl.String).alias("grade"),
        pl.lit(NOT_GRADED).alias("grade_status"),
        pl.lit(None, pl.String).alias("report_url"),
        "source_id",
        "theme",
    )


# ---------------------------------------------------------------------------- cross-checks


def _series(frame: pl.DataFrame, areas: pl.DataFrame, context: str, on: str) -> pl.DataFrame:
    """Attach ``series`` to rows coded by the sheet, or by name on the date ``on`` where it has none."""
    if frame["area_code"].null_count():
        frame = frame.drop("area_code").with_columns(
            match_names(frame["name"], areas, context, on_dates=frame[on])
        )
    series = areas.select("area_code", pl.coalesce("series_code", "area_code").alias("series"))
    return frame.join(series, on="area_code", how="left")


def _held(inspections: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """The graded ILACS judgements already held, keyed for comparison."""
    series = areas.select("area_code", pl.coalesce("series_code", "area_code").alias("series"))
    return (
        inspections.filter(
            pl.col("framework").str.starts_with("ILACS"), pl.col("grade").is_not_null()
        )
        .join(series, on="area_code", how="left")
        .select(
            "series",
            "fieldwork_start",
            "publication_date",
            "inspection_type",
            pl.col("judgement").replace(HELD_KEYS).alias("key"),
            pl.col("grade_on_framework_scale").alias("held"),
        )
    )


KEY_COLUMNS = ("fieldwork_start", "publication_date", "inspection_type")


def _known(file: str, columns: bool) -> list[KnownDifference]:
    """The reviewed differences of ``file``: in a key column, or (``columns`` False) in grades."""
    known = default_curation().differences  # registry/ofsted_differences.toml
    return [k for k in known if k.file == file and (k.key in KEY_COLUMNS) == columns]


def _literal(column: str, text: str) -> pl.Expr:
    return pl.lit(dt.date.fromisoformat(text) if column.endswith(("_start", "_date")) else text)


def _correct_keys(checked: pl.DataFrame, file: str) -> pl.DataFrame:
    """Apply the reviewed key differences of ``file`` (each must still be there) before matching."""
    for k in _known(file, columns=True):
        if k.key not in checked.columns:
            continue
        hit = (pl.col("series") == k.series) & (pl.col(k.key) == _literal(k.key, k.published))
        if not checked.select(hit.any()).item():
            raise RawInputError(f"{file}: known difference no longer found, remove it: {k}")
        checked = checked.with_columns(
            pl.when(hit).then(_literal(k.key, k.held)).otherwise(pl.col(k.key)).alias(k.key)
        )
    return checked


def _drop_known_grades(differ: pl.DataFrame, file: str) -> pl.DataFrame:
    """Grade differences not reviewed; each reviewed one must still be among them."""
    for k in _known(file, columns=False):
        hit = (
            (pl.col("series") == k.series)
            & (pl.col("key") == k.key)
            & (pl.col("canonical") == k.published)
            & (pl.col("held") == k.held)
        )
        if not differ.select(hit.any()).item():
            raise RawInputError(f"{file}: known difference no longer found, remove it: {k}")
        differ = differ.filter(~hit)
    return differ


def _compare(
    checked: pl.DataFrame, held: pl.DataFrame, on: list[str], where: str, file: str
) -> None:
    """Every checked grade must be held, with the same grade; otherwise stop with examples."""
    joined = checked.join(held, on=[*on, "key"], how="left").with_columns(
        pl.col("grade")
        .str.to_lowercase()
        .replace_strict(GRADE_WORDING, default=None)
        .alias("canonical")
    )
    absent = joined.filter(pl.col("held").is_null())
    differ = joined.filter(pl.col("held").is_not_null() & (pl.col("held") != pl.col("canonical")))
    differ = _drop_known_grades(differ, file)
    if absent.height or differ.height:
        show = ["name", *on, "key", "grade", "held"]
        raise RawInputError(
            f"{where} disagrees with the ILACS grades held (official 2025 history and scrape): "
            f"not held {absent.select(show).head(5).to_dicts()}; different grade "
            f"{differ.select(show).head(5).to_dicts()}"
        )


def check_in_year_grades(
    in_year: pl.DataFrame, inspections: pl.DataFrame, areas: pl.DataFrame, where: str
) -> None:
    """The sheet's graded inspections (``series`` attached) agree with the held ones: same council
    and fieldwork start."""
    graded = in_year.filter(pl.col("kind").is_in(list(GRADED_TYPES)))
    keys = sorted(k for k in set(JUDGEMENT_HEADERS.values()) if k in graded.columns)
    long = (
        graded.unpivot(
            index=["name", "series", "visit_date"], on=keys, variable_name="key", value_name="grade"
        )
        .filter(pl.col("grade").is_not_null())
        .rename({"visit_date": "fieldwork_start"})
    )
    file = where.split(" ")[0]
    long = _correct_keys(long, file)
    _compare(long, _held(inspections, areas), ["series", "fieldwork_start"], where, file)


def read_history_2024(path: Path) -> pl.DataFrame:
    """The 2024 file's ILACS history (two wide tables, names only), one row per judgement."""
    grid, sheet = _grid(path, HISTORY_SHEET_2024)
    where = f"{path.name}, sheet {sheet!r}"
    parts = []
    for table in _tables(grid, where):
        prefixes = [
            c.removesuffix(" publication date")
            for c in table.columns
            if c.endswith(" publication date")
        ]
        if not prefixes:
            raise RawInputError(f"{where}: no '... publication date' column in {table.columns}")
        for prefix in prefixes:
            judgements = _judgement_columns(table.columns, prefix + " ", where)
            block = table.filter(pl.col(f"{prefix} publication date").is_not_null()).select(
                pl.col(NAME).str.strip_chars().alias("name"),
                _iso(f"{prefix} publication date").alias("publication_date"),
                pl.col(f"{prefix} inspection type").str.strip_chars().alias("kind"),
                *(pl.col(c).str.strip_chars().alias(k) for c, k in judgements.items()),
            )
            parts.append(
                block.unpivot(
                    index=["name", "publication_date", "kind"],
                    variable_name="key",
                    value_name="grade",
                ).filter(pl.col("grade").is_not_null())
            )
    long = pl.concat(parts)
    unknown = set(long["kind"].to_list()) - set(GRADED_TYPES)
    if unknown:
        raise RawInputError(f"{where}: unknown inspection type(s) {sorted(unknown)}")
    return long.with_columns(
        pl.col("kind").replace_strict(GRADED_TYPES).alias("inspection_type"),
        pl.lit(None, pl.String).alias("area_code"),
    )


def check_history_2024(path: Path, inspections: pl.DataFrame, areas: pl.DataFrame) -> None:
    """The 2024 file's ILACS grades agree with those held (same council and publication date)."""
    long = read_history_2024(path)
    keys = long.select("name", "publication_date").unique().sort("name", "publication_date")
    coded = _series(
        keys.with_columns(pl.lit(None, pl.String).alias("area_code")),
        areas,
        path.name,
        "publication_date",
    )
    checked = long.drop("area_code").join(coded, on=["name", "publication_date"], how="left")
    checked = _correct_keys(checked, path.name)
    _compare(
        checked,
        _held(inspections, areas),
        ["series", "publication_date", "inspection_type"],
        f"{path.name} sheet {HISTORY_SHEET_2024!r}",
        path.name,
    )


def in_year_sources(registry: Registry) -> tuple[Source, ...]:
    """Every registered Ofsted file with an in-year sheet."""
    readers = ("ofsted_outcomes", "ofsted_outcomes_2024", "ofsted_csc_data")
    return tuple(s for r in readers for s in registry.by_reader(r))


def visits_and_checks(
    raw_dir: Path, inspections: pl.DataFrame, areas: pl.DataFrame, registry: Registry
) -> pl.DataFrame:
    """Check every in-year sheet and the 2024 history against ``inspections``; return visit rows."""
    rows = []
    for source in in_year_sources(registry):
        path = raw_dir / str(source.raw_path)
        where = f"{path.name} in-year sheet"
        in_year = _series(read_in_year(path, source.source_id), areas, where, "visit_date")
        unknown = in_year.filter(pl.col("series").is_null())["area_code"].unique().to_list()
        if unknown:
            raise RawInputError(f"{where}: codes not in areas: {sorted(unknown)}")
        check_in_year_grades(in_year, inspections, areas, where)
        rows.append(visit_rows(in_year))
    for source in registry.by_reader("ofsted_outcomes_2024"):
        check_history_2024(raw_dir / str(source.raw_path), inspections, areas)
    return pl.concat(rows)
