"""What changed between two versions of the package, each change classified by the bump it needs.

Consumers update with confidence only when they can see what moved: rows added, removed and
changed per resource (by primary key), revised figures and suppressions in ``observations``, new,
closed and renamed codes in ``areas``, indicator metadata, and every schema change. Each change is
a :class:`Change` with its semver level (:mod:`cscbench.release.semver`), so ``release`` can refuse a
version number that understates what changed.

Cells are compared as the text the CSVs hold (the package writes each value in one canonical form),
so a type change in the schema never hides or invents a difference; only revised figures are read
as numbers, to give the change. Everything is polars joins; the output is sorted, so the same pair
of packages always gives the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from cscbench.package import labels
from cscbench.package.archive import UnreadableInput
from cscbench.package.schema import primary_key
from cscbench.release.diffmeaning import (
    area_changes,
    indicator_changes,
    observation_changes,
    period_span,
)
from cscbench.release.diffmodel import (
    EMPTY,
    OBSERVATION_KEY,
    TABLES,
    Change,
    Diff,
    Package,
    empty,
    examples,
    key_text,
)
from cscbench.release.diffread import HeaderMismatch, check_header, read_package
from cscbench.release.diffsources import (
    covered_by_renames,
    rename_changes,
    renamed_sources,
    under_new_ids,
)

# The model lives in cscbench.release.diffmodel, reading in cscbench.release.diffread and each resource's own
# meaning in cscbench.release.diffmeaning; callers keep importing what they need from here.
__all__ = [
    "EMPTY",
    "TABLES",
    "Change",
    "Diff",
    "HeaderMismatch",
    "Package",
    "check_header",
    "diff_packages",
    "period_span",
    "read_package",
    "schema_changes",
]

# Package properties that differ between any two releases by design, so never a change.
RELEASE_PROPERTIES = frozenset({"version", "created", "id", "homepage"})
RESOURCE_PROPERTIES = frozenset({"bytes", "hash"})  # differ whenever the data does
# Set on release descriptors only: compared when both sides have them (a release with another).
RELEASE_RESOURCE_PROPERTIES = frozenset({"licenses"})
# Generic row changes that a resource's own comparison says better (indicator ids, area codes).
SPECIFIC_ROW_CHANGES = {
    "indicators": ("rows_added", "rows_removed", "rows_changed"),
    "areas": ("rows_added", "rows_removed"),
}


# ---------------------------------------------------------------------------- comparing


def diff_packages(old: Package, new: Package) -> Diff:
    """Every change from ``old`` to ``new`` (``old`` may be :data:`EMPTY`: a first release)."""
    changes: list[Change] = []
    tables: dict[str, pl.DataFrame] = {}
    changes += _descriptor_changes(old.descriptor, new.descriptor) if old.descriptor else []
    # a source whose id alone changed is one change; its rows are compared under the new id
    renames = renamed_sources(old, new)
    changes += rename_changes(old, renames)
    old = under_new_ids(old, renames)
    added = sorted(set(new.frames) - set(old.frames))
    removed = sorted(set(old.frames) - set(new.frames))
    renamed = _renamed_resources(old, new, removed, added)
    changes += _resource_changes(new, added, removed, renamed)
    counts = [_count_row(name, "added", None, new.frames[name]) for name in added]
    counts += [_count_row(name, "removed", old.frames[name], None) for name in removed]
    cells: list[pl.DataFrame] = [empty("cells")]
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
        tables.setdefault(name, empty(name))
    changes = [c for c in changes if not covered_by_renames(c, renames)]
    return Diff(_side(old), _side(new), tuple(sorted(changes, key=Change.sort_key)), tables)


def _side(package: Package) -> dict[str, Any]:
    """Which release a side is: its version, and for a release its date and id."""
    return {key: package.descriptor.get(key) for key in ("version", "created", "id")}


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
        return ResourceResult(changes, count, empty("cells"), {})
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
    cells = rows.cells if name != "observations" else empty("cells")
    return ResourceResult(changes, count, cells, tables)


def _specific_changes(
    name: str, old: pl.DataFrame, new: pl.DataFrame, joined: pl.DataFrame, rows: RowChanges
) -> tuple[list[Change], dict[str, pl.DataFrame]]:
    """What a resource's own meaning adds to its row changes: figures, codes, indicator ids."""
    if name == "observations" and _has(new, old, "value", "status", *OBSERVATION_KEY):
        return observation_changes(old, new, joined)
    if name == "areas" and _has(new, old, "area_code", "name", "status"):
        return area_changes(rows.added, rows.removed, joined)
    if name == "indicators" and _has(new, old, "indicator_id"):
        return indicator_changes(rows.added, rows.removed, rows.cells), {}
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
    moved = [k for k in rest if k != "categories" and old.get(k) != new.get(k)]
    if _relabelled(old, new):
        moved.append("categories")
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


def _relabelled(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Categories given or dropped, or a value both allow relabelled or moved (a value added or
    removed is the enum's change, reported as such)."""
    if ("categories" in old) != ("categories" in new):
        return True
    before, after = dict(labels.pairs(old)), dict(labels.pairs(new))
    return [(v, w) for v, w in before.items() if v in after] != [
        (v, w) for v, w in after.items() if v in before
    ]


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
            Change(
                "minor",
                name,
                "rows_added",
                "",
                f"{added.height:,} rows added{examples(added, key)}",
            )
        )
    if removed.height:
        out.append(
            Change(
                "patch",
                name,
                "rows_removed",
                "",
                f"{removed.height:,} rows removed{examples(removed, key)}",
            )
        )
    if changed.height:
        by_field = cells.group_by("field").len().sort("field")
        where = ", ".join(f"{f} {n:,}" for f, n in by_field.iter_rows())
        out.append(
            Change("patch", name, "rows_changed", "", f"{changed.height:,} rows changed ({where})")
        )
    return RowChanges(out, added, removed, changed.height, cells)


def _cells(name: str, changed: pl.DataFrame, key: list[str], common: list[str]) -> pl.DataFrame:
    """One row per changed cell: resource, key (as text), field, old, new."""
    if not common or not changed.height:
        return empty("cells")
    base = changed.select(key_text(key).alias("key"), *common)
    new_long = base.unpivot(index="key", variable_name="field", value_name="new")
    old_long = changed.select(
        key_text(key).alias("key"), *[pl.col(f"{c}_old").alias(c) for c in common]
    ).unpivot(index="key", variable_name="field", value_name="old")
    return (
        new_long.join(old_long, on=["key", "field"], nulls_equal=True)
        .filter(pl.col("old").ne_missing(pl.col("new")))
        .select(pl.lit(name).alias("resource"), "key", "field", "old", "new")
    )
