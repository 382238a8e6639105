"""What changed between two versions of the package, each change classified by the bump it needs.

Consumers update with confidence only when they can see what moved: rows added, removed and
changed per resource (by primary key), revised figures and suppressions in ``observations``, new,
closed and renamed codes in ``areas``, indicator metadata, and every schema change. Each change is
a :class:`Change` with its semver level (:mod:`cscbench.semver`), so ``release`` can refuse a
version number that understates what changed.

Cells are compared as the text the CSVs hold (the package writes each value in one canonical form),
so a type change in the schema never hides or invents a difference; only revised figures are read
as numbers, to give the change. Everything is polars joins; the output is sorted, so the same pair
of packages always gives the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cscbench import descriptor, semver
from cscbench.archive import UnreadableInput
from cscbench.errors import InvalidInputError
from cscbench.schema import primary_key

EXAMPLES = 3  # examples quoted in a change's words; the tables hold every row
# Package properties that differ between any two releases by design, so never a change.
RELEASE_PROPERTIES = frozenset({"version", "created", "id", "homepage"})
RESOURCE_PROPERTIES = frozenset({"bytes", "hash"})  # differ whenever the data does
# Set on release descriptors only: compared when both sides have them (a release with another).
RELEASE_RESOURCE_PROPERTIES = frozenset({"licenses"})
OBSERVATION_KEY = ("indicator_id", "area_code", "period")
# Generic row changes that a resource's own comparison says better (indicator ids, area codes).
SPECIFIC_ROW_CHANGES = {
    "indicators": ("rows_added", "rows_removed", "rows_changed"),
    "areas": ("rows_added", "rows_removed"),
}

# The detail tables of a diff and their columns: one definition for building them, writing them
# to JSON and reading them back (publish renders the recorded changes file).
TABLES: dict[str, dict[str, pl.DataType]] = {
    "resources": {
        "resource": pl.String(),
        "status": pl.String(),
        "rows_old": pl.Int64(),
        "rows_new": pl.Int64(),
        "rows_added": pl.Int64(),
        "rows_removed": pl.Int64(),
        "rows_changed": pl.Int64(),
    },
    "new_periods": {"indicator_id": pl.String(), "periods": pl.List(pl.String())},
    "revisions": {
        "indicator_id": pl.String(),
        "area_code": pl.String(),
        "period": pl.String(),
        "old_value": pl.Float64(),
        "new_value": pl.Float64(),
        "change": pl.Float64(),
        "relative_change": pl.Float64(),
    },
    "status_changes": {
        "indicator_id": pl.String(),
        "area_code": pl.String(),
        "period": pl.String(),
        "what": pl.String(),
        "old_value": pl.String(),
        "old_status": pl.String(),
        "new_value": pl.String(),
        "new_status": pl.String(),
    },
    "areas": {
        "area_code": pl.String(),
        "what": pl.String(),
        "old_name": pl.String(),
        "new_name": pl.String(),
        "status": pl.String(),
        "successor_code": pl.String(),
    },
    "cells": {
        "resource": pl.String(),
        "key": pl.String(),
        "field": pl.String(),
        "old": pl.String(),
        "new": pl.String(),
    },
}


@dataclass(frozen=True, order=True)
class Change:
    """One classified change: ``level`` is the semver bump it needs (patch, minor, major)."""

    level: str
    resource: str  # "" for the package itself
    kind: str
    subject: str  # the column, indicator id, enum value... ("" for a whole-resource summary)
    detail: str  # in words, with a few examples; the tables hold every row

    def sort_key(self) -> tuple[int, str, str, str]:
        return (-semver.rank(self.level), self.resource, self.kind, self.subject)


@dataclass(frozen=True)
class Package:
    """A package read for comparison: its descriptor, Table Schemas and every resource as text."""

    descriptor: dict[str, Any]
    schemas: dict[str, dict[str, Any]]
    frames: dict[str, pl.DataFrame]

    @property
    def version(self) -> str | None:
        return self.descriptor.get("version")


EMPTY = Package({}, {}, {})  # what the first release is compared with


@dataclass(frozen=True)
class Diff:
    """Every change from ``old`` to ``new`` and the tables behind them."""

    old: dict[str, Any]  # which release each side is: version, created, id
    new: dict[str, Any]
    changes: tuple[Change, ...]
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def level(self) -> str:
        return semver.highest([c.level for c in self.changes])

    @property
    def different(self) -> bool:
        return bool(self.changes)

    def reasons(self, level: str) -> list[str]:
        return [f"{c.resource or 'package'}: {c.detail}" for c in self.changes if c.level == level]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "differences": self.different,
            "level": self.level,
            "changes": [c.__dict__ for c in self.changes],
            "tables": {name: self.tables[name].to_dicts() for name in TABLES},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diff:
        """A diff read back from its JSON (a recorded ``changes.json``)."""
        changes = tuple(Change(**c) for c in data["changes"])
        recorded = data.get("tables", {})
        tables = {
            name: pl.DataFrame(recorded.get(name, []), schema=schema)
            for name, schema in TABLES.items()
        }
        return cls(data["old"], data["new"], changes, tables)


# ---------------------------------------------------------------------------- reading


def read_package(descriptor_path: Path, label: str | None = None) -> Package:
    """Read a package for comparison through the package boundary (:func:`cscbench.descriptor.plan`:
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
    expected = _field_names(schema)
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


# ---------------------------------------------------------------------------- comparing


def diff_packages(old: Package, new: Package) -> Diff:
    """Every change from ``old`` to ``new`` (``old`` may be :data:`EMPTY`: a first release)."""
    changes: list[Change] = []
    tables: dict[str, pl.DataFrame] = {}
    changes += _descriptor_changes(old.descriptor, new.descriptor) if old.descriptor else []
    added = sorted(set(new.frames) - set(old.frames))
    removed = sorted(set(old.frames) - set(new.frames))
    renamed = _renamed_resources(old, new, removed, added)
    changes += _resource_changes(new, added, removed, renamed)
    counts = [_count_row(name, "added", None, new.frames[name]) for name in added]
    counts += [_count_row(name, "removed", old.frames[name], None) for name in removed]
    cells: list[pl.DataFrame] = [_empty("cells")]
    for name in sorted(set(old.frames) & set(new.frames)):
        result = _compare_resource(name, old, new)
        changes += result.changes
        counts.append(result.count)
        cells.append(result.cells)
        tables.update(result.tables)
    tables["resources"] = pl.DataFrame(counts, schema=TABLES["resources"], orient="row").sort(
        "resource"
    )
    tables["cells"] = pl.concat(cells).sort("resource", "key", "field")
    for name in TABLES:
        tables.setdefault(name, _empty(name))
    return Diff(_side(old), _side(new), tuple(sorted(changes, key=Change.sort_key)), tables)


def _side(package: Package) -> dict[str, Any]:
    """Which release a side is: its version, and for a release its date and id."""
    return {key: package.descriptor.get(key) for key in ("version", "created", "id")}


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[name])


def _count_row(
    name: str, status: str, old: pl.DataFrame | None, new: pl.DataFrame | None
) -> tuple[Any, ...]:
    rows_old = old.height if old is not None else None
    rows_new = new.height if new is not None else None
    return (name, status, rows_old, rows_new, rows_new, rows_old, None)


def _descriptor_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Package properties (title, description, licences...) other than the per-release ones."""
    keys = sorted((set(old) | set(new)) - RELEASE_PROPERTIES - {"resources"})
    return [
        Change("patch", "", "package_property", key, f"package property {key!r} changed")
        for key in keys
        if old.get(key) != new.get(key)
    ]


def _field_names(schema: dict[str, Any]) -> list[str]:
    return [f["name"] for f in schema["fields"]]


def _renamed_resources(
    old: Package, new: Package, removed: list[str], added: list[str]
) -> dict[str, str]:
    """old name -> new name for a removed and an added resource with the same columns."""
    out: dict[str, str] = {}
    for gone in removed:
        for name in added:
            same = _field_names(old.schemas[gone]) == _field_names(new.schemas[name])
            if same and name not in out.values():
                out[gone] = name
                break
    return out


def _resource_changes(
    new: Package, added: list[str], removed: list[str], renamed: dict[str, str]
) -> list[Change]:
    def rows(name: str) -> str:
        return f" ({new.frames[name].height:,} rows)"

    return _name_changes(None, "resource", renamed, removed, added, rows)


def _name_changes(
    resource: str | None,
    what: str,
    renamed: dict[str, str],
    removed: list[str],
    added: list[str],
    more: Callable[[str], str] = lambda _: "",
) -> list[Change]:
    """Names of one kind (resources, or one resource's columns) renamed or removed, which breaks
    code that uses them (major), and added (minor). ``more`` adds words to an addition."""

    def where(name: str) -> str:
        return name if resource is None else resource

    out = [
        Change("major", where(a), f"{what}_renamed", a, f"{what} {a!r} renamed to {b!r}")
        for a, b in renamed.items()
    ]
    out += [
        Change("major", where(n), f"{what}_removed", n, f"{what} {n!r} removed")
        for n in removed
        if n not in renamed
    ]
    out += [
        Change("minor", where(n), f"{what}_added", n, f"{what} {n!r} added{more(n)}")
        for n in added
        if n not in renamed.values()
    ]
    return out


@dataclass(frozen=True)
class ResourceResult:
    changes: list[Change]
    count: tuple[Any, ...]
    cells: pl.DataFrame
    tables: dict[str, pl.DataFrame]


def _compare_resource(name: str, old: Package, new: Package) -> ResourceResult:
    """Schema changes, then rows by primary key (when both sides have the new key's columns)."""
    old_schema, new_schema = old.schemas[name], new.schemas[name]
    old_frame, new_frame = old.frames[name], new.frames[name]
    key = primary_key(new_schema)
    # Rows are matched by key only when both sides have the same one (a new key is major anyway).
    comparable = bool(key) and key == primary_key(old_schema) and _has(new_frame, old_frame, *key)
    changes = _entry_changes(name, old, new)
    if not comparable:
        changes += schema_changes(name, old_schema, new_schema, None)
        count = (name, "kept", old_frame.height, new_frame.height, None, None, None)
        return ResourceResult(changes, count, _empty("cells"), {})
    _require_unique(name, old_frame, key, "old")
    _require_unique(name, new_frame, key, "new")
    joined = _joined(old_frame, new_frame, key)
    changes += schema_changes(name, old_schema, new_schema, joined)
    rows = _row_changes(name, old_frame, new_frame, key, joined)
    specific, tables = _specific_changes(name, old_frame, new_frame, joined, rows)
    covered = SPECIFIC_ROW_CHANGES.get(name, ()) if specific else ()
    changes += [c for c in rows.changes if c.kind not in covered] + specific
    count = (
        name,
        "kept",
        old_frame.height,
        new_frame.height,
        rows.added.height,
        rows.removed.height,
        rows.changed,
    )
    cells = rows.cells if name != "observations" else _empty("cells")
    return ResourceResult(changes, count, cells, tables)


def _specific_changes(
    name: str, old: pl.DataFrame, new: pl.DataFrame, joined: pl.DataFrame, rows: RowChanges
) -> tuple[list[Change], dict[str, pl.DataFrame]]:
    """What a resource's own meaning adds to its row changes: figures, codes, indicator ids."""
    if name == "observations" and _has(new, old, "value", "status", *OBSERVATION_KEY):
        return _observation_changes(old, new, joined)
    if name == "areas" and _has(new, old, "area_code", "name", "status"):
        return _area_changes(rows.added, rows.removed, joined)
    if name == "indicators" and _has(new, old, "indicator_id"):
        return _indicator_changes(rows.added, rows.removed, rows.cells), {}
    return [], {}


def _has(new: pl.DataFrame, old: pl.DataFrame, *columns: str) -> bool:
    return all(c in new.columns and c in old.columns for c in columns)


def _require_unique(name: str, frame: pl.DataFrame, key: list[str], side: str) -> None:
    dupes = frame.filter(pl.struct(key).is_duplicated())
    if dupes.height:
        example = " | ".join(str(v) for v in dupes.select(key).row(0))
        raise UnreadableInput(
            f"{side} {name}: {dupes.height} rows share a primary key ({', '.join(key)}), e.g. "
            f"{example}; expected a valid package (run cscbench validate on it)"
        )


def _joined(old: pl.DataFrame, new: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Rows on both sides by key: the new columns, then every old column suffixed ``_old``."""
    renamed = old.rename({c: f"{c}_old" for c in old.columns if c not in key})
    return new.join(renamed, on=key, how="inner", nulls_equal=True)


# ---------------------------------------------------------------------------- schemas


def schema_changes(
    name: str, old: dict[str, Any], new: dict[str, Any], joined: pl.DataFrame | None
) -> list[Change]:
    """Columns removed, renamed, added, retyped; enum values; the key; other field properties."""
    old_fields = {f["name"]: f for f in old["fields"]}
    new_fields = {f["name"]: f for f in new["fields"]}
    gone = [c for c in old_fields if c not in new_fields]
    came = [c for c in new_fields if c not in old_fields]
    renames = _renamed_columns(gone, came, old_fields, new_fields, joined)
    out = _name_changes(name, "column", renames, gone, came)
    for column in [c for c in new_fields if c in old_fields]:
        out += _field_changes(name, column, old_fields[column], new_fields[column])
    if primary_key(old) != primary_key(new):
        out.append(
            Change(
                "major",
                name,
                "key_changed",
                "primaryKey",
                f"primary key {primary_key(old)} changed to {primary_key(new)}",
            )
        )
    if old.get("foreignKeys", []) != new.get("foreignKeys", []):
        out.append(
            Change("patch", name, "foreign_keys_changed", "foreignKeys", "foreign keys changed")
        )
    common = [c for c in new_fields if c in old_fields]
    if [c for c in old_fields if c in common] != common:
        out.append(Change("patch", name, "column_order", "", "columns reordered"))
    return out


def _renamed_columns(
    gone: list[str],
    came: list[str],
    old_fields: dict[str, Any],
    new_fields: dict[str, Any],
    joined: pl.DataFrame | None,
) -> dict[str, str]:
    """A removed and an added column of the same type are one renamed column when they hold the
    same values row for row (or, with no rows to compare, stand at the same position)."""
    out: dict[str, str] = {}
    old_position = {c: i for i, c in enumerate(old_fields)}
    new_position = {c: i for i, c in enumerate(new_fields)}
    for a in gone:
        for b in came:
            if b in out.values() or _type(old_fields[a]) != _type(new_fields[b]):
                continue
            if joined is not None and joined.height:
                same = joined.select(pl.col(b).eq_missing(pl.col(f"{a}_old")).all()).item()
            else:
                same = old_position[a] == new_position[b]
            if same:
                out[a] = b
                break
    return out


def _type(f: dict[str, Any]) -> str:
    return f.get("type", "string")


def _enum(f: dict[str, Any]) -> list[str] | None:
    values = f.get("constraints", {}).get("enum")
    return None if values is None else [str(v) for v in values]


def _field_changes(
    name: str, column: str, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    out = []
    if _type(old) != _type(new):
        out.append(
            Change(
                "major",
                name,
                "type_changed",
                column,
                f"column {column!r} changed type from {_type(old)} to {_type(new)}",
            )
        )
    before, after = _enum(old), _enum(new)
    if before is not None and after is not None:
        out += [
            Change(
                "major",
                name,
                "enum_value_removed",
                f"{column}={v}",
                f"{column}: value {v!r} no longer allowed",
            )
            for v in before
            if v not in after
        ]
        out += [
            Change(
                "minor",
                name,
                "enum_value_added",
                f"{column}={v}",
                f"{column}: value {v!r} now allowed",
            )
            for v in after
            if v not in before
        ]
    elif before is not None:
        out.append(
            Change("minor", name, "enum_dropped", column, f"{column}: any value now allowed")
        )
    elif after is not None:
        out.append(
            Change("patch", name, "enum_set", column, f"{column}: values now limited to {after}")
        )
    rest = sorted((set(old) | set(new)) - {"name", "type", "constraints"})
    constraints = sorted(
        (set(old.get("constraints", {})) | set(new.get("constraints", {}))) - {"enum"}
    )
    moved = [k for k in rest if old.get(k) != new.get(k)]
    moved += [
        f"constraints.{k}"
        for k in constraints
        if old.get("constraints", {}).get(k) != new.get("constraints", {}).get(k)
    ]
    if moved:
        out.append(
            Change(
                "patch",
                name,
                "field_changed",
                column,
                f"column {column!r}: {', '.join(moved)} changed",
            )
        )
    return out


def _entry_changes(name: str, old: Package, new: Package) -> list[Change]:
    """The resource's own descriptor properties (path, description...), hashes aside."""
    entry = {r.get("name"): r for r in old.descriptor.get("resources", [])}.get(name, {})
    other = {r.get("name"): r for r in new.descriptor.get("resources", [])}.get(name, {})
    keys = sorted((set(entry) | set(other)) - RESOURCE_PROPERTIES - {"schema"})
    keys = [k for k in keys if k not in RELEASE_RESOURCE_PROPERTIES or (k in entry and k in other)]
    return [
        Change("patch", name, "resource_property", key, f"resource property {key!r} changed")
        for key in keys
        if entry.get(key) != other.get(key)
    ]


# ---------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class RowChanges:
    changes: list[Change]
    added: pl.DataFrame
    removed: pl.DataFrame
    changed: int
    cells: pl.DataFrame


def _key_text(key: list[str]) -> pl.Expr:
    return pl.concat_str([pl.col(c).fill_null("") for c in key], separator=" | ")


def _row_changes(
    name: str, old: pl.DataFrame, new: pl.DataFrame, key: list[str], joined: pl.DataFrame
) -> RowChanges:
    """Rows added, removed and changed (in the columns both sides have), with every changed cell."""
    added = new.join(old.select(key), on=key, how="anti", nulls_equal=True).sort(key)
    removed = old.join(new.select(key), on=key, how="anti", nulls_equal=True).sort(key)
    common = [c for c in new.columns if c in old.columns and c not in key]
    differs = [pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in common]
    changed = joined.filter(pl.any_horizontal(differs)) if differs else joined.clear()
    cells = _cells(name, changed, key, common)
    out: list[Change] = []
    if added.height:
        out.append(
            Change("minor", name, "rows_added", "", f"{added.height:,} rows added{_eg(added, key)}")
        )
    if removed.height:
        out.append(
            Change(
                "patch",
                name,
                "rows_removed",
                "",
                f"{removed.height:,} rows removed{_eg(removed, key)}",
            )
        )
    if changed.height:
        by_field = cells.group_by("field").len().sort("field")
        where = ", ".join(f"{f} {n:,}" for f, n in by_field.iter_rows())
        out.append(
            Change("patch", name, "rows_changed", "", f"{changed.height:,} rows changed ({where})")
        )
    return RowChanges(out, added, removed, changed.height, cells)


def _eg(frame: pl.DataFrame, key: list[str]) -> str:
    shown = frame.head(EXAMPLES).select(_key_text(key)).to_series().to_list()
    return f", e.g. {'; '.join(shown)}" if shown else ""


def _cells(name: str, changed: pl.DataFrame, key: list[str], common: list[str]) -> pl.DataFrame:
    """One row per changed cell: resource, key (as text), field, old, new."""
    if not common or not changed.height:
        return _empty("cells")
    base = changed.select(_key_text(key).alias("key"), *common)
    new_long = base.unpivot(index="key", variable_name="field", value_name="new")
    old_long = changed.select(
        _key_text(key).alias("key"), *[pl.col(f"{c}_old").alias(c) for c in common]
    ).unpivot(index="key", variable_name="field", value_name="old")
    return (
        new_long.join(old_long, on=["key", "field"], nulls_equal=True)
        .filter(pl.col("old").ne_missing(pl.col("new")))
        .select(pl.lit(name).alias("resource"), "key", "field", "old", "new")
    )


# ---------------------------------------------------------------------------- observations


def _observation_changes(
    old: pl.DataFrame, new: pl.DataFrame, joined: pl.DataFrame
) -> tuple[list[Change], dict[str, pl.DataFrame]]:
    """New periods per indicator, revised figures and figures that became (un)suppressed."""
    pairs = ["indicator_id", "period"]
    periods = (
        new.select(pairs)
        .unique()
        .join(old.select(pairs).unique(), on=pairs, how="anti")
        .sort(pairs)
        .group_by("indicator_id", maintain_order=True)
        .agg(pl.col("period").alias("periods"))
    )
    revisions = _revisions(joined)
    statuses = _status_changes(joined)
    spans = (
        periods.with_columns(period_span(pl.col("periods")).alias("span"))
        .group_by("span")
        .agg(pl.col("indicator_id").sort())
        .sort("span")
    )
    out = [
        Change("minor", "observations", "periods_added", span, f"{span}: {', '.join(ids)}")
        for span, ids in spans.iter_rows()
    ]
    if revisions.height:
        out.append(
            Change(
                "patch",
                "observations",
                "figures_revised",
                "",
                f"{revisions.height:,} figures revised, e.g. {_revision_examples(revisions)}",
            )
        )
    for what, rows in statuses.group_by("what", maintain_order=True):
        key = ["indicator_id", "area_code", "period"]
        out.append(
            Change(
                "patch",
                "observations",
                "status_changed",
                str(what[0]),
                f"{rows.height:,} figures {what[0]}{_eg(rows, key)}",
            )
        )
    return out, {"new_periods": periods, "revisions": revisions, "status_changes": statuses}


def period_span(periods: pl.Expr) -> pl.Expr:
    """A sorted list of periods in words: ``2013 to 2025`` when they run without a gap (years or
    financial years alike, three or more), else the periods listed."""
    starts = periods.list.eval(pl.element().str.slice(0, 4).cast(pl.Int64, strict=False))
    same_form = periods.list.eval(pl.element().str.len_chars()).list.n_unique() == 1
    running = (starts.list.last() - starts.list.first()) == (periods.list.len() - 1)
    return (
        pl.when((periods.list.len() > 2) & same_form & running)
        .then(pl.concat_str(periods.list.first(), pl.lit(" to "), periods.list.last()))
        .otherwise(periods.list.join(", "))
    )


def _revisions(joined: pl.DataFrame) -> pl.DataFrame:
    old = pl.col("value_old").cast(pl.Float64, strict=False)
    new = pl.col("value").cast(pl.Float64, strict=False)
    return (
        joined.filter(old.is_not_null() & new.is_not_null() & (old != new))
        .select(
            *OBSERVATION_KEY,
            old.alias("old_value"),
            new.alias("new_value"),
            (new - old).alias("change"),
            pl.when(old != 0).then((new - old) / old.abs()).alias("relative_change"),
        )
        .sort(OBSERVATION_KEY)
    )


def _revision_examples(revisions: pl.DataFrame) -> str:
    rows = revisions.head(EXAMPLES).iter_rows(named=True)
    return "; ".join(
        f"{r['indicator_id']} {r['area_code']} {r['period']}: {r['old_value']:g} -> "
        f"{r['new_value']:g}"
        + (f" ({r['relative_change']:+.1%})" if r["relative_change"] is not None else "")
        for r in rows
    )


def _status_changes(joined: pl.DataFrame) -> pl.DataFrame:
    """A figure that became suppressed (value gone, a status given), was published after being
    suppressed, or kept its emptiness under another status symbol."""
    had, has = pl.col("value_old").is_not_null(), pl.col("value").is_not_null()
    what = (
        pl.when(had & ~has)
        .then(pl.lit("now suppressed or missing"))
        .when(~had & has)
        .then(pl.lit("now published"))
        .otherwise(pl.lit("status changed"))
    )
    return (
        joined.filter((had != has) | pl.col("status").ne_missing(pl.col("status_old")))
        .select(
            *OBSERVATION_KEY,
            what.alias("what"),
            pl.col("value_old").alias("old_value"),
            pl.col("status_old").alias("old_status"),
            pl.col("value").alias("new_value"),
            pl.col("status").alias("new_status"),
        )
        .sort("what", *OBSERVATION_KEY)
    )


# ---------------------------------------------------------------------------- areas and indicators


# What happened to an area code, in words: (one, several).
AREA_WORDS = {
    "new": ("new code", "new codes"),
    "removed": ("code removed", "codes removed"),
    "closed": ("code closed", "codes closed"),
    "renamed": ("renamed", "renamed"),
}


def _area_changes(
    added: pl.DataFrame, removed: pl.DataFrame, joined: pl.DataFrame
) -> tuple[list[Change], dict[str, pl.DataFrame]]:
    """New codes, removed codes, codes closed (no longer current) and areas renamed."""
    none = pl.lit(None, pl.String)
    closed = joined.filter((pl.col("status_old") == "current") & (pl.col("status") != "current"))
    renamed = joined.filter(pl.col("name") != pl.col("name_old"))
    parts = [
        _area_rows(added, "new", none, pl.col("name")),
        _area_rows(removed, "removed", pl.col("name"), none),
        _area_rows(closed, "closed", pl.col("name_old"), pl.col("name")),
        _area_rows(renamed, "renamed", pl.col("name_old"), pl.col("name")),
    ]
    table = pl.concat(parts).sort("what", "area_code")
    out = []
    for (what,), rows in table.group_by("what", maintain_order=True):
        shown = rows.head(EXAMPLES).select(_area_words()).to_series().to_list()
        more = f" and {rows.height - len(shown)} more" if rows.height > len(shown) else ""
        words = AREA_WORDS[str(what)][rows.height > 1]
        level = "minor" if what == "new" else "patch"
        detail = f"{rows.height} {words}: {'; '.join(shown)}{more}"
        out.append(Change(level, "areas", f"area_{what}", "", detail))
    return out, {"areas": table}


def _area_rows(
    frame: pl.DataFrame, what: str, old_name: pl.Expr, new_name: pl.Expr
) -> pl.DataFrame:
    """Rows of the areas table: code, what happened, names before and after, status, successor."""
    successor = (
        "successor_code" if "successor_code" in frame.columns and what != "removed" else None
    )
    return frame.select(
        "area_code",
        pl.lit(what).alias("what"),
        old_name.alias("old_name"),
        new_name.alias("new_name"),
        "status",
        (pl.col(successor) if successor else pl.lit(None, pl.String)).alias("successor_code"),
    )


def _area_words() -> pl.Expr:
    name = pl.coalesce("new_name", "old_name")
    renamed = pl.col("area_code") + " " + pl.col("old_name") + " -> " + pl.col("new_name")
    closed = (
        pl.col("area_code")
        + " "
        + name
        + " ("
        + pl.col("status").fill_null("")
        + pl.when(pl.col("successor_code").is_not_null())
        .then(" -> " + pl.col("successor_code"))
        .otherwise(pl.lit(""))
        + ")"
    )
    return (
        pl.when(pl.col("what") == "renamed")
        .then(renamed)
        .when(pl.col("what") == "closed")
        .then(closed)
        .otherwise(pl.col("area_code") + " " + name)
    )


def _indicator_changes(
    added: pl.DataFrame, removed: pl.DataFrame, cells: pl.DataFrame
) -> list[Change]:
    """Indicator ids removed (major: consumers select by id), added, and metadata changes."""
    out = [
        Change("major", "indicators", "indicator_removed", i, f"indicator {i!r} removed")
        for i in removed["indicator_id"].to_list()
    ]
    out += [
        Change("minor", "indicators", "indicator_added", i, f"indicator {i!r} added")
        for i in added["indicator_id"].to_list()
    ]
    # one change per set of fields changed together ("definition, label"), naming the indicators
    together = (
        cells.group_by("key")
        .agg(pl.col("field").sort().str.join(", ").alias("fields"))
        .group_by("fields")
        .agg(pl.col("key").sort())
        .sort("fields")
    )
    out += [
        Change("patch", "indicators", "indicator_changed", fields, f"{fields}: {', '.join(ids)}")
        for fields, ids in together.iter_rows()
    ]
    return out
