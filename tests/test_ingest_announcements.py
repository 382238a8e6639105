"""The announcements resource: typed facts from the compiled press and council file."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import frictionless
import polars as pl
import pytest
from schema_helpers import error_types, validate_alone

from cscbench.ingest import announcements, areas
from cscbench.ingest.common import RawInputError
from cscbench.package.labels import categories_issues

pytestmark = pytest.mark.raw

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "announcements.schema.json"


@pytest.fixture(scope="module")
def area_table(package_frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The areas the orchestrator builds from every input's mentions (this module's included)."""
    return package_frames["areas"]


@pytest.fixture(scope="module")
def built(raw_dir: Path, area_table: pl.DataFrame) -> pl.DataFrame:
    return announcements.build(raw_dir, area_table)


def raw_rows(raw_dir: Path) -> list[dict[str, str]]:
    with (raw_dir / announcements.file_name()).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rewrite_raw(raw_dir: Path, tmp_path: Path, row: int, **changes: str) -> Path:
    """A temporary raw folder whose news file has one row (1-based) changed."""
    rows = raw_rows(raw_dir)
    rows[row - 1].update(changes)
    target = tmp_path / announcements.file_name()
    target.parent.mkdir(parents=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return tmp_path


def one(df: pl.DataFrame, **where: object) -> dict[str, object]:
    found = df.filter(*[pl.col(k) == v for k, v in where.items()])
    assert found.height == 1, f"{where}: {found.height} rows"
    return found.row(0, named=True)


def test_one_row_per_raw_fact(built: pl.DataFrame, raw_dir: Path) -> None:
    assert built.height == len(raw_rows(raw_dir)) == 90
    assert built["announcement_id"].is_unique().all()
    assert built["announcement_id"].to_list() == [f"ann_{i:03d}" for i in range(1, 91)]
    assert built.columns == list(announcements.ANNOUNCEMENT_COLUMNS)
    assert built.schema == pl.Schema(announcements.ANNOUNCEMENT_COLUMNS)


def test_every_area_resolves(built: pl.DataFrame, area_table: pl.DataFrame) -> None:
    assert built["area_code"].null_count() == 0
    assert set(built["area_code"]) <= set(area_table["area_code"])
    leeds = built.filter(pl.col("area_code") == "E08000035")
    wakefield = built.filter(pl.col("area_code") == "E08000036")
    assert (leeds.height, wakefield.height) == (29, 18)
    # press names and codes that changed: the code in use on the date
    assert one(built, announcement_id="ann_021")["area_code"] == "E06000010"  # Kingston upon Hull
    assert one(built, announcement_id="ann_088")["area_code"] == "E92000001"  # England
    assert one(built, announcement_id="ann_061")["area_code"] == "E10000023"  # North Yorkshire 2009
    assert one(built, announcement_id="ann_069")["area_code"] == "E08000019"  # Sheffield 2019


LEEDS, WAKEFIELD = "E08000035", "E08000036"
SEED_FACTS = [
    # 000: Leeds £6.2m boost
    {"area_code": LEEDS, "kind": "investment", "value": 6.2, "unit": "GBP million"},
    # 001: 1,355 children in care, down 76 (5.3%), saving almost £6m, £22m budget cut
    {"area_code": LEEDS, "kind": "looked_after", "value": 1355.0, "value_to": None},
    {"area_code": LEEDS, "kind": "looked_after", "value": 76.0, "value_as_stated": "-76 (-5.3%)"},
    {"area_code": LEEDS, "kind": "saving", "value": 6.0, "qualifier": "almost"},
    {"area_code": LEEDS, "kind": "budget_cut", "value": 22.0, "qualifier": None},
    # 003: Leeds inadequate, January 2010
    {
        "area_code": LEEDS,
        "kind": "rating",
        "date": dt.date(2010, 1, 7),
        "value_as_stated": "Inadequate",
    },
    # 004: Wakefield inadequate (July 2018); caseloads above 30 -> 25; £4m on top of £4.5m; caps
    {
        "area_code": WAKEFIELD,
        "kind": "rating",
        "date": dt.date(2018, 7, 17),
        "value_as_stated": "Inadequate",
    },
    {
        "area_code": WAKEFIELD,
        "kind": "caseload",
        "value": 30.0,
        "value_to": 25.0,
        "qualifier": "over",
        "basis": "council_measure",
        "date": dt.date(2018, 10, 31),
    },
    {"area_code": WAKEFIELD, "kind": "investment", "value": 4.5, "date": dt.date(2018, 10, 31)},
    {"area_code": WAKEFIELD, "kind": "investment", "value": 4.0, "date": dt.date(2018, 10, 31)},
    {"area_code": WAKEFIELD, "kind": "caseload", "value": 15.0, "basis": "council_measure"},
    {"area_code": WAKEFIELD, "kind": "caseload", "value": 20.0, "basis": "council_measure"},
]


@pytest.mark.parametrize("fact", SEED_FACTS, ids=lambda f: f"{f['kind']}-{f.get('value')}")
def test_seed_facts(built: pl.DataFrame, fact: dict[str, object]) -> None:
    conditions = [pl.col(k).is_null() if v is None else pl.col(k) == v for k, v in fact.items()]
    assert built.filter(*conditions).height == 1, fact


def test_seed_fact_details(built: pl.DataFrame) -> None:
    fall = one(built, value_as_stated="-76 (-5.3%)")
    assert "fall" in fall["unit"]
    boost = one(built, area_code=LEEDS, kind="investment", value=6.2)
    assert boost["date_precision"] == "approximate"
    assert boost["certainty"] == "inferred_date"
    caseload = one(built, area_code=WAKEFIELD, value_as_stated="above 30 -> 25")
    assert caseload["date_precision"] == "day"
    assert caseload["unit"] == "average cases per social worker (council figure)"
    wakefield_rating = one(built, area_code=WAKEFIELD, date=dt.date(2018, 7, 17))
    assert wakefield_rating["value"] is None
    assert wakefield_rating["certainty"] == "date_from_other_source"


def test_values_are_non_negative_magnitudes(built: pl.DataFrame) -> None:
    assert built.filter((pl.col("value") < 0) | (pl.col("value_to") < 0)).height == 0
    assert built.filter(pl.col("value_to").is_not_null() & pl.col("value").is_null())[
        "value_as_stated"
    ].to_list() == ["30-40 -> 17"]


def test_text_kept_exactly(built: pl.DataFrame, raw_dir: Path) -> None:
    rows = raw_rows(raw_dir)
    assert built["value_as_stated"].to_list() == [r["value"] for r in rows]
    assert built["date_as_stated"].to_list() == [r["date"] for r in rows]
    assert built["certainty_note"].to_list() == [r["certainty"] for r in rows]
    assert built["source_url"].to_list() == [r["source_url"] for r in rows]
    encoded = [v.encode("utf-8") for v in built["value_as_stated"]]
    assert encoded == [r["value"].encode("utf-8") for r in rows]


def test_context_is_not_carried(built: pl.DataFrame, raw_dir: Path) -> None:
    contexts = {r["context"] for r in raw_rows(raw_dir)}
    text = built.select(pl.col(pl.String)).to_dicts()
    assert not any(v in contexts for row in text for v in row.values())


def test_money_kinds_follow_what_the_row_says(built: pl.DataFrame) -> None:
    by_text = dict(zip(built["value_as_stated"], built["kind"], strict=True))
    assert by_text["almost 6 (saving)"] == "saving"
    assert by_text["over 20 (savings)"] == "saving"
    assert by_text["16.5 (saving requirement)"] == "saving"
    assert by_text["-22 (budget cut)"] == "budget_cut"
    assert by_text["over -22 per year (proposed cut)"] == "budget_cut"
    assert by_text["-214 (-40%)"] == "budget_cut"
    assert by_text["2.7 (overspend)"] == "overspend"
    assert by_text["7.985 (overspend)"] == "overspend"
    assert by_text["5.8 (spend above budget)"] == "overspend"
    investments = built.filter(pl.col("kind") == "investment")["value_as_stated"]
    assert not investments.str.contains(r"-|saving|cut|overspend|above budget").any()


def test_basis_only_and_always_on_workforce_type_claims(built: pl.DataFrame) -> None:
    workforce_type = pl.col("kind").is_in(announcements.BASIS_KINDS)
    assert built.filter(workforce_type & pl.col("basis").is_null()).height == 0
    assert built.filter(~workforce_type & pl.col("basis").is_not_null()).height == 0
    council_caseloads = built.filter(
        (pl.col("kind") == "caseload") & pl.col("unit").str.contains("council figure")
    )
    assert set(council_caseloads["basis"]) == {"council_measure"}


def test_ratings_and_words_have_no_number(built: pl.DataFrame) -> None:
    assert built.filter(pl.col("kind") == "rating")["value"].null_count() == 32
    for text in ("124 vacancies / 173 agency", "highest in England (2018)", "Adequate (grade 3)"):
        assert one(built, value_as_stated=text)["value"] is None


def test_dates(built: pl.DataFrame) -> None:
    assert built["date"].null_count() == 0
    assert one(built, value_as_stated="2.7 (overspend)")["date"] == dt.date(2016, 4, 1)
    assert one(built, value_as_stated="2.7 (overspend)")["date_precision"] == "financial_year"
    assert one(built, date_as_stated="c. January 2023")["date"] == dt.date(2023, 1, 1)
    assert one(built, value_as_stated="10")["date_precision"] == "month"
    proposed = one(built, value_as_stated="over -22 per year (proposed cut)")
    assert (proposed["date"], proposed["certainty"]) == (dt.date(2014, 1, 16), "inferred_date")


def test_enums_match_schema(built: pl.DataFrame) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in schema["fields"]}
    assert list(fields) == list(announcements.ANNOUNCEMENT_COLUMNS)
    for name, allowed in (
        ("kind", announcements.KINDS),
        ("date_precision", announcements.DATE_PRECISIONS),
        ("qualifier", announcements.QUALIFIERS),
        ("basis", announcements.BASES),
        ("certainty", announcements.CERTAINTIES),
    ):
        assert fields[name]["constraints"]["enum"] == list(allowed)
        assert set(built[name].drop_nulls()) <= set(allowed)
    for field in schema["fields"]:
        assert {"name", "type", "title", "description", "example"} <= set(field)
        assert categories_issues(field) == [], field["name"]
    assert schema["primaryKey"] == ["announcement_id"]
    assert schema["missingValues"] == [""]
    assert {fk["reference"]["resource"] for fk in schema["foreignKeys"]} == {"areas", "sources"}
    assert fields["value"]["constraints"]["minimum"] == 0
    assert fields["value_to"]["constraints"]["minimum"] == 0


def test_unmatched_name_stops_the_build(
    raw_dir: Path, area_table: pl.DataFrame, tmp_path: Path
) -> None:
    changed = rewrite_raw(raw_dir, tmp_path, 4, council="Atlantis")  # a Bradford rating row
    with pytest.raises(areas.NameMatchError, match="Atlantis"):
        announcements.build(changed, area_table)


def test_unread_number_stops_the_build(
    raw_dir: Path, area_table: pl.DataFrame, tmp_path: Path
) -> None:
    changed = rewrite_raw(raw_dir, tmp_path, 23, value="0.45 or 0.5")  # Kirklees investment
    with pytest.raises(RawInputError, match="no pattern or reading"):
        announcements.build(changed, area_table)


def test_unread_date_stops_the_build(
    raw_dir: Path, area_table: pl.DataFrame, tmp_path: Path
) -> None:
    changed = rewrite_raw(raw_dir, tmp_path, 23, date="sometime in 2016")
    with pytest.raises(RawInputError, match="dates that could not be read"):
        announcements.build(changed, area_table)


def test_deterministic(raw_dir: Path, area_table: pl.DataFrame, built: pl.DataFrame) -> None:
    again = announcements.build(raw_dir, area_table)
    assert again.equals(built)
    assert again.write_csv() == built.write_csv()


def test_mentions_only_add_variants(raw_dir: Path) -> None:
    m = announcements.mentions(raw_dir)
    assert m.columns == list(announcements.MENTION_COLUMNS)
    assert m["level"].null_count() == m.height
    assert dict(zip(m["name"], m["area_code"], strict=True)) == {
        "England (all councils)": "E92000001",
        "Kingston upon Hull": "E06000010",
    }


def test_source_registry(raw_dir: Path, built: pl.DataFrame) -> None:
    source = announcements.source()
    assert source.raw_path == "news/local_reports_yorkshire.csv" and source.download_url is None
    assert (raw_dir / source.raw_path).is_file()
    assert set(built["source_id"]) == {source.source_id}


def _validate(path: Path) -> frictionless.Report:
    return validate_alone(path, SCHEMA)


def test_frictionless_accepts_the_resource(built: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "announcements.csv"
    built.write_csv(path)
    report = _validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(
    ("column", "bad"),
    [("value", -1.0), ("kind", "windfall"), ("certainty", "sure"), ("date_precision", "week")],
)
def test_frictionless_rejects_bad_values(
    built: pl.DataFrame, tmp_path: Path, column: str, bad: object
) -> None:
    path = tmp_path / "announcements.csv"
    broken = built.with_columns(
        pl.when(pl.col("announcement_id") == "ann_001")
        .then(pl.lit(bad))
        .otherwise(pl.col(column))
        .alias(column)
    )
    broken.write_csv(path)
    assert error_types(_validate(path)) == {"constraint-error"}


def test_frictionless_rejects_duplicate_ids(built: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "announcements.csv"
    built.with_columns(pl.lit("ann_001").alias("announcement_id")).write_csv(path)
    assert error_types(_validate(path)) >= {"primary-key"}


def test_dates_keep_their_precision_as_a_window() -> None:
    """Issue 18: a rough date is the time it names, not 1 January: "c. mid-2022" is May to August
    2022; a financial year runs 1 April to 31 March; a day is that day."""
    from cscbench.core.paths import default_package

    frame = pl.read_csv(
        default_package().parent / "datapackage" / "announcements.csv", try_parse_dates=True
    )
    assert (frame["date_end"] >= frame["date"]).all()
    window = {
        r["date_as_stated"]: (r["date"], r["date_end"])
        for r in frame.select("date_as_stated", "date", "date_end").iter_rows(named=True)
    }
    assert window["c. mid-2022 (scrutiny meeting)"] == (dt.date(2022, 5, 1), dt.date(2022, 8, 31))
    assert window["c. late 2009 - early 2010 (approximate; page undated)"] == (
        dt.date(2009, 9, 1),
        dt.date(2010, 4, 30),
    )
    assert window["c. 2020-21 (date not shown)"] == (dt.date(2020, 1, 1), dt.date(2021, 12, 31))
    assert window["c. January 2023"] == (dt.date(2023, 1, 1), dt.date(2023, 1, 31))
    assert window["2015/16 and 2021/22"] == (dt.date(2015, 4, 1), dt.date(2016, 3, 31))
    days = frame.filter(pl.col("date_precision") == "day")
    assert (days["date"] == days["date_end"]).all()
