""" "What changed in X.Y.Z": the latest release's recorded changes, as a page linked from the index.

The page is rendered from ``releases/X.Y.Z/changes.json`` (written by ``cscbench release``), not
recomputed, so it needs no earlier data: it works on a fresh clone and from an installed wheel,
which carries the changes files. Every row of every table is in the CSV beside the page; long
tables show their first :data:`SHOWN` rows on the page.

The page speaks in readers' words (issue 18): indicators by their labels, areas by their names,
publishers' symbols by their meaning, resources by what they hold; the CSV beside each table
keeps the package's ids, so a script can join it back to the data.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.core.paths import default_releases
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import area_targets
from cscbench.release.changes import LEVEL_HEADINGS, grouped, line
from cscbench.release.diff import Diff
from cscbench.release.record import latest_changes

SECTION = "changes"
# What each resource holds, in a reader's words (the page; the CSV keeps the resource name).
RESOURCE_WORDS = {
    "areas": "councils and regions (areas)",
    "indicators": "indicator definitions (indicators)",
    "observations": "figures (observations)",
    "caveats": "flagged figures (caveats)",
    "statistical_neighbours": "statistical neighbours",
    "inspections": "Ofsted inspections and visits (inspections)",
    "announcements": "council announcements and press claims (announcements)",
    "sources": "sources",
    "package": "the package",
}
ID_COLUMNS = ("indicator_id", "area_code", "successor_code", "resource")
STATUS_COLUMNS = ("old_status", "new_status")
SHOWN = 200
LEVEL_WORDS = {
    "major": "a MAJOR release: it removes, renames or retypes something consumers rely on",
    "minor": "a MINOR release: it adds data or columns and breaks nothing",
    "patch": "a PATCH release: revisions and fixes only",
    "none": "no change to the data or its schemas",
}
# (table in the changes file, title, column labels): the detail tables shown when not empty.
NAME_COLUMNS = {"old_name", "new_name"}  # the areas table's names: linked like every council's name
DETAILS: tuple[tuple[str, str, dict[str, str]], ...] = (
    (
        "resources",
        "Rows per resource",
        {
            "resource": "Resource",
            "status": "Resource is",
            "rows_old": "Rows before",
            "rows_new": "Rows now",
            "rows_added": "Added",
            "rows_removed": "Removed",
            "rows_changed": "Changed",
        },
    ),
    (
        "new_periods",
        "New periods per indicator",
        {"indicator_id": "Indicator", "periods": "New periods"},
    ),
    (
        "revisions",
        "Revised figures",
        {
            "indicator_id": "Indicator",
            "area_code": "Area",
            "period": "Period",
            "old_value": "Was",
            "new_value": "Now",
            "change": "Change",
            "relative_change": "Relative change",
        },
    ),
    (
        "status_changes",
        "Figures suppressed, published or re-marked",
        {
            "indicator_id": "Indicator",
            "area_code": "Area",
            "period": "Period",
            "what": "What happened",
            "old_value": "Was",
            "old_status": "Status was",
            "new_value": "Now",
            "new_status": "Status now",
        },
    ),
    (
        "areas",
        "Area codes: new, closed, removed and renamed",
        {
            "area_code": "Code",
            "what": "What happened",
            "old_name": "Name was",
            "new_name": "Name now",
            "status": "Status",
            "successor_code": "Successor",
        },
    ),
    (
        "cells",
        "Other changed cells",
        {"resource": "Resource", "key": "Row (key)", "field": "Column", "old": "Was", "new": "Now"},
    ),
)


def releases_dir() -> Path:
    """Where the release record is read from (a function, so a test can point it elsewhere)."""
    return default_releases()


def build(ctx: Context) -> list[fmt.Page]:
    found = latest_changes(releases_dir())
    if found is None:
        return []
    version, diff = found
    stem = f"{SECTION}/what-changed-in-{fmt.slug(version)}"
    tables = [summary_table(diff, stem, version, ctx)]
    targets = area_targets(ctx)
    tables += [
        detail_table(diff.tables[name], f"{stem}-{fmt.slug(name)}", title, labels, targets, ctx)
        for name, title, labels in DETAILS
        if diff.tables[name].height
    ]
    page = fmt.Page(stem, f"What changed in {version}", SECTION, tuple(tables), intro(diff, ctx))
    return [page]


def intro(diff: Diff, ctx: Context) -> tuple[str, ...]:
    """Which versions are compared, what kind of release it is, and whether this site's own
    package is that release."""
    version = diff.new.get("version")
    released = str(diff.new.get("created") or "")[:10]
    since = diff.old.get("version")
    kind = f"compared with {since}: {LEVEL_WORDS[diff.level]}" if since else "the first release"
    out = [f"Version {version} of the data package, released {released}, {kind}."]
    if ctx.version != version:
        out.append(
            f"This site was built from package version {ctx.version}; the changes shown are "
            f"those of the latest release, {version}."
        )
    out.append(
        "Each change is classified by the version bump it needs: removing or renaming a "
        "resource, column, key, indicator or allowed value, or changing a column's type, is "
        "major; additions are minor; revisions and fixes are patch."
    )
    return tuple(out)


def summary_frame(diff: Diff) -> pl.DataFrame:
    """One row per kind of change: its level, resource and the change in words (all listed)."""
    rows = [
        (LEVEL_HEADINGS[level], resource or "package", line(group, None))
        for level, kinds in grouped(diff)
        for resource, group in kinds
    ]
    schema = {"level": pl.String, "resource": pl.String, "change": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def words_for_ids(ctx: Context) -> dict[str, str]:
    """Package id -> reader's words: indicator ids -> labels, area codes -> names."""
    return {**ctx.labels, **ctx.names}


def in_words(text: pl.Expr, ctx: Context, about_areas: pl.Expr) -> pl.Expr:
    """A change's text with every indicator id and area code, as a whole word, in words; where
    the change is about the areas themselves (``about_areas``: new or closed codes), codes stay
    codes, since two codes of one council share its name."""
    return (
        pl.when(about_areas)
        .then(fmt.readable_formula(text, ctx.labels))
        .otherwise(fmt.readable_formula(text, words_for_ids(ctx)))
    )


def readable(data: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """A changes table as the page shows it: ids as labels and names, symbols as meanings (the
    areas table keeps its codes: they are what changed)."""
    names = {"indicator_id": ctx.labels, "resource": RESOURCE_WORDS}
    if "successor_code" not in data.columns:
        names["area_code"] = ctx.names
    about_areas = pl.col("resource") == "areas" if "resource" in data.columns else pl.lit(False)
    meanings = fmt.status_meanings()
    texts = [in_words(pl.col(c), ctx, about_areas).alias(c) for c in ("key", "change")]
    ids = [
        pl.col(c).replace_strict(words, default=pl.col(c), return_dtype=pl.String)
        for c, words in names.items()
    ]
    symbols = [
        pl.when(pl.col(c).is_in(list(meanings)))
        .then(pl.col(c) + ": " + pl.col(c).replace_strict(meanings, default=None))
        .otherwise(pl.col(c))
        .alias(c)
        for c in STATUS_COLUMNS
    ]
    text = {c for c, kind in data.schema.items() if kind == pl.String}
    chosen = [e for e in (*texts, *ids, *symbols) if e.meta.output_name() in text]
    return data.with_columns(chosen)


def summary_table(diff: Diff, stem: str, version: str, ctx: Context) -> fmt.Table:
    data = summary_frame(diff)
    title = f"What changed in {version}"
    subtitle = f"{len(diff.changes)} change(s), most severe first"
    gt = fmt.base_gt(readable(data, ctx), fmt.slug(stem), title, subtitle).cols_label(
        level="Kind", resource="Resource", change="Change"
    )
    return fmt.Table(stem, title, subtitle, gt, data)


def detail_table(
    data: pl.DataFrame,
    stem: str,
    title: str,
    labels: dict[str, str],
    targets: dict[str, str],
    ctx: Context,
) -> fmt.Table:
    """One of the changes file's tables; the page shows the first rows in readers' words, the
    CSV all of them with their ids. An area's name links to its council's profile or region's
    page (``targets``), as in every table."""
    if "periods" in data.columns:
        data = data.with_columns(pl.col("periods").list.join(", "))
    shown = readable(data.head(SHOWN), ctx)
    subtitle = f"{data.height:,} row(s)"
    if data.height > SHOWN:
        subtitle += f"; the first {SHOWN} are shown, the CSV has them all"
    gt = fmt.base_gt(shown, fmt.slug(stem), title, subtitle).cols_label(
        **{c: labels.get(c, c) for c in shown.columns}
    )
    for column in sorted((NAME_COLUMNS | {"area_code", "successor_code"}) & set(shown.columns)):
        gt = fmt.link_cells(gt, column, targets)
    gt = gt.sub_missing(missing_text=fmt.DASH)
    return fmt.Table(stem, title, subtitle, gt, data)
