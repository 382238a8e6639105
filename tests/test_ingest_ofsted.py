"""The inspections resource, checked against Ofsted's own files read independently here."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import fastexcel
import frictionless
import polars as pl
import pytest
from schema_helpers import error_types, validate_alone

from cscbench.ingest import areas, ofsted
from cscbench.ingest.areas import NameMatchError
from cscbench.ingest.common import MENTION_COLUMNS, RawInputError
from cscbench.ingest.registry import default_registry
from cscbench.package.labels import categories_issues

pytestmark = pytest.mark.raw

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "inspections.schema.json"
LEEDS, WAKEFIELD, BRADFORD = "E08000035", "E08000036", "E08000032"
ABOLISHED = {
    "E10000021": "Northamptonshire",
    "E10000006": "Cumbria",
    "E10000009": "Dorset",  # the county council, in the 2023 sheet's pre-restructure table
    "E06000028": "Bournemouth",
    "E06000029": "Poole",
}
D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def area_table(package_frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The areas the orchestrator builds from every input's mentions (this module's included)."""
    return package_frames["areas"]


@pytest.fixture(scope="module")
def built(raw_dir: Path, area_table: pl.DataFrame) -> pl.DataFrame:
    return ofsted.build(raw_dir, area_table)


# ------------------------------------------------------------------ independent readers


def official_2025(raw_dir: Path) -> pl.DataFrame:
    path = raw_dir / "ofsted" / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
    sheet = fastexcel.read_excel(path).load_sheet_by_name(
        "ILACS_inspection_history", header_row=2, dtypes="string"
    )
    df = sheet.to_polars()
    return df.with_columns(
        pl.col("Inspection date", "Publication date").str.slice(0, 10).str.to_date()
    )


def sheet_2023_rows(raw_dir: Path, name: str) -> list[tuple[dt.date, str]]:
    """(publication date, grade) of every pre-ILACS cell in the council's row of table 1."""
    path = raw_dir / "ofsted" / "Childrens_social_care_in_England_2023_underlying_data.ods"
    grid = (
        fastexcel.read_excel(path)
        .load_sheet_by_name("LA_inspections_2009-2023", header_row=None, dtypes="string")
        .to_polars()
    )
    header = [str(v) for v in grid.row(4)]
    row = next(r for r in grid.slice(5, 152).iter_rows() if r[1] == name)
    pairs = []
    date = None
    for title, cell in zip(header, row, strict=True):
        if "ILACS" in title:
            break
        if "publication date" in title:
            date = D(cell[:10]) if cell else None
        elif cell and date is not None and title.strip() not in ("LA region", "LA Authority Type"):
            pairs.append((date, cell.strip()))
    return sorted(pairs)


def scrape(raw_dir: Path) -> pl.DataFrame:
    lookup = pl.read_csv(raw_dir / "ofsted" / "Provider_data_lookup.csv", infer_schema=False)
    lookup = lookup.rename({c: c.lstrip("\ufeff") for c in lookup.columns})
    df = pl.read_csv(raw_dir / "ofsted" / "ofsted_csc_ilacs_history.csv", infer_schema=False)
    return df.join(lookup.select("urn", "la_code_new"), on="urn").with_columns(
        pl.col("publication_date").str.to_date("%d/%m/%y"),
        pl.col("inspection_start_date").str.to_date("%d/%m/%Y"),
    )


def rows(built: pl.DataFrame, code: str, **where: object) -> pl.DataFrame:
    out = built.filter(pl.col("area_code") == code)
    for column, value in where.items():
        out = out.filter(pl.col(column) == value)
    return out


# ------------------------------------------------------------------ Leeds and Wakefield


@pytest.mark.parametrize(("code", "name"), [(LEEDS, "Leeds"), (WAKEFIELD, "Wakefield")])
def test_history_before_ilacs_matches_the_2023_sheet(
    raw_dir: Path, built: pl.DataFrame, code: str, name: str
) -> None:
    mine = rows(built, code, source_id=ofsted.csc_data_source())
    assert sorted(mine.select("publication_date", "grade").iter_rows()) == sheet_2023_rows(
        raw_dir, name
    )


@pytest.mark.parametrize("code", [LEEDS, WAKEFIELD])
def test_ilacs_history_matches_the_official_2025_file(
    raw_dir: Path, built: pl.DataFrame, code: str
) -> None:
    official = official_2025(raw_dir).filter(pl.col("Local authority area code") == code)
    mine = rows(built, code, source_id=ofsted.outcomes_source())
    assert mine.select("publication_date").n_unique() == official.height > 0
    for inspection in official.iter_rows(named=True):
        got = mine.filter(pl.col("publication_date") == inspection["Publication date"])
        assert set(got["fieldwork_start"]) == {inspection["Inspection date"]}
        assert set(got["inspection_type"]) == {
            inspection["Inspection type"].split()[1].lower()  # 'ILACS Short Inspection'
        }
        grades = dict(zip(got["judgement"], got["grade"], strict=True))
        assert grades["overall_effectiveness"] == inspection["Overall effectiveness"]
        in_care = inspection["The experiences and progress of children in care"]
        leavers = inspection["The experiences and progress of care leavers"]
        if leavers is None:
            assert grades["children_in_care_and_care_leavers"] == in_care
            assert "care_leavers" not in grades
        else:
            assert (grades["children_in_care"], grades["care_leavers"]) == (in_care, leavers)


def test_leeds_full_history(built: pl.DataFrame) -> None:
    leeds = rows(built, LEEDS)
    headline = leeds.filter(
        pl.col("judgement").is_in(
            ["overall_effectiveness", "safeguarding", "looked_after_children"]
        )
    ).select(
        "framework", "inspection_type", "publication_date", "judgement", "grade_on_framework_scale"
    )
    assert headline.rows() == [
        ("SLAC", "standard", D("2010-01-07"), "safeguarding", "Inadequate"),
        ("SLAC", "standard", D("2010-01-07"), "looked_after_children", "Adequate"),
        ("SLAC", "re-inspection", D("2011-10-10"), "safeguarding", "Adequate"),
        ("SIF", "standard", D("2015-03-27"), "overall_effectiveness", "Good"),
        ("ILACS", "short", D("2018-12-18"), "overall_effectiveness", "Outstanding"),
        ("ILACS", "standard", D("2022-05-09"), "overall_effectiveness", "Outstanding"),
        ("ILACS", "short", D("2025-08-12"), "overall_effectiveness", "Outstanding"),
    ]
    assert leeds.height == 3 + 7 + 4 + 4 + 5
    assert set(leeds.filter(pl.col("framework") == "SIF")["judgement"]) == {
        "overall_effectiveness",
        "help_and_protection",
        "children_looked_after_and_permanence",
        "adoption_performance",
        "care_leavers",
        "leadership_management_governance",
        "lscb_effectiveness",
    }


def test_wakefield_full_history(built: pl.DataFrame) -> None:
    wakefield = rows(built, WAKEFIELD)
    headline = wakefield.filter(
        pl.col("judgement").is_in(
            ["overall_effectiveness", "safeguarding", "looked_after_children", "child_protection"]
        )
    ).select("framework", "publication_date", "judgement", "grade_on_framework_scale")
    assert headline.rows() == [
        ("SLAC", D("2011-01-26"), "safeguarding", "Adequate"),
        ("SLAC", D("2011-01-26"), "looked_after_children", "Good"),
        ("CPI", D("2012-12-07"), "child_protection", "Adequate"),
        ("SIF", D("2016-09-20"), "overall_effectiveness", "Requires improvement to be good"),
        ("ILACS", D("2018-07-17"), "overall_effectiveness", "Inadequate"),
        ("ILACS", D("2022-01-05"), "overall_effectiveness", "Good"),
        ("ILACS", D("2025-07-18"), "overall_effectiveness", "Good"),
    ]
    latest = wakefield.filter(pl.col("publication_date") == D("2025-07-18"))
    assert dict(zip(latest["judgement"], latest["grade"], strict=True)) == {
        "overall_effectiveness": "Good",
        "impact_of_leaders": "Good",
        "help_and_protection": "Good",
        "children_in_care": "Outstanding",
        "care_leavers": "Requires improvement to be good",
    }
    assert set(latest["source_id"]) == {ofsted.SCRAPE}


def test_wakefield_inadequate_published_july_2018(built: pl.DataFrame) -> None:
    row = rows(built, WAKEFIELD, framework="ILACS", judgement="overall_effectiveness").filter(
        pl.col("publication_date").dt.year() == 2018
    )
    assert row.select(
        "inspection_type", "fieldwork_start", "fieldwork_end", "publication_date", "grade"
    ).rows() == [("standard", D("2018-06-04"), D("2018-06-15"), D("2018-07-17"), "Inadequate")]
    assert row["report_url"][0].startswith("https://files.ofsted.gov.uk/")


# ------------------------------------------------------------------ coverage and the 2026 reform


def test_every_current_council_has_its_latest_inspection(
    raw_dir: Path, built: pl.DataFrame, area_table: pl.DataFrame
) -> None:
    current = area_table.filter(
        (pl.col("level") == "local_authority") & (pl.col("status") == "current")
    )
    assert current.height == 153
    series = area_table.select("area_code", "series_code")
    official = official_2025(raw_dir).select(
        pl.col("Local authority area code").alias("area_code"),
        pl.col("Publication date").alias("published"),
    )
    reports = scrape(raw_dir).filter(pl.col("inspection_framework").is_not_null())
    expected = (
        pl.concat(
            [
                official.join(series, on="area_code").select("series_code", "published"),
                reports.select(
                    pl.col("la_code_new").alias("series_code"),
                    pl.col("publication_date").alias("published"),
                ),
            ]
        )
        .group_by("series_code")
        .agg(pl.col("published").max())
    )
    mine = (
        built.filter(pl.col("judgement") != "visit")  # visits are not judgements
        .join(series, on="area_code")
        .group_by("series_code")
        .agg(pl.col("publication_date").max().alias("mine"))
    )
    check = current.select(pl.col("area_code").alias("series_code")).join(
        expected, on="series_code", how="left"
    )
    check = check.join(mine, on="series_code", how="left")
    assert check["published"].null_count() == 0
    assert check.filter(pl.col("mine") != pl.col("published")).height == 0
    assert check["mine"].max() == D("2026-08-20")


def test_bradford_2026_inspection_keeps_its_overall_grade(built: pl.DataFrame) -> None:
    row = rows(built, BRADFORD, judgement="overall_effectiveness", publication_date=D("2026-05-21"))
    assert row.select(
        "framework", "fieldwork_start", "grade", "grade_on_framework_scale", "grade_status"
    ).rows() == [
        (
            "ILACS",
            D("2026-01-12"),
            "Requires improvement to be good",
            "Requires improvement to be good",
            None,
        )
    ]


def test_post_reform_fieldwork_has_no_overall_grade_but_a_status(built: pl.DataFrame) -> None:
    reformed = built.filter(pl.col("fieldwork_start") >= ofsted.REFORM_DATE)
    assert set(reformed["framework"]) == {"ILACS_2026"}
    assert set(built.filter(pl.col("framework") == "ILACS_2026")["fieldwork_start"].is_null()) == {
        False
    }
    overall = reformed.filter(pl.col("judgement") == "overall_effectiveness")
    assert overall.height == reformed.select("area_code", "publication_date").n_unique() == 11
    assert overall["grade"].null_count() == overall.height
    assert overall["grade_on_framework_scale"].null_count() == overall.height
    assert set(overall["grade_status"]) == {"not_graded_post_april_2026"}
    subs = reformed.filter(pl.col("judgement") != "overall_effectiveness")
    assert subs["grade"].null_count() == 0
    assert subs["grade_status"].null_count() == subs.height
    assert set(subs["judgement"]) == {
        "impact_of_leaders",
        "help_and_protection",
        "children_in_care",
        "care_leavers",
    }
    # fieldwork before the cut-off keeps the grade, whenever the report came out
    late = built.filter(
        (pl.col("publication_date") >= ofsted.REFORM_DATE)
        & (pl.col("fieldwork_start") < ofsted.REFORM_DATE)
    )
    assert late.height > 0 and late["grade_status"].null_count() == late.height


def test_grade_and_status_are_exclusive(built: pl.DataFrame) -> None:
    assert built.filter(pl.col("grade").is_null() == pl.col("grade_status").is_null()).height == 0
    not_judged = built.filter(pl.col("grade_status") == "not_judged")
    assert set(not_judged["area_code"]) <= {"E06000053", "E09000001"}  # Scilly, City of London


def test_2009_13_requires_improvement_is_adequate_on_the_framework_scale(
    built: pl.DataFrame,
) -> None:
    old = pl.col("framework").is_in(["SLAC", "CPI", "CPRI", "TLAC"])
    ri = pl.col("grade") == "Requires improvement to be good"
    assert set(built.filter(old & ri)["grade_on_framework_scale"]) == {"Adequate"}
    assert built.filter(~old & (pl.col("grade_on_framework_scale") == "Adequate")).height == 0
    assert set(built.filter(~old & ri)["grade_on_framework_scale"]) == {
        "Requires improvement to be good"
    }
    leeds_lac = rows(built, LEEDS, framework="SLAC", judgement="looked_after_children")
    assert leeds_lac.select("grade", "grade_on_framework_scale").rows() == [
        ("Requires improvement to be good", "Adequate")
    ]


def test_scrape_grades_are_given_in_ofsted_wording(built: pl.DataFrame) -> None:
    """The scraper lower-cases grades; ILACS reports print the framework's own words."""
    scraped = built.filter(pl.col("source_id") == ofsted.SCRAPE).drop_nulls("grade")
    assert scraped.height > 0
    assert set(scraped["grade"]) <= {
        "Outstanding",
        "Good",
        "Requires improvement to be good",
        "Inadequate",
    }
    assert scraped.filter(pl.col("grade") != pl.col("grade_on_framework_scale")).height == 0


def test_abolished_councils_keep_their_own_codes(
    built: pl.DataFrame, area_table: pl.DataFrame
) -> None:
    for code in ABOLISHED:
        history = rows(built, code)
        end = area_table.filter(pl.col("area_code") == code)["end_date"][0]
        assert history.height > 0, code
        assert history["publication_date"].max() <= end, code
    assert rows(built, "E10000009", framework="SIF")["publication_date"].unique().to_list() == [
        D("2016-05-23")
    ]
    assert rows(built, "E10000021", framework="ILACS")["publication_date"].unique().to_list() == [
        D("2019-07-29")
    ]
    assert rows(built, "E10000006", framework="ILACS")["publication_date"].unique().to_list() == [
        D("2022-11-15")
    ]
    assert rows(built, "E06000028", framework="ILACS")["publication_date"].unique().to_list() == [
        D("2018-08-24")
    ]
    assert rows(built, "E06000029", framework="SIF")["publication_date"].unique().to_list() == [
        D("2017-11-24")
    ]
    # the present Dorset has only inspections of its own, none of the county council's
    assert rows(built, "E06000059")["publication_date"].min() >= D("2019-04-01")


def test_primary_key_is_unique(built: pl.DataFrame) -> None:
    assert built.select(ofsted.PRIMARY_KEY).is_duplicated().sum() == 0
    assert list(built.columns) == list(ofsted.COLUMNS)


def test_every_area_code_is_an_area(built: pl.DataFrame, area_table: pl.DataFrame) -> None:
    assert built.join(area_table, on="area_code", how="anti").height == 0
    levels = built.join(area_table, on="area_code")["level"]
    assert set(levels) == {"local_authority"}


def test_unmatched_name_stops_the_build(area_table: pl.DataFrame) -> None:
    sheet = pl.DataFrame(
        {
            "table": [1],
            "name": ["Atlantis"],
            "publication_date": [D("2012-01-01")],
            "judgement": ["safeguarding"],
        }
    )
    with pytest.raises(NameMatchError, match="Atlantis"):
        ofsted._sheet_codes(sheet, area_table)


def test_pre_restructure_table_resolves_by_table_and_date(
    raw_dir: Path, area_table: pl.DataFrame
) -> None:
    mentions = ofsted.mentions(raw_dir)
    dorset = mentions.filter(pl.col("name") == "Dorset")
    assert set(dorset["area_code"]) == {"E10000009", "E06000059"}
    assert dorset.filter(pl.col("area_code") == "E10000009")["level"].null_count() == 1
    names = pl.Series(["Dorset", "Dorset", "North Yorkshire", "North Yorkshire"])
    on = pl.Series([D("2016-05-23"), D("2021-11-19"), D("2014-06-30"), D("2023-08-18")])
    assert areas.match_names(names, area_table, "test", on).to_list() == [
        "E10000009",
        "E06000059",
        "E10000023",
        "E06000065",
    ]


def test_mentions_shape(raw_dir: Path) -> None:
    mentions = ofsted.mentions(raw_dir)
    assert list(mentions.columns) == list(MENTION_COLUMNS)
    assert set(mentions["level"].drop_nulls()) == {"local_authority"}
    assert mentions["area_code"].str.contains(r"^E\d{8}$").all()
    assert mentions["region_code"].null_count() == mentions.height
    official = official_2025(raw_dir)["Local authority area code"]
    assert set(official) <= set(mentions.filter(pl.col("level").is_not_null())["area_code"])


def test_sources_point_at_the_raw_files(raw_dir: Path, built: pl.DataFrame) -> None:
    registry = default_registry()
    readers = ("ofsted_outcomes", "ofsted_outcomes_2024", "ofsted_csc_data", "jt39_scrape")
    readers += ("jt39_lookup", "pdf_crosscheck")
    sources = [s for r in readers for s in registry.by_reader(r)]
    for source in sources:
        assert source.raw_path and (raw_dir / source.raw_path).is_file()
        assert source.licence in {"OGL-UK-3.0", "MIT"}
    assert set(built["source_id"]) <= {s.source_id for s in sources}


def test_build_is_deterministic(
    raw_dir: Path, area_table: pl.DataFrame, built: pl.DataFrame
) -> None:
    """A second build equals the module's (built once already for the other tests)."""
    assert ofsted.build(raw_dir, area_table).equals(built)


# ------------------------------------------------------------------ the Table Schema


def test_schema_describes_every_field() -> None:
    descriptor = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"
    assert [f["name"] for f in descriptor["fields"]] == list(ofsted.COLUMNS)
    for field in descriptor["fields"]:
        assert {"name", "type", "title", "description", "example"} <= set(field), field["name"]
        assert categories_issues(field) == [], field["name"]
    enums = {f["name"]: f.get("constraints", {}).get("enum") for f in descriptor["fields"]}
    assert enums["framework"] == list(ofsted.FRAMEWORKS)
    assert enums["judgement"] == list(ofsted.JUDGEMENTS)
    assert enums["grade_status"] == list(ofsted.GRADE_STATUSES)
    assert enums["inspection_type"] == list(ofsted.INSPECTION_TYPES)
    assert descriptor["primaryKey"] == list(ofsted.PRIMARY_KEY)
    assert descriptor["missingValues"] == [""]
    assert {fk["reference"]["resource"] for fk in descriptor["foreignKeys"]} == {
        "areas",
        "sources",
    }


def _validate(path: Path) -> frictionless.Report:
    return validate_alone(path, SCHEMA)


def test_frictionless_accepts_the_resource(built: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "inspections.csv"
    built.write_csv(path)
    report = _validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("framework", "ILACS 2026"),
        ("judgement", "overall"),
        ("grade_status", "missing"),
        ("area_code", "E0800003"),
        ("grade_on_framework_scale", "Satisfactory"),
    ],
)
def test_frictionless_rejects_bad_values(
    built: pl.DataFrame, tmp_path: Path, column: str, bad: str
) -> None:
    path = tmp_path / "inspections.csv"
    first = pl.int_range(pl.len()) == 0
    built.with_columns(
        pl.when(first).then(pl.lit(bad)).otherwise(pl.col(column)).alias(column)
    ).write_csv(path)
    assert error_types(_validate(path)) == {"constraint-error"}


def test_frictionless_rejects_duplicate_keys(built: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "inspections.csv"
    pl.concat([built.head(3), built.head(1)]).write_csv(path)
    assert "primary-key" in error_types(_validate(path))


def _raw_copy(raw_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "raw" / "ofsted"
    shutil.copytree(raw_dir / "ofsted", target)
    return target.parent


def test_overall_grade_missing_before_the_cut_off_stops_the_build(
    raw_dir: Path, tmp_path: Path, area_table: pl.DataFrame
) -> None:
    raw = _raw_copy(raw_dir, tmp_path)
    path = raw / "ofsted" / "ofsted_csc_ilacs_history.csv"
    df = pl.read_csv(path, infer_schema=False)
    bradford_2026 = (pl.col("urn") == "80449") & (pl.col("publication_date") == "21/05/26")
    assert df.filter(bradford_2026).height == 1
    df.with_columns(
        pl.when(bradford_2026)
        .then(pl.lit(ofsted.NOT_REPORTED))
        .otherwise(pl.col("overall_effectiveness_grade"))
        .alias("overall_effectiveness_grade")
    ).write_csv(path)
    with pytest.raises(RawInputError, match="April 2026"):
        ofsted.build(raw, area_table)


def test_unknown_scrape_grade_stops_the_build(
    raw_dir: Path, tmp_path: Path, area_table: pl.DataFrame
) -> None:
    raw = _raw_copy(raw_dir, tmp_path)
    path = raw / "ofsted" / "ofsted_csc_ilacs_history.csv"
    df = pl.read_csv(path, infer_schema=False)
    latest = pl.col("publication_date") == "20/08/26"
    df.with_columns(
        pl.when(latest)
        .then(pl.lit("data_unreadable"))
        .otherwise(pl.col("in_care_grade"))
        .alias("in_care_grade")
    ).write_csv(path)
    with pytest.raises(RawInputError, match="data_unreadable"):
        ofsted.build(raw, area_table)
