"""Comparison logic: rank, band, comparators and series joins (cscbench.analysis.comparison)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pinned import WORKFORCE

import cscbench
from cscbench.analysis import comparison as compare

# Few distinct values so ties are common; None = no figure, with or without a publisher symbol.
VALUES = st.lists(
    st.one_of(
        st.sampled_from([0.0, 1.5, 2.0, 2.0, 7.25, 10.0, 33.3]),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
        st.none(),
    ),
    min_size=1,
    max_size=40,
)
STATUSES = st.sampled_from([None, "c", "x", "z", "u", "low"])


def ranked(
    values: list[float | None], polarity: str, statuses: list[str | None] | None = None
) -> pl.DataFrame:
    statuses = statuses or [None] * len(values)
    frame = pl.DataFrame(
        {
            "indicator_id": "i",
            "period": "2025",
            "value": values,
            "status": [s if v is None else None for v, s in zip(values, statuses, strict=True)],
            "polarity": polarity,
        },
        schema={
            "indicator_id": pl.String,
            "period": pl.String,
            "value": pl.Float64,
            "status": pl.String,
            "polarity": pl.String,
        },
    )
    return compare.rank_units(frame)


def better_count(values: list[float], x: float, polarity: str) -> int:
    return sum(1 for y in values if (y < x if polarity == "low_is_good" else y > x))


@given(VALUES, st.sampled_from(["low_is_good", "high_is_good"]))
def test_ranks_are_min_ranks_and_a_permutation_with_ties(values, polarity) -> None:
    out = ranked(values, polarity)
    present = [v for v in values if v is not None]
    ranks = out["rank"].to_list()
    for value, rank in zip(values, ranks, strict=True):
        if value is None:
            assert rank is None
        else:
            assert rank == 1 + better_count(present, value, polarity)
    expected = sorted(1 + better_count(present, v, polarity) for v in present)
    assert sorted(r for r in ranks if r is not None) == expected
    if len(set(present)) == len(present):  # no ties: exactly 1..n
        assert expected == list(range(1, len(present) + 1))
    assert set(out["ranked_count"].drop_nulls()) <= {len(present)}


@given(VALUES)
def test_flipping_polarity_reverses_ranks(values) -> None:
    low = ranked(values, "low_is_good")["rank"].to_list()
    high = ranked(values, "high_is_good")["rank"].to_list()
    idx = [i for i, v in enumerate(values) if v is not None]
    for a in idx:
        for b in idx:
            assert (low[a] < low[b]) == (high[a] > high[b])
            assert (low[a] == low[b]) == (high[a] == high[b])


@given(VALUES, st.sampled_from(["low_is_good", "high_is_good"]))
def test_bands_partition_the_ranked_councils(values, polarity) -> None:
    out = ranked(values, polarity).filter(pl.col("rank").is_not_null())
    n = out.height
    assert out["band"].null_count() == 0
    assert set(out["band"]) <= set(compare.BANDS)
    for rank, band in out.select("rank", "band").iter_rows():
        position = 4 * rank
        want = (
            "A"
            if position <= n
            else "B"
            if position <= 2 * n
            else "C"
            if position <= 3 * n
            else "D"
        )
        assert band == want
    # a better (lower) rank never gets a worse band
    ordered = out.sort("rank")["band"].to_list()
    assert ordered == sorted(ordered)


@given(VALUES)
def test_neutral_indicators_get_no_rank_or_band(values) -> None:
    out = ranked(values, "neutral")
    assert out["rank"].null_count() == out.height
    assert out["band"].null_count() == out.height
    assert set(out["rank_note"]) == {"neutral indicator: not ranked"}


@settings(max_examples=50)
@given(
    st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 100)), STATUSES), min_size=1, max_size=30)
)
def test_suppressed_values_are_unranked_with_their_status(rows) -> None:
    values = [v for v, _ in rows]
    statuses = [s for _, s in rows]
    out = ranked(values, "low_is_good", statuses)
    for value, status, rank, note in out.select("value", "status", "rank", "rank_note").iter_rows():
        if value is not None:
            assert rank is not None and note is None
        elif status is not None:
            assert rank is None and note == f"not ranked: published as {status}"
        else:
            assert rank is None and note == "not ranked: no figure"


def test_band_boundaries_exact() -> None:
    out = ranked([float(i) for i in range(1, 9)], "low_is_good")
    assert out["band"].to_list() == ["A", "A", "B", "B", "C", "C", "D", "D"]


# ---------------------------------------------------------------------------- a small package


LEEDS_NEIGHBOURS = {"E08000035": ["E08000016", "E08000036", "E06000061", "E06000062"]}
JOINT = "E06000061 / E06000062"


def small_inputs(
    values: dict[str, float | None], neighbours: dict[str, list[str]] | None = None
) -> compare.Inputs:
    """England, one region, six councils (one superseded code, two in a joint return)."""
    areas = pl.DataFrame(
        [
            ("E92000001", "England", "national", None, "current", "E92000001", None),
            ("E12000003", "Region", "regional", "E12000003", "current", "E12000003", None),
            (
                "E08000016",
                "Barnsley",
                "local_authority",
                "E12000003",
                "superseded",
                "E08000038",
                None,
            ),
            ("E08000038", "Barnsley", "local_authority", "E12000003", "current", "E08000038", None),
            ("E08000035", "Leeds", "local_authority", "E12000003", "current", "E08000035", None),
            (
                "E08000036",
                "Wakefield",
                "local_authority",
                "E12000003",
                "current",
                "E08000036",
                None,
            ),
            ("E06000061", "North", "local_authority", "E12000003", "current", "E06000061", None),
            ("E06000062", "West", "local_authority", "E12000003", "current", "E06000062", None),
            (
                "E06000061 / E06000062",
                "North / West",
                "joint_return",
                "E12000003",
                "current",
                "E06000061 / E06000062",
                "E06000061|E06000062",
            ),
            ("E10000021", "Old county", "local_authority", "E12000003", "abolished", None, None),
        ],
        schema=[
            "area_code",
            "name",
            "level",
            "region_code",
            "status",
            "series_code",
            "member_codes",
        ],
        orient="row",
    )
    indicators = pl.DataFrame({"indicator_id": ["caseload_fte"], "polarity": ["low_is_good"]})
    rows = [
        ("E08000016", "2024", 20.0),
        ("E08000038", "2025", 18.0),
        ("E10000021", "2024", 99.0),
        ("E12000003", "2025", 16.0),
        ("E92000001", "2025", 15.0),
    ] + [(code, "2025", v) for code, v in values.items()]
    observations = pl.DataFrame(
        {
            "indicator_id": "caseload_fte",
            "area_code": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "period_end": [dt.date(int(r[1]), 9, 30) for r in rows],
            "value": [r[2] for r in rows],
            "status": [None if r[2] is not None else "c" for r in rows],
            "note": None,
            "source_id": "s",
        },
        schema_overrides={"status": pl.String, "note": pl.String, "value": pl.Float64},
    )
    pairs = [
        (code, rank, nb)
        for code, nbs in (neighbours or LEEDS_NEIGHBOURS).items()
        for rank, nb in enumerate(nbs, start=1)
    ]
    neighbour_frame = pl.DataFrame(
        pairs, schema=["area_code", "rank", "neighbour_code"], orient="row"
    )
    return compare.Inputs(areas, indicators, observations, neighbour_frame)


def test_series_code_joins_barnsleys_two_codes() -> None:
    grid = compare.compare(small_inputs({"E08000035": 14.0}))
    barnsley = grid.filter(pl.col("unit_code") == "E08000038").sort("period")
    assert barnsley["period"].to_list() == ["2024", "2025"]
    assert barnsley["value"].to_list() == [20.0, 18.0]
    assert barnsley["source_code"].to_list() == ["E08000016", "E08000038"]
    assert "E08000016" not in grid["unit_code"].to_list()
    assert "E10000021" not in grid["unit_code"].to_list()  # abolished: no series


def test_joint_return_ranked_once_and_members_take_its_figure() -> None:
    grid = compare.latest(
        compare.compare(
            small_inputs({"E08000035": 14.0, "E08000036": None, "E06000061 / E06000062": 16.5})
        )
    )
    by = {r["unit_code"]: r for r in grid.iter_rows(named=True)}
    joint = by["E06000061 / E06000062"]
    assert joint["basis"] == "own" and joint["rank"] is not None
    for member in ("E06000061", "E06000062"):
        row = by[member]
        assert row["value"] == 16.5 and row["basis"] == "joint"
        assert row["basis_code"] == "E06000061 / E06000062"
        assert (row["rank"], row["band"]) == (joint["rank"], joint["band"])
        assert row["rank_note"].startswith("rank of the joint return")
    # ranked: Barnsley 18, Leeds 14, joint 16.5 (Wakefield suppressed, members not counted twice)
    assert joint["ranked_count"] == 3
    assert by["E08000035"]["rank"] == 1 and joint["rank"] == 2 and by["E08000038"]["rank"] == 3
    assert by["E08000036"]["rank"] is None
    assert by["E08000036"]["rank_note"] == "not ranked: published as c"


def test_neighbour_mean_median_and_count() -> None:
    grid = compare.latest(
        compare.compare(small_inputs({"E08000035": 14.0, "E08000036": None, JOINT: 16.5}))
    )
    leeds = grid.filter(pl.col("unit_code") == "E08000035").row(0, named=True)
    # neighbours: Barnsley (old code, mapped to its series) 18, Wakefield suppressed, and both
    # Northamptonshire members through the one joint figure 16.5, which counts once
    have = [18.0, 16.5]
    assert leeds["sn_count"] == 2 and leeds["sn_total"] == 4
    assert leeds["sn_mean"] == pytest.approx(statistics.mean(have))
    assert leeds["sn_median"] == pytest.approx(statistics.median(have))
    assert leeds["sn_merged"] == "E06000061|E06000062" and leeds["sn_excluded"] is None
    assert leeds["region_value"] == 16.0 and leeds["england_value"] == 15.0


def test_joint_members_own_figures_count_separately() -> None:
    """Only a shared joint figure is merged: members with figures of their own are two councils."""
    grid = compare.latest(
        compare.compare(small_inputs({"E08000035": 14.0, "E06000061": 16.0, "E06000062": 17.0}))
    )
    leeds = grid.filter(pl.col("unit_code") == "E08000035").row(0, named=True)
    assert leeds["sn_count"] == 3 and leeds["sn_merged"] is None
    assert leeds["sn_mean"] == pytest.approx(statistics.mean([18.0, 16.0, 17.0]))


def test_a_member_is_not_compared_with_its_own_joint_return() -> None:
    """North's figure is the joint one; West (its neighbour) carries the same figure: left out."""
    inputs = small_inputs(
        {"E08000035": 14.0, JOINT: 16.5},
        neighbours={"E06000061": ["E06000062", "E08000035", "E08000038"]},
    )
    north = (
        compare.latest(compare.compare(inputs))
        .filter(pl.col("unit_code") == "E06000061")
        .row(0, named=True)
    )
    assert north["basis"] == "joint"
    assert north["sn_excluded"] == "E06000062" and north["sn_merged"] is None
    assert north["sn_count"] == 2 and north["sn_total"] == 3
    assert north["sn_mean"] == pytest.approx(statistics.mean([14.0, 18.0]))


@pytest.mark.parametrize("joint_value", [16.5, None])
def test_member_rank_note_follows_the_joint_figure(joint_value: float | None) -> None:
    """Status first, as for any unit: a suppressed joint figure is not called a rank."""
    grid = compare.latest(compare.compare(small_inputs({"E08000035": 14.0, JOINT: joint_value})))
    by = {r["unit_code"]: r for r in grid.iter_rows(named=True)}
    for member in ("E06000061", "E06000062"):
        row = by[member]
        assert row["basis"] == "joint" and row["basis_code"] == JOINT
        assert (row["rank"], row["band"]) == (by[JOINT]["rank"], by[JOINT]["band"])
        if joint_value is None:
            status = by[JOINT]["status"]
            assert row["rank"] is None and status is not None
            assert row["rank_note"] == f"{by[JOINT]['rank_note']} (joint return {JOINT})"
            assert "rank of" not in row["rank_note"]
        else:
            assert row["rank"] is not None
            assert row["rank_note"] == f"rank of the joint return {JOINT}"


def test_a_flagged_figure_is_unranked_and_out_of_neighbour_statistics() -> None:
    """Wakefield's 12.0 is flagged: shown with its caveat, no rank or band, not counted by Leeds'
    neighbour mean and median; a flagged joint figure leaves its members unranked too."""
    inputs = small_inputs(
        {"E08000035": 14.0, "E08000036": 12.0, JOINT: 16.5},
        neighbours={"E08000035": ["E08000036", "E08000038"]},
    )
    flags = pl.DataFrame(
        {
            "indicator_id": ["caseload_fte"] * 2,
            "area_code": ["E08000036", JOINT],
            "period": ["2025"] * 2,
            "reason": ["Implausible.", "Joint."],
            "caveat_id": ["x", "y"],
        }
    )
    grid = compare.latest(compare.compare(dataclasses.replace(inputs, caveats=flags)))
    by = {r["unit_code"]: r for r in grid.iter_rows(named=True)}
    wakefield = by["E08000036"]
    assert (
        wakefield["value"] == 12.0
        and wakefield["flagged"]
        and wakefield["caveat"] == "Implausible."
    )
    assert (wakefield["rank"], wakefield["band"]) == (None, None)
    assert wakefield["rank_note"] == compare.FLAGGED_NOTE
    leeds = by["E08000035"]
    assert (leeds["rank"], leeds["ranked_count"]) == (1, 2)  # Leeds 14 and Barnsley 18 only
    assert (leeds["sn_count"], leeds["sn_total"], leeds["sn_mean"]) == (1, 2, 18.0)
    assert leeds["sn_flagged"] == "E08000036" and not leeds["flagged"]
    member = by["E06000061"]
    assert (
        member["rank"] is None
        and member["rank_note"] == f"{compare.FLAGGED_NOTE} (joint return {JOINT})"
    )


def test_previous_period_follows_the_series() -> None:
    grid = compare.compare(small_inputs({"E08000035": 14.0}))
    barnsley = grid.filter(pl.col("unit_code") == "E08000038").sort("period_end")
    # 2025 under the new code, 2024 under the old one: one series
    assert barnsley["previous_period"].to_list() == [None, "2024"]
    assert barnsley["previous_value"].to_list() == [None, barnsley["value"][0]]


def test_to_series_code_keeps_row_order() -> None:
    areas = small_inputs({}).areas
    frame = pl.DataFrame({"area_code": ["E10000021", "E08000016", "E08000035", "E08000016"]})
    kept = compare.to_series_code(frame, areas)
    assert kept["area_code"].to_list() == frame["area_code"].to_list()
    assert kept["unit_code"].to_list() == ["E10000021", "E08000038", "E08000035", "E08000038"]
    dropped = compare.to_series_code(frame, areas, drop_unmapped=True)
    assert dropped["unit_code"].to_list() == ["E08000038", "E08000035", "E08000038"]


def shuffled(inputs: compare.Inputs, seed: int) -> compare.Inputs:
    return compare.Inputs(
        *(
            frame.sample(fraction=1.0, shuffle=True, seed=seed + i)
            for i, frame in enumerate(
                (inputs.areas, inputs.indicators, inputs.observations, inputs.neighbours)
            )
        ),
        None
        if inputs.caveats is None
        else inputs.caveats.sample(fraction=1.0, shuffle=True, seed=seed),
    )


@settings(max_examples=30)
@given(st.integers(0, 2**31))
def test_compare_does_not_depend_on_input_row_order(seed: int) -> None:
    inputs = small_inputs(
        {"E08000035": 14.0, "E08000036": None, JOINT: 16.5},
        neighbours={
            **LEEDS_NEIGHBOURS,
            "E06000061": ["E06000062", "E08000035", "E08000038"],
            "E08000036": ["E08000035", "E06000062", "E06000061", "E08000038"],
        },
    )
    assert compare.compare(shuffled(inputs, seed)).equals(compare.compare(inputs))


def test_units_without_a_row_are_kept() -> None:
    grid = compare.latest(compare.compare(small_inputs({"E08000035": 14.0})))
    wakefield = grid.filter(pl.col("unit_code") == "E08000036").row(0, named=True)
    assert wakefield["value"] is None and wakefield["rank_note"] == "not ranked: no figure"


# ---------------------------------------------------------------------------- the committed package


@pytest.fixture(scope="module")
def package_grid() -> pl.DataFrame:
    return compare.compare(package_inputs())


def package_inputs() -> compare.Inputs:
    names = ("areas", "indicators", "observations", "statistical_neighbours", "caveats")
    return compare.Inputs(*(cscbench.load(name) for name in names))


def test_package_barnsley_is_one_line(package_grid: pl.DataFrame) -> None:
    obs = cscbench.load("observations").filter(pl.col("indicator_id") == "caseload_fte")
    old = obs.filter(pl.col("area_code") == "E08000016")
    line = package_grid.filter(
        pl.col("unit_code") == "E08000038", pl.col("indicator_id") == "caseload_fte"
    )
    joined = line.join(old.select("period", pl.col("value").alias("old")), on="period")
    assert joined.height == old.height > 0
    assert (joined["value"] == joined["old"]).all()


def test_package_compare_does_not_depend_on_input_row_order(package_grid: pl.DataFrame) -> None:
    assert compare.compare(shuffled(package_inputs(), 7)).equals(package_grid)


def test_package_swindon_counts_the_northamptonshire_joint_return_once(
    package_grid: pl.DataFrame,
) -> None:
    """Swindon's neighbours include North and West Northamptonshire, which share one workforce
    return: its figure is one figure among the neighbours, not two."""
    swindon = "E06000030"
    areas = cscbench.load("areas")
    members = (
        areas.filter(
            pl.col("level") == "joint_return", pl.col("area_code").str.contains("E06000061")
        )
        .row(0, named=True)["member_codes"]
        .split("|")
    )
    neighbours = cscbench.load("statistical_neighbours").filter(pl.col("area_code") == swindon)
    assert set(members) <= set(neighbours["neighbour_code"])
    latest = compare.latest(package_grid).filter(pl.col("indicator_id") == "caseload_fte")
    figures = latest.filter(
        pl.col("unit_code").is_in(neighbours["neighbour_code"].implode()),
        pl.col("value").is_not_null(),
    )
    distinct = figures.unique("basis_code")["value"].to_list()
    assert figures.height > len(distinct)  # the package really has the shared joint figure
    row = latest.filter(pl.col("unit_code") == swindon).row(0, named=True)
    assert row["sn_count"] == len(distinct) and row["sn_total"] == neighbours.height
    assert row["sn_mean"] == pytest.approx(statistics.mean(distinct))
    assert row["sn_median"] == pytest.approx(statistics.median(distinct))
    assert row["sn_merged"] == "|".join(sorted(members))


def test_package_leeds_agency_neighbour_mean_leaves_flagged_kirklees_out(
    package_grid: pl.DataFrame,
) -> None:
    """The acceptance figure: 12.5 over 9 councils (2025); Kirklees' 0.0 is unranked."""
    latest = compare.latest(package_grid).filter(pl.col("indicator_id") == "agency_rate_fte")
    by = {r["unit_code"]: r for r in latest.iter_rows(named=True)}
    leeds, kirklees = by["E08000035"], by["E08000034"]
    assert leeds["period"] == WORKFORCE["latest_period"]
    assert (leeds["sn_count"], leeds["sn_total"]) == (WORKFORCE["leeds_agency_sn_count"], 10)
    assert round(leeds["sn_mean"], 1) == WORKFORCE["leeds_agency_sn_mean"]
    assert leeds["sn_flagged"] == "E08000034"
    assert kirklees["value"] == 0 and kirklees["flagged"] and kirklees["rank"] is None


def test_package_ranks_cover_current_councils_and_joint_returns(package_grid: pl.DataFrame) -> None:
    latest = compare.latest(package_grid).filter(pl.col("indicator_id") == "caseload_fte")
    own = latest.filter(pl.col("basis") == "own", pl.col("value").is_not_null(), ~pl.col("flagged"))
    assert own["rank"].null_count() == 0
    assert own["ranked_count"].unique().to_list() == [own.height]
    assert latest.filter(pl.col("level") == "joint_return")["rank"].null_count() == 0


def test_change_direction_follows_polarity() -> None:
    """A fall in a low-is-good rate is better, a rise worse; neutral and flagged get no direction."""
    frame = pl.DataFrame(
        {
            "value": [20.0, 25.0, 5.0, 5.0, 3.0, 4.0],
            "previous_value": [25.0, 20.0, 4.0, 5.0, 1.0, None],
            "polarity": [
                "low_is_good",
                "low_is_good",
                "high_is_good",
                "low_is_good",
                "neutral",
                "low_is_good",
            ],
            "flagged": [False, False, False, False, False, False],
            "previous_flagged": [False, False, False, False, False, None],
        }
    ).with_columns(compare.change_exprs())
    assert frame["change_direction"].to_list() == [
        "better",
        "worse",
        "better",
        "no change",
        None,
        None,
    ]
    flagged = frame.with_columns(pl.lit(True).alias("previous_flagged")).with_columns(
        compare.change_exprs()
    )
    assert flagged["change_direction"].null_count() == flagged.height
