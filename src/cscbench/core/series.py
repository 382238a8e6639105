"""Council codes over time: series codes and joint returns, shared by the loader and comparisons.

Observations, inspections and announcements keep the code their source published, so every row
can be traced back. An analyst usually wants one line per council today: Barnsley's figures under
E08000016 (to March 2024) and E08000038 (since) are one series through ``areas.series_code``, and
a joint workforce return (``E06000061 / E06000062``) stands for each of its member councils.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import polars as pl

PUBLISHED = "published_area_code"
JOINT = "joint_return"
_ROW = "__row"


class ShadowedRowsWarning(UserWarning):
    """Moving rows onto current codes (or joint members) gave a key twice; one row was kept."""


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Enums as plain strings, so codes and statuses compare with literals and concatenate."""
    return frame.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))


def joint_members(areas: pl.DataFrame) -> pl.DataFrame:
    """member_code -> joint_code for every joint return."""
    return (
        as_text(areas)
        .filter(pl.col("level") == "joint_return")
        .select(
            pl.col("area_code").alias("joint_code"),
            pl.col("member_codes").str.split("|").alias("member_code"),
        )
        .explode("member_code")
        .sort("member_code", "joint_code")
    )


def to_series_code(
    frame: pl.DataFrame, areas: pl.DataFrame, *, drop_unmapped: bool = False
) -> pl.DataFrame:
    """Add ``unit_code``: the series code of each row's ``area_code`` (row order kept).

    An area with no series code (an abolished council split in two) keeps its own code, or is
    dropped with ``drop_unmapped`` (comparisons: it has no successor to be compared as).
    """
    codes = as_text(areas).select("area_code", pl.col("series_code").alias("unit_code"))
    keyed = frame.drop("unit_code", strict=False).join(
        codes, on="area_code", how="left", maintain_order="left"
    )
    if drop_unmapped:
        return keyed.filter(pl.col("unit_code").is_not_null())
    return keyed.with_columns(pl.coalesce("unit_code", "area_code").alias("unit_code"))


def onto_current(frame: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """``area_code`` becomes the series code; abolished councils (no single successor) stay put."""
    return (
        to_series_code(frame, areas)
        .with_columns(pl.col("unit_code").alias("area_code"))
        .drop("unit_code")
    )


def onto_members(frame: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Each joint return's row repeated for every member council, flagged in ``joint_return``."""
    members = (
        joint_members(areas)
        .group_by("joint_code")
        .agg(pl.col("member_code").sort().alias("__members"))
    )
    return (
        frame.join(
            members, left_on="area_code", right_on="joint_code", how="left", maintain_order="left"
        )
        .with_columns(
            pl.col("__members").is_not_null().alias(JOINT),
            pl.coalesce("__members", pl.concat_list("area_code")).alias("area_code"),
        )
        .drop("__members")
        .explode("area_code")
    )


def keep_one_per_key(frame: pl.DataFrame, key: Sequence[str], resource: str) -> pl.DataFrame:
    """Where a key now appears twice, keep the council's own row and say how many were left out.

    Preference: a member council's own figure over its joint return's, then the row published
    under the current code over one published under a superseded code. The committed package has
    no such clash today; a future one is reported with :class:`ShadowedRowsWarning`.
    """
    if "area_code" not in key:  # e.g. announcements: one row per announcement_id, no clash
        return frame
    preference = [pl.col(JOINT)] if JOINT in frame.columns else []
    ranked = frame.sort(*key, *preference, pl.col(PUBLISHED) != pl.col("area_code"), _ROW)
    position = pl.int_range(pl.len()).over(key)
    left_out = ranked.filter(position > 0)
    if left_out.height:
        example = left_out.select(*key, PUBLISHED).row(0, named=True)
        warnings.warn(
            f"{resource}: {left_out.height} row(s) left out because the same key was also "
            f"published under the council's current code or by the council itself, e.g. {example}",
            ShadowedRowsWarning,
            stacklevel=4,
        )
    return ranked.filter(position == 0)


def relocate(
    frame: pl.DataFrame,
    areas: pl.DataFrame,
    key: Sequence[str],
    resource: str,
    *,
    current: bool,
    expand_joint: bool,
) -> pl.DataFrame:
    """Rows moved onto current codes and/or joint members, ``published_area_code`` kept.

    Row order follows the published rows (expanded members in code order); see
    :func:`keep_one_per_key` for keys that clash after the move.
    """
    moved = frame.with_row_index(_ROW).with_columns(pl.col("area_code").alias(PUBLISHED))
    if current:
        moved = onto_current(moved, areas)
    if expand_joint:
        moved = onto_members(moved, areas)
    kept = keep_one_per_key(moved, key, resource).sort(_ROW, "area_code")
    added = [PUBLISHED, JOINT] if expand_joint else [PUBLISHED]
    order: list[str] = []
    for column in frame.columns:
        order += [column, *added] if column == "area_code" else [column]
    return kept.select(order)
