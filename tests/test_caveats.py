"""Flagged figures: the caveats resource, built at ingest from registry/caveats.toml.

The rules are tested on small frames (fast); the committed package is checked for the figures the
list must flag (Kirklees' agency figures 2021-2025, the Isles of Scilly's ratios on a tiny base)
and against a fresh build from the raw files (the session's ``package_frames``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import statistics
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pinned import NEXT_WORKFORCE_PERIOD, WORKFORCE

import cscbench
from cscbench.core.flags import note_with_reason, note_without_reason
from cscbench.core.paths import ROOT
from cscbench.ingest import caveats
from cscbench.ingest.common import RawInputError
from cscbench.ingest.registry import (
    CAVEATS_FILE,
    COMPUTED_FROM,
    CURATED,
    JUMP,
    SMALL_BASE,
    ZERO,
    Caveat,
    Indicator,
    Registry,
    RegistryError,
    read_registry,
)

KIRKLEES, SCILLY = "E08000034", "E06000053"
KEY = ["indicator_id", "area_code", "period"]


def observations(rows: list[tuple[str, str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": [r[0] for r in rows],
            "area_code": [r[1] for r in rows],
            "period": [r[2] for r in rows],
            "period_end": [dt.date(2025, 3, 31)] * len(rows),
            "value": [r[3] for r in rows],
            "status": [None if r[3] is not None else "c" for r in rows],
            "source_id": ["s"] * len(rows),
            "note": [None] * len(rows),
        },
        schema_overrides={"value": pl.Float64, "status": pl.String, "note": pl.String},
    )


AREAS = pl.DataFrame(
    {
        "area_code": ["E1", "E2", "E1OLD"],
        "series_code": ["E1", "E2", "E1"],
    }
)


def registry(*entries: Caveat, computed: tuple[Indicator, ...] = ()) -> Registry:
    return Registry((), computed, Path("registry"), entries)


CURATED_ZERO = Caveat(
    "zero", CURATED, "Published as 0.", source="s", pattern="^agency_", areas=("E1",),
    periods=("2024", "2025"), value=0.0,
)  # fmt: skip
SMALL = Caveat(
    "small", SMALL_BASE, "On {base} staff.", indicators=("rate",), base=("inpost", "agency"),
    below=5.0,
)  # fmt: skip
CHANGE = Indicator(
    "rate_change", "change", "t", "number", 1, "neutral", "computed", "d", compute="change",
    inputs=("spend",),
)  # fmt: skip


# ---------------------------------------------------------------------------- the rules


def test_a_curated_entry_flags_the_figures_it_names_with_their_value() -> None:
    obs = observations(
        [
            ("agency_rate", "E1", "2024", 0.0),
            ("agency_rate", "E1", "2025", 0.0),
            ("agency_count", "E1", "2025", 0.0),
            ("agency_rate", "E2", "2025", 0.0),  # another council: not named
            ("agency_count", "E1", "2023", 3.0),  # another period: not named
        ]
    )
    built = caveats.build(obs, AREAS, registry(CURATED_ZERO))
    assert built.select(KEY).rows() == [
        ("agency_count", "E1", "2025"),
        ("agency_rate", "E1", "2024"),
        ("agency_rate", "E1", "2025"),
    ]
    assert set(built["kind"]) == {"curated"} and set(built["caveat_id"]) == {"zero"}
    noted = caveats.annotate(obs, built)
    assert noted.filter(pl.col("area_code") == "E2")["note"].item() is None
    assert set(noted.filter(pl.col("note").is_not_null())["note"]) == {"Published as 0."}


def test_a_curated_entry_that_no_longer_holds_stops_ingest() -> None:
    """A figure revised away from the declared value, or an area and period with no figure."""
    revised = observations([("agency_rate", "E1", "2024", 0.0), ("agency_rate", "E1", "2025", 4.2)])
    with pytest.raises(RawInputError, match=r"caveat zero: expected every covered figure to be 0"):
        caveats.build(revised, AREAS, registry(CURATED_ZERO))
    missing = observations([("agency_rate", "E1", "2024", 0.0)])
    pattern = re.escape(f"{CAVEATS_FILE}, caveat zero: covers no figure") + r".*\('E1', '2025'\)"
    with pytest.raises(RawInputError, match=pattern):
        caveats.build(missing, AREAS, registry(CURATED_ZERO))


def test_a_ratio_on_a_tiny_base_is_flagged_with_its_base() -> None:
    """Below the threshold only, and only when every base figure is published."""
    obs = observations(
        [
            ("inpost", "E1", "2025", 0.0),
            ("agency", "E1", "2025", 2.0),
            ("rate", "E1", "2025", 100.0),  # 2 FTE: flagged
            ("inpost", "E2", "2025", 3.0),
            ("agency", "E2", "2025", 2.0),
            ("rate", "E2", "2025", 40.0),  # 5 FTE: not below 5
            ("inpost", "E1", "2024", None),
            ("agency", "E1", "2024", 1.5),
            ("rate", "E1", "2024", 100.0),  # base not published: not judged
            ("rate", "E1", "2023", None),  # no figure: nothing to flag
        ]
    )
    built = caveats.build(obs, AREAS, registry(SMALL))
    assert built.select(*KEY, "kind", "reason").rows() == [
        ("rate", "E1", "2025", "rule", "On 2 staff.")
    ]
    half = observations([("inpost", "E1", "2025", 0.0), ("agency", "E1", "2025", 1.8)])
    half = pl.concat([half, observations([("rate", "E1", "2025", 100.0)])])
    assert caveats.build(half, AREAS, registry(SMALL))["reason"].to_list() == ["On 1.8 staff."]


def test_a_figure_computed_from_a_flagged_one_is_flagged_too() -> None:
    """A change is flagged for the period of a flagged input and the period after, across a code
    change (the earlier figure published under the old code)."""
    spend = Caveat(
        "spend_low", CURATED, "Understated.", source="s", pattern="^spend$", areas=("E1OLD",),
        periods=("2023-24",),
    )  # fmt: skip
    rule = Caveat("derived", COMPUTED_FROM, "From {input} {period}: {reason}")
    obs = observations(
        [
            ("spend", "E1OLD", "2023-24", 10.0),
            ("spend", "E1", "2024-25", 12.0),
            ("rate_change", "E1", "2024-25", 2.0),
            ("rate_change", "E2", "2024-25", 1.0),
        ]
    )
    built = caveats.build(obs, AREAS, registry(spend, rule, computed=(CHANGE,)))
    derived = built.filter(pl.col("caveat_id") == "derived")
    assert derived.select(*KEY, "reason").rows() == [
        ("rate_change", "E1", "2024-25", "From spend 2023-24: Understated.")
    ]


def test_one_figure_one_caveat() -> None:
    twice = Caveat(
        "again", CURATED, "Again.", source="s", pattern="^agency_rate$", areas=("E1",),
        periods=("2025",),
    )  # fmt: skip
    obs = observations([("agency_rate", "E1", "2024", 0.0), ("agency_rate", "E1", "2025", 0.0)])
    with pytest.raises(RawInputError, match="flagged by more than one entry"):
        caveats.build(obs, AREAS, registry(CURATED_ZERO, twice))


def test_the_reason_sits_after_a_figures_own_note_and_comes_off_again() -> None:
    frame = pl.DataFrame(
        {"note": ["x / y x 1000", None, "own"], "reason": ["Flagged.", "Flagged.", None]}
    )
    joined = frame.select(note_with_reason(pl.col("note"), pl.col("reason")).alias("note"))
    assert joined["note"].to_list() == ["x / y x 1000. Flagged.", "Flagged.", "own"]
    back = joined.with_columns(frame["reason"]).select(
        note_without_reason(pl.col("note"), pl.col("reason"))
    )
    assert back.to_series().to_list() == ["x / y x 1000", None, "own"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('\nkind = "small_base"', '\nkind = "smallbase"', r"'kind' should be one of"),
        ("{base} FTE", "{bse} FTE", r"reason uses \['bse'\]"),
        (
            'base = ["inpost_fte"',
            'base = ["in_post_fte"',
            r"unknown indicator\(s\) \['in_post_fte'\]",
        ),
        (
            'source = "dfe_csww"',
            'source = "dfe_csww_2025"',
            r"source 'dfe_csww_2025' not in sources",
        ),
        ("value = 0\n", 'value = "0"\n', r"key 'value' should be a number"),
    ],
)
def test_a_bad_caveat_entry_is_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    directory = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", directory)
    path = directory / CAVEATS_FILE
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(RegistryError, match=message):
        read_registry(directory)


# ---------------------------------------------------------------------------- the package


@pytest.fixture(scope="module")
def flagged() -> pl.DataFrame:
    return cscbench.load("caveats").with_columns(pl.col(pl.Enum).cast(pl.String))


@pytest.fixture(scope="module")
def observed(flagged: pl.DataFrame) -> pl.DataFrame:
    """The flagged figures' rows of observations."""
    obs = cscbench.load("observations").with_columns(pl.col(pl.Enum).cast(pl.String))
    return obs.join(flagged.select(KEY), on=KEY, how="semi")


def test_kirklees_agency_figures_2021_to_2025_are_flagged(
    flagged: pl.DataFrame, observed: pl.DataFrame
) -> None:
    kirklees = flagged.filter(pl.col("area_code") == KIRKLEES, pl.col("period") >= "2021")
    rate = kirklees.filter(pl.col("indicator_id") == "agency_rate_fte")
    assert rate["period"].to_list() == WORKFORCE["kirklees_zero_agency_periods"]
    assert set(kirklees["caveat_id"]) == {"kirklees_agency_zero"}
    assert set(kirklees["kind"]) == {"curated"} and set(kirklees["source_id"]) == {"dfe_csww"}
    values = observed.filter(pl.col("area_code") == KIRKLEES, pl.col("period") >= "2021")["value"]
    assert values.len() == kirklees.height and (values == 0).all()


def test_the_isles_of_scilly_ratios_on_a_tiny_base_are_flagged(flagged: pl.DataFrame) -> None:
    scilly = flagged.filter(pl.col("area_code") == SCILLY)
    row = scilly.filter(pl.col("indicator_id") == "agency_rate_fte", pl.col("period") == "2025")
    assert row.select("caveat_id", "kind").row(0) == ("small_workforce_fte", "rule")
    assert row["reason"].item().startswith("A ratio on a tiny base: 2 FTE social workers")
    assert set(scilly["caveat_id"]) == {
        "small_workforce_fte",
        "small_workforce_headcount",
        "small_child_population",
    }
    # the rule is precise: no other council's workforce is that small
    small = flagged.filter(pl.col("caveat_id").str.starts_with("small_workforce"))
    assert set(small["area_code"]) == {SCILLY}


def test_every_caveat_names_one_figure_whose_note_carries_its_reason(
    flagged: pl.DataFrame, observed: pl.DataFrame
) -> None:
    """The multi-field link Table Schema cannot declare here: each row is a figure of
    observations, with a value, its source, and the reason in its note (after a computed
    figure's formula)."""
    joined = flagged.join(observed, on=KEY, how="left", suffix="_obs")
    assert joined.height == flagged.height and joined["value"].null_count() == 0
    assert (joined["source_id"] == joined["source_id_obs"]).all()
    carried = joined["note"] == joined["reason"]
    appended = joined["note"].str.ends_with(pl.lit(". ") + joined["reason"])
    assert (carried | appended).all()
    assert set(joined.filter(~carried)["source_id"]) == {"cscbench_computed"}


def test_the_committed_caveats_are_what_ingest_builds(
    flagged: pl.DataFrame, package_frames: dict
) -> None:
    built = package_frames["caveats"]
    assert built.select(flagged.columns).equals(flagged.select(flagged.columns))


# ---------------------------------------------------------------------------- rules, not lists


ZERO_RULE = Caveat(
    "zero_agency", ZERO, "0 beside {base} FTE.", indicators=("agency_rate",), base=("inpost",),
    at_least=50.0,
)  # fmt: skip


def test_a_zero_beside_a_sizeable_workforce_is_flagged_and_a_small_one_is_not() -> None:
    obs = observations(
        [
            ("agency_rate", "E1", "2025", 0.0),
            ("inpost", "E1", "2025", 250.0),
            ("agency_rate", "E2", "2025", 0.0),
            ("inpost", "E2", "2025", 21.7),  # below the stated size: left alone
            ("agency_rate", "E1", "2024", 3.5),  # not a zero
            ("inpost", "E1", "2024", 240.0),
        ]
    )
    built = caveats.build(obs, AREAS, registry(ZERO_RULE))
    assert built.select(*KEY, "kind", "reason").rows() == [
        ("agency_rate", "E1", "2025", "rule", "0 beside 250 FTE.")
    ]


def test_a_curated_entry_wins_over_a_rule_on_the_same_figure() -> None:
    """One figure, one caveat: the rule takes only what no curated entry flagged."""
    obs = observations(
        [
            ("agency_rate", "E1", "2024", 0.0),
            ("agency_rate", "E1", "2025", 0.0),
            ("inpost", "E1", "2024", 250.0),
            ("inpost", "E1", "2025", 250.0),
        ]
    )
    built = caveats.build(obs, AREAS, registry(CURATED_ZERO, ZERO_RULE))
    assert set(built["caveat_id"]) == {"zero"}


def test_a_curated_fact_since_a_period_covers_next_years_copy() -> None:
    since = dataclasses.replace(CURATED_ZERO, periods=(), since="2024")
    obs = observations(
        [
            ("agency_rate", "E1", "2023", 2.0),  # before: not covered
            ("agency_rate", "E1", "2024", 0.0),
            ("agency_rate", "E1", "2026", 0.0),  # a later year's copy: still flagged
            ("agency_rate", "E1", "2027", 1.5),  # corrected: not covered, no error
            ("agency_rate", "E1", "2024-25", 0.0),  # another form of period: not covered
        ]
    )
    built = caveats.build(obs, AREAS, registry(since))
    assert built.select(KEY).rows() == [
        ("agency_rate", "E1", "2024"),
        ("agency_rate", "E1", "2026"),
    ]
    stale = observations([("agency_rate", "E1", "2024", 3.0)])
    with pytest.raises(RawInputError, match=r"caveat zero: no figure .* in 2024 with value 0"):
        caveats.build(stale, AREAS, registry(since))


def test_a_rate_on_a_tiny_child_population_uses_the_population_year_it_is_computed_on() -> None:
    rule = Caveat(
        "small_pop", SMALL_BASE, "On {base} children.", indicators=("rate", "per_child"),
        base=("population_0_17",), below=2000.0, base_period="population",
    )  # fmt: skip
    obs = observations(
        [
            ("population_0_17", "E1", "2024", 850.0),
            ("population_0_17", "E1", "2023", 2500.0),
            ("rate", "E1", "2025", 120.0),  # 31 March 2025: mid-2024 population, 850
            ("rate", "E1", "2024", 110.0),  # 31 March 2024: mid-2023 population, 2,500
            ("per_child", "E1OLD", "2024-25", 5987.0),  # FY 2024-25: mid-2024, via the series
            ("population_0_17", "E2", "2024", 150000.0),
            ("rate", "E2", "2025", 50.0),
        ]
    )
    built = caveats.build(obs, AREAS, registry(rule))
    assert built.select(*KEY, "reason").rows() == [
        ("per_child", "E1OLD", "2024-25", "On 850 children."),
        ("rate", "E1", "2025", "On 850 children."),
    ]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    base=st.lists(st.floats(1, 100, allow_nan=False), min_size=8, max_size=12),
    factor=st.floats(1.5, 4),
)
def test_a_jump_is_judged_against_the_councils_own_median(base: list[float], factor: float) -> None:
    """Flagged exactly where the figure is beyond ``factor`` times the series' median either way,
    in series long enough, whatever the values."""
    rule = Caveat(
        "jump", JUMP, "{times} x {median}.", indicators=("rate",), factor=factor, min_periods=8
    )
    rows = [("rate", "E1", str(2000 + n), v) for n, v in enumerate(base)]
    built = caveats.build(observations(rows), AREAS, registry(rule))
    median = statistics.median(base)
    expected = sorted(
        str(2000 + n) for n, v in enumerate(base) if v > median * factor or v < median / factor
    )
    assert sorted(built["period"].to_list()) == expected
    short = caveats.build(observations(rows[:7]), AREAS, registry(rule))
    assert short.is_empty()


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("^(?=agency)", r"not a regular expression cscbench can run"),
        (r"^(a)\1", r"not a regular expression cscbench can run"),
        ("a" * 501, r"at most 500"),
    ],
)
def test_a_caveat_pattern_the_engine_cannot_run_is_refused_naming_the_entry(
    tmp_path: Path, pattern: str, message: str
) -> None:
    directory = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", directory)
    path = directory / CAVEATS_FILE
    text = path.read_text()
    kirklees = next(line for line in text.splitlines() if line.startswith('indicators = "^(agency'))
    path.write_text(text.replace(kirklees, f"indicators = '{pattern}'", 1))
    with pytest.raises(RegistryError, match=r"kirklees_agency_zero.*" + message):
        read_registry(directory)


def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    """``(a+)+$`` backtracks exponentially in Python's re; polars' engine matches it at once."""
    evil = Caveat(
        "evil", CURATED, "x.", source="s", pattern="^(a+)+$", areas=("E1",), periods=("2025",)
    )
    long_id = "a" * 5000 + "!"
    obs = observations([(long_id, "E1", "2025", 1.0), ("a", "E1", "2025", 1.0)])
    built = caveats.build(obs, AREAS, registry(evil))
    assert built["indicator_id"].to_list() == ["a"]


def test_next_years_copy_of_kirklees_zero_agency_is_still_flagged(package_frames: dict) -> None:
    """A synthetic next year: every latest workforce figure copied as the year after. Kirklees'
    zeros stay flagged by its curated entry, and other councils' zeros by the rule, with nothing
    edited."""
    latest, nxt_period = WORKFORCE["latest_period"], NEXT_WORKFORCE_PERIOD
    obs = package_frames["observations"].with_columns(pl.col(pl.Enum).cast(pl.String))
    workforce = obs.filter(pl.col("period") == latest, pl.col("source_id") == "dfe_csww")
    assert workforce.height > 0
    nxt = workforce.with_columns(
        pl.lit(nxt_period).alias("period"), pl.col("period_end").dt.offset_by("1y")
    )
    areas = package_frames["areas"].with_columns(pl.col(pl.Enum).cast(pl.String))
    built = caveats.build(pl.concat([obs, nxt]), areas, read_registry())
    kirklees = built.filter(
        pl.col("area_code") == KIRKLEES, pl.col("indicator_id") == "agency_rate_fte"
    )
    assert kirklees["period"].to_list() == [*WORKFORCE["kirklees_zero_agency_periods"], nxt_period]
    assert set(kirklees["caveat_id"]) == {"kirklees_agency_zero"}
    zeros_2025 = built.filter(
        pl.col("period") == latest, pl.col("caveat_id") == "zero_agency_sizeable_workforce"
    )
    zeros_2026 = built.filter(
        pl.col("period") == nxt_period, pl.col("caveat_id") == "zero_agency_sizeable_workforce"
    )
    assert (
        zeros_2026.select("indicator_id", "area_code")
        .sort(pl.all())
        .equals(zeros_2025.select("indicator_id", "area_code").sort(pl.all()))
    )


def test_the_rules_flag_what_the_issue_found(flagged: pl.DataFrame) -> None:
    """Zero agency beside a sizeable workforce (Brighton and Hove, North Yorkshire), zero leavers
    (Manchester, Oldham, Lewisham 2022), tiny child populations (City of London, Isles of Scilly),
    MHCLG's note 3 (28 England figures), Wakefield's referrals of 2014 to 2016."""

    def ids(area: str, indicator: str) -> set[str]:
        rows = flagged.filter(pl.col("area_code") == area, pl.col("indicator_id") == indicator)
        return set(rows["period"])

    assert ids("E06000043", "agency_rate_fte") >= {"2018", "2019", "2021", "2022", "2023"}
    for council in ("E08000003", "E08000004", "E09000023"):
        assert "2022" in ids(council, "leavers_fte")
    assert "2024-25" in ids("E09000001", "csc_net_expenditure_per_child_gbp")
    note3 = flagged.filter(pl.col("caveat_id") == "mhclg_2023_24_note_3_england_not_grossed")
    assert note3.height == 28 and set(note3["area_code"]) == {"E92000001"}
    assert ids("E08000036", "referral_rate_per_10k") == {"2014", "2015", "2016"}
    assert set(flagged["caveat_id"]) >= {
        "zero_agency_sizeable_workforce",
        "zero_leavers_sizeable_workforce",
        "zero_starters_sizeable_workforce",
        "small_child_population",
        "jump_check",
    }
