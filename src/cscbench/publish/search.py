"""Search from every page over every page, working from disk.

``search-index.js`` (at the site root) assigns one global: every page's title and address, a
council's profile with every name the council is known by (:func:`navigation.other_names`, the
same names the index's finder uses), an indicator's page with its label, short label and id.
``search.js`` matches what a reader types against those names in the browser. Both are plain
script files (``fetch`` of JSON fails from ``file://``). The box in every page's header
(:func:`layout.search_html`) stays hidden where script does not run; the index's A to Z list of
councils and the definitions page still lead everywhere.

Matching: the query and every name are normalised as :func:`cscbench.core.names.normalise_name` does;
words that only say what kind of council it is ("council", "borough", "city of"...) are dropped
from the query unless nothing else is left, so "Bradford Council" finds Bradford; each word left
must begin a word of one of the page's names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from cscbench.core.names import normalise_name
from cscbench.publish import formatting as fmt
from cscbench.publish import indicator_pages, navigation
from cscbench.publish.context import Context

INDEX_FILE = "search-index.js"
SCRIPT_FILE = "search.js"
GLOBAL = "CSCBENCH_SEARCH"
KINDS = {  # a page's section -> what a result says it is
    "profiles": "Council",
    "indicators": "Indicator",
    "regions": "Region",
    "groups": "Comparison group",
    "headline": "Headline comparison",
    "claims": "Claims",
    "history": "Ofsted history",
    "changes": "What changed",
    "definitions": "Definitions",
    "compare": "Compare councils",
}
GENERIC = (
    "council",
    "councils",
    "borough",
    "metropolitan",
    "district",
    "county",
    "city",
    "of",
    "the",
    "mbc",
    "cc",
    "ua",
    "royal",
)
LIMIT = 12
SCRIPT = (
    "(function(){var f=document.getElementById('site-search');var data=window.%(g)s;"
    "if(!f||!data)return;f.hidden=false;var q=document.getElementById('site-q'),"
    "list=document.getElementById('site-hits'),say=document.getElementById('site-said'),"
    "root=f.getAttribute('data-root'),generic=%(generic)s;"
    "function norm(s){return s.toLowerCase().replace(/&/g,' and ').replace(/[.,'\\u2019()]/g,' ')"
    ".replace(/-/g,' ').replace(/\\s+/g,' ').trim();}"
    "function words(t){var all=norm(t).split(' ').filter(Boolean),"
    "kept=all.filter(function(w){return generic.indexOf(w)<0;});return kept.length?kept:all;}"
    "function hit(item,ws){var names=item[3];return ws.every(function(w){"
    "return names.some(function(n){return n===w||n.indexOf(w)===0||n.indexOf(' '+w)>=0;});});}"
    "function esc(s){return s.replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;')"
    ".replace(/\"/g,'&quot;');}"
    "function run(){var t=q.value.trim();if(!t){list.innerHTML='';say.textContent='';return;}"
    "var ws=words(t),found=data.filter(function(i){return hit(i,ws);}),shown=found.slice(0,%(limit)d);"
    "list.innerHTML=shown.map(function(i){return '<li><a href=\"'+esc(root+i[1])+'\">'+esc(i[0])"
    "+'</a> <span class=\"aka\">'+esc(i[2])+'</span></li>';}).join('');"
    "say.textContent=found.length===0?'No page matches':found.length===1?'1 page matches':"
    "found.length>shown.length?found.length+' pages match; the first '+shown.length+' are listed':"
    "found.length+' pages match';}"
    "q.addEventListener('input',run);f.addEventListener('submit',function(e){e.preventDefault();"
    "var a=list.querySelector('a');if(a)a.focus();});})();"
)


def script() -> str:
    """``search.js``: the matching rules above, in the browser."""
    return SCRIPT % {"g": GLOBAL, "generic": json.dumps(list(GENERIC)), "limit": LIMIT} + "\n"


def entries(ctx: Context, pages: Sequence[fmt.Page]) -> pl.DataFrame:
    """One row per page: ``title``, ``url`` (from the site root), ``kind`` and ``names`` (the
    normalised names it is found by), in title order."""
    built = pl.DataFrame(
        {
            "stem": [p.stem for p in pages] + ["", "compare"],
            "title": [p.title for p in pages] + ["Home", "Compare any councils"],
            "section": [p.section for p in pages] + ["home", "compare"],
        }
    )
    councils = navigation.other_names(ctx).select(
        "stem", "name", pl.concat_list(pl.col("name"), pl.col("others")).alias("also")
    )
    indicators = ctx.indicators.select(
        pl.col("indicator_id")
        .cast(pl.String)
        .map_elements(indicator_pages.stem, pl.String)
        .alias("stem"),
        pl.col("label").alias("name"),
        pl.concat_list(
            pl.col("label"),
            *([pl.col("short_label")] if "short_label" in ctx.indicators.columns else []),
            pl.col("indicator_id").cast(pl.String).str.replace_all("_", " "),
        )
        .list.drop_nulls()
        .alias("also"),
    )
    return (
        built.join(pl.concat([councils, indicators]), on="stem", how="left")
        .with_columns(
            pl.coalesce("name", "title").alias("title"),
            pl.when(pl.col("stem") == "")
            .then(pl.lit("index.html"))
            .otherwise(pl.col("stem") + ".html")
            .alias("url"),
            pl.col("section").replace_strict(KINDS, default="Page").alias("kind"),
            pl.concat_list(pl.col("title"), pl.col("also").fill_null([]))
            .list.eval(normalise_name(pl.element()))
            .list.unique(maintain_order=True)
            .alias("names"),
        )
        .sort("title", "url")
        .select("title", "url", "kind", "names")
    )


def index_script(frame: pl.DataFrame) -> str:
    """``search-index.js``: the entries as a JSON array assigned to one global."""
    rows = [list(r) for r in frame.iter_rows()]
    body = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return f"window.{GLOBAL}={body};\n"


def write(root: Path, ctx: Context, pages: Sequence[fmt.Page]) -> None:
    """Write ``search-index.js`` and ``search.js`` at the site root."""
    (root / INDEX_FILE).write_text(
        index_script(entries(ctx, pages)), encoding="utf-8", newline="\n"
    )
    (root / SCRIPT_FILE).write_text(script(), encoding="utf-8", newline="\n")
