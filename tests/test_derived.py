"""Computed figures: region totals that do not depend on row order, and visible gaps."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cscbench.ingest.derived import region_totals

REGION = "E12000003"
COUNCILS = ["E08000032", "E08000033", "E08000034", "E08000035", "E08000036"]


def areas_frame() -> pl.DataFrame:
    rows = [{"area_code": REGION, "level": "regional", "region_code": None, "status": "current"}]
    rows += [
        {"area_code": c, "level": "local_authority", "region_code": REGION, "status": "current"}
        for c in COUNCILS
    ]
    return pl.DataFrame(rows).with_columns(
        pl.lit(None, pl.Date).alias("start_date"), pl.lit(None, pl.Date).alias("end_date")
    )


def indicators_frame() -> pl.DataFrame:
    return pl.DataFrame({"indicator_id": ["spend"], "unit": ["gbp_thousand"]})


def observations(values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": "spend",
            "area_code": COUNCILS[: len(values)],
            "period": "2024-25",
            "period_end": dt.date(2025, 3, 31),
            "value": values,
        },
        schema_overrides={"value": pl.Float64},
    )


money = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False).map(lambda v: round(v, 5))


@settings(max_examples=60, deadline=None)
@given(st.lists(money, min_size=5, max_size=5), st.randoms())
def test_region_total_does_not_depend_on_row_order(values: list[float], rnd) -> None:  # type: ignore[no-untyped-def]
    obs = observations(values)
    shuffled = obs.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
    first = region_totals(obs, areas_frame(), indicators_frame())
    second = region_totals(shuffled, areas_frame(), indicators_frame())
    assert first.equals(second)
    assert first["status"].item() == "computed"
    assert abs(first["value"].item() - sum(values)) < 1e-6


def test_a_council_with_no_row_makes_the_total_incomplete() -> None:
    totals = region_totals(observations([1.0, 2.0, 3.0, 4.0]), areas_frame(), indicators_frame())
    assert totals["value"].item() is None
    assert totals["status"].item() == "incomplete"
    assert "1 of 5 missing" in totals["note"].item()


def test_a_suppressed_council_makes_the_total_incomplete() -> None:
    obs = observations([1.0, 2.0, None, 4.0, 5.0])
    totals = region_totals(obs, areas_frame(), indicators_frame())
    assert totals["status"].item() == "incomplete" and totals["value"].item() is None


def test_published_region_figures_are_never_recomputed() -> None:
    obs = pl.concat(
        [
            observations([1.0, 2.0, 3.0, 4.0, 5.0]),
            observations([99.0]).with_columns(pl.lit(REGION).alias("area_code")),
        ]
    )
    assert region_totals(obs, areas_frame(), indicators_frame()).height == 0


statuses = st.sampled_from([None, "computed", "incomplete", "c", "[x]"])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(st.none(), money), min_size=2, max_size=2),
    st.lists(statuses, min_size=2, max_size=2),
)
def test_a_computed_change_has_a_value_or_a_reason(  # type: ignore[no-untyped-def]
    values: list[float | None], codes: list[str | None]
) -> None:
    """A change on the year is ``computed`` only with a value; an empty one carries why (issue 21:
    a complete total beside an incomplete one the year before was ``computed`` with nothing)."""
    from cscbench.ingest.derived import change

    rows = pl.DataFrame(
        {
            "indicator_id": "spend",
            "area_code": COUNCILS[0],
            "period": ["2023-24", "2024-25"],
            "period_end": [dt.date(2024, 3, 31), dt.date(2025, 3, 31)],
            "value": [
                v if s in (None, "computed") else None for v, s in zip(values, codes, strict=True)
            ],
            "status": codes,
        },
        schema_overrides={"value": pl.Float64, "status": pl.String},
    )
    areas = areas_frame().with_columns(pl.lit(None, pl.String).alias("series_code"))
    (row,) = change(rows, areas, "spend", "spend_change", percent=False).to_dicts()
    if row["value"] is None:
        assert row["status"] not in (None, "computed")
    else:
        assert row["status"] == "computed"


def test_no_computed_row_without_a_value_in_the_package() -> None:
    """Issue 21: the package holds no ``computed`` figure without a value."""
    from cscbench.core.paths import default_package

    obs = pl.read_csv(
        default_package().parent / "datapackage" / "observations.csv", infer_schema=False
    )
    empty = obs.filter(pl.col("status") == "computed", pl.col("value").is_null())
    assert empty.height == 0, empty.head(5)
