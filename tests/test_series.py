"""Rows onto current councils and joint members (load(current=, expand_joint=)), and each
current council's latest Ofsted judgement (latest_judgements)."""

from __future__ import annotations

import datetime as dt
import functools
import warnings

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cscbench
from cscbench.analysis import judgements
from cscbench.core.series import ShadowedRowsWarning, as_text, relocate

BARNSLEY_OLD, BARNSLEY = "E08000016", "E08000038"
SHEFFIELD_OLD, SHEFFIELD = "E08000019", "E08000039"
NORTHAMPTONSHIRE = "E10000021"  # abolished 2021, split in two: no series code
JOINT, NORTH, WEST = "E06000061 / E06000062", "E06000061", "E06000062"


@pytest.fixture(scope="module")
def plain() -> pl.DataFrame:
    return cscbench.load("observations")


@pytest.fixture(scope="module")
def moved() -> pl.DataFrame:
    return cscbench.load("observations", current=True, expand_joint=True)


@pytest.fixture(scope="module")
def latest() -> pl.DataFrame:
    return cscbench.latest_judgements()


def _rows(frame: pl.DataFrame, code: str, period: str) -> pl.DataFrame:
    return frame.filter(pl.col("area_code") == code, pl.col("period") == period)


def test_current_keeps_barnsley_and_sheffield_2024_25_spending(
    plain: pl.DataFrame, moved: pl.DataFrame
) -> None:
    for old, new in ((BARNSLEY_OLD, BARNSLEY), (SHEFFIELD_OLD, SHEFFIELD)):
        assert _rows(plain, new, "2024-25").height == 0  # lost to a plain join on current codes
        spending = _rows(moved, new, "2024-25")
        assert spending.height == _rows(plain, old, "2024-25").height > 0
        assert set(spending["published_area_code"]) == {old}


def test_current_keeps_every_row_and_leaves_abolished_councils(
    plain: pl.DataFrame, moved: pl.DataFrame
) -> None:
    joint_rows = plain.filter(pl.col("area_code").str.contains(" / ")).height
    assert moved.height == plain.height + joint_rows  # two members each: one extra row per row
    assert moved.filter(pl.col("area_code").str.contains(" / ")).height == 0
    abolished = moved.filter(pl.col("published_area_code") == NORTHAMPTONSHIRE)
    assert abolished.height > 0 and set(abolished["area_code"]) == {NORTHAMPTONSHIRE}
    series = as_text(cscbench.load("areas")).select(
        pl.col("area_code").alias("published_area_code"), "series_code"
    )
    own = moved.filter(~pl.col("joint_return")).join(series, on="published_area_code")
    expected = pl.coalesce("series_code", "published_area_code")
    assert own.filter(pl.col("area_code") != expected).height == 0


def test_joint_return_figure_goes_to_both_members_flagged(
    plain: pl.DataFrame, moved: pl.DataFrame
) -> None:
    published = plain.filter(pl.col("area_code") == JOINT, pl.col("indicator_id") == "caseload_fte")
    for member in (NORTH, WEST):
        rows = moved.filter(pl.col("area_code") == member, pl.col("indicator_id") == "caseload_fte")
        joint = rows.filter(pl.col("joint_return"))
        assert joint.select("period", "value").equals(published.select("period", "value"))
        assert set(joint["published_area_code"]) == {JOINT}


def test_columns_and_dtypes(moved: pl.DataFrame) -> None:
    assert moved.columns[:4] == ["indicator_id", "area_code", "published_area_code", "joint_return"]
    assert moved.schema["joint_return"] == pl.Boolean
    assert moved.schema["value"] == pl.Float64
    only_current = cscbench.load("inspections", current=True)
    assert "joint_return" not in only_current.columns
    sheffield = only_current.filter(pl.col("area_code") == SHEFFIELD)
    assert set(sheffield["published_area_code"]) == {SHEFFIELD_OLD}  # Ofsted rows to 2023


def test_options_refused_where_rows_are_not_under_a_council() -> None:
    with pytest.raises(ValueError, match="not 'areas'"):
        cscbench.load("areas", current=True)


def _frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    schema = {"area_code": pl.String, "period": pl.String, "value": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


@functools.cache
def _areas() -> pl.DataFrame:
    return as_text(cscbench.load("areas"))


def test_a_clash_keeps_the_current_code_and_warns() -> None:
    frame = _frame([(BARNSLEY_OLD, "2025", 1.0), (BARNSLEY, "2025", 2.0)])
    with pytest.warns(ShadowedRowsWarning, match="1 row"):
        out = relocate(
            frame, _areas(), ["area_code", "period"], "t", current=True, expand_joint=False
        )
    assert out.rows() == [(BARNSLEY, BARNSLEY, "2025", 2.0)]


def test_a_clash_keeps_the_members_own_figure_and_warns() -> None:
    frame = _frame([(JOINT, "2025", 1.0), (NORTH, "2025", 2.0)])
    with pytest.warns(ShadowedRowsWarning):
        out = relocate(
            frame, _areas(), ["area_code", "period"], "t", current=True, expand_joint=True
        )
    assert out.sort("area_code").rows() == [
        (NORTH, NORTH, False, "2025", 2.0),
        (WEST, JOINT, True, "2025", 1.0),
    ]


# Codes of every kind: superseded, their successors, abolished, a joint return and its members.
CODES = [BARNSLEY_OLD, BARNSLEY, SHEFFIELD_OLD, SHEFFIELD, NORTHAMPTONSHIRE, JOINT, NORTH, WEST]
ROWS = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(["2024", "2025"]), st.floats(0, 99)),
    max_size=12,
)


@given(ROWS, st.booleans(), st.booleans())
def test_relocation_rules_hold_for_any_rows(
    rows: list[tuple[str, str, float]], current: bool, expand_joint: bool
) -> None:
    frame = _frame(rows).unique(["area_code", "period"], keep="first", maintain_order=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShadowedRowsWarning)
        out = relocate(
            frame,
            _areas(),
            ["area_code", "period"],
            "t",
            current=current,
            expand_joint=expand_joint,
        )
    assert not out.select("area_code", "period").is_duplicated().any()
    codes = set(out["area_code"])
    if current:
        assert not codes & {BARNSLEY_OLD, SHEFFIELD_OLD}
    if expand_joint:
        assert JOINT not in codes
        assert out.filter(pl.col("joint_return"))["published_area_code"].eq(JOINT).all()
    else:
        assert out.height <= frame.height
    # every row whose code is not moved (a council's own row) survives unchanged
    moving = [BARNSLEY_OLD, SHEFFIELD_OLD] * current + [JOINT] * expand_joint
    own = frame.filter(~pl.col("area_code").is_in(moving))
    kept = out.filter(pl.col("area_code") == pl.col("published_area_code"))
    assert sorted(own.rows()) == sorted(kept.select("area_code", "period", "value").rows())


def test_one_row_per_current_council(latest: pl.DataFrame) -> None:
    councils = cscbench.load("areas").filter(
        pl.col("level") == "local_authority", pl.col("status") == "current"
    )
    assert latest["area_code"].to_list() == sorted(councils["area_code"])
    assert latest.height == 153
    assert latest["grade"].null_count() == 0  # every council has had a graded inspection


def test_superseded_codes_count_for_the_current_council(latest: pl.DataFrame) -> None:
    barnsley = latest.filter(pl.col("area_code") == BARNSLEY).row(0, named=True)
    assert barnsley["grade"] == "Good"
    assert barnsley["graded_published_area_code"] == BARNSLEY_OLD
    assert barnsley["graded_publication_date"] == dt.date(2023, 10, 27)


def test_bradford_2026_keeps_its_grade(latest: pl.DataFrame) -> None:
    bradford = latest.filter(pl.col("name") == "Bradford").row(0, named=True)
    assert bradford["grade"] == "Requires improvement to be good"
    assert bradford["graded_fieldwork_start"] == dt.date(2026, 1, 12)
    assert bradford["graded_publication_date"] == dt.date(2026, 5, 21)
    assert bradford["ungraded_publication_date"] is None


def test_post_april_2026_inspection_is_the_newer_ungraded_one(latest: pl.DataFrame) -> None:
    blackpool = latest.filter(pl.col("name") == "Blackpool").row(0, named=True)
    assert blackpool["grade"] == "Requires improvement to be good"  # from 2023
    assert blackpool["graded_publication_date"] == dt.date(2023, 2, 1)
    assert blackpool["ungraded_framework"] == "ILACS_2026"
    assert blackpool["ungraded_publication_date"] == dt.date(2026, 7, 28)
    ungraded = latest.filter(pl.col("ungraded_publication_date").is_not_null())
    assert (ungraded["ungraded_fieldwork_start"] >= dt.date(2026, 4, 1)).all()
    assert (ungraded["ungraded_publication_date"] > ungraded["graded_publication_date"]).all()


def test_published_by_only_counts_what_was_published_by_then() -> None:
    before = cscbench.latest_judgements(published_by=dt.date(2026, 5, 20))
    bradford = before.filter(pl.col("name") == "Bradford").row(0, named=True)
    assert bradford["graded_publication_date"] < dt.date(2026, 5, 20)
    assert before["ungraded_publication_date"].null_count() == before.height
    assert cscbench.latest_judgements(published_by="2026-05-20").equals(before)


def test_visits_never_count() -> None:
    inspections = as_text(cscbench.load("inspections"))
    leeds = inspections.filter(pl.col("area_code") == "E08000035").tail(1)
    visit = leeds.with_columns(
        judgement=pl.lit("visit"),
        grade=pl.lit(None, pl.String),
        grade_status=pl.lit(None, pl.String),
        publication_date=pl.lit(dt.date(2026, 9, 1)),
    )
    areas = cscbench.load("areas")
    with_visit = judgements.latest_from(pl.concat([inspections, visit]), areas)
    assert with_visit.equals(judgements.latest_from(inspections, areas))
