"""Claims page, the words: a council's claim and the official figure as sentences (figures with
their units, the period shown, the gap in days, a different year named), each a polars
expression over the matched frame.
"""

from __future__ import annotations

import polars as pl

from cscbench.publish import formatting as fmt
from cscbench.publish.claims_match import (
    APPROXIMATE,
    CHANGE,
    DIFFERENT,
    OFFICIAL_LABELS,
    SCALE,
    years_held,
)


def gap_text(days: pl.Expr) -> pl.Expr:
    """ "31 days before the claim", "about 9 months after the claim", "about 6 years after"."""
    size = days.abs()
    side = pl.when(days < 0).then(pl.lit(" before the claim")).otherwise(pl.lit(" after the claim"))
    months = (size / 30.44).round(0).cast(pl.Int64)
    years = (size / 365.25).round(0).cast(pl.Int64)
    amount = (
        pl.when((size == 0) & (pl.col("date_precision") == "day"))
        .then(pl.lit("same day"))
        .when(size == 0)
        .then(pl.lit("within the claim's time"))
        .when(size < 45)
        .then(
            size.cast(pl.String)
            + pl.when(size == 1).then(pl.lit(" day")).otherwise(pl.lit(" days"))
            + side
        )
        .when(size < 730)
        .then(pl.lit("about ") + months.cast(pl.String) + " months" + side)
        .otherwise(pl.lit("about ") + years.cast(pl.String) + " years" + side)
    )
    rough = pl.when(pl.col("date_precision").is_in(APPROXIMATE)).then(
        pl.lit(" (claim dated only roughly)")
    )
    return pl.when(days.is_null()).then(None).otherwise(amount + pl.coalesce(rough, pl.lit("")))


def figure(value: str) -> pl.Expr:
    """An official figure in its unit; money also in £ million, the unit claims use; a change
    with its sign and, for spending, the percentage change beside it."""
    number = fmt.with_unit(fmt.number_text(pl.col(value), pl.col("decimals")), pl.col("ounit"))
    millions = fmt.number_text(pl.col(value) / 1000, pl.lit(1))
    money = pl.col("ounit") == "gbp_thousand"
    shown = pl.when(money).then(number + " (£" + millions + "m)").otherwise(number)
    change = pl.col("relation") == CHANGE
    sign = pl.when(change & (pl.col(value) > 0)).then(pl.lit("+")).otherwise(pl.lit(""))
    percent = pl.when(
        change & (value == "official_value") & pl.col("official_percent").is_not_null()
    ).then(
        pl.lit(", ")
        + pl.when(pl.col("official_percent") > 0).then(pl.lit("+")).otherwise(pl.lit(""))
        + fmt.number_text(pl.col("official_percent"), pl.lit(1))
        + "%"
    )
    return sign + shown + pl.coalesce(percent, pl.lit(""))


def other_text() -> pl.Expr:
    """The figure on the other side of the claim date, with its period and gap."""
    return (
        pl.when(pl.col("other_official_value").is_not_null() & pl.col("year_from").is_null())
        .then(
            figure("other_official_value")
            + " at "
            + fmt.period_text(pl.col("other_official_period"), pl.col("other_official_end"))
            + ", "
            + gap_text(pl.col("other_gap_days"))
        )
        .otherwise(pl.lit(fmt.DASH))
    )


def different_year() -> pl.Expr:
    """The claim's date is outside the official figure's year (the year ending ``official_end``:
    a financial year for spending, the year to the snapshot date otherwise)."""
    start = pl.col("official_end").dt.offset_by("-1y")
    return (pl.col("date") <= start) | (pl.col("date") > pl.col("official_end"))


def claim_text() -> pl.Expr:
    """What was said, its unit printed once: a percentage claim already carrying "%" does not get
    "percent" again ("+38% rise in caseloads since 2018"), one without gets the sign ("almost 40%
    of social workers from agencies"), and "per worker" already said is not repeated."""
    stated = pl.col("value_as_stated")
    # "3000 per worker" with unit "GBP per worker (...)": the "per worker" is said once
    per = r"(per \w+)"
    repeated = stated.str.extract(per, 1) == pl.col("unit").str.extract(per, 1)
    unit = (
        pl.when(repeated.fill_null(False))
        .then(pl.col("unit").str.replace(r"\s*per \w+", ""))
        .otherwise(pl.col("unit"))
    )
    percent = unit.str.starts_with("percent ")
    rest = unit.str.strip_prefix("percent ")
    return (
        pl.when(percent & stated.str.contains("%", literal=True))
        .then(stated + " " + rest)
        .when(percent)
        .then(stated + "% " + rest)
        .otherwise(stated + " " + unit)
    )


def official_text() -> pl.Expr:
    """The official figure with whose measure it is (the years stated, for a claim quoting DfE),
    the scale caveat for money, and its own caveat when it is flagged."""
    what = pl.col("indicator_id").replace_strict(OFFICIAL_LABELS, default=pl.col("olabel"))
    scale = pl.when(pl.col("relation") == SCALE).then(
        pl.when(different_year())
        .then(pl.lit(": for scale only, a different year and measure"))
        .otherwise(pl.lit(": for scale only, a different measure"))
    )
    change = pl.when(pl.col("relation") == CHANGE).then(pl.lit(", ") + pl.col("official_period"))
    other = pl.when(pl.col("relation") == DIFFERENT).then(
        pl.lit(": for context only, a different measure")
    )
    flagged = pl.when(pl.col("official_caveat").is_not_null()).then(
        pl.lit(" (flagged figure: ") + pl.col("official_caveat") + ")"
    )
    stated = pl.concat_str(
        pl.when(pl.col("stated_from_value").is_not_null()).then(
            "DfE " + pl.col("year_from") + ": " + fmt_stated("stated_from_value")
        ),
        pl.when(pl.col("stated_to_value").is_not_null()).then(
            "DfE " + pl.col("year_to") + ": " + fmt_stated("stated_to_value")
        ),
        separator="; ",
        ignore_nulls=True,
    )
    return (
        pl.when(pl.col("year_from").is_not_null() & years_held())
        .then(stated + ", " + what)
        .when(pl.col("official_value").is_not_null())
        .then(
            figure("official_value")
            + ", "
            + what
            + pl.coalesce(change, pl.lit(""))
            + pl.coalesce(scale, other, pl.lit(""))
            + pl.coalesce(flagged, pl.lit(""))
        )
        .when(pl.col("gap_line").is_not_null())
        .then(pl.lit("none: ") + pl.col("gap_line"))
        .when(pl.col("indicator_id").is_not_null())
        .then(pl.lit("no official figure for this council"))
        .otherwise(pl.lit(fmt.DASH))
    )


def fmt_stated(column: str) -> pl.Expr:
    return fmt.with_unit(fmt.number_text(pl.col(column), pl.col("decimals")), pl.col("ounit"))


def period_shown() -> pl.Expr:
    """The official figure's period; the years stated for a claim quoting DfE."""
    return (
        pl.when(pl.col("year_from").is_not_null() & years_held())
        .then(
            pl.concat_str(
                pl.col("year_from"), pl.col("year_to"), separator=" and ", ignore_nulls=True
            )
        )
        .otherwise(fmt.period_text(pl.col("official_period"), pl.col("official_end")))
    )


def gap_shown() -> pl.Expr:
    return (
        pl.when(pl.col("year_from").is_not_null() & years_held())
        .then(pl.lit("the years the claim states"))
        .otherwise(gap_text(pl.col("gap_days")))
    )
