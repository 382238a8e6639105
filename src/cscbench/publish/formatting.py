"""Shared formatting for the published tables: numbers, symbols, footnote texts, notes, exports.

Everything a reader sees is built here once so every table says things the same way: figures with
the indicator's unit and decimals, a suppressed figure as its publisher's symbol with a footnote,
bands as printed letters (colour only repeats them), a source note and the OGL attribution.

The page types (``Table``, ``Page``...) are in :mod:`cscbench.publish.page_types`, the
great-tables helpers (``base_gt``, footnotes, band colours, links) in
:mod:`cscbench.publish.gt_helpers` and the CSV and workbook frames in
:mod:`cscbench.publish.table_export`; all are imported here under their own names, so every page
builder keeps writing ``fmt.Page``, ``fmt.base_gt`` and ``fmt.write_csv`` (one import a builder).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.core.domain import GRADE_SCALES
from cscbench.package import labels
from cscbench.publish.gt_helpers import Footnote as Footnote
from cscbench.publish.gt_helpers import add_footnotes as add_footnotes
from cscbench.publish.gt_helpers import add_notes as add_notes
from cscbench.publish.gt_helpers import anchor as anchor
from cscbench.publish.gt_helpers import base_gt as base_gt
from cscbench.publish.gt_helpers import footnote_cells as footnote_cells
from cscbench.publish.gt_helpers import footnote_marks as footnote_marks
from cscbench.publish.gt_helpers import link_cells as link_cells
from cscbench.publish.gt_helpers import safe_link as safe_link
from cscbench.publish.gt_helpers import style_letters as style_letters
from cscbench.publish.page_types import Chart as Chart
from cscbench.publish.page_types import Html as Html
from cscbench.publish.page_types import Page as Page
from cscbench.publish.page_types import Section as Section
from cscbench.publish.page_types import Table as Table
from cscbench.publish.table_export import export_frame as export_frame
from cscbench.publish.table_export import neutralise as neutralise
from cscbench.publish.table_export import write_csv as write_csv

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
DASH = "—"
NO_FIGURE = "no figure"
NO_FIGURE_NOTE = "no figure: the publisher gives no figure for this area and period."
NOT_IN_PACKAGE = "not in this package version"
NA_NOTE = (
    f"{DASH} not applicable: England and the regions are comparators and are not ranked; "
    "neutral indicators (counts, rates of children in care or in need, spending: more is not "
    "better or worse by itself) and Ofsted grades get no rank or band; joint returns have no "
    "statistical neighbours."
)
BAND_NOTE = (
    "Rank 1 = best of the councils (and joint returns) with a figure for that period, by the "
    "indicator's polarity; ties share the lowest rank. Band A = ranks in the best 25% of the "
    "ranked count, B to 50%, C to 75%, D the rest. Flagged figures (see the package's caveats) "
    "are shown with their caveat but not ranked, banded or counted in neighbour statistics."
)

# Colour repeats the printed letter or grade; it is never the only signal. Blue-to-red diverging
# pairs stay distinguishable for the common colour-vision deficiencies.
BAND_COLOURS = {
    "A": ("#2166ac", "#ffffff"),
    "B": ("#92c5de", "#000000"),
    "C": ("#f4a582", "#000000"),
    "D": ("#b2182b", "#ffffff"),
}
# A grade takes the band colour of its place on its framework's scale (best first), so Adequate
# (2009-13) and Requires improvement (SIF, ILACS) share one.
GRADE_COLOURS = {
    grade: colour
    for scale in GRADE_SCALES.values()
    for grade, colour in zip(scale, BAND_COLOURS.values(), strict=True)
}

POLARITY_LABELS = labels.labels("indicators", "polarity")
# Statuses cscbench sets itself (statuses.py): their footnotes never call them publisher's symbols.
CSCBENCH_STATUSES = ("computed", "incomplete")

# Ofsted judgement and grade-status ids in words (the inspections schema's categories): a reader
# never sees an enum id.
JUDGEMENT_LABELS = labels.labels("inspections", "judgement")
GRADE_STATUS_LABELS = labels.labels("inspections", "grade_status")


def status_meanings() -> dict[str, str]:
    """Publisher symbols and cscbench's own statuses, and what they mean (one definition)."""
    from cscbench.package.statuses import STATUS_MEANINGS

    return dict(STATUS_MEANINGS)


def words(ids: pl.Expr, labels: dict[str, str]) -> pl.Expr:
    """An id in words from ``labels``; an id the map does not know yet: underscores as spaces."""
    return ids.replace_strict(labels, default=ids.str.replace_all("_", " "), return_dtype=pl.String)


def judgement_text(judgement: pl.Expr) -> pl.Expr:
    """ "help_and_protection" -> "Help and protection"."""
    return words(judgement, JUDGEMENT_LABELS)


def grade_status_text(status: pl.Expr) -> pl.Expr:
    """ "not_judged" -> "not judged"; the post-April-2026 status says there is no overall grade."""
    return words(status, GRADE_STATUS_LABELS)


def grade_text(grade: pl.Expr, status: pl.Expr) -> pl.Expr:
    """A judgement's grade, else why there is none, in words."""
    return pl.coalesce(grade, grade_status_text(status), pl.lit("not graded"))


# ---------------------------------------------------------------------------- numbers and text


# Above this many units of the last shown decimal a figure no longer fits integer arithmetic
# exactly (2**53); such a figure (a valid package may hold 1e300) is shown as polars writes it.
EXACT_LIMIT = 2.0**53


def number_text(value: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """``value`` rounded to ``decimals`` with thousands separators, as a polars expression.

    Integer arithmetic after one rounding, so 14.8 with 1 decimal is "14.8", 1355 is "1,355".
    Halves round away from zero as DfE and LAIT do (2.5 -> "3", 12.25 -> "12.3", -2.5 -> "-3");
    the scaled value is first taken to 6 decimals so a figure as written (1.005 stored as
    1.00499999...) rounds as written. A figure too large for exact integers (or not finite) is
    written as polars writes a float ("1e300"), never an error.
    """
    scale = pl.lit(10, dtype=pl.Int64).pow(decimals.cast(pl.Int64))
    magnitude = (value.abs() * scale).round(6).round(0, mode="half_away_from_zero")
    exact = magnitude.is_finite() & (magnitude < EXACT_LIMIT)
    scaled = pl.when(exact).then(magnitude).cast(pl.Int64, strict=False)
    whole = (scaled // scale).cast(pl.String)
    grouped = (
        whole.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.strip_chars_end(",")
    ).str.reverse()
    fraction = (scaled % scale).cast(pl.String).str.zfill(decimals.cast(pl.Int64))
    sign = pl.when((value < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    body = pl.when(decimals > 0).then(grouped + "." + fraction).otherwise(grouped)
    return (
        pl.when(value.is_null())
        .then(None)
        .when(exact)
        .then(sign + body)
        .otherwise(value.cast(pl.String))
    )


def rounded(value: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """``value`` at ``decimals``, rounded exactly as :func:`number_text` shows it, for downloads.

    The whole number of last-decimal units divided by a power of ten is the double nearest the
    decimal, so a CSV shows 15.57, never 15.570000000000002. A figure too large for exact integers
    (or with no ``decimals``) is left as it is; zero is never written as -0.
    """
    scale = pl.lit(10.0).pow(decimals.cast(pl.Float64))
    magnitude = (value.abs() * scale).round(6).round(0, mode="half_away_from_zero")
    exact = magnitude.is_finite() & (magnitude < EXACT_LIMIT) & decimals.is_not_null()
    signed = pl.when((value < 0) & (magnitude > 0)).then(-magnitude).otherwise(magnitude)
    return pl.when(exact).then(signed / scale).otherwise(value)


def plain_number(value: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """:func:`number_text` without thousands separators, for figures inside CSV text."""
    return number_text(value, decimals).str.replace_all(",", "", literal=True)


def with_unit(text: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """Add the unit's symbol to a formatted number: 12.3%, £1,234, £312,345k."""
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    pounds = sign + pl.lit("£") + text.str.strip_prefix("-")
    return (
        pl.when(text.is_null())
        .then(None)
        .when(unit == "percent")
        .then(text + "%")
        .when(unit == "gbp_per_child")
        .then(pounds)
        .when(unit == "gbp_thousand")
        .then(pounds + "k")
        .otherwise(text)
    )


def unit_number(column: str) -> pl.Expr:
    """A numeric column in the row's ``unit`` and ``decimals``."""
    return with_unit(number_text(pl.col(column), pl.col("decimals")), pl.col("unit"))


def figure_text(value: str, status: str, unit: str, decimals: str) -> pl.Expr:
    """The cell a reader sees: the figure, else the publisher's symbol (footnoted), else the
    reason cscbench left it empty in words ("not computed: ..."), else "no figure". A status of
    cscbench's own is never printed as a word where a number goes (issue 21)."""
    number = with_unit(number_text(pl.col(value), pl.col(decimals)), pl.col(unit))
    own = {s: m for s, m in status_meanings().items() if s in CSCBENCH_STATUSES and s != "computed"}
    return (
        pl.when(pl.col(value).is_not_null())
        .then(number)
        .when(pl.col(status).is_in(list(own)))
        .then(pl.col(status).replace_strict(own, default=None, return_dtype=pl.String))
        .when(pl.col(status).is_not_null() & (pl.col(status) != "computed"))
        .then(pl.col(status))
        .otherwise(pl.lit(NO_FIGURE))
    )


def display_label(label: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """The indicator's label with its unit where the label does not already say it."""
    suffix = (
        pl.when((unit == "percent") & ~label.str.contains("%|percent|rate"))
        .then(pl.lit(" (%)"))
        .when(unit == "gbp_thousand")
        .then(pl.lit(" (£ thousand)"))
        .when(unit == "gbp_per_child")
        .then(pl.lit(" (£ per child)"))
        .otherwise(pl.lit(""))
    )
    return label + suffix


def date_text(expr: pl.Expr) -> pl.Expr:
    """ISO date -> "30 Sep 2025" (no locale, so byte-identical everywhere)."""
    return expr.dt.strftime("%-d %b %Y")


def month_text(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%b %Y")


def period_text(period: pl.Expr, period_end: pl.Expr) -> pl.Expr:
    """A snapshot year as its date, a financial year as published (2024-25)."""
    return pl.when(period.str.contains("-")).then(period).otherwise(date_text(period_end))


def names_text(codes: pl.Expr, names: dict[str, str]) -> pl.Expr:
    """ "A|B|C" codes -> "Name A, Name B and Name C"."""
    listed = codes.str.split("|").list.eval(
        pl.element().replace_strict(names, default=pl.element(), return_dtype=pl.String)
    )
    n = listed.list.len()
    return (
        pl.when(n > 1)
        .then(listed.list.head(n - 1).list.join(", ") + " and " + listed.list.last())
        .otherwise(listed.list.first())
    )


# ---------------------------------------------------------------------------- comparison cells
# One definition of the rank, band and neighbour cells for the headline, group, region and
# profile tables. Rows need rank, ranked_count, band, basis, indicator_polarity and (for the
# neighbour cells) sn_* with unit and decimals; ``is_council`` is false for region/England rows.


def joint_tag() -> pl.Expr:
    """ " (joint)" on a member council showing its joint return's figure, rank and band."""
    return pl.when(pl.col("basis") == compare.JOINT).then(pl.lit(" (joint)")).otherwise(pl.lit(""))


def _rankable(is_council: pl.Expr) -> pl.Expr:
    return is_council & (pl.col("indicator_polarity") != compare.NEUTRAL)


def rank_text(is_council: pl.Expr | None = None) -> pl.Expr:
    """ "3 of 153", "3 of 153 (joint)", "not ranked" (suppressed or no figure), or a dash."""
    council = pl.lit(True) if is_council is None else is_council
    return (
        pl.when(pl.col("rank").is_not_null())
        .then(
            pl.col("rank").cast(pl.String)
            + " of "
            + pl.col("ranked_count").cast(pl.String)
            + joint_tag()
        )
        .when(_rankable(council))
        .then(pl.lit("not ranked"))
        .otherwise(pl.lit(DASH))
    )


def band_text(is_council: pl.Expr | None = None, unranked: str = DASH) -> pl.Expr:
    """The band letter (with the joint tag), else ``unranked`` for a rankable council, else a dash.

    Tables with a rank column leave the band a dash when unranked; the region table has no rank
    column, so it passes ``unranked="not ranked"``.
    """
    council = pl.lit(True) if is_council is None else is_council
    return (
        pl.when(pl.col("rank").is_not_null())
        .then(pl.col("band") + joint_tag())
        .when(_rankable(council))
        .then(pl.lit(unranked))
        .otherwise(pl.lit(DASH))
    )


def neighbour_texts(is_council: pl.Expr | None = None) -> list[pl.Expr]:
    """``sn_mean_text``, ``sn_median_text`` and ``sn_count_text`` ("9 of 10")."""
    council = pl.lit(True) if is_council is None else is_council
    none = ~council | pl.col("sn_total").is_null()

    def stat(column: str) -> pl.Expr:
        return (
            pl.when(none)
            .then(pl.lit(DASH))
            .when(pl.col("sn_count") == 0)
            .then(pl.lit(NO_FIGURE))
            .otherwise(unit_number(column))
            .alias(f"{column}_text")
        )

    count = (
        pl.when(none)
        .then(pl.lit(DASH))
        .otherwise(pl.col("sn_count").cast(pl.String) + " of " + pl.col("sn_total").cast(pl.String))
    )
    return [stat("sn_mean"), stat("sn_median"), count.alias("sn_count_text")]


def comparison_texts(is_council: pl.Expr | None = None) -> list[pl.Expr]:
    """``rank_text``, ``band_text`` and the three neighbour cells."""
    return [
        rank_text(is_council).alias("rank_text"),
        band_text(is_council).alias("band_text"),
        *neighbour_texts(is_council),
    ]


def neighbour_note(names: dict[str, str]) -> pl.Expr:
    """Footnote for the neighbour count when a joint return was counted once or left out."""
    merged = pl.when(pl.col("sn_merged").is_not_null()).then(
        names_text(pl.col("sn_merged"), names)
        + " are both neighbours but report one joint return: its figure counts once in the "
        "mean, median and count, so the count is of figures, not councils."
    )
    excluded = pl.when(pl.col("sn_excluded").is_not_null()).then(
        names_text(pl.col("sn_excluded"), names)
        + " shares this council's own joint return: that figure is this council's own, so it "
        "is left out of the neighbour mean, median and count."
    )
    flagged = pl.when(pl.col("sn_flagged").is_not_null()).then(
        names_text(pl.col("sn_flagged"), names)
        + pl.when(pl.col("sn_flagged").str.contains("|", literal=True))
        .then(pl.lit(" are neighbours whose figures are flagged"))
        .otherwise(pl.lit(" is a neighbour whose figure is flagged"))
        + " (see that council's profile): left out of the mean, median and count."
    )
    return pl.concat_str([merged, excluded, flagged], separator=" ", ignore_nulls=True).replace(
        "", None
    )


FLAGGED_TEXT = "left out of ranks, bands and neighbour means and medians"
FLAGGED_PREFIX = f"Flagged figure (shown as published; {FLAGGED_TEXT}): "


def flag_note(caveat: pl.Expr | None = None) -> pl.Expr:
    """Why a flagged figure (the ``caveats`` resource) is shown but not compared, as a footnote
    (``caveat``: the column holding the reason, by default ``caveat``)."""
    reason = pl.col("caveat") if caveat is None else caveat
    return pl.when(reason.is_not_null()).then(pl.lit(FLAGGED_PREFIX) + reason)


def caveat_note() -> pl.Expr:
    """A figure's own note (a publisher's note quoted for its symbol), as a footnote; a flagged
    figure's caveat is :func:`flag_note`'s (compare takes it off the note)."""
    return pl.when(
        pl.col("note").is_not_null() & (pl.col("status").fill_null("") != "computed")
    ).then(pl.lit("Note: ") + pl.col("note"))


def slug(text: str) -> str:
    """File-name form of a name: lower case, ascii letters and digits, hyphens."""
    out = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)


def unique_slugs(names: Sequence[str], fallback: str) -> list[str]:
    """One safe file name per name, in order: its slug, or ``fallback`` when nothing is left of
    it (see :func:`distinct`)."""
    return distinct([slug(name) or fallback for name in names])


def distinct(names: Sequence[str]) -> list[str]:
    """``names`` with each repeat given -2, -3... in order of appearance (deterministic for the
    same input), so two names never share a file."""
    out: list[str] = []
    for base in names:
        candidate, n = base, 2
        while candidate in out:
            candidate, n = f"{base}-{n}", n + 1
        out.append(candidate)
    return out


def indicator_labels(indicators: pl.DataFrame) -> dict[str, str]:
    """indicator_id -> its label with its unit where the label does not say it (display_label)."""
    return dict(
        indicators.select(
            pl.col("indicator_id").cast(pl.String),
            display_label(pl.col("label"), pl.col("unit").cast(pl.String)),
        ).iter_rows()
    )


def readable_formula(text: pl.Expr, labels: Mapping[str, str]) -> pl.Expr:
    """A computed figure's formula with indicator ids as their labels, multipliers grouped.

    "cin_at31_episodes / population_0_17 (mid-2024) x 10000" -> "Children in need at 31 March /
    Children aged 0 to 17 (mid-year estimate) (mid-2024) x 10,000". Ids are replaced as whole words
    only; years such as "mid-2024" keep their digits; only a multiplier after " x " gets thousands
    separators. The text is otherwise kept exactly.
    """
    out = text
    if labels:
        keys = pl.Series(list(labels), dtype=pl.String)
        values = pl.Series(list(labels.values()), dtype=pl.String)
        tokens = text.str.extract_all(r"[A-Za-z0-9_]+|[^A-Za-z0-9_]+")
        words = tokens.list.eval(pl.element().replace(keys, values)).list.join("")
        out = pl.when(text.is_null()).then(None).otherwise(words)
    for _ in range(3):  # up to 12 digits
        out = out.str.replace_all(r"( x \d+)(\d{3})\b", "$1,$2")
    return out


def status_note(
    status: pl.Expr,
    meanings: dict[str, str],
    note: pl.Expr | None = None,
    labels: Mapping[str, str] | None = None,
) -> pl.Expr:
    """Footnote text for a status: a publisher's symbol says so; cscbench's own statuses
    (``computed``, ``incomplete``) say they are cscbench's, and a computed figure says how, its
    formula in words (``labels``: indicator id -> label; ids stay ids without it)."""
    if note is not None:
        note = readable_formula(note, labels or {})
    known = pl.DataFrame(
        {"s": list(meanings), "m": list(meanings.values())}, schema={"s": pl.String, "m": pl.String}
    )
    meaning = status.replace_strict(known["s"], known["m"], default=None, return_dtype=pl.String)
    fallback = pl.lit("symbol as published (see the observations schema)")
    how = (
        pl.lit("formula in the indicators table")
        if note is None
        else pl.coalesce(note, pl.lit("formula in the indicators table"))
    )
    return (
        pl.when(status == "computed")
        .then(pl.lit("Computed by cscbench from published figures: ") + how + ".")
        .when(status.is_in(CSCBENCH_STATUSES))
        .then(
            status + pl.lit(" = ") + pl.coalesce(meaning, fallback) + pl.lit(" (set by cscbench).")
        )
        .when(status.is_not_null())
        .then(
            status
            + pl.lit(" = ")
            + pl.coalesce(meaning, fallback)
            + pl.lit(" (publisher's symbol).")
        )
    )


def source_line(sources: pl.DataFrame, source_ids: Iterable[str]) -> str:
    """ "Sources: publisher, title; ..." for the sources a table uses, then the OGL attribution."""
    named = _source_names(sources)
    wanted = sorted({s for s in source_ids if s})
    return "Sources: " + "; ".join(t for s in wanted for t in named.get(s, ())) + ". " + OGL


_SOURCE_NAMES: dict[int, tuple[pl.DataFrame, dict[str, list[str]]]] = {}


def _source_names(sources: pl.DataFrame) -> dict[str, list[str]]:
    """source_id -> "publisher, title", read once per sources frame (every table asks the same
    frame; the frame is held, so its id is not reused while cached)."""
    held = _SOURCE_NAMES.get(id(sources))
    if held is None or held[0] is not sources:
        named: dict[str, list[str]] = {}
        for sid, publisher, title in sources.select("source_id", "publisher", "title").iter_rows():
            named.setdefault(sid, []).append(f"{publisher}, {title}")
        _SOURCE_NAMES.clear()  # one sources frame per publish: keep only the latest
        held = _SOURCE_NAMES[id(sources)] = (sources, named)
    return held[1]
