"""Caveats on particular published figures, declared in the sources registry (``[[source.notes]]``).

A note names a source, a pattern of indicator ids, areas and periods; it lands in ``observations.note``
of every figure it covers. A note that covers no figure, or whose ``value`` no longer matches a figure
(a new release changed it), stops the build: a stale caveat is worse than none.
"""

from __future__ import annotations

import polars as pl

from cscbench.ingest.common import RawInputError
from cscbench.ingest.registry import FigureNote, Registry, Source


def _covered(note: FigureNote, source: Source) -> pl.Expr:
    return (
        (pl.col("source_id") == source.source_id)
        & pl.col("indicator_id").str.contains(note.indicators)
        & pl.col("area_code").is_in(list(note.areas))
        & pl.col("period").is_in(list(note.periods))
    )


def _check(note: FigureNote, source: Source, covered: pl.DataFrame) -> None:
    where = f"registry/sources.toml, source {source.source_id}, note {note.note[:40]!r}..."
    if covered.is_empty():
        raise RawInputError(f"{where}: covers no figure (indicators {note.indicators!r})")
    if note.value is not None:
        differ = covered.filter(pl.col("value").ne_missing(note.value))
        if differ.height:
            raise RawInputError(
                f"{where}: expected every covered figure to be {note.value:g}, found "
                f"{differ.select('indicator_id', 'area_code', 'period', 'value').head(5).to_dicts()}"
                "; the publisher may have revised it: check the note still holds"
            )


def apply_notes(observations: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """Observations with every registered figure note written into ``note``."""
    for source in registry.sources:
        for note in source.notes:
            covered = _covered(note, source)
            _check(note, source, observations.filter(covered))
            observations = observations.with_columns(
                pl.when(covered)
                .then(
                    pl.concat_str(
                        pl.col("note"), pl.lit(note.note), separator=" ", ignore_nulls=True
                    )
                )
                .otherwise(pl.col("note"))
                .alias("note")
            )
    return observations
