"""``compare.html``: any 2 to 10 councils side by side on every headline indicator.

The reader picks councils by any name the areas know them by (a type-ahead list); the selection
lives in the address (``compare.html#E08000035,E08000036``), so a link to it can be shared. Each
headline indicator shows, for every council chosen: its latest figure, rank and band, change since
the previous period marked better or worse (``compare.build``'s ``change_direction``), its
region's figure, its own neighbours' median and its trend. Everything comes from the grid the rest
of the site uses, formatted here in polars; the browser only places the texts.

It works opened from disk and over HTTP with no network: the figures are in ``compare-data.js``
(one global; ``fetch`` of JSON fails from ``file://``) and the behaviour in ``compare.js``, both
beside the page. Trends are small inline SVG lines drawn by that script, so no chart library is
needed. Without script, the page says what it needs and where the same figures are.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from cscbench.core.domain import ENGLAND
from cscbench.core.names import normalise_name
from cscbench.publish import formatting as fmt
from cscbench.publish import indicator_pages, layout, navigation
from cscbench.publish.context import TREND_SINCE, Context

STEM = "compare"
SECTION = "compare"
TITLE = "Compare any councils"
DATA_FILE = "compare-data.js"
SCRIPT_FILE = "compare.js"
GLOBAL = "CSCBENCH_COMPARE"
MOST = 10
EXAMPLE = ("E08000035", "E08000036")  # Leeds and Wakefield: the headline pair, as an example link
CELLS = (  # per council and indicator, in this order (compare.js reads them by position)
    "figure",
    "value",
    "rank_text",
    "band",
    "change_text",
    "change_direction",
    "region_text",
    "sn_median_text",
    "trend",
    "trend_text",
)


# ---------------------------------------------------------------------------- the data


def councils(ctx: Context) -> pl.DataFrame:
    """Every council with a profile: code, name, region name, profile address, and every name
    it is found by (normalised, its code included) and the others it is known by."""
    return navigation.other_names(ctx).select(
        "area_code",
        "name",
        pl.col("region_code").replace_strict(ctx.names, default="").alias("region"),
        (pl.col("stem") + ".html").alias("profile"),
        pl.concat_list(pl.col("name"), pl.col("others"), pl.col("area_code"))
        .list.eval(normalise_name(pl.element()))
        .list.unique(maintain_order=True)
        .alias("keys"),
        "others",
    )


def indicators(ctx: Context) -> pl.DataFrame:
    """The headline indicators in the package's order: id, label, short label, polarity in
    words, its page, its latest period and England's figure there."""
    ids = list(ctx.headline)
    england = (
        ctx.comparator_rows([ENGLAND], ctx.headline)
        .join(ctx.meta, on="indicator_id", how="left")
        .select(
            "indicator_id",
            "period",
            pl.when(pl.col("value").is_not_null() | pl.col("status").is_not_null())
            .then(fmt.figure_text("value", "status", "unit", "decimals"))
            .otherwise(pl.lit(fmt.NO_FIGURE))
            .alias("england"),
        )
    )
    order = pl.DataFrame({"indicator_id": ids, "_order": list(range(len(ids)))})
    return (
        ctx.meta.join(order, on="indicator_id")
        .join(england, on="indicator_id", how="left")
        .sort("_order")
        .select(
            "indicator_id",
            "label",
            pl.col("indicator_id").replace_strict(ctx.short_labels, default=None).alias("short"),
            pl.col("indicator_polarity")
            .replace_strict(fmt.POLARITY_LABELS, default=None)
            .alias("polarity"),
            pl.col("indicator_id")
            .map_elements(navigation.indicator_stem, return_dtype=pl.String)
            .alias("page"),
            "period",
            "england",
        )
        .with_columns(pl.col("page") + ".html")
    )


def trend_texts(ctx: Context, codes: list[str]) -> pl.DataFrame:
    """Each council's trend on each headline indicator (values rounded as shown, nulls where a
    period has no figure) and its words: "2017: 14.1; 2025: 16.3" (first and latest figure)."""
    trends = ctx.trends(codes, ctx.headline, TREND_SINCE).join(
        ctx.meta.select("indicator_id", "unit", "decimals"), on="indicator_id", how="left"
    )
    points = (
        trends.select(
            "unit_code", "indicator_id", "unit", "decimals", "trend_periods", "trend_values"
        )
        .explode("trend_periods", "trend_values")
        .drop_nulls("trend_values")
        .with_columns(
            (
                pl.col("trend_periods")
                + ": "
                + fmt.with_unit(
                    fmt.number_text(pl.col("trend_values"), pl.col("decimals")), pl.col("unit")
                )
            ).alias("point")
        )
        .group_by("unit_code", "indicator_id", maintain_order=True)
        .agg(
            pl.when(pl.len() > 1)
            .then(pl.col("point").first() + "; " + pl.col("point").last())
            .otherwise(pl.col("point").first())
            .first()
            .alias("trend_text")
        )
    )
    return trends.select(
        "unit_code",
        "indicator_id",
        pl.col("trend_values").list.eval(fmt.rounded(pl.element(), pl.lit(6))).alias("trend"),
    ).join(points, on=["unit_code", "indicator_id"], how="left")


def cells(ctx: Context, codes: list[str]) -> pl.DataFrame:
    """One row per council and headline indicator with the texts :data:`CELLS` names."""
    shown = indicator_pages.rows(ctx, ctx.headline)
    order = pl.DataFrame({"indicator_id": list(ctx.headline), "_order": range(len(ctx.headline))})
    return (
        shown.with_columns(
            pl.when(pl.col("region_value").is_not_null() | pl.col("region_status").is_not_null())
            .then(
                pl.col("region")
                + ": "
                + fmt.figure_text("region_value", "region_status", "unit", "decimals")
            )
            .otherwise(pl.col("region") + ": " + fmt.NO_FIGURE)
            .alias("region_text"),
            *fmt.neighbour_texts(),
            pl.col("band_text").alias("band"),
        )
        .join(trend_texts(ctx, codes), on=["unit_code", "indicator_id"], how="left")
        .join(order, on="indicator_id")
        .sort("unit_code", "_order")
    )


def data(ctx: Context) -> dict:
    """Everything ``compare.js`` needs, as plain JSON values."""
    listed = councils(ctx)
    codes = listed["area_code"].to_list()
    grid = cells(ctx, codes).filter(pl.col("unit_code").is_in(codes))
    per = {
        code: [list(r) for r in part.select(CELLS).iter_rows()]
        for (code,), part in grid.partition_by(
            "unit_code", as_dict=True, maintain_order=True
        ).items()
    }
    return {
        "cells": per,
        "councils": [list(r) for r in listed.iter_rows()],
        "indicators": [list(r) for r in indicators(ctx).iter_rows()],
        "most": MOST,
    }


def data_script(ctx: Context) -> str:
    body = json.dumps(data(ctx), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return f"window.{GLOBAL}={body};\n"


# ---------------------------------------------------------------------------- the page


def page(ctx: Context) -> fmt.Page:
    example = ",".join(EXAMPLE)
    names = " and ".join(ctx.names.get(c, c) for c in EXAMPLE)
    picker = (
        "<noscript><p><strong>This page needs JavaScript</strong> to pick councils and lay their "
        "figures side by side. Without it, every council's figures, ranks and neighbours are on its "
        f"profile ({layout.link('index.html#find', 'all councils, A to Z')}) and every council's "
        "figure on one indicator is on that indicator's page "
        f"({layout.link('index.html#indicators', 'every indicator')}).</p></noscript>"
        '<div id="picker" class="tools" hidden>'
        '<form id="add-form"><label for="add">Add a council (any of its names, or its code)</label> '
        '<input id="add" type="text" list="council-names" autocomplete="off" '
        'aria-describedby="picked-said"> <button type="submit">Add</button></form>'
        '<datalist id="council-names"></datalist>'
        '<p id="picked-said" role="status" aria-live="polite"></p>'
        '<div id="choices"></div>'
        '<h2 id="chosen-heading">Councils chosen</h2>'
        '<ul id="picked" aria-labelledby="chosen-heading"></ul>'
        '<p><button type="button" id="clear">Remove every council</button> '
        '<a id="share" href="#">Link to this comparison</a></p></div>'
    )
    result = (
        '<section id="result" aria-labelledby="result-heading">'
        '<h2 id="result-heading">Side by side</h2>'
        '<p id="summary" aria-live="polite"></p><div id="tables"></div></section>'
    )
    intro = (
        "Pick 2 to 10 councils to see each of them on every headline indicator: the latest "
        "figure, rank and band among all councils, change since the previous period (better or "
        "worse by the indicator's polarity), the council's region, its own statistical "
        "neighbours' median, and its trend since 2017.",
        "The councils chosen are kept in the page's address, so the link can be shared: for "
        f"example {names} (#{example}).",
    )
    scripts = f'<script src="{DATA_FILE}"></script><script src="{SCRIPT_FILE}"></script>'
    body = fmt.Html(picker + result + scripts)
    return fmt.Page(
        STEM,
        TITLE,
        SECTION,
        intro=intro,
        blocks=(body,),
        meta={
            "sources": "|".join(
                sorted(
                    set(
                        ctx.latest.filter(pl.col("indicator_id").is_in(ctx.headline))["source_id"]
                        .drop_nulls()
                        .to_list()
                    )
                )
            )
        },
    )


def build(ctx: Context) -> list[fmt.Page]:
    return [page(ctx)]


def write(root: Path, ctx: Context) -> None:
    """Write ``compare-data.js`` and ``compare.js`` beside ``compare.html``."""
    (root / DATA_FILE).write_text(data_script(ctx), encoding="utf-8", newline="\n")
    (root / SCRIPT_FILE).write_text(SCRIPT, encoding="utf-8", newline="\n")


# ---------------------------------------------------------------------------- the script

SCRIPT = r"""(function () {
  "use strict";
  var D = window.CSCBENCH_COMPARE;
  var picker = document.getElementById("picker");
  if (!D || !picker) return;
  picker.hidden = false;
  var GENERIC = ["council", "councils", "borough", "metropolitan", "district", "county", "city",
    "of", "the", "mbc", "cc", "ua", "royal"];
  var byCode = {};
  D.councils.forEach(function (c) { byCode[c[0]] = c; });
  var input = document.getElementById("add"), said = document.getElementById("picked-said"),
    choices = document.getElementById("choices"), picked = document.getElementById("picked"),
    share = document.getElementById("share"), tables = document.getElementById("tables"),
    summary = document.getElementById("summary"), list = document.getElementById("council-names");

  function norm(s) {
    return s.toLowerCase().replace(/&/g, " and ").replace(/[.,'\u2019()]/g, " ")
      .replace(/-/g, " ").replace(/\s+/g, " ").trim();
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  list.innerHTML = D.councils.map(function (c) {
    return [c[1]].concat(c[5]).map(function (n) {
      return '<option value="' + esc(n) + '"></option>';
    }).join("");
  }).join("");

  function chosen() {
    var seen = {}, out = [];
    decodeURIComponent(location.hash.replace(/^#/, "")).split(",").forEach(function (c) {
      c = c.trim().toUpperCase();
      if (byCode[c] && !seen[c] && out.length < D.most) { seen[c] = 1; out.push(c); }
    });
    return out;
  }
  function setChosen(codes) {
    var hash = "#" + codes.join(",");
    if (location.hash === hash) draw(); else location.hash = hash;
  }
  function find(text) {
    var t = norm(text);
    if (!t) return [];
    var exact = D.councils.filter(function (c) { return c[4].indexOf(t) >= 0; });
    if (exact.length) return exact;
    var all = t.split(" "), ws = all.filter(function (w) { return GENERIC.indexOf(w) < 0; });
    if (!ws.length) ws = all;
    return D.councils.filter(function (c) {
      return ws.every(function (w) {
        return c[4].some(function (n) { return n.indexOf(w) === 0 || n.indexOf(" " + w) >= 0; });
      });
    });
  }
  function add(code) {
    var codes = chosen();
    choices.innerHTML = "";
    if (codes.indexOf(code) >= 0) { said.textContent = byCode[code][1] + " is already chosen."; return; }
    if (codes.length >= D.most) { said.textContent = "At most " + D.most + " councils: remove one first."; return; }
    codes.push(code);
    input.value = "";
    said.textContent = byCode[code][1] + " added.";
    setChosen(codes);
  }
  function offer(text) {
    var found = find(text);
    choices.innerHTML = "";
    if (found.length === 1) { add(found[0][0]); return; }
    if (!found.length) { said.textContent = "No council is known as \u201c" + text + "\u201d."; return; }
    said.textContent = found.length + " councils match \u201c" + text + "\u201d: choose one below.";
    choices.innerHTML = "<ul>" + found.slice(0, 12).map(function (c) {
      return '<li><button type="button" data-code="' + esc(c[0]) + '">Add ' + esc(c[1]) + "</button></li>";
    }).join("") + "</ul>";
  }
  document.getElementById("add-form").addEventListener("submit", function (e) {
    e.preventDefault();
    offer(input.value);
  });
  input.addEventListener("input", function (e) {
    if (e.inputType === "insertReplacementText" || e.inputType === undefined) {
      var t = norm(input.value), hit = D.councils.filter(function (c) { return c[4].indexOf(t) >= 0; });
      if (hit.length === 1) add(hit[0][0]);
    }
  });
  choices.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-code]");
    if (b) { add(b.getAttribute("data-code")); input.focus(); }
  });
  picked.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-code]");
    if (!b) return;
    var code = b.getAttribute("data-code");
    said.textContent = byCode[code][1] + " removed.";
    setChosen(chosen().filter(function (c) { return c !== code; }));
    input.focus();
  });
  document.getElementById("clear").addEventListener("click", function () {
    said.textContent = "Every council removed.";
    setChosen([]);
    input.focus();
  });

  function spark(values, text) {
    var pts = [], lo = Infinity, hi = -Infinity;
    values.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    if (lo === Infinity) return "\u2014";
    var w = 96, h = 24, n = Math.max(values.length - 1, 1), span = hi - lo || 1, seg = [];
    values.forEach(function (v, i) {
      if (v === null) { if (seg.length) pts.push(seg); seg = []; return; }
      seg.push((i * w / n).toFixed(1) + "," + (h - 2 - (v - lo) * (h - 4) / span).toFixed(1));
    });
    if (seg.length) pts.push(seg);
    var lines = pts.map(function (s) {
      return s.length > 1 ? '<polyline points="' + s.join(" ") + '"/>' :
        '<circle cx="' + s[0].split(",")[0] + '" cy="' + s[0].split(",")[1] + '" r="1.5"/>';
    }).join("");
    return '<svg class="spark" viewBox="-2 0 100 24" width="100" height="24" role="img" aria-label="' +
      esc("Trend, " + text) + '"><g fill="none" stroke="#1d4e89" stroke-width="1.5">' + lines +
      "</g></svg> <span class=\"aka\">" + esc(text) + "</span>";
  }
  var MARK = { better: "better", worse: "worse", "no change": "same" };
  function draw() {
    var codes = chosen(), names = codes.map(function (c) { return byCode[c][1]; });
    picked.innerHTML = codes.map(function (c) {
      var k = byCode[c];
      return "<li>" + '<a href="' + esc(k[3]) + '">' + esc(k[1]) + "</a> " +
        '<button type="button" data-code="' + esc(c) + '" aria-label="Remove ' + esc(k[1]) + '">Remove</button></li>';
    }).join("");
    share.setAttribute("href", "#" + codes.join(","));
    if (!codes.length) {
      summary.textContent = "No council chosen yet: add 2 to " + D.most + " councils above.";
      tables.innerHTML = "";
      return;
    }
    summary.textContent = (codes.length < 2 ? "Add at least one more council to compare. " : "") +
      "Showing " + names.join(", ") + " on " + D.indicators.length + " headline indicators.";
    var out = [];
    D.indicators.forEach(function (ind, i) {
      out.push('<section class="compared" aria-labelledby="h-' + esc(ind[0]) + '"><h3 id="h-' + esc(ind[0]) + '">' +
        '<a href="' + esc(ind[4]) + '">' + esc(ind[1]) + "</a></h3>" +
        '<p class="note">Latest period ' + esc(ind[5] || "none") + ". England: " + esc(ind[6]) +
        ". Polarity: " + esc(ind[3] || "") + ".</p>" +
        '<div class="wide" tabindex="0" role="region" aria-label="' + esc(ind[1] + ": the councils chosen (scrolls sideways)") + '">' +
        '<table class="index compare-table"><thead><tr><th scope="col">Council</th><th scope="col">Figure</th>' +
        '<th scope="col">Rank</th><th scope="col">Band</th><th scope="col">Change since previous period</th>' +
        '<th scope="col">Region</th><th scope="col">Neighbours\u2019 median</th><th scope="col">Trend</th></tr></thead><tbody>');
      codes.forEach(function (c) {
        var k = byCode[c], v = (D.cells[c] || [])[i];
        if (!v) {
          out.push('<tr><th scope="row">' + esc(k[1]) + '</th><td colspan="7">no figure</td></tr>');
          return;
        }
        var dir = v[5] ? '<span class="dir ' + MARK[v[5]] + '">' : "<span>";
        out.push('<tr data-code="' + esc(c) + '"><th scope="row"><a href="' + esc(k[3]) + '">' + esc(k[1]) +
          '</a></th><td data-value="' + (v[1] === null ? "" : v[1]) + '">' + esc(v[0]) + "</td><td>" +
          esc(v[2]) + "</td><td>" + esc(v[3]) + "</td><td>" + dir + esc(v[4]) + "</span></td><td>" +
          esc(v[6]) + "</td><td>" + esc(v[7]) + "</td><td>" + spark(v[8] || [], v[9] || "no figures") + "</td></tr>");
      });
      out.push("</tbody></table></div></section>");
    });
    tables.innerHTML = out.join("");
  }
  window.cscbenchCompare = { draw: draw };
  window.addEventListener("hashchange", draw);
  draw();
})();
"""
