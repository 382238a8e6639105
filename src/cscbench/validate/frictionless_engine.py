"""The frictionless engine: run ``frictionless validate`` and map its errors onto cscbench check ids.

Used to cross-check the fast engine (the corpus tests compare the two). frictionless numbers rows
like a spreadsheet (header = 1), as cscbench does; header errors are put on line 1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cscbench.core.paths import package_home
from cscbench.package import limits
from cscbench.package.descriptor import PACKAGE, Entry
from cscbench.package.schema import FORMULA_SAFE, primary_key
from cscbench.validate.report import HEADER_LINE, Problem

TYPE_MAP = {
    "type-error": "field.type",
    "missing-label": "table.missing_column",
    "extra-label": "table.extra_column",
    "blank-label": "table.missing_column",
    "duplicate-label": "table.duplicate_column",
    "primary-key": "table.primary_key",
    "foreign-key": "table.foreign_key",
    "unique-error": "field.unique",
    "extra-cell": "file.malformed",
    "missing-cell": "file.malformed",
    "blank-row": "file.malformed",
    "encoding-error": "file.encoding",
    "scheme-error": "file.missing",
    "source-error": "file.malformed",
    "byte-count": "file.bytes",
    "hash-count": "file.hash",
}
INTEGRITY = ("file.bytes", "file.hash")
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
                cell = getattr(error, "cell", None)
                broken = isinstance(cell, str) and "\n" in cell
                return "text.line_break" if broken else "text.formula"
            return check_id
    return "package.frictionless"


def _repeated(error: Any) -> bool:
    """Whether a header error's label appears more than once in the header."""
    labels = getattr(error, "labels", None) or []
    return labels.count(getattr(error, "label", None)) > 1


def _check_id(error: Any, schemas: dict[str, dict[str, Any]], resource: str) -> str:
    kind = error.type
    if kind == "constraint-error":
        return _constraint_id(error, schemas, resource)
    if kind == "incorrect-label":
        # A known name in the wrong place is a reordering; an unknown one a renamed header.
        known = getattr(error, "label", None) in _fields(schemas, resource)
        return "table.column_order" if known else "table.renamed_column"
    if kind == "extra-label" and _repeated(error):
        return "table.duplicate_column"  # frictionless calls a repeat past the schema's width extra
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
        if kind in ("extra-label", "duplicate-label"):
            column = value
        if check_id == "table.column_order":
            column = None
    elif check_id == "file.empty":
        line = HEADER_LINE
    elif kind == "foreign-key":
        # a key of several fields: at its first column, the whole tuple as the value (as cscbench)
        names = getattr(error, "field_names", None) or [None]
        cells = getattr(error, "field_cells", None) or [None]
        column = names[0]
        value = ", ".join(str(c) for c in cells) if len(cells) > 1 else cells[0]
    elif kind == "primary-key":
        pk = primary_key(schemas.get(resource, {}))
        column = pk[0] if pk else None
        cells = getattr(error, "cells", None) or []
        positions = list(_fields(schemas, resource))
        value = ", ".join(
            str(cells[positions.index(c)]) for c in pk if positions.index(c) < len(cells)
        )
    return line, column, value


def safe_descriptor(entries: list[Entry], folder: Path) -> dict[str, Any]:
    """The package as frictionless may see it, built from scratch rather than passed through:
    each admitted resource as a symlink in ``folder`` to the file the boundary resolved, its
    checked schema inline (frictionless opens no schema file and reads no ``$schema``, dialect
    or profile URL), and no foreign key to a resource left out. frictionless can then read
    nothing outside the package and make no request."""
    names = {e.name for e in entries}
    resources = []
    for index, entry in enumerate(entries):
        link = folder / f"r{index}.csv"
        link.symlink_to(entry.path)
        schema = dict(entry.schema)
        schema["foreignKeys"] = [
            fk
            for fk in schema.get("foreignKeys", [])
            if (fk["reference"].get("resource") or entry.name) in names
        ]
        resource = {
            "name": entry.name,
            "path": link.name,
            "format": "csv",
            "encoding": "utf-8",
            "schema": schema,
        }
        if entry.declared is not None:  # checked and normalised: frictionless checks them too
            if entry.declared.bytes is not None:
                resource["bytes"] = entry.declared.bytes
            if entry.declared.hash is not None:
                resource["hash"] = entry.declared.hash
        resources.append(resource)
    return {"name": "cscbench-check", "resources": resources}


def linear_safe(pattern: str) -> bool:
    """Whether Python's backtracking ``re`` (which frictionless uses) runs ``pattern`` in time
    proportional to the text: no variable repeat or alternation inside a variable repeat, no
    backreference or look-around. Conservative: False means "not proved", not "dangerous"."""
    try:
        from re import _constants as c
        from re import _parser as parser

        parsed = parser.parse(pattern)
    except Exception:  # a private module that may change, or a pattern re refuses
        return False
    stack: list[tuple[Any, bool]] = [(parsed, False)]
    while stack:
        items, inside = stack.pop()
        for op, av in items:
            if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                variable = av[0] != av[1]
                if inside and variable:
                    return False
                stack.append((av[2], inside or variable))
            elif op is c.SUBPATTERN:
                stack.append((av[-1], inside))
            elif op is c.BRANCH:
                if inside:
                    return False
                stack.extend((branch, inside) for branch in av[1])
            elif op in (c.GROUPREF, c.GROUPREF_EXISTS, c.ASSERT, c.ASSERT_NOT, c.ATOMIC_GROUP):
                return False
    return True


@functools.cache
def shipped_patterns() -> frozenset[str]:
    """The patterns of cscbench's own Table Schemas: reviewed, and known to run in linear time
    (alt_names' separator-led repeat is safe though the simple test above cannot prove it)."""
    found: set[str] = set()
    for path in sorted((package_home() / "schemas").glob("*.schema.json")):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
            fields = json.loads(path.read_text(encoding="utf-8"))["fields"]
            found |= {
                f["constraints"]["pattern"] for f in fields if "pattern" in f.get("constraints", {})
            }
    return frozenset(found)


def safe_in_process(pattern: str) -> bool:
    return pattern in shipped_patterns() or linear_safe(pattern)


def patterns(entries: list[Entry]) -> list[str]:
    return [
        f["constraints"]["pattern"]
        for e in entries
        for f in e.schema["fields"]
        if "pattern" in f.get("constraints", {})
    ]


def frictionless_problems(entries: list[Entry], chosen: limits.Limits) -> list[Problem]:
    """frictionless's problems on the admitted resources, mapped onto cscbench check ids.

    Run in this process when every schema pattern is one of cscbench's own or proved linear for
    Python's ``re``; else in a
    worker process killed after ``frictionless_seconds`` (CSCBENCH_FRICTIONLESS_TIMEOUT), so a
    catastrophically backtracking pattern costs a reported time-out, never a hang.
    """
    schemas = {e.name: e.schema for e in entries}
    with tempfile.TemporaryDirectory(prefix="cscbench-frictionless-") as folder:
        descriptor = safe_descriptor(entries, Path(folder))
        if all(safe_in_process(p) for p in patterns(entries)):
            found = run(descriptor, folder, schemas)
        else:
            found = run_isolated(descriptor, folder, schemas, chosen.frictionless_seconds)
    return [placed(p, entries) for p in found]


def placed(problem: Problem, entries: list[Entry]) -> Problem:
    """A size or digest problem named by the file the descriptor names (frictionless saw a
    link with another name)."""
    if problem.check_id not in INTEGRITY:
        return problem
    files = {e.name: e.declared.file for e in entries if e.declared is not None}
    return dataclasses.replace(problem, place=files.get(problem.resource))


def run_isolated(
    descriptor: dict[str, Any], folder: str, schemas: dict[str, Any], seconds: float
) -> list[Problem]:
    result = Path(folder) / "problems.json"
    request = json.dumps(
        {"descriptor": descriptor, "folder": folder, "schemas": schemas, "result": str(result)}
    )
    command = [sys.executable, "-m", "cscbench.validate.frictionless_engine"]
    try:
        subprocess.run(
            command, input=request, capture_output=True, text=True, timeout=seconds, check=True
        )
    except subprocess.TimeoutExpired:
        return [
            Problem(
                "engine.timeout",
                PACKAGE,
                None,
                None,
                f"still running after {seconds:g} s",
                f"frictionless to finish ({limits.ENVIRONMENT['frictionless_seconds']})",
                engine="frictionless",
            )
        ]
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"the frictionless worker failed: {last[0][:200]}") from None
    return [Problem(**p) for p in json.loads(result.read_text(encoding="utf-8"))]


def run(descriptor: dict[str, Any], folder: str, schemas: dict[str, Any]) -> list[Problem]:
    import frictionless

    report = frictionless.validate(descriptor, basepath=folder, limit_errors=100_000)
    problems: list[Problem] = []
    for task in report.tasks:
        resource = task.name or PACKAGE
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
                PACKAGE,
                None,
                None,
                None,
                error.message,
                engine="frictionless",
            )
        )
    return problems


def worker() -> None:
    """``python -m cscbench.validate.frictionless_engine``: one request on stdin, the problems written as
    JSON to the file the request names (only the CLI prints)."""
    request = json.loads(sys.stdin.read())
    problems = run(request["descriptor"], request["folder"], request["schemas"])
    body = json.dumps([dataclasses.asdict(p) for p in problems])
    Path(request["result"]).write_text(body, encoding="utf-8")


if __name__ == "__main__":
    worker()
