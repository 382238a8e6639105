"""great-tables' HTML, byte for byte, at a fraction of its per-cell cost (issue 18's speed).

Rendering the site's ~335 tables was about 60% of a cold publish, and most of it was per cell,
not per table: great-tables 1.1 writes every formatted and every unformatted cell back into a
polars frame one scatter at a time (``Body.render_formats``, ``_migrate_unformatted_to_output``,
about 0.3 ms a cell), reads every cell with a polars lookup (``_get_cell``), and for every footnote
mark rebuilds and sorts the list of all the table's footnotes (``_get_footnote_mark_string``).

:func:`active` swaps in equivalents for those four while the ``with`` block runs, then puts the
originals back: each column is written once with every value the cell-by-cell writes would have
left in it, a frame's columns are read as Python lists once (until great-tables writes into that
frame), and a table's footnote order is worked out once per render. Anything the fast paths do
not cover (a value that is not text, a backend that is not polars) goes to great-tables' own
code, so the output is the same HTML; ``tests/test_gtspeed.py`` holds the two to the same bytes on
generated tables and on every table of the site. Only the pinned great-tables version is patched
(``PINNED``); with another version :func:`active` changes nothing and pages are only slower.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import great_tables
import polars as pl
from great_tables import _gt_data, _tbl_data, _utils_render_html, gt
from great_tables._formats import FormatterSkipElement
from great_tables._text import _process_text

PINNED = "1.1.0"
_LOCK = threading.RLock()  # one render at a time may swap the functions in (re-entrant)
_STATE = threading.local()


def _columns(frame: pl.DataFrame) -> dict[str, list[Any]]:
    """``frame``'s columns as Python lists, read once per frame (until it is written to)."""
    cache: dict[int, tuple[pl.DataFrame, dict[str, list[Any]]]] = _STATE.__dict__.setdefault(
        "columns", {}
    )
    held = cache.get(id(frame))
    if held is None or held[0] is not frame:
        held = (frame, {})
        cache[id(frame)] = held  # the frame is held, so its id is not reused meanwhile
    return held[1]


def _forget(frame: object) -> None:
    _STATE.__dict__.get("columns", {}).pop(id(frame), None)


def _get_cell(data: pl.DataFrame, row: int, column: str) -> Any:
    """great-tables' polars ``_get_cell`` (a list column's cell as a list), from a cached list."""
    columns = _columns(data)
    values = columns.get(column)
    if values is None:
        values = columns[column] = data.get_column(column).to_list()
    return values[row]


def _set_cell(data: pl.DataFrame, row: int, column: str, value: Any) -> None:
    """great-tables' own write, forgetting the frame's cached columns."""
    _forget(data)
    data[row, column] = value


def _write_columns(
    frame: pl.DataFrame, writes: dict[str, dict[int, Any]], one: Callable[..., Any]
) -> pl.DataFrame | None:
    """``frame`` with each column's writes (row -> value) applied at once; where a value is not
    text or the column is not a text column, the writes go one by one through ``one`` (great-tables'
    own cell write), as before. Returns the new frame, or None when ``frame`` was written in place."""
    replaced = []
    for column, cells in writes.items():
        series = frame.get_column(column)
        if series.dtype == pl.String and all(v is None or type(v) is str for v in cells.values()):
            values = series.to_list()
            for row, value in cells.items():
                values[row] = value
            replaced.append(pl.Series(column, values, dtype=pl.String))
        else:
            for row, value in cells.items():
                result = one(frame, row, column, value)
                if result is not None:  # pragma: no cover - polars writes in place
                    frame = result
    _forget(frame)
    return frame.with_columns(replaced) if replaced else None


def _render_formats(
    self: _gt_data.Body, data_tbl: Any, formats: list[Any], context: Any
) -> set[tuple[str, int]]:
    """``Body.render_formats`` with every formatted value written column by column."""
    if not isinstance(self.body, pl.DataFrame) or not isinstance(data_tbl, pl.DataFrame):
        return _ORIGINAL["render_formats"](self, data_tbl, formats, context)
    formatted: set[tuple[str, int]] = set()
    writes: dict[str, dict[int, Any]] = {}
    for fmt in formats:
        eval_func = getattr(fmt.func, context, fmt.func.default)
        if eval_func is None:  # pragma: no cover - as great-tables
            raise Exception("Internal Error")
        for col, row in fmt.cells.resolve():
            result = eval_func(_get_cell(data_tbl, row, col))
            if isinstance(result, FormatterSkipElement):
                continue
            formatted.add((col, row))
            writes.setdefault(col, {})[row] = result
    new = _write_columns(self.body, writes, _ORIGINAL["set_cell"])
    if new is not None:
        self.body = new
    return formatted


def _migrate(data: Any, data_tbl: Any, formatted_cells: set[tuple[str, int]], context: str) -> Any:
    """``_migrate_unformatted_to_output``: every cell no formatter wrote, escaped for
    ``context``, written column by column (null and NaN cells are left as they are)."""
    body = data._body.body
    if not isinstance(body, pl.DataFrame) or not isinstance(data_tbl, pl.DataFrame):
        return _ORIGINAL["migrate"](data, data_tbl, formatted_cells, context)
    writes: dict[str, dict[int, Any]] = {}
    for col in data_tbl.columns:
        cells: dict[int, Any] = {}
        for row in range(data_tbl.height):
            if (col, row) in formatted_cells:
                continue
            value = _get_cell(data_tbl, row, col)
            if value is None or _tbl_data.is_na(data_tbl, value):
                continue
            cells[row] = _process_text(str(value), context=context)
        if cells:
            writes[col] = cells
    new = _write_columns(body, writes, _ORIGINAL["set_cell"])
    if new is not None:
        data._body.body = new
    return data


def _footnote_mark(data: Any, footnote_info: Any) -> str:
    """``_get_footnote_mark_string``, with the table's order of footnote texts worked out once
    per render (the built table is the same object for all its cells)."""
    original = _ORIGINAL["footnote_mark"]
    if not data._footnotes or not footnote_info.footnotes:
        return original(data, footnote_info)
    held = getattr(_STATE, "marks", None)
    if held is None or held[0] is not data:
        held = (data, _mark_order(data, original))
        _STATE.marks = held
    order: dict[str, str] = held[1]
    mark = order.get(_process_text(footnote_info.footnotes[0]))
    return mark if mark is not None else original(data, footnote_info)


def _mark_order(data: Any, original: Callable[[Any, Any], str]) -> dict[str, str]:
    """Each footnote text of ``data`` -> its mark, asked of great-tables once per distinct text."""
    order: dict[str, str] = {}
    for info in data._footnotes:
        if not info.footnotes or info.locname is None:
            continue
        text = _process_text(info.footnotes[0])
        if text not in order:
            order[text] = original(data, info)
    return order


_ORIGINAL: dict[str, Any] = {}


def supported() -> bool:
    """Whether this great-tables is the version the fast paths were written against."""
    return great_tables.__version__ == PINNED


@contextlib.contextmanager
def active() -> Iterator[None]:
    """Within the block, great-tables renders through the fast paths (see the module docstring);
    a no-op with a great-tables other than :data:`PINNED`."""
    if not supported():
        yield
        return
    with _LOCK:
        outer = bool(_ORIGINAL)
        if not outer:
            _ORIGINAL.update(
                render_formats=_gt_data.Body.render_formats,
                migrate=gt._migrate_unformatted_to_output,
                footnote_mark=_utils_render_html._get_footnote_mark_string,
                get_cell=_tbl_data._get_cell.registry[_tbl_data.PlDataFrame],
                set_cell=_tbl_data._set_cell.registry[_tbl_data.PlDataFrame],
            )
            _gt_data.Body.render_formats = _render_formats  # type: ignore[method-assign]
            gt._migrate_unformatted_to_output = _migrate
            _utils_render_html._get_footnote_mark_string = _footnote_mark
            _tbl_data._get_cell.register(_tbl_data.PlDataFrame, _get_cell)
            _tbl_data._set_cell.register(_tbl_data.PlDataFrame, _set_cell)
        try:
            yield
        finally:
            if not outer:
                _gt_data.Body.render_formats = _ORIGINAL["render_formats"]  # type: ignore[method-assign]
                gt._migrate_unformatted_to_output = _ORIGINAL["migrate"]
                _utils_render_html._get_footnote_mark_string = _ORIGINAL["footnote_mark"]
                _tbl_data._get_cell.register(_tbl_data.PlDataFrame, _ORIGINAL["get_cell"])
                _tbl_data._set_cell.register(_tbl_data.PlDataFrame, _ORIGINAL["set_cell"])
                _ORIGINAL.clear()
                _STATE.__dict__.clear()


def html(table: Any) -> str:
    """A great-tables object's HTML (``as_raw_html``), rendered through the fast paths."""
    with active():
        return table.as_raw_html()
