"""Write the data package: deterministic CSVs plus ``datapackage.json``, swapped in atomically.

Everything is written to a work folder beside the target, validated there, and only then switched
into place through a journal, so a failed run leaves the previous package exactly as it was and a
killed one is finished by the next run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from cscbench import __version__
from cscbench.core import atomic
from cscbench.package.csvformat import OGL_LICENCE, to_csv_frame, write_csv
from cscbench.package.schema import load_table_schema

DATA_DIR = "datapackage"
SCHEMA_DIR = "schemas"
DESCRIPTOR = "datapackage.json"
WORK_PREFIX = ".ingest-"
JOURNAL = ".ingest.switch"
MARKER = ".cscbench-ingest"
RESOURCE_ORDER = (
    "areas",
    "indicators",
    "observations",
    "caveats",
    "statistical_neighbours",
    "inspections",
    "announcements",
    "sources",
)
DESCRIPTIONS = {
    "areas": "England, regions, Inner/Outer London, joint returns and every council with children's social care duties, past and present, with code changes linked.",
    "indicators": "One row per numeric measure: label, unit, decimals, polarity, valid range, definition, formula for computed ones.",
    "observations": "Every published figure in long format, under the code its source used; suppressed figures keep their symbol in status.",
    "caveats": "Flagged figures, one row per figure of observations: why it is flagged, its source and the entry of the caveats registry that flagged it. Flagged figures are published as they are and left out of ranks, bands and neighbour means and medians.",
    "statistical_neighbours": "DfE 2025 statistical neighbour model: ten neighbours per council, closest first.",
    "inspections": "Ofsted judgements on councils' children's services since 2009, one row per inspection and judgement.",
    "announcements": "What councils and the press said (claims, not statistics), one row per stated fact, with its source.",
    "sources": "Every input file: publisher, publication, licence, where this copy was taken from and its sha256.",
}


def descriptor(resources: list[str]) -> dict[str, Any]:
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "cscbench",
        "title": "cscbench: English councils' children's social care benchmarks",
        "description": "Official statistics on councils' children's social care (workforce, children in care and in need, spending, Ofsted judgements, statistical neighbours) and what councils announced, validated and linked by council code.",
        "version": __version__,
        "licenses": [dict(OGL_LICENCE)],
        "contributors": [{"title": "cscbench maintainers", "roles": ["creator"]}],
        "keywords": [
            "children's social care",
            "local authorities",
            "England",
            "Ofsted",
            "social work workforce",
        ],
        "resources": [
            {
                "name": name,
                "type": "table",
                "path": f"{DATA_DIR}/{name}.csv",
                "scheme": "file",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": DESCRIPTIONS[name],
                "schema": f"{SCHEMA_DIR}/{name}.schema.json",
            }
            for name in resources
        ],
    }


def write_package(
    frames: Mapping[str, pl.DataFrame], root: Path, schema_dir: Path, validate: bool = True
) -> Path:
    """Write all resources under ``root`` atomically; returns the descriptor path.

    The new package is built in a work folder inside ``root`` (same filesystem), validated, then
    its parts (``datapackage/``, ``datapackage.json`` and, for a package written elsewhere,
    ``schemas/``) are switched in together through a journal (:func:`cscbench.core.atomic.switch`):
    a run killed half way is finished by the next run, so the three parts never disagree.
    """
    from cscbench.validate.run import validate_package

    names = [n for n in RESOURCE_ORDER if n in frames]
    root.mkdir(parents=True, exist_ok=True)
    recover(root)
    lock = atomic.RunLock(root, WORK_PREFIX)
    work = lock.folder
    try:
        os.mkdir(work, 0o777)
        (work / MARKER).write_text("built by cscbench ingest\n", encoding="utf-8")
        (work / DATA_DIR).mkdir()
        shutil.copytree(schema_dir, work / SCHEMA_DIR)
        for name in names:
            table_schema = load_table_schema(schema_dir / f"{name}.schema.json")
            write_csv(to_csv_frame(frames[name], table_schema), work / DATA_DIR / f"{name}.csv")
        body = json.dumps(descriptor(names), indent=2, ensure_ascii=False)
        (work / DESCRIPTOR).write_text(body + "\n", encoding="utf-8")
        if validate:
            report = validate_package(work / DESCRIPTOR)
            if not report.valid:
                lines = "\n".join(p.message for p in report.problems[:20])
                raise ValueError(f"the new package is invalid; nothing was replaced:\n{lines}")
        parts = [DATA_DIR, DESCRIPTOR]
        if (root / SCHEMA_DIR).resolve() != schema_dir.resolve():
            parts.insert(0, SCHEMA_DIR)  # a package written elsewhere carries its schemas
        with atomic.interruptible():
            atomic.checkpoint("ingest-written")
            moves = [(work / part, root / part) for part in parts]
            atomic.switch(moves, work / "previous", root / JOURNAL, work)
    finally:
        if not (root / JOURNAL).exists():  # else a switch stopped half way: the next run ends it
            atomic.remove(work)
        lock.release()
    return root / DESCRIPTOR


def recover(root: Path) -> None:
    """Finish a switch a killed ingest left half done, put back a part an older version of
    cscbench left aside (``datapackage.old``), and remove dead runs' work folders."""
    journal = root / JOURNAL
    atomic.clean_journal_temps(journal)
    if journal.exists() and not atomic.roll_forward(journal):
        return  # another ingest is switching right now
    for part in (DATA_DIR, SCHEMA_DIR):
        legacy = root / f"{part}.old"
        if legacy.is_dir() and not (root / part).exists():
            os.rename(legacy, root / part)
    atomic.clean_dead(root, WORK_PREFIX, lambda path: (path / MARKER).exists())
