"""Table checks (``table.*``): a resource's header against its Table Schema
(``cscbench.validate.run:header_problems`` and ``duplicate_columns``), and the keys across rows and
resources: the primary key and foreign keys, generated from the schema as row checks by
``cscbench.package.schema``. Each entry's ``used_in`` names the function.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

CHECKS = (
    Check(
        "table.missing_column",
        "A column the schema requires is missing",
        "Add the column back with the header exactly as in the schema.",
        frictionless=True,
        used_in=(
            "cscbench.validate.frictionless_engine:TYPE_MAP",
            "cscbench.validate.run:header_problems",
        ),
    ),
    Check(
        "table.extra_column",
        "A column the schema does not define",
        "Remove the column; keep your own notes in a separate file.",
        frictionless=True,
        used_in=(
            "cscbench.validate.frictionless_engine:TYPE_MAP",
            "cscbench.validate.run:header_problems",
        ),
    ),
    Check(
        "table.renamed_column",
        "A header differs from the schema's name for that column",
        "Restore the header exactly as in schemas/<resource>.schema.json (spelling and case "
        "matter).",
        frictionless=True,
        used_in=(
            "cscbench.validate.frictionless_engine:_check_id",
            "cscbench.validate.run:header_problems",
        ),
    ),
    Check(
        "table.duplicate_column",
        "A header appears more than once",
        "Remove the repeated column; each column of the schema appears once.",
        frictionless=True,
        used_in=(
            "cscbench.validate.frictionless_engine:TYPE_MAP",
            "cscbench.validate.frictionless_engine:_check_id",
            "cscbench.validate.run:duplicate_columns",
        ),
    ),
    Check(
        "table.column_order",
        "Columns are not in the schema's order",
        "Reorder the columns to match schemas/<resource>.schema.json.",
        frictionless=True,
        used_in=(
            "cscbench.validate.frictionless_engine:_check_id",
            "cscbench.validate.frictionless_engine:_location",
            "cscbench.validate.frictionless_engine:run",
            "cscbench.validate.run:header_problems",
        ),
    ),
    Check(
        "table.primary_key",
        "Two rows share the same primary key",
        "Remove the duplicate row; each key (see the schema's primaryKey) may appear once.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:primary_key_check",
            "cscbench.validate.frictionless_engine:TYPE_MAP",
            "cscbench.validate.run:_add_failures",
        ),
    ),
    Check(
        "table.foreign_key",
        "A code, or a combination of codes (a foreign key of several fields), does not exist "
        "in the resource it refers to",
        "Use a code (or combination) that exists in the referenced resource, or add the "
        "missing row there first.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:composite_key_check",
            "cscbench.package.schema:foreign_key_checks",
            "cscbench.validate.frictionless_engine:TYPE_MAP",
        ),
    ),
)
