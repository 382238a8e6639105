"""The change since the previous period, as every table shows it: "+1.2 since 2024" and a
better/worse marker that does not rely on colour (a symbol hidden from screen readers, and the
word). The direction is compare's ``change_direction`` (by the indicator's polarity): shown here,
never recomputed.
"""

from __future__ import annotations

import html

import polars as pl

from cscbench.publish import formatting as fmt

# A marker a reader can tell without colour: a symbol (hidden from screen readers) and a word.
SYMBOLS = {"better": "✔", "worse": "✖", "no change": "="}


def marker_html(direction: str | None) -> str:
    """ "✔ better", "✖ worse" or "= no change": the word is the marker's accessible name, the
    symbol repeats it for the eye; nothing for a direction compare left empty."""
    if direction not in SYMBOLS:
        return ""
    css = direction.replace(" ", "-")
    return (
        f'<span class="change change-{css}"><span aria-hidden="true">{SYMBOLS[direction]} </span>'
        f"{html.escape(direction)}</span>"
    )


def change_text() -> pl.Expr:
    """ "+1.2 since 2024": compare's ``change`` at the indicator's decimals (points for a
    percentage); a dash where there is none."""
    size = fmt.number_text(pl.col("change"), pl.col("decimals"))
    sign = (
        pl.when(size.str.starts_with("-"))
        .then(pl.lit(""))
        .when(size.str.contains("[1-9]"))
        .then(pl.lit("+"))
        .otherwise(pl.lit(""))
    )
    unit = pl.when(pl.col("unit") == "percent").then(pl.lit(" points")).otherwise(pl.lit(""))
    return (
        pl.when(pl.col("change").is_null())
        .then(pl.lit(fmt.DASH))
        .otherwise(sign + size + unit + " since " + pl.col("previous_period"))
    )


def change_cell_text() -> pl.Expr:
    """A table cell's value: :func:`change_text`, a bar, then the direction (empty for none);
    :func:`change_cell` turns it into the shown text and marker."""
    return change_text() + "|" + pl.col("change_direction").fill_null("")


def change_cell(value: object) -> str:
    """ "+1.2 since 2024 ✔ better": the text and the better/worse marker (word and symbol)."""
    text, _, direction = str(value).partition("|")
    marker = marker_html(direction or None)
    return html.escape(text) + (" " + marker if marker else "")
