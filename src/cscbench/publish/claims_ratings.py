"""Claims of an Ofsted grade beside Ofsted's own judgement (the claims page's third table).

Split from :mod:`cscbench.publish.claims` by responsibility: announcements of kind ``rating`` set
beside Ofsted's judgement for the same council published nearest the claim date, with the gap in
days; "matches" or "differs" only where the claim names a grade for a judgement Ofsted graded on
the same scale, otherwise the official judgement is shown for reference, without a verdict.
"""

from __future__ import annotations

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.publish import formatting as fmt
from cscbench.publish.claims_match import (
    APPROXIMATE,
    BASIS_LABELS,
    CERTAINTY_LABELS,
    CLAIM_HEAD,
    CLAIM_TAIL,
    DIFFERS,
    MATCHES,
    claims_source_line,
)
from cscbench.publish.context import Context
from cscbench.publish.headline import area_targets
from cscbench.publish.history import FRAMEWORK_LABELS

RATINGS_STEM = "claims/ratings-vs-ofsted"
RATINGS_TITLE = "What councils said about Ofsted grades vs Ofsted's published judgements"
# (pattern on the claim's unit, the Ofsted judgement it names). First match wins; a unit matching
# none names no graded judgement (an unannounced-inspection finding, an annual performance
# assessment, a monitoring letter): its nearest official judgement is shown without a verdict.
RATING_RULES: tuple[tuple[str, str], ...] = (
    (r"(?i)looked after children", "looked_after_children"),
    (r"(?i)safeguarding", "safeguarding"),
    (r"(?i)child protection", "child_protection"),
    (r"(?i)overall|re-inspection", compare.OVERALL),
)
# Ofsted's grade words on every framework's scale, lower case (2009-13 frameworks had "adequate").
OFSTED_GRADES = ("outstanding", "good", "adequate", "requires improvement to be good", "inadequate")
RATING_OFFICIAL = [
    "official_framework",
    "official_inspection_type",
    "official_judgement",
    "official_grade",
    "official_grade_on_framework_scale",
    "official_grade_status",
    "official_publication_date",
    "official_report_url",
    "official_source",
    "gap_days",
]


def named_judgement(unit: pl.Expr) -> pl.Expr:
    """The Ofsted judgement a rating claim's unit names (first rule that fits), else null."""
    out = pl.lit(None, dtype=pl.String)
    for pattern, judgement in reversed(RATING_RULES):
        out = pl.when(unit.str.contains(pattern)).then(pl.lit(judgement)).otherwise(out)
    return out


def claimed_grade(stated: pl.Expr) -> pl.Expr:
    """The grade a claim states, lower case, without a trailing "(grade 3)"; null if it is not
    one of Ofsted's grade words ("areas for priority action", "performs poorly" are not)."""
    grade = stated.str.replace(r"(?i)\s*\(grade \d\)\s*$", "").str.strip_chars().str.to_lowercase()
    return pl.when(grade.is_in(OFSTED_GRADES)).then(grade)


def verdict() -> pl.Expr:
    """ "matches"/"differs" where the claim names a grade for the judgement shown; else null."""
    claimed = claimed_grade(pl.col("value_as_stated"))
    official = [
        pl.col("official_grade").str.to_lowercase(),
        pl.col("official_grade_on_framework_scale").str.to_lowercase(),
    ]
    comparable = (
        claimed.is_not_null()
        & (pl.col("official_judgement") == pl.col("judgement_named"))
        & pl.any_horizontal(o.is_not_null() for o in official)
    )
    same = pl.any_horizontal((claimed == o).fill_null(False) for o in official)
    return (
        pl.when(comparable.fill_null(False))
        .then(pl.when(same).then(pl.lit(MATCHES)).otherwise(pl.lit(DIFFERS)))
        .otherwise(None)
    )


def nearest_inspection(ctx: Context, claims: pl.DataFrame) -> pl.DataFrame:
    """For each rating claim, the same council's Ofsted judgement published nearest its date: of
    the judgement the claim names if the council has one, else of any (overall first). Ties: the
    earlier publication, then framework, judgement and source code (a total order)."""
    keyed = compare.to_series_code(claims, ctx.areas).with_columns(
        named_judgement(pl.col("unit")).alias("judgement_named")
    )
    rows = ctx.inspection_series.select(
        "unit_code",
        pl.col("framework").alias("official_framework"),
        pl.col("inspection_type").alias("official_inspection_type"),
        pl.col("judgement").alias("official_judgement"),
        pl.col("grade").alias("official_grade"),
        pl.col("grade_on_framework_scale").alias("official_grade_on_framework_scale"),
        pl.col("grade_status").alias("official_grade_status"),
        pl.col("publication_date").alias("official_publication_date"),
        pl.col("report_url").alias("official_report_url"),
        pl.col("source_id").alias("official_source"),
        "source_code",
    )
    gap = (pl.col("official_publication_date") - pl.col("date")).dt.total_days()
    other_judgement = pl.col("judgement_named").is_not_null() & (
        pl.col("official_judgement") != pl.col("judgement_named")
    )
    nearest = (
        keyed.select("announcement_id", "unit_code", "date", "judgement_named")
        .join(rows, on="unit_code")
        .with_columns(gap.alias("gap_days"))
        .sort(
            "announcement_id",
            other_judgement.fill_null(True),
            pl.col("gap_days").abs(),
            pl.col("official_judgement") != compare.OVERALL,
            "official_publication_date",
            "official_framework",
            "official_judgement",
            "source_code",
        )
        .unique("announcement_id", keep="first", maintain_order=True)
        .select("announcement_id", *RATING_OFFICIAL)
    )
    return keyed.join(nearest, on="announcement_id", how="left", maintain_order="left")


def ratings_frame(ctx: Context) -> pl.DataFrame:
    claims = ctx.frames["announcements"].with_columns(pl.col(pl.Enum).cast(pl.String))
    ratings = claims.filter(pl.col("kind") == "rating")
    names = ctx.area_names.select(
        pl.col("unit_code").alias("area_code"), pl.col("area").alias("council")
    )
    return (
        nearest_inspection(ctx, ratings)
        .join(names, on="area_code", how="left", maintain_order="left")
        .with_columns(verdict().alias("verdict"))
        .sort("council", "date", "announcement_id")
    )


def days_text(days: pl.Expr) -> pl.Expr:
    """ "same day (0 days)", "1 day after the claim", "412 days before the claim"."""
    size = days.abs()
    unit = pl.when(size == 1).then(pl.lit(" day")).otherwise(pl.lit(" days"))
    side = pl.when(days < 0).then(pl.lit(" before the claim")).otherwise(pl.lit(" after the claim"))
    rough = pl.when(pl.col("date_precision").is_in(APPROXIMATE)).then(
        pl.lit(" (claim dated only roughly)")
    )
    amount = (
        pl.when(size == 0)
        .then(pl.lit("same day (0 days)"))
        .otherwise(size.cast(pl.String) + unit + side)
    )
    return pl.when(days.is_null()).then(None).otherwise(amount + pl.coalesce(rough, pl.lit("")))


def ratings_table(ctx: Context) -> fmt.Table:
    frame = ratings_frame(ctx)
    total = ctx.frames["announcements"].height
    compared = frame.filter(pl.col("verdict").is_not_null()).height
    subtitle = (
        f"The {frame.height} of {total} recorded announcements that state an Ofsted grade or "
        "finding, each beside Ofsted's published judgement for the same council nearest the "
        f"claim's date. {compared} name a grade Ofsted gave on the same scale and get a verdict. "
        "Claims are not official statistics."
    )
    no_counterpart = "no Ofsted judgement on record for this council"
    shown = frame.select(
        pl.col("council").fill_null(pl.col("area_code")).alias("group"),
        pl.col("date_as_stated").alias("when"),
        (pl.col("unit") + ": " + pl.col("value_as_stated")).alias("claim"),
        pl.col("basis")
        .replace_strict(BASIS_LABELS, default="council or press statement")
        .alias("basis"),
        pl.col("certainty")
        .replace_strict(CERTAINTY_LABELS, default=pl.col("certainty"))
        .alias("certainty"),
        pl.col("source_url").alias("source"),
        pl.when(pl.col("official_framework").is_null())
        .then(pl.lit(no_counterpart))
        .otherwise(
            pl.col("official_framework").replace_strict(
                FRAMEWORK_LABELS, default=pl.col("official_framework")
            )
        )
        .alias("framework"),
        fmt.judgement_text(pl.col("official_judgement")).alias("judgement"),
        pl.when(pl.col("official_framework").is_not_null())
        .then(
            fmt.grade_text(
                pl.col("official_grade_on_framework_scale"), pl.col("official_grade_status")
            )
        )
        .alias("grade"),
        fmt.date_text(pl.col("official_publication_date")).alias("published"),
        days_text(pl.col("gap_days")).alias("gap"),
        pl.col("verdict").fill_null(fmt.DASH).alias("verdict"),
        pl.col("official_report_url").alias("report"),
    )
    gt = (
        fmt.base_gt(
            shown, RATINGS_STEM.replace("/", "-"), RATINGS_TITLE, subtitle, groupname_col="group"
        )
        .tab_spanner("The claim", columns=["when", "claim", "basis", "certainty", "source"])
        .tab_spanner(
            "Ofsted's published judgement",
            columns=["framework", "judgement", "grade", "published", "gap", "report"],
        )
        .cols_label(
            when="When (as stated)",
            claim="What was said",
            basis="Whose statement",
            certainty="Certainty",
            source="Source",
            framework="Framework",
            judgement="Judgement",
            grade="Grade (Ofsted's wording)",
            published="Published",
            gap="Time between",
            report="Report",
            verdict="Claim vs Ofsted",
        )
        .fmt(lambda url: fmt.safe_link(url, text="source"), columns="source")
        .fmt(lambda url: fmt.safe_link(url, text="Ofsted report"), columns="report")
        .sub_missing(["judgement", "grade", "published", "gap"], missing_text=fmt.DASH)
    )
    gt = fmt.style_letters(gt, shown, "grade", fmt.GRADE_COLOURS)
    notes = [
        f"Claim vs Ofsted: {MATCHES!r} or {DIFFERS!r} only where the claim names one of Ofsted's "
        "grades (Outstanding, Good, Adequate, Requires improvement to be good, Inadequate) for "
        "the judgement shown; the grade is compared, ignoring case, with Ofsted's grade on the "
        f"framework's own scale and on today's scale. {fmt.DASH}: no verdict, because the claim is "
        "a finding, an assessment or a monitoring letter rather than a grade, or names a "
        "different judgement; the official judgement is shown for reference only.",
        "Time between: days from the claim's date to Ofsted's publication of the judgement. "
        "Colour in Grade repeats the printed grade.",
        claims_source_line(ctx, frame),
    ]
    gt = fmt.link_cells(fmt.add_notes(gt, notes), "group", area_targets(ctx))
    data = frame.select(
        *CLAIM_HEAD,
        *CLAIM_TAIL,
        "judgement_named",
        *RATING_OFFICIAL,
        "verdict",
    )
    return fmt.Table(
        RATINGS_STEM, RATINGS_TITLE, subtitle, gt, data, png=True, sheet="claims ratings"
    )
