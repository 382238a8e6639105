"""The catalogue of validation checks: a stable id, what it means, and how to fix it.

Modelled on DfE's eesyscreener: every problem the validator reports carries one of these ids, so a
partner can look the id up here (or in the README table) and act on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    check_id: str
    title: str
    guidance: str


CATALOGUE: dict[str, Check] = {
    c.check_id: c
    for c in (
        Check(
            "file.missing",
            "A resource file named in datapackage.json does not exist",
            "Restore the file, or regenerate the package with `cscbench ingest`.",
        ),
        Check(
            "file.encoding",
            "The file is not valid UTF-8",
            "Re-save the file as UTF-8 (in Excel: 'CSV UTF-8').",
        ),
        Check(
            "file.bom",
            "The file starts with a UTF-8 byte-order mark",
            "Re-save as UTF-8 without BOM; the package contract is BOM-free UTF-8.",
        ),
        Check(
            "file.line_endings",
            "The file uses CRLF (Windows) line endings",
            "Re-save with LF line endings; the contract asks for '\\n' so files are byte-identical across systems.",
        ),
        Check(
            "file.empty", "The file is empty (no header)", "Restore the header row and the data."
        ),
        Check(
            "file.no_rows",
            "The file has a header but no rows, and this resource needs rows",
            "Restore the rows, or regenerate the package.",
        ),
        Check(
            "file.malformed",
            "A row cannot be parsed as CSV (wrong number of fields or broken quoting)",
            "Check the row for a missing or extra comma or an unclosed quote; a cut-off last line means the file was truncated.",
        ),
        Check(
            "table.missing_column",
            "A column the schema requires is missing",
            "Add the column back with the header exactly as in the schema.",
        ),
        Check(
            "table.extra_column",
            "A column the schema does not define",
            "Remove the column, or rename it to the schema's name if it was renamed.",
        ),
        Check(
            "table.column_order",
            "Columns are not in the schema's order",
            "Reorder the columns to match schemas/<resource>.schema.json.",
        ),
        Check(
            "field.required",
            "A required value is empty",
            "Fill in the value; required fields cannot be empty.",
        ),
        Check(
            "field.type",
            "A value is not of the field's type",
            "Use the type the schema gives: numbers with '.' decimals and no thousands separators, ISO dates (YYYY-MM-DD), whole numbers for integers.",
        ),
        Check(
            "field.enum",
            "A value is not one of the allowed values",
            "Use one of the allowed values listed in the schema (spelling and case matter).",
        ),
        Check(
            "field.pattern",
            "A value does not match the field's pattern",
            "Correct the value to the expected form (e.g. GSS codes are E plus 8 digits).",
        ),
        Check(
            "field.minimum",
            "A value is below the field's minimum",
            "Check the figure; the schema does not allow values below the minimum.",
        ),
        Check(
            "field.maximum",
            "A value is above the field's maximum",
            "Check the figure; the schema does not allow values above the maximum.",
        ),
        Check(
            "field.unique",
            "A value that must be unique appears more than once",
            "Remove the duplicate row or correct the value.",
        ),
        Check(
            "text.formula",
            "Text starts with '=', '+', '-' or '@' and could run as a spreadsheet formula",
            "Remove the leading character; names, labels and codes must not start with a formula character.",
        ),
        Check(
            "text.html",
            "Text contains HTML or script markup",
            "Remove the markup; announcements hold plain text only.",
        ),
        Check(
            "table.primary_key",
            "Two rows share the same primary key",
            "Remove the duplicate row; each key (see the schema's primaryKey) may appear once.",
        ),
        Check(
            "table.foreign_key",
            "A code does not exist in the resource it refers to",
            "Use a code that exists in the referenced resource, or add the missing row there first.",
        ),
        Check(
            "obs.value_or_status",
            "A figure has neither a value nor a status, or both a published value and a suppression symbol",
            "Give a value, or leave it empty and put the publisher's symbol in status.",
        ),
        Check(
            "obs.indicator_range",
            "A value is outside the valid range of its indicator",
            "Check the figure against the publisher's file; the valid range is in indicators (min_value, max_value).",
        ),
        Check(
            "obs.percent_range",
            "A percentage is above 100 or below 0",
            "Percentages lie between 0 and 100; check the figure and its unit.",
        ),
        Check(
            "obs.period_end",
            "period_end does not match period",
            "A year (2025) ends in that year; a financial year (2024-25) ends on 31 March of its second year.",
        ),
        Check(
            "areas.series_code",
            "A current area does not continue its own series",
            "A current area's series_code is its own area_code.",
        ),
        Check(
            "areas.list_code",
            "A code listed in successor_code or member_codes is not an area",
            "List only codes that exist in areas, separated by '|'.",
        ),
        Check(
            "inspections.date_order",
            "Inspection dates are out of order",
            "Fieldwork starts before it ends, and ends before the report is published.",
        ),
        Check(
            "inspections.grade_scale",
            "A grade is not valid for its framework",
            "Use the framework's grade wording (see the schema description).",
        ),
        Check(
            "inspections.grade_status",
            "A graded row has a grade_status, or an ungraded row has none",
            "Give either a grade or a grade_status saying why there is no grade.",
        ),
        Check(
            "package.descriptor",
            "datapackage.json is missing or not valid",
            "Restore datapackage.json from the release, or regenerate it with `cscbench ingest`.",
        ),
        Check(
            "package.frictionless",
            "frictionless reported a problem the fast engine has no id for",
            "Read the frictionless message; report it as a cscbench bug if the fast engine should catch it too.",
        ),
    )
}


def guidance(check_id: str) -> str:
    return CATALOGUE[check_id].guidance
