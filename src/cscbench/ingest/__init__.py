"""ingest: raw publisher files -> the package's resources (as typed polars frames).

Order matters only in one place: areas are built from every input's mentions before the resources that
need codes resolved (neighbours by DfE number; Ofsted's 2023 sheet and the press by name).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import polars as pl

from cscbench.ingest import (
    announcements,
    cin,
    cla,
    csww,
    derived,
    neighbours,
    ofsted,
    population,
    revenue_outturn,
)
from cscbench.ingest import areas as areas_mod
from cscbench.ingest.common import RawInputError
from cscbench.ingest.sources import SOURCES, Source, sha256, sources_frame

OBSERVATION_MODULES: tuple[ModuleType, ...] = (csww, cla, cin, population, revenue_outturn)
# resource -> module exposing SOURCES, mentions(raw_dir) and build(raw_dir, areas)
RESOURCE_MODULES: dict[str, ModuleType] = {"inspections": ofsted, "announcements": announcements}


def all_sources() -> tuple[Source, ...]:
    return (*SOURCES, *_extra_sources())


def _extra_sources() -> tuple[Source, ...]:
    return tuple(s for m in RESOURCE_MODULES.values() for s in m.SOURCES)


def verify_checksums(raw_dir: Path, committed: Path, accept_new: bool = False) -> list[str]:
    """Compare each raw file's sha256 with the committed ``sources.csv``.

    A changed file is refused unless ``accept_new`` is set: a new publisher release should be a
    deliberate step, recorded in the CHANGELOG, not something an ingest picks up by accident.
    """
    if not committed.exists():
        if accept_new:
            return []
        raise RawInputError(
            f"{committed} not found: there are no recorded checksums to verify the raw files "
            "against; run with --accept-new-raw to build a first package deliberately"
        )
    known = pl.read_csv(committed, infer_schema=False).filter(pl.col("sha256").is_not_null())
    expected = dict(zip(known["raw_path"], known["sha256"], strict=True))
    problems = []
    for source in all_sources():
        if source.raw_path is None:
            continue
        path = raw_dir / source.raw_path
        if not path.exists():
            problems.append(f"{path}: raw file missing (source {source.source_id})")
            continue
        if (
            source.raw_path in expected
            and sha256(path) != expected[source.raw_path]
            and not accept_new
        ):
            problems.append(
                f"{path}: sha256 differs from the committed sources.csv ({expected[source.raw_path][:12]}...). "
                "If this is a new publisher release, check it, update sources.py, and re-run with "
                "`cscbench ingest --accept-new-raw`; then record it in CHANGELOG.md."
            )
    if problems:
        raise RawInputError(
            "raw inputs do not match the package's recorded checksums:\n" + "\n".join(problems)
        )
    return problems


def build(raw_dir: Path) -> dict[str, pl.DataFrame]:
    """Every resource as a typed frame, in memory. Nothing is written here."""
    if not raw_dir.is_dir():
        raise RawInputError(f"raw folder {raw_dir} not found (use --raw-dir or CSCBENCH_RAW_DIR)")
    contributions = [m.ingest(raw_dir) for m in OBSERVATION_MODULES]
    extras = RESOURCE_MODULES
    mentions = pl.concat(
        [c.mentions for c in contributions] + [m.mentions(raw_dir) for m in extras.values()],
        how="diagonal_relaxed",
    )
    areas = areas_mod.build_areas(mentions)
    observations = pl.concat([c.observations for c in contributions])
    indicators = pl.concat([c.indicators for c in contributions])
    computed = derived.derive(observations, areas, indicators)
    frames: dict[str, pl.DataFrame] = {
        "areas": areas,
        "indicators": pl.concat([indicators, computed.indicators]).sort("indicator_id"),
        "observations": pl.concat([observations, computed.observations]).sort(
            "indicator_id", "area_code", "period"
        ),
        "statistical_neighbours": neighbours.build(raw_dir, areas),
        "sources": sources_frame(raw_dir, _extra_sources()),
    }
    frames.update({name: module.build(raw_dir, areas) for name, module in extras.items()})
    return frames
