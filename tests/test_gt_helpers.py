"""The great-tables helpers (publish/gt_helpers.py) mark and colour exactly the cells they name.

Rules checked on generated columns, against a plain reading of each rule; the whole site's bytes
are held by tests/test_gtspeed.py and the site tests.
"""

from __future__ import annotations

import polars as pl
from great_tables import GT
from hypothesis import given, settings
from hypothesis import strategies as st

from cscbench.publish import gt_helpers

COLOURS = {"A": ("#a", "#1"), "B": ("#b", "#2"), "Good": ("#g", "#3")}
CELLS = st.lists(st.one_of(st.none(), st.sampled_from(["A", "A (joint)", "B", "—", "Go", "Good"])))


@settings(max_examples=40, deadline=None)
@given(CELLS)
def test_style_letters_colours_each_cell_starting_with_a_letter(cells: list[str | None]) -> None:
    frame = pl.DataFrame({"band": cells}, schema={"band": pl.String})
    styled = gt_helpers.style_letters(GT(frame, id="s"), frame, "band", COLOURS)
    expected = [
        (row, text)
        for text in COLOURS  # one style per letter, in the colours' order, rows ascending
        for row, cell in enumerate(cells)
        if cell is not None and cell.startswith(text)
    ]
    got = [(s.rownum, s.styles[0].color) for s in styled._styles]
    assert got == [(row, COLOURS[text][0]) for row, text in expected]
    assert all(s.colname == "band" for s in styled._styles)


NOTES = st.lists(
    st.tuples(st.sampled_from(["x", "y"]), st.one_of(st.none(), st.sampled_from("pq")))
)


@settings(max_examples=40, deadline=None)
@given(NOTES)
def test_footnote_marks_lists_each_text_once_with_its_rows(
    rows: list[tuple[str, str | None]],
) -> None:
    frame = pl.DataFrame(
        {"by": [r[0] for r in rows], "note": [r[1] for r in rows]},
        schema={"by": pl.String, "note": pl.String},
    )
    notes = [("cell", pl.col("note")), ("other", pl.col("note").str.to_uppercase())]
    marks = gt_helpers.footnote_marks(frame, notes, by="by")
    for value in ("x", "y"):
        mine = [r[1] for r in rows if r[0] == value]
        expected = [
            (column, t, [i for i, n in enumerate(mine) if n is not None and f(n) == t])
            for column, f in (("cell", str), ("other", str.upper))
            for t in sorted({f(n) for n in mine if n is not None})
        ]
        assert marks.get(value, []) == expected
