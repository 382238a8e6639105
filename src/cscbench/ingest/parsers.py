"""Open and parse one raw file with the reader its registry entry names, layout checks included.

``cscbench fetch --accept-new-raw`` runs this on a downloaded file before the registry records its
new checksum: a truncated, garbage or re-laid-out file fails here, not at some later ingest.
(``cscbench ingest --accept-new-raw`` parses every file anyway: its whole build runs first.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cscbench.ingest import (
    announcements,
    ees,
    neighbours,
    ofsted_files,
    ofsted_inyear,
    revenue_outturn,
)
from cscbench.ingest.common import read_raw_csv
from cscbench.ingest.registry import Registry, RegistryError, Source

Parser = Callable[[Path, Source, Registry], object]


def _ees(path: Path, source: Source, registry: Registry) -> object:
    return ees.read(path, source, registry.of_dataset(source.dataset))


def _outturn(path: Path, source: Source, registry: Registry) -> object:
    codes = tuple(str(i.column) for i in registry.of_dataset(source.dataset))
    return revenue_outturn.read_table(revenue_outturn.workbook(path, source), codes).rows


def _summary(path: Path, source: Source, registry: Registry) -> object:
    return revenue_outturn.read_table(revenue_outturn.workbook(path, source), None).rows


def _outcomes(path: Path, source: Source, registry: Registry) -> object:
    return ofsted_files.read_official_ilacs(path), ofsted_inyear.read_in_year(
        path, source.source_id
    )


def _outcomes_2024(path: Path, source: Source, registry: Registry) -> object:
    in_year = ofsted_inyear.read_in_year(path, source.source_id)
    return in_year, ofsted_inyear.read_history_2024(path)


def _csc_data(path: Path, source: Source, registry: Registry) -> object:
    return ofsted_files.read_sheet_2023(path), ofsted_inyear.read_in_year(path, source.source_id)


def _csv(columns: list[str]) -> Parser:
    return lambda path, source, registry: read_raw_csv(path, columns)


PARSERS: dict[str, Parser] = {
    "ees": _ees,
    "revenue_outturn": _outturn,
    "revenue_summary": _summary,
    "ofsted_outcomes": _outcomes,
    "ofsted_outcomes_2024": _outcomes_2024,
    "ofsted_csc_data": _csc_data,
    "jt39_scrape": _csv(ofsted_files.SCRAPE_COLUMNS),
    "jt39_lookup": _csv(ofsted_files.LOOKUP_COLUMNS),
    "pdf_crosscheck": _csv(ofsted_files.DERIVED_COLUMNS),
    "sn_model": _csv(neighbours.REQUIRED),
    "local_reports": _csv(announcements.RAW_COLUMNS),
}


def parse_file(path: Path, source: Source, registry: Registry) -> object:
    """Read ``path`` as ``source``'s reader would and return what it read (so fetch can count
    its rows); raises if it cannot (errors name the file)."""
    parser = PARSERS.get(str(source.reader))
    if parser is None:
        raise RegistryError(f"source {source.source_id}: no parser for reader {source.reader!r}")
    return parser(path, source, registry)
