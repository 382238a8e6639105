"""Ofsted history: every inspection since 2009 for a list of councils, with framework and grades.

One row per inspection: the overall effectiveness judgement in its own (coloured, worded) column
and every other judgement listed beside it, so SLAC's two headline judgements, SIF's five and
ILACS's four or five all fit one table. From April 2026 there is no overall grade: the table says
so in words and lists the sub-judgements.
"""

from __future__ import annotations

import polars as pl
from great_tables import loc, style

from cscbench.analysis import comparison as compare
from cscbench.package import labels
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import (
    area_targets,
    headline_codes,
    headline_gap,
    headline_title,
    history_stem,
)

FRAMEWORK_LABELS = labels.labels("inspections", "framework")
NO_OVERALL = "no overall grade under this framework"
ADEQUATE_NOTE = (
    "2009-13 grades are shown on the framework's own scale (outstanding, good, adequate, "
    "inadequate); Ofsted's 2023 file prints 'adequate' as 'Requires improvement to be good'."
)
POST_2026_NOTE = (
    "Ofsted gives no overall effectiveness grade for inspections whose fieldwork began on or after "
    "1 April 2026; the sub-judgements are listed instead."
)
INSPECTION = ["unit_code", "publication_date", "inspection_type", "framework"]


def build(ctx: Context) -> list[fmt.Page]:
    title = headline_title(ctx, " and ")
    stem = history_stem(ctx)
    gap = headline_gap(ctx)
    if not ctx.has("inspections") or gap is not None:
        intro = (gap or f"Ofsted inspections are {fmt.NOT_IN_PACKAGE}.",)
        return [fmt.Page(stem, f"Ofsted history: {title}", "history", (), intro)]
    table = history_table(
        ctx, list(headline_codes(ctx)), stem, f"Ofsted inspections of {title} since 2009", png=True
    )
    return [fmt.Page(stem, f"Ofsted history: {title}", "history", (table,))]


def inspections(ctx: Context, codes: list[str]) -> pl.DataFrame:
    """One row per inspection: overall text, the other judgements as text, report link."""
    rows = ctx.inspection_series.filter(pl.col("unit_code").is_in(codes))
    order = {j: i for i, j in enumerate(fmt.JUDGEMENT_LABELS)}
    label = fmt.judgement_text(pl.col("judgement"))
    grade = fmt.grade_text(pl.col("grade_on_framework_scale"), pl.col("grade_status"))
    rows = rows.with_columns(
        grade.alias("grade_text"),
        pl.col("judgement").replace_strict(order, default=99).alias("_order"),
    ).sort(*INSPECTION, "_order", "judgement", "source_code")
    others = (
        rows.filter(pl.col("judgement") != compare.OVERALL)
        .group_by(INSPECTION, maintain_order=True)
        .agg((label + ": " + pl.col("grade_text")).str.join("; ").alias("judgements"))
    )
    overall = rows.filter(pl.col("judgement") == compare.OVERALL).select(
        *INSPECTION,
        pl.col("grade_text").alias("overall"),
        pl.col("grade_status").alias("overall_status"),
    )
    first = rows.group_by(INSPECTION, maintain_order=True).agg(
        pl.col("fieldwork_start").first(),
        pl.col("fieldwork_end").first(),
        pl.col("report_url").drop_nulls().first(),
        pl.col("source_id").first(),
        pl.col("source_code").first(),
        (pl.col("grade_on_framework_scale") == "Adequate").any().alias("adequate"),
    )
    names = ctx.area_names.rename({"area": "council"})
    position = pl.DataFrame({"unit_code": codes, "_pos": list(range(len(codes)))})
    return (
        first.join(overall, on=INSPECTION, how="left")
        .join(others, on=INSPECTION, how="left")
        .join(names, on="unit_code", how="left")
        .join(position, on="unit_code")
        .sort("_pos", "publication_date", "inspection_type", "framework")
        .with_columns(
            pl.coalesce("overall", pl.lit(NO_OVERALL)).alias("overall"),
            pl.coalesce("judgements", pl.lit("none recorded")).alias("judgements"),
        )
    )


def fieldwork_text() -> pl.Expr:
    start, end = pl.col("fieldwork_start"), pl.col("fieldwork_end")
    return (
        pl.when(start.is_null())
        .then(pl.lit("not recorded"))
        .when(end.is_null())
        .then(pl.lit("from ") + fmt.date_text(start))
        .otherwise(fmt.date_text(start) + " to " + fmt.date_text(end))
    )


def history_table(
    ctx: Context,
    codes: list[str],
    stem: str,
    title: str,
    png: bool,
    frame: pl.DataFrame | None = None,
    targets: dict[str, str] | None = None,
) -> fmt.Table:
    """The inspections of ``codes`` (``frame``: their :func:`inspections`, and ``targets``: the
    names' links, when worked out once for many tables)."""
    frame = inspections(ctx, codes) if frame is None else frame
    first, last = frame["publication_date"].min(), frame["publication_date"].max()
    span = f"published {first:%b %Y} to {last:%b %Y}" if first else "none on record"
    subtitle = (
        f"Every Ofsted inspection of children's services on record, {span}: framework, fieldwork "
        "and every judgement as graded at the time."
    )
    shown = frame.select(
        pl.col("council").alias("group"),
        fmt.date_text(pl.col("publication_date")).alias("published"),
        pl.col("framework")
        .replace_strict(FRAMEWORK_LABELS, default=pl.col("framework"))
        .alias("framework"),
        pl.col("inspection_type").alias("type"),
        fieldwork_text().alias("fieldwork"),
        "overall",
        "judgements",
        pl.col("report_url").alias("report"),
    )
    gt = (
        fmt.base_gt(shown, stem.replace("/", "-"), title, subtitle, groupname_col="group")
        .cols_label(
            published="Published",
            framework="Framework",
            type="Type",
            fieldwork="Fieldwork",
            overall=fmt.JUDGEMENT_LABELS[compare.OVERALL],
            judgements="Other judgements",
            report="Report",
        )
        .fmt(fmt.safe_link, columns="report")
        .pipe(fmt.link_cells, "group", area_targets(ctx) if targets is None else targets)
        .tab_style(style.css("white-space: nowrap"), locations=loc.body(columns=["published"]))
    )
    gt = fmt.style_letters(gt, shown, "overall", fmt.GRADE_COLOURS)
    no_overall = pl.when(pl.col("overall") == NO_OVERALL).then(
        pl.lit(
            "SLAC, CPI, CPRI and TLAC (2009-13) had no single overall effectiveness judgement: "
            "their headline judgements are listed under other judgements."
        )
    )
    post_2026 = pl.when(pl.col("overall_status") == compare.POST_2026).then(pl.lit(POST_2026_NOTE))
    notes = [("overall", no_overall), ("overall", post_2026)]
    gt = fmt.add_footnotes(gt, fmt.footnote_marks(frame, notes).get(0, []))
    source_notes = []
    if frame["adequate"].any():
        source_notes.append(ADEQUATE_NOTE)
    source_notes.append(fmt.source_line(ctx.sources, frame["source_id"].cast(pl.String).to_list()))
    gt = fmt.add_notes(gt, source_notes)
    data = frame.select(
        pl.col("unit_code").alias("area_code"),
        "council",
        pl.col("source_code").alias("code_published"),
        "publication_date",
        "framework",
        "inspection_type",
        "fieldwork_start",
        "fieldwork_end",
        "overall",
        "overall_status",
        "judgements",
        "report_url",
        "source_id",
    )
    return fmt.Table(stem, title, subtitle, gt, data, png=png)
