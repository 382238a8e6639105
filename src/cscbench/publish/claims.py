"""What councils said vs what the statistics show.

Each announcement that states a number, beside the official figure for the same council and the
nearest period where one exists, with the gap in time. The claim keeps its own basis (a council's
own caseload measure is not DfE's ``caseload_fte``): the table labels whose measure each side is
and never merges them. Money is shown beside the council's RO3 children's social care spend for
scale only, a different year and a different measure. Claims with no official counterpart say so.

A second table sets announcements of an Ofsted grade (kind ``rating``) beside Ofsted's own
judgement for the same council published nearest the claim date, with the gap in days. It says
"matches" or "differs" only where the claim names a grade for a judgement Ofsted graded on the same
scale; otherwise the official judgement is shown for reference, without a verdict.
"""

from __future__ import annotations

import polars as pl

from cscbench import compare
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import area_targets
from cscbench.publish.history import FRAMEWORK_LABELS

STEM = "claims/claims-vs-statistics"
TITLE = "What councils said vs what the statistics show"
MONEY_TOTAL = "ro3_csctot_net_cur_exp"
MONEY_AGENCY = "ro3_cscsvmem_run_exp"

# (kind, pattern on the claim's unit, official indicator, how the two relate). First match wins.
# The patterns are anchored on the unit text the announcements resource uses; anything else has no
# counterpart, and the table says why.
RULES: tuple[tuple[str, str, str, str], ...] = (
    ("caseload", r"^average (cases per social worker|caseload)", "caseload_fte", "measure"),
    ("agency", r"^percent .*agenc", "agency_rate_fte", "measure"),
    ("agency", r"^agency social workers$", "agency_headcount", "measure"),
    ("agency", r"^GBP million", MONEY_AGENCY, "scale"),
    ("looked_after", r"^children looked after$", "cla_31_march_count", "measure"),
    ("workforce", r"^social workers leaving", "leavers_headcount", "measure"),
    ("workforce", r"^social workers directly employed", "inpost_headcount", "measure"),
    ("workforce", r"^percent social worker vacancy rate", "vacancy_rate_fte", "measure"),
    ("*", r"^GBP million", MONEY_TOTAL, "scale"),
)
NO_MATCH = {
    "caseload": "a target, threshold, share or change: DfE publishes no like-for-like figure",
    "looked_after": "a change over a year: compare the DfE counts for the two years instead",
    "workforce": "no DfE figure counts the same group",
    "agency": "no DfE figure counts the same thing",
}
OFFICIAL_LABELS = {
    "caseload_fte": "DfE average caseload per case-holding FTE social worker",
    "agency_rate_fte": "DfE agency workers as % of FTE social workers",
    "agency_headcount": "DfE agency social workers (headcount)",
    "cla_31_march_count": "DfE children looked after on 31 March",
    "leavers_headcount": "DfE social workers leaving in the year (headcount)",
    "inpost_headcount": "DfE social workers in post (headcount)",
    "vacancy_rate_fte": "DfE vacancy rate (% of FTE posts)",
    MONEY_TOTAL: "MHCLG RO3 children's social care net current expenditure",
    MONEY_AGENCY: "MHCLG RO3 children's social care spending on agency staff",
}
BASIS_LABELS = {
    "council_measure": "council's own measure",
    "dfe_statistics": "DfE statistics, as quoted",
    "other": "other (press, commissioner or union)",
}
CERTAINTY_LABELS = {
    "stated": "stated on the page",
    "date_from_other_source": "date from another source",
    "approximate_date": "date approximate",
    "inferred_date": "date inferred",
    "secondary": "secondary report",
    "claim": "a claim by an interested party",
}
APPROXIMATE = ("approximate", "year", "financial_year")


# The claim's own columns in the CSV exports, before and after its figures (same order in both tables).
CLAIM_HEAD = (
    "announcement_id",
    "area_code",
    "council",
    "date",
    "date_precision",
    "date_as_stated",
    "kind",
)
CLAIM_TAIL = ("unit", "value_as_stated", "basis", "certainty", "source_url")


def claims_source_line(ctx: Context, frame: pl.DataFrame) -> str:
    """The sources of the claims and of the official figures or judgements set beside them."""
    return fmt.source_line(
        ctx.sources,
        [*frame["source_id"].to_list(), *frame["official_source"].drop_nulls().to_list()],
    )


def build(ctx: Context) -> list[fmt.Page]:
    if not ctx.has("announcements"):
        intro = (f"Council announcements are {fmt.NOT_IN_PACKAGE}.",)
        return [fmt.Page(STEM, TITLE, "claims", (), intro)]
    tables = [claims_table(ctx)]
    intro = [
        "These are claims made by councils and in the press, not official statistics. Councils' "
        "own figures often use a different basis from DfE's (for example, a council's caseload "
        "count is not DfE's average caseload per case-holding FTE social worker), so the two "
        "columns are shown side by side and never combined.",
    ]
    if ctx.has("inspections"):
        tables.append(ratings_table(ctx))
        intro.append(
            "The second table sets what councils and the press said about Ofsted grades beside "
            "Ofsted's own published judgement for the same council nearest the claim's date."
        )
    else:
        intro.append(f"Ofsted inspections are {fmt.NOT_IN_PACKAGE}: rating claims are not shown.")
    return [fmt.Page(STEM, TITLE, "claims", tuple(tables), tuple(intro))]


def rule_frame(ctx: Context) -> pl.DataFrame:
    have = set(ctx.indicators["indicator_id"])
    rows = [r for r in RULES if r[2] in have]
    return pl.DataFrame(
        rows, schema=["rule_kind", "rule_unit", "indicator_id", "relation"], orient="row"
    ).with_row_index("rule")


def match_rules(claims: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """The first rule whose kind and unit pattern fit each claim (or none)."""
    hits = (
        claims.select("announcement_id", "kind", "unit")
        .join(rules, how="cross")
        .filter(
            (pl.col("rule_kind") == "*") | (pl.col("rule_kind") == pl.col("kind")),
            pl.col("unit").str.contains(pl.col("rule_unit")),
        )
        .sort("announcement_id", "rule")
        .unique("announcement_id", keep="first", maintain_order=True)
    )
    return claims.join(
        hits.select("announcement_id", "indicator_id", "relation"),
        on="announcement_id",
        how="left",
        maintain_order="left",
    )


OFFICIAL = ["official_period", "official_end", "official_value", "official_source", "gap_days"]
# Nearest first; equally near: the earlier snapshot, then by period (a total order).
NEAREST_FIRST = ["announcement_id", pl.col("gap_days").abs(), "official_end", "official_period"]


def nearest_official(ctx: Context, claims: pl.DataFrame) -> pl.DataFrame:
    """For each matched claim, the same council's official figure nearest its date, and the
    nearest one on the other side of the date (``other_*``), so a reader sees both snapshots
    around a claim (Bradford's January 2023 "almost 40%": September 2022 and September 2023)."""
    keyed = compare.to_series_code(claims, ctx.areas)
    figures = ctx.series.filter(pl.col("value").is_not_null()).select(
        "unit_code",
        "indicator_id",
        pl.col("period").alias("official_period"),
        pl.col("period_end").alias("official_end"),
        pl.col("value").alias("official_value"),
        pl.col("source_id").alias("official_source"),
    )
    gap = (pl.col("official_end") - pl.col("date")).dt.total_days()
    candidates = (
        keyed.filter(pl.col("indicator_id").is_not_null())
        .join(figures, on=["unit_code", "indicator_id"])
        .with_columns(gap.alias("gap_days"))
        .sort(NEAREST_FIRST)
    )
    nearest = candidates.unique("announcement_id", keep="first", maintain_order=True).select(
        "announcement_id", *OFFICIAL
    )
    after = pl.col("gap_days") >= 0
    other = (
        candidates.join(
            nearest.select("announcement_id", (after).alias("_after")),
            on="announcement_id",
            maintain_order="left",
        )
        .filter(after != pl.col("_after"))
        .sort(NEAREST_FIRST)  # the nearest on the other side, whatever order the join gave
        .unique("announcement_id", keep="first", maintain_order=True)
        .select("announcement_id", *(pl.col(c).alias(f"other_{c}") for c in OFFICIAL))
    )
    return keyed.join(nearest, on="announcement_id", how="left", maintain_order="left").join(
        other, on="announcement_id", how="left", maintain_order="left"
    )


def gap_text(days: pl.Expr) -> pl.Expr:
    """ "31 days before the claim", "about 9 months after the claim", "about 6 years after"."""
    size = days.abs()
    side = pl.when(days < 0).then(pl.lit(" before the claim")).otherwise(pl.lit(" after the claim"))
    months = (size / 30.44).round(0).cast(pl.Int64)
    years = (size / 365.25).round(0).cast(pl.Int64)
    amount = (
        pl.when(size == 0)
        .then(pl.lit("same day"))
        .when(size < 45)
        .then(
            size.cast(pl.String)
            + pl.when(size == 1).then(pl.lit(" day")).otherwise(pl.lit(" days"))
            + side
        )
        .when(size < 730)
        .then(pl.lit("about ") + months.cast(pl.String) + " months" + side)
        .otherwise(pl.lit("about ") + years.cast(pl.String) + " years" + side)
    )
    rough = pl.when(pl.col("date_precision").is_in(APPROXIMATE)).then(
        pl.lit(" (claim dated only roughly)")
    )
    return pl.when(days.is_null()).then(None).otherwise(amount + pl.coalesce(rough, pl.lit("")))


def figure(value: str) -> pl.Expr:
    """An official figure in its unit; money also in £ million, the unit claims use."""
    number = fmt.with_unit(fmt.number_text(pl.col(value), pl.col("decimals")), pl.col("ounit"))
    millions = fmt.number_text(pl.col(value) / 1000, pl.lit(1))
    return (
        pl.when(pl.col("ounit") == "gbp_thousand")
        .then(number + " (£" + millions + "m)")
        .otherwise(number)
    )


def other_text() -> pl.Expr:
    """The figure on the other side of the claim date, with its period and gap."""
    return (
        pl.when(pl.col("other_official_value").is_not_null())
        .then(
            figure("other_official_value")
            + " at "
            + fmt.period_text(pl.col("other_official_period"), pl.col("other_official_end"))
            + ", "
            + gap_text(pl.col("other_gap_days"))
        )
        .otherwise(pl.lit(fmt.DASH))
    )


def different_year() -> pl.Expr:
    """The claim's date is outside the official figure's year (the year ending ``official_end``:
    a financial year for spending, the year to the snapshot date otherwise)."""
    start = pl.col("official_end").dt.offset_by("-1y")
    return (pl.col("date") <= start) | (pl.col("date") > pl.col("official_end"))


def claim_text() -> pl.Expr:
    return pl.col("value_as_stated") + " " + pl.col("unit")


def official_text() -> pl.Expr:
    """The official figure with whose measure it is, and the scale caveat for money."""
    what = pl.col("indicator_id").replace_strict(OFFICIAL_LABELS, default=pl.col("olabel"))
    scale = pl.when(pl.col("relation") == "scale").then(
        pl.when(different_year())
        .then(pl.lit(": for scale only, a different year and measure"))
        .otherwise(pl.lit(": for scale only, a different measure"))
    )
    return (
        pl.when(pl.col("official_value").is_not_null())
        .then(figure("official_value") + ", " + what + pl.coalesce(scale, pl.lit("")))
        .when(pl.col("indicator_id").is_not_null())
        .then(pl.lit("no official figure for this council"))
        .otherwise(
            pl.lit("no official counterpart: ")
            + pl.col("kind").replace_strict(
                NO_MATCH, default="not a figure any official source publishes"
            )
        )
    )


def claims_frame(ctx: Context) -> pl.DataFrame:
    claims = ctx.frames["announcements"].with_columns(pl.col(pl.Enum).cast(pl.String))
    numbered = claims.filter(pl.col("value").is_not_null())
    matched = nearest_official(ctx, match_rules(numbered, rule_frame(ctx)))
    meta = ctx.indicators.select(
        "indicator_id",
        pl.col("label").alias("olabel"),
        pl.col("unit").cast(pl.String).alias("ounit"),
        "decimals",
    )
    publishers = ctx.sources.select(
        pl.col("source_id").alias("official_source"),
        short_publisher(pl.col("publisher")).alias("publisher"),
    )
    names = ctx.area_names.select(
        pl.col("unit_code").alias("area_code"), pl.col("area").alias("council")
    )
    return (
        matched.join(meta, on="indicator_id", how="left")
        .join(publishers, on="official_source", how="left")
        .join(names, on="area_code", how="left")
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


def claims_table(ctx: Context) -> fmt.Table:
    frame = claims_frame(ctx)
    total = ctx.frames["announcements"].height
    subtitle = (
        f"The {frame.height} of {total} recorded announcements that state a number, each beside "
        "the official figure for the same council and the nearest period. Claims are not "
        "official statistics; each side is labelled with whose measure it is."
    )
    shown = frame.select(
        pl.col("council").alias("group"),
        pl.col("date_as_stated").alias("when"),
        claim_text().alias("claim"),
        pl.col("basis")
        .replace_strict(BASIS_LABELS, default="council or press statement")
        .alias("basis"),
        official_text().alias("official"),
        fmt.period_text(pl.col("official_period"), pl.col("official_end")).alias("period"),
        gap_text(pl.col("gap_days")).alias("gap"),
        other_text().alias("other"),
        pl.col("certainty")
        .replace_strict(CERTAINTY_LABELS, default=pl.col("certainty"))
        .alias("certainty"),
        pl.col("source_url").alias("source"),
    )
    gt = (
        fmt.base_gt(shown, STEM.replace("/", "-"), TITLE, subtitle, groupname_col="group")
        .pipe(fmt.link_cells, "group", area_targets(ctx))
        .tab_spanner("The claim", columns=["when", "claim", "basis", "certainty", "source"])
        .tab_spanner("The official statistics", columns=["official", "period", "gap", "other"])
        .cols_move_to_end(["official", "period", "gap", "other"])
        .cols_label(
            when="When (as stated)",
            claim="What was said",
            basis="Whose figure",
            certainty="Certainty",
            source="Source",
            official="Nearest official figure (whose measure)",
            period="Period",
            gap="Time between",
            other="Official figure on the other side of the claim date",
        )
        .fmt(lambda url: fmt.safe_link(url, text="source"), columns="source")
        .sub_missing(["period", "gap"], missing_text=fmt.DASH)
    )
    money_periods = (
        frame.filter(pl.col("relation") == "scale")["official_period"].drop_nulls().unique().sort()
    )
    money_years = " and ".join(money_periods.to_list()) or "latest"
    notes = [
        f"{fmt.DASH} in Period and Time between: there is no official figure to compare with.",
        f"Money claims (GBP million) are set beside the council's {money_years} children's social "
        "care net current expenditure from MHCLG's revenue outturn (RO3), or its agency-staff "
        "memorandum line for agency spending, only to show the scale: a different definition, "
        "and a different year unless the claim is dated within that year.",
        claims_source_line(ctx, frame),
    ]
    gt = fmt.add_notes(gt, notes)
    data = frame.select(
        *CLAIM_HEAD,
        "value",
        "value_to",
        "qualifier",
        *CLAIM_TAIL,
        pl.col("indicator_id").alias("official_indicator"),
        "relation",
        "official_period",
        "official_end",
        "official_value",
        "official_source",
        "gap_days",
        official_text().alias("official_shown"),
        "other_official_period",
        "other_official_end",
        "other_official_value",
        "other_gap_days",
        different_year().alias("official_different_year"),
    )
    return fmt.Table(STEM, TITLE, subtitle, gt, data, png=True, sheet="claims")


# ---------------------------------------------------------------------------- Ofsted grade claims

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
MATCHES, DIFFERS = "matches", "differs"
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
        .pipe(fmt.link_cells, "group", area_targets(ctx))
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
    gt = fmt.add_notes(gt, notes)
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
