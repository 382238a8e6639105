"""The frictionless engine: run ``frictionless validate`` and map its errors onto cscbench check ids.

Used to cross-check the fast engine (the corpus tests compare the two). frictionless numbers rows
like a spreadsheet (header = 1), as cscbench does; header errors are put on line 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cscbench.report import HEADER_LINE, Problem
from cscbench.schema import FORMULA_SAFE, primary_key

TYPE_MAP = {
    "type-error": "field.type",
    "missing-label": "table.missing_column",
    "extra-label": "table.extra_column",
    "blank-label": "table.missing_column",
    "duplicate-label": "table.extra_column",
    "primary-key": "table.primary_key",
    "foreign-key": "table.foreign_key",
    "unique-error": "field.unique",
    "extra-cell": "file.malformed",
    "missing-cell": "file.malformed",
    "blank-row": "file.malformed",
    "encoding-error": "file.encoding",
    "scheme-error": "file.missing",
    "source-error": "file.malformed",
}
LABEL_ERRORS = {"missing-label", "extra-label", "incorrect-label", "blank-label", "duplicate-label"}

CONSTRAINTS = {
    "required": "field.required",
    "enum": "field.enum",
    "pattern": "field.pattern",
    "minimum": "field.minimum",
    "maximum": "field.maximum",
    "unique": "field.unique",
}


def _fields(schemas: dict[str, dict[str, Any]], resource: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in schemas.get(resource, {}).get("fields", [])}


def _constraint_id(error: Any, schemas: dict[str, dict[str, Any]], resource: str) -> str:
    note = getattr(error, "note", "") or ""
    for key, check_id in CONSTRAINTS.items():
        if f'"{key}"' in note or note.startswith(key):
            field = _fields(schemas, resource).get(getattr(error, "field_name", None) or "", {})
            if key == "pattern" and field.get("constraints", {}).get("pattern") == FORMULA_SAFE:
                return "text.formula"
            return check_id
    return "package.frictionless"


def _check_id(error: Any, schemas: dict[str, dict[str, Any]], resource: str) -> str:
    kind = error.type
    if kind == "constraint-error":
        return _constraint_id(error, schemas, resource)
    if kind == "incorrect-label":
        # A known name in the wrong place is a reordering; an unknown one a renamed header.
        known = getattr(error, "label", None) in _fields(schemas, resource)
        return "table.column_order" if known else "table.renamed_column"
    if kind == "source-error" and "empty" in (error.message or ""):
        return "file.empty"
    return TYPE_MAP.get(kind, "package.frictionless")


def _location(
    error: Any, check_id: str, schemas: dict[str, dict[str, Any]], resource: str
) -> tuple[int | None, str | None, str | None]:
    """(line, column, value) as cscbench reports them."""
    kind = error.type
    line = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None) or None
    value = getattr(error, "cell", None)
    if kind in LABEL_ERRORS:
        line, value = HEADER_LINE, getattr(error, "label", None)
        if kind == "extra-label":
            column = value
        if check_id == "table.column_order":
            column = None
    elif check_id == "file.empty":
        line = HEADER_LINE
    elif kind == "foreign-key":
        names = getattr(error, "field_names", None) or [None]
        cells = getattr(error, "field_cells", None) or [None]
        column, value = names[0], cells[0]
    elif kind == "primary-key":
        pk = primary_key(schemas.get(resource, {}))
        column = pk[0] if pk else None
        cells = getattr(error, "cells", None) or []
        positions = list(_fields(schemas, resource))
        value = ", ".join(
            str(cells[positions.index(c)]) for c in pk if positions.index(c) < len(cells)
        )
    return line, column, value


def frictionless_problems(descriptor: Path, schemas: dict[str, dict[str, Any]]) -> list[Problem]:
    import frictionless

    report = frictionless.validate(str(descriptor), limit_errors=100_000)
    problems: list[Problem] = []
    for task in report.tasks:
        resource = task.name or Path(task.place).stem
        seen_order = False
        for error in task.errors:
            check_id = _check_id(error, schemas, resource)
            if check_id == "table.column_order":
                if seen_order:  # frictionless flags each moved column; cscbench reports once
                    continue
                seen_order = True
            line, column, value = _location(error, check_id, schemas, resource)
            if error.type == "missing-cell" or check_id == "field.required":
                value = None  # frictionless gives '' or 'None' for an absent cell
            note = getattr(error, "note", "") or ""
            problems.append(
                Problem(
                    check_id,
                    resource,
                    line,
                    column,
                    None if value is None else str(value),
                    f"{error.title}: {note}" if note else error.title,
                    engine="frictionless",
                )
            )
    for error in report.errors:
        problems.append(
            Problem(
                "package.frictionless",
                "datapackage",
                None,
                None,
                None,
                error.message,
                engine="frictionless",
            )
        )
    return problems
