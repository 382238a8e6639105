"""The analyst's loader: package resources as polars frames with real dtypes, in one call."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.paths import default_package
from cscbench.schema import load_table_schema, polars_dtypes


def _descriptor_path(package: str | Path | None) -> Path:
    path = Path(package) if package else default_package()
    return path / "datapackage.json" if path.is_dir() else path


def _descriptor(path: Path) -> dict[str, Any]:
    # keyed on the file's mtime too, so a re-ingest in the same session is seen
    return _read_descriptor(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read_descriptor(path: Path, mtime_ns: int) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def resources(package: str | Path | None = None) -> list[str]:
    """Names of the resources in the package (default: this checkout's)."""
    return [r["name"] for r in _descriptor(_descriptor_path(package).resolve())["resources"]]


def load(resource: str, package: str | Path | None = None) -> pl.DataFrame:
    """One resource with dtypes from its Table Schema: numbers Float64, dates Date, enums pl.Enum."""
    path = _descriptor_path(package).resolve()
    entries = {r["name"]: r for r in _descriptor(path)["resources"]}
    if resource not in entries:
        raise KeyError(f"no resource {resource!r}; the package has {sorted(entries)}")
    entry = entries[resource]
    dtypes = polars_dtypes(load_table_schema(path.parent / entry["schema"]))
    text = pl.read_csv(path.parent / entry["path"], infer_schema=False)
    return text.select(
        pl.col(name).str.to_date("%Y-%m-%d") if dtype == pl.Date() else pl.col(name).cast(dtype)
        for name, dtype in dtypes.items()
    )


def find_area(name: str, package: str | Path | None = None) -> dict[str, Any]:
    """Resolve any name variant ("Hull", "Kingston upon Hull, City of") to its area row.

    Where a name belongs to more than one code (e.g. Dorset before and after 2019), the current
    code wins; :func:`cscbench.ingest.areas.match_names` with a date gives the historical one.
    """
    from cscbench.names import NameMatchError, name_lookup, normalise_name

    areas = load("areas", package).with_columns(pl.col(pl.Enum).cast(pl.String))
    key = pl.select(normalise_name(pl.lit(name))).item()
    hits = name_lookup(areas).filter(pl.col("key") == key)["area_code"].unique()
    rows = areas.filter(pl.col("area_code").is_in(hits.implode()))
    current = rows.filter(pl.col("status") == "current")
    chosen = current if current.height else rows
    if chosen.height != 1:
        found = ", ".join(chosen["area_code"]) or "none"
        raise NameMatchError(
            f"{name!r} matches {chosen.height} areas ({found}); try the official name or a code"
        )
    return chosen.row(0, named=True)
