"""Everything the table builders share, loaded and computed once per publish run."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.analysis.groupsfile import Groups, read_groups
from cscbench.analysis.loader import load, resources
from cscbench.package.reader import Package
from cscbench.package.reader import read as read_package
from cscbench.publish import formatting as fmt

TREND_SINCE = dt.date(2017, 1, 1)  # headline trends: 2017-2025 where available


@dataclass(frozen=True)
class Context:
    """The loaded package and the comparison grid (see :mod:`cscbench.analysis.comparison`).

    Everything derived from it (names, indicator metadata, inspections by series code, latest
    inspections) is a cached property: computed once per publish run, however many tables use it.
    """

    descriptor: Path
    package: dict
    frames: dict[str, pl.DataFrame]
    grid: pl.DataFrame  # every unit x indicator x period, with indicator metadata
    latest: pl.DataFrame  # the grid at each indicator's latest period
    series: pl.DataFrame  # observations keyed by series code (regions and England included)
    periods: pl.DataFrame  # (indicator_id, period, period_end) of the ranked units
    groups: Groups  # the comparison groups and pairs (config/groups.toml and --groups files)

    @property
    def version(self) -> str:
        return str(self.package.get("version", "unknown"))

    def has(self, resource: str) -> bool:
        return resource in self.frames

    @property
    def areas(self) -> pl.DataFrame:
        return self.frames["areas"]

    @property
    def indicators(self) -> pl.DataFrame:
        return self.frames["indicators"]

    @property
    def sources(self) -> pl.DataFrame:
        return self.frames["sources"]

    @functools.cached_property
    def names(self) -> dict[str, str]:
        """area_code -> name, for every area."""
        return dict(self.areas.select("area_code", "name").iter_rows())

    @functools.cached_property
    def area_names(self) -> pl.DataFrame:
        """unit_code -> area (its name), for joining."""
        return self.areas.select(
            pl.col("area_code").alias("unit_code"), pl.col("name").alias("area")
        )

    @functools.cached_property
    def labels(self) -> dict[str, str]:
        """indicator_id -> label with its unit, for computed figures' formulas in words."""
        return fmt.indicator_labels(self.indicators)

    @functools.cached_property
    def meta(self) -> pl.DataFrame:
        """Indicator metadata, one row per indicator (see :func:`indicator_meta`)."""
        return indicator_meta(self.indicators)

    @functools.cached_property
    def inspection_series(self) -> pl.DataFrame:
        """Every inspection row keyed by series code (:func:`compare.inspection_series`)."""
        return compare.inspection_series(self.frames["inspections"], self.areas)

    @functools.cached_property
    def latest_inspections(self) -> pl.DataFrame:
        """Each council's latest overall inspection (:func:`compare.latest_inspections`)."""
        return compare.latest_inspections(self.frames["inspections"], self.areas)

    @functools.cached_property
    def headline(self) -> tuple[str, ...]:
        """The headline indicators in the package's own order (``indicators.headline_order``);
        none for a package version without that column."""
        if "headline_order" not in self.indicators.columns:
            return ()
        chosen = self.indicators.filter(pl.col("headline_order").is_not_null())
        return tuple(chosen.sort("headline_order", "indicator_id")["indicator_id"].to_list())

    @functools.cached_property
    def short_labels(self) -> dict[str, str]:
        """indicator_id -> its short label for table headers, else its label."""
        short = pl.col("short_label") if "short_label" in self.indicators.columns else None
        label = pl.coalesce(short, pl.col("label")) if short is not None else pl.col("label")
        return dict(self.indicators.select("indicator_id", label.alias("short")).iter_rows())

    @functools.cached_property
    def memo(self) -> dict[str, object]:
        """Results several builders share within one publish run (the charts: planned before
        the pages are built so they render meanwhile)."""
        return {}

    def indicator_ids(self, wanted: tuple[str, ...]) -> tuple[str, ...]:
        """The wanted indicators this package version has, in the order given."""
        have = set(self.indicators["indicator_id"])
        return tuple(i for i in wanted if i in have)

    @functools.cached_property
    def latest_periods(self) -> pl.DataFrame:
        """Each indicator's latest period (:func:`compare.latest_periods`)."""
        return compare.latest_periods(self.periods)

    @functools.cached_property
    def latest_series(self) -> pl.DataFrame:
        """The series' rows at their indicator's latest period: what :meth:`comparator_rows`
        looks up (about 30 calls a publish, each a join on this rather than on every period)."""
        last = self.latest_periods.select("indicator_id", "period")
        return self.series.drop("period_end").join(
            last, on=["indicator_id", "period"], how="semi", maintain_order="left"
        )

    def comparator_rows(self, codes: list[str], ids: tuple[str, ...]) -> pl.DataFrame:
        """Regions or England at each indicator's latest period; a missing figure stays a row."""
        last = self.latest_periods.filter(pl.col("indicator_id").is_in(ids))
        grid = pl.DataFrame({"unit_code": codes}).join(last, how="cross", maintain_order="left")
        return grid.join(
            self.latest_series,
            on=["unit_code", "indicator_id", "period"],
            how="left",
            maintain_order="left",
        )

    def trends(self, codes: list[str], ids: tuple[str, ...], since: dt.date | None) -> pl.DataFrame:
        """Trend lists for ranked units (joint figures included) or comparators, by code."""
        units = self.grid.filter(pl.col("unit_code").is_in(codes))
        others = self.series.filter(
            pl.col("unit_code").is_in(codes),
            ~pl.col("unit_code").is_in(units["unit_code"].unique().implode()),
        )
        values = pl.concat(
            [
                units.select("unit_code", "indicator_id", "period", "value"),
                others.select("unit_code", "indicator_id", "period", "value"),
            ]
        ).filter(pl.col("indicator_id").is_in(ids))
        periods = self.periods.filter(pl.col("indicator_id").is_in(ids))
        keys = pl.DataFrame({"unit_code": codes}).join(
            pl.DataFrame({"indicator_id": list(ids)}), how="cross"
        )
        return keys.join(
            compare.trends(values, periods, since=since),
            on=["unit_code", "indicator_id"],
            how="left",
            maintain_order="left",
        )


def indicator_meta(indicators: pl.DataFrame) -> pl.DataFrame:
    return indicators.select(
        "indicator_id",
        "label",
        "theme",
        "unit",
        "decimals",
        pl.col("polarity").alias("indicator_polarity"),
        "caveats",
        "formula",
    ).with_columns(pl.col(pl.Enum).cast(pl.String))


def build_context(package: Package | Path, groups: Path | Sequence[Path] | Groups) -> Context:
    """Every resource the package has, typed (read once: a package ``validate`` returned holds
    them already), and the comparison grid computed once; ``groups``: the groups files to read
    (or groups already read and resolved)."""
    if not isinstance(package, Package):
        package = read_package(package)
    frames = {name: load(name, package) for name in resources(package)}
    inputs = compare.Inputs(
        frames["areas"],
        frames["indicators"],
        frames["observations"],
        frames["statistical_neighbours"],
        frames.get("caveats"),
    )
    built = compare.build(inputs)
    meta = indicator_meta(frames["indicators"])
    grid = built.grid.join(meta, on="indicator_id", how="left", maintain_order="left")
    return Context(
        descriptor=package.path,
        package=package.descriptor or {},
        frames=frames,
        grid=grid,
        latest=compare.latest(grid),
        series=built.series,
        periods=built.periods,
        groups=groups if isinstance(groups, Groups) else read_groups(groups, frames["areas"]),
    )
