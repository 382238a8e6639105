"""The release's README.md: what the archive holds, how to load it (Python, R, DuckDB), what changed
since the previous release and the council codes that changed.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from cscbench.release.diff import Package
from cscbench.release.formats import DUCKDB, PARQUET_DIR


def readme(descriptor: dict[str, Any], package: Package, previous: str | None) -> str:
    """The archive's README: what is inside, how to load it, how to cite it, the licences."""
    version, created = descriptor["version"], descriptor["created"][:10]
    who = ", ".join(c.get("title", "") for c in descriptor.get("contributors", [])) or "cscbench"
    rows = "\n".join(
        f"| `{r['name']}` | {package.frames[r['name']].height:,} | {r.get('description', '')} |"
        for r in descriptor["resources"]
    )
    licences = [
        f"* `{r['name']}`: " + "; ".join(licence["title"] for licence in r["licenses"])
        for r in descriptor["resources"]
        if r.get("licenses")
    ]
    homepage = f" Project home: {descriptor['homepage']}" if descriptor.get("homepage") else ""
    since = f"compared with {previous}" if previous else "this is the first release"
    return "\n".join(
        [
            f"# {descriptor.get('title', 'cscbench')}, version {version}",
            "",
            f"Released {created}. Identifier: `{descriptor['id']}`.{homepage}",
            "",
            descriptor.get("description", ""),
            "",
            "## Inside",
            "",
            "| resource | rows | holds |",
            "|---|---|---|",
            rows,
            "",
            "* `datapackage.json` with `datapackage/*.csv` and `schemas/*.schema.json`: the data as a",
            "  Frictionless Data Package (v2). Each resource lists its size (`bytes`) and SHA-256",
            "  (`hash`); `frictionless validate datapackage.json` checks them with everything else.",
            f"* `{PARQUET_DIR}/<resource>.parquet`: the same tables with their types (decimal",
            "  numbers, dates, enumerations).",
            f"* `{DUCKDB}`: a DuckDB database, one table per resource, with primary keys and the",
            "  schema descriptions as comments.",
            f"* `CHANGES.md`: what changed in this version ({since}).",
            "",
            "Figures that were not published are empty, with the publisher's symbol in `status`;",
            "`period_end` (a date) is the column to join on across themes, not `period`. In the",
            "Parquet files dates are timestamps at midnight (so pandas reads them as `datetime64`);",
            "the CSV files and the DuckDB database hold plain dates.",
            "",
            *codes_section(package),
            "## Loading it",
            "",
            "Python, polars:",
            "",
            "```python",
            "import polars as pl",
            f'observations = pl.read_parquet("{PARQUET_DIR}/observations.parquet")',
            "# or, with the cscbench package installed:",
            "import cscbench",
            'observations = cscbench.load("observations", package="datapackage.json")',
            "```",
            "",
            "Python, pandas (reading Parquet needs pyarrow):",
            "",
            "```python",
            "import pandas as pd",
            f'observations = pd.read_parquet("{PARQUET_DIR}/observations.parquet")',
            "```",
            "",
            "DuckDB (Python shown; the CLI takes the same SQL):",
            "",
            "```python",
            "import duckdb",
            f'con = duckdb.connect("{DUCKDB}", read_only=True)',
            'con.sql("SELECT indicator_id, count(*) FROM observations GROUP BY ALL").show()',
            "```",
            "",
            "R, with the frictionless package:",
            "",
            "```r",
            "library(frictionless)",
            'package <- read_package("datapackage.json")',
            'observations <- read_resource(package, "observations")',
            "```",
            "",
            "## Citing it",
            "",
            f"{who} ({created[:4]}). {descriptor.get('title', 'cscbench')}. Data package version "
            f"{version}, released {created}. {descriptor['id']}",
            "",
            "Please cite the original publishers too: `sources` lists each one with its publication.",
            "",
            "## Licences",
            "",
            f"The package is under the {descriptor['licenses'][0].get('title', 'licence')} "
            f"({descriptor['licenses'][0].get('path', '')}). These resources hold rows from",
            "sources under other terms as well, as each resource's `licenses` lists:",
            "",
            *(licences or ["* none"]),
            "",
        ]
    )


def codes_section(package: Package) -> list[str]:
    """Where codes are as published: the councils whose code changed (their series split at the
    change), read from ``areas``, and how to get one series per current council."""
    areas = package.frames.get("areas")
    if areas is None or not {"area_code", "name", "series_code", "end_date"} <= set(areas.columns):
        return []
    moved = areas.filter(
        pl.col("series_code").is_not_null() & (pl.col("series_code") != pl.col("area_code"))
    ).sort("end_date", "name")
    lines = [
        f"* {row['name']}: `{row['area_code']}` until {row['end_date']}, then "
        f"`{row['series_code']}`"
        for row in moved.iter_rows(named=True)
    ]
    return [
        "## Codes as published",
        "",
        "Every file keeps each figure under the area code its publisher used, so a council whose",
        "code changed has two series, split at the change:",
        "",
        *(lines or ["* none in this release"]),
        "",
        "For one series per current council, join on `areas.series_code` (the code the series",
        "continues under; empty for a council that was abolished or merged, whose figures stay",
        "its own), or with the cscbench package installed:",
        "",
        "```python",
        "import cscbench",
        'observations = cscbench.load("observations", package="datapackage.json", current=True)',
        "```",
        "",
        "which moves rows published under a superseded code onto the current one and keeps the",
        "code as published in `published_area_code`.",
        "",
    ]
