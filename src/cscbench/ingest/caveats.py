"""The ``caveats`` resource: every flagged figure, built from one list (``registry/caveats.toml``).

A figure is flagged by a curated entry (a maintainer names it, and the value it must have), or by a
rule applied to every figure: a ratio on a small base (the Isles of Scilly's agency rate of 100% on
2 FTE social workers; a rate on a few hundred children; a percentage of fewer than 10), a zero
where a sizeable workforce makes it implausible (no agency staff, leavers or starters), a figure
several times the council's own median for that measure (marked "check"), or because cscbench
computed it from a flagged figure. Each flagged figure is one row with its reason, its source and
the entry that flagged it; the same reason becomes the figure's ``observations.note``
(:func:`annotate`), so nothing is written twice by hand.

One figure, one caveat: curated entries come first (two of them on one figure stop the build),
then each rule in the registry's order takes only figures no earlier entry flagged, so a curated
reason is never hidden by a general one.

A curated entry that covers no figure for one of its areas and periods, or a figure that no longer
has the declared value, stops the build: a stale caveat is worse than none.
"""

from __future__ import annotations

import re

import polars as pl

from cscbench.core.flags import note_with_reason
from cscbench.ingest.common import RawInputError, conform, resource_columns
from cscbench.ingest.derived import population_period
from cscbench.ingest.registry import (
    CAVEATS_FILE,
    COMPUTED_FROM,
    CURATED,
    JUMP,
    SMALL_BASE,
    ZERO,
    Caveat,
    Registry,
)

CAVEAT_COLUMNS = resource_columns("caveats")
KEY = ["indicator_id", "area_code", "period"]
RULE = "rule"  # the resource's kind for every entry that is not curated


def fill(template: str, values: dict[str, pl.Expr]) -> pl.Expr:
    """A reason template with each ``{name}`` replaced by that expression's text, row by row
    (the registry has checked that only known names are used)."""
    parts = re.split(r"(\{\w+\})", template)
    pieces = [values[p[1:-1]] if p[1:-1] in values else pl.lit(p) for p in parts if p]
    return pl.concat_str(pieces) if pieces else pl.lit("")


def _where(registry: Registry, caveat: Caveat) -> str:
    return f"{registry.directory / CAVEATS_FILE}, caveat {caveat.caveat_id}"


def _rows(figures: pl.DataFrame, caveat: Caveat, reason: pl.Expr) -> pl.DataFrame:
    """Figures as caveat rows. Callers pass only figures with a value: a suppressed figure is
    never compared, so there is nothing to flag."""
    return figures.select(
        *KEY,
        "source_id",
        pl.lit(CURATED if caveat.kind == CURATED else RULE).alias("kind"),
        pl.lit(caveat.caveat_id).alias("caveat_id"),
        reason.alias("reason"),
    )


# ---------------------------------------------------------------------------- curated entries


def curated(observations: pl.DataFrame, caveat: Caveat, registry: Registry) -> pl.DataFrame:
    """The figures a curated entry names, after checking it still holds for each of them."""
    if caveat.since is not None:
        return curated_since(observations, caveat, registry)
    covered = observations.filter(
        pl.col("source_id") == caveat.source,
        pl.col("indicator_id").str.contains(caveat.pattern or ""),
        pl.col("area_code").is_in(list(caveat.areas)),
        pl.col("period").is_in(list(caveat.periods)),
    )
    wanted = pl.DataFrame({"area_code": list(caveat.areas)}).join(
        pl.DataFrame({"period": list(caveat.periods)}), how="cross"
    )
    uncovered = wanted.join(covered, on=["area_code", "period"], how="anti")
    if uncovered.height:
        raise RawInputError(
            f"{_where(registry, caveat)}: covers no figure of source {caveat.source} matching "
            f"{caveat.pattern!r} for {uncovered.sort('area_code', 'period').rows()} "
            "(area, period); correct the entry or remove it"
        )
    if caveat.value is not None:
        differ = covered.filter(pl.col("value").ne_missing(caveat.value)).sort(KEY)
        if differ.height:
            raise RawInputError(
                f"{_where(registry, caveat)}: expected every covered figure to be "
                f"{caveat.value:g}, found {differ.select(*KEY, 'value').head(5).rows()} "
                "(indicator, area, period, value); the publisher may have revised it: check "
                "the caveat still holds"
            )
    return _rows(covered.filter(pl.col("value").is_not_null()), caveat, pl.lit(caveat.reason))


def curated_since(observations: pl.DataFrame, caveat: Caveat, registry: Registry) -> pl.DataFrame:
    """A curated fact that holds from a period on: every figure from ``since`` that still has the
    declared value (a later year's copy stays flagged; a corrected return simply is not covered).
    Each area must have the value in ``since`` itself, or the entry is stale."""
    covered = observations.filter(
        pl.col("source_id") == caveat.source,
        pl.col("indicator_id").str.contains(caveat.pattern or ""),
        pl.col("area_code").is_in(list(caveat.areas)),
        _period_from(pl.col("period"), caveat.since or ""),
        pl.col("value").is_not_null(),
    )
    if caveat.value is not None:
        covered = covered.filter(pl.col("value") == caveat.value)
    first = covered.filter(pl.col("period") == caveat.since)["area_code"].unique()
    stale = sorted(set(caveat.areas) - set(first.to_list()))
    if stale:
        raise RawInputError(
            f"{_where(registry, caveat)}: no figure of source {caveat.source} matching "
            f"{caveat.pattern!r} for {stale} in {caveat.since} "
            + (f"with value {caveat.value:g} " if caveat.value is not None else "")
            + "(the entry's 'since'); correct the entry or remove it"
        )
    return _rows(covered, caveat, pl.lit(caveat.reason))


def _period_from(period: pl.Expr, since: str) -> pl.Expr:
    """Periods of the same form as ``since`` (2021, or 2021-22) from it on."""
    same_form = period.str.len_chars() == len(since)
    return same_form & (period >= since)


# ---------------------------------------------------------------------------- small bases


def number_words(value: pl.Expr) -> pl.Expr:
    """A base as a reader writes it: 2 not 2.0, 1.8 as 1.8 (no float noise)."""
    rounded = value.round(6)
    whole = rounded == rounded.round(0)
    return (
        pl.when(whole)
        .then(rounded.cast(pl.Int64).cast(pl.String))
        .otherwise(rounded.cast(pl.String))
    )


def bases(observations: pl.DataFrame, caveat: Caveat) -> pl.DataFrame:
    """Each (area, period)'s base: the sum of the rule's base figures, only where all of them are
    published (a missing part never makes a base look small)."""
    return (
        observations.filter(pl.col("indicator_id").is_in(list(caveat.base)))
        .group_by("area_code", "period")
        .agg(
            pl.col("value").sum().alias("base"),
            pl.col("value").is_not_null().sum().alias("have"),
        )
        .filter(pl.col("have") == len(caveat.base))
        .drop("have")
    )


def _figures(observations: pl.DataFrame, caveat: Caveat) -> pl.DataFrame:
    return observations.filter(
        pl.col("indicator_id").is_in(list(caveat.indicators)), pl.col("value").is_not_null()
    )


def small_base(
    observations: pl.DataFrame, caveat: Caveat, areas: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Every published ratio of the rule whose base (the sum of the base figures for the same area
    and period, all of them published) is below the threshold. With ``base_period = population``
    the base is the child population the figure's rate is computed on (mid-year Y-1 for 31 March Y,
    mid-Y for financial year Y-Y+1), matched through series codes as the rates are."""
    below = bases(observations, caveat).filter(pl.col("base") < caveat.below)
    figures = _figures(observations, caveat)
    if caveat.base_period == "population":
        series = (
            pl.DataFrame(schema={"area_code": pl.String, "series": pl.String})
            if areas is None
            else areas.select("area_code", pl.coalesce("series_code", "area_code").alias("series"))
        )

        def by_series(frame: pl.DataFrame) -> pl.DataFrame:
            joined = frame.join(series, on="area_code", how="left")
            return joined.with_columns(pl.coalesce("series", "area_code").alias("series"))

        pop = by_series(below).select("series", pl.col("period").alias("pop_period"), "base")
        flagged = (
            by_series(figures)
            .with_columns(population_period(pl.col("period")).alias("pop_period"))
            .join(pop, on=["series", "pop_period"])
        )
    else:
        flagged = figures.join(below, on=["area_code", "period"])
    return _rows(flagged, caveat, fill(caveat.reason, {"base": number_words(pl.col("base"))}))


def zero(observations: pl.DataFrame, caveat: Caveat) -> pl.DataFrame:
    """Every figure of the rule published as exactly 0 where the base (a workforce, say) is at
    least the rule's size: no agency staff, leavers or starters among hundreds of social workers is
    possible but unusual, and is kept out of ranks until someone checks it."""
    big = bases(observations, caveat).filter(pl.col("base") >= caveat.at_least)
    zeros = _figures(observations, caveat).filter(pl.col("value") == 0)
    flagged = zeros.join(big, on=["area_code", "period"])
    return _rows(flagged, caveat, fill(caveat.reason, {"base": number_words(pl.col("base"))}))


def jump(observations: pl.DataFrame, caveat: Caveat) -> pl.DataFrame:
    """Every figure more than ``factor`` times its own series' median (or below the median divided
    by it), for series with at least ``min_periods`` figures: marked "check".

    The median of the council's own figures for the measure, not the years either side, is the
    yardstick, so a run of odd years (Wakefield's referrals of 2014 to 2016) is found as well as a
    single spike; a median of 0 judges nothing.
    """
    series = ["indicator_id", "area_code"]
    figures = _figures(observations, caveat).with_columns(
        pl.col("value").median().over(series).alias("median"),
        pl.len().over(series).alias("_n"),
    )
    factor = caveat.factor or 1.0
    odd = (pl.col("value") > pl.col("median") * factor) | (
        pl.col("value") < pl.col("median") / factor
    )
    flagged = figures.filter(pl.col("_n") >= caveat.min_periods, pl.col("median") > 0, odd)
    times = (pl.col("value") / pl.col("median")).round(1)
    reason = fill(
        caveat.reason,
        {"median": number_words(pl.col("median").round(1)), "times": number_words(times)},
    )
    return _rows(flagged, caveat, reason)


# ---------------------------------------------------------------------------- computed figures


def previous_period(period: pl.Expr) -> pl.Expr:
    """2025 -> 2024; 2024-25 -> 2023-24 (the period a change is taken on)."""
    start = period.str.slice(0, 4).cast(pl.Int32) - 1
    financial = pl.format("{}-{}", start, ((start + 1) % 100).cast(pl.String).str.zfill(2))
    return pl.when(period.str.contains("-")).then(financial).otherwise(start.cast(pl.String))


def computed_inputs(
    observations: pl.DataFrame, areas: pl.DataFrame, registry: Registry
) -> pl.DataFrame:
    """Each computed figure with the figures it was computed from: (input id, series, period).

    A rate per population uses its input for the same period; a change also uses the period
    before. Areas are matched through ``series_code``, as the computation does, so a change across
    a code change still finds its earlier figure.
    """
    links = [
        {"indicator_id": i.indicator_id, "input_id": source, "lag": lag}
        for i in registry.indicators
        if i.compute is not None
        for source in i.inputs
        for lag in ((0,) if i.compute == "per_population" else (0, 1))
    ]
    schema = {"indicator_id": pl.String, "input_id": pl.String, "lag": pl.Int8}
    series = areas.select("area_code", pl.coalesce("series_code", "area_code").alias("series"))
    return (
        observations.filter(pl.col("value").is_not_null())
        .select(*KEY, "source_id")
        .join(pl.DataFrame(links, schema=schema), on="indicator_id")
        .join(series, on="area_code", how="left")
        .with_columns(
            pl.when(pl.col("lag") == 0)
            .then(pl.col("period"))
            .otherwise(previous_period(pl.col("period")))
            .alias("input_period")
        )
    )


def computed_from(
    flagged: pl.DataFrame,
    inputs: pl.DataFrame,
    areas: pl.DataFrame,
    caveat: Caveat,
) -> pl.DataFrame:
    """Computed figures with a flagged input, one row each (several flagged inputs: every reason,
    in input order)."""
    series = areas.select("area_code", pl.coalesce("series_code", "area_code").alias("series"))
    sources = flagged.join(series, on="area_code", how="left").select(
        pl.col("indicator_id").alias("input_id"),
        "series",
        pl.col("period").alias("input_period"),
        pl.col("reason").alias("input_reason"),
    )
    reason = fill(
        caveat.reason,
        {
            "input": pl.col("input_id"),
            "period": pl.col("input_period"),
            "reason": pl.col("input_reason"),
        },
    )
    hits = (
        inputs.join(sources, on=["input_id", "series", "input_period"])
        .with_columns(reason.alias("_reason"))
        .sort(*KEY, "input_id", "input_period")
        .group_by(*KEY, "source_id", maintain_order=True)
        .agg(pl.col("_reason").str.join(" "))
    )
    return _rows(hits, caveat, pl.col("_reason"))


# ---------------------------------------------------------------------------- the resource


def rule_rows(
    observations: pl.DataFrame, areas: pl.DataFrame, caveat: Caveat, registry: Registry
) -> pl.DataFrame:
    """The figures one curated entry or rule flags (computed-from is applied afterwards)."""
    if caveat.kind == CURATED:
        return curated(observations, caveat, registry)
    if caveat.kind == SMALL_BASE:
        return small_base(observations, caveat, areas)
    if caveat.kind == ZERO:
        return zero(observations, caveat)
    return jump(observations, caveat)


def _one_each(rows: pl.DataFrame, registry: Registry) -> None:
    twice = rows.filter(pl.struct(KEY).is_duplicated()).sort(*KEY, "caveat_id")
    if twice.height:
        raise RawInputError(
            f"{registry.directory / CAVEATS_FILE}: these figures are flagged by more than one "
            f"entry: {twice.select(*KEY, 'caveat_id').head(6).rows()}; one figure, one caveat: "
            "merge the entries or narrow one"
        )


def build(observations: pl.DataFrame, areas: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """Every flagged figure: the curated entries and small-base rules, then (repeatedly, so a
    figure computed from a computed figure is reached too) the figures computed from them."""
    empty = pl.DataFrame(schema=CAVEAT_COLUMNS)
    curated_rows = [
        curated(observations, c, registry) for c in registry.caveats if c.kind == CURATED
    ]
    flagged = pl.concat([empty, *curated_rows], how="diagonal_relaxed")
    _one_each(flagged, registry)
    for rule in (c for c in registry.caveats if c.kind in (SMALL_BASE, ZERO, JUMP)):
        found = rule_rows(observations, areas, rule, registry).join(flagged, on=KEY, how="anti")
        flagged = pl.concat([flagged, found], how="diagonal_relaxed")
    rule = next((c for c in registry.caveats if c.kind == COMPUTED_FROM), None)
    if rule is not None:
        inputs = computed_inputs(observations, areas, registry)
        for _ in registry.indicators:  # a chain is at most as long as the computed indicators
            found = computed_from(flagged, inputs, areas, rule).join(flagged, on=KEY, how="anti")
            if found.is_empty():
                break
            flagged = pl.concat([flagged, found], how="diagonal_relaxed")
    _one_each(flagged, registry)
    return conform(flagged, CAVEAT_COLUMNS).sort(KEY)


def annotate(observations: pl.DataFrame, caveats: pl.DataFrame) -> pl.DataFrame:
    """Observations with each flagged figure's reason written into its ``note``."""
    reasons = caveats.select(*KEY, pl.col("reason").alias("_reason"))
    return (
        observations.join(reasons, on=KEY, how="left", maintain_order="left")
        .with_columns(note_with_reason(pl.col("note"), pl.col("_reason")).alias("note"))
        .drop("_reason")
    )
