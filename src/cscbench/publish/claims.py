"""What councils said vs what the statistics show.

Numeric claims are split in two tables. **Comparable**: the claim has an official figure for the
same council and the same measure (the statistic's definition is the claim's: relation ``measure``
in :mod:`~cscbench.publish.claims_match`'s rules, never a council's own count beside DfE's rate
per FTE) dated within about 13 months of the claim's time (:data:`COMPARABLE_DAYS`; a roughly
dated claim only beside a figure whose period covers it), or, for a claim quoting DfE statistics for stated years
("19.5 -> 17 (DfE 2017 -> 2020)"), DfE's figures for exactly those years, each checked
("matches"/"differs" at the claim's own precision). Announced investment is set beside the change
in the council's net children's social care spending for the nearest year held (relation
``change``), and is comparable only when that year is as near. **For context**: everything else,
each with the reason (money beside the council's spending for scale only, a claim years before the
statistics begin, a target or share no one publishes). A council's own measure is never compared
as if it were DfE's: each side is labelled with whose measure it is, and only claims quoting DfE's
statistics get a verdict. Units are printed once: "+38% rise in caseloads since 2018".

A third table sets announcements of an Ofsted grade (kind ``rating``) beside Ofsted's own
judgement for the same council published nearest the claim date, with the gap in days. It says
"matches" or "differs" only where the claim names a grade for a judgement Ofsted graded on the same
scale; otherwise the official judgement is shown for reference, without a verdict.

Split by responsibility: which figure a claim meets is :mod:`cscbench.publish.claims_match`, the
ratings table :mod:`cscbench.publish.claims_ratings`; this module (about 600 lines, kept whole
because both numeric tables share its texts and cells) words and lays out the numeric tables.
"""

from __future__ import annotations

import polars as pl
from great_tables import GT

from cscbench.publish import formatting as fmt
from cscbench.publish.claims_match import (
    BASIS_LABELS,
    CERTAINTY_LABELS,
    CHANGE,
    CLAIM_HEAD,
    CLAIM_TAIL,
    COMPARABLE_DAYS,
    DIFFERENT,
    DIFFERS,
    MATCHES,
    MEASURE,
    MONEY_AGENCY,
    MONEY_TOTAL,
    NO_MATCH,
    OFFICIAL_LABELS,
    SCALE,
    SPENDING_CHANGE,
    SPENDING_CHANGE_PERCENT,
    claim_decimals,
    claims_source_line,
    comparable,
    match_rules,
    nearest_official,
    official_figures,
    rule_frame,
    stated_figures,
    stated_years,
    year_verdict,
)
from cscbench.publish.claims_ratings import (
    named_judgement,
    nearest_inspection,
    ratings_frame,
    ratings_table,
    verdict,
)
from cscbench.publish.claims_text import (
    claim_text,
    different_year,
    gap_shown,
    gap_text,
    official_text,
    other_text,
    period_shown,
)
from cscbench.publish.context import Context
from cscbench.publish.headline import area_targets

__all__ = [
    "CHANGE",
    "COMPARABLE_DAYS",
    "DIFFERENT",
    "DIFFERS",
    "MATCHES",
    "MEASURE",
    "MONEY_AGENCY",
    "MONEY_TOTAL",
    "SPENDING_CHANGE",
    "build",
    "check_text",
    "claim_text",
    "claims_frame",
    "named_judgement",
    "nearest_inspection",
    "official_text",
    "ratings_frame",
    "verdict",
]

STEM = "claims/claims-vs-statistics"
TITLE = "What councils said vs what the statistics show"
CONTEXT_STEM = "claims/claims-for-context"
CONTEXT_TITLE = "What councils said, for context: claims with no comparable official figure"


def build(ctx: Context) -> list[fmt.Page]:
    if not ctx.has("announcements"):
        intro = (f"Council announcements are {fmt.NOT_IN_PACKAGE}.",)
        return [fmt.Page(STEM, TITLE, "claims", (), intro)]
    frame = claims_frame(ctx)
    tables = [claims_table(ctx, frame), context_table(ctx, frame)]
    intro = [
        "These are claims made by councils and in the press, not official statistics. Councils' "
        "own figures often use a different basis from DfE's (for example, a council's caseload "
        "count is not DfE's average caseload per case-holding FTE social worker), so the two "
        "columns are shown side by side and never combined.",
        "The first table holds the claims that have a comparable official figure: the same "
        "measure (the statistic's definition is the claim's) for the same council within about "
        "13 months of the claim, or the exact years a claim quoting DfE states. A claim dated "
        'only to a year or roughly ("c. mid-2022") is set only beside a figure whose period '
        "covers that time. The second holds every other claim that states a number, with the "
        "reason it cannot be compared (a different measure, too far apart in time, a spending "
        "line that is zero or missing that year) and, where there is one, an official figure for "
        "context.",
    ]
    if ctx.has("inspections"):
        tables.append(ratings_table(ctx))
        intro.append(
            "The third table sets what councils and the press said about Ofsted grades beside "
            "Ofsted's own published judgement for the same council nearest the claim's date."
        )
    else:
        intro.append(f"Ofsted inspections are {fmt.NOT_IN_PACKAGE}: rating claims are not shown.")
    return [fmt.Page(STEM, TITLE, "claims", tuple(tables), tuple(intro))]


def check_text() -> pl.Expr:
    """ "2017: claim 19.5, DfE 18.3 (differs); 2020: claim 17, DfE 17.0 (matches)" for a claim
    quoting DfE years; a dash otherwise (a claim on another basis is never judged against DfE)."""

    def one(year: str, claimed: str, official: str) -> pl.Expr:
        return pl.when(pl.col(official).is_not_null()).then(
            pl.col(year)
            + ": claim "
            + fmt.number_text(pl.col(claimed), claim_decimals(pl.col(claimed)))
            + ", DfE "
            + fmt.number_text(pl.col(official), pl.col("decimals"))
            + " ("
            + year_verdict(pl.col(claimed), pl.col(official))
            + ")"
        )

    parts = pl.concat_str(
        one("year_from", "value", "stated_from_value"),
        one("year_to", "value_to", "stated_to_value"),
        separator="; ",
        ignore_nulls=True,
    )
    return (
        pl.when(pl.col("year_from").is_not_null() & (parts != ""))
        .then(parts)
        .otherwise(pl.lit(fmt.DASH))
    )


def context_reason() -> pl.Expr:
    """Why a claim is only for context, in words."""
    years = pl.concat_str(pl.col("year_from"), pl.col("year_to"), separator=" and ")
    return (
        pl.when(pl.col("indicator_id").is_null())
        .then(
            pl.lit("no official counterpart: ")
            + pl.col("kind").replace_strict(
                NO_MATCH, default="not a figure any official source publishes"
            )
        )
        .when(pl.col("gap_line").is_not_null())
        .then(pl.lit("not set beside any figure: ") + pl.col("gap_line"))
        .when(pl.col("relation") == DIFFERENT)
        .then(
            pl.when(pl.col("basis") == "council_measure")
            .then(pl.lit("a different measure: "))
            .otherwise(pl.lit("not known to be the same measure: "))
            + basis_text()
            + ", not "
            + pl.col("indicator_id").replace_strict(OFFICIAL_LABELS, default=pl.col("olabel"))
            + " (shown for context only)"
        )
        .when(pl.col("relation") == SCALE)
        .then(
            pl.lit(
                "money as the council or the press stated it; official spending is a "
                "different measure, shown for scale only"
            )
        )
        .when(pl.col("year_from").is_not_null())
        .then(pl.lit("quotes DfE figures for ") + years + ", which this package does not hold")
        .when(pl.col("official_value").is_null())
        .then(pl.lit("no official figure for this council"))
        .when(~pl.col("official_covers"))
        .then(
            pl.lit("dated only roughly (")
            + pl.col("date_as_stated")
            + "): no official figure for this council covers that time; the nearest is "
            + gap_text(pl.col("gap_days"))
        )
        .otherwise(
            pl.lit("the nearest official figure is ")
            + gap_text(pl.col("gap_days"))
            + ": too far apart to compare"
        )
    )


# ---------------------------------------------------------------------------- the frames


def claims_frame(ctx: Context) -> pl.DataFrame:
    """Every claim that states a number, with its official counterpart, the years it states,
    whether it is ``comparable`` and, if not, its ``context_reason``."""
    claims = ctx.frames["announcements"].with_columns(pl.col(pl.Enum).cast(pl.String))
    numbered = claims.filter(pl.col("value").is_not_null()).with_columns(stated_years())
    matched = nearest_official(ctx, match_rules(numbered, rule_frame(ctx)))
    meta = ctx.indicators.select(
        "indicator_id",
        pl.col("label").alias("olabel"),
        pl.col("unit").cast(pl.String).alias("ounit"),
        "decimals",
    )
    percent = official_figures(ctx).filter(pl.col("indicator_id") == SPENDING_CHANGE_PERCENT)
    percent = percent.select(
        "unit_code",
        pl.lit(SPENDING_CHANGE).alias("indicator_id"),
        "official_period",
        pl.col("official_value").alias("official_percent"),
    )
    publishers = ctx.sources.select(
        pl.col("source_id").alias("official_source"),
        short_publisher(pl.col("publisher")).alias("publisher"),
    )
    names = ctx.area_names.select(
        pl.col("unit_code").alias("area_code"), pl.col("area").alias("council")
    )
    return (
        stated_figures(ctx, matched)
        .join(meta, on="indicator_id", how="left")
        .join(percent, on=["unit_code", "indicator_id", "official_period"], how="left")
        .join(publishers, on="official_source", how="left")
        .join(names, on="area_code", how="left")
        .with_columns(
            comparable().alias("comparable"),
            pl.when(~comparable()).then(context_reason()).alias("context_reason"),
            # the texts both tables show, computed once
            official_text().alias("official_shown"),
            check_text().alias("check"),
            claim_text().alias("claim_shown"),
        )
        .sort("council", "date", "announcement_id")
    )


def short_publisher(name: pl.Expr) -> pl.Expr:
    """ "Department for Education" -> "DfE", the long MHCLG and ONS names -> their initials."""
    return (
        pl.when(name == "Department for Education")
        .then(pl.lit("DfE"))
        .when(name.str.starts_with("Ministry of Housing"))
        .then(pl.lit("MHCLG"))
        .when(name.str.starts_with("Office for National Statistics"))
        .then(pl.lit("ONS"))
        .otherwise(name.str.replace(r"\s*\(.*\)$", ""))
    )


def basis_text() -> pl.Expr:
    return pl.col("basis").replace_strict(BASIS_LABELS, default="council or press statement")


def certainty_text() -> pl.Expr:
    return pl.col("certainty").replace_strict(CERTAINTY_LABELS, default=pl.col("certainty"))


def claim_columns() -> list[pl.Expr]:
    """The claim's own columns of a CSV export, before its official figures."""
    return [
        *map(pl.col, CLAIM_HEAD),
        pl.col("value"),
        pl.col("value_to"),
        pl.col("qualifier"),
        *map(pl.col, CLAIM_TAIL),
    ]


def official_columns() -> list[pl.Expr]:
    """The official figure's columns of a CSV export, numbers at the indicator's decimals."""
    return [
        pl.col("indicator_id").alias("official_indicator"),
        "relation",
        "official_period",
        "official_end",
        at_decimals("official_value"),
        fmt.rounded(pl.col("official_percent"), pl.lit(1)).alias("official_change_percent"),
        "official_source",
        "official_caveat",
        "gap_days",
        "official_shown",
    ]


CLAIM_LABELS = {
    "when": "When (as stated)",
    "claim": "What was said",
    "basis": "Whose figure",
    "certainty": "Certainty",
    "source": "Source",
}


def claim_gt(
    shown: pl.DataFrame,
    stem: str,
    title: str,
    subtitle: str,
    spanner: str,
    labels: dict[str, str],
) -> GT:
    """The layout both numeric-claim tables share: the claim's own columns under "The claim",
    then the official side's (``labels``, in order) under ``spanner``."""
    official = list(labels)
    return (
        fmt.base_gt(shown, stem.replace("/", "-"), title, subtitle, groupname_col="group")
        .tab_spanner("The claim", columns=list(CLAIM_LABELS))
        .tab_spanner(spanner, columns=official)
        .cols_move_to_end(official)
        .cols_label(**CLAIM_LABELS, **labels)
        .fmt(lambda url: fmt.safe_link(url, text="source"), columns="source")
        .sub_missing(["period", "gap"], missing_text=fmt.DASH)
    )


def claim_cells(*official: pl.Expr) -> list[pl.Expr]:
    """A numeric-claims table's cells: the council (row group), the claim as shown, then the
    ``official`` side, then the claim's certainty and source."""
    return [
        pl.col("council").alias("group"),
        pl.col("date_as_stated").alias("when"),
        pl.col("claim_shown").alias("claim"),
        basis_text().alias("basis"),
        *official,
        certainty_text().alias("certainty"),
        pl.col("source_url").alias("source"),
    ]


def at_decimals(column: str, name: str | None = None) -> pl.Expr:
    """An official figure at its indicator's decimals, for the CSV and the workbook."""
    return fmt.rounded(pl.col(column), pl.col("decimals")).alias(name or column)


def claims_table(ctx: Context, frame: pl.DataFrame) -> fmt.Table:
    """The claims with a comparable official figure."""
    total = ctx.frames["announcements"].height
    rows = frame.filter(pl.col("comparable"))
    subtitle = (
        f"The {rows.height} of {frame.height} numeric claims (of {total} recorded announcements) "
        "that have an official figure for the same council and measure within about 13 months, "
        "or for the years the claim states. Claims are not official statistics; each side is "
        "labelled with whose measure it is."
    )
    shown = rows.select(
        claim_cells(
            pl.col("official_shown").alias("official"),
            period_shown().alias("period"),
            gap_shown().alias("gap"),
            pl.col("check"),
            other_text().alias("other"),
        )
    )
    gt = claim_gt(
        shown,
        STEM,
        TITLE,
        subtitle,
        "The official statistics",
        {
            "official": "Official figure (whose measure)",
            "period": "Period",
            "gap": "Time between",
            "check": "Check (claims quoting DfE)",
            "other": "Official figure on the other side of the claim date",
        },
    )
    notes = [
        f"Comparable: the same measure (the statistic's definition is the claim's: a council's "
        f"own caseload or agency share is not DfE's rate per FTE) for the same council, dated "
        f"within {COMPARABLE_DAYS} days (about 13 months) of the claim's time; a claim dated "
        "only to a year or roughly needs a figure whose period covers part of that time. Time "
        'between is counted from the nearer end of the claim\'s time ("c. mid-2022": May to '
        "August 2022). A claim quoting DfE statistics for stated years is set "
        "beside DfE's figures for exactly those years. Announced investment would be set beside "
        "the change in the council's net children's social care spending for a year that near.",
        f"Check: only for claims quoting DfE statistics, whose figure should be DfE's: {MATCHES!r} "
        f"when DfE's figure, rounded as the claim states it, is the claimed number, else "
        f"{DIFFERS!r}. A council's own measure is never judged against DfE's ({fmt.DASH}).",
        claims_source_line(ctx, rows),
    ]
    gt = fmt.link_cells(fmt.add_notes(gt, notes), "group", area_targets(ctx))
    data = rows.select(
        *claim_columns(),
        *official_columns(),
        "year_from",
        "year_to",
        at_decimals("stated_from_value", "official_value_year_from"),
        at_decimals("stated_to_value", "official_value_year_to"),
        "check",
        "other_official_period",
        "other_official_end",
        at_decimals("other_official_value"),
        "other_gap_days",
    )
    return fmt.Table(STEM, TITLE, subtitle, gt, data, png=True, sheet="claims")


def context_table(ctx: Context, frame: pl.DataFrame) -> fmt.Table:
    """Every other numeric claim, with why it is not compared and an official figure for scale."""
    rows = frame.filter(~pl.col("comparable"))
    subtitle = (
        f"The other {rows.height} of {frame.height} numeric claims: no official figure for the "
        "same measure near enough in time. Each says why; where there is a related official "
        "figure (the council's spending, the nearest snapshot) it is shown for context only."
    )
    shown = rows.select(
        claim_cells(
            pl.col("context_reason").alias("why"),
            pl.col("official_shown").alias("official"),
            pl.when(pl.col("official_value").is_not_null())
            .then(fmt.period_text(pl.col("official_period"), pl.col("official_end")))
            .alias("period"),
            gap_text(pl.col("gap_days")).alias("gap"),
        )
    )
    gt = claim_gt(
        shown,
        CONTEXT_STEM,
        CONTEXT_TITLE,
        subtitle,
        "For context only",
        {
            "why": "Why it is not compared",
            "official": "Nearest related official figure",
            "period": "Period",
            "gap": "Time between",
        },
    )
    money = rows.filter(pl.col("relation").is_in([SCALE, CHANGE]))
    years = (
        " and ".join(money["official_period"].drop_nulls().unique().sort().to_list()) or "latest"
    )
    notes = [
        f"Money claims (GBP million) are set beside the council's {years} figures from MHCLG's "
        "revenue outturn (RO3): announced investment beside the change in its net children's "
        "social care spending on the year before, other sums beside that net spending (or its "
        "agency-staff line) for scale only, a different definition and, unless the claim is "
        "dated within it, a different year.",
        f"{fmt.DASH} in Period and Time between: there is no official figure to set beside it.",
        claims_source_line(ctx, rows),
    ]
    gt = fmt.link_cells(fmt.add_notes(gt, notes), "group", area_targets(ctx))
    data = rows.select(
        *claim_columns(),
        "context_reason",
        "gap_line",
        *official_columns(),
        different_year().alias("official_different_year"),
    )
    return fmt.Table(
        CONTEXT_STEM, CONTEXT_TITLE, subtitle, gt, data, png=True, sheet="claims context"
    )
