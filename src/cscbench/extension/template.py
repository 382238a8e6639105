"""``cscbench extension new DIR``: a template a partnership fills in.

It holds the descriptor (naming the installed release's compatible range), the Table Schemas
generated from the installed package's, both CSVs with their headers and one example row marked
as demonstration data, and a README for the people who fill it in. The folder is written beside
its final place and renamed into it, so a failed run leaves nothing half-made.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core.errors import UsageError
from cscbench.core.paths import default_package
from cscbench.extension.format import (
    INDICATORS,
    NAMESPACE,
    OBSERVATIONS,
    default_extends,
    descriptor,
    local_schemas,
)
from cscbench.package import descriptor as desc

EXAMPLE_ID = f"{NAMESPACE}example"
# The example rows: an own indicator and one figure of it, marked as demonstration data.
EXAMPLE_INDICATOR = {
    "indicator_id": EXAMPLE_ID,
    "label": "Example indicator (delete this row)",
    "theme": "workforce",
    "unit": "number",
    "decimals": "0",
    "polarity": "neutral",
    "min_value": "0",
    "source_id": "example",
    "definition": "An example of an own indicator: replace it with yours, or delete it.",
}
EXAMPLE_FIGURE = {
    "indicator_id": EXAMPLE_ID,
    "area_code": "E08000035",
    "period": "2026",
    "period_end": "2026-06-30",
    "value": "1",
    "unit": "number",
    "collected_by": "example row: delete it",
    "collected_on": "2026-07-15",
    "source": "example row, not a real figure",
    "demonstration": "true",
}
README = """# {title}

A local return for **{partnership}**, checked against cscbench {version} (it extends cscbench
releases `{extends}`). Fill in the two CSV files, then check them:

    cscbench validate {folder}/datapackage.json

## local_observations.csv: one row per figure

| column | what to write |
|---|---|
{obs_rows}

A figure of an official cscbench indicator (such as `caseload_fte`) uses that indicator's id, its
unit and its period format (a year `2026`, or a financial year `2025-26`, as the official figures
do), and must sit inside its valid range. A council is its GSS code from cscbench's areas
(`cscbench.find_area("Leeds")`); a superseded code is counted for the current council.

## local_indicators.csv: the partnership's own indicators (optional)

Ids start with `{namespace}` so they can never collide with an official id. The columns are those
of cscbench's `indicators`.

The first row of each file is an example, marked `demonstration` true: delete it before you
share the return. Set `demonstration` to `true` on any figure that is not real.
"""


def _rows(fields: list[dict[str, Any]], example: dict[str, str]) -> pl.DataFrame:
    names = [f["name"] for f in fields]
    return pl.DataFrame(
        [{n: example.get(n) for n in names}], schema=dict.fromkeys(names, pl.String)
    )


def _field_table(fields: list[dict[str, Any]]) -> str:
    def cell(text: str) -> str:
        return re.sub(r"\s+", " ", text).replace("|", "\\|")

    return "\n".join(
        f"| `{f['name']}` | {cell(f.get('description', ''))}"
        f"{' (required)' if f.get('constraints', {}).get('required') else ''} |"
        for f in fields
    )


def _main_schemas(package: Path) -> tuple[dict[str, Any], str]:
    """The installed package's observations and indicators schemas, read through its plan."""
    checked = desc.plan(package)
    try:
        found = {e.name: e.schema for e in checked.entries}
        if checked.package is None or not {"observations", "indicators"} <= found.keys():
            raise UsageError(f"{package}: not a usable cscbench package; run `cscbench validate`")
        version = checked.package.get("version")
        return local_schemas(found["observations"], found["indicators"]), str(version)
    finally:
        checked.close()


def new_extension(
    folder: str | Path,
    partnership: str = "Example partnership",
    name: str | None = None,
    package: str | Path | None = None,
) -> Path:
    """Write the template to ``folder`` (which must not exist, or be empty); its descriptor."""
    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not an empty folder; choose a new one")
    schemas, version = _main_schemas(Path(package) if package else default_package())
    slug = name or re.sub(r"[^a-z0-9._-]+", "-", target.resolve().name.lower()).strip("-._")
    if not desc.NAME.fullmatch(slug or ""):
        raise UsageError(f"{slug!r} is not a package name: {desc.NAME_RULE}")
    extends = default_extends(version)
    title = f"{partnership}: local return"
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        (work / "schemas").mkdir()
        for res, schema in schemas.items():
            text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            (work / "schemas" / f"{res}.schema.json").write_text(text, encoding="utf-8")
        meta = descriptor(slug, title, partnership, extends)
        (work / "datapackage.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        _rows(schemas[OBSERVATIONS]["fields"], EXAMPLE_FIGURE).write_csv(
            work / f"{OBSERVATIONS}.csv"
        )
        _rows(schemas[INDICATORS]["fields"], EXAMPLE_INDICATOR).write_csv(
            work / f"{INDICATORS}.csv"
        )
        readme = README.format(
            title=title,
            partnership=partnership,
            version=version,
            extends=extends,
            folder=target,
            obs_rows=_field_table(schemas[OBSERVATIONS]["fields"]),
            namespace=NAMESPACE,
        )
        (work / "README.md").write_text(readme, encoding="utf-8")
        work.chmod(0o755)
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target / "datapackage.json"
