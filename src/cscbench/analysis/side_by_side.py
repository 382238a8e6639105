"""``cscbench.compare()``: chosen councils side by side on chosen indicators, from the grid.

Everything compared here (ranks, bands, neighbours' medians, change and its direction) is read
from :func:`cscbench.analysis.comparison.build`'s grid, so the API, the command line and the site agree by
construction; this module only picks councils, indicators and a period, and lays the rows out.
It needs polars and the standard library only (the core install).

Observations are narrowed to the chosen indicators before the grid is built, and neighbour
statistics are computed for the chosen councils only: ranks, bands, neighbour statistics and
changes are all taken within one indicator, so the rows are the same as the whole grid's
(a test checks this), built in a fraction of the time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.analysis import comparison
from cscbench.analysis.loader import find_area, load, resources
from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.core.names import NameMatchError
from cscbench.core.paths import default_package
from cscbench.core.series import as_text
from cscbench.package.reader import Package
from cscbench.package.reader import read as read_package
from cscbench.validate.report import json_text

LATEST = "latest"
FORMATS = ("text", "csv", "json", "markdown")
SUGGESTIONS = 5
# Tried only when the name as given matches nothing, so an area named "... Council" still wins.
COUNCIL_SUFFIX = re.compile(
    r"\s+(metropolitan\s+)?(borough\s+|city\s+|county\s+|district\s+)?council$", re.IGNORECASE
)
# The frame's columns, in order; csv and json carry exactly these.
COLUMNS = (
    "area_code",
    "area_name",
    "indicator_id",
    "indicator_label",
    "unit",
    "decimals",
    "polarity",
    "period",
    "period_end",
    "value",
    "status",
    "basis",
    "basis_code",
    "rank",
    "ranked_count",
    "band",
    "rank_note",
    "flagged",
    "caveat",
    "previous_period",
    "previous_value",
    "change",
    "change_direction",
    "region_code",
    "region_name",
    "region_value",
    "region_caveat",
    "england_value",
    "england_caveat",
    "sn_median",
    "sn_count",
    "sn_total",
    "sn_flagged",
    "source_id",
)


class CompareError(UsageError, ValueError):
    """:func:`compare` was asked for something the package does not hold; ``choices`` lists what
    it does hold (every indicator id, theme or period), for a caller that wants to offer them."""

    def __init__(self, message: str, choices: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.choices = tuple(choices)


class UnknownCouncilError(CompareError):
    """A council matched no current council (or several): the message suggests the closest."""


class UnknownChoiceError(CompareError):
    """An indicator id, theme or period the package does not hold for the chosen indicators."""


# ---------------------------------------------------------------------------- choosing


def resolve_council(
    query: str,
    areas: pl.DataFrame,
    units: frozenset[str],
    package: str | Path | Package | None,
) -> str:
    """The code of the current council (or joint return: ``units``, the ranked units' codes) a
    name, GSS code or DfE code means.

    A name the areas do not know is tried again without a trailing "Council" ("Leeds City
    Council" is Leeds). A superseded code (Barnsley's E08000016) resolves to its current council
    through ``series_code``; an abolished council split in two, a region or England is refused
    with what to ask for instead.
    """
    if query in units:  # a current code needs no name lookup
        return query
    shorter = COUNCIL_SUFFIX.sub("", query.strip())
    try:
        row = find_area(query, package)
    except NameMatchError as exc:
        if shorter == query.strip():
            raise UnknownCouncilError(str(exc)) from None
        try:  # "Bradford Council", "Leeds City Council": how councils name themselves
            row = find_area(shorter, package)
        except NameMatchError as again:  # its suggestions are for the name without "Council"
            raise UnknownCouncilError(f"no area matches {query!r}: {again}") from None
    unit = row["series_code"] or row["area_code"]
    if unit in units:
        return unit
    label = f"{query!r} ({row['name']}, {row['area_code']})"
    if row["status"] == "abolished" and row["successor_code"]:
        successors = _names(areas, row["successor_code"].split("|"))
        raise UnknownCouncilError(
            f"{label} was abolished on {row['end_date']} and its area split or merged, so its "
            f"figures are not carried over: compare {successors} instead"
        )
    raise UnknownCouncilError(
        f"{label} is not a council (its level is {row['level']}); region and England figures "
        "are columns of every council's row"
    )


def _names(areas: pl.DataFrame, codes: Sequence[str]) -> str:
    found = areas.filter(pl.col("area_code").is_in(list(codes))).sort("area_code")
    return " and ".join(f"{n} ({c})" for c, n in found.select("area_code", "name").iter_rows())


def choose_indicators(
    indicators: pl.DataFrame, ids: Sequence[str] | None, theme: str | None
) -> list[str]:
    """The indicator ids to show, in headline order (then by id): the headline indicators when
    neither ``ids`` nor ``theme`` is given, otherwise the theme's indicators and the ids named."""
    known = indicators["indicator_id"].to_list()
    for wanted in ids or ():
        if wanted not in known:
            raise UnknownChoiceError(
                f"no indicator {wanted!r}{_did_you_mean(wanted, known)}; the package's "
                f"{len(known)} indicator ids are " + ", ".join(known),
                known,
            )
    themes = sorted(indicators["theme"].unique().to_list())
    if theme is not None and theme not in themes:
        raise UnknownChoiceError(
            f"no theme {theme!r}{_did_you_mean(theme, themes)}; the themes are "
            + ", ".join(themes),
            themes,
        )
    if ids is None and theme is None:
        chosen = pl.col("headline_order").is_not_null()
    else:
        in_theme = pl.lit(False) if theme is None else pl.col("theme") == theme
        chosen = pl.col("indicator_id").is_in(list(ids or ())) | in_theme
    return (
        indicators.filter(chosen)
        .sort(pl.col("headline_order"), "indicator_id", nulls_last=True)["indicator_id"]
        .to_list()
    )


def _did_you_mean(text: str, choices: Sequence[str]) -> str:
    """' (did you mean 'a', 'b'?)' from the choices containing ``text`` and the closest spellings."""
    containing = [c for c in choices if text.lower() in c.lower()]
    close = difflib.get_close_matches(text, choices, n=SUGGESTIONS, cutoff=0.6)
    names = list(dict.fromkeys([*close, *sorted(containing, key=len)]))[:SUGGESTIONS]
    return f" (did you mean {', '.join(map(repr, names))}?)" if names else ""


def choose_period(grid: pl.DataFrame, period: str) -> pl.DataFrame:
    """The grid at each indicator's latest period, or at ``period`` for the indicators that have
    it (an indicator without that period is left out; none having it is an error)."""
    if period == LATEST:
        return comparison.latest(grid)
    held = grid.select("period", "period_end").unique().sort("period_end", "period")
    valid = held["period"].unique(maintain_order=True).to_list()
    if period not in valid:
        raise UnknownChoiceError(
            f"no period {period!r} for the chosen indicators; their periods are "
            + ", ".join([LATEST, *valid]),
            [LATEST, *valid],
        )
    return grid.filter(pl.col("period") == period)


# ---------------------------------------------------------------------------- the frame


def check_package(package: str | Path | Package | None) -> Package:
    """The package, refused if its descriptor or Table Schemas are broken, or it names a file
    outside its folder or over the size limits (:mod:`cscbench.package.boundary`), before reading it:
    someone else's package is untrusted input. Needs no extra (the full check is ``validate``).
    Read once (:func:`cscbench.package.reader.read`): every frame then comes from it."""
    if isinstance(package, Package):
        checked, descriptor = package, package.path
    else:
        path = Path(package) if package else default_package()
        descriptor = path / "datapackage.json" if path.is_dir() else path
        checked = read_package(descriptor)
        checked.close()
    if checked.issues:
        shown = "; ".join(
            f"{i.where}: got {i.value}, expected {i.expected}" for i in checked.issues[:3]
        )
        more = len(checked.issues) - 3
        raise InvalidInputError(
            f"{descriptor} cannot be compared: {shown}"
            + (f" (and {more} more)" if more > 0 else "")
        )
    return checked


def compare(
    councils: Sequence[str],
    indicators: Sequence[str] | None = None,
    theme: str | None = None,
    period: str = LATEST,
    package: str | Path | Package | None = None,
) -> pl.DataFrame:
    """One row per council and indicator, councils in the order given, indicators in headline
    order; see :func:`cscbench.compare` for the columns."""
    if not councils:
        raise UnknownCouncilError("name at least one council")
    if not all(isinstance(q, str) for q in councils):
        raise TypeError(f"councils are names or codes (text), not {list(councils)!r}")
    package = check_package(package)  # read once: every load below comes from it
    areas = as_text(load("areas", package))
    indicator_frame = as_text(load("indicators", package))
    units = frozenset(comparison.units(areas)["unit_code"])
    asked = [resolve_council(q, areas, units, package) for q in councils]
    order = list(dict.fromkeys(asked))  # a council named twice is shown once
    wanted = None if indicators is None else [str(i) for i in indicators]  # a Series too
    ids = choose_indicators(indicator_frame, wanted, theme)
    observations = load("observations", package).filter(pl.col("indicator_id").is_in(ids))
    inputs = comparison.Inputs(
        areas,
        indicator_frame,
        observations,
        load("statistical_neighbours", package),
        load("caveats", package) if "caveats" in resources(package) else None,
    )
    grid = choose_period(comparison.build(inputs, neighbours_of=order).grid, period)
    return _rows(grid, areas, indicator_frame, order, ids)


def _rows(
    grid: pl.DataFrame,
    areas: pl.DataFrame,
    indicators: pl.DataFrame,
    councils: list[str],
    ids: list[str],
) -> pl.DataFrame:
    """The grid's rows for the councils, named, in the councils' then the indicators' order."""
    council_order = pl.DataFrame(
        {"unit_code": councils, "_council": range(len(councils))},
        schema={"unit_code": pl.String, "_council": pl.UInt32},
    )
    indicator_order = indicators.select(
        "indicator_id",
        pl.coalesce("short_label", "label").alias("indicator_label"),
        "unit",
        "decimals",
    ).join(
        pl.DataFrame({"indicator_id": ids, "_indicator": range(len(ids))}),
        on="indicator_id",
    )
    region_names = areas.select(
        pl.col("area_code").alias("region_code"), pl.col("name").alias("region_name")
    )
    return (
        grid.join(council_order, on="unit_code")
        .join(indicator_order, on="indicator_id")
        .join(region_names, on="region_code", how="left")
        .sort("_council", "_indicator")
        .rename({"unit_code": "area_code", "name": "area_name"})
        .with_columns(
            pl.when(pl.col("basis") == comparison.JOINT).then(pl.col("basis_code")),
            pl.col("basis").fill_null(comparison.OWN),
        )
        .select(COLUMNS)
    )


# ---------------------------------------------------------------------------- renderings


def render(frame: pl.DataFrame, fmt: str) -> str:
    """The frame as ``text`` (aligned columns), ``markdown`` (a table), ``csv`` or ``json``."""
    if fmt == "csv":
        return frame.write_csv().rstrip("\n")
    if fmt == "json":
        return to_json(frame)
    header, rows, notes = display(frame)
    if fmt == "markdown":
        return _markdown(header, rows, notes)
    return _aligned(header, rows, notes)


def to_json(frame: pl.DataFrame) -> str:
    """``{"columns": [...], "rows": [{column: value}]}``: the frame's own columns and values (dates
    as ISO text, floats exact), so ``pl.DataFrame(rows)`` gives the same figures back."""
    rows = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).to_dicts()
    return json_text({"columns": frame.columns, "rows": rows})


DISPLAY_HEADER = (
    "council",
    "indicator",
    "period",
    "value",
    "rank",
    "band",
    "change",
    "region",
    "England",
    "neighbours' median (n)",
)
NUMERIC = {"value", "region", "England", "neighbours' median (n)"}


def display(frame: pl.DataFrame) -> tuple[tuple[str, ...], list[tuple[str, ...]], list[str]]:
    """Header, one row of text cells per frame row, and numbered notes (caveats, joint figures,
    why a figure is missing) that the cells point to with ``[n]``."""
    notes: dict[str, int] = {}

    def mark(note: str | None) -> str:
        if not note:
            return ""
        number = notes.setdefault(note, len(notes) + 1)
        return f" [{number}]"

    rows = []
    for row in frame.iter_rows(named=True):
        decimals = row["decimals"]
        value = number(row["value"], decimals) or (row["status"] or "no figure")
        if row["basis"] == comparison.JOINT:
            value += mark(f"figure of the joint return {row['basis_code']}")
        value += mark(row["caveat"])
        rows.append(
            (
                row["area_name"],
                row["indicator_label"],
                row["period"],
                value,
                _rank(row, mark),
                row["band"] or "",
                _change(row, decimals),
                (number(row["region_value"], decimals) or "") + mark(row["region_caveat"]),
                (number(row["england_value"], decimals) or "") + mark(row["england_caveat"]),
                _neighbours(row, decimals),
            )
        )
    listed = [f"[{n}] {note}" for note, n in notes.items()]
    return DISPLAY_HEADER, rows, listed


def _rank(row: dict[str, Any], mark: Any) -> str:
    if row["polarity"] == comparison.NEUTRAL:
        return "neutral"
    if row["rank"] is not None:
        joint = " joint" if row["basis"] == comparison.JOINT else ""
        return f"{row['rank']} of {row['ranked_count']}{joint}"
    if row["flagged"]:
        return "not ranked" + mark(row["caveat"])
    return "-"


def _change(row: dict[str, Any], decimals: int | None) -> str:
    if row["change"] is None:  # say why when only the previous figure is missing
        missing = row["value"] is not None and row["previous_period"] is not None
        return f"no figure for {row['previous_period']}" if missing else ""
    text = number(row["change"], decimals, signed=True)
    direction = f", {row['change_direction']}" if row["change_direction"] else ""
    return f"{text} since {row['previous_period']}{direction}"


def _neighbours(row: dict[str, Any], decimals: int | None) -> str:
    if row["sn_total"] is None:
        return ""
    median = number(row["sn_median"], decimals) or "-"
    return f"{median} ({row['sn_count']} of {row['sn_total']})"


def number(value: float | None, decimals: int | None, signed: bool = False) -> str | None:
    """``value`` at the indicator's decimals as written (halves away from zero, as DfE rounds),
    with thousands separators; None when there is no value."""
    if value is None:
        return None
    try:
        exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-(decimals or 0)), ROUND_HALF_UP)
    except InvalidOperation:  # too large to quantize, or not finite: as Python writes it
        return repr(value)
    text = f"{exact:,}"
    if exact == 0:
        text = text.lstrip("-")
    return f"+{text}" if signed and exact > 0 else text


def _aligned(header: tuple[str, ...], rows: list[tuple[str, ...]], notes: list[str]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    right = [name in NUMERIC for name in header]

    def line(cells: tuple[str, ...]) -> str:
        padded = (
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        )
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *map(line, rows), *(["", *notes] if notes else [])])


def _markdown(header: tuple[str, ...], rows: list[tuple[str, ...]], notes: list[str]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    rule = "|" + "|".join("---:" if h in NUMERIC else "---" for h in header) + "|"
    return "\n".join([line(header), rule, *map(line, rows), *(["", *notes] if notes else [])])
