"""Rows worked out once for many tables (issue 18's publish CPU): the headline page's tables are
cut from one pass over every key indicator, the regions' from one pass over the nine regions, the
indicator and compare pages' from one pass over every indicator, the profiles' from one pass over
every council. Each cut must be what a pass of its own gives (the published site's bytes rest on
it), whichever indicators or councils are asked for.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cscbench.core.domain import ENGLAND
from cscbench.publish import indicator_pages, profiles, regions, themes
from cscbench.publish.context import Context
from cscbench.publish.headline_rows import display_columns, indicator_rows, subset

CODES = ["E08000035", "E08000036", "E09000033"]  # Leeds, Wakefield, Westminster: two regions


@pytest.fixture(scope="module")
def ctx(context: Context) -> Context:
    return context


def key_ids(ctx: Context) -> tuple[str, ...]:
    key = themes.key_indicators(ctx.indicators)["indicator_id"].to_list()
    return (*ctx.headline, *(i for i in key if i not in ctx.headline))


@pytest.fixture(scope="module")
def shared(ctx: Context) -> pl.DataFrame:
    """The pair's rows of every key indicator, as the headline page works them out."""
    return display_columns(indicator_rows(ctx, CODES, key_ids(ctx)))


@settings(max_examples=5)  # each example: a display pass over the pair's rows
@given(data=st.data())
def test_headline_rows_cut_from_every_key_indicator(
    ctx: Context, shared: pl.DataFrame, data: st.DataObject
) -> None:
    every = key_ids(ctx)
    ids = tuple(data.draw(st.lists(st.sampled_from(every), min_size=1, max_size=6, unique=True)))
    assert_frame_equal(subset(shared, ids), display_columns(indicator_rows(ctx, CODES, ids)))


def test_region_rows_cut_from_every_region(ctx: Context) -> None:
    """Each region's rows: its councils, then the region and England, as a pass of its own."""
    for region in ["E12000003", "E12000007"]:  # Yorkshire and The Humber, London
        rows = regions.long_rows(ctx, region, ctx.headline)
        councils = rows.filter(pl.col("row_kind") == "council")
        assert set(councils["region_code"]) == {region}
        assert councils["unit_code"].n_unique() > 1
        others = rows.filter(pl.col("row_kind") != "council")
        assert others["unit_code"].unique(maintain_order=True).to_list() == [region, ENGLAND]
        assert rows["row_kind"].to_list() == sorted(
            rows["row_kind"], key=["council", "region", "england"].index
        )


def test_indicator_rows_cut_from_every_indicator(ctx: Context) -> None:
    every = indicator_pages.all_rows(ctx)
    assert_frame_equal(indicator_pages.rows(ctx), every)
    chosen = indicator_pages.rows(ctx, ctx.headline)
    assert set(chosen["indicator_id"]) == set(ctx.headline)
    assert_frame_equal(chosen, every.filter(pl.col("indicator_id").is_in(ctx.headline)))


def test_profile_tables_cut_from_every_council(ctx: Context) -> None:
    rows = profiles.profile_rows(ctx)
    cut = profiles.table_rows(rows)
    assert len(cut) == rows["unit_code"].n_unique()
    for code in ["E08000035", "E09000001"]:  # Leeds; the City of London
        own = rows.filter(pl.col("unit_code") == code)
        shown_rows = own.filter(pl.col("shown"))
        assert_frame_equal(cut[code].shown_rows, shown_rows)
        assert_frame_equal(cut[code].shown, shown_rows.select(profiles.shown_columns()))
        assert_frame_equal(cut[code].data, profiles.csv_frame(own))
