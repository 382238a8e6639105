"""The themes pages are organised by, in reading order, and which indicators lead each theme.

Which theme an indicator belongs to, its short label and whether it is a headline indicator are
the package's own facts (``indicators.theme``, ``short_label``, ``headline_order``, from
registry/indicators.toml); this module orders the themes and names them as section headings, in the order and words of
the ``theme`` categories in schemas/indicators.schema.json.
"""

from __future__ import annotations

import polars as pl

from cscbench.package import labels

# Reading order (how a child's case moves through children's services, then the workforce and
# money behind it) and the headings are the indicators schema's ``theme`` categories. A theme the
# package adds later is shown after these, under its own id in words.
THEMES = labels.labels("indicators", "theme")
OFSTED = "ofsted"
OFSTED_HEADING = "Ofsted inspections"


def label(theme: str) -> str:
    return THEMES.get(theme, theme.replace("_", " ").capitalize())


def anchor(theme: str) -> str:
    """The section's id in a page: ``front-door``."""
    return theme.replace("_", "-")


def order() -> pl.Expr:
    """A theme's position in reading order (unknown themes last)."""
    return pl.col("theme").replace_strict(
        {t: i for i, t in enumerate(THEMES)}, default=len(THEMES), return_dtype=pl.Int64
    )


def key_indicators(indicators: pl.DataFrame) -> pl.DataFrame:
    """The indicators that lead their theme (a headline indicator, or one the registry gives a
    short label for table headers), in reading order: ``indicator_id``, ``theme``, ``short``,
    ``headline`` (whether it is a headline indicator)."""
    columns = indicators.columns
    headline = pl.col("headline_order") if "headline_order" in columns else pl.lit(None, pl.Int64)
    short = pl.col("short_label") if "short_label" in columns else pl.lit(None, pl.String)
    return (
        indicators.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
        .filter(headline.is_not_null() | short.is_not_null())
        .with_columns(
            order().alias("_theme"),
            headline.alias("_headline"),
            pl.coalesce(short, pl.col("label")).alias("short"),
            headline.is_not_null().alias("headline"),
        )
        .sort("_theme", pl.col("_headline").is_null(), "_headline", "label", "indicator_id")
        .select("indicator_id", "theme", "short", "headline")
    )
