"""The registry of raw inputs: who published each file, where this copy came from, its checksum.

Facts here are transcribed from the PROVENANCE.md files beside the raw data. The sha256 is computed
at ingest and compared with the committed ``sources.csv`` so a changed publisher file is never
ingested silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

OGL = "OGL-UK-3.0"
DFE_CSC_REPO = "dfe-analytical-services/CSC_outcomes_and_enablers"
DFE_CSC_HEAD = "2f5d11a431050523dab58810083259d3313029ae"
JT39_REPO = "JT-39/ofsted-ilacs-scrape-tool"
MHCLG_COLLECTION = (
    "https://www.gov.uk/government/collections/local-authority-revenue-expenditure-and-financing"
)
EES = "https://explore-education-statistics.service.gov.uk/find-statistics/"


@dataclass(frozen=True)
class Source:
    source_id: str
    publisher: str
    title: str
    licence: str
    published: str | None
    publication_url: str | None
    repository: str | None
    repository_path: str | None
    commit: str | None
    raw_path: str | None
    description: str


SOURCES: tuple[Source, ...] = (
    Source(
        "dfe_csww_2025",
        "Department for Education",
        "Children's social work workforce: headline indicators 2017 to 2025",
        OGL,
        None,
        EES + "children-s-social-work-workforce",
        DFE_CSC_REPO,
        "data-raw/csww_indicators_2017_to_2025.csv",
        "10a68d81b61e461d6c87b4d0b676a3a56b1c152a",
        "dfe/csww_indicators_2017_to_2025.csv",
        "Workforce snapshot at 30 September each year: FTE, agency, vacancies, turnover, caseload.",
    ),
    Source(
        "dfe_cla_2025",
        "Department for Education",
        "Children looked after in England including adoptions: numbers and rates 2021 to 2025",
        OGL,
        None,
        EES + "children-looked-after-in-england-including-adoptions",
        DFE_CSC_REPO,
        "data-raw/cla_number_and_rate_per_10k_children.csv",
        "9a527ae3b5a39c8dbd822cb0597cce5b6b65df32",
        "dfe/cla_number_and_rate_per_10k_children.csv",
        "Children looked after on 31 March, starting and ceasing in the year, with rates per 10,000.",
    ),
    Source(
        "dfe_cin_b1_2025",
        "Department for Education",
        "Children in need: table B1, 2013 to 2025",
        OGL,
        None,
        EES + "characteristics-of-children-in-need",
        DFE_CSC_REPO,
        "data-raw/b1_children_in_need_2013_to_2025.csv",
        "c19350f74e8d3c1ad18beb2d6069f0c82f19a571",
        "dfe/b1_children_in_need_2013_to_2025.csv",
        "Children in need episodes and children during the year and at 31 March.",
    ),
    Source(
        "ons_population_0_17_2024",
        "Office for National Statistics (as reshaped by the Department for Education)",
        "Mid-year population estimates, children aged 0 to 17, 2012 to 2024",
        OGL,
        None,
        "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
        "populationestimates",
        DFE_CSC_REPO,
        "data-raw/ons_mid-year_population_estimates_2012_to_2024.csv",
        "c19350f74e8d3c1ad18beb2d6069f0c82f19a571",
        "dfe/ons_mid-year_population_estimates_2012_to_2024.csv",
        "Child population at 30 June each year; the base for per-child and per-10k rates.",
    ),
    Source(
        "mhclg_ro3_2024_25",
        "Ministry of Housing, Communities and Local Government",
        "Revenue outturn RO3 (social care and public health) 2024-25, by local authority",
        OGL,
        "2025-12-04",
        MHCLG_COLLECTION,
        DFE_CSC_REPO,
        "data-raw/RO3_LA_Data_2024-25_data_by_LA.ods",
        "7b806074663fe8cf7cecac38f6f6356e7e97f149",
        "dfe/RO3_LA_Data_2024-25_data_by_LA.ods",
        "Children's social care expenditure lines in GBP thousand, financial year 2024-25.",
    ),
    Source(
        "mhclg_rsx_2024_25",
        "Ministry of Housing, Communities and Local Government",
        "Revenue outturn RSX (revenue summary) 2024-25, by local authority",
        OGL,
        "2025-12-04",
        MHCLG_COLLECTION,
        DFE_CSC_REPO,
        "data-raw/RSX_LA_Data_2024-25_data_by_LA.ods",
        "7b806074663fe8cf7cecac38f6f6356e7e97f149",
        "dfe/RSX_LA_Data_2024-25_data_by_LA.ods",
        "Revenue summary in GBP thousand, financial year 2024-25.",
    ),
    Source(
        "dfe_sn_model_2025",
        "Department for Education",
        "Children's services statistical neighbour benchmarking model, 2025 refresh",
        OGL,
        None,
        None,
        DFE_CSC_REPO,
        "data-raw/sn_model_2025_wide.csv",
        "1329930840af1494de032849c2f07a5d58e08f61",
        "dfe/sn_model_2025_wide.csv",
        "Ten statistical neighbours per council, closest first, with a closeness label.",
    ),
    Source(
        "cscbench_computed",
        "cscbench",
        "Figures computed by cscbench from published figures (formulas in indicators)",
        OGL,
        None,
        None,
        None,
        None,
        None,
        None,
        "Region and England aggregates a publisher does not give, and derived rates.",
    ),
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sources_frame(raw_dir: Path, extra: tuple[Source, ...] = ()) -> pl.DataFrame:
    """The sources resource: registry rows plus the file name and sha256 of each raw file."""
    rows = []
    for source in (*SOURCES, *extra):
        row = asdict(source)
        path = raw_dir / source.raw_path if source.raw_path else None
        row["file_name"] = path.name if path else None
        row["sha256"] = sha256(path) if path else None
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None).sort("source_id")
