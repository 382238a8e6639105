"""MHCLG revenue outturn: children's social care (CSC) spending by council, in GBP thousand.

One workbook per financial year and form, each a ``sources.toml`` entry: RO3 (social care and public
health, reader ``revenue_outturn``) carries every CSC line; RSX (revenue summary, reader
``revenue_summary``) repeats RO3's CSC total. Which figures are taken is the indicator registry's
list of RO3 variable codes (``RO3-csctot-net-cur-exp`` -> ``ro3_csctot_net_cur_exp``): every CSC line
(eight services, children looked after with four "of which" breakdowns, the CSC total and the
Supporting People spending "included within total children social care", each in seven columns
C1 ... C7) plus the agency-staff memorandum item.

Columns are found by the publisher's hidden row of variable codes, never by position: the 2024-25
workbook keeps it below the data, older ones above the header with the line names on a row of their
own. A registered code missing from a workbook, or a CSC code the registry does not know, stops the
build, and each column's header must name the RO column its code ends in (C1 ... C7), so a code row
that no longer lines up with the figures is caught.

RSX adds nothing CSC-specific: its "Children Social Care" block is RO3's total line, cell for cell,
which ingest checks for every year (if the publisher ever makes them differ, RSX holds a figure RO3
does not and the build stops until a maintainer ingests it).

Rows kept: England and councils with CSC duties, decided by the file's ``Class`` column (SC county
councils, MD metropolitan districts, UA unitaries incl. the Isles of Scilly, LB London boroughs incl.
the City of London). Shire districts (SD) and the ``O`` bodies (GLA, police, fire, national parks,
waste, combined authorities) are dropped, as is the second table of class totals below England. The
files have no region column, so mentions carry no region. Codes are kept as published (2024-25 lists
Barnsley and Sheffield under their pre-2024 codes); ``areas`` links them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from cscbench.core.domain import ENGLAND
from cscbench.ingest.common import (
    MENTION_COLUMNS,
    Contribution,
    RawInputError,
    conform,
    melt_published,
    sorted_observations,
)
from cscbench.ingest.registry import Indicator, Registry, Source

NOTES_SHEET = "Notes"
OUTTURN, SUMMARY = "revenue_outturn", "revenue_summary"
PREFIXES = {OUTTURN: "RO3", SUMMARY: "RSX"}

# Header labels of the columns that identify a row; found by text, not position.
CODE, NAME, CLASS = "ONS Code", "Local authority", "Class"

# Council classes with CSC duties, and the GSS prefix each must carry (a check that the class column
# and the code column still line up).
CSC_CLASSES = {"SC": "E10", "MD": "E08", "UA": "E06", "LB": "E09"}
ENGLAND_CLASS = "Eng"
# Classes with no CSC duties: shire districts, and "O" (GLA, police, fire, parks, waste, combined).
OTHER_CLASSES = frozenset({"SD", "O"})

NOTE_REFERENCE = r"^\[note \d+\]$"
# A header or line name that names children's social care ("TOTAL CHILDREN SOCIAL CARE").
CSC_LABEL = re.compile(r"\bchildren'?s? social care\b", re.IGNORECASE)
CSC_CODE = re.compile(r"-csc")  # RO3-cscsr-empl, RO3-phsup-anc-exp-csc-empl, RSX-csc-empl
# The RO column each variable code ends in, as its header names it; the memo item has none.
MEASURE_COLUMNS = {
    "-empl": "(C1",
    "-run-exp": "(C2",
    "-tot-exp": "(C3",
    "-sfc": "(C4",
    "-oth-inc": "(C5",
    "-tot-inc": "(C6",
    "-net-cur-exp": "(C7",
}
MEMO = ("svmem", "memorandum")  # (code part, header word) of the agency-staff memorandum item


@dataclass(frozen=True)
class Workbook:
    """One revenue outturn file: where it is, its year and the prefix of its variable codes."""

    path: Path
    prefix: str  # "RO3" or "RSX"
    period: str  # "2024-25"
    source_id: str

    @property
    def sheets(self) -> tuple[str, ...]:
        """The by-council sheet's name as MHCLG spells it (2024-25: RO3_LA_Data_202425)."""
        stem = f"{self.prefix}_LA_Data_"
        return (stem + self.period, stem + self.period.replace("-", ""))

    @property
    def period_end(self) -> dt.date:
        return dt.date(int(self.period[:4]) + 1, 3, 31)


def workbook(path: Path, source: Source) -> Workbook:
    """The workbook a registry entry names; its periods must be one financial year."""
    periods = source.periods
    if periods is None or periods[0] != periods[1] or not re.match(r"^\d{4}-\d{2}$", periods[0]):
        raise RawInputError(
            f"registry source {source.source_id}: a revenue outturn file covers one financial "
            f"year; periods should be e.g. ['2024-25', '2024-25'], got {periods}"
        )
    prefix = PREFIXES[str(source.reader)]
    return Workbook(path, prefix, periods[0], source.source_id)


@dataclass(frozen=True)
class Table:
    """The kept rows of one workbook, CSC columns only, keyed by the publisher's variable code."""

    rows: pl.DataFrame  # area_code, name, class, then one text column per variable code
    codes: tuple[str, ...]  # the variable codes read, in publisher order


def _problem(book: Workbook, sheet: str, what: str) -> RawInputError:
    return RawInputError(
        f"{book.path.name}, sheet {sheet!r}: {what}; the publisher layout may have changed"
    )


@dataclass(frozen=True)
class Sheet:
    """One sheet read as text, with the open workbook (a second read of it costs nothing more)."""

    text: pl.DataFrame
    name: str
    reader: fastexcel.ExcelReader


def _read_sheet(path: Path, sheets: tuple[str, ...]) -> Sheet:
    """The first of ``sheets`` present, as text (symbols survive); fails clearly on none."""
    if not path.exists():
        raise RawInputError(f"{path}: raw file not found")
    reader = fastexcel.read_excel(path)
    sheet = next((s for s in sheets if s in reader.sheet_names), None)
    if sheet is None:
        raise RawInputError(
            f"{path.name}: expected sheet {' or '.join(map(repr, sheets))} not found (sheets: "
            f"{reader.sheet_names}); the sheet may have been renamed"
        )
    text = reader.load_sheet_by_name(sheet, header_row=None, dtypes="string").to_polars()
    return Sheet(text, sheet, reader)


def _exact_numbers(sheet: Sheet, columns: list[int]) -> pl.DataFrame:
    """``text`` with the numbers of ``columns`` written as their shortest exact text.

    The text read keeps only nine decimals, and MHCLG's England estimates carry more
    (40292.594359809213 would lose its last digits), which would round a published figure; a
    numeric read of just those columns gives every digit (symbols read as empty there).
    """
    text = sheet.text
    numbers = sheet.reader.load_sheet_by_name(
        sheet.name, header_row=None, dtypes="float", use_columns=columns
    ).to_polars()
    exact = {
        text.columns[i]: pl.when(n.is_not_null()).then(n.cast(pl.String)).otherwise(text[:, i])
        for i, n in zip(columns, numbers.iter_columns(), strict=True)
    }
    return text.with_columns(expr.alias(name) for name, expr in exact.items())


def _rows_where(df: pl.DataFrame, *conditions: pl.Expr) -> list[int]:
    """Indices of rows in which, for every condition, some cell satisfies it."""
    return (
        df.with_row_index("_row").filter(pl.all_horizontal(conditions)).get_column("_row").to_list()
    )


def _any_cell(df: pl.DataFrame, test: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    return pl.any_horizontal([test(pl.col(c).str.strip_chars()) for c in df.columns])


def _layout(df: pl.DataFrame, book: Workbook, sheet: str) -> tuple[int, int, int]:
    """Header row, end of the by-council table, and the (hidden) variable-code row."""
    headers = _rows_where(df, *(_any_cell(df, lambda c, t=t: c == t) for t in (CODE, NAME, CLASS)))
    if not headers:
        raise _problem(book, sheet, f"no header row with {CODE!r}, {NAME!r} and {CLASS!r}")
    codes = _rows_where(df, _any_cell(df, lambda c: c.str.starts_with(f"{book.prefix}-")))
    if len(codes) != 1:
        raise _problem(
            book,
            sheet,
            f"expected one (hidden) row of {book.prefix}- variable codes, found {len(codes)}",
        )
    header, code_row = headers[0], codes[0]
    # The class-totals table below England has a header of its own (2024-25 repeats "Local
    # authority", older workbooks say "Class Breakdown"); in 2024-25 the code row closes the sheet,
    # in older workbooks it sits above the header.
    tables = _rows_where(df, *(_any_cell(df, lambda c, t=t: c == t) for t in (CODE, CLASS)))
    end = min([r for r in [*tables, code_row] if r > header], default=df.height)
    return header, end, code_row


def _column(header: tuple[object, ...], label: str, book: Workbook, sheet: str) -> int:
    cells = [str(c).strip() if c is not None else None for c in header]
    if label not in cells:
        raise _problem(book, sheet, f"no column headed {label!r} in the header row")
    return cells.index(label)


def _names_its_column(code: str, header: str) -> bool:
    """Whether a column's header names the RO column its variable code ends in."""
    if MEMO[0] in code:
        return MEMO[1] in header.lower()
    marker = next((m for end, m in MEASURE_COLUMNS.items() if code.endswith(end)), None)
    return marker is not None and marker in header


def _line_names(df: pl.DataFrame, header_row: int, code_row: int) -> list[str]:
    """Per column, the line names older workbooks put on rows between the code row and the
    header (one cell per line, spanning its seven columns), carried right and joined. 2024-25
    puts the line name in each header cell instead, so this is empty there."""
    block = df.slice(code_row + 1, max(0, header_row - code_row - 1))
    if block.height == 0:
        return [""] * df.width
    filled = block.transpose().select(pl.all().forward_fill())
    joined = filled.select(pl.concat_str(pl.all(), separator=" ", ignore_nulls=True))
    return joined.to_series().fill_null("").to_list()


def _coded_columns(
    header: tuple[object, ...],
    codes: tuple[object, ...],
    lines: list[str],
    wanted: tuple[str, ...],
    book: Workbook,
    sheet: str,
) -> dict[str, int]:
    """Variable code -> column index for the wanted codes, checked against the header row.

    Each column's header (with the line name above it, in older workbooks) must name children's
    social care and the RO column its code ends in: a code row that slid sideways fails here.
    """
    variables = [str(c).strip() if c is not None else "" for c in codes]
    labels = [" ".join(str(c).split()) if c is not None else "" for c in header]
    repeated = sorted({v for v in variables if v and variables.count(v) > 1})
    missing = [w for w in wanted if w not in variables]
    unknown = [v for v in variables if CSC_CODE.search(v) and v not in wanted]
    if repeated or missing or unknown:
        raise _problem(
            book,
            sheet,
            f"children's social care variable codes differ from the registry (missing: {missing}; "
            f"not in registry/indicators.toml: {unknown}; repeated: {repeated})",
        )
    found = {w: variables.index(w) for w in wanted}
    astray = [
        f"{w} under {labels[i]!r}"
        for w, i in found.items()
        if not (_names_its_column(w, labels[i]) and CSC_LABEL.search(f"{lines[i]} {labels[i]}"))
    ]
    if astray:
        raise _problem(
            book,
            sheet,
            f"children's social care columns and variable codes do not line up ({len(astray)} "
            f"column(s), e.g. {astray[:3]})",
        )
    return found


def _check_rows(rows: pl.DataFrame, book: Workbook, sheet: str) -> None:
    """Fail on a class the ingest does not know, or a kept row whose GSS code is missing, repeated
    or disagrees with its class (the class and code columns no longer line up)."""
    known = {*CSC_CLASSES, ENGLAND_CLASS, *OTHER_CLASSES}
    unknown = sorted(set(rows.get_column("class").drop_nulls()) - known)
    if unknown:
        raise _problem(book, sheet, f"unknown council class(es) {unknown} (known: {sorted(known)})")
    expected = pl.col("class").replace_strict({**CSC_CLASSES, ENGLAND_CLASS: ENGLAND}, default=None)
    code_ok = pl.col("area_code").str.contains(r"^E\d{8}$") & pl.col("area_code").str.starts_with(
        expected
    )
    kept = rows.filter(expected.is_not_null())
    wrong = kept.filter(~code_ok.fill_null(False))
    if wrong.height:
        raise _problem(
            book, sheet, f"class and GSS code disagree: {wrong.select('area_code', 'class').rows()}"
        )
    repeated = kept.filter(pl.col("area_code").is_duplicated()).get_column("area_code")
    if repeated.len():
        raise _problem(book, sheet, f"GSS codes listed twice: {sorted(set(repeated))}")


def read_table(book: Workbook, wanted: tuple[str, ...] | None) -> Table:
    """England and the councils with CSC duties, with the wanted columns, all as published text.

    ``wanted`` are the variable codes to read; every other children's social care code in the
    workbook must be among them (a new line is a registry entry, never silently skipped). None
    reads every children's social care code the workbook has (RSX, which is only checked).
    """
    read = _read_sheet(book.path, book.sheets)
    df, sheet = read.text, read.name
    header_row, end, code_row = _layout(df, book, sheet)
    header, codes = df.row(header_row), df.row(code_row)
    if wanted is None:
        wanted = tuple(str(c).strip() for c in codes if c and CSC_CODE.search(str(c)))
    ids = {
        "area_code": _column(header, CODE, book, sheet),
        "name": _column(header, NAME, book, sheet),
        "class": _column(header, CLASS, book, sheet),
    }
    lines = _line_names(df, header_row, code_row)
    coded = _coded_columns(header, codes, lines, wanted, book, sheet)
    df = _exact_numbers(read, sorted(coded.values()))
    block = df.slice(header_row + 1, end - header_row - 1).select(
        *(pl.col(df.columns[i]).str.strip_chars().alias(name) for name, i in ids.items()),
        *(pl.col(df.columns[i]).alias(code) for code, i in coded.items()),
    )
    _check_rows(block, book, sheet)
    kept = block.filter(pl.col("class").is_in([*CSC_CLASSES, ENGLAND_CLASS]))
    return Table(rows=kept, codes=tuple(coded))


def read_notes(book: Workbook) -> dict[str, str]:
    """The Notes sheet as marker -> text, so a cell published as ``[note 4]`` can say what it means."""
    read = _read_sheet(book.path, (NOTES_SHEET,))
    df, sheet = read.text, read.name
    header = _rows_where(df, _any_cell(df, lambda c: c == "Note number"))
    if not header:
        raise _problem(book, sheet, "no header row with 'Note number'")
    cells = df.row(header[0])
    marker, text = (_column(cells, label, book, sheet) for label in ("Note number", "Note text"))
    notes = df.slice(header[0] + 1).select(
        pl.col(df.columns[marker]).str.strip_chars(), pl.col(df.columns[text]).str.strip_chars()
    )
    return dict(notes.drop_nulls().iter_rows())


def _observations(table: Table, ids: dict[str, str], book: Workbook) -> pl.DataFrame:
    long = melt_published(table.rows, ["area_code"], ids)
    is_note = pl.col("status").str.contains(NOTE_REFERENCE)
    referred = set(long.filter(is_note).get_column("status"))
    notes = read_notes(book) if referred else {}
    missing = referred - set(notes)
    if missing:
        raise RawInputError(
            f"{book.path.name}: cells refer to {sorted(missing)}, which the {NOTES_SHEET!r} sheet "
            "does not explain"
        )
    return sorted_observations(
        long.with_columns(
            pl.lit(book.period).alias("period"),
            pl.lit(book.period_end).alias("period_end"),
            pl.lit(book.source_id).alias("source_id"),
            pl.when(is_note)
            .then(pl.col("status").replace_strict(notes, default=None))
            .alias("note"),
        )
    )


def _mentions(table: Table, source_id: str) -> pl.DataFrame:
    return conform(
        table.rows.select(
            "area_code",
            "name",
            pl.when(pl.col("class") == ENGLAND_CLASS)
            .then(pl.lit("national"))
            .otherwise(pl.lit("local_authority"))
            .alias("level"),
            pl.lit(source_id).alias("source_id"),
        ).sort("area_code"),
        MENTION_COLUMNS,
    )


def _differ(left: str, right: str) -> pl.Expr:
    """Two published cells differ: symbols as text; numbers beyond float noise (RSX's England
    estimates are summed apart from RO3's and can differ in the 15th significant digit)."""
    a, b = (pl.col(c).cast(pl.Float64, strict=False) for c in (left, right))
    numbers = a.is_not_null() & b.is_not_null()
    close = (a - b).abs() <= pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0)) * 1e-12
    return pl.when(numbers).then(~close).otherwise(pl.col(left).ne_missing(pl.col(right)))


def check_summary_adds_nothing(summary: Workbook, ro3: Table) -> None:
    """RSX's CSC block must equal RO3's CSC total cell for cell; otherwise RSX adds a figure."""
    rsx = read_table(summary, None)
    pairs = {code: code.replace(f"{summary.prefix}-csc-", "RO3-csctot-") for code in rsx.codes}
    absent = sorted(set(pairs.values()) - set(ro3.codes))
    if absent:
        raise RawInputError(
            f"{summary.path.name}: CSC columns {sorted(pairs)} have no RO3 total counterpart {absent}"
        )
    joined = rsx.rows.select("area_code", *pairs).join(
        ro3.rows.select("area_code", *(pl.col(r).alias(f"ro3:{r}") for r in pairs.values())),
        on="area_code",
        how="full",
        coalesce=True,
    )
    differ = joined.filter(pl.any_horizontal(_differ(s, f"ro3:{r}") for s, r in pairs.items()))
    if differ.height:
        codes = differ.get_column("area_code").to_list()
        raise RawInputError(
            f"{summary.path.name}: children's social care figures differ from RO3's total for "
            f"{codes[:10]}; RSX now adds a CSC figure and should be ingested"
        )


def read(
    raw_dir: Path,
    source: Source,
    indicators: tuple[Indicator, ...],
    summary: Source | None = None,
) -> Contribution:
    """One year's RO3 workbook (and the check of its RSX workbook, where registered)."""
    book = workbook(raw_dir / str(source.raw_path), source)
    ids = {str(i.column): i.indicator_id for i in indicators}
    table = read_table(book, tuple(ids))
    if summary is not None:
        check_summary_adds_nothing(workbook(raw_dir / str(summary.raw_path), summary), table)
    return Contribution(
        observations=_observations(table, ids, book),
        mentions=_mentions(table, source.source_id),
    )


def ingest(raw_dir: Path, registry: Registry) -> list[Contribution]:
    """Every registered RO3 year, each checked against the RSX workbook of the same year."""
    summaries = {s.periods: s for s in registry.by_reader(SUMMARY)}
    outturns = registry.by_reader(OUTTURN)
    unpaired = sorted(set(summaries) - {s.periods for s in outturns}, key=str)
    if unpaired:
        raise RawInputError(
            f"registry: RSX workbooks for {unpaired} have no RO3 workbook of the same year"
        )
    return [
        read(raw_dir, s, registry.of_dataset(s.dataset), summaries.get(s.periods)) for s in outturns
    ]
