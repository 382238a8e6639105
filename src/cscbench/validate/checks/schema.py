"""Table Schema checks (``schema.*``): each resource's schema is usable before any row is judged
by it. Applied when the package is read, by ``cscbench.package.table_schema`` (and a foreign key's
reference by ``cscbench.package.descriptor``); each entry's ``used_in`` names the function.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

CHECKS = (
    Check(
        "schema.shape",
        "A Table Schema has the wrong shape: fields not a non-empty list, a field without a "
        "name or with a repeated one, a constraint of the wrong type, a key naming no field",
        "Restore the schema from the release's schemas/ folder, or correct the part named.",
        used_in=(
            "cscbench.package.descriptor:reference_issues",
            "cscbench.package.table_schema:constraint_issues",
            "cscbench.package.table_schema:field_issues",
            "cscbench.package.table_schema:foreign_key_issues",
            "cscbench.package.table_schema:key_issues",
            "cscbench.package.table_schema:schema_issues",
        ),
    ),
    Check(
        "schema.pattern",
        "A field's pattern cannot be used: not a regular expression, a feature the validator's "
        "regex engine does not have (look-around, backreferences), or too long",
        "Rewrite the pattern without look-around or backreferences (the Rust regex syntax "
        "polars uses); patterns are at most CSCBENCH_MAX_PATTERN_CHARS characters.",
        used_in=("cscbench.package.table_schema:pattern_issues",),
    ),
)
