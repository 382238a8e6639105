"""Field checks (``field.*``): each cell against its field's type and constraints. The rules are
generated from the Table Schemas, their one home, by ``cscbench.package.schema:field_checks``; the
frictionless engine maps its own errors onto the same ids.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

CHECKS = (
    Check(
        "field.required",
        "A required value is empty",
        "Fill in the value; required fields cannot be empty.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:CONSTRAINTS",
            "cscbench.validate.frictionless_engine:run",
        ),
    ),
    Check(
        "field.type",
        "A value is not of the field's type",
        "Use the type the schema gives: numbers with '.' decimals and no thousands "
        "separators, ISO dates (YYYY-MM-DD) that exist in the calendar, whole numbers for "
        "integers.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:TYPE_MAP",
        ),
    ),
    Check(
        "field.enum",
        "A value is not one of the allowed values",
        "Use one of the allowed values listed in the schema (spelling and case matter).",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:CONSTRAINTS",
        ),
    ),
    Check(
        "field.pattern",
        "A value does not match the field's pattern",
        "Correct the value to the expected form (e.g. GSS codes are E plus 8 digits).",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:CONSTRAINTS",
        ),
    ),
    Check(
        "field.minimum",
        "A value is below the field's minimum",
        "Check the figure; the schema does not allow values below the minimum.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:CONSTRAINTS",
        ),
    ),
    Check(
        "field.maximum",
        "A value is above the field's maximum",
        "Check the figure; the schema does not allow values above the maximum.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:CONSTRAINTS",
        ),
    ),
    Check(
        "field.unique",
        "A value that must be unique appears more than once",
        "Remove the duplicate row or correct the value.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:CONSTRAINTS",
            "cscbench.validate.frictionless_engine:TYPE_MAP",
        ),
    ),
)
