"""The analyst's loader: package resources as polars frames with real dtypes, in one call.

Needs only polars and the standard library (the core install): nothing here may import pandera,
frictionless, great-tables, pandas or pyarrow, even lazily.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from cscbench import boundary, descriptor, limits
from cscbench.errors import InvalidInputError
from cscbench.names import NameMatchError, name_lookup, normalise_name
from cscbench.paths import default_package, package_home
from cscbench.schema import polars_dtypes, typed
from cscbench.series import as_text, relocate
from cscbench.unpack import open_any

GSS_CODE = re.compile(r"[EWSN]\d{8}( / [EWSN]\d{8})*")  # joint returns: "E06000061 / E06000062"
OLD_LA_CODE = re.compile(r"\d{3}( / \d{3})*")  # DfE's 3-digit codes: "383" for Leeds
SUGGESTIONS = 5


class PackageRefused(InvalidInputError, ValueError):
    """The package cannot be read (safely): a path leading outside it, a FIFO or device in place of
    a CSV, a descriptor or schema that is not usable. The message is the one ``cscbench validate``
    gives for the same problem; ``check_id`` is its check (``package.unsafe_path``...)."""

    def __init__(self, message: str, check_id: str) -> None:
        super().__init__(message)
        self.check_id = check_id


@contextlib.contextmanager
def _opened(package: str | Path | None, allow_remote: bool) -> Iterator[Path]:
    """The resolved ``datapackage.json`` of ``package`` (default: the installed or checked-out
    package); a release zip or URL is unpacked for the length of the ``with`` block."""
    if package is None:
        yield default_package().resolve()
        return
    with open_any(package, allow_remote) as descriptor:
        yield descriptor.resolve()


def _plan(path: Path) -> descriptor.Plan:
    """The checked package (:func:`cscbench.descriptor.plan`, as ``validate`` checks it); a
    descriptor that cannot be used at all is refused here."""
    checked = descriptor.plan(path)
    if checked.package is None or not checked.order:
        issue = checked.issues[0]
        raise PackageRefused(issue.message, issue.check_id)
    return checked


def package_dir() -> Path:
    """The folder holding the default ``datapackage.json``, ``datapackage/`` and ``schemas/``.

    Inside an installed wheel this is the bundled copy; in a checkout, the checkout itself. Hand
    its CSVs to pandas, DuckDB, R or ``frictionless validate``.
    """
    return package_home()


def resources(package: str | Path | None = None, *, allow_remote: bool = False) -> list[str]:
    """Names of the resources in the package (default: the installed or checked-out package; also
    a release zip, or its URL with ``allow_remote=True``)."""
    with _opened(package, allow_remote) as path:
        return list(_plan(path).order)


def _read(resource: str, path: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """One resource typed by its Table Schema, and that schema (for its primary key), read through
    the package boundary: the descriptor and schema checked, the file a regular file inside the
    package within the size limit (a FIFO or device is refused before it is opened)."""
    checked = _plan(path)
    if resource not in checked.order:
        raise KeyError(f"no resource {resource!r}; the package has {sorted(checked.order)}")
    issue = next((i for i in checked.issues if i.resource == resource), None)
    if issue is not None:
        raise PackageRefused(issue.message, issue.check_id)
    entry = next(e for e in checked.entries if e.name == resource)
    where = f"{path.name}: resources[{checked.order[resource]}].path"
    text = _read_text(entry.path, where)
    dtypes = polars_dtypes(entry.schema)
    frame = text.select(_typed(pl.col(name), dtype) for name, dtype in dtypes.items())
    return frame, entry.schema


def _typed(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A valid CSV cell as its analyst dtype (dates ISO, booleans ``true``/``false``)."""
    if dtype == pl.Date():
        return column.str.to_date("%Y-%m-%d")
    if dtype == pl.Boolean():
        return typed(column, "boolean")
    return column.cast(dtype)


def _read_text(path: Path, where: str) -> pl.DataFrame:
    """The CSV as text columns. Opened without blocking and without following a link, then
    checked with ``fstat`` (a regular file within the limit) before a byte is read, so a file
    swapped for a FIFO after the boundary's check still cannot hang the read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _refused(
            where, boundary.Refusal("file.missing", path.name, "the file to exist")
        ) from None
    except OSError as exc:  # a symlink swapped in (ELOOP), permissions
        raise _refused(where, boundary.unreadable(exc.strerror or type(exc).__name__)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        bound = limits.from_env().file_bytes
        if not stat.S_ISREG(info.st_mode):
            raise _refused(where, boundary.not_regular(info.st_mode))
        if info.st_size > bound:
            raise _refused(where, boundary.too_large(info.st_size, bound))
        return pl.read_csv(handle, infer_schema=False)


def _refused(where: str, refusal: boundary.Refusal) -> PackageRefused:
    issue = descriptor.Issue(refusal.check_id, "", where, refusal.value, refusal.expected)
    return PackageRefused(issue.message, issue.check_id)


def _primary_key(table_schema: dict[str, Any]) -> list[str]:
    key = table_schema.get("primaryKey", [])
    return [key] if isinstance(key, str) else list(key)


def load(
    resource: str,
    package: str | Path | None = None,
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
    superseded code) and a :class:`cscbench.series.ShadowedRowsWarning` says how many rows were
    left out; the committed package has no such clash.

    ``package`` is a ``datapackage.json``, its folder, a release archive
    (``cscbench-data-X.Y.Z.zip``) or, with ``allow_remote=True``, an archive's http(s) URL
    (downloaded within ``CSCBENCH_MAX_REMOTE_BYTES`` and ``CSCBENCH_REMOTE_TIMEOUT``, on each
    call: for several loads, download it once and pass the file). Every file
    is read through the package boundary as ``cscbench validate`` reads it: a path leading
    outside the package, a FIFO or device in place of a CSV, an unusable descriptor or schema
    raise :class:`PackageRefused` with the words ``validate`` uses.
    """
    with _opened(package, allow_remote) as path:
        frame, table_schema = _read(resource, path)
        if not (current or expand_joint):
            return frame
        if resource == "areas" or "area_code" not in frame.columns:
            raise ValueError(
                "current= and expand_joint= apply to resources whose rows are under a council's "
                "code (observations, inspections, statistical_neighbours, announcements), not "
                f"{resource!r}"
            )
        areas, _ = _read("areas", path)
    key = _primary_key(table_schema)
    return relocate(frame, areas, key, resource, current=current, expand_joint=expand_joint)


def find_area(
    query: str, package: str | Path | None = None, *, allow_remote: bool = False
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
