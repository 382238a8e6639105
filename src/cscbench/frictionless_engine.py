"""The frictionless engine: run ``frictionless validate`` and map its errors onto cscbench check ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cscbench.schema import FORMULA_SAFE
from cscbench.validate import Problem

TYPE_MAP = {
    "type-error": "field.type",
    "missing-label": "table.missing_column",
    "extra-label": "table.extra_column",
    "incorrect-label": "table.extra_column",
    "primary-key": "table.primary_key",
    "foreign-key": "table.foreign_key",
    "unique-error": "field.unique",
    "extra-cell": "file.malformed",
    "missing-cell": "file.malformed",
    "encoding-error": "file.encoding",
    "source-error": "file.malformed",
    "scheme-error": "file.missing",
    "blank-label": "table.missing_column",
    "duplicate-label": "table.extra_column",
}

CONSTRAINTS = {
    "required": "field.required",
    "enum": "field.enum",
    "pattern": "field.pattern",
    "minimum": "field.minimum",
    "maximum": "field.maximum",
    "unique": "field.unique",
}


def _constraint_id(error: Any, schemas: dict[str, dict[str, Any]], resource: str) -> str:
    note = getattr(error, "note", "") or ""
    field_name = getattr(error, "field_name", None)
    for key, check_id in CONSTRAINTS.items():
        if f'"{key}"' in note or note.startswith(key):
            if key == "pattern" and field_name:
                fields = {f["name"]: f for f in schemas.get(resource, {}).get("fields", [])}
                pattern = fields.get(field_name, {}).get("constraints", {}).get("pattern")
                if pattern == FORMULA_SAFE:
                    return "text.formula"
            return check_id
    return "package.frictionless"


def frictionless_problems(descriptor: Path, schemas: dict[str, dict[str, Any]]) -> list[Problem]:
    import frictionless

    report = frictionless.validate(str(descriptor), limit_errors=100_000)
    problems: list[Problem] = []
    for task in report.tasks:
        resource = task.name or Path(task.place).stem
        for error in task.errors:
            kind = error.type
            check_id = (
                _constraint_id(error, schemas, resource)
                if kind == "constraint-error"
                else TYPE_MAP.get(kind, "package.frictionless")
            )
            if kind == "primary-key" or kind == "foreign-key":
                check_id = TYPE_MAP[kind]
            line = getattr(error, "row_number", None)
            problems.append(
                Problem(
                    check_id,
                    resource,
                    line,
                    getattr(error, "field_name", None),
                    getattr(error, "cell", None),
                    error.message,
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
