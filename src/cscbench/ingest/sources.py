"""The ``sources`` resource and raw-file checks, from the sources registry (``registry/sources.toml``).

Facts here come from the registry only; the PROVENANCE.md files beside the raw data are where a
maintainer reads them when adding an entry. Every raw file's size and sha256 are compared with the
registry before anything is read, so a changed publisher file is never ingested silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cscbench.ingest.common import RawInputError, conform, resource_columns
from cscbench.ingest.registry import Registry, Source
from cscbench.package.boundary import resolve

SOURCE_COLUMNS = resource_columns("sources")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileCheck:
    """How one registered raw file compares with its registry entry."""

    source: Source
    path: Path
    found: tuple[str, int] | None  # (sha256, bytes) of the file, None when it is missing

    @property
    def matches(self) -> bool:
        return self.found == (self.source.sha256, self.source.bytes)

    def describe(self) -> str:
        if self.found is None:
            return f"{self.path}: raw file missing (source {self.source.source_id})"
        sha, size = self.found
        return (
            f"{self.path}: expected {self.source.bytes:,} bytes with sha256 "
            f"{str(self.source.sha256)[:12]}... (registry/sources.toml, source "
            f"{self.source.source_id}); found {size:,} bytes with sha256 {sha[:12]}..."
        )


MAX_RAW_BYTES = 1 << 30  # as fetch's bound on a new release


def _inside(raw_dir: Path, source: Source) -> Path | None:
    """The raw file ``source`` names, through the package boundary (inside the raw folder after
    symlinks, a regular file); None when it is missing; RawInputError naming the registry entry
    and field when it leads elsewhere or is not a regular file."""
    path = raw_dir / str(source.raw_path)
    if not raw_dir.is_dir():
        return None
    found = resolve(raw_dir, str(source.raw_path), MAX_RAW_BYTES)
    if isinstance(found, Path):
        return found
    if found.check_id == "file.missing":
        return None
    raise RawInputError(
        f"{path}: registry/sources.toml, source {source.source_id}, raw_path: {found.value}; "
        f"expected {found.expected.replace('package', 'raw')}"
    )


def check_files(raw_dir: Path, registry: Registry) -> list[FileCheck]:
    """Size and sha256 of every registered raw file (the size first: a cheap early answer)."""
    checks = []
    for source in registry.sources:
        if source.raw_path is None:
            continue
        path = raw_dir / source.raw_path
        if _inside(raw_dir, source) is None:
            checks.append(FileCheck(source, path, None))
            continue
        size = path.stat().st_size
        checks.append(FileCheck(source, path, (sha256(path), size)))
    return checks


def _periods(source: Source) -> str | None:
    if source.periods is None:
        return None
    first, last = source.periods
    return first if first == last else f"{first} to {last}"


def _row(source: Source) -> dict[str, object]:
    return {
        "source_id": source.source_id,
        "publisher": source.publisher,
        "title": source.title,
        "licence": source.licence,
        "published": source.published,
        "published_note": source.published_unknown,
        "publication_url": source.publication_url,
        "repository": source.repository,
        "repository_path": source.repository_path,
        "commit": source.commit,
        "raw_path": source.raw_path,
        "description": source.description,
        "file_name": Path(source.raw_path).name if source.raw_path else None,
        "sha256": source.sha256,
        "dataset": source.dataset,
        "periods": _periods(source),
        "download_url": source.download_url,
        "bytes": source.bytes,
    }


def sources_frame(registry: Registry) -> pl.DataFrame:
    """The sources resource: one row per registry entry (checksums already verified)."""
    rows = [_row(s) for s in registry.sources]
    frame = pl.DataFrame(rows, schema={k: pl.String() for k in rows[0]} | {"bytes": pl.Int64()})
    return conform(
        frame.with_columns(pl.col("published").str.to_date("%Y-%m-%d")), SOURCE_COLUMNS
    ).sort("source_id")
