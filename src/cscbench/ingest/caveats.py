"""The ``caveats`` resource: every flagged figure, built from one list (``registry/caveats.toml``).

A figure is flagged by a curated entry (a maintainer names it, and the value it must have), by a
small-base rule (a ratio whose base is tiny, such as the Isles of Scilly's agency rate of 100% on
2 FTE social workers) or because cscbench computed it from a flagged figure. Each flagged figure is
one row with its reason, its source and the entry that flagged it; the same reason becomes the
figure's ``observations.note`` (:func:`annotate`), so nothing is written twice by hand.

A curated entry that covers no figure for one of its areas and periods, or a figure that no longer
has the declared value, stops the build: a stale caveat is worse than none.
"""

from __future__ import annotations

import re

import polars as pl

from cscbench.flags import note_with_reason
from cscbench.ingest.common import RawInputError, conform, resource_columns
from cscbench.ingest.registry import (
    CAVEATS_FILE,
    COMPUTED_FROM,
    CURATED,
    SMALL_BASE,
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


def small_base(observations: pl.DataFrame, caveat: Caveat) -> pl.DataFrame:
    """Every published ratio of the rule whose base (the sum of the base figures for the same area
    and period, all of them published) is below the threshold."""
    bases = (
        observations.filter(pl.col("indicator_id").is_in(list(caveat.base)))
        .group_by("area_code", "period")
        .agg(
            pl.col("value").sum().alias("base"),
            pl.col("value").is_not_null().sum().alias("have"),
        )
        .filter(pl.col("have") == len(caveat.base), pl.col("base") < caveat.below)
    )
    ratios = observations.filter(
        pl.col("indicator_id").is_in(list(caveat.indicators)), pl.col("value").is_not_null()
    )
    flagged = ratios.join(bases, on=["area_code", "period"])
    return _rows(flagged, caveat, fill(caveat.reason, {"base": number_words(pl.col("base"))}))


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
    direct = [
        curated(observations, c, registry) if c.kind == CURATED else small_base(observations, c)
        for c in registry.caveats
        if c.kind in (CURATED, SMALL_BASE)
    ]
    flagged = pl.concat([pl.DataFrame(schema=CAVEAT_COLUMNS), *direct], how="diagonal_relaxed")
    _one_each(flagged, registry)
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
