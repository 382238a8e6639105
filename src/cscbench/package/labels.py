"""Enumerated fields' values, their labels and their order: the Table Schemas' ``categories``.

Each enumerated field states its vocabulary once, in its Table Schema, as Table Schema v2
``categories`` (``[{"value": ..., "label": ...}]``, or plain values where the value is its own
label), with ``categoriesOrdered`` where the order is a ranking (Ofsted grades, closeness). The
order of the list is the order readers see (the themes' reading order, grades best first).

frictionless 5.x does not enforce ``categories``, so ``constraints.enum`` stays and is written from
the categories by :func:`sync` (``python -m cscbench.package.labels``); a test and the package reader
(:func:`categories_issues`) refuse a schema where the two disagree. Every stage reads the words
here: ingest's checks, pandera and frictionless (through the enum), the polars ``Enum`` order of
:func:`cscbench.load`, the site's labels and ``docs/vocabularies.md``.

Nothing here imports another cscbench module but :mod:`cscbench.core.paths`, so any stage may use it.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from cscbench.core.paths import checkout, package_home

SUFFIX = ".schema.json"
DOCS_PAGE = Path("docs") / "vocabularies.md"


def schema_dir() -> Path:
    """The schemas of the package this code belongs to (a checkout's own, or the wheel's copy)."""
    return package_home() / "schemas"


@functools.cache
def _schema(resource: str) -> dict[str, Any]:
    path = schema_dir() / f"{resource}{SUFFIX}"
    return json.loads(path.read_text(encoding="utf-8"))


def pairs(field: dict[str, Any]) -> list[tuple[str, str]]:
    """A field's ``(value, label)`` pairs in order; a plain value is its own label. Empty for a
    field with no categories."""
    out = []
    for item in field.get("categories") or []:
        if isinstance(item, dict):
            value = str(item["value"])
            out.append((value, str(item.get("label", value))))
        else:
            out.append((str(item), str(item)))
    return out


def allowed(field: dict[str, Any]) -> list[str] | None:
    """The values a field allows, in order: its categories, else its ``constraints.enum`` (a
    schema written before categories), else None (any value)."""
    found = [value for value, _ in pairs(field)]
    if found:
        return found
    enum = field.get("constraints", {}).get("enum")
    return None if enum is None else [str(v) for v in enum]


def field(resource: str, name: str) -> dict[str, Any]:
    for item in _schema(resource)["fields"]:
        if item["name"] == name:
            return item
    raise KeyError(f"{resource}.{name}: no such field in schemas/{resource}{SUFFIX}")


def values(resource: str, name: str) -> tuple[str, ...]:
    """``values("inspections", "framework")`` -> ``("SLAC", "CPI", ...)``, in the schema's order."""
    return tuple(allowed(field(resource, name)) or ())


def labels(resource: str, name: str) -> dict[str, str]:
    """value -> the words a reader sees, in the schema's order."""
    return dict(pairs(field(resource, name)))


def position(resource: str, name: str) -> dict[str, int]:
    """value -> its place in the schema's order (0 first)."""
    return {value: i for i, value in enumerate(values(resource, name))}


# ------------------------------------------------------------- keeping the enum and categories one


def with_enum(table_schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every categorised field's ``constraints.enum`` written from its categories
    (frictionless and pandera enforce the enum; the categories are where it is stated)."""
    fields = []
    for item in table_schema["fields"]:
        found = [value for value, _ in pairs(item)]
        if found:
            item = {**item, "constraints": {**item.get("constraints", {}), "enum": found}}
        fields.append(item)
    return {**table_schema, "fields": fields}


def categories_issues(item: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Problems with one field's categories as ``(where, found, expected)``: not a list of values
    or ``{"value", "label"}`` objects, a repeated value, or an enum that is not their values."""
    cats = item.get("categories")
    if cats is None:
        return []

    def good(c: Any) -> bool:
        if isinstance(c, dict):
            return isinstance(c.get("value"), str) and isinstance(c.get("label", ""), str)
        return isinstance(c, str)

    if not isinstance(cats, list) or not cats or not all(good(c) for c in cats):
        return [("categories", "not a list of values", 'a list of {"value", "label"} objects')]
    found = [value for value, _ in pairs(item)]
    if len(set(found)) != len(found):
        return [("categories", "a repeated value", "each value once")]
    enum = item.get("constraints", {}).get("enum")
    if enum is not None and [str(v) for v in enum] != found:
        return [("constraints.enum", "not the categories' values", f"exactly {found}")]
    return []


def text(table_schema: dict[str, Any]) -> str:
    """A schema as the repository writes it (two-space JSON, UTF-8, one final newline)."""
    return json.dumps(table_schema, indent=2, ensure_ascii=False) + "\n"


def stale(directory: Path) -> dict[Path, str]:
    """Schema files whose enums differ from their categories, with the text they should have."""
    out = {}
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        current = path.read_text(encoding="utf-8")
        wanted = text(with_enum(json.loads(current)))
        if wanted != current:
            out[path] = wanted
    return out


def markdown(directory: Path) -> str:
    """``docs/vocabularies.md``: every enumerated field's values and labels, from the schemas."""
    lines = [
        "# Vocabularies: every enumerated field's values and labels",
        "",
        "Generated from the `categories` of `schemas/*.schema.json` by `python -m cscbench.package.labels`;",
        'do not edit by hand (see docs/maintainers.md, "Labels and vocabularies"). Values are',
        "listed in the schema's order, the order the site and `cscbench.load()` use.",
    ]
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        resource = path.name.removesuffix(SUFFIX)
        for item in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            found = pairs(item)
            if not found:
                continue
            ordered = " (ordered: first is highest)" if item.get("categoriesOrdered") else ""
            lines += ["", f"## `{resource}.{item['name']}`{ordered}", ""]
            lines += ["| value | label |", "|---|---|"]
            lines += [f"| `{v}` | {_cell(label)} |" for v, label in found]
    return "\n".join(lines) + "\n"


def _cell(words: str) -> str:
    return words.replace("|", "\\|")


def main(argv: list[str]) -> int:
    """Write every schema's enums from its categories and regenerate the vocabularies page;
    ``--check`` only says which files are out of date (exit 1)."""
    home = checkout()
    if home is None:
        print(
            "python -m cscbench.package.labels rewrites a checkout's schemas: run it in one",
            file=sys.stderr,
        )
        return 2
    todo = stale(home / "schemas")
    page = home / DOCS_PAGE
    wanted_page = markdown(home / "schemas")
    if not page.is_file() or page.read_text(encoding="utf-8") != wanted_page:
        todo[page] = wanted_page
    if "--check" in argv:
        for path in todo:
            print(f"{path}: out of date; run python -m cscbench.package.labels", file=sys.stderr)
        return 1 if todo else 0
    for path, content in todo.items():
        path.write_text(content, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
