"""pandera (polars) schemas generated from the Table Schemas in ``schemas/``.

The JSON Table Schemas are the single source of truth. This module turns each field's type and
constraints into pandera checks over the CSV read as text, so a bad cell is reported with its row and
column instead of failing a whole-column cast. Each check's ``error`` carries ``<check id>|<expected>``
so problems map back to the catalogue in :mod:`cscbench.checks`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

os.environ.setdefault("PANDERA_VALIDATION_DEPTH", "SCHEMA_AND_DATA")

import pandera.polars as pa
from pandera.api.polars.types import PolarsData

FORMULA_SAFE = "^[^=+\\-@].*$"
Rule = Callable[[pl.Expr], pl.Expr]


def load_table_schema(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def typed(expr: pl.Expr, field_type: str) -> pl.Expr:
    """Cast text to the field's type; unparseable text becomes null (which the type check reports)."""
    if field_type == "number":
        return expr.cast(pl.Float64, strict=False)
    if field_type == "integer":
        return expr.cast(pl.Int64, strict=False)
    if field_type == "date":
        return expr.str.to_date("%Y-%m-%d", strict=False)
    if field_type == "boolean":
        return expr.replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        )
    return expr


def _finite(expr: pl.Expr) -> pl.Expr:
    return expr.is_not_null() & expr.is_finite()


def check(check_id: str, expected: str, rule: Rule, *, ignore_nulls: bool = True) -> pa.Check:
    """A column check from a boolean polars rule; nulls pass unless ``ignore_nulls`` is False."""

    def run(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        ok = rule(col)
        return data.lazyframe.select((col.is_null() | ok) if ignore_nulls else ok)

    return pa.Check(run, error=f"{check_id}|{expected}", name=check_id)


def wide_check(check_id: str, expected: str, rule: pl.Expr) -> pa.Check:
    """A row-wise check across columns (rule is True for good rows)."""

    def run(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(rule.fill_null(True).alias("ok"))

    return pa.Check(run, error=f"{check_id}|{expected}", name=check_id)


def field_checks(field: dict[str, Any]) -> list[pa.Check]:
    kind = field.get("type", "string")
    c = field.get("constraints", {})
    checks: list[pa.Check] = []
    if c.get("required"):
        checks.append(
            check("field.required", "a value", lambda e: e.is_not_null(), ignore_nulls=False)
        )
    if kind == "number":
        checks.append(check("field.type", "a number", lambda e: _finite(typed(e, kind))))
    elif kind in ("integer", "date", "boolean"):
        checks.append(
            check(
                "field.type",
                f"a{'n' if kind == 'integer' else ''} {kind}",
                lambda e: typed(e, kind).is_not_null(),
            )
        )
    if "enum" in c:
        allowed = [str(v) for v in c["enum"]]
        checks.append(check("field.enum", f"one of {allowed}", lambda e: e.is_in(allowed)))
    if "pattern" in c:
        pattern = c["pattern"]
        check_id = "text.formula" if pattern == FORMULA_SAFE else "field.pattern"
        checks.append(
            check(check_id, f"text matching {pattern}", lambda e: e.str.contains(pattern))
        )
    if "minimum" in c:
        low = c["minimum"]
        checks.append(
            check("field.minimum", f">= {low}", lambda e: typed(e, kind).fill_null(low) >= low)
        )
    if "maximum" in c:
        high = c["maximum"]
        checks.append(
            check("field.maximum", f"<= {high}", lambda e: typed(e, kind).fill_null(high) <= high)
        )
    if c.get("unique"):
        checks.append(
            check(
                "field.unique",
                "a value not used on an earlier row",
                lambda e: e.is_first_distinct(),
            )
        )
    return checks


def foreign_key_checks(
    table_schema: dict[str, Any], frames: dict[str, pl.DataFrame], self_name: str
) -> dict[str, list[pa.Check]]:
    """Declared single-field foreign keys, checked against the referenced resource's key column."""
    out: dict[str, list[pa.Check]] = {}
    for fk in table_schema.get("foreignKeys", []):
        (column,) = fk["fields"]
        ref = fk["reference"]
        parent_name = ref.get("resource") or self_name
        (parent_column,) = ref["fields"]
        parent = frames.get(parent_name)
        if parent is None or parent_column not in parent.columns:
            continue
        keys = parent[parent_column].drop_nulls().unique()
        out.setdefault(column, []).append(
            check(
                "table.foreign_key",
                f"a {parent_column} that exists in {parent_name}",
                lambda e, k=keys: e.is_in(k.implode()),
            )
        )
    return out


def pandera_schema(
    name: str,
    table_schema: dict[str, Any],
    frames: dict[str, pl.DataFrame],
    extra: list[pa.Check] | None = None,
) -> pa.DataFrameSchema:
    fks = foreign_key_checks(table_schema, frames, name)
    columns = {
        f["name"]: pa.Column(
            pl.String, nullable=True, checks=field_checks(f) + fks.get(f["name"], [])
        )
        for f in table_schema["fields"]
    }
    checks = list(extra or [])
    pk = table_schema.get("primaryKey")
    if pk:
        checks.append(
            wide_check(
                "table.primary_key", f"a unique {', '.join(pk)}", pl.struct(pk).is_first_distinct()
            )
        )
    return pa.DataFrameSchema(columns, checks=checks, name=name, strict=False)


def polars_dtypes(table_schema: dict[str, Any]) -> dict[str, pl.DataType]:
    """Analyst dtypes from the Table Schema: enums become pl.Enum, dates Date, numbers Float64."""
    out: dict[str, pl.DataType] = {}
    for f in table_schema["fields"]:
        kind = f.get("type", "string")
        enum = f.get("constraints", {}).get("enum")
        if enum and kind == "string":
            out[f["name"]] = pl.Enum([str(v) for v in enum])
        else:
            out[f["name"]] = {
                "number": pl.Float64(),
                "integer": pl.Int64(),
                "date": pl.Date(),
                "boolean": pl.Boolean(),
            }.get(kind, pl.String())
    return out
