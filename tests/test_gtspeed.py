"""The fast great-tables rendering (publish/gtspeed.py) writes the same bytes as great-tables.

Held to great-tables' own ``as_raw_html`` on generated tables (formatted and unformatted cells,
nulls and NaN, text to escape, substitutions, footnotes on body and stub cells, styles, row groups)
and on real tables of the site: profiles (many footnotes and band colours), the headline and the
groups' tables.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from great_tables import GT, _gt_data, _tbl_data, _utils_render_html, gt, loc, style
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cscbench.core.paths import ROOT
from cscbench.publish import formatting as fmt
from cscbench.publish import gtspeed

TEXT = st.text(alphabet="ab <>&\"'é1", max_size=6)
SIDE = st.sampled_from(["top", "bottom"])
NUMBER = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False, width=32))


@st.composite
def tables(draw: st.DrawFn) -> GT:
    rows = draw(st.integers(1, 8))
    frame = pl.DataFrame(
        {
            "name": draw(st.lists(TEXT, min_size=rows, max_size=rows)),
            "group": draw(st.lists(st.sampled_from(["g1", "g<2>"]), min_size=rows, max_size=rows)),
            "value": draw(st.lists(NUMBER, min_size=rows, max_size=rows)),
            "note": draw(st.lists(st.one_of(st.none(), TEXT), min_size=rows, max_size=rows)),
            "count": draw(
                st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=rows, max_size=rows)
            ),
        },
        schema={
            "name": pl.String,
            "group": pl.String,
            "value": pl.Float64,
            "note": pl.String,
            "count": pl.Int64,
        },
    )
    stub = draw(st.sampled_from([None, "name", ["group", "name"]]))
    grouped = draw(st.booleans()) and stub != ["group", "name"]
    table = GT(
        frame,
        rowname_col=stub,
        groupname_col="group" if grouped else None,
        id="t",
    ).opt_footnote_marks("numbers")
    if grouped and draw(st.booleans()):
        table = table.tab_options(row_group_as_column=True)
    if draw(st.booleans()):
        table = table.opt_row_striping().tab_options(row_striping_include_stub=draw(st.booleans()))
    if stub == "name" and draw(st.booleans()):
        table = table.tab_stub_indent(rows=[0], indent=draw(st.integers(1, 6)))
    if draw(st.booleans()):
        table = table.grand_summary_rows(fns={"Total": pl.len()}, side=draw(SIDE))
    if draw(st.booleans()):
        table = table.fmt_number(columns="value", decimals=draw(st.integers(0, 2)))
    if draw(st.booleans()):
        table = table.fmt(lambda v: "" if v is None else f"<b>{v}</b>", columns="note")
    if draw(st.booleans()):
        table = table.sub_missing(columns=["value", "count"], missing_text="—")
    for _ in range(draw(st.integers(0, 6))):
        column = draw(st.sampled_from(["value", "note", "count"]))
        picked = draw(st.lists(st.integers(0, rows - 1), min_size=1, max_size=3, unique=True))
        table = table.tab_footnote(
            draw(TEXT) or "n", locations=loc.body(columns=column, rows=picked)
        )
    if draw(st.booleans()):
        table = table.tab_footnote("on a stub", locations=loc.stub(rows=[0]))
    if stub == "name" and draw(st.booleans()):
        table = table.tab_footnote("a stub column", locations=loc.stub(columns="name", rows=[0]))
    if grouped and draw(st.booleans()):
        table = table.tab_footnote("a group", locations=loc.row_groups(rows=["g<2>"]))
    for _ in range(draw(st.integers(0, 3))):
        column = draw(st.sampled_from(["value", "note", "count"] + ([] if stub else ["name"])))
        picked = draw(st.lists(st.integers(0, rows - 1), min_size=1, max_size=3, unique=True))
        table = table.tab_style(
            style=[style.fill(color="#f2f2f2"), style.text(weight="bold")],
            locations=loc.body(columns=column, rows=picked),
        )
    if stub and draw(st.booleans()):
        table = table.tab_style(style=style.text(color="red"), locations=loc.stub(rows=[0]))
    if grouped and draw(st.booleans()):
        table = table.tab_style(style=style.fill(color="#eee"), locations=loc.row_groups())
    if draw(st.booleans()):
        table = table.tab_header(title="T").tab_footnote("title", locations=loc.title())
    if draw(st.booleans()):
        table = table.tab_footnote(draw(TEXT) or "c", locations=loc.column_labels(columns="count"))
    if draw(st.booleans()):
        table = table.opt_footnote_order("preserve_order")
    if draw(st.booleans()):
        table = table.opt_footnote_marks(draw(st.sampled_from(["letters", "standard"])))
    if draw(st.booleans()):
        table = table.opt_footnote_spec(spec_ref="(x)")
    if draw(st.booleans()):
        table = table.fmt(lambda v: f'<svg id="i{v}"><use href="#i{v}"/></svg>', columns="count")
    return table


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_generated_tables_render_the_same_bytes(table: GT) -> None:
    assert gtspeed.html(table) == table.as_raw_html()


def test_rendering_twice_and_nested_gives_the_same_bytes() -> None:
    frame = pl.DataFrame({"a": ["x", None, "<y>"], "b": [1.5, math.nan, None]})
    table = GT(frame, id="n").tab_footnote("f", locations=loc.body(columns="b", rows=[0, 2]))
    stock = table.as_raw_html()
    with gtspeed.active():
        assert gtspeed.html(table) == stock  # re-entrant
        assert table.as_raw_html() == stock
    assert gtspeed.html(table) == stock


def swapped() -> tuple[object, ...]:
    """The great-tables functions :func:`gtspeed.active` swaps in and out."""
    return (
        _gt_data.Body.render_formats,
        gt._migrate_unformatted_to_output,
        _utils_render_html._get_footnote_mark_string,
        gt.create_body_component_h,
        _tbl_data._get_cell.registry[_tbl_data.PlDataFrame],
        _tbl_data._set_cell.registry[_tbl_data.PlDataFrame],
        _tbl_data.create_empty_frame.registry[_tbl_data.PlDataFrame],
    )


def test_great_tables_is_restored_after_the_block() -> None:
    before = swapped()
    with pytest.raises(RuntimeError), gtspeed.active():
        assert all(a is not b for a, b in zip(swapped(), before, strict=True))
        raise RuntimeError
    assert swapped() == before


def test_another_great_tables_version_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gtspeed, "PINNED", "0.0.0")
    original = _gt_data.Body.render_formats
    with gtspeed.active():
        assert _gt_data.Body.render_formats is original


FRAMES = st.lists(
    st.sampled_from(
        [
            pl.String,
            pl.Float64,
            pl.Int64,
            pl.Boolean,
            pl.Date,
            pl.Enum(["a", "b"]),
            pl.List(pl.Int64),
        ]
    ),
    max_size=4,
)


@settings(max_examples=30, deadline=None)
@given(FRAMES, st.integers(0, 3))
def test_an_empty_body_is_great_tables_own(dtypes: list[pl.DataType], rows: int) -> None:
    """``GT()``'s empty body, made at once, equals great-tables' cleared and cast frame."""
    frame = pl.DataFrame([pl.Series(f"c{k}", [None] * rows, dtype=d) for k, d in enumerate(dtypes)])
    stock = GT(frame, id="e")._body.body
    with gtspeed.active():
        fast = GT(frame, id="e")._body.body
    assert fast.equals(stock) and fast.schema == stock.schema and fast.height == stock.height


def test_the_pinned_version_is_the_locked_one() -> None:
    """The fast paths follow great-tables' private functions: a new lock needs a new look."""
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert f"great-tables=={gtspeed.PINNED}" in lock
    assert gtspeed.supported()


@pytest.fixture(scope="module")
def real_tables(context) -> list[fmt.Table]:
    from cscbench.publish import groups, headline, profiles

    ctx = context
    rows = profiles.profile_rows(ctx)
    codes = rows["unit_code"].unique(maintain_order=True).to_list()[:3]
    pages = [profiles.profile_page(ctx, c, rows.filter(pl.col("unit_code") == c)) for c in codes]
    pages += headline.build(ctx) + groups.build(ctx)
    return [t for p in pages for t in (*p.tables, *p.shown) if t.gt is not None]


def test_real_tables_render_the_same_bytes(real_tables: list[fmt.Table]) -> None:
    assert len(real_tables) > 5
    for table in real_tables:
        assert gtspeed.html(table.gt) == table.gt.as_raw_html(), table.stem
