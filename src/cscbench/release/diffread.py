"""Reading a package for ``diff``: through the package boundary, each CSV's header checked
against its Table Schema before any row is compared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core.errors import InvalidInputError
from cscbench.package import descriptor
from cscbench.package.archive import UnreadableInput
from cscbench.release.diffmodel import Package


def read_package(descriptor_path: Path, label: str | None = None) -> Package:
    """Read a package for comparison through the package boundary (:func:`cscbench.package.descriptor.plan`:
    the descriptor and every Table Schema checked, every path inside the package and a regular
    file within the limits), so a hostile descriptor cannot make ``diff`` read files from
    elsewhere; any problem is an :class:`UnreadableInput` naming the first. Each CSV's header must
    be its schema's (:func:`check_header`), else rows would be matched on the wrong columns.
    ``label`` names the package in messages (default: the descriptor's path)."""
    shown = label or str(descriptor_path)
    plan = descriptor.plan(descriptor_path)
    try:
        if plan.issues or plan.package is None:
            issue = plan.issues[0]
            raise UnreadableInput(
                f"{shown}: {issue.where}: {issue.value}; expected {issue.expected} "
                f"[{issue.check_id}]"
            )
        entries = {r.get("name"): r for r in plan.package["resources"]}
        frames = {}
        for entry in plan.entries:
            frame = _frame(entry.path)
            check_header(shown, entries[entry.name], frame.columns, entry.schema)
            frames[entry.name] = frame
        schemas = {entry.name: entry.schema for entry in plan.entries}
        return Package(plan.package, schemas, frames)
    finally:
        plan.close()


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


def _frame(path: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(path, infer_schema=False, raise_if_empty=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        raise UnreadableInput(f"{path}: cannot be read as CSV ({first})") from exc
