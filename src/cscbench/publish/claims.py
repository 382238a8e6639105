"""What councils said vs what the statistics show.

Numeric claims are split in two tables. **Comparable**: the claim has an official figure for the
same council and the same measure (:data:`RULES`, relation ``measure``) dated within about 13
months of it (:data:`COMPARABLE_DAYS`), or, for a claim quoting DfE statistics for stated years
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
"""

from __future__ import annotations

import polars as pl
from great_tables import GT

from cscbench import comparison as compare
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import area_targets
from cscbench.publish.history import FRAMEWORK_LABELS

STEM = "claims/claims-vs-statistics"
TITLE = "What councils said vs what the statistics show"
CONTEXT_STEM = "claims/claims-for-context"
CONTEXT_TITLE = "What councils said, for context: claims with no comparable official figure"
MONEY_TOTAL = "ro3_csctot_net_cur_exp"
MONEY_AGENCY = "ro3_cscsvmem_run_exp"
SPENDING_CHANGE = "csc_net_expenditure_change_gbp_thousand"
SPENDING_CHANGE_PERCENT = "csc_net_expenditure_change_percent"
COMPARABLE_DAYS = 396  # "within about 13 months": a year between snapshots, plus a month's slack
MEASURE, CHANGE, SCALE = "measure", "change", "scale"

# (kind, pattern on the claim's unit, official indicator, how the two relate). First match wins.
# The patterns are anchored on the unit text the announcements resource uses; anything else has no
# counterpart, and the context table says why.
RULES: tuple[tuple[str, str, str, str], ...] = (
    ("caseload", r"^average (cases per social worker|caseload)", "caseload_fte", MEASURE),
    ("agency", r"^percent .*agenc", "agency_rate_fte", MEASURE),
    ("agency", r"^agency social workers$", "agency_headcount", MEASURE),
    ("agency", r"^GBP million", MONEY_AGENCY, SCALE),
    ("looked_after", r"^children looked after$", "cla_31_march_count", MEASURE),
    ("workforce", r"^social workers leaving", "leavers_headcount", MEASURE),
    ("workforce", r"^social workers directly employed", "inpost_headcount", MEASURE),
    ("workforce", r"^percent social worker vacancy rate", "vacancy_rate_fte", MEASURE),
    ("investment", r"^GBP million", SPENDING_CHANGE, CHANGE),
    ("*", r"^GBP million", MONEY_TOTAL, SCALE),
)
NO_MATCH = {
    "caseload": "a target, threshold, share or change: DfE publishes no like-for-like figure",
    "looked_after": "a change over a year: compare the DfE counts for the two years instead",
    "workforce": "no DfE figure counts the same group",
    "agency": "no DfE figure counts the same thing",
    "investment": "not a sum of money: no official figure counts it",
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
    SPENDING_CHANGE: "change in MHCLG RO3 children's social care net current expenditure on the "
    "previous year",
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
# The years a claim quoting DfE statistics states: "(DfE workforce stats 2017 -> 2020)", "2016 vs
# 2020 (official statistics quoted)". The first year goes with ``value``, the second with
# ``value_to``.
STATED_YEARS = r"\b((?:19|20)\d{2})\s*(?:->|vs\.?|to)\s*((?:19|20)\d{2})\b"
MATCHES, DIFFERS = "matches", "differs"


# The claim's own columns in the CSV exports, before and after its figures (same order in every
# claims table).
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
    frame = claims_frame(ctx)
    tables = [claims_table(ctx, frame), context_table(ctx, frame)]
    intro = [
        "These are claims made by councils and in the press, not official statistics. Councils' "
        "own figures often use a different basis from DfE's (for example, a council's caseload "
        "count is not DfE's average caseload per case-holding FTE social worker), so the two "
        "columns are shown side by side and never combined.",
        "The first table holds the claims that have a comparable official figure: the same "
        "measure for the same council within about 13 months of the claim, or the exact years a "
        "claim quoting DfE states. The second holds every other claim that states a number, with "
        "the reason it cannot be compared and, where there is one, an official figure for "
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


OFFICIAL = [
    "official_period",
    "official_end",
    "official_value",
    "official_source",
    "official_caveat",
    "gap_days",
]
# Nearest first; equally near: the earlier snapshot, then by period (a total order).
NEAREST_FIRST = ["announcement_id", pl.col("gap_days").abs(), "official_end", "official_period"]


def official_figures(ctx: Context) -> pl.DataFrame:
    """Every published or computed figure with a value, by series code, as claims meet them."""
    return ctx.series.filter(pl.col("value").is_not_null()).select(
        "unit_code",
        "indicator_id",
        pl.col("period").alias("official_period"),
        pl.col("period_end").alias("official_end"),
        pl.col("value").alias("official_value"),
        pl.col("source_id").alias("official_source"),
        pl.col("caveat").alias("official_caveat"),
    )


def nearest_official(ctx: Context, claims: pl.DataFrame) -> pl.DataFrame:
    """For each matched claim, the same council's official figure nearest its date, and the
    nearest one on the other side of the date (``other_*``), so a reader sees both snapshots
    around a claim (Bradford's January 2023 "almost 40%": September 2022 and September 2023)."""
    keyed = compare.to_series_code(claims, ctx.areas)
    gap = (pl.col("official_end") - pl.col("date")).dt.total_days()
    candidates = (
        keyed.filter(pl.col("indicator_id").is_not_null())
        .join(official_figures(ctx), on=["unit_code", "indicator_id"])
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


# ---------------------------------------------------------------------------- stated DfE years


def stated_years() -> list[pl.Expr]:
    """``year_from`` and ``year_to``: the years a claim quoting DfE statistics states, read from
    its unit or its date as stated (null for any other claim)."""
    text = pl.concat_str(pl.col("unit"), pl.col("date_as_stated"), separator=" ")
    quoted = pl.col("basis") == "dfe_statistics"
    return [
        pl.when(quoted).then(text.str.extract(STATED_YEARS, n)).alias(name)
        for n, name in ((1, "year_from"), (2, "year_to"))
    ]


def stated_figures(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame:
    """The official figures for exactly the years a claim states (``stated_from_value`` with the
    claim's ``value``, ``stated_to_value`` with its ``value_to``)."""
    figures = official_figures(ctx).select(
        "unit_code", "indicator_id", "official_period", "official_value"
    )
    for side in ("from", "to"):
        frame = frame.join(
            figures.rename(
                {"official_period": f"year_{side}", "official_value": f"stated_{side}_value"}
            ),
            on=["unit_code", "indicator_id", f"year_{side}"],
            how="left",
            maintain_order="left",
        )
    return frame


def claim_decimals(value: pl.Expr) -> pl.Expr:
    """The decimals a claimed number was stated with: 19.5 -> 1, 17 -> 0, 0.321679 -> 6."""
    digits = value.cast(pl.String).str.extract(r"\.(\d*[1-9])", 1).str.len_chars()
    return digits.fill_null(0)


def year_verdict(claimed: pl.Expr, official: pl.Expr) -> pl.Expr:
    """Whether DfE's figure, rounded as the claim was stated, is the claimed number."""
    same = fmt.rounded(official, claim_decimals(claimed)) == claimed
    return (
        pl.when(claimed.is_null() | official.is_null())
        .then(None)
        .when(same)
        .then(pl.lit(MATCHES))
        .otherwise(pl.lit(DIFFERS))
    )


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


# ---------------------------------------------------------------------------- comparable or not


def years_held() -> pl.Expr:
    """A claim quoting DfE years has DfE's figure for each year it states."""
    return pl.col("stated_from_value").is_not_null() & (
        pl.col("value_to").is_null() | pl.col("stated_to_value").is_not_null()
    )


def comparable() -> pl.Expr:
    """Same measure (or announced investment beside the spending change) and near enough in
    time: within :data:`COMPARABLE_DAYS`, or exactly the years a claim quoting DfE states."""
    near = pl.col("gap_days").abs() <= COMPARABLE_DAYS
    timely = pl.when(pl.col("year_from").is_not_null()).then(years_held()).otherwise(near)
    return (pl.col("relation").is_in([MEASURE, CHANGE]) & timely).fill_null(False)


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
        .otherwise(
            pl.lit("the nearest official figure is ")
            + gap_text(pl.col("gap_days"))
            + ": too far apart to compare"
        )
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


# ---------------------------------------------------------------------------- text


def figure(value: str) -> pl.Expr:
    """An official figure in its unit; money also in £ million, the unit claims use; a change
    with its sign and, for spending, the percentage change beside it."""
    number = fmt.with_unit(fmt.number_text(pl.col(value), pl.col("decimals")), pl.col("ounit"))
    millions = fmt.number_text(pl.col(value) / 1000, pl.lit(1))
    money = pl.col("ounit") == "gbp_thousand"
    shown = pl.when(money).then(number + " (£" + millions + "m)").otherwise(number)
    change = pl.col("relation") == CHANGE
    sign = pl.when(change & (pl.col(value) > 0)).then(pl.lit("+")).otherwise(pl.lit(""))
    percent = pl.when(
        change & (value == "official_value") & pl.col("official_percent").is_not_null()
    ).then(
        pl.lit(", ")
        + pl.when(pl.col("official_percent") > 0).then(pl.lit("+")).otherwise(pl.lit(""))
        + fmt.number_text(pl.col("official_percent"), pl.lit(1))
        + "%"
    )
    return sign + shown + pl.coalesce(percent, pl.lit(""))


def other_text() -> pl.Expr:
    """The figure on the other side of the claim date, with its period and gap."""
    return (
        pl.when(pl.col("other_official_value").is_not_null() & pl.col("year_from").is_null())
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
    """What was said, its unit printed once: a percentage claim already carrying "%" does not get
    "percent" again ("+38% rise in caseloads since 2018"), one without gets the sign ("almost 40%
    of social workers from agencies"), and "per worker" already said is not repeated."""
    stated = pl.col("value_as_stated")
    # "3000 per worker" with unit "GBP per worker (...)": the "per worker" is said once
    per = r"(per \w+)"
    repeated = stated.str.extract(per, 1) == pl.col("unit").str.extract(per, 1)
    unit = (
        pl.when(repeated.fill_null(False))
        .then(pl.col("unit").str.replace(r"\s*per \w+", ""))
        .otherwise(pl.col("unit"))
    )
    percent = unit.str.starts_with("percent ")
    rest = unit.str.strip_prefix("percent ")
    return (
        pl.when(percent & stated.str.contains("%", literal=True))
        .then(stated + " " + rest)
        .when(percent)
        .then(stated + "% " + rest)
        .otherwise(stated + " " + unit)
    )


def official_text() -> pl.Expr:
    """The official figure with whose measure it is (the years stated, for a claim quoting DfE),
    the scale caveat for money, and its own caveat when it is flagged."""
    what = pl.col("indicator_id").replace_strict(OFFICIAL_LABELS, default=pl.col("olabel"))
    scale = pl.when(pl.col("relation") == SCALE).then(
        pl.when(different_year())
        .then(pl.lit(": for scale only, a different year and measure"))
        .otherwise(pl.lit(": for scale only, a different measure"))
    )
    change = pl.when(pl.col("relation") == CHANGE).then(pl.lit(", ") + pl.col("official_period"))
    flagged = pl.when(pl.col("official_caveat").is_not_null()).then(
        pl.lit(" (flagged figure: ") + pl.col("official_caveat") + ")"
    )
    stated = pl.concat_str(
        pl.when(pl.col("stated_from_value").is_not_null()).then(
            "DfE " + pl.col("year_from") + ": " + fmt_stated("stated_from_value")
        ),
        pl.when(pl.col("stated_to_value").is_not_null()).then(
            "DfE " + pl.col("year_to") + ": " + fmt_stated("stated_to_value")
        ),
        separator="; ",
        ignore_nulls=True,
    )
    return (
        pl.when(pl.col("year_from").is_not_null() & years_held())
        .then(stated + ", " + what)
        .when(pl.col("official_value").is_not_null())
        .then(
            figure("official_value")
            + ", "
            + what
            + pl.coalesce(change, pl.lit(""))
            + pl.coalesce(scale, pl.lit(""))
            + pl.coalesce(flagged, pl.lit(""))
        )
        .when(pl.col("indicator_id").is_not_null())
        .then(pl.lit("no official figure for this council"))
        .otherwise(pl.lit(fmt.DASH))
    )


def fmt_stated(column: str) -> pl.Expr:
    return fmt.with_unit(fmt.number_text(pl.col(column), pl.col("decimals")), pl.col("ounit"))


def period_shown() -> pl.Expr:
    """The official figure's period; the years stated for a claim quoting DfE."""
    return (
        pl.when(pl.col("year_from").is_not_null() & years_held())
        .then(
            pl.concat_str(
                pl.col("year_from"), pl.col("year_to"), separator=" and ", ignore_nulls=True
            )
        )
        .otherwise(fmt.period_text(pl.col("official_period"), pl.col("official_end")))
    )


def gap_shown() -> pl.Expr:
    return (
        pl.when(pl.col("year_from").is_not_null() & years_held())
        .then(pl.lit("the years the claim states"))
        .otherwise(gap_text(pl.col("gap_days")))
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
        f"Comparable: the same measure for the same council, dated within {COMPARABLE_DAYS} days "
        "(about 13 months) of the claim; a claim quoting DfE statistics for stated years is set "
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
        *official_columns(),
        different_year().alias("official_different_year"),
    )
    return fmt.Table(
        CONTEXT_STEM, CONTEXT_TITLE, subtitle, gt, data, png=True, sheet="claims context"
    )


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
