"""The catalogue of validation checks: a stable id, what it means, and how to fix it.

Modelled on DfE's eesyscreener: every problem the validator reports carries one of these ids, so a
partner can look the id up here (or in the table of docs/validation.md, generated from this
catalogue) and act on it. Ids are part of the package's interface: never rename one, add a new id instead.

One module per family, named for the ids' prefix (``obs.*`` in ``observations``), each holding its
entries and, for the validate stage's row rules (observations, areas, inspections, text), the
rules themselves; a rule applied by an earlier stage (the package reader's file, descriptor and
schema checks, in ``package/``, which may not import ``validate``) is named by its entry's
``used_in``. The families are listed in the order a package is checked, which is the order of the
table in docs/validation.md (``python -m cscbench.validate.checks`` prints it).

May import ``core`` and ``package`` (the rules are polars expressions built with
``package.schema``).
"""

from __future__ import annotations

from types import ModuleType

from cscbench.validate.checks import (
    archive,
    areas,
    engine,
    extension,
    field,
    file,
    inspections,
    observations,
    package,
    schema,
    table,
    text,
)
from cscbench.validate.checks.check import Check

FAMILIES: tuple[ModuleType, ...] = (
    package,
    schema,
    file,
    archive,
    table,
    field,
    text,
    observations,
    areas,
    inspections,
    engine,
    extension,
)

CATALOGUE: dict[str, Check] = {c.check_id: c for family in FAMILIES for c in family.CHECKS}


def guidance(check_id: str) -> str:
    return CATALOGUE[check_id].guidance


def readme_table() -> str:
    """The check table of docs/validation.md, generated here so the two cannot drift apart."""
    rows = [
        "| check id | what it means | how to fix it | frictionless |",
        "|---|---|---|---|",
    ]
    for c in CATALOGUE.values():
        title, fix = (words.replace("|", "\\|") for words in (c.title, c.guidance))
        seen = "yes" if c.frictionless else "no"
        rows.append(f"| `{c.check_id}` | {title} | {fix} | {seen} |")
    return "\n".join(rows)


__all__ = ["CATALOGUE", "FAMILIES", "Check", "guidance", "readme_table"]
