"""One page per indicator: every council ranked on the indicator's latest period.

``indicators/<indicator_id>.html`` (a stable address: people link to it) lists every current
council with its figure, rank, band, change since the previous period (better or worse by the
indicator's polarity) and its region. Flagged figures (a curated caveat, or a ratio on a small
base) are shown as published with their caveat and left unranked, as :mod:`cscbench.compare`
decides; nothing is ranked here. The table is plain HTML, complete without script; a few lines
of script add a region filter and sorting. A CSV beside the page holds the same rows.

The HTML is written with polars expressions and string joins rather than great-tables: about
ninety pages of 150 rows each would otherwise cost seconds of every publish.
"""

from __future__ import annotations

import html

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.core.domain import ENGLAND
from cscbench.publish import formatting as fmt
from cscbench.publish import layout, navigation
from cscbench.publish.context import Context

CSV_PREFIX = "csv:"
SECTION = "indicators"
DIRECTIONS = {"better": "▲ better", "worse": "▼ worse", "no change": "no change"}
COLUMNS = (  # (key, header, sort type): the shown table's columns, in order
    ("rank", "Rank", "number"),
    ("council", "Council", "text"),
    ("region", "Region", "text"),
    ("figure", "Figure", "number"),
    ("change", "Change since previous period", "number"),
    ("band", "Band", "text"),
    ("note", "Caveat or note", "text"),
)
# Filter by region and sort by any column, on the table the page already shows in full.
TABLE_SCRIPT = (
    "(function(){var t=document.getElementById('ranking'),f=document.getElementById('tools');"
    "if(!t||!f)return;f.hidden=false;t.classList.add('js');var body=t.tBodies[0],rows=[].slice.call(body.rows),"
    "pick=document.getElementById('region'),out=document.getElementById('shown');"
    "function show(){var r=pick.value,n=0;rows.forEach(function(x){var on=!r||"
    "x.getAttribute('data-region')===r;x.hidden=!on;if(on)n++;});"
    "out.textContent=n+(n===1?' council':' councils')+' shown';}"
    "pick.addEventListener('change',show);"
    "[].forEach.call(t.tHead.rows[0].cells,function(th,i){var b=th.querySelector('button');"
    "if(!b)return;b.addEventListener('click',function(){var up=th.getAttribute('aria-sort')"
    "!=='ascending',num=th.getAttribute('data-type')==='number';"
    "[].forEach.call(t.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');});"
    "th.setAttribute('aria-sort',up?'ascending':'descending');"
    "function key(x){return x.cells[i].getAttribute('data-sort');}"
    "rows.sort(function(a,b){var p=key(a),q=key(b);if(p===''&&q==='')return 0;if(p==='')return 1;"
    "if(q==='')return -1;var c=num?(+p)-(+q):p.localeCompare(q);return up?c:-c;});"
    "rows.forEach(function(x){body.appendChild(x);});"
    "out.textContent='Sorted by '+b.textContent+(up?', ascending':', descending');});});"
    "show();})();"
)


def stem(indicator_id: str) -> str:
    return navigation.indicator_stem(indicator_id)


def change_text() -> pl.Expr:
    """ "+1.5 (▲ better) since 2024", "-0.2 since 2024" (neutral or flagged: no direction), or a
    dash where either period has no figure."""
    sign = pl.when(pl.col("change") > 0).then(pl.lit("+")).otherwise(pl.lit(""))
    change = sign + fmt.number_text(pl.col("change"), pl.col("decimals"))
    direction = pl.col("change_direction").replace_strict(DIRECTIONS, default=None)
    marked = pl.when(direction.is_not_null()).then(" (" + direction + ")").otherwise(pl.lit(""))
    return (
        pl.when(pl.col("change").is_not_null())
        .then(change + marked + " since " + pl.col("previous_period"))
        .otherwise(pl.lit(fmt.DASH))
    )


def rows(ctx: Context, ids: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Every current council at each indicator's latest period (``ids``: only those indicators),
    with the texts the page shows: ranked councils by rank, then the unranked by name. Worked
    out once per publish run (the indicator pages and the compare page both read it): each
    indicator's rows are the same whichever others are asked for."""
    every = ctx.memo.get("indicator rows")
    if not isinstance(every, pl.DataFrame):
        every = all_rows(ctx)
        ctx.memo["indicator rows"] = every
    return every if ids is None else every.filter(pl.col("indicator_id").is_in(ids))


def all_rows(ctx: Context) -> pl.DataFrame:
    """:func:`rows` of every indicator."""
    regions = {c: ctx.names.get(c, c) for c in ctx.latest["region_code"].drop_nulls().unique()}
    profiles = navigation.profile_stems(ctx)
    return (
        ctx.latest.filter(pl.col("level") == "local_authority")
        .with_columns(
            pl.col("region_code").replace_strict(regions, default=None).alias("region"),
            pl.col("unit_code").replace_strict(profiles, default=None).alias("profile"),
            fmt.rounded(pl.col("value"), pl.col("decimals")),
            fmt.figure_text("value", "status", "unit", "decimals").alias("figure"),
            fmt.rank_text().alias("rank_text"),
            fmt.band_text().alias("band_text"),
            change_text().alias("change_text"),
            pl.coalesce(
                pl.when(pl.col("flagged")).then(fmt.FLAGGED_PREFIX + pl.col("caveat")),
                pl.when(pl.col("indicator_polarity") != compare.NEUTRAL).then(pl.col("rank_note")),
                pl.col("note"),
                pl.lit(""),
            ).alias("note_text"),
        )
        .sort(
            "indicator_id",
            pl.col("rank").is_null(),
            "rank",
            "name",
            "unit_code",
            maintain_order=True,
        )
    )


def csv_frame(part: pl.DataFrame) -> pl.DataFrame:
    """The CSV beside the page: one row per council, numbers as the page rounds them (columns
    prefixed ``CSV_PREFIX`` here, to sit beside the shown ones until each page takes its rows)."""
    return part.select(
        pl.col("unit_code").alias("area_code"),
        pl.col("name").alias("area"),
        "region_code",
        "region",
        "indicator_id",
        "period",
        "value",
        "status",
        "rank",
        "ranked_count",
        "band",
        "rank_note",
        "basis",
        "basis_code",
        "previous_period",
        fmt.rounded(pl.col("previous_value"), pl.col("decimals")),
        fmt.rounded(pl.col("change"), pl.col("decimals")),
        "change_direction",
        "flagged",
        "caveat",
        "source_id",
    ).select(pl.all().name.prefix(CSV_PREFIX))


def cell(text: pl.Expr, key: pl.Expr | None = None) -> pl.Expr:
    """A ``<td>`` with its escaped text and the key the script sorts on (empty sorts last)."""
    sort = (key if key is not None else text).cast(pl.String).fill_null("")
    return (
        '<td data-sort="'
        + escape(sort)
        + '">'
        + escape(text.cast(pl.String).fill_null(""))
        + "</td>"
    )


def escape(text: pl.Expr) -> pl.Expr:
    """HTML-escape text in polars (``&``, ``<``, ``>``, ``"``, ``'``)."""
    return (
        text.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
        .str.replace_all("'", "&#x27;", literal=True)
    )


def row_html(part: pl.DataFrame) -> pl.Series:
    """Each council's ``<tr>``: name linked to its profile, ``data-region`` for the filter."""
    name = escape(pl.col("name"))
    council = (
        pl.when(pl.col("profile").is_not_null())
        .then('<a href="../' + escape(pl.col("profile")) + '.html">' + name + "</a>")
        .otherwise(name)
    )
    trend_key = pl.when(pl.col("change_direction").is_not_null()).then(pl.col("change"))
    return part.select(
        (
            '<tr data-region="'
            + escape(pl.col("region_code").fill_null(""))
            + '">'
            + cell(pl.col("rank_text"), pl.col("rank").cast(pl.String).str.zfill(4))
            + '<th scope="row" data-sort="'
            + escape(pl.col("name"))
            + '">'
            + council
            + "</th>"
            + cell(pl.col("region"))
            + cell(pl.col("figure"), pl.col("value"))
            + cell(pl.col("change_text"), pl.coalesce(trend_key, pl.col("change")))
            + cell(pl.col("band_text"), pl.col("band"))
            + cell(pl.col("note_text"))
            + "</tr>"
        ).alias("tr")
    )["tr"]


def england(ctx: Context) -> dict[str, str]:
    """indicator_id -> "England: 3.5% (2025)." at its latest period, where England has a row."""
    found = (
        ctx.comparator_rows([ENGLAND], tuple(ctx.indicators["indicator_id"].cast(pl.String)))
        .join(ctx.meta, on="indicator_id", how="left")
        .filter(pl.col("value").is_not_null() | pl.col("status").is_not_null())
    )
    text = fmt.figure_text("value", "status", "unit", "decimals")
    return dict(
        found.select(
            "indicator_id", ("England: " + text + " (" + pl.col("period") + ").").alias("t")
        ).iter_rows()
    )


def table_html(part: pl.DataFrame, title: str) -> str:
    heads = []
    for key, text, kind in COLUMNS:
        button = f'<button type="button" class="sort">{html.escape(text)}</button>'
        heads.append(
            f'<th scope="col" data-type="{kind}" data-key="{key}"><span class="label">'
            f"{html.escape(text)}</span>{button}</th>"
        )
    regions = sorted({(r, c) for c, r in part.select("region_code", "region").iter_rows() if c})
    options = "".join(
        f'<option value="{html.escape(c, quote=True)}">{html.escape(r)}</option>'
        for r, c in regions
    )
    tools = (
        '<div id="tools" class="tools" hidden><label for="region">Show region</label> '
        f'<select id="region"><option value="">All regions</option>{options}</select> '
        '<span id="shown" role="status" aria-live="polite"></span>'
        "<p class='note'>Sort by any column with its heading's button.</p></div>"
    )
    name = html.escape(f"Table: {title} (scrolls sideways)", quote=True)
    return (
        tools
        + f'<div class="wide" tabindex="0" role="region" aria-label="{name}">'
        + f'<table class="index ranking" id="ranking"><caption>{html.escape(title)}</caption>'
        + f"<thead><tr>{''.join(heads)}</tr></thead><tbody>"
        + "".join(part["tr"])
        + "</tbody></table></div>"
    )


def page(meta: dict, part: pl.DataFrame, comparator: str, csv: list[str]) -> fmt.Page:
    indicator_id = meta["indicator_id"]
    label = meta["label"]
    where = stem(indicator_id)
    period = part["period"].drop_nulls()
    latest = period[0] if period.len() else "no period"
    ranked = part["ranked_count"].max() or 0
    flagged = int(part["flagged"].sum())
    polarity = fmt.POLARITY_LABELS.get(meta["polarity"], meta["polarity"])
    title = f"{label}: every council"
    caption = f"{label}, {latest}: every council, best first"
    if meta["polarity"] == compare.NEUTRAL:
        caption = f"{label}, {latest}: every council (neutral: not ranked)"
    definition = layout.href(navigation.DEFINITIONS, 1, indicator_id)
    lead = (
        f"Every council's figure for {latest}, the latest period the package holds, ranked "
        f"({ranked} councils and joint returns ranked). Polarity: {polarity}. Change is since each council's previous "
        "period, marked better or worse by the polarity."
    )
    facts = [
        f'<p id="{navigation.INDICATOR_ANCHOR}">{html.escape(meta.get("definition") or "")} '
        f"{layout.link(definition, 'Full definition, unit and source')}.</p>",
        f"<p>{html.escape(comparator)}</p>" if comparator else "",
    ]
    if flagged:
        facts.append(
            f"<p class='note'>{flagged} flagged figure{'s are' if flagged != 1 else ' is'} shown as "
            "published with its caveat and left unranked (a curated caveat, or a ratio on a small "
            "base).</p>"
        )
    download = html.escape(where.rsplit("/", 1)[-1], quote=True) + ".csv"
    body = (
        "".join(facts)
        + table_html(part, caption)
        + f'<p class="downloads">Download this table: <a href="{download}">CSV</a></p>'
        + f"<script>{TABLE_SCRIPT}</script>"
    )
    export = fmt.Table(
        where,
        caption,
        lead,
        None,
        part.select(pl.col(c).alias(c.removeprefix(CSV_PREFIX)) for c in csv),
    )
    return fmt.Page(
        where,
        title,
        SECTION,
        tables=(export,),
        intro=(lead,),
        sort_key=label,
        sections=(fmt.Section("ranking-section", "Every council", (fmt.Html(body),)),),
    )


def build(ctx: Context) -> list[fmt.Page]:
    """One page per indicator in the package, even one with no council figure yet."""
    shown = rows(ctx)
    exported = csv_frame(shown)
    shown = pl.concat([shown.with_columns(row_html(shown)), exported], how="horizontal")
    englands = england(ctx)
    parts = {
        key[0]: frame for key, frame in shown.partition_by("indicator_id", as_dict=True).items()
    }
    indicators = ctx.indicators.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
    pages = []
    for meta in indicators.sort("indicator_id").iter_rows(named=True):
        part = parts.get(meta["indicator_id"], shown.clear())
        comparator = englands.get(meta["indicator_id"], "")
        pages.append(page(meta, part, comparator, exported.columns))
    return pages
