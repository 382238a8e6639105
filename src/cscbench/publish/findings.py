"""The front page's key findings: the headline pair's figures side by side, Ofsted's latest
judgements, and the biggest movers (small bases left out by the rules in ``config/findings.toml``,
read as untrusted input).
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.core import paths
from cscbench.core.domain import ENGLAND
from cscbench.core.errors import InvalidInputError
from cscbench.publish import formatting as fmt
from cscbench.publish import headline, layout, navigation
from cscbench.publish.change import change_text, marker_html
from cscbench.publish.context import Context

# The measures readers ask about first (issue 12): the pair's line for each, where the package has it.
PAIR_FINDINGS = ("caseload_fte", "agency_rate_fte", "csc_net_expenditure_per_child_gbp")
MOVERS = 4  # the first ranked headline indicators whose biggest movers are named


def figure_expr() -> pl.Expr:
    return fmt.figure_text("value", "status", "unit", "decimals")


def name_html(code: str, name: str, profiles: dict[str, str]) -> str:
    """A council's name linked to its profile (from the index, at the site's root)."""
    return layout.link(profiles[code] + ".html", name) if code in profiles else html.escape(name)


def change_html(change: str, direction: str | None) -> str:
    """ "-0.3 since 2024, ✔ better": compare's change and direction, marked in words."""
    if change == fmt.DASH:
        return ""
    marker = marker_html(direction)
    return html.escape(change) + (", " + marker if marker else "")


def pair_line(ctx: Context, indicator: str, profiles: dict[str, str]) -> str | None:
    """ "Caseload (cases per FTE), 30 Sep 2025: Leeds 14.8 (rank 55 of 149, band B; -0.3 since
    2024, better), Wakefield 19.5 (...); England 15.2." for the headline pair, from the latest
    figures, as markup with each name linked to its profile."""
    codes = list(headline.headline_codes(ctx))
    rows = ctx.latest.filter(pl.col("indicator_id") == indicator, pl.col("unit_code").is_in(codes))
    if rows.height != len(codes):
        return None
    order = pl.DataFrame({"unit_code": codes, "_pos": list(range(len(codes)))})
    rows = rows.join(order, on="unit_code").sort("_pos")
    ranked = pl.when(pl.col("rank").is_not_null()).then(
        "rank " + fmt.rank_text() + ", band " + pl.col("band")
    )
    texts = rows.select(
        "unit_code",
        "name",
        figure_expr().alias("figure"),
        pl.coalesce(ranked, pl.lit("")).alias("ranked"),
        change_text().alias("change"),
        "change_direction",
        fmt.period_text(pl.col("period"), pl.col("period_end")).alias("when"),
    )
    parts = []
    for code, name, figure, ranked_, change, direction, _ in texts.iter_rows():
        inside = [html.escape(ranked_)] if ranked_ else []
        if moved := change_html(change, direction):
            inside.append(moved)
        bracket = f" ({'; '.join(inside)})" if inside else ""
        parts.append(f"{name_html(code, name, profiles)} {html.escape(figure)}{bracket}")
    england = ctx.comparator_rows([ENGLAND], (indicator,)).join(
        ctx.meta, on="indicator_id", how="left"
    )
    tail = ""
    if england.height and england["value"][0] is not None:
        tail = "; England " + html.escape(england.select(figure_expr()).item())
    label = ctx.short_labels.get(indicator, indicator)
    return (
        f"{html.escape(label)}, {html.escape(texts['when'][0])}: " + ", ".join(parts) + tail + "."
    )


def ofsted_line(ctx: Context, profiles: dict[str, str]) -> str | None:
    if not ctx.has("inspections"):
        return None
    rows = headline.ofsted_rows(ctx, list(headline.headline_codes(ctx)))
    parts = [
        f"{name_html(c, a, profiles)} {html.escape(f)}"
        for c, a, f in rows.select("unit_code", "area", "figure").iter_rows()
    ]
    return "Ofsted, latest overall effectiveness judgement: " + "; ".join(parts) + "."


class FindingsConfigError(InvalidInputError, ValueError):
    """The key findings' rules file (config/findings.toml) is malformed."""


@dataclass(frozen=True)
class SmallBase:
    """A ``[[movers.small_base]]`` rule: the movers of ``indicators`` leave out a council whose
    ``base`` (those indicators summed) is below ``below`` or unpublished in either period."""

    indicators: tuple[str, ...]
    base: tuple[str, ...]
    below: float
    base_label: str


def small_base_rules(path: Path) -> list[SmallBase]:
    """The rules of ``path`` (none when there is no such file)."""
    if not path.is_file():
        return []
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FindingsConfigError(f"{path}: not valid TOML: {exc}") from exc
    entries = config.get("movers", {}).get("small_base", [])
    if not isinstance(entries, list):
        raise FindingsConfigError(f"{path}: use [[movers.small_base]] entries")
    return [small_base_rule(path, n, e) for n, e in enumerate(entries, start=1)]


def small_base_rule(path: Path, number: int, entry: object) -> SmallBase:
    where = f"{path}: [[movers.small_base]] entry {number}"
    if not isinstance(entry, dict):
        raise FindingsConfigError(f"{where}: expected a table")
    lists = {}
    for key in ("indicators", "base"):
        value = entry.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise FindingsConfigError(f"{where}: {key} must be a non-empty list of indicator ids")
        lists[key] = tuple(value)
    below = entry.get("below")
    if isinstance(below, bool) or not isinstance(below, int | float) or below <= 0:
        raise FindingsConfigError(f"{where}: below must be a positive number, got {below!r}")
    label = entry.get("base_label")
    if not isinstance(label, str) or not label.strip():
        raise FindingsConfigError(f"{where}: base_label must name the base in words")
    return SmallBase(lists["indicators"], lists["base"], float(below), label.strip())


def number_words(value: float) -> str:
    return f"{value:g}"


def rules_text(rules: Sequence[SmallBase], ids: Sequence[str]) -> str:
    """Which figures the movers leave out, in words, for the rules that cover ``ids``."""
    parts = ["figures flagged in the package's caveats"]
    seen: list[str] = []
    for rule in rules:
        if set(rule.indicators) & set(ids):
            text = f"councils with fewer than {number_words(rule.below)} {rule.base_label}"
            if text not in seen:
                seen.append(text)
    if seen:
        parts.append(" or ".join(seen) + " in either period (or no such figure)")
    return "Left out: " + " and ".join(parts) + ", so a swing on a tiny base does not lead."


def small_bases(ctx: Context, rules: Sequence[SmallBase]) -> pl.DataFrame:
    """(indicator, council, period) whose figure is on a base below its rule's line, or on no
    published base: the rows the movers leave out."""
    frames = []
    for rule in rules:
        base = (
            ctx.grid.filter(
                pl.col("indicator_id").is_in(list(rule.base)),
                pl.col("basis").fill_null(compare.OWN) == compare.OWN,
            )
            .group_by("unit_code", "period")
            .agg(
                pl.col("value").sum().alias("base"),
                (pl.col("value").is_not_null().sum() == len(set(rule.base))).alias("complete"),
            )
            .filter(~pl.col("complete") | (pl.col("base") < rule.below))
            .select("unit_code", "period")
        )
        covered = pl.DataFrame({"indicator_id": list(rule.indicators)})
        frames.append(covered.join(base, how="cross"))
    if not frames:
        return pl.DataFrame(
            schema={"indicator_id": pl.String, "unit_code": pl.String, "period": pl.String}
        )
    return pl.concat(frames).unique()


def movers(
    ctx: Context, rules: Sequence[SmallBase] = (), profiles: dict[str, str] | None = None
) -> list[str]:
    """For the first ranked headline indicators: the councils whose figure rose and fell most
    since the previous period, as markup with each name linked; flagged figures and (``rules``)
    small bases in either period are left out."""
    profiles = profiles or {}
    ids = mover_ids(ctx)
    moved = ctx.latest.filter(
        pl.col("level") == "local_authority",
        pl.col("indicator_id").is_in(ids),
        pl.col("value").is_not_null(),
        pl.col("previous_value").is_not_null(),
        pl.col("basis").fill_null(compare.OWN) == compare.OWN,
        ~pl.col("flagged").fill_null(False),
        ~pl.col("previous_flagged").fill_null(False),
    )
    small = small_bases(ctx, rules)
    moved = moved.join(small, on=["indicator_id", "unit_code", "period"], how="anti").join(
        small.rename({"period": "previous_period"}),
        on=["indicator_id", "unit_code", "previous_period"],
        how="anti",
    )
    before = fmt.with_unit(
        fmt.number_text(pl.col("previous_value"), pl.col("decimals")), pl.col("unit")
    )
    moved = moved.with_columns((" (" + before + " to " + figure_expr() + ")").alias("_text")).sort(
        "indicator_id", "unit_code"
    )
    lines = []
    for indicator in ids:
        rows = moved.filter(pl.col("indicator_id") == indicator)
        if rows.height < 2:
            continue
        rise = rows.sort(pl.col("change"), "name", descending=[True, False]).row(0, named=True)
        fall = rows.sort("change", "name").row(0, named=True)
        since = rows["previous_period"][0]
        label = ctx.short_labels.get(indicator, indicator)
        said = [
            name_html(r["unit_code"], r["name"], profiles)
            + html.escape(r["_text"])
            + (", " + marker_html(r["change_direction"]) if r["change_direction"] else "")
            for r in (rise, fall)
        ]
        lines.append(
            f"{html.escape(label)}: the biggest rise since {html.escape(since)} was {said[0]}, "
            f"the biggest fall {said[1]}."
        )
    return lines


def mover_ids(ctx: Context) -> list[str]:
    """The first :data:`MOVERS` headline indicators with a polarity (neutral ones have no
    better or worse)."""
    ranked = ctx.indicators.filter(pl.col("polarity").cast(pl.String) != compare.NEUTRAL)
    return [i for i in ctx.headline if i in set(ranked["indicator_id"].to_list())][:MOVERS]


def findings_html(ctx: Context, findings: Path | None = None) -> str:
    profiles = navigation.places(ctx).profiles
    lines = []
    if headline.headline_gap(ctx) is None:
        lines += [line for i in PAIR_FINDINGS if (line := pair_line(ctx, i, profiles))]
        if (line := ofsted_line(ctx, profiles)) is not None:
            lines.append(line)
    rules = small_base_rules(findings or paths.default_findings())
    moved = movers(ctx, rules, profiles)
    if not lines and not moved:
        return ""
    pair = headline.headline_title(ctx, " and ")
    parts = ['<section id="findings"><h2>Key findings</h2>']
    if lines:
        parts.append(f"<h3>{html.escape(pair)}</h3><ul class='findings'>")
        parts += [f"<li>{line}</li>" for line in lines]
        parts.append("</ul>")
    if moved:
        parts.append("<h3>Biggest movers, all councils</h3><ul class='findings'>")
        parts += [f"<li>{line}</li>" for line in moved]
        parts.append("</ul>")
        parts.append(f"<p class='note'>{html.escape(rules_text(rules, mover_ids(ctx)))}</p>")
    parts.append(
        "<p class='note'>Generated from the package on every publish; each council's profile "
        "has the detail and the caveats. Better or worse: by the indicator's polarity.</p></section>"
    )
    return "\n".join(parts)
