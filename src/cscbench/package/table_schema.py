"""The Table Schema checks: each resource's fields, their types and constraints, its patterns
(invalid, unsupported look-around or huge, compiled up front with polars' regex engine) and its
primary and foreign keys, refused before any data is read."""

from __future__ import annotations

import functools
from typing import Any

import polars as pl

from cscbench.package import labels, limits
from cscbench.package.issue import Issue, shown, unsupported

# The Table Schema field types cscbench checks; others are valid but not supported.
FIELD_TYPES = ("string", "number", "integer", "date", "boolean")
CONSTRAINTS = ("required", "unique", "enum", "pattern", "minimum", "maximum")


def normalised(schema: dict[str, Any]) -> dict[str, Any]:
    """The checked schema with keys in list form (Table Schema also allows a single string), so
    the engines read one shape."""
    out = dict(schema)
    pk = schema.get("primaryKey")
    if isinstance(pk, str):
        out["primaryKey"] = [pk]

    def listed(value: Any) -> list[Any]:
        return [value] if isinstance(value, str) else list(value)

    out["foreignKeys"] = [
        {
            **fk,
            "fields": listed(fk["fields"]),
            "reference": {**fk["reference"], "fields": listed(fk["reference"]["fields"])},
        }
        for fk in schema.get("foreignKeys", [])
    ]
    return out


def schema_issues(schema: Any, name: str, file: str, chosen: limits.Limits) -> list[Issue]:
    """Everything the engines rely on in a Table Schema: fields, types, constraints, keys."""
    if not isinstance(schema, dict):
        return [Issue("schema.shape", name, file, shown(schema), "a Table Schema object")]
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        return [Issue("schema.shape", name, f"{file}: fields", shown(fields), "a non-empty list")]
    issues: list[Issue] = []
    names: list[str] = []
    compile_together(schema_patterns(fields, chosen))
    for index, item in enumerate(fields):
        issues += field_issues(item, name, f"{file}: fields[{index}]", names, chosen)
    if not issues:
        issues += key_issues(schema, name, file, names)
    return issues


def field_issues(
    item: Any, name: str, where: str, names: list[str], chosen: limits.Limits
) -> list[Issue]:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return [Issue("schema.shape", name, where, shown(item), "a field object with a name")]
    if item["name"] in names:
        return [Issue("schema.shape", name, f"{where}.name", shown(item["name"]), "a new name")]
    names.append(item["name"])
    kind = item.get("type", "string")
    if kind not in FIELD_TYPES:
        return [unsupported(name, f"{where}.type", f"the field type {shown(kind)}")]
    constraints = item.get("constraints", {})
    if not isinstance(constraints, dict):
        return [
            Issue("schema.shape", name, f"{where}.constraints", shown(constraints), "an object")
        ]
    issues = constraint_issues(constraints, kind, name, f"{where}.constraints", chosen)
    if not issues:  # the categories are where the enum is stated: the two must agree
        issues += [
            Issue("schema.shape", name, f"{where}.{key}", found, expected)
            for key, found, expected in labels.categories_issues(item)
        ]
    return issues


def constraint_issues(
    constraints: dict[str, Any], kind: str, name: str, where: str, chosen: limits.Limits
) -> list[Issue]:
    issues = [
        unsupported(name, f"{where}.{key}", f"the constraint {shown(key)}")
        for key in constraints
        if key not in CONSTRAINTS
    ]
    enum = constraints.get("enum")
    if enum is not None and not (isinstance(enum, list) and enum):
        issues.append(Issue("schema.shape", name, f"{where}.enum", shown(enum), "a list"))
    for bound in ("minimum", "maximum"):
        value = constraints.get(bound)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if value is not None and not (number or (kind == "date" and isinstance(value, str))):
            issues.append(Issue("schema.shape", name, f"{where}.{bound}", shown(value), "a number"))
    if "pattern" in constraints:
        issues += pattern_issues(constraints["pattern"], name, f"{where}.pattern", chosen)
    return issues


def pattern_issues(pattern: Any, name: str, where: str, chosen: limits.Limits) -> list[Issue]:
    """A pattern compiled up front by polars' regex engine (linear time, no look-around or
    backreferences), the one the fast engine uses: anything it refuses is a problem now rather than
    an error half way through reading the data."""
    if not isinstance(pattern, str):
        return [Issue("schema.pattern", name, where, shown(pattern), "a regular expression")]
    if len(pattern) > chosen.pattern_chars:
        return [
            Issue(
                "schema.pattern",
                name,
                where,
                f"{len(pattern):,} characters",
                f"at most {chosen.pattern_chars:,} ({limits.ENVIRONMENT['pattern_chars']})",
            )
        ]
    reason = regex_error(pattern)
    if reason is None:
        return []
    return [
        Issue(
            "schema.pattern",
            name,
            where,
            f"{shown(pattern)}: {reason}",
            "a regex polars can run (Rust regex syntax: no look-around, no backreferences)",
        )
    ]


def schema_patterns(fields: list[Any], chosen: limits.Limits) -> list[str]:
    """The patterns of a schema's fields that are text within the length limit."""
    found = []
    for item in fields:
        constraints = item.get("constraints") if isinstance(item, dict) else None
        pattern = constraints.get("pattern") if isinstance(constraints, dict) else None
        if isinstance(pattern, str) and len(pattern) <= chosen.pattern_chars:
            found.append(pattern)
    return found


_COMPILED: set[str] = set()  # patterns polars compiled, as the validator anchors them


def compile_together(patterns: list[str]) -> None:
    """Compile a schema's patterns in one polars query (one query per pattern costs a
    millisecond each at every start). If one fails, nothing is recorded and each pattern is
    then compiled on its own by :func:`regex_error`, which names the culprit."""

    new = sorted(set(patterns) - _COMPILED)
    if not new:
        return
    try:
        pl.select(pl.lit("").str.contains(f"^(?:{p})$").alias(str(i)) for i, p in enumerate(new))
    except pl.exceptions.PolarsError:
        return
    _COMPILED.update(new)


@functools.lru_cache(maxsize=256)
def regex_error(pattern: str) -> str | None:
    """Why polars cannot compile ``pattern`` as the validator anchors it (None: it can).
    Cached: most fields share a few patterns (the formula guard on every name and label)."""

    if pattern in _COMPILED:
        return None
    try:
        pl.select(pl.lit("").str.contains(f"^(?:{pattern})$"))
    except pl.exceptions.PolarsError as exc:
        lines = [line.strip() for line in str(exc).splitlines()]
        said = [line for line in lines if line.startswith("error:") or "exceeds" in line]
        return (said or lines or ["invalid"])[0].removeprefix("error:").strip()[:160]
    return None


def key_issues(schema: dict[str, Any], name: str, file: str, names: list[str]) -> list[Issue]:
    """primaryKey and foreignKeys name fields that exist; a foreign key pairs its fields with as
    many referenced fields (one or several)."""
    issues: list[Issue] = []
    pk = schema.get("primaryKey", [])
    pk = [pk] if isinstance(pk, str) else pk
    if not isinstance(pk, list) or not all(isinstance(k, str) and k in names for k in pk):
        issues.append(
            Issue("schema.shape", name, f"{file}: primaryKey", shown(pk), "names of its fields")
        )
    fks = schema.get("foreignKeys", [])
    if not isinstance(fks, list):
        return [*issues, Issue("schema.shape", name, f"{file}: foreignKeys", shown(fks), "a list")]
    for index, fk in enumerate(fks):
        issues += foreign_key_issues(fk, name, f"{file}: foreignKeys[{index}]", names)
    return issues


def foreign_key_issues(fk: Any, name: str, where: str, names: list[str]) -> list[Issue]:
    """A foreign key of one or more fields: as many of its own fields (each one of this schema's)
    as the reference names, each a name."""
    ref = fk.get("reference") if isinstance(fk, dict) else None
    if not isinstance(ref, dict):
        return [Issue("schema.shape", name, where, shown(fk), "fields and a reference")]
    own, theirs = fk.get("fields"), ref.get("fields")
    own = [own] if isinstance(own, str) else own
    theirs = [theirs] if isinstance(theirs, str) else theirs
    if not (isinstance(own, list) and own and all(isinstance(f, str) for f in own)):
        return [Issue("schema.shape", name, f"{where}.fields", shown(own), "names of its fields")]
    unknown = [f for f in own if f not in names]
    if unknown or len(set(own)) != len(own):
        what = "names of its fields, each once"
        what += f" (unknown: {', '.join(unknown)})" if unknown else ""
        return [Issue("schema.shape", name, f"{where}.fields", shown(own), what)]
    if not (isinstance(theirs, list) and all(isinstance(f, str) for f in theirs)):
        return [
            Issue("schema.shape", name, f"{where}.reference.fields", shown(theirs), "field names")
        ]
    if len(theirs) != len(own):
        return [
            Issue(
                "schema.shape",
                name,
                f"{where}.reference.fields",
                shown(theirs),
                f"{len(own)} field name(s), one for each of fields {shown(own)}",
            )
        ]
    target = ref.get("resource", "")
    if not isinstance(target, str):
        return [Issue("schema.shape", name, f"{where}.reference", shown(target), "a name")]
    return []
