"""pandera (polars) schemas generated from the Table Schemas in ``schemas/``.

The JSON Table Schemas are the single source of truth. This module turns each field's type and
constraints into pandera checks over the CSV read as text, so a bad cell is reported with its row and
column instead of failing a whole-column cast. Every check is a column check (a rule may read other
columns of the row), so each failure is located at one cell. Each check's ``error`` carries
``<check id>|<expected>`` so problems map back to the catalogue in :mod:`cscbench.validate.checks`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:  # imported when a check fails: pandera takes ~0.1 s to import
    import pandera.polars as pa

FORMULA_SAFE = "^[^=+\\-@].*$"
# The docs promise ISO dates: exactly YYYY-MM-DD with ASCII digits. chrono (polars' to_date) also
# takes "2010-7-16", " 2010-07-16" and "+12345-01-01", so the shape is checked first.
# YYYY-MM-DD with a year from 0001: year 0000 is no calendar year (Python's dates and
# frictionless refuse it, so polars must too, or the two engines would disagree).
ISO_DATE = r"^(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)-[0-9]{2}-[0-9]{2}$"
# pandera keeps this many failure rows per check; the exact count comes from the check output.
FAILURE_CASES = 1000
Rule = Callable[[pl.Expr], pl.Expr]
# A cheap test of the whole frame: a query giving one row with one boolean, True when it shows the
# check passes (False: not shown; the rule then runs row by row).
Proof = Callable[[pl.LazyFrame], pl.LazyFrame]


def load_table_schema(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def primary_key(table_schema: dict[str, Any]) -> list[str]:
    """The key's fields as a list: Table Schema allows ``"primaryKey": "area_code"`` for one field."""
    pk = table_schema.get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


def typed(expr: pl.Expr, field_type: str) -> pl.Expr:
    """Cast text to the field's type; unparseable text becomes null (which the type check reports)."""
    if field_type == "number":
        return expr.cast(pl.Float64, strict=False)
    if field_type == "finite":  # NaN and infinities are type errors, not values to compare
        number = expr.cast(pl.Float64, strict=False)
        return pl.when(number.is_finite()).then(number)
    if field_type == "integer":
        return expr.cast(pl.Int64, strict=False)
    if field_type == "date":
        return pl.when(expr.str.contains(ISO_DATE)).then(expr.str.to_date("%Y-%m-%d", strict=False))
    if field_type == "boolean":
        return expr.replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        )
    return expr


def parse_error(error: str | None) -> tuple[str, str]:
    """``"<check id>|<expected>"`` -> (check id, expected)."""
    check_id, _, expected = (error or "").partition("|")
    return check_id, expected


@dataclass(frozen=True)
class Check:
    """One check: its id, what is expected, a boolean polars rule on the column, and optionally a
    cheap ``proof`` on the whole frame that, when it gives True, shows the check passes.

    ``per_value``: the rule judges each cell on its own value (a pattern, a type, an enum, a
    foreign key), so it holds on every row exactly when it holds on the column's distinct values;
    a package repeats a few thousand codes over a million rows, so those are what the fast pass
    judges. Rules that read other columns or the row's position are not per value.
    """

    check_id: str
    expected: str
    rule: Rule
    ignore_nulls: bool = True
    proof: Proof | None = None
    per_value: bool = False

    def expr(self, key: str) -> pl.Expr:
        """True (or null) on good rows; empty cells pass unless ``ignore_nulls`` is False."""
        col = pl.col(key)
        ok = self.rule(col)
        return (col.is_null() | ok) if self.ignore_nulls else ok

    def passes(self, key: str) -> pl.Expr:
        """One boolean for the whole frame: does every row pass?"""
        return self.expr(key).fill_null(True).all()

    def to_pandera(self) -> pa.Check:
        import pandera.polars as pa

        def run(data: Any) -> pl.LazyFrame:
            return data.lazyframe.select(self.expr(data.key))

        return pa.Check(
            run,
            error=f"{self.check_id}|{self.expected}",
            name=self.check_id,
            n_failure_cases=FAILURE_CASES,
        )


def check(
    check_id: str,
    expected: str,
    rule: Rule,
    *,
    ignore_nulls: bool = True,
    proof: Proof | None = None,
    per_value: bool = False,
) -> Check:
    """A check on one column from a boolean polars rule; empty cells pass unless ``ignore_nulls``
    is False. A null rule result (e.g. a cell another column makes unjudgeable) passes too.
    ``proof`` is an optional cheap test of the whole frame: True means the check passes.
    ``per_value``: the rule reads the cell's own value only (see :class:`Check`)."""
    return Check(check_id, expected, rule, ignore_nulls, proof, per_value)


def row_check(check_id: str, expected: str, rule: pl.Expr, proof: Proof | None = None) -> Check:
    """A rule across the row, reported at the column it is attached to (True or null = good)."""
    return check(
        check_id, expected, lambda _: rule.fill_null(True), ignore_nulls=False, proof=proof
    )


def field_checks(field: dict[str, Any], primary_key: list[str]) -> list[Check]:
    kind = field.get("type", "string")
    c = field.get("constraints", {})
    # Judged on distinct values, except numbers: mostly distinct, they cost more to deduplicate
    # than to cast.
    distinct = kind != "number"
    checks: list[Check] = []
    if c.get("required") or field["name"] in primary_key:
        # on every row: a null count, cheaper than any deduplication
        checks.append(
            check("field.required", "a value", lambda e: e.is_not_null(), ignore_nulls=False)
        )
    if kind == "number":
        checks.append(check("field.type", "a number", lambda e: typed(e, "finite").is_not_null()))
    elif kind in ("integer", "date", "boolean"):
        article = "an" if kind == "integer" else "a"
        form = {"date": " (YYYY-MM-DD, a real calendar day)", "integer": " (a whole number)"}
        checks.append(
            check(
                "field.type",
                f"{article} {kind}{form.get(kind, '')}",
                lambda e: typed(e, kind).is_not_null(),
                per_value=distinct,
            )
        )
    if "enum" in c:
        allowed = [str(v) for v in c["enum"]]
        checks.append(
            check("field.enum", f"one of {allowed}", lambda e: e.is_in(allowed), per_value=distinct)
        )
    if "pattern" in c:
        pattern = c["pattern"]
        anchored = f"^(?:{pattern})$"  # Table Schema patterns match the whole value
        if pattern == FORMULA_SAFE:
            # A line break is its own problem (a name is one line), not a formula: the formula
            # test reads across lines ((?s): "." matches a newline too).
            checks.append(
                check(
                    "text.line_break",
                    "one line of text (no line break)",
                    lambda e: ~e.str.contains("\n", literal=True),  # a bare CR: file.control
                    per_value=distinct,
                )
            )
            check_id, expected = "text.formula", "text not starting with =, +, - or @"
            anchored = f"(?s){anchored}"
        else:
            check_id, expected = "field.pattern", f"text matching {pattern}"
        checks.append(
            check(check_id, expected, lambda e: e.str.contains(anchored), per_value=distinct)
        )
    comparable = "finite" if kind == "number" else kind
    if "minimum" in c:
        low = c["minimum"]
        checks.append(
            check(
                "field.minimum",
                f">= {low}",
                lambda e: typed(e, comparable).fill_null(low) >= low,
                per_value=distinct,
            )
        )
    if "maximum" in c:
        high = c["maximum"]
        checks.append(
            check(
                "field.maximum",
                f"<= {high}",
                lambda e: typed(e, comparable).fill_null(high) <= high,
                per_value=distinct,
            )
        )
    if c.get("unique") and primary_key != [field["name"]]:
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
) -> dict[str, list[Check]]:
    """Declared foreign keys, checked against the referenced resource's key columns.

    A single-field key is judged on the column's distinct values; a key of several fields is a
    row check at its first field (see :func:`composite_key_check`). A reference to a resource that
    could not be read is skipped: its own problems say why.
    """
    out: dict[str, list[Check]] = {}
    for fk in table_schema.get("foreignKeys", []):
        columns = list(fk["fields"])
        ref = fk["reference"]
        parent_name = ref.get("resource") or self_name
        parent_columns = list(ref["fields"])
        parent = frames.get(parent_name)
        if parent is None or not set(parent_columns) <= set(parent.columns):
            continue
        if len(columns) > 1:
            chk = composite_key_check(columns, parent, parent_name, parent_columns)
            out.setdefault(columns[0], []).append(chk)
            continue
        keys = parent[parent_columns[0]].drop_nulls().unique()
        out.setdefault(columns[0], []).append(
            check(
                "table.foreign_key",
                f"a value of {parent_name}.{parent_columns[0]}",
                lambda e, k=keys: e.is_in(k.implode()),
                per_value=True,
            )
        )
    return out


def composite_key_expected(columns: list[str], parent_name: str, parent_columns: list[str]) -> str:
    """What a foreign key of several fields expects, naming both sides' columns."""
    own = ", ".join(columns)
    theirs = ", ".join(parent_columns)
    return f"values of ({own}) found together on a row of {parent_name} ({theirs})"


def composite_keys(
    table_schema: dict[str, Any], self_name: str
) -> dict[tuple[str, str], list[str]]:
    """(first column, expected) -> the key's columns, for each foreign key of several fields: a
    failure is reported at the first column with the whole tuple as its value."""
    out: dict[tuple[str, str], list[str]] = {}
    for fk in table_schema.get("foreignKeys", []):
        columns = list(fk["fields"])
        if len(columns) > 1:
            ref = fk["reference"]
            parent_name = ref.get("resource") or self_name
            expected = composite_key_expected(columns, parent_name, list(ref["fields"]))
            out[(columns[0], expected)] = columns
    return out


def composite_key_check(
    columns: list[str], parent: pl.DataFrame, parent_name: str, parent_columns: list[str]
) -> Check:
    """A foreign key of several fields: each row's tuple must be a row of the parent's columns.

    The proof is an anti-join of the child's distinct tuples against the parent rows that share
    a leading value with them, so the valid path reads the parent's key columns once and builds
    no Python objects. Only when it
    fails is every row judged (struct membership), to locate the failing lines. A tuple with an
    empty part is not judged (as SQL's MATCH SIMPLE): the empty cell is field.required's, so one
    blank is reported once.
    """
    parent_keys = parent.lazy().select(parent_columns)

    def proof(frame: pl.LazyFrame) -> pl.LazyFrame:
        distinct = frame.select(columns).drop_nulls().unique().collect(engine="in-memory")
        # only the parent rows whose leading field the child uses can match: a cheap filter
        # (1M observations: ~10 ms, against ~90 ms for the anti-join on every parent row)
        leading = pl.col(parent_columns[0]).is_in(distinct[columns[0]].implode())
        candidates = parent_keys.filter(leading)
        missing = distinct.lazy().join(
            candidates, left_on=columns, right_on=parent_columns, how="anti"
        )
        return missing.select(pl.len() == 0)

    @functools.cache
    def known() -> pl.Series:
        renamed = parent.select(
            pl.col(p).alias(c) for p, c in zip(parent_columns, columns, strict=True)
        )
        return renamed.drop_nulls().select(pl.struct(columns)).to_series()

    def rule(_: pl.Expr) -> pl.Expr:
        empty_part = pl.any_horizontal(pl.col(c).is_null() for c in columns)
        return empty_part | pl.struct(columns).is_in(known().implode())

    return check(
        "table.foreign_key",
        composite_key_expected(columns, parent_name, parent_columns),
        rule,
        ignore_nulls=False,
        proof=proof,
    )


KEY_HASH_SEED = 20240331


def key_hash(primary_key: list[str]) -> pl.Expr:
    return pl.struct(primary_key).hash(KEY_HASH_SEED)


def strictly_increasing(columns: list[str]) -> pl.Expr:
    """True on each row whose key sorts strictly after the previous row's (and on the first row);
    False where a key part is empty. All True means the keys are sorted, hence all distinct."""
    expr = pl.col(columns[-1]) > pl.col(columns[-1]).shift(1)
    for c in reversed(columns[:-1]):
        expr = (pl.col(c) > pl.col(c).shift(1)) | ((pl.col(c) == pl.col(c).shift(1)) & expr)
    return (expr | (pl.int_range(pl.len()) == 0)).fill_null(False)


def sorted_unique(frame: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Cheap proof that no key repeats: ``cscbench ingest`` writes rows sorted by their key, so one
    comparison with the previous row settles it (no hashing); False means "not proved"."""
    return frame.select(strictly_increasing(columns).all())


def primary_key_check(primary_key: list[str]) -> Check:
    """Rows whose key hash was seen on an earlier row fail, reported at the key's first column.

    Hashing the key is several times lighter on memory than comparing the key columns themselves
    (10M rows: ~0.3 GB instead of ~0.9 GB); a hash collision cannot cause a false report because the
    failing rows are re-checked on the real key values when they are located (validate.py).
    """
    key = ", ".join(primary_key)
    return row_check(
        "table.primary_key",
        f"a unique ({key}): this key is already on an earlier line",
        key_hash(primary_key).is_first_distinct(),
        proof=lambda frame: sorted_unique(frame, primary_key),
    )


def schema_checks(
    name: str,
    table_schema: dict[str, Any],
    frames: dict[str, pl.DataFrame],
    extra: dict[str, list[Check]] | None = None,
) -> dict[str, list[Check]]:
    """Every check of the resource per column: field constraints, keys, and ``extra`` row rules."""
    pk = primary_key(table_schema)
    fks = foreign_key_checks(table_schema, frames, name)
    extra = {column: list(checks) for column, checks in (extra or {}).items()}
    if pk:
        extra.setdefault(pk[0], []).insert(0, primary_key_check(pk))
    return {
        f["name"]: field_checks(f, pk) + fks.get(f["name"], []) + extra.get(f["name"], [])
        for f in table_schema["fields"]
    }


def failing_checks(checks: dict[str, list[Check]], frame: pl.DataFrame) -> dict[str, list[Check]]:
    """The checks ``frame`` fails, found in one pass (two when a proof does not hold).

    Every rule, or its cheap proof, becomes one aggregate of a single polars query (instead of one
    query per check), whose parts polars runs in parallel; a per-value check is judged on its
    column's distinct values (computed once per column). Only a check whose proof does not hold
    (rows not sorted by key, or a real failure) is then judged row by row.
    """
    if any(dtype != pl.String for dtype in frame.dtypes):
        return checks  # not a text frame: let pandera check everything, dtypes included
    failing: dict[str, list[Check]] = {}
    present: list[tuple[str, Check]] = []
    for column, column_checks in checks.items():
        for chk in column_checks:
            if column in frame.columns:
                present.append((column, chk))
            else:
                failing.setdefault(column, []).append(chk)
    passed = verdicts(present, frame, proofs=True)
    unproved = [
        (c, chk) for (c, chk), ok in zip(present, passed, strict=True) if not ok and chk.proof
    ]
    again = dict(zip(map(id, (chk for _, chk in unproved)), verdicts(unproved, frame), strict=True))
    for (column, chk), ok in zip(present, passed, strict=True):
        if not (ok or again.get(id(chk), False)):
            failing.setdefault(column, []).append(chk)
    return failing


def verdicts(
    checks: list[tuple[str, Check]], frame: pl.DataFrame, proofs: bool = False
) -> tuple[bool, ...]:
    """Whether each check passes (with ``proofs``: is proved), from one polars query: proofs,
    row rules over the frame, per-value rules over their column's distinct values."""
    if not checks:
        return ()
    lazy = frame.lazy()
    per_value: dict[str, list[tuple[int, Check]]] = {}
    on_rows = []
    parts = []
    for i, (column, chk) in enumerate(checks):
        if proofs and chk.proof is not None:
            parts.append(chk.proof(lazy).select(pl.first().alias(str(i))))
        elif chk.per_value:
            per_value.setdefault(column, []).append((i, chk))
        else:
            on_rows.append(chk.passes(column).alias(str(i)))
    parts += [lazy.select(on_rows)] if on_rows else []
    parts += [
        lazy.select(pl.col(column).unique()).select(
            chk.passes(column).alias(str(i)) for i, chk in column_checks
        )
        for column, column_checks in per_value.items()
    ]
    row = pl.concat(parts, how="horizontal").collect(engine="in-memory").row(0, named=True)
    return tuple(bool(row[str(i)]) for i in range(len(checks)))


def to_pandera(name: str, checks: dict[str, list[Check]]) -> pa.DataFrameSchema:
    """A pandera schema running ``checks`` on the text columns."""
    import pandera.polars as pa

    columns = {
        column: pa.Column(pl.String, nullable=True, checks=[c.to_pandera() for c in column_checks])
        for column, column_checks in checks.items()
    }
    return pa.DataFrameSchema(columns, name=name, strict=False)


def pandera_schema(
    name: str,
    table_schema: dict[str, Any],
    frames: dict[str, pl.DataFrame],
    extra: dict[str, list[Check]] | None = None,
) -> pa.DataFrameSchema:
    """The resource's whole pandera schema: field constraints, keys and ``extra`` row rules."""
    return to_pandera(name, schema_checks(name, table_schema, frames, extra))


def ingest_dtypes(table_schema: dict[str, Any]) -> dict[str, pl.DataType]:
    """The dtypes ingest builds a resource with: the analyst dtypes, but enums kept as text (an
    unknown value must reach validation as itself, to be reported, not fail a cast)."""
    return {
        name: pl.String() if isinstance(dtype, pl.Enum) else dtype
        for name, dtype in polars_dtypes(table_schema).items()
    }


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
