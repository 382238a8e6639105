"""The analyst's loader: package resources as polars frames with real dtypes, in one call.

Needs only polars and the standard library (the core install): nothing here may import pandera,
frictionless, great-tables, pandas or pyarrow, even lazily.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core.names import NameMatchError, name_lookup, normalise_name
from cscbench.core.paths import default_package, package_home
from cscbench.core.series import as_text, relocate
from cscbench.package.reader import Package, read, usable
from cscbench.package.reader import PackageRefused as PackageRefused  # where callers import it
from cscbench.package.unpack import open_any

GSS_CODE = re.compile(r"[EWSN]\d{8}( / [EWSN]\d{8})*")  # joint returns: "E06000061 / E06000062"
OLD_LA_CODE = re.compile(r"\d{3}( / \d{3})*")  # DfE's 3-digit codes: "383" for Leeds
SUGGESTIONS = 5


@contextlib.contextmanager
def opened(package: str | Path | Package | None, allow_remote: bool) -> Iterator[Package]:
    """The checked package ``package`` names (default: the installed or checked-out package),
    read once (:func:`cscbench.package.reader.read`); a release zip or URL is unpacked for the
    length of the ``with`` block. A :class:`Package` is used as it is."""
    if isinstance(package, Package):
        yield usable(package)
        return
    if package is None:
        yield usable(read(default_package()))
        return
    with open_any(package, allow_remote) as descriptor:
        yield usable(read(descriptor))


def package_dir() -> Path:
    """The folder holding the default ``datapackage.json``, ``datapackage/`` and ``schemas/``.

    Inside an installed wheel this is the bundled copy; in a checkout, the checkout itself. Hand
    its CSVs to pandas, DuckDB, R or ``frictionless validate``.
    """
    return package_home()


def resources(
    package: str | Path | Package | None = None, *, allow_remote: bool = False
) -> list[str]:
    """Names of the resources in the package (default: the installed or checked-out package; also
    a release zip, or its URL with ``allow_remote=True``, or a :class:`Package`)."""
    with opened(package, allow_remote) as found:
        return found.names


def _primary_key(table_schema: dict[str, Any]) -> list[str]:
    key = table_schema.get("primaryKey", [])
    return [key] if isinstance(key, str) else list(key)


def load(
    resource: str,
    package: str | Path | Package | None = None,
    *,
    current: bool = False,
    expand_joint: bool = False,
    allow_remote: bool = False,
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
    superseded code) and a :class:`cscbench.core.series.ShadowedRowsWarning` says how many rows were
    left out; the committed package has no such clash.

    ``package`` is a ``datapackage.json``, its folder, a release archive
    (``cscbench-data-X.Y.Z.zip``) or, with ``allow_remote=True``, an archive's http(s) URL
    (downloaded within ``CSCBENCH_MAX_REMOTE_BYTES`` and ``CSCBENCH_REMOTE_TIMEOUT``, on each
    call: for several loads, download it once and pass the file). Every file
    is read through the package boundary as ``cscbench validate`` reads it: a path leading
    outside the package, a FIFO or device in place of a CSV, an unusable descriptor or schema
    raise :class:`PackageRefused` with the words ``validate`` uses. A
    :class:`cscbench.package.reader.Package` (as ``validate`` returns it) is read from memory:
    each of its CSVs is read once however many times it is loaded.
    """
    with opened(package, allow_remote) as found:
        frame = found.frame(resource)
        table_schema = found.entry(resource).schema
        if not (current or expand_joint):
            return frame
        if resource == "areas" or "area_code" not in frame.columns:
            raise ValueError(
                "current= and expand_joint= apply to resources whose rows are under a council's "
                "code (observations, inspections, statistical_neighbours, announcements), not "
                f"{resource!r}"
            )
        areas = found.frame("areas")
    key = _primary_key(table_schema)
    return relocate(frame, areas, key, resource, current=current, expand_joint=expand_joint)


def find_area(
    query: str, package: str | Path | Package | None = None, *, allow_remote: bool = False
) -> dict[str, Any]:
    """The area row for a name variant ("Hull"), a GSS code ("E08000035") or a DfE code ("383").

    Where a name or old code belongs to more than one area (Dorset before and after 2019,
    Barnsley's 370 under both its codes), the current area wins;
    :func:`cscbench.ingest.areas.match_names` with a date gives the historical one. When nothing
    matches, the error suggests the closest names.
    """
    areas = as_text(load("areas", package, allow_remote=allow_remote))
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
