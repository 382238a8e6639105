"""The definitions page: every indicator, generated from the ``indicators`` resource.

One entry per indicator with an anchor (its id), so every indicator label in a table can link to
it: label, definition, unit, polarity, source (with the release and its date), the periods the
package holds, and the formula of a computed figure. Then Ofsted's judgements and the terms the
tables use (ranks, bands, neighbours, status symbols). Nothing here is typed in about a particular
indicator: a new registry entry appears here on the next publish.
"""

from __future__ import annotations

import html

import polars as pl

from cscbench.package import labels
from cscbench.package.statuses import STATUS_MEANINGS
from cscbench.publish import formatting as fmt
from cscbench.publish import layout, navigation, themes
from cscbench.publish.context import Context

STEM = navigation.DEFINITIONS
TITLE = "Definitions: every indicator, unit and symbol"
UNIT_WORDS = labels.labels("indicators", "unit")
TERMS = (
    (
        "rank",
        "Rank and band",
        "Rank 1 = best by the indicator's polarity among the current councils and joint returns "
        "with a figure for that period; ties share the lowest rank. Band A = ranks in the best "
        "quarter of the ranked count, B the second, C the third, D the rest. Neutral indicators "
        "get neither.",
    ),
    (
        "neighbours",
        "Statistical neighbours",
        "The 10 councils the DfE 2025 statistical neighbour model finds most like a council "
        "(closest first). Tables give their mean and median and how many had a figure; each "
        "council's profile names them.",
    ),
    (
        "comparators",
        "Region and England",
        "The published figure for the council's region and for England, or (where the publisher "
        "gives none) cscbench's sum or ratio of sums of the councils' published figures, marked "
        "computed.",
    ),
)
OFSTED_TEXT = (
    "Ofsted's judgements of a council's children's services, as graded at the time: overall "
    "effectiveness and the sub-judgements of each framework (SLAC 2009-12, child protection and "
    "looked-after inspections 2012-13, the single inspection framework 2013-18, ILACS from 2018). "
    "Inspections whose fieldwork began on or after 1 April 2026 get no overall grade; their "
    "sub-judgements are shown instead. Focused and monitoring visits judge nothing and never "
    "count as a judgement."
)


def periods_held(ctx: Context) -> pl.DataFrame:
    """indicator_id -> "2017 to 2025 (9 periods)", from the observations held."""
    obs = ctx.frames["observations"].with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
    spans = obs.group_by("indicator_id").agg(
        pl.col("period").min().alias("first"),
        pl.col("period").max().alias("last"),
        pl.col("period").n_unique().alias("n"),
    )
    text = (
        pl.when(pl.col("n") == 1)
        .then(pl.col("first") + " (one period)")
        .otherwise(
            pl.col("first")
            + " to "
            + pl.col("last")
            + " ("
            + pl.col("n").cast(pl.String)
            + " periods)"
        )
    )
    return spans.select("indicator_id", text.alias("held"))


def entries(ctx: Context) -> pl.DataFrame:
    """One row per indicator with everything its entry says, in reading order."""
    indicators = ctx.indicators.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
    key = themes.key_indicators(ctx.indicators).select("indicator_id", pl.lit(0).alias("_key"))
    sources = ctx.sources.select(
        "source_id",
        (pl.col("publisher") + ": " + pl.col("title")).alias("source"),
        "published",
        "publication_url",
    )
    return (
        indicators.join(periods_held(ctx), on="indicator_id", how="left")
        .join(sources, on="source_id", how="left")
        .join(key, on="indicator_id", how="left")
        .with_columns(themes.order().alias("_theme"), pl.col("_key").fill_null(1))
        .sort("_theme", "_key", "label", "indicator_id")
    )


def entry_html(row: dict) -> str:
    """One indicator's definition list entry (every text escaped)."""
    esc = html.escape
    places = "decimal place" if row["decimals"] == 1 else "decimal places"
    facts = [
        f"<strong>Unit:</strong> {esc(UNIT_WORDS.get(row['unit'], row['unit']))}"
        f" ({esc(str(row['decimals']))} {places} shown).",
        f"<strong>Polarity:</strong> {esc(fmt.POLARITY_LABELS.get(row['polarity'], row['polarity']))}.",
        f"<strong>Periods held:</strong> {esc(row['held'] or 'none')}.",
    ]
    source = esc(row["source"] or row["source_id"] or "not recorded")
    if row.get("publication_url") and str(row["publication_url"]).startswith("https://"):
        source += f" ({layout.link(row['publication_url'], 'publication page')})"
    when = row.get("published")
    source += f", published {when:%-d %B %Y}." if when else ", publication date not recorded."
    facts.append(f"<strong>Source:</strong> {source}")
    if row.get("formula"):
        facts.append(f"<strong>Computed:</strong> {esc(row['formula'])}.")
    if row.get("caveats"):
        facts.append(f"<strong>Caveat:</strong> {esc(row['caveats'])}")
    ranked = f"{row['label']}: every council ranked"
    short = row.get("short_label")
    also = f" <span class='aka'>(in tables: {esc(short)})</span>" if short else ""
    return (
        f'<dt id="{esc(row["indicator_id"], quote=True)}">{esc(row["label"])}{also}</dt>'
        f"<dd><p>{esc(row['definition'] or '')}</p><p>{' '.join(facts)}</p>"
        f"<p class='aka'>Id: <code>{esc(row['indicator_id'])}</code>. "
        f"{layout.link(navigation.indicator_stem(row['indicator_id']) + '.html', ranked)}.</p></dd>"
    )


def build(ctx: Context) -> list[fmt.Page]:
    rows = entries(ctx)
    sections = []
    for (theme,), part in rows.partition_by("theme", as_dict=True, maintain_order=True).items():
        items = "".join(entry_html(r) for r in part.iter_rows(named=True))
        sections.append(
            fmt.Section(
                themes.anchor(theme),
                themes.label(theme),
                (fmt.Html(f'<dl class="defs">{items}</dl>'),),
            )
        )
    ofsted = f'<dl class="defs"><dt id="ofsted">Ofsted judgements</dt><dd><p>{html.escape(OFSTED_TEXT)}</p></dd></dl>'
    sections.append(fmt.Section(themes.OFSTED, themes.OFSTED_HEADING, (fmt.Html(ofsted),)))
    terms = "".join(
        f'<dt id="{key}">{html.escape(term)}</dt><dd><p>{html.escape(text)}</p></dd>'
        for key, term, text in TERMS
    )
    symbols = "".join(
        f"<dt>{html.escape(symbol)}</dt><dd><p>{html.escape(meaning)}</p></dd>"
        for symbol, meaning in STATUS_MEANINGS.items()
    )
    terms += f'<dt id="symbols">Symbols</dt><dd><dl class="defs">{symbols}</dl></dd>'
    sections.append(
        fmt.Section("terms", "Terms and symbols", (fmt.Html(f'<dl class="defs">{terms}</dl>'),))
    )
    toc = "".join(f"<li>{layout.link('#' + s.id, s.heading)}</li>" for s in sections)
    intro = (
        f"Every indicator in the package ({rows.height}), by theme, generated from the package's "
        "indicators table: what it measures, its unit and polarity, its source and the periods "
        "held. Tables link each indicator's label to its own page, which ranks every council on it "
        "and links back here.",
    )
    blocks = (fmt.Html(f'<nav class="toc" aria-label="On this page"><ul>{toc}</ul></nav>'),)
    return [
        fmt.Page(
            STEM,
            TITLE,
            "definitions",
            intro=intro,
            sections=tuple(sections),
            blocks=blocks,
            crumbs=(),
        )
    ]
