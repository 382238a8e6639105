"""MHCLG revenue outturn RO3/RSX ingest (2024-25 in detail; the older years in test_new_data.py).

Figures are checked against the ODS read a second, independent way: straight from the zipped
``content.xml`` with ElementTree (no calamine, no fastexcel), so a reader bug cannot hide itself.
The layout tests build tiny ODS files by hand and need no raw data.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
import pytest
from pinned import WORKFORCE, WORKFORCE_SOURCE, raw_path

from cscbench.ingest import revenue_outturn
from cscbench.ingest.common import OBSERVATION_COLUMNS, Contribution, RawInputError
from cscbench.ingest.registry import Indicator, default_registry

RO3_FILE = "dfe/RO3_LA_Data_2024-25_data_by_LA.ods"
RSX_FILE = "dfe/RSX_LA_Data_2024-25_data_by_LA.ods"
RO3_SHEET = "RO3_LA_Data_202425"
RSX_SHEET = "RSX_LA_Data_202425"
LEEDS, WAKEFIELD, GATESHEAD, BIRMINGHAM, ENGLAND = (
    "E08000035",
    "E08000036",
    "E08000037",
    "E08000025",
    "E92000001",
)
# RO3 publishes Barnsley and Sheffield under their pre-2024 codes; the workforce file uses the new ones.
OLD_CODES = {"E08000038": "E08000016", "E08000039": "E08000019"}

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


# --- an independent ODS reader ------------------------------------------------------------------


def _cell_value(cell: ET.Element) -> str | None:
    """The stored number where there is one (full precision), else the cell's text."""
    if cell.get(f"{_OFFICE}value") is not None:
        return cell.get(f"{_OFFICE}value")
    text = "\n".join("".join(p.itertext()) for p in cell.findall(f"{_TEXT}p"))
    return text or None


def ods_rows(
    path: Path, sheet: str, width: int = 600, until: str | None = None
) -> list[tuple[list[str | None], bool]]:
    """The non-empty rows of one sheet as (cells, hidden), parsed from content.xml; with
    ``until``, only up to the first row holding that cell (stops reading there)."""
    rows: list[tuple[list[str | None], bool]] = []
    in_sheet = False
    cell_tags = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as xml:
        for event, elem in ET.iterparse(xml, events=("start", "end")):
            if elem.tag == f"{_TABLE}table":
                in_sheet = event == "start" and elem.get(f"{_TABLE}name") == sheet
            elif event == "end" and elem.tag == f"{_TABLE}table-row":
                if in_sheet:
                    cells: list[str | None] = []
                    for cell in (c for c in elem if c.tag in cell_tags):
                        repeat = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
                        cells.extend([_cell_value(cell)] * max(0, min(repeat, width - len(cells))))
                    if any(cells):
                        hidden = elem.get(f"{_TABLE}visibility") == "collapse"
                        rows.append((cells, hidden))
                    if until is not None and until in cells:
                        return rows
                elem.clear()
    return rows


def published_cells(path: Path, sheet: str, prefix: str) -> dict[tuple[str, str], str | None]:
    """(GSS code, variable code) -> the published cell, for every coded column and every row."""
    rows = ods_rows(path, sheet)
    header = next(cells for cells, _ in rows if "ONS Code" in cells)
    gss = header.index("ONS Code")
    codes = next(
        cells for cells, _ in rows if any((c or "").startswith(f"{prefix}-") for c in cells)
    )
    coded = {i: c for i, c in enumerate(codes) if c and c.startswith(f"{prefix}-")}
    cells: dict[tuple[str, str], str | None] = {}
    for row, _ in rows:
        code = row[gss] if len(row) > gss else None
        if code and re.fullmatch(r"E\d{8}", code):
            for i, variable in coded.items():
                cells.setdefault((code, variable), row[i] if i < len(row) else None)
    return cells


REGISTRY = default_registry()
RO3_SOURCE, RSX_SOURCE = REGISTRY.source("mhclg_ro3_2024_25"), REGISTRY.source("mhclg_rsx_2024_25")


def ingest_year(raw_dir: Path, indicators: tuple[Indicator, ...] | None = None) -> Contribution:
    """The 2024-25 workbook read as ingest reads it (all registered RO3 lines unless given)."""
    wanted = indicators if indicators is not None else REGISTRY.of_dataset("mhclg_ro3")
    return revenue_outturn.read(raw_dir, RO3_SOURCE, wanted, RSX_SOURCE)


@pytest.fixture(scope="module")
def contribution(raw_dir: Path) -> Contribution:
    return ingest_year(raw_dir)


@pytest.fixture(scope="module")
def ro3_cells(raw_dir: Path) -> dict[tuple[str, str], str | None]:
    return published_cells(raw_dir / RO3_FILE, RO3_SHEET, "RO3")


# --- the real files -------------------------------------------------------------------------------


def test_frames_have_the_shared_shapes(contribution: Contribution) -> None:
    assert dict(contribution.observations.schema) == OBSERVATION_COLUMNS
    obs = contribution.observations
    assert obs.select("period").unique().to_series().to_list() == ["2024-25"]
    assert obs.get_column("period_end").unique().to_list() == [dt.date(2025, 3, 31)]
    assert set(obs.get_column("source_id")) == {"mhclg_ro3_2024_25"}


def test_153_councils_and_england(contribution: Contribution) -> None:
    mentions = contribution.mentions
    assert mentions.height == 154
    assert mentions.filter(pl.col("level") == "national").get_column("area_code").to_list() == [
        ENGLAND
    ]
    assert mentions.filter(pl.col("level") == "local_authority").height == 153
    assert set(contribution.observations.get_column("area_code")) == set(
        mentions.get_column("area_code")
    )


def test_councils_match_the_workforce_file(raw_dir: Path, contribution: Contribution) -> None:
    """The same 153 councils as DfE's latest workforce file, joint returns split into members."""
    csww = pl.read_csv(raw_dir / raw_path(WORKFORCE_SOURCE), infer_schema=False)
    csww = csww.rename({c: c.lstrip("\ufeff") for c in csww.columns})
    joint = csww.filter(
        (pl.col("time_period") == WORKFORCE["latest_period"])
        & (pl.col("geographic_level") == "Local authority")
    ).get_column("new_la_code")
    members = {OLD_CODES.get(m.strip(), m.strip()) for code in joint for m in code.split("/")}
    councils = set(
        contribution.mentions.filter(pl.col("level") == "local_authority").get_column("area_code")
    )
    assert len(members) == 153
    assert councils == members


def test_no_districts_gla_police_or_other_bodies(
    contribution: Contribution,
) -> None:
    codes = contribution.observations.get_column("area_code").unique()
    assert codes.str.contains(r"^(E0[689]\d{6}|E10\d{6}|E92000001)$").all()
    assert "E12000007" not in codes.to_list()  # the GLA row carries London's region code
    assert not codes.str.contains(r"^E(07|12|23|26|31|47|50|68)").any()
    assert {"E09000001", "E06000053"} <= set(codes)  # City of London, Isles of Scilly


@pytest.mark.parametrize(
    ("area_code", "variable"),
    [
        (LEEDS, "RO3-csctot-net-cur-exp"),
        (WAKEFIELD, "RO3-csctot-net-cur-exp"),
        (GATESHEAD, "RO3-csclkd-net-cur-exp"),
    ],
)
def test_spot_figures_match_the_ods(
    contribution: Contribution,
    ro3_cells: dict[tuple[str, str], str | None],
    area_code: str,
    variable: str,
) -> None:
    published = ro3_cells[(area_code, variable)]
    row = contribution.observations.filter(
        (pl.col("area_code") == area_code)
        & (pl.col("indicator_id") == variable.lower().replace("-", "_"))
    )
    assert row.height == 1
    assert row.item(0, "value") == float(published)
    assert row.item(0, "status") is None


def test_leeds_and_wakefield_totals(contribution: Contribution) -> None:
    """The first worked comparison, as printed in the ODS (displayed as 256,657 and 97,477)."""
    total = contribution.observations.filter(pl.col("indicator_id") == "ro3_csctot_net_cur_exp")
    values = dict(total.select("area_code", "value").iter_rows())
    assert values[LEEDS] == 256657
    assert values[WAKEFIELD] == 97477


def test_every_published_cell_is_one_observation(
    contribution: Contribution, ro3_cells: dict[tuple[str, str], str | None]
) -> None:
    """Nothing invented, rounded or dropped: each CSC cell of each kept row, exactly once."""
    obs = contribution.observations
    ids = {i.indicator_id for i in REGISTRY.of_dataset("mhclg_ro3")}
    assert obs.height == len(ids) * 154
    assert obs.select("indicator_id", "area_code", "period").is_unique().all()
    areas = set(obs.get_column("area_code"))
    expected = pl.DataFrame(
        [
            {"area_code": a, "indicator_id": v.lower().replace("-", "_"), "published": cell}
            for (a, v), cell in ro3_cells.items()
            if a in areas and v.lower().replace("-", "_") in ids
        ]
    )
    joined = expected.join(obs, on=["area_code", "indicator_id"], how="full", coalesce=True)
    assert joined.height == obs.height == expected.height
    number = pl.col("published").cast(pl.Float64, strict=False)
    mismatched = joined.filter(
        pl.when(number.is_not_null())
        .then(pl.col("value").ne_missing(number) | pl.col("status").is_not_null())
        .otherwise(pl.col("value").is_not_null() | pl.col("status").ne_missing(pl.col("published")))
    )
    assert mismatched.height == 0, mismatched.head()


def test_suppression_symbols_kept_as_published(
    contribution: Contribution,
) -> None:
    obs = contribution.observations
    assert set(obs.get_column("status").drop_nulls()) == {"[x]", "[n]", "[note 4]"}
    assert obs.filter(pl.col("status").is_not_null() & pl.col("value").is_not_null()).is_empty()
    # Birmingham's return was not received: every line is [x].
    birmingham = obs.filter(pl.col("area_code") == BIRMINGHAM)
    assert birmingham.get_column("status").to_list() == ["[x]"] * birmingham.height
    # Gateshead could not split children looked after: the breakdown cells are [note 4], explained.
    gateshead = obs.filter((pl.col("area_code") == GATESHEAD) & (pl.col("status") == "[note 4]"))
    assert gateshead.height == 28
    assert gateshead.get_column("indicator_id").str.starts_with("ro3_csclkd").all()
    assert gateshead.get_column("note").str.starts_with("Gateshead were unable").all()
    # England has no estimate for the agency-staff memorandum item.
    england = obs.filter(
        (pl.col("area_code") == ENGLAND) & (pl.col("indicator_id") == "ro3_cscsvmem_run_exp")
    )
    assert england.item(0, "status") == "[n]"


def test_negative_figures_parse_as_numbers(contribution: Contribution) -> None:
    obs = contribution.observations
    assert obs.filter(pl.col("value") < 0).height > 0
    assert not obs.get_column("status").drop_nulls().str.contains(r"^-?[\d.,]+$").any()


def test_indicator_ids_and_metadata(
    contribution: Contribution, package_frames: dict[str, pl.DataFrame]
) -> None:
    indicators = package_frames["indicators"].filter(pl.col("indicator_id").str.starts_with("ro3_"))
    ids = indicators.get_column("indicator_id")
    assert ids.is_unique().all()
    assert ids.str.contains(r"^ro3_[a-z0-9_]+$").all()
    assert {"ro3_csctot_net_cur_exp", "ro3_csclkd_net_cur_exp", "ro3_cscsvmem_run_exp"} <= set(ids)
    # No adult social care or public health, bar Supporting People spending inside the CSC total.
    assert not ids.str.contains(r"^ro3_asc|_asc_").any()
    assert ids.filter(ids.str.starts_with("ro3_ph")).str.starts_with("ro3_phsup_anc_exp_csc_").all()
    assert set(contribution.observations.get_column("indicator_id")) == set(ids)
    # ids are the publisher's variable codes, lower-cased, '-' to '_'
    codes = {i.indicator_id: str(i.column) for i in REGISTRY.of_dataset("mhclg_ro3")}
    assert all(code.lower().replace("-", "_") == i for i, code in codes.items())
    assert (
        indicators.select(
            (pl.col("unit") == "gbp_thousand").all(),
            (pl.col("theme") == "spending").all(),
            (pl.col("polarity") == "neutral").all(),
            pl.col("min_value").is_null().all(),  # negative figures are published
            pl.col("label").str.contains(r"^[^=+\-@\s]").all(),
            pl.col("definition").is_not_null().all(),
            (pl.col("source_id") == REGISTRY.newest_source("mhclg_ro3").source_id).all(),
        ).row(0)
        == (True,) * 7
    )
    label = indicators.filter(pl.col("indicator_id") == "ro3_csctot_net_cur_exp").item(0, "label")
    assert label == "Children's social care spending: net current expenditure"


def test_rsx_adds_no_csc_figure(
    raw_dir: Path, ro3_cells: dict[tuple[str, str], str | None]
) -> None:
    """RSX's Children Social Care block equals RO3's CSC total for every row, so nothing is taken
    from RSX; its source stays registered."""
    rsx = published_cells(raw_dir / RSX_FILE, RSX_SHEET, "RSX")
    csc = {k: v for k, v in rsx.items() if k[1].startswith("RSX-csc-")}
    assert len({v for _, v in csc}) == 7
    for (area, variable), cell in csc.items():
        assert cell == ro3_cells[(area, variable.replace("RSX-csc-", "RO3-csctot-"))]
    assert REGISTRY.source("mhclg_rsx_2024_25").reader == "revenue_summary"


def test_code_row_is_the_hidden_row(raw_dir: Path) -> None:
    hidden = [cells for cells, is_hidden in ods_rows(raw_dir / RO3_FILE, RO3_SHEET) if is_hidden]
    assert len(hidden) == 1
    assert "RO3-csctot-net-cur-exp" in hidden[0]


def test_deterministic(raw_dir: Path, contribution: Contribution) -> None:
    again = ingest_year(raw_dir)
    assert again.observations.equals(contribution.observations)
    assert again.mentions.equals(contribution.mentions)


# --- layout changes, with hand-made ODS files -----------------------------------------------------

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _cell(text: str) -> str:
    if not text:
        return "<table:table-cell/>"
    return f'<table:table-cell office:value-type="string"><text:p>{escape(text)}</text:p></table:table-cell>'


def write_ods(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    """A minimal ODS spreadsheet (text cells only) that calamine reads like the real thing."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(f"<table:table-row>{''.join(map(_cell, row))}</table:table-row>" for row in rows)
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)


_IDS = [
    "E-code",
    "ONS Code",
    "Local authority",
    "Notes",
    "Class",
    "Detailed Class",
    "Certification",
]
_RO3_HEADER = [
    *_IDS,
    "Children's social care - Children Looked After - Net Current Expenditure (C7 = C3 - C6)",
    "TOTAL CHILDREN SOCIAL CARE  - Net Current Expenditure (C7 = C3 - C6)",
    "TOTAL ADULT SOCIAL CARE [note 2] - Net Current Expenditure (C7 = C3 - C6)",
]
_RO3_CODES = [""] * 7 + [
    "RO3-csclkd-net-cur-exp",
    "RO3-csctot-net-cur-exp",
    "RO3-asctot-net-cur-exp",
]
_ROWS = [
    ["E4704", LEEDS, "Leeds", "", "MD", "MD", "Y", "-12", "100", "5"],
    ["E4705", GATESHEAD, "Gateshead", "[note 4]", "MD", "MD", "Y", "[note 4]", "200", "6"],
    ["E4604", BIRMINGHAM, "Birmingham", "M", "MD", "MD", "[x]", "[x]", "[x]", "[x]"],
    ["E3831", "E07000223", "Adur", "", "SD", "SD", "Y", "0", "1", "0"],
    ["E5100", "E12000007", "Greater London Authority", "", "O", "GLA", "N", "0", "2", "0"],
    ["Eng", ENGLAND, "ENGLAND", "", "Eng", "Eng", "[Y]", "1000.5", "[n]", "9"],
]
_TOTALS = [["[Y]", "E08", "Metropolitan Districts", "", "MD", "MD", "33", "1", "2", "3"]]


def _ro3_sheet(
    header: list[str] = _RO3_HEADER,
    codes: list[str] | None = _RO3_CODES,
    rows: list[list[str]] = _ROWS,
) -> list[list[str]]:
    return [
        ["Worksheet 2: Revenue Outturn (RO) 2024-25: Social Care and Public Health (RO3) data"],
        ["This worksheet contains two tables. Data are reported in £ thousand."],
        header,
        *rows,
        header,
        *_TOTALS,
        *([codes] if codes else []),
    ]


def _rsx_sheet(leeds_total: str = "100") -> list[list[str]]:
    header = [*_IDS, "Children Social Care - Net Current Expenditure (C7 = C3 - C6)"]
    rows = [[*row[:7], row[8]] for row in _ROWS]
    rows[0][-1] = leeds_total
    return [header, *rows, [""] * 7 + ["RSX-csc-net-cur-exp"]]


def _raw(
    tmp_path: Path,
    ro3: list[list[str]] | None = None,
    sheet: str = RO3_SHEET,
    rsx: list[list[str]] | None = None,
) -> Path:
    notes = [["Notes"], ["Note number", "Note text"], ["[note 4]", "Gateshead could not split it."]]
    write_ods(
        tmp_path / RO3_FILE, {"Front_Page": [["RO3"]], "Notes": notes, sheet: ro3 or _ro3_sheet()}
    )
    write_ods(tmp_path / RSX_FILE, {"Notes": notes, RSX_SHEET: rsx or _rsx_sheet()})
    return tmp_path


def small(tmp_path: Path) -> tuple[Indicator, ...]:
    """The two registry entries the hand-made workbooks carry."""
    wanted = ("ro3_csclkd_net_cur_exp", "ro3_csctot_net_cur_exp")
    return tuple(i for i in REGISTRY.of_dataset("mhclg_ro3") if i.indicator_id in wanted)


def read_small(raw: Path) -> Contribution:
    return ingest_year(raw, small(raw))


def test_small_workbook_is_read_like_the_real_one(tmp_path: Path) -> None:
    result = read_small(_raw(tmp_path))
    obs = result.observations
    assert set(obs.get_column("area_code")) == {LEEDS, GATESHEAD, BIRMINGHAM, ENGLAND}
    assert set(obs.get_column("indicator_id")) == {
        "ro3_csclkd_net_cur_exp",
        "ro3_csctot_net_cur_exp",
    }
    cell = {(r["area_code"], r["indicator_id"]): r for r in obs.iter_rows(named=True)}
    assert cell[(LEEDS, "ro3_csclkd_net_cur_exp")]["value"] == -12.0
    assert cell[(ENGLAND, "ro3_csclkd_net_cur_exp")]["value"] == 1000.5
    assert cell[(ENGLAND, "ro3_csctot_net_cur_exp")]["status"] == "[n]"
    assert cell[(BIRMINGHAM, "ro3_csctot_net_cur_exp")]["status"] == "[x]"
    gateshead = cell[(GATESHEAD, "ro3_csclkd_net_cur_exp")]
    assert (gateshead["value"], gateshead["status"]) == (None, "[note 4]")
    assert gateshead["note"] == "Gateshead could not split it."


def test_renamed_sheet_is_reported(tmp_path: Path) -> None:
    with pytest.raises(
        RawInputError, match=r"RO3_LA_Data_2024-25_data_by_LA\.ods.*'RO3_LA_Data_202425'"
    ):
        read_small(_raw(tmp_path, sheet="RO3_LA_Data_2025"))


def test_missing_header_is_reported(tmp_path: Path) -> None:
    header = ["E-code", "GSS code", *_RO3_HEADER[2:]]
    with pytest.raises(RawInputError, match=r"RO3_LA_Data_202425.*no header row with 'ONS Code'"):
        read_small(_raw(tmp_path, _ro3_sheet(header=header)))


def test_missing_code_row_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RawInputError, match=r"hidden\) row of RO3- variable codes, found 0"):
        read_small(_raw(tmp_path, _ro3_sheet(codes=None)))


def test_misaligned_code_row_is_reported(tmp_path: Path) -> None:
    shifted = ["", *_RO3_CODES[:-1]]
    with pytest.raises(RawInputError, match="do not line up"):
        read_small(_raw(tmp_path, _ro3_sheet(codes=shifted)))


def test_unknown_council_class_is_reported(tmp_path: Path) -> None:
    rows = [[*_ROWS[0][:4], "XX", *_ROWS[0][5:]], *_ROWS[1:]]
    with pytest.raises(RawInputError, match=r"unknown council class\(es\) \['XX'\]"):
        read_small(_raw(tmp_path, _ro3_sheet(rows=rows)))


def test_rsx_figure_differing_from_ro3_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(RawInputError, match=r"differ from RO3's total for \['E08000035'\]"):
        read_small(_raw(tmp_path, rsx=_rsx_sheet(leeds_total="101")))
