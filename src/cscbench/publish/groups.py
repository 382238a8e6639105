"""Comparison groups from ``config/groups.toml``: each group gets the headline table.

A partnership adds a group by adding a ``[[group]]`` entry: a name and its members, given as area
codes or any name variant the ``areas`` lookup knows ("Hull" finds Kingston upon Hull). An
unknown or ambiguous name, a duplicate member or a duplicate group stops publishing with a message
that says which entry to fix.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cscbench.errors import InvalidInputError
from cscbench.names import name_lookup, normalise_name
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import comparison_table


class GroupConfigError(InvalidInputError, ValueError):
    """The groups file is malformed or names a council the areas lookup cannot resolve."""


@dataclass(frozen=True)
class Group:
    name: str
    codes: tuple[str, ...]
    description: str = ""

    @property
    def slug(self) -> str:
        return fmt.slug(self.name)


def read_groups(path: Path, areas: pl.DataFrame) -> list[Group]:
    """Parse and resolve every group; no file means no groups."""
    if not path.exists():
        return []
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise GroupConfigError(f"{path}: not valid TOML: {exc}") from exc
    entries = config.get("group", [])
    if not isinstance(entries, list):
        raise GroupConfigError(f"{path}: use [[group]] entries, each with name and members")
    groups = [parse_group(path, i, entry, areas) for i, entry in enumerate(entries, start=1)]
    slugs = [g.slug for g in groups]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        raise GroupConfigError(f"{path}: more than one group is called {dupes}")
    return groups


def parse_group(path: Path, number: int, entry: object, areas: pl.DataFrame) -> Group:
    where = f"{path}: group {number}"
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("name"), str)
        or not entry["name"].strip()
    ):
        raise GroupConfigError(f"{where}: needs a name")
    where = f"{path}: group {entry['name']!r}"
    members = entry.get("members")
    if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
        raise GroupConfigError(f"{where}: members must be a non-empty list of names or codes")
    codes = tuple(resolve(m, areas, where) for m in members)
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise GroupConfigError(f"{where}: a council is listed twice ({', '.join(repeated)})")
    return Group(entry["name"].strip(), codes, str(entry.get("description", "")))


def resolve(member: str, areas: pl.DataFrame, where: str) -> str:
    """A current council's code from its code or any name variant; anything else is an error."""
    current = areas.filter(
        pl.col("status").cast(pl.String) == "current",
        pl.col("level").cast(pl.String) == "local_authority",
    ).with_columns(pl.col(pl.Enum).cast(pl.String))
    text = member.strip()
    if text in current["area_code"].to_list():
        return text
    key = pl.select(normalise_name(pl.lit(text))).item()
    hits = name_lookup(current).filter(pl.col("key") == key)["area_code"].unique().sort().to_list()
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise GroupConfigError(
            f"{where}: no current council called {member!r} (use the official name or its code, "
            "e.g. E08000035 for Leeds)"
        )
    raise GroupConfigError(
        f"{where}: {member!r} matches {len(hits)} councils ({', '.join(hits)}); use a code"
    )


def build(ctx: Context) -> list[fmt.Page]:
    pages = []
    for group in read_groups(ctx.groups_path, ctx.areas):
        stem = f"groups/{group.slug}"
        title = f"{group.name}: children's social care at a glance"
        table = comparison_table(
            ctx, list(group.codes), stem, title, sheet=f"group {group.name}"[:31]
        )
        names = ctx.names
        intro = (
            group.description
            or f"Comparison group defined in config/groups.toml: {', '.join(names[c] for c in group.codes)}.",
        )
        pages.append(fmt.Page(stem, group.name, "groups", (table,), intro, sort_key=group.name))
    return pages
