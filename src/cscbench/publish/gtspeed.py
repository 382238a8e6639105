"""great-tables' HTML, byte for byte, at a fraction of its per-cell cost (issue 18's speed).

Rendering the site's ~335 tables was about 60% of a cold publish, and most of it was per cell,
not per table: great-tables 1.1 writes every formatted and every unformatted cell back into a
polars frame one scatter at a time (``Body.render_formats``, ``_migrate_unformatted_to_output``,
about 0.3 ms a cell), reads every cell with a polars lookup (``_get_cell``), for every footnote
mark rebuilds and sorts the list of all the table's footnotes (``_get_footnote_mark_string``),
and for every body cell scans all the table's footnotes and styles
(``create_body_component_h``, about 0.5 ms a row). A new ``GT`` clears and casts every column to
make its empty body (``create_empty_frame``), most of what building one costs.

:func:`active` swaps in equivalents for those while the ``with`` block runs, then puts the
originals back: each column is written once with every value the cell-by-cell writes would have
left in it, a frame's columns are read as Python lists once (until great-tables writes into that
frame), a table's footnote order is worked out once per render, its footnotes and styles are
looked up by (row, column) from a table gathered once, and an empty body is made at once.
Anything the fast paths do not cover (a value that is not text, a backend that is not polars,
summary rows, a stub of several columns) goes to great-tables' own code, so the output is the
same HTML; ``tests/test_gtspeed.py`` holds the two to the same bytes on generated tables and on
every table of the site. Only the pinned great-tables version is patched (``PINNED``); with
another version :func:`active` changes nothing and pages are only slower.
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
    is_na = _tbl_data.is_na.dispatch(type(data_tbl))  # looked up once, not for every cell
    writes: dict[str, dict[int, Any]] = {}
    for col in data_tbl.columns:
        cells: dict[int, Any] = {}
        for row in range(data_tbl.height):
            if (col, row) in formatted_cells:
                continue
            value = _get_cell(data_tbl, row, col)
            if value is None or is_na(data_tbl, value):
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
        held = (data, _mark_order(data))
        _STATE.marks = held
    order: dict[str, str] = held[1]
    mark = order.get(_process_text(footnote_info.footnotes[0]))
    return mark if mark is not None else original(data, footnote_info)


def _mark_order(data: Any) -> dict[str, str]:
    """Each footnote text of ``data`` -> its mark: great-tables' order of footnote texts (by
    place in the table, or as added) worked out in one pass, where great-tables sorts every
    footnote again for each mark."""
    m = _utils_render_html
    placed: list[tuple[tuple[Any, ...], str]] = []
    for info in data._footnotes:
        if not info.footnotes or info.locname is None:
            continue
        if not m._should_display_footnote(data, info):
            continue
        placed.append((_footnote_place(data, info), _process_text(info.footnotes[0])))
    if data._options.footnotes_order.value != "preserve_order":
        placed.sort(key=lambda x: x[0])  # stable, as great-tables' sort
    kind = m._get_footnote_marks_option(data)
    texts = dict.fromkeys(text for _, text in placed)
    return {text: m._generate_footnote_mark(n, kind) for n, text in enumerate(texts, start=1)}


def _footnote_place(data: Any, info: Any) -> tuple[Any, ...]:
    """A footnote's (location, row, column) in reading order, as ``_get_footnote_mark_string``."""
    m, loc = _utils_render_html, _utils_render_html.loc
    if isinstance(info.locname, loc.LocRowGroups):
        colnum: Any = -2
    elif isinstance(info.locname, loc.LocStub | loc.LocSummaryStub | loc.LocGrandSummaryStub):
        colnum = m._get_stub_footnote_colnum(data, info)
    elif isinstance(info.locname, loc.LocSpannerLabels):
        colnum = m._get_spanner_leftmost_column_index(data, info.grpname)
    else:
        colnum = m._get_column_index(data, info.colname) if info.colname else 0
    if isinstance(info.locname, loc.LocColumnLabels):
        rownum = 0
    else:
        rownum = info.rownum if info.rownum is not None else 0
    return (m._get_summary_locnum(data, info), rownum, colnum)


def _body(data: Any) -> str:
    """``create_body_component_h`` for a table without summary rows or a multi-column stub (every
    table of the site): what great-tables finds per cell by scanning every footnote and style
    (about 0.5 ms a row) is looked up per table once, by location, and the rows are written in one
    pass. Any other table goes to great-tables' own code."""
    m = _utils_render_html
    body = data._body.body
    if (
        not isinstance(data._tbl_data, pl.DataFrame)
        or not isinstance(body, pl.DataFrame)
        or data._summary_rows
        or data._summary_rows_grand
    ):
        return _ORIGINAL["body"](data)
    boxhead, stub, options = data._boxhead, data._stub, data._options
    layout = stub._get_stub_layout(has_summary_rows=False, options=options, boxhead=boxhead)
    stub_vars = boxhead._get_stub_columns()
    has_rowname = "rowname" in layout
    if len(stub_vars) > 1 or (has_rowname and not stub_vars):
        return _ORIGINAL["body"](data)
    column_vars = [*(stub_vars if has_rowname else []), *boxhead._get_default_columns()]
    header_ids = m._get_header_ids(data)
    marks = _Marks(data, boxhead._get_stub_column())
    values = _cells(body, data._tbl_data, [c.var for c in column_vars])
    striped = (
        bool(options.row_striping_include_stub.value),
        bool(options.row_striping_include_table_body.value),
    )
    has_groups = stub.group_ids is not None and len(stub.group_ids) > 0
    esc = m.html_lib.escape
    column_headers = {
        c.var: esc(header_ids.cell_headers(c.var, [])) for c in column_vars if not c.is_stub
    }
    rows: list[str] = []
    previous = None
    for j, (i, group) in enumerate(stub.group_indices_map()):
        leading = None
        if has_groups and group is not previous:
            leading = _group_label(data, group, header_ids, "group_label" in layout, rows)
        odd = j % 2 == 1
        cells = [leading] if leading else []
        row_ids = esc(" ".join(x for x in [header_ids.group, *header_ids.stub.values()] if x))
        for colinfo in column_vars:
            var = colinfo.var
            text = str(values[var][i])
            if colinfo.is_stub:
                text = marks.stub_text(i, colinfo, text)
                styles = marks.styles(i, var, stub=True)
                classes = "gt_row gt_left gt_stub" + (" gt_striped" if striped[0] and odd else "")
                if marks.primary(colinfo):
                    indent = stub.rows[i].indent
                    classes += f" gt_indent_{indent}" if 1 <= indent <= 5 else ""
                cell_id = header_ids.registry.make(f"stub-{i + 1}", fallback="stub")
                header_ids.stub[0] = cell_id
                row_ids = esc(" ".join(x for x in [header_ids.group, cell_id] if x))
                attrs, element = f' scope="row" id="{esc(cell_id)}"', "th"
            else:
                text = marks.body_text(i, var, text)
                styles = marks.styles(i, var, stub=False)
                classes = f"gt_row gt_{colinfo.defaulted_align}"
                classes += " gt_striped" if striped[1] and odd else ""
                both = " ".join(x for x in (row_ids, column_headers[var]) if x)
                attrs, element = (f' headers="{both}"' if both else ""), "td"
            if "<svg" in text and " id=" in text:
                text = m._make_svg_ids_unique(text, prefix=f"{header_ids.registry.prefix}{var}-{i}")
            cells.append(f'    <{element}{styles}{attrs} class="{classes}">{text}</{element}>')
        opening = '  <tr class="gt_row_group_first">' if leading else "  <tr>"
        rows.append(opening + "\n" + "\n".join(cells) + "\n  </tr>")
        previous = group
    return '<tbody class="gt_table_body">\n' + "\n".join(rows) + "\n</tbody>"


def _cells(body: pl.DataFrame, original: pl.DataFrame, names: list[str]) -> dict[str, list[Any]]:
    """Each shown column's cells as great-tables reads them: the rendered body's text, and where
    nothing was written (a null), the original value as text. great-tables casts the whole
    original frame and fills every column; here only columns with a null are cast."""
    m = _utils_render_html
    if not all(body.schema[n] == pl.String for n in names):
        frame = m.replace_null_frame(body, m.cast_frame_to_string(original))
        return {n: frame.get_column(n).to_list() for n in names}
    values = {n: body.get_column(n).to_list() for n in names}
    missing = [n for n in names if body.get_column(n).null_count()]
    if missing:
        text = m.cast_frame_to_string(original.select(missing))
        for n in missing:
            filled = zip(values[n], text.get_column(n).to_list(), strict=True)
            values[n] = [f if v is None else v for v, f in filled]
    return values


def _group_label(
    data: Any, group: Any, header_ids: Any, as_column: bool, rows: list[str]
) -> str | None:
    """A row group's label, as great-tables writes it: the cell leading its first row (returned)
    when groups are a column, else a heading row of its own (appended to ``rows``)."""
    m = _utils_render_html
    header_ids.group = header_ids.registry.make(group.group_id, fallback="group")
    id_attr = f' id="{m.html_lib.escape(header_ids.group)}"'
    label = group.group_label if group.group_label is not None else _process_text(group.group_id)
    styles = m._flatten_styles(
        [
            x
            for x in data._styles
            if m._is_loc(x.locname, m.loc.LocRowGroups) and group.group_id in x.grpname
        ],
        wrap=True,
    )
    footnotes = [
        x
        for x in data._footnotes
        if isinstance(x.locname, m.loc.LocRowGroups) and x.grpname == group.group_id
    ]
    label = m._apply_footnotes_to_text(footnotes, data, label)
    if as_column:
        return f"""  <th{styles} class="gt_row gt_left gt_stub_row_group"
    rowspan="{len(group.indices)}" scope="rowgroup"{id_attr}>{label}</th>"""
    colspan = data._boxhead._get_effective_number_of_columns(
        stub=data._stub, has_summary_rows=False, options=data._options
    )
    kind = "gt_empty_group_heading" if label == "" else "gt_group_heading_row"
    scope = "colgroup" if colspan > 1 else "col"
    rows.append(
        f"""  <tr class="{kind}">
    <th class="gt_group_heading" colspan="{colspan}" scope="{scope}"{id_attr}{styles}>{label}</th>
  </tr>"""
    )
    return None


class _Marks:
    """A table's body and stub footnotes and styles by (row, column), in great-tables' order,
    gathered once instead of scanned for every cell."""

    def __init__(self, data: Any, row_stub_var: Any) -> None:
        m = _utils_render_html
        self.data, self.row_stub_var = data, row_stub_var
        self.marked: dict[tuple[int, ...], tuple[str, Any]] = {}
        self.body_notes: dict[tuple[int, str], list[Any]] = {}
        self.stub_notes: list[Any] = []
        for x in data._footnotes:
            if isinstance(x.locname, m.loc.LocBody):
                self.body_notes.setdefault((x.rownum, x.colname), []).append(x)
            elif isinstance(x.locname, m.loc.LocStub):
                self.stub_notes.append(x)
        self.body_styles: dict[tuple[int, str], list[Any]] = {}
        self.stub_styles: list[Any] = []
        for x in data._styles:
            if m._is_loc(x.locname, m.loc.LocBody):
                self.body_styles.setdefault((x.rownum, x.colname), []).append(x)
            elif m._is_loc(x.locname, m.loc.LocStub):
                self.stub_styles.append(x)

    def primary(self, colinfo: Any) -> bool:
        return self.row_stub_var is None or colinfo == self.row_stub_var

    def body_text(self, row: int, var: str, text: str) -> str:
        notes = self.body_notes.get((row, var))
        return (
            _utils_render_html._apply_footnotes_to_text(notes, self.data, text) if notes else text
        )

    def stub_text(self, row: int, colinfo: Any, text: str) -> str:
        if not self.stub_notes:
            return text
        primary, var = self.primary(colinfo), colinfo.var
        notes = [
            x
            for x in self.stub_notes
            if x.rownum == row and ((x.colname is None and primary) or x.colname == var)
        ]
        return self.mark(notes, text) if notes else text

    def mark(self, notes: list[Any], text: str) -> str:
        """``_apply_footnotes_to_text``, with the marks of each set of footnotes made once."""
        m = _utils_render_html
        key = tuple(map(id, notes))
        made = self.marked.get(key)
        if made is None:
            marks: list[str] = []
            for info in notes:
                mark = m._get_footnote_mark_string(self.data, info)
                if mark not in marks:
                    marks.append(mark)
            kind = m._get_footnote_marks_option(self.data)
            if isinstance(kind, str) and kind == "numbers":
                marks.sort(key=lambda x: int(x) if x.isdigit() else float("inf"))
            spec = m._parse_footnote_spec(self.data._options.footnotes_spec_ref.value)
            joined = ",".join(m._apply_footnote_spec_to_mark(x, spec) for x in marks)
            style = m._build_footnote_mark_style(spec)
            made = (f'<span class="gt_footnote_marks" style="{style}">{joined}</span>', notes[0])
            self.marked[key] = made
        return m._apply_footnote_placement(text, made[0], made[1].placement)

    def styles(self, row: int, var: str, stub: bool) -> str:
        found = self.body_styles.get((row, var), [])
        if stub and self.stub_styles:
            found = found + [
                x
                for x in self.stub_styles
                if x.rownum == row and (x.colname is None or x.colname == var)
            ]
        return _utils_render_html._flatten_styles(found, wrap=True) if found else ""


def _empty_frame(frame: Any) -> Any:
    """great-tables' empty body for a polars frame (each column text, each cell null), made
    directly rather than by clearing and casting every column, which was most of a ``GT()``'s
    cost; a frame with a nested column (or none) goes to great-tables' own code."""
    if frame.width == 0 or any(dtype.is_nested() for dtype in frame.dtypes):
        return _ORIGINAL["empty"](frame)
    rows = frame.height
    return pl.DataFrame([pl.Series(name, [None] * rows, dtype=pl.String) for name in frame.columns])


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
                body=gt.create_body_component_h,
                empty=_tbl_data.create_empty_frame.registry[_tbl_data.PlDataFrame],
                set_cell=_tbl_data._set_cell.registry[_tbl_data.PlDataFrame],
            )
            _gt_data.Body.render_formats = _render_formats  # type: ignore[method-assign]
            gt._migrate_unformatted_to_output = _migrate
            _utils_render_html._get_footnote_mark_string = _footnote_mark
            gt.create_body_component_h = _body
            _tbl_data._get_cell.register(_tbl_data.PlDataFrame, _get_cell)
            _tbl_data._set_cell.register(_tbl_data.PlDataFrame, _set_cell)
            _tbl_data.create_empty_frame.register(_tbl_data.PlDataFrame, _empty_frame)
        try:
            yield
        finally:
            if not outer:
                _gt_data.Body.render_formats = _ORIGINAL["render_formats"]  # type: ignore[method-assign]
                gt._migrate_unformatted_to_output = _ORIGINAL["migrate"]
                _utils_render_html._get_footnote_mark_string = _ORIGINAL["footnote_mark"]
                gt.create_body_component_h = _ORIGINAL["body"]
                _tbl_data._get_cell.register(_tbl_data.PlDataFrame, _ORIGINAL["get_cell"])
                _tbl_data._set_cell.register(_tbl_data.PlDataFrame, _ORIGINAL["set_cell"])
                _tbl_data.create_empty_frame.register(_tbl_data.PlDataFrame, _ORIGINAL["empty"])
                _ORIGINAL.clear()
                _STATE.__dict__.clear()


def html(table: Any) -> str:
    """A great-tables object's HTML (``as_raw_html``), rendered through the fast paths."""
    with active():
        return table.as_raw_html()
