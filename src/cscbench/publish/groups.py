"""Comparison group pages: each ``[[group]]`` and each ``[[pair]]`` but the headline one gets the
headline table (read from the groups files by :mod:`cscbench.analysis.groupsfile`).

A partnership adds a group by adding a ``[[group]]`` entry (a name and its members, as area
codes or any name variant the ``areas`` lookup knows: "Hull" finds Kingston upon Hull) to
``config/groups.toml`` or to its own file given with ``publish --groups``. The page keeps the
name as written; its file name is an ASCII slug of it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.analysis.groupsfile import Group, GroupConfigError, Groups
from cscbench.analysis.groupsfile import read_groups as read_all
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import comparison_table

__all__ = ["Group", "GroupConfigError", "Groups", "build", "read_groups"]


def read_groups(path: Path, areas: pl.DataFrame) -> list[Group]:
    """The ``[[group]]`` entries of one groups file, resolved (pairs: :func:`read_all`)."""
    return list(read_all(path, areas).groups)


def build(ctx: Context) -> list[fmt.Page]:
    return [page for group in ctx.groups.pages for page in build_group(ctx, group)]


def build_group(ctx: Context, group: Group) -> list[fmt.Page]:
    """One group's page (a publish builds each group's on its own: a changed group rebuilds
    its page only)."""
    stem = f"groups/{group.slug}"
    title = f"{group.name}: children's social care at a glance"
    table = comparison_table(
        ctx, list(group.codes), stem, title, sheet=f"{group.kind} {group.name}"[:31]
    )
    names = ctx.names
    kind = "Comparison group" if group.kind == "group" else "Pair"
    intro = (
        group.description
        or f"{kind} defined in a groups file: {', '.join(names[c] for c in group.codes)}.",
    )
    return [fmt.Page(stem, group.name, "groups", (table,), intro, sort_key=group.name)]
