"""The analyst's loader: package resources as polars frames with real dtypes, in one call.

Needs only polars and the standard library (the core install): nothing here may import pandera,
frictionless, great-tables, pandas or pyarrow, even lazily.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.names import NameMatchError, name_lookup, normalise_name
from cscbench.paths import default_package, package_home
from cscbench.schema import load_table_schema, polars_dtypes
from cscbench.series import as_text, relocate

GSS_CODE = re.compile(r"[EWSN]\d{8}( / [EWSN]\d{8})*")  # joint returns: "E06000061 / E06000062"
OLD_LA_CODE = re.compile(r"\d{3}( / \d{3})*")  # DfE's 3-digit codes: "383" for Leeds
SUGGESTIONS = 5


def _descriptor_path(package: str | Path | None) -> Path:
    path = Path(package) if package else default_package()
    return path / "datapackage.json" if path.is_dir() else path


def _descriptor(path: Path) -> dict[str, Any]:
    # keyed on the file's mtime too, so a re-ingest in the same session is seen
    return _read_descriptor(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read_descriptor(path: Path, mtime_ns: int) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def package_dir() -> Path:
    """The folder holding the default ``datapackage.json``, ``datapackage/`` and ``schemas/``.

    Inside an installed wheel this is the bundled copy; in a checkout, the checkout itself. Hand
    its CSVs to pandas, DuckDB, R or ``frictionless validate``.
    """
    return package_home()


def resources(package: str | Path | None = None) -> list[str]:
    """Names of the resources in the package (default: the installed or checked-out package)."""
    return [r["name"] for r in _descriptor(_descriptor_path(package).resolve())["resources"]]


def _read(resource: str, path: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """One resource typed by its Table Schema, and that schema (for its primary key)."""
    entries = {r["name"]: r for r in _descriptor(path)["resources"]}
    if resource not in entries:
        raise KeyError(f"no resource {resource!r}; the package has {sorted(entries)}")
    entry = entries[resource]
    table_schema = load_table_schema(path.parent / entry["schema"])
    dtypes = polars_dtypes(table_schema)
    text = pl.read_csv(path.parent / entry["path"], infer_schema=False)
    frame = text.select(
        pl.col(name).str.to_date("%Y-%m-%d") if dtype == pl.Date() else pl.col(name).cast(dtype)
        for name, dtype in dtypes.items()
    )
    return frame, table_schema


def _primary_key(table_schema: dict[str, Any]) -> list[str]:
    key = table_schema.get("primaryKey", [])
    return [key] if isinstance(key, str) else list(key)


def load(
    resource: str,
    package: str | Path | None = None,
    *,
    current: bool = False,
    expand_joint: bool = False,
) -> pl.DataFrame:
    """One resource with dtypes from its Table Schema: numbers Float64, dates Date, enums pl.Enum.

    Rows keep the code their source published. For one line per council today:

    * ``current=True`` moves rows published under a superseded code onto the council's current
      code (``areas.series_code``: Barnsley's E08000016 rows become E08000038). Abolished councils
      with no single successor (Northamptonshire, Cumbria, Dorset County Council, Bournemouth,
      Poole) keep their own code.
    * ``expand_joint=True`` repeats each joint return's row (``E06000061 / E06000062``) for each
      member council, with ``joint_return`` True on those rows (False elsewhere).

    Either option adds ``published_area_code`` (the code as published) after ``area_code``. They
    apply to every resource with an ``area_code`` column except ``areas`` itself: observations,
    inspections, statistical_neighbours (``area_code`` only; its neighbour codes are already
    current) and announcements. If a key then appears twice, the council's own row wins (its
    own figure over its joint return's, a row published under the current code over one under a
    superseded code) and a :class:`cscbench.series.ShadowedRowsWarning` says how many rows were
    left out; the committed package has no such clash.
    """
    path = _descriptor_path(package).resolve()
    frame, table_schema = _read(resource, path)
    if not (current or expand_joint):
        return frame
    if resource == "areas" or "area_code" not in frame.columns:
        raise ValueError(
            "current= and expand_joint= apply to resources whose rows are under a council's code "
            f"(observations, inspections, statistical_neighbours, announcements), not {resource!r}"
        )
    areas, _ = _read("areas", path)
    key = _primary_key(table_schema)
    return relocate(frame, areas, key, resource, current=current, expand_joint=expand_joint)


def find_area(query: str, package: str | Path | None = None) -> dict[str, Any]:
    """The area row for a name variant ("Hull"), a GSS code ("E08000035") or a DfE code ("383").

    Where a name or old code belongs to more than one area (Dorset before and after 2019,
    Barnsley's 370 under both its codes), the current area wins;
    :func:`cscbench.ingest.areas.match_names` with a date gives the historical one. When nothing
    matches, the error suggests the closest names.
    """
    areas = as_text(load("areas", package))
    text = query.strip()
    rows = _matches(areas, text)
    current = rows.filter(pl.col("status") == "current")
    chosen = current if current.height else rows
    if chosen.height == 1:
        return chosen.row(0, named=True)
    if chosen.height == 0 and _is_code(text):
        raise NameMatchError(f"no area has the code {query!r} (areas lists every code in use)")
    if chosen.height == 0:
        raise NameMatchError(f"no area matches {query!r}{_suggest(areas, text)}")
    found = ", ".join(chosen["area_code"])
    raise NameMatchError(
        f"{query!r} matches {chosen.height} areas ({found}); try the official name or a code"
    )


def _is_code(text: str) -> bool:
    return bool(GSS_CODE.fullmatch(text.upper()) or OLD_LA_CODE.fullmatch(text))


def _matches(areas: pl.DataFrame, text: str) -> pl.DataFrame:
    """Rows whose code, old DfE code or any name variant is ``text``."""
    if GSS_CODE.fullmatch(text.upper()):
        return areas.filter(pl.col("area_code") == text.upper())
    if OLD_LA_CODE.fullmatch(text):
        return areas.filter(pl.col("old_la_code") == text)
    key = pl.select(normalise_name(pl.lit(text))).item()
    hits = name_lookup(areas).filter(pl.col("key") == key)["area_code"]
    return areas.filter(pl.col("area_code").is_in(hits.implode()))


def _suggest(areas: pl.DataFrame, text: str) -> str:
    """'; did you mean ...?' with the closest official names, or how to search by code.

    Names containing the query come first ("Kingston" -> both Kingstons), then difflib's closest
    spellings ("Wakefeild" -> Wakefield).
    """
    lookup = name_lookup(areas).join(areas.select("area_code", "name"), on="area_code")
    key = pl.select(normalise_name(pl.lit(text))).item()
    spelt = difflib.get_close_matches(key, lookup["key"].unique().to_list(), n=SUGGESTIONS)
    closeness = (
        pl.when(pl.lit(bool(key)) & pl.col("key").str.contains(key, literal=True))
        .then(pl.col("key").str.len_chars())  # the shortest containing name first
        .otherwise(pl.col("key").replace_strict(spelt, range(len(spelt)), default=None) + 1000)
    )
    names = (
        lookup.with_columns(closeness.alias("closeness"))
        .filter(pl.col("closeness").is_not_null())
        .sort("closeness", "name")
        .unique("name", keep="first", maintain_order=True)["name"]
        .head(SUGGESTIONS)
    )
    hint = "; give a GSS code (E08000035) or a DfE code (383) instead"
    return f"; did you mean {', '.join(map(repr, names))}?" if names.len() else hint
