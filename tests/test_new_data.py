"""The 0.2 data: a figure from each new raw file pinned against the file read independently here
(the standard library's csv module, or the ODS's own XML), suppression symbols and a missing return
kept, the computed investment figures, and Ofsted's in-year visits."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from test_ingest_revenue_outturn import ods_rows, published_cells, write_ods

from cscbench.analysis import comparison as compare
from cscbench.core.names import NameMatchError
from cscbench.ingest import ofsted_inyear, revenue_outturn
from cscbench.ingest.common import RawInputError
from cscbench.ingest.registry import default_registry

pytestmark = pytest.mark.raw

REGISTRY = default_registry()
LEEDS, WAKEFIELD, BRADFORD, GATESHEAD = "E08000035", "E08000036", "E08000032", "E08000037"
ENGLAND, YORKSHIRE = "E92000001", "E12000003"


def raw_path(raw_dir: Path, source_id: str) -> Path:
    return raw_dir / str(REGISTRY.source(source_id).raw_path)


def raw_cell(raw_dir: Path, source_id: str, column: str, **where: str) -> str:
    """One cell of a raw EES CSV, found with the standard library (an independent reader)."""
    with raw_path(raw_dir, source_id).open(encoding="utf-8-sig", newline="") as handle:
        (hit,) = [r for r in csv.DictReader(handle) if all(r[k] == v for k, v in where.items())]
    return hit[column]


def figure(frames: dict, indicator: str, area: str, period: str) -> dict[str, object]:
    obs = frames["observations"]
    return obs.filter(indicator_id=indicator, area_code=area, period=period).row(0, named=True)


def same(frames: dict, indicator: str, area: str, period: str, published: str) -> None:
    """The package holds the published cell exactly: a number as value, a symbol as status."""
    row = figure(frames, indicator, area, period)
    try:
        assert (row["value"], row["status"]) == (float(published), None)
    except ValueError:
        assert (row["value"], row["status"]) == (None, published)


LA = {"geographic_level": "Local authority"}


@pytest.mark.parametrize(
    ("source_id", "indicator", "column", "area", "period", "where"),
    [
        ("dfe_cin_c1", "rereferral_percent", "rereferral_percent", LEEDS, "2025", {}),
        ("dfe_cin_c1", "referral_count", "referral_count", WAKEFIELD, "2025", {}),
        # a suppressed cell (c) and a low-reliability one (u)
        ("dfe_cin_c1", "rereferral_percent", "rereferral_percent", "E06000053", "2024", {}),
        ("dfe_cin_c1", "rereferral_percent", "rereferral_percent", "E10000014", "2024", {}),
        ("dfe_cin_c4", "section47", "Section47", LEEDS, "2025", {}),
        ("dfe_cin_c4", "icpc", "ICPC", LEEDS, "2025", {}),
        # C4 keeps Gateshead's pre-2013 code up to 2019: the source's code is kept
        ("dfe_cin_c4", "section47", "Section47", "E08000020", "2013", {}),
        ("dfe_cin_c4", "section47", "Section47", "E06000053", "2024", {}),  # c
        ("dfe_cin_d3", "cpp_subsequent_percent", "CPP_subsequent_percent", LEEDS, "2025", {}),
        (
            "dfe_cin_d3",
            "cpp_subsequent_percent",
            "CPP_subsequent_percent",
            "E06000017",
            "2023",
            {},
        ),
        ("dfe_cin_d5", "cpp_at31", "CPP_At31", WAKEFIELD, "2025", {}),
        (
            "dfe_cin_d5",
            "cpp_2_years_or_more_percent",
            "2_years_or_more_percent",
            LEEDS,
            "2025",
            {},
        ),
        (
            "dfe_cin_d5",
            "cpp_2_years_or_more_percent",
            "2_years_or_more_percent",
            WAKEFIELD,
            "2025",
            {},
        ),
        (
            "dfe_care_leavers_activity",
            "care_leavers_19_21_eet_percent",
            "care_leaver_percent",
            LEEDS,
            "2025",
            {
                "care_leaver_age": "19 to 21 years",
                "breakdown": "Total in education, employment or training",
            },
        ),
        (
            "dfe_care_leavers_activity",
            "care_leavers_17_18_eet_percent",
            "care_leaver_percent",
            "E10000006",  # Cumbria, abolished: published as z
            "2025",
            {
                "care_leaver_age": "17 to 18 years",
                "breakdown": "Total in education, employment or training",
            },
        ),
        (
            "dfe_care_leavers_accommodation",
            "care_leavers_17_18_suitable_accommodation_percent",
            "care_leaver_percent",
            LEEDS,
            "2025",
            {"care_leaver_age": "17 to 18 years", "breakdown": "Accommodation considered suitable"},
        ),
        (
            "dfe_cla_placement_stability",
            "cla_3_plus_placements_percent",
            "children_percent",
            LEEDS,
            "2025",
            {
                "cla_group": "CLA on 31 March",
                "placement_stability": "With 3 or more placements during the year",
            },
        ),
        (
            "dfe_cla_placement_stability",
            "cla_long_term_stability_percent",
            "children_percent",
            WAKEFIELD,
            "2023",
            {"placement_stability": "Living with the same carer for at least 2 years"},
        ),
        (
            "dfe_cla_social_worker_changes",
            "cla_3_plus_social_workers_percent",
            "percentage",
            WAKEFIELD,
            "2024",
            {"sw_stability": "3 or more social workers during the year"},
        ),
        (
            "dfe_cla_social_worker_changes",
            "cla_3_plus_social_workers_percent",
            "percentage",
            "E09000003",  # Barnet: x
            "2024",
            {"sw_stability": "3 or more social workers during the year"},
        ),
    ],
)
def test_a_figure_from_each_new_dfe_file(
    raw_dir: Path,
    package_frames: dict,
    source_id: str,
    indicator: str,
    column: str,
    area: str,
    period: str,
    where: dict[str, str],
) -> None:
    published = raw_cell(
        raw_dir, source_id, column, time_period=period, new_la_code=area, **LA, **where
    )
    same(package_frames, indicator, area, period, published)
    assert figure(package_frames, indicator, area, period)["source_id"] == source_id


def test_suppression_symbols_are_the_documented_ones(package_frames: dict) -> None:
    from cscbench.package.statuses import STATUS_MEANINGS

    new = package_frames["observations"].filter(
        pl.col("source_id").str.contains("cin_c|cin_d|care_leavers|placement|social_worker")
    )
    assert set(new["status"].drop_nulls()) == {"c", "x", "z", "u"} <= set(STATUS_MEANINGS)


@pytest.mark.parametrize(
    ("source_id", "variable", "sheet"),
    [
        ("mhclg_ro3_2022_23", "RO3-csctot-net-cur-exp", "RO3_LA_Data_2022-23"),
        ("mhclg_ro3_2023_24", "RO3-csclkd-net-cur-exp", "RO3_LA_Data_2023-24"),
        ("mhclg_rsx_2022_23", "RSX-csc-net-cur-exp", "RSX_LA_Data_2022-23"),
        ("mhclg_rsx_2023_24", "RSX-csc-net-cur-exp", "RSX_LA_Data_2023-24"),
    ],
)
def test_a_figure_from_each_older_spending_workbook(
    raw_dir: Path, package_frames: dict, source_id: str, variable: str, sheet: str
) -> None:
    """Leeds's cell under the variable code, read from the ODS XML; RSX's equals RO3's total."""
    # the older workbooks put the variable codes above the data: read only up to Leeds's row
    rows = [cells for cells, _ in ods_rows(raw_path(raw_dir, source_id), sheet, until=LEEDS)]
    codes = next(r for r in rows if variable in r)
    published = rows[-1][codes.index(variable)]
    year = str(REGISTRY.source(source_id).periods[0])  # type: ignore[index]
    indicator = variable.lower().replace("-", "_").replace("rsx_csc_", "ro3_csctot_")
    same(package_frames, indicator, LEEDS, year, str(published))


@pytest.mark.slow
@pytest.mark.parametrize("year", ["2022-23", "2023-24"])
def test_older_spending_workbooks_read_by_variable_code(
    raw_dir: Path, package_frames: dict, year: str
) -> None:
    """Every RO3 cell of Leeds, Wakefield and England, read from the ODS XML, is the package's."""
    source_id = f"mhclg_ro3_{year.replace('-', '_')}"
    path = raw_path(raw_dir, source_id)
    cells = published_cells(path, f"RO3_LA_Data_{year}", "RO3")
    for area in (LEEDS, WAKEFIELD, ENGLAND):
        for i in REGISTRY.of_dataset("mhclg_ro3"):
            same(package_frames, i.indicator_id, area, year, str(cells[(area, str(i.column))]))


def test_a_missing_return_stays_empty_with_its_symbol(package_frames: dict) -> None:
    """Bradford's 2023-24 RO3 return was not received: every line is [x], and so are the figures
    computed from it; Yorkshire's total for that year is incomplete, not a sum of the rest."""
    obs = package_frames["observations"].filter(area_code=BRADFORD, period="2023-24")
    spending = obs.filter(pl.col("indicator_id").str.starts_with("ro3_"))
    assert spending.height == len(REGISTRY.of_dataset("mhclg_ro3"))
    assert set(spending["status"]) == {"[x]"} and spending["value"].null_count() == spending.height
    for computed in ("csc_net_expenditure_per_child_gbp", "csc_net_expenditure_change_percent"):
        assert figure(package_frames, computed, BRADFORD, "2023-24")["status"] == "[x]"
    region = figure(package_frames, "ro3_csctot_net_cur_exp", YORKSHIRE, "2023-24")
    assert (region["value"], region["status"]) == (None, "incomplete")
    assert (
        figure(package_frames, "ro3_csctot_net_cur_exp", YORKSHIRE, "2022-23")["status"]
        == "computed"
    )


def test_spending_change_and_per_child_year_pairing(package_frames: dict) -> None:
    """Change on the previous financial year, and per child on the mid-year inside it."""

    def value(indicator: str, area: str, period: str) -> float:
        return float(figure(package_frames, indicator, area, period)["value"])  # type: ignore[arg-type]

    total = {p: value("ro3_csctot_net_cur_exp", LEEDS, p) for p in ("2023-24", "2024-25")}
    assert total == {"2023-24": 243367.0, "2024-25": 256657.0}
    assert value("csc_net_expenditure_change_gbp_thousand", LEEDS, "2024-25") == 13290.0
    assert value("csc_net_expenditure_change_percent", LEEDS, "2024-25") == pytest.approx(
        13290 / 243367 * 100, rel=1e-12
    )
    for period, mid_year in (("2022-23", "2022"), ("2023-24", "2023"), ("2024-25", "2024")):
        per_child = value("csc_net_expenditure_per_child_gbp", LEEDS, period)
        population = value("population_0_17", LEEDS, mid_year)
        spend = value("ro3_csctot_net_cur_exp", LEEDS, period)
        assert per_child == pytest.approx(spend * 1000 / population, rel=1e-12)
    # North Yorkshire changed code in 2023: its 2023-24 change links to the old code's 2022-23
    linked = figure(
        package_frames, "csc_net_expenditure_change_gbp_thousand", "E06000065", "2023-24"
    )
    assert linked["value"] == 71196 - 63589 and "E10000023" in str(linked["note"])
    assert (
        package_frames["observations"]
        .filter(indicator_id="csc_net_expenditure_change_gbp_thousand", period="2022-23")
        .is_empty()
    )


def test_rates_per_10k_use_the_previous_mid_year(package_frames: dict) -> None:
    rate = figure(package_frames, "section47_rate_per_10k", LEEDS, "2025")
    count = figure(package_frames, "section47", LEEDS, "2025")["value"]
    population = figure(package_frames, "population_0_17", LEEDS, "2024")["value"]
    assert rate["value"] == pytest.approx(count / population * 10_000, rel=1e-12)  # type: ignore[operator]
    assert rate["status"] == "computed" and "mid-2024" in str(rate["note"])


def test_figure_notes_from_the_registry(package_frames: dict) -> None:
    harrow = figure(package_frames, "ro3_csclkd_net_cur_exp", "E09000015", "2023-24")
    assert harrow["value"] == 0 and str(harrow["note"]).startswith("MHCLG's first 2023-24 release")
    assert figure(package_frames, "ro3_csclkd_net_cur_exp", "E09000015", "2024-25")["note"] is None


# ---------------------------------------------------------------------------- Ofsted in-year


def test_visits_are_rows_that_never_count_as_judgements(
    raw_dir: Path, package_frames: dict
) -> None:
    inspections = package_frames["inspections"]
    visits = inspections.filter(pl.col("judgement") == "visit")
    for source_id, count in (
        ("ofsted_csc_data", 60),
        ("ofsted_la_outcomes_2023_24", 65),
        ("ofsted_la_outcomes_2024_25", 60),
    ):
        in_year = ofsted_inyear.read_in_year(raw_path(raw_dir, source_id), source_id)
        expected = in_year.filter(pl.col("kind").is_in(list(ofsted_inyear.VISIT_TYPES)))
        assert visits.filter(source_id=source_id).height == expected.height == count
    assert set(visits["inspection_type"]) == {"focused_visit", "monitoring_visit"}
    assert visits.select(
        pl.col("grade").is_null().all(),
        (pl.col("grade_status") == "not_graded_visit").all(),
        (pl.col("framework") == "ILACS").all(),
        pl.col("theme").is_not_null().all(),
        (pl.col("inspection_date") == pl.col("fieldwork_start")).all(),
    ).row(0) == (True, True, True, True, True)
    barking = visits.filter(area_code="E09000002", source_id="ofsted_la_outcomes_2024_25").row(
        0, named=True
    )
    assert (barking["fieldwork_start"], barking["publication_date"], barking["theme"]) == (
        dt.date(2025, 3, 26),
        dt.date(2025, 4, 29),
        "Children in need/subject to a plan",
    )
    graded = inspections.filter(pl.col("judgement") != "visit")
    assert graded["theme"].null_count() == graded.height
    assert graded["publication_date"].null_count() == 0
    latest = compare.latest_inspections(inspections, package_frames["areas"])
    assert latest["publication_date"].max() == graded["publication_date"].max()
    assert "visit" not in set(
        compare.inspection_series(inspections, package_frames["areas"])["judgement"]
    )
    # a council whose last Ofsted event is a visit keeps its last inspection as its latest
    barking_latest = latest.filter(unit_code="E09000002").row(0, named=True)
    assert barking_latest["publication_date"] < dt.date(2025, 4, 29)


def test_older_visits_are_keyed_by_their_date_with_no_publication_date(
    package_frames: dict,
) -> None:
    """The 2022-23 and 2023-24 sheets name councils only and give no publication date: their
    visits are rows keyed by the visit date, publication date empty (never invented)."""
    visits = compare.visits(package_frames["inspections"], package_frames["areas"])
    older = visits.filter(pl.col("source_id") != "ofsted_la_outcomes_2024_25")
    assert older.height == 125
    assert older["publication_date"].null_count() == older.height
    assert (
        visits.filter(source_id="ofsted_la_outcomes_2024_25")["publication_date"].null_count() == 0
    )
    seen = {
        (r["unit_code"], r["inspection_date"], r["inspection_type"], r["theme"])
        for r in older.iter_rows(named=True)
    }
    assert {
        (WAKEFIELD, dt.date(2023, 3, 28), "focused_visit", "Care leavers"),
        (BRADFORD, dt.date(2023, 7, 18), "monitoring_visit", "Front door"),
        (BRADFORD, dt.date(2023, 11, 8), "monitoring_visit", "Children in need/subject to a plan"),
    } <= seen
    order = visits.select("unit_code", "inspection_date", "inspection_type", "source_code")
    assert order.equals(order.sort(pl.all()))


def test_an_unmatched_name_in_an_older_sheet_stops_the_build(package_frames: dict) -> None:
    sheet = pl.DataFrame(
        {
            "name": ["Wakefield", "Wakefeld"],
            "area_code": [None, None],
            "visit_date": [dt.date(2023, 3, 28)] * 2,
        },
        schema_overrides={"area_code": pl.String},
    )
    with pytest.raises(NameMatchError, match="Wakefeld"):
        ofsted_inyear._series(sheet, package_frames["areas"], "test sheet", "visit_date")


def held(grade: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "series": [LEEDS],
            "fieldwork_start": [dt.date(2022, 2, 21)],
            "key": ["overall_effectiveness"],
            "held": [grade],
        }
    )


def checked(grade: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "name": ["Leeds"],
            "series": [LEEDS],
            "fieldwork_start": [dt.date(2022, 2, 21)],
            "key": ["overall_effectiveness"],
            "grade": [grade],
        }
    )


def test_a_grade_disagreement_stops_the_build() -> None:
    on = ["series", "fieldwork_start"]
    ofsted_inyear._compare(checked("Outstanding"), held("Outstanding"), on, "f.ods", "f.ods")
    with pytest.raises(RawInputError, match=r"f.ods disagrees.*different grade.*'Good'"):
        ofsted_inyear._compare(checked("Good"), held("Outstanding"), on, "f.ods", "f.ods")
    with pytest.raises(RawInputError, match=r"not held \[\{'name': 'Leeds'"):
        ofsted_inyear._compare(checked("Good"), held("Good").clear(), on, "f.ods", "f.ods")


def test_a_reviewed_difference_must_still_be_there() -> None:
    """Staffordshire's 2023 care-leavers grade differs between Ofsted's 2024 and 2025 files: a
    reviewed difference; if a file no longer shows it, the entry must be removed."""
    file = "LA_Inspection_Outcomes_as_at_March_2024.ods"
    with pytest.raises(RawInputError, match="known difference no longer found"):
        ofsted_inyear._drop_known_grades(
            pl.DataFrame(
                schema={
                    "series": pl.String,
                    "key": pl.String,
                    "canonical": pl.String,
                    "held": pl.String,
                }
            ),
            file,
        )


# ---------------------------------------------------------------------------- older RO3 layout


def test_older_workbook_layout_is_read_by_code(tmp_path: Path) -> None:
    """Codes above the header, line names on a row of their own, measure-only headers (2022-23)."""
    codes = [
        "",
        "",
        "",
        "",
        "RO3-csclkd-net-cur-exp",
        "RO3-csctot-net-cur-exp",
        "RO3-asctot-net-cur-exp",
    ]
    lines = [
        "",
        "",
        "",
        "",
        "Children's social care - Children Looked After",
        "TOTAL CHILDREN SOCIAL CARE",
        "TOTAL ADULT SOCIAL CARE",
    ]
    header = [
        "E-code",
        "ONS Code",
        "Local authority",
        "Class",
        "Net Current Expenditure\n (C7 = C3 - C6)1",
        "Net Current Expenditure\n (C7 = C3 - C6)2",
        "Net Current Expenditure (C7)",
    ]
    rows = [
        ["E4704", LEEDS, "Leeds", "MD", "5", "7", "1"],
        ["E4604", BRADFORD, "Bradford", "MD", "[x]", "[x]", "[x]"],
        ["Eng", ENGLAND, "ENGLAND", "Eng", "10", "20", "3"],
    ]
    totals = [
        ["E-code", "ONS Code", "Class Breakdown [o]", "Class"],
        ["[Y]", "E08", "Metropolitan Districts", "MD"],
    ]
    sheet = [
        ["Worksheet 2"],
        codes,
        ["", "", "", "", "C7R10", "C7R90", "C7R99"],
        lines,
        header,
        *rows,
        *totals,
    ]
    source = REGISTRY.source("mhclg_ro3_2022_23")
    path = tmp_path / "old.ods"
    write_ods(path, {"RO3_LA_Data_2022-23": sheet})
    wanted = ("RO3-csclkd-net-cur-exp", "RO3-csctot-net-cur-exp")
    table = revenue_outturn.read_table(revenue_outturn.workbook(path, source), wanted)
    assert table.rows.select("area_code", *wanted).rows() == [
        (LEEDS, "5.0", "7.0"),  # numbers as their exact text (from the numeric read)
        (BRADFORD, "[x]", "[x]"),
        (ENGLAND, "10.0", "20.0"),
    ]
    shifted = [["Worksheet 2"], ["", *codes[:-1]], ["x"], lines, header, *rows, *totals]
    write_ods(path, {"RO3_LA_Data_2022-23": shifted})
    with pytest.raises(RawInputError, match="do not line up"):
        revenue_outturn.read_table(revenue_outturn.workbook(path, source), wanted)
