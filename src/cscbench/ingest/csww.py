"""DfE children's social work workforce (CSWW) headline indicators, 2017-2025."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.common import Contribution, ees_contribution
from cscbench.ingest.indicators import NON_NEGATIVE, PERCENT, indicator, indicator_frame

SOURCE_ID = "dfe_csww_2025"
FILE = "dfe/csww_indicators_2017_to_2025.csv"
KIRKLEES = "E08000034"

_COUNT = {"unit": "fte", "decimals": 1, "polarity": "neutral", "valid": NON_NEGATIVE}
_HEAD = {"unit": "number", "decimals": 0, "polarity": "neutral", "valid": NON_NEGATIVE}
_RATE = {"unit": "percent", "decimals": 1, "valid": PERCENT}

# Published column -> (label, shape, definition). Ids are the publisher's column names.
COLUMNS: dict[str, tuple[str, dict[str, object], str]] = {
    "inpost_fte": (
        "Social workers in post (FTE)",
        _COUNT,
        "Children and family social workers in post at 30 September, full-time equivalent.",
    ),
    "inpost_headcount": (
        "Social workers in post (headcount)",
        _HEAD,
        "Children and family social workers in post at 30 September, headcount.",
    ),
    "starters_fte": (
        "Starters (FTE)",
        _COUNT,
        "Social workers who started in the year to 30 September, FTE.",
    ),
    "starters_headcount": (
        "Starters (headcount)",
        _HEAD,
        "Social workers who started in the year to 30 September, headcount.",
    ),
    "leavers_fte": (
        "Leavers (FTE)",
        _COUNT,
        "Social workers who left in the year to 30 September, FTE.",
    ),
    "leavers_headcount": (
        "Leavers (headcount)",
        _HEAD,
        "Social workers who left in the year to 30 September, headcount.",
    ),
    "turnover_rate_fte": (
        "Turnover rate (FTE)",
        {**_RATE, "polarity": "low_is_good"},
        "Leavers in the year as a percentage of social workers in post at 30 September, FTE.",
    ),
    "turnover_rate_headcount": (
        "Turnover rate (headcount)",
        {**_RATE, "polarity": "low_is_good"},
        "Leavers in the year as a percentage of social workers in post, headcount.",
    ),
    "agency_fte": (
        "Agency social workers (FTE)",
        _COUNT,
        "Agency (not directly employed) social workers at 30 September, FTE.",
    ),
    "agency_headcount": (
        "Agency social workers (headcount)",
        _HEAD,
        "Agency social workers at 30 September, headcount.",
    ),
    "agency_rate_fte": (
        "Agency worker rate (FTE)",
        {**_RATE, "polarity": "low_is_good"},
        "Agency social workers as a percentage of all social workers (in post plus agency), FTE, at 30 September.",
    ),
    "agency_rate_headcount": (
        "Agency worker rate (headcount)",
        {**_RATE, "polarity": "low_is_good"},
        "Agency social workers as a percentage of all social workers, headcount.",
    ),
    "agency_cover_fte": (
        "Agency workers covering vacancies (FTE)",
        _COUNT,
        "Agency social workers covering vacant posts at 30 September, FTE.",
    ),
    "agency_cover_rate_fte": (
        "Agency cover rate (FTE)",
        {**_RATE, "polarity": "neutral"},
        "Agency social workers covering vacancies as a percentage of agency social workers, FTE.",
    ),
    "vacancy_fte": ("Vacancies (FTE)", _COUNT, "Vacant social worker posts at 30 September, FTE."),
    "vacancy_rate_fte": (
        "Vacancy rate (FTE)",
        {**_RATE, "polarity": "low_is_good"},
        "Vacancies as a percentage of vacancies plus social workers in post, FTE, at 30 September.",
    ),
    "vacancy_agency_cover_rate_fte": (
        "Vacancies covered by agency workers (FTE)",
        {**_RATE, "polarity": "neutral"},
        "Vacancies covered by agency workers as a percentage of vacancies, FTE.",
    ),
    "case_holders_fte": (
        "Case-holding social workers (FTE)",
        _COUNT,
        "Social workers holding one or more cases at 30 September, FTE.",
    ),
    "cases": ("Cases held", _HEAD, "Cases held by case-holding social workers at 30 September."),
    "caseload_fte": (
        "Average caseload (cases per case-holding FTE)",
        {"unit": "cases_per_fte", "decimals": 1, "polarity": "low_is_good", "valid": (0.0, 200.0)},
        "Average number of cases per case-holding FTE social worker at 30 September (DfE statutory return basis; not comparable with caseload figures councils quote).",
    ),
    "working_days_lost_fte": (
        "Working days lost to sickness (FTE)",
        {**_COUNT, "unit": "days"},
        "Working days lost to sickness absence in the year, FTE social workers.",
    ),
    "absence_rate_fte": (
        "Sickness absence rate (FTE)",
        {**_RATE, "polarity": "low_is_good"},
        "Working days lost to sickness as a percentage of available working days, FTE.",
    ),
}

AGENCY_CAVEAT = (
    "Kirklees reports an agency rate of 0.0 for 2021 to 2025; published as is, but implausible "
    "beside other councils: check with the council before relying on it."
)


def _indicators() -> pl.DataFrame:
    return indicator_frame(
        [
            indicator(
                column,
                label,
                theme="workforce",
                source_id=SOURCE_ID,
                definition=definition,
                caveats=AGENCY_CAVEAT if column == "agency_rate_fte" else None,
                **shape,  # type: ignore[arg-type]
            )
            for column, (label, shape, definition) in COLUMNS.items()
        ]
    )


def ingest(raw_dir: Path) -> Contribution:
    kirklees_zero = (
        (pl.col("area_code") == KIRKLEES)
        & pl.col("indicator_id").is_in(["agency_rate_fte", "agency_fte"])
        & (pl.col("value") == 0)
    )
    note = pl.when(kirklees_zero).then(
        pl.lit("Published as zero; implausible beside other councils, check before use.")
    )
    return ees_contribution(
        raw_dir / FILE, {c: c for c in COLUMNS}, (9, 30), SOURCE_ID, _indicators(), note
    )
