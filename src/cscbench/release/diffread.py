"""Reading a package for ``diff``: through the package boundary, each CSV's header checked
against its Table Schema before any row is compared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core.errors import InvalidInputError
from cscbench.package import reader as package_object
from cscbench.package.archive import UnreadableInput
from cscbench.release.diffmodel import Package


def read_package(
    descriptor_path: Path | package_object.Package, label: str | None = None
) -> Package:
    """Read a package for comparison through the package boundary (:func:`cscbench.package.descriptor.plan`:
    the descriptor and every Table Schema checked, every path inside the package and a regular
    file within the limits), so a hostile descriptor cannot make ``diff`` read files from
    elsewhere; any problem is an :class:`UnreadableInput` naming the first. Each CSV's header must
    be its schema's (:func:`check_header`), else rows would be matched on the wrong columns.
    ``label`` names the package in messages (default: the descriptor's path). A package already
    read (:func:`cscbench.package.reader.read`, as ``validate`` returns it) is not read again."""
    given = isinstance(descriptor_path, package_object.Package)
    opened = descriptor_path if given else package_object.read(descriptor_path)
    shown = label or str(opened.path if given else descriptor_path)
    try:
        if opened.issues or opened.descriptor is None:
            issue = opened.issues[0]
            raise UnreadableInput(
                f"{shown}: {issue.where}: {issue.value}; expected {issue.expected} "
                f"[{issue.check_id}]"
            )
        entries = {r.get("name"): r for r in opened.descriptor["resources"]}
        frames = {}
        for entry in opened.entries:
            frame = _frame(opened, entry.name)
            check_header(shown, entries[entry.name], frame.columns, entry.schema)
            frames[entry.name] = frame
        return Package(opened.descriptor, opened.schemas, frames)
    finally:
        if not given:
            opened.close()


class HeaderMismatch(InvalidInputError):
    """A CSV's header is not its Table Schema's: the package is invalid, so no diff is given."""


def check_header(
    package: str, resource: dict[str, Any], columns: list[str], schema: dict[str, Any]
) -> None:
    """The header holds exactly the schema's columns (in any order); else a
    :class:`HeaderMismatch` naming the file and the first column missing (or unexpected)."""
    expected = [f["name"] for f in schema["fields"]]
    missing = [c for c in expected if c not in columns]
    extra = [c for c in columns if c not in expected]
    if not (missing or extra):
        return
    where = f"{package}: {resource['path']}"
    schema_file = resource["schema"]
    if missing:
        found = f"; its header has {', '.join(map(repr, extra))} instead" if extra else ""
        raise HeaderMismatch(
            f"{where}: no column {missing[0]!r}{found}; expected the columns of {schema_file} "
            f"({', '.join(expected)}). The package is invalid: run cscbench validate on it"
        )
    raise HeaderMismatch(
        f"{where}: a column {extra[0]!r} that {schema_file} does not have; expected its columns "
        f"({', '.join(expected)}). The package is invalid: run cscbench validate on it"
    )


def _frame(package: package_object.Package, resource: str) -> pl.DataFrame:
    """The resource as text (an empty file is a frame with no columns, as before)."""
    path = package.entry(resource).path
    try:
        if not package.has_text(resource) and path.is_file() and path.stat().st_size == 0:
            return pl.DataFrame()
        return package.text(resource)
    except (pl.exceptions.PolarsError, OSError, package_object.PackageRefused) as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        raise UnreadableInput(f"{path}: cannot be read as CSV ({first})") from exc
