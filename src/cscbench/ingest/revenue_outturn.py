"""MHCLG revenue outturn 2024-25: children's social care (CSC) spending by council, in GBP thousand.

RO3 (social care and public health) carries every CSC line: eight services (Sure Start, children
looked after with four "of which" breakdowns, other children's and families services, family
support, youth justice, safeguarding, asylum seekers, services for young people), the CSC total and
the Supporting People ancillary spending "included within total children social care", each in seven
columns (employees C1 ... net current expenditure C7), plus the agency-staff memorandum item: 99.
They are found by their header text (the label names children's social care) and cross-checked
against the hidden row of publisher variable codes, which become the indicator ids
(``RO3-csctot-net-cur-exp`` -> ``ro3_csctot_net_cur_exp``).

RSX (revenue summary) adds nothing CSC-specific: its "Children Social Care" block is the same seven
figures as RO3's "TOTAL CHILDREN SOCIAL CARE" line, cell for cell. So RSX contributes no rows (its
source stays registered in ``sources.py``), and ingest checks that equality every time: if the
publisher ever makes them differ, RSX holds a figure RO3 does not and the build stops until a
maintainer ingests it.

Rows kept: England and councils with CSC duties, decided by the file's ``Class`` column (SC county
councils, MD metropolitan districts, UA unitaries incl. the Isles of Scilly, LB London boroughs incl.
the City of London). Shire districts (SD) and the ``O`` bodies (GLA, police, fire, national parks,
waste, combined authorities) are dropped, as is the second table of class totals below England. The
file has no region column, so mentions carry no region. Barnsley and Sheffield are published under
their pre-2024 codes (E08000016, E08000019); ``areas`` links them to the current ones.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from cscbench.domain import ENGLAND
from cscbench.ingest.common import (
    MENTION_COLUMNS,
    Contribution,
    RawInputError,
    conform,
    melt_published,
    sorted_observations,
)
from cscbench.ingest.indicators import indicator, indicator_frame

PERIOD = "2024-25"
PERIOD_END = dt.date(2025, 3, 31)


@dataclass(frozen=True)
class Workbook:
    """Where one revenue outturn file keeps its by-council data."""

    path: str
    sheet: str
    prefix: str  # the variable-code prefix in the hidden row, e.g. "RO3"
    source_id: str


RO3 = Workbook(
    "dfe/RO3_LA_Data_2024-25_data_by_LA.ods", "RO3_LA_Data_202425", "RO3", "mhclg_ro3_2024_25"
)
RSX = Workbook(
    "dfe/RSX_LA_Data_2024-25_data_by_LA.ods", "RSX_LA_Data_202425", "RSX", "mhclg_rsx_2024_25"
)
NOTES_SHEET = "Notes"

# Header labels of the columns that identify a row; found by text, not position.
CODE, NAME, CLASS = "ONS Code", "Local authority", "Class"

# Council classes with CSC duties, and the GSS prefix each must carry (a check that the class column
# and the code column still line up).
CSC_CLASSES = {"SC": "E10", "MD": "E08", "UA": "E06", "LB": "E09"}
ENGLAND_CLASS = "Eng"
# Classes with no CSC duties: shire districts, and "O" (GLA, police, fire, parks, waste, combined).
OTHER_CLASSES = frozenset({"SD", "O"})

# A header label names children's social care ("Children's social care", "TOTAL CHILDREN SOCIAL CARE").
CSC_LABEL = re.compile(r"\bchildren'?s? social care\b", re.IGNORECASE)
NOTE_REFERENCE = r"^\[note \d+\]$"

# The seven RO columns, by the variable code's ending.
MEASURES: dict[str, str] = {
    "empl": "employee costs (column C1)",
    "run-exp": "running expenses (column C2), i.e. spending other than on employees",
    "tot-exp": "total expenditure (column C3 = employees C1 + running expenses C2)",
    "sfc": "income from sales, fees and charges (column C4)",
    "oth-inc": "other income (column C5), i.e. income other than sales, fees and charges",
    "tot-inc": "total income (column C6 = C4 + C5)",
    "net-cur-exp": "net current expenditure (column C7 = total expenditure C3 minus total income C6)",
}
MEMO = "cscsvmem"  # the agency-staff memorandum item has no C1-C7 structure

CAVEAT = (
    "Figures are as returned by each council, unrounded (the publisher displays whole GBP thousand); "
    "negative figures occur and are kept. A council whose return was not received in time is "
    "published as [x]; the England figure is MHCLG's total, which includes its estimates for the "
    "authorities whose return was missing."
)
OF_WHICH_CAVEAT = "A breakdown ('of which') of a wider line: already counted in it, do not add."


@dataclass(frozen=True)
class Table:
    """The kept rows of one workbook, CSC columns only, keyed by the publisher's variable code."""

    rows: pl.DataFrame  # area_code, name, class, then one text column per variable code
    labels: dict[str, str]  # variable code -> header label, in publisher order


def _problem(path: Path, sheet: str, what: str) -> RawInputError:
    return RawInputError(
        f"{path.name}, sheet {sheet!r}: {what}; the publisher layout may have changed"
    )


def _read_sheet(path: Path, sheet: str) -> pl.DataFrame:
    """The whole sheet as text (symbols survive), failing clearly on a missing file or sheet."""
    if not path.exists():
        raise RawInputError(f"{path}: raw file not found")
    sheets = fastexcel.read_excel(path).sheet_names
    if sheet not in sheets:
        raise RawInputError(
            f"{path.name}: expected sheet {sheet!r} not found (sheets: {sheets}); "
            "the sheet may have been renamed"
        )
    return pl.read_excel(
        path, sheet_name=sheet, engine="calamine", has_header=False, infer_schema_length=0
    )


def _rows_where(df: pl.DataFrame, *conditions: pl.Expr) -> list[int]:
    """Indices of rows in which, for every condition, some cell satisfies it."""
    return (
        df.with_row_index("_row").filter(pl.all_horizontal(conditions)).get_column("_row").to_list()
    )


def _any_cell(df: pl.DataFrame, test: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    return pl.any_horizontal([test(pl.col(c).str.strip_chars()) for c in df.columns])


def _layout(df: pl.DataFrame, path: Path, book: Workbook) -> tuple[int, int, int]:
    """Header row, end of the by-council table, and the hidden variable-code row."""
    headers = _rows_where(df, *(_any_cell(df, lambda c, t=t: c == t) for t in (CODE, NAME, CLASS)))
    if not headers:
        raise _problem(path, book.sheet, f"no header row with {CODE!r}, {NAME!r} and {CLASS!r}")
    codes = _rows_where(df, _any_cell(df, lambda c: c.str.starts_with(f"{book.prefix}-")))
    if len(codes) != 1:
        raise _problem(
            path,
            book.sheet,
            f"expected one (hidden) row of {book.prefix}- variable codes, found {len(codes)}",
        )
    header, code_row = headers[0], codes[0]
    # The class-totals table repeats the header below England; the code row closes the sheet.
    end = min([r for r in [*headers[1:], code_row] if r > header], default=df.height)
    return header, end, code_row


def _column(header: tuple[object, ...], label: str, path: Path, sheet: str) -> int:
    cells = [str(c).strip() if c is not None else None for c in header]
    if label not in cells:
        raise _problem(path, sheet, f"no column headed {label!r} in the header row")
    return cells.index(label)


def _csc_columns(
    header: tuple[object, ...], codes: tuple[object, ...], path: Path, book: Workbook
) -> dict[int, tuple[str, str]]:
    """Column index -> (variable code, label) for every column whose label names CSC.

    Every ``<prefix>-csc`` code must sit under such a label: if not, the code row no longer lines up
    with the header and ids would be attached to the wrong figures.
    """
    labels = [" ".join(str(c).split()) if c is not None else "" for c in header]
    variables = [str(c).strip() if c is not None else "" for c in codes]
    found = {
        i: (variables[i], labels[i]) for i in range(len(labels)) if CSC_LABEL.search(labels[i])
    }
    coded = {i for i, v in enumerate(variables) if v.startswith(f"{book.prefix}-csc")}
    stray = sorted(coded - set(found))
    uncoded = [labels[i] for i in found if not variables[i].startswith(f"{book.prefix}-")]
    if not found or stray or uncoded:
        raise _problem(
            path,
            book.sheet,
            "children's social care columns and variable codes do not line up "
            f"(found {len(found)}; codes without a CSC label: {[variables[i] for i in stray]}; "
            f"CSC labels without a code: {uncoded})",
        )
    return found


def _check_rows(rows: pl.DataFrame, path: Path, sheet: str) -> None:
    """Fail on a class the ingest does not know, or a kept row whose GSS code is missing, repeated
    or disagrees with its class (the class and code columns no longer line up)."""
    known = {*CSC_CLASSES, ENGLAND_CLASS, *OTHER_CLASSES}
    unknown = sorted(set(rows.get_column("class").drop_nulls()) - known)
    if unknown:
        raise _problem(path, sheet, f"unknown council class(es) {unknown} (known: {sorted(known)})")
    expected = pl.col("class").replace_strict({**CSC_CLASSES, ENGLAND_CLASS: ENGLAND}, default=None)
    code_ok = pl.col("area_code").str.contains(r"^E\d{8}$") & pl.col("area_code").str.starts_with(
        expected
    )
    kept = rows.filter(expected.is_not_null())
    wrong = kept.filter(~code_ok.fill_null(False))
    if wrong.height:
        raise _problem(
            path, sheet, f"class and GSS code disagree: {wrong.select('area_code', 'class').rows()}"
        )
    repeated = kept.filter(pl.col("area_code").is_duplicated()).get_column("area_code")
    if repeated.len():
        raise _problem(path, sheet, f"GSS codes listed twice: {sorted(set(repeated))}")


def read_table(raw_dir: Path, book: Workbook) -> Table:
    """England and the councils with CSC duties, with every CSC column, all as published text."""
    path = raw_dir / book.path
    df = _read_sheet(path, book.sheet)
    header_row, end, code_row = _layout(df, path, book)
    header, codes = df.row(header_row), df.row(code_row)
    ids = {
        "area_code": _column(header, CODE, path, book.sheet),
        "name": _column(header, NAME, path, book.sheet),
        "class": _column(header, CLASS, path, book.sheet),
    }
    csc = _csc_columns(header, codes, path, book)
    block = df.slice(header_row + 1, end - header_row - 1).select(
        *(pl.col(df.columns[i]).str.strip_chars().alias(name) for name, i in ids.items()),
        *(pl.col(df.columns[i]).alias(code) for i, (code, _) in csc.items()),
    )
    _check_rows(block, path, book.sheet)
    kept = block.filter(pl.col("class").is_in([*CSC_CLASSES, ENGLAND_CLASS]))
    return Table(rows=kept, labels=dict(csc.values()))


def indicator_id(code: str) -> str:
    """The publisher's variable code, lower-cased, ``-`` to ``_`` (``RO3-csctot-net-cur-exp`` -> ``ro3_csctot_net_cur_exp``)."""
    return code.lower().replace("-", "_")


def _line(label: str) -> str:
    """The service a label is about: drop the trailing column name, e.g. " - Employees (C1)"."""
    without_formula = re.sub(r"\s*\([^()]*\)$", "", label)
    return without_formula.rpartition(" - ")[0] or label


def _definition(code: str, label: str) -> str:
    if f"-{MEMO}-" in code:
        what = (
            "Memorandum item: children's social care spending on agency staff, reported with "
            "running expenses (an 'of which' figure inside the CSC total, not added to it)"
        )
    else:
        measure = next((m for m in MEASURES if code.endswith(f"-{m}")), None)
        if measure is None:
            raise RawInputError(
                f"variable code {code!r} ends in no known RO column ({list(MEASURES)})"
            )
        what = f"{_line(label)}: {MEASURES[measure]}"
    return (
        f"{what}. Financial year {PERIOD}, GBP thousand, as returned on MHCLG's revenue outturn "
        f"form {code.split('-')[0]} (variable {code})."
    )


def _caveats(label: str) -> str:
    part_of = re.search(r"of which|included within|memorandum", label, re.IGNORECASE)
    return f"{CAVEAT} {OF_WHICH_CAVEAT}" if part_of else CAVEAT


def _indicators(table: Table, source_id: str) -> pl.DataFrame:
    return indicator_frame(
        [
            indicator(
                indicator_id(code),
                label,
                theme="spending",
                unit="gbp_thousand",
                decimals=0,
                polarity="neutral",
                valid=(None, None),  # negative figures occur on every kind of line
                source_id=source_id,
                definition=_definition(code, label),
                caveats=_caveats(label),
            )
            for code, label in table.labels.items()
        ]
    )


def read_notes(raw_dir: Path, book: Workbook) -> dict[str, str]:
    """The Notes sheet as marker -> text, so a cell published as ``[note 4]`` can say what it means."""
    path = raw_dir / book.path
    df = _read_sheet(path, NOTES_SHEET)
    header = _rows_where(df, _any_cell(df, lambda c: c == "Note number"))
    if not header:
        raise _problem(path, NOTES_SHEET, "no header row with 'Note number'")
    cells = df.row(header[0])
    marker, text = (
        _column(cells, label, path, NOTES_SHEET) for label in ("Note number", "Note text")
    )
    notes = df.slice(header[0] + 1).select(
        pl.col(df.columns[marker]).str.strip_chars(), pl.col(df.columns[text]).str.strip_chars()
    )
    return dict(notes.drop_nulls().iter_rows())


def _observations(table: Table, notes: dict[str, str], book: Workbook) -> pl.DataFrame:
    ids = {code: indicator_id(code) for code in table.labels}
    long = melt_published(table.rows, ["area_code"], ids)
    is_note = pl.col("status").str.contains(NOTE_REFERENCE)
    missing = set(long.filter(is_note).get_column("status")) - set(notes)
    if missing:
        raise RawInputError(
            f"{Path(book.path).name}: cells refer to {sorted(missing)}, which the "
            f"{NOTES_SHEET!r} sheet does not explain"
        )
    return sorted_observations(
        long.with_columns(
            pl.lit(PERIOD).alias("period"),
            pl.lit(PERIOD_END).alias("period_end"),
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


def check_rsx_adds_nothing(raw_dir: Path, ro3: Table) -> None:
    """RSX's CSC block must equal RO3's CSC total cell for cell; otherwise RSX adds a figure."""
    rsx = read_table(raw_dir, RSX)
    pairs = {
        code: code.replace(f"{RSX.prefix}-csc-", f"{RO3.prefix}-csctot-") for code in rsx.labels
    }
    absent = sorted(set(pairs.values()) - set(ro3.labels))
    if absent:
        raise RawInputError(
            f"RSX CSC columns {sorted(pairs)} have no RO3 total counterpart {absent}"
        )
    joined = rsx.rows.select("area_code", *pairs).join(
        ro3.rows.select("area_code", *(pl.col(r).alias(f"ro3:{r}") for r in pairs.values())),
        on="area_code",
        how="full",
        coalesce=True,
    )
    differ = joined.filter(
        pl.any_horizontal(pl.col(s).ne_missing(pl.col(f"ro3:{r}")) for s, r in pairs.items())
    )
    if differ.height:
        codes = differ.get_column("area_code").to_list()
        raise RawInputError(
            f"{Path(RSX.path).name}: children's social care figures differ from RO3's total for "
            f"{codes[:10]}; RSX now adds a CSC figure and should be ingested"
        )


def ingest(raw_dir: Path) -> Contribution:
    ro3 = read_table(raw_dir, RO3)
    check_rsx_adds_nothing(raw_dir, ro3)
    return Contribution(
        observations=_observations(ro3, read_notes(raw_dir, RO3), RO3),
        indicators=_indicators(ro3, RO3.source_id),
        mentions=_mentions(ro3, RO3.source_id),
    )
