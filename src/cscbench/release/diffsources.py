"""Source ids renamed between two packages, so a diff says so once instead of row by row.

A ``sources`` row removed and one added that cite the same raw file (the same ``sha256``), or that
are the only ones removed and added of one ``dataset``, are one source under a new id (0.2.0's
``dfe_csww_2025`` became ``dfe_csww`` when ids stopped carrying a year). The old package's
``source_id`` cells are read under the new ids before rows are compared, so every resource's row
changes show only what else moved; the rename itself is one major change per id (a consumer that
filters on the old id must change), naming how many rows of each resource cite it.
"""

from __future__ import annotations

import polars as pl

from cscbench.release.diffmodel import Change, Package

COLUMN = "source_id"


def renamed_sources(old: Package, new: Package) -> dict[str, str]:
    """``{old id: new id}`` for each source that only changed its id."""
    before, after = old.frames.get("sources"), new.frames.get("sources")
    if before is None or after is None:
        return {}
    if COLUMN not in before.columns or COLUMN not in after.columns:
        return {}
    # an older release may lack a column (0.1.0 had no dataset): that way of matching finds none
    before, after = _with_columns(before, after), _with_columns(after, before)
    gone = before.join(after.select(COLUMN), on=COLUMN, how="anti")
    came = after.join(before.select(COLUMN), on=COLUMN, how="anti").rename({COLUMN: "new_id"})
    by_file = _one_to_one(
        gone.filter(pl.col("sha256").is_not_null()).join(came, on="sha256", suffix="_new")
    )
    gone = gone.filter(~pl.col(COLUMN).is_in(by_file[COLUMN].implode()))
    came = came.filter(~pl.col("new_id").is_in(by_file["new_id"].implode()))
    alone = (pl.len().over("dataset") == 1) & pl.col("dataset").is_not_null()
    by_dataset = _one_to_one(gone.filter(alone).join(came.filter(alone), on="dataset"))
    pairs = pl.concat([by_file.select(COLUMN, "new_id"), by_dataset.select(COLUMN, "new_id")])
    return dict(pairs.sort(COLUMN).iter_rows())


def _with_columns(frame: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s id, file checksum and series, empty where either side lacks the column."""
    return frame.select(
        COLUMN,
        *[
            pl.col(c)
            if c in frame.columns and c in other.columns
            else pl.lit(None, pl.String).alias(c)
            for c in ("sha256", "dataset")
        ],
    )


def _one_to_one(pairs: pl.DataFrame) -> pl.DataFrame:
    """Only pairs in which each side occurs once: an ambiguous match is no rename."""
    return pairs.filter(pl.col(COLUMN).is_unique() & pl.col("new_id").is_unique())


def under_new_ids(package: Package, renames: dict[str, str]) -> Package:
    """``package`` with every ``source_id`` cell read under its new id (schemas as they were)."""
    if not renames:
        return package
    frames = {
        name: frame.with_columns(pl.col(COLUMN).replace(renames))
        if COLUMN in frame.columns
        else frame
        for name, frame in package.frames.items()
    }
    return Package(package.descriptor, package.schemas, frames)


def rename_changes(old: Package, renames: dict[str, str]) -> list[Change]:
    """One major change per renamed id, with the rows of each resource that cite it."""
    out = []
    for before, after in renames.items():
        counts = [
            f"{name} {n:,}"
            for name, frame in sorted(old.frames.items())
            if name != "sources"
            and COLUMN in frame.columns
            and (n := frame.filter(pl.col(COLUMN) == before).height)
        ]
        citing = f" (rows citing it: {', '.join(counts)})" if counts else ""
        out.append(
            Change(
                "major",
                "sources",
                "source_id_renamed",
                before,
                f"{before} -> {after}{citing}",
            )
        )
    return out


def covered_by_renames(change: Change, renames: dict[str, str]) -> bool:
    """An allowed value of a ``source_id`` column removed or added only because its id was renamed
    (the rename change says it)."""
    if change.kind not in ("enum_value_removed", "enum_value_added"):
        return False
    column, _, value = change.subject.partition("=")
    names = renames if change.kind == "enum_value_removed" else set(renames.values())
    return column == COLUMN and value in names
