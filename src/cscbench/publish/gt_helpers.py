"""great-tables helpers every table shares: house options, footnotes, band colours, notes, links.

Split from formatting: these build or change a great-tables object (``GT``); the texts they put in
cells are polars expressions in :mod:`cscbench.publish.formatting`. Footnotes and styles go on in
as few great-tables calls as the marks allow (one per distinct text), since each call copies the
table.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

import polars as pl
from great_tables import GT, loc, style

from cscbench.publish import gtspeed


def base_gt(
    frame: pl.DataFrame,
    table_id: str,
    title: str,
    subtitle: str,
    rowname_col: str | None = None,
    groupname_col: str | None = None,
) -> GT:
    """A GT with a fixed id (byte-identical HTML), title, subtitle and house options."""
    with gtspeed.active():  # its empty body made at once (gtspeed._empty_frame)
        gt = GT(frame, rowname_col=rowname_col, groupname_col=groupname_col, id=table_id)
    return (
        gt.tab_header(title=title, subtitle=subtitle)
        .tab_options(
            table_font_size="14px",
            heading_title_font_size="18px",
            heading_subtitle_font_size="13px",
            heading_align="left",
            row_group_font_weight="bold",
            row_group_background_color="#f2f2f2",
            data_row_padding="3px",
            source_notes_font_size="12px",
            column_labels_font_weight="bold",
        )
        .opt_footnote_marks("numbers")
    )


# A footnote to add: the cell column, its text and the rows (positions) it marks.
Footnote = tuple[str, str, list[int]]


def footnote_marks(
    frame: pl.DataFrame, notes: Sequence[tuple[str, pl.Expr]], by: str | None = None
) -> dict[object, list[Footnote]]:
    """The footnotes of each (column, note texts) pair in turn, for every value of ``by`` (rows
    counted within it): one pass over ``frame`` for every note and every council, where a pass
    per note and council made the profiles' footnotes a quarter of their build. Within a pair,
    one footnote per distinct text in sorted order (fixed footnote marks)."""
    if not notes:
        return {}
    key = pl.lit(0) if by is None else pl.col(by)
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    texts = frame.select(
        key.alias("_by"),
        (index if by is None else index.over(by)).alias("_i"),
        *(expr.cast(pl.String).alias(f"{k:06d}") for k, (_, expr) in enumerate(notes)),
    )
    # Eager steps: on a table's few hundred rows a lazy query's planning costs more than it saves.
    # Note columns are named by zero-padded position, so they sort as numbers without a cast.
    groups = (
        texts.unpivot(index=["_by", "_i"], variable_name="_k", value_name="_n")
        .drop_nulls("_n")
        .group_by("_by", "_k", "_n")
        .agg(pl.col("_i").sort())
        .sort("_k", "_n")
    )
    out: dict[object, list[Footnote]] = {}
    for value, k, text, rows in groups.iter_rows():
        out.setdefault(value, []).append((notes[int(k)][0], text, rows))
    return out


def add_footnotes(gt: GT, footnotes: Iterable[Footnote]) -> GT:
    for column, text, rows in footnotes:
        gt = gt.tab_footnote(text, locations=loc.body(columns=column, rows=rows))
    return gt


def footnote_cells(gt: GT, frame: pl.DataFrame, column: str, notes: pl.Expr) -> GT:
    """One footnote per distinct text of ``notes``, marked on every cell of ``column`` it applies to."""
    return add_footnotes(gt, footnote_marks(frame, [(column, notes)]).get(0, []))


def style_letters(
    gt: GT, frame: pl.DataFrame, column: str, colours: dict[str, tuple[str, str]]
) -> GT:
    """Fill cells whose text is a band letter or grade with its colour (the text stays); the
    rows of every letter in one polars pass."""
    found = frame.select(
        pl.arg_where(pl.col(column).str.starts_with(text).fill_null(False)).implode().alias(str(k))
        for k, text in enumerate(colours)
    ).row(0)
    for (fill, ink), rows in zip(colours.values(), found, strict=True):
        if rows:
            gt = gt.tab_style(
                style=[style.fill(color=fill), style.text(color=ink, weight="bold")],
                locations=loc.body(columns=column, rows=rows),
            )
    return gt


def safe_link(url: str | None, text: str = "report") -> str:
    """An https link built with escaping (great-tables' fmt_url does not escape); else plain text.

    great-tables calls this for missing cells too, so "not recorded" is the missing text.
    """
    if not url:
        return "not recorded"
    href = html.escape(url, quote=True)
    if not url.startswith(("https://", "http://")):
        return href
    return f'<a href="{href}">{html.escape(text)}</a>'


def add_notes(gt: GT, notes: Sequence[str]) -> GT:
    for note in notes:
        gt = gt.tab_source_note(note)
    return gt


def anchor(target: str | None, text: str) -> str:
    """``text`` escaped, as a link to ``target`` when it has one."""
    if not target:
        return html.escape(text)
    return f'<a href="{html.escape(target, quote=True)}">{html.escape(text)}</a>'


def link_cells(gt: GT, column: str, targets: Mapping[str, str]) -> GT:
    """Each cell of ``column`` (a stub or group column too) whose text is a key of ``targets``
    becomes a link to it; every other text is escaped as great-tables would have."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        return anchor(targets.get(str(value)), str(value))

    return gt.fmt(cell, columns=column)
