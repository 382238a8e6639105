"""What a diff is: each change classified by the semver bump it needs, and the tables behind them.

One definition for building a diff (:mod:`cscbench.release.diff`), writing it to JSON and reading it back
(``release`` records ``changes.json``; ``publish`` renders it), and the helpers the comparisons
share to quote examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cscbench.release import semver

EXAMPLES = 3  # examples quoted in a change's words; the tables hold every row
OBSERVATION_KEY = ("indicator_id", "area_code", "period")
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


# ---------------------------------------------------------------------------- shared helpers


def empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[name])


def key_text(key: list[str]) -> pl.Expr:
    return pl.concat_str([pl.col(c).fill_null("") for c in key], separator=" | ")


def examples(frame: pl.DataFrame, key: list[str]) -> str:
    shown = frame.head(EXAMPLES).select(key_text(key)).to_series().to_list()
    return f", e.g. {'; '.join(shown)}" if shown else ""
