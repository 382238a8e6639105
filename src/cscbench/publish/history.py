"""Ofsted history: every inspection since 2009 for a list of councils, with framework and grades.

One row per inspection: the overall effectiveness judgement in its own (coloured, worded) column
and every other judgement listed beside it, so SLAC's two headline judgements, SIF's five and
ILACS's four or five all fit one table. From April 2026 there is no overall grade: the table says
so in words and lists the sub-judgements.
"""

from __future__ import annotations

import html

import polars as pl
from great_tables import loc, style

from cscbench import compare
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import HEADLINE_COUNCILS, POST_2026_TEXT

JUDGEMENT_LABELS = {
    "overall_effectiveness": "Overall effectiveness",
    "impact_of_leaders": "Impact of leaders",
    "help_and_protection": "Help and protection",
    "children_looked_after_and_permanence": "Children looked after and permanence",
    "adoption_performance": "Adoption performance",
    "children_in_care_and_care_leavers": "Children in care and care leavers",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "leadership_management_governance": "Leadership, management and governance",
    "lscb_effectiveness": "Safeguarding children board",
    "safeguarding": "Safeguarding",
    "looked_after_children": "Looked after children",
    "child_protection": "Child protection",
}
FRAMEWORK_LABELS = {
    "SLAC": "SLAC (2009-12)",
    "CPI": "Child protection (2012-13)",
    "CPRI": "Child protection re-inspection (2012-13)",
    "TLAC": "Looked after children (2012-13)",
    "SIF": "Single inspection framework (2013-18)",
    "ILACS": "ILACS (2018-26)",
    "ILACS_2026": "ILACS from April 2026",
}
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
    names = ctx.names()
    title = " and ".join(names[c] for c in HEADLINE_COUNCILS)
    stem = "ofsted/" + fmt.slug(title) + "-history"
    if not ctx.has("inspections"):
        intro = (f"Ofsted inspections are {fmt.NOT_IN_PACKAGE}.",)
        return [fmt.Page(stem, f"Ofsted history: {title}", "history", (), intro)]
    table = history_table(
        ctx, list(HEADLINE_COUNCILS), stem, f"Ofsted inspections of {title} since 2009", png=True
    )
    return [fmt.Page(stem, f"Ofsted history: {title}", "history", (table,))]


def inspections(ctx: Context, codes: list[str]) -> pl.DataFrame:
    """One row per inspection: overall text, the other judgements as text, report link."""
    rows = compare.inspection_series(ctx.frames["inspections"], ctx.areas).filter(
        pl.col("unit_code").is_in(codes)
    )
    order = {j: i for i, j in enumerate(JUDGEMENT_LABELS)}
    label = pl.col("judgement").replace_strict(JUDGEMENT_LABELS, default=pl.col("judgement"))
    grade = pl.coalesce(
        pl.col("grade_on_framework_scale"),
        pl.when(pl.col("grade_status") == compare.POST_2026).then(pl.lit(POST_2026_TEXT)),
        pl.lit("not judged (") + pl.col("grade_status") + ")",
    )
    rows = rows.with_columns(
        grade.alias("grade_text"),
        pl.col("judgement").replace_strict(order, default=99).alias("_order"),
    )
    others = (
        rows.filter(pl.col("judgement") != compare.OVERALL)
        .sort(*INSPECTION, "_order")
        .group_by(INSPECTION, maintain_order=True)
        .agg((label + ": " + pl.col("grade_text")).str.join("; ").alias("judgements"))
    )
    overall = rows.filter(pl.col("judgement") == compare.OVERALL).select(
        *INSPECTION,
        pl.col("grade_text").alias("overall"),
        pl.col("grade_status").alias("overall_status"),
    )
    first = (
        rows.sort(*INSPECTION, "_order")
        .group_by(INSPECTION, maintain_order=True)
        .agg(
            pl.col("fieldwork_start").first(),
            pl.col("fieldwork_end").first(),
            pl.col("report_url").drop_nulls().first(),
            pl.col("source_id").first(),
            pl.col("source_code").first(),
            (pl.col("grade_on_framework_scale") == "Adequate").any().alias("adequate"),
        )
    )
    names = ctx.areas.select(
        pl.col("area_code").alias("unit_code"), pl.col("name").alias("council")
    )
    position = pl.DataFrame({"unit_code": codes, "_pos": list(range(len(codes)))})
    return (
        first.join(overall, on=INSPECTION, how="left")
        .join(others, on=INSPECTION, how="left")
        .join(names, on="unit_code", how="left")
        .join(position, on="unit_code")
        .sort("_pos", "publication_date", "inspection_type")
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


def safe_link(url: str | None) -> str:
    """An https link built with escaping (great-tables' fmt_url does not escape); else plain text."""
    if not url:
        return "not recorded"
    text = html.escape(url, quote=True)
    if not url.startswith(("https://", "http://")):
        return text
    return f'<a href="{text}">report</a>'


def history_table(ctx: Context, codes: list[str], stem: str, title: str, png: bool) -> fmt.Table:
    frame = inspections(ctx, codes)
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
            overall="Overall effectiveness",
            judgements="Other judgements",
            report="Report",
        )
        .fmt(safe_link, columns="report")
        .tab_style(style.css("white-space: nowrap"), locations=loc.body(columns=["published"]))
        .sub_missing("report", missing_text="not recorded")
    )
    gt = fmt.style_letters(gt, shown, "overall", fmt.GRADE_COLOURS)
    gt = fmt.footnote_cells(
        gt,
        frame,
        "overall",
        pl.when(pl.col("overall") == NO_OVERALL).then(
            pl.lit(
                "SLAC, CPI, CPRI and TLAC (2009-13) had no single overall effectiveness judgement: "
                "their headline judgements are listed under other judgements."
            )
        ),
    )
    gt = fmt.footnote_cells(
        gt,
        frame,
        "overall",
        pl.when(pl.col("overall_status") == compare.POST_2026).then(pl.lit(POST_2026_NOTE)),
    )
    notes = []
    if frame["adequate"].any():
        notes.append(ADEQUATE_NOTE)
    notes.append(fmt.source_line(ctx.sources, frame["source_id"].cast(pl.String).to_list()))
    gt = fmt.add_notes(gt, notes)
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
