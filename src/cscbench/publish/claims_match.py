"""Which official figure a numeric claim is set beside, and whether it is the same measure.

Split from :mod:`cscbench.publish.claims` (the tables) by responsibility: the rules that pair a
claim with an indicator (:data:`RULES`), the claim's time as a window (``date`` to ``date_end``
of the announcements resource, so "c. mid-2022" is May to August 2022, never 1 January), the
nearest official figure whose period covers that window, and the years a claim quoting DfE states.

"The same measure" holds only where the statistic's definition is the claim's: a council's own
caseload count is not DfE's average caseload per case-holding FTE social worker
(``caseload_fte``), so it is paired as ``different`` and shown for context, saying so. A claim is
never set beside a spending return line that is zero or missing for that council and the year
its time falls in (Bradford's "£12.3m agency spend" in 2022 beside a 2022-23 line of £0k).
"""

from __future__ import annotations

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.package import labels
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context

MONEY_TOTAL = "ro3_csctot_net_cur_exp"
MONEY_AGENCY = "ro3_cscsvmem_run_exp"
SPENDING_CHANGE = "csc_net_expenditure_change_gbp_thousand"
SPENDING_CHANGE_PERCENT = "csc_net_expenditure_change_percent"
COMPARABLE_DAYS = 396  # "within about 13 months": a year between snapshots, plus a month's slack
MEASURE, CHANGE, SCALE = "measure", "change", "scale"
# The claim names what the statistic counts, but by another definition: shown for context only.
DIFFERENT = "different"
DFE = "dfe_statistics"
ANY = None
# Claims dated only to a year, a financial year or roughly are set only beside a figure whose
# period covers part of their time; a day or a month is precise enough to take the nearest.
ROUGH = ("year", "financial_year", "approximate")
MONEY_UNITS = ("gbp_thousand",)  # spending return lines: a zero there is no figure to compare

# (kind, pattern on the claim's unit, official indicator, how the two relate, the claim basis
# whose definition is the statistic's). First match wins. The patterns are anchored on the unit
# text the announcements resource uses; anything else has no counterpart, and the context table
# says why. A rate DfE defines on FTE (caseload per case-holding FTE, agency and vacancy rates of
# FTE) is the same measure only as DfE's own figure quoted (basis ``dfe_statistics``): a council's
# count ("above 30 cases per worker") is a different measure (relation :data:`DIFFERENT`). A
# headcount or a count of children is the same whoever counts it.
RULES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("caseload", r"^average (cases per social worker|caseload)", "caseload_fte", MEASURE, DFE),
    ("agency", r"^percent .*agenc", "agency_rate_fte", MEASURE, DFE),
    ("agency", r"^agency social workers$", "agency_headcount", MEASURE, ANY),
    ("agency", r"^GBP million", MONEY_AGENCY, SCALE, ANY),
    ("looked_after", r"^children looked after$", "cla_31_march_count", MEASURE, ANY),
    ("workforce", r"^social workers leaving", "leavers_headcount", MEASURE, ANY),
    ("workforce", r"^social workers directly employed", "inpost_headcount", MEASURE, ANY),
    ("workforce", r"^percent social worker vacancy rate", "vacancy_rate_fte", MEASURE, DFE),
    ("investment", r"^GBP million", SPENDING_CHANGE, CHANGE, ANY),
    ("*", r"^GBP million", MONEY_TOTAL, SCALE, ANY),
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
BASIS_LABELS = labels.labels("announcements", "basis")
CERTAINTY_LABELS = labels.labels("announcements", "certainty")
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
    "date_end",
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


def rule_frame(ctx: Context) -> pl.DataFrame:
    have = set(ctx.indicators["indicator_id"])
    rows = [r for r in RULES if r[2] in have]
    return pl.DataFrame(
        rows,
        schema={
            "rule_kind": pl.String,
            "rule_unit": pl.String,
            "indicator_id": pl.String,
            "relation": pl.String,
            "same_basis": pl.String,
        },
        orient="row",
    ).with_row_index("rule")


def match_rules(claims: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """The first rule whose kind and unit pattern fit each claim (or none); a claim whose basis is
    not the one the statistic's definition needs is paired as :data:`DIFFERENT`."""
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
    other_basis = pl.col("same_basis").is_not_null() & (
        pl.col("basis").fill_null("") != pl.col("same_basis")
    )
    return claims.join(
        hits.select("announcement_id", "indicator_id", "relation", "same_basis"),
        on="announcement_id",
        how="left",
        maintain_order="left",
    ).with_columns(
        pl.when(other_basis).then(pl.lit(DIFFERENT)).otherwise("relation").alias("relation")
    )


OFFICIAL = [
    "official_covers",
    "official_period",
    "official_end",
    "official_value",
    "official_source",
    "official_caveat",
    "gap_days",
]
# A period covering a roughly dated claim first, then nearest; equally near: the earlier snapshot,
# then by period (a total order).
NEAREST_FIRST = [
    "announcement_id",
    ~pl.col("official_covers"),
    pl.col("gap_days").abs(),
    "official_end",
    "official_period",
]


def official_figures(ctx: Context, *, gaps: bool = False) -> pl.DataFrame:
    """Every published or computed figure with a value, by series code, as claims meet them;
    with ``gaps``, also the empty ones (with their ``official_status``)."""
    rows = ctx.series if gaps else ctx.series.filter(pl.col("value").is_not_null())
    return rows.select(
        "unit_code",
        "indicator_id",
        pl.col("period").alias("official_period"),
        pl.col("period_end").alias("official_end"),
        pl.col("value").alias("official_value"),
        pl.col("source_id").alias("official_source"),
        pl.col("caveat").alias("official_caveat"),
        *([pl.col("status").alias("official_status")] if gaps else []),
    )


def window_gap() -> pl.Expr:
    """Days from the claim's time (``date`` to ``date_end``) to the figure's date: 0 when the
    figure is dated within it, else to the nearer end (negative: the figure is earlier)."""
    before = (pl.col("official_end") - pl.col("date")).dt.total_days()
    after = (pl.col("official_end") - pl.col("date_end")).dt.total_days()
    return pl.when(before < 0).then(before).when(after > 0).then(after).otherwise(pl.lit(0))


def covers() -> pl.Expr:
    """The figure's period (the year to ``official_end``: a financial year for spending, the year
    to a snapshot otherwise) covers part of the claim's time."""
    start = pl.col("official_end").dt.offset_by("-1y")
    return (pl.col("date_end") > start) & (pl.col("date") <= pl.col("official_end"))


def gap_lines(ctx: Context, candidates: pl.DataFrame) -> pl.DataFrame:
    """Claims whose time falls in a year for which the council's spending return line (the one
    the claim would be set beside) is zero or missing: ``gap_line`` says which, in words. Such a
    claim is set beside no figure at all, never beside another year's (issue 21)."""
    units = ctx.indicators.select("indicator_id", pl.col("unit").cast(pl.String).alias("_unit"))
    meanings = fmt.status_meanings()
    status = pl.col("official_status").replace_strict(
        meanings, default=pl.col("official_status"), return_dtype=pl.String
    )
    what = (
        pl.when(pl.col("official_value") == 0)
        .then(pl.lit("shows 0"))
        .otherwise(pl.lit("has no figure (") + pl.coalesce(status, pl.lit("not published")) + ")")
    )
    return (
        candidates.join(units, on="indicator_id", how="left")
        .filter(
            pl.col("_unit").is_in(MONEY_UNITS),
            covers(),
            pl.col("official_value").is_null()
            | ((pl.col("official_value") == 0) & (pl.col("relation") == SCALE)),
        )
        .sort("announcement_id", "official_end")
        .group_by("announcement_id", maintain_order=True)
        .agg(
            pl.format("the council's {} return {} on this line", "official_period", what)
            .str.join("; ")
            .alias("gap_line")
        )
    )


def nearest_official(ctx: Context, claims: pl.DataFrame) -> pl.DataFrame:
    """For each matched claim, the same council's official figure nearest its time, and the
    nearest one on the other side of it (``other_*``), so a reader sees both snapshots around a
    claim (Bradford's January 2023 "almost 40%": September 2022 and September 2023).

    A claim dated roughly (:data:`ROUGH`) takes a figure whose period covers part of its time
    first ("c. mid-2022": September 2022, never September 2021), and is comparable only with
    such a figure (``official_covers``); one whose year's spending line is zero or missing is set
    beside none (``gap_line`` says why)."""
    keyed = compare.to_series_code(claims, ctx.areas)
    every = (
        keyed.filter(pl.col("indicator_id").is_not_null())
        .join(official_figures(ctx, gaps=True), on=["unit_code", "indicator_id"])
        .with_columns(
            window_gap().alias("gap_days"),
            (~pl.col("date_precision").is_in(ROUGH) | covers()).alias("official_covers"),
        )
    )
    missing = gap_lines(ctx, every)
    candidates = (
        every.filter(
            pl.col("official_value").is_not_null(),
            ~pl.col("announcement_id").is_in(missing["announcement_id"].implode()),
        )
        .drop("official_status")
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
    return (
        keyed.join(nearest, on="announcement_id", how="left", maintain_order="left")
        .join(other, on="announcement_id", how="left", maintain_order="left")
        .join(missing, on="announcement_id", how="left", maintain_order="left")
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


# ---------------------------------------------------------------------------- comparable or not


def years_held() -> pl.Expr:
    """A claim quoting DfE years has DfE's figure for each year it states."""
    return pl.col("stated_from_value").is_not_null() & (
        pl.col("value_to").is_null() | pl.col("stated_to_value").is_not_null()
    )


def comparable() -> pl.Expr:
    """Same measure (or announced investment beside the spending change) and near enough in
    time: within :data:`COMPARABLE_DAYS`, or exactly the years a claim quoting DfE states."""
    near = (pl.col("gap_days").abs() <= COMPARABLE_DAYS) & pl.col("official_covers")
    timely = pl.when(pl.col("year_from").is_not_null()).then(years_held()).otherwise(near)
    return (pl.col("relation").is_in([MEASURE, CHANGE]) & timely).fill_null(False)
