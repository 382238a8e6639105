"""ingest: raw publisher files -> the package's resources (as typed polars frames).

What to read is declared in the registries (:mod:`cscbench.ingest.registry`): each raw file names the
reader that takes it, each indicator the dataset and column it comes from. Order matters in one
place: areas are built from every input's mentions before the resources that need codes resolved
(neighbours by DfE number; Ofsted's 2023 sheet, its in-year sheets and the press by name).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import polars as pl

from cscbench.ingest import (
    announcements,
    caveats,
    derived,
    ees,
    neighbours,
    ofsted,
    revenue_outturn,
)
from cscbench.ingest import areas as areas_mod
from cscbench.ingest.common import Contribution, RawInputError
from cscbench.ingest.indicators import indicators_frame
from cscbench.ingest.parsers import PARSERS
from cscbench.ingest.registry import Registry, RegistryError, default_registry
from cscbench.ingest.sources import check_files, sources_frame

# resource -> module exposing mentions(raw_dir) and build(raw_dir, areas)
RESOURCE_MODULES: dict[str, ModuleType] = {"inspections": ofsted, "announcements": announcements}
READERS = tuple(PARSERS)  # every reader a registry entry may name

__all__ = ["RawInputError", "RegistryError", "build", "verify_files"]


def verify_files(
    raw_dir: Path, registry: Registry, accept_new: bool = False
) -> dict[str, tuple[str, int]]:
    """Compare every raw file's size and sha256 with the sources registry.

    Returns the (sha256, bytes) of files that differ, which only ``accept_new`` allows: a new
    publisher release is a deliberate step (the file is then parsed by the build before the registry
    records it), never something an ingest picks up by accident.
    """
    checks = check_files(raw_dir, registry)
    missing = [c.describe() for c in checks if c.found is None]
    changed = [c for c in checks if c.found is not None and not c.matches]
    problems = missing + ([] if accept_new else [c.describe() for c in changed])
    if problems:
        hint = (
            "\nFetch missing files with `cscbench fetch`. If a file is a new publisher release, "
            "check it and re-run with --accept-new-raw (the registry then records its checksum "
            "for review); record it in CHANGELOG.md."
        )
        raise RawInputError(
            "raw files do not match registry/sources.toml:\n" + "\n".join(problems) + hint
        )
    return {c.source.source_id: c.found for c in changed if c.found is not None}


def _check_readers(registry: Registry) -> None:
    unknown = sorted({str(s.reader) for s in registry.sources if s.reader} - set(READERS))
    if unknown:
        raise RegistryError(
            f"registry/sources.toml: unknown reader(s) {unknown} (known: {READERS})"
        )


def observation_contributions(raw_dir: Path, registry: Registry) -> list[Contribution]:
    """Every observation file: the EES files, then each revenue outturn year."""
    parts = [
        ees.read(raw_dir / str(s.raw_path), s, registry.of_dataset(s.dataset))
        for s in registry.by_reader("ees")
    ]
    return parts + revenue_outturn.ingest(raw_dir, registry)


def _check_observations(observations: pl.DataFrame, registry: Registry) -> None:
    """One release per figure; every published indicator has figures; periods as declared."""
    key = ["indicator_id", "area_code", "period"]
    twice = observations.filter(pl.struct(key).is_duplicated())
    if twice.height:
        raise RawInputError(
            "two releases give the same figure (keep one entry per period in "
            f"registry/sources.toml): {twice.select(*key, 'source_id').head(6).to_dicts()}"
        )
    published = {i.indicator_id for i in registry.indicators if i.compute is None}
    empty = sorted(published - set(observations["indicator_id"].unique().to_list()))
    if empty:
        raise RawInputError(f"registered indicators with no figure in any raw file: {empty}")
    spans = observations.group_by("source_id").agg(
        pl.col("period").min().alias("first"), pl.col("period").max().alias("last")
    )
    for source_id, first, last in spans.iter_rows():
        declared = registry.source(source_id).periods
        if declared != (first, last):
            raise RawInputError(
                f"registry/sources.toml, source {source_id}: periods {declared} but the file "
                f"covers {first} to {last}; correct `periods`"
            )


def build(raw_dir: Path, registry: Registry | None = None) -> dict[str, pl.DataFrame]:
    """Every resource as a typed frame, in memory. Nothing is written here."""
    if not raw_dir.is_dir():
        raise RawInputError(f"raw folder {raw_dir} not found (use --raw-dir or CSCBENCH_RAW_DIR)")
    registry = registry or default_registry()
    _check_readers(registry)
    contributions = observation_contributions(raw_dir, registry)
    mentions = pl.concat(
        [c.mentions for c in contributions]
        + [m.mentions(raw_dir) for m in RESOURCE_MODULES.values()],
        how="diagonal_relaxed",
    )
    areas = areas_mod.build_areas(mentions)
    observations = pl.concat([c.observations for c in contributions])
    _check_observations(observations, registry)
    indicators = indicators_frame(registry)
    computed = derived.derive(observations, areas, indicators, registry)
    observations = pl.concat([observations, computed])
    flagged = caveats.build(observations, areas, registry)
    frames: dict[str, pl.DataFrame] = {
        "areas": areas,
        "indicators": indicators,
        # Council by council, so a reader that guesses types from the first rows (DuckDB's
        # read_csv_auto) meets a financial year ("2023-24") among the years ("2024").
        "observations": caveats.annotate(observations, flagged).sort(
            "area_code", "indicator_id", "period"
        ),
        "caveats": flagged,
        "statistical_neighbours": neighbours.build(raw_dir, areas),
        "sources": sources_frame(registry),
    }
    frames.update({name: m.build(raw_dir, areas) for name, m in RESOURCE_MODULES.items()})
    return frames
