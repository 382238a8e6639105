"""The catalogue of validation checks: a stable id, what it means, and how to fix it.

Modelled on DfE's eesyscreener: every problem the validator reports carries one of these ids, so a
partner can look the id up here (or in the table of docs/validation.md, generated from this
catalogue) and act on it. Ids are part of the package's interface: never rename one, add a new id instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """A check: its stable id, what a failure means, how to fix it, and whether frictionless (run
    on the same package) reports the same problem, so partners using frictionless know its reach."""

    check_id: str
    title: str
    guidance: str
    frictionless: bool = False


CATALOGUE: dict[str, Check] = {
    c.check_id: c
    for c in (
        Check(
            "package.descriptor",
            "datapackage.json, or a Table Schema it names, is missing or not valid",
            "Restore datapackage.json and schemas/ from the release, or regenerate them with "
            "`cscbench ingest`.",
        ),
        Check(
            "package.not_json",
            "datapackage.json or a Table Schema is not valid JSON (or not UTF-8)",
            "Open the file in a JSON validator (or `python -m json.tool FILE`) and fix the "
            "syntax at the position given; restore it from the release if unsure.",
        ),
        Check(
            "package.too_deep",
            "datapackage.json or a Table Schema is nested deeper than cscbench's limit",
            "A real descriptor nests a few levels; this one is corrupt or built to exhaust the "
            "reader. Restore it from the release (the limit is CSCBENCH_MAX_DESCRIPTOR_DEPTH).",
        ),
        Check(
            "package.shape",
            "datapackage.json has the wrong shape: not an object, a resource without a usable "
            "name, a path or schema that is not text",
            "Each resource is an object with a name, a path (text: a relative file path) and a "
            "schema (text: the path of its Table Schema), as in the release's datapackage.json.",
        ),
        Check(
            "package.no_resources",
            "datapackage.json lists no resources",
            "Restore the resources list from the release; a data package needs at least one.",
        ),
        Check(
            "package.missing_resource",
            "datapackage.json lacks a resource every cscbench package needs (the message "
            "names it and lists them all)",
            "Restore the resource's entry (and its file and schema) from the release, or "
            "regenerate the package with `cscbench ingest`.",
        ),
        Check(
            "package.duplicate_name",
            "Two resources have the same name",
            "Give each resource its own name; the second one with a name is not checked.",
        ),
        Check(
            "package.unsupported",
            "Valid Data Package v2 that cscbench does not support: a multipart path (a list), "
            "inline data or an inline schema, a CSV dialect, compression, a field type or "
            "constraint cscbench does not check",
            "Give each resource one CSV file (comma-separated, UTF-8) and its Table Schema in a "
            "file, with the types string, number, integer, date and boolean.",
        ),
        Check(
            "schema.shape",
            "A Table Schema has the wrong shape: fields not a non-empty list, a field without a "
            "name or with a repeated one, a constraint of the wrong type, a key naming no field",
            "Restore the schema from the release's schemas/ folder, or correct the part named.",
        ),
        Check(
            "schema.pattern",
            "A field's pattern cannot be used: not a regular expression, a feature the validator's "
            "regex engine does not have (look-around, backreferences), or too long",
            "Rewrite the pattern without look-around or backreferences (the Rust regex syntax "
            "polars uses); patterns are at most CSCBENCH_MAX_PATTERN_CHARS characters.",
        ),
        Check(
            "package.unsafe_path",
            "A resource or schema path is not a regular file inside the package: it leads "
            "outside the package folder (also through a symlink), is a URL, or is a directory, "
            "FIFO, device or socket",
            "Put the file inside the package folder and name it by a relative path such as "
            "datapackage/observations.csv. cscbench never reads outside the package, never shows "
            "such a file's content, and fetches a URL only with --allow-remote.",
        ),
        Check(
            "file.missing",
            "A resource file named in datapackage.json does not exist",
            "Restore the file, or regenerate the package with `cscbench ingest`.",
            frictionless=True,
        ),
        Check(
            "file.unreadable",
            "The file exists but cannot be read (permission denied, an I/O error)",
            "Check the file's permissions and the disk, or restore the file from the release.",
        ),
        Check(
            "file.too_large",
            "The file is larger than cscbench's size limit, so it was not read",
            "Check that this is the right file (today's largest resource is about 5 MB, its "
            "descriptor 4 KB). For a genuinely larger package raise the limit: "
            "CSCBENCH_MAX_FILE_BYTES=4G, or CSCBENCH_MAX_DESCRIPTOR_BYTES for datapackage.json and "
            "the schemas (see docs/validation.md, Limits).",
        ),
        Check(
            "file.bytes",
            "The file's size differs from the bytes datapackage.json declares for it (a "
            "release's descriptor declares every file's size)",
            "The file is not the one released: it was changed, truncated or damaged in transit. "
            "Take the file again from the release archive (check it with `cscbench verify`); if "
            "you changed it on purpose, it is no longer that release: remove bytes and hash.",
            frictionless=True,
        ),
        Check(
            "file.hash",
            "The file's digest differs from the hash datapackage.json declares for it (a "
            "release's descriptor declares every file's SHA-256)",
            "The file is not the one released: even one changed character changes the digest. "
            "Take the file again from the release archive (check it with `cscbench verify`); if "
            "you changed it on purpose, it is no longer that release: remove bytes and hash.",
            frictionless=True,
        ),
        Check(
            "archive.unsafe",
            "`cscbench verify`: the archive cannot be read safely: not a zip, a member outside "
            "it or a link, a repeated member, or more members or bytes than the limits allow",
            "Nothing of it was unpacked. Download the release again from where it is published; "
            "a genuine release is well within the limits (CSCBENCH_MAX_ARCHIVE_MEMBERS, "
            "CSCBENCH_MAX_ARCHIVE_BYTES).",
        ),
        Check(
            "archive.layout",
            "`cscbench verify`: the archive is not laid out as a release: not one top-level "
            "folder cscbench-data-X.Y.Z named as the archive is, or a file that is neither named "
            "by its descriptor nor one a release adds",
            "Use the archive as published, unchanged: `cscbench release` writes one folder with "
            "the package, README.md, CHANGES.md, parquet/ and cscbench.duckdb.",
        ),
        Check(
            "archive.undeclared",
            "`cscbench verify`: a resource in the archive's descriptor declares no bytes or hash, "
            "so its file cannot be checked against the release",
            "A release's descriptor declares both for every file; this one was edited or not "
            "made by `cscbench release`. Download the release again.",
        ),
        Check(
            "file.empty",
            "The file is empty (not even a header)",
            "Restore the header row and the data.",
            frictionless=True,
        ),
        Check(
            "file.no_rows",
            "The file has a header but no rows, and this resource needs rows",
            "Restore the rows, or regenerate the package.",
        ),
        Check(
            "file.encoding",
            "The file is not valid UTF-8",
            "Re-save the file as UTF-8 (in Excel: 'CSV UTF-8', then remove the byte-order mark; "
            "see file.bom).",
            frictionless=True,
        ),
        Check(
            "file.bom",
            "The file starts with a UTF-8 byte-order mark",
            "Re-save as UTF-8 without a BOM (Excel's 'CSV UTF-8' adds one; most text editors can "
            "save without). Some tools read the BOM into the first column's name.",
        ),
        Check(
            "file.line_endings",
            "The file uses CRLF (Windows) or CR-only (old Mac) line endings",
            "Re-save with LF ('\\n') line endings (e.g. `dos2unix file.csv`, or `mac2unix` for "
            "CR-only); the contract asks for '\\n' so files are byte-identical on every system.",
        ),
        Check(
            "file.control",
            "The file holds a NUL byte or a carriage return that does not end a line",
            "A NUL byte means a padded, truncated or binary file: restore it from the release. A "
            "bare carriage return inside a value is read as a line end by some tools and kept by "
            "others: remove it.",
        ),
        Check(
            "file.malformed",
            "A row is not well-formed CSV: too few or too many fields, an empty line, an unclosed "
            "quote, or a last line without its newline",
            "Check the row for a missing or extra comma or an unclosed quote; a row cut short at "
            "the end of the file means the file was truncated: restore it from the release.",
            frictionless=True,
        ),
        Check(
            "table.missing_column",
            "A column the schema requires is missing",
            "Add the column back with the header exactly as in the schema.",
            frictionless=True,
        ),
        Check(
            "table.extra_column",
            "A column the schema does not define",
            "Remove the column; keep your own notes in a separate file.",
            frictionless=True,
        ),
        Check(
            "table.renamed_column",
            "A header differs from the schema's name for that column",
            "Restore the header exactly as in schemas/<resource>.schema.json (spelling and case "
            "matter).",
            frictionless=True,
        ),
        Check(
            "table.duplicate_column",
            "A header appears more than once",
            "Remove the repeated column; each column of the schema appears once.",
            frictionless=True,
        ),
        Check(
            "table.column_order",
            "Columns are not in the schema's order",
            "Reorder the columns to match schemas/<resource>.schema.json.",
            frictionless=True,
        ),
        Check(
            "field.required",
            "A required value is empty",
            "Fill in the value; required fields cannot be empty.",
            frictionless=True,
        ),
        Check(
            "field.type",
            "A value is not of the field's type",
            "Use the type the schema gives: numbers with '.' decimals and no thousands "
            "separators, ISO dates (YYYY-MM-DD) that exist in the calendar, whole numbers for "
            "integers.",
            frictionless=True,
        ),
        Check(
            "field.enum",
            "A value is not one of the allowed values",
            "Use one of the allowed values listed in the schema (spelling and case matter).",
            frictionless=True,
        ),
        Check(
            "field.pattern",
            "A value does not match the field's pattern",
            "Correct the value to the expected form (e.g. GSS codes are E plus 8 digits).",
            frictionless=True,
        ),
        Check(
            "field.minimum",
            "A value is below the field's minimum",
            "Check the figure; the schema does not allow values below the minimum.",
            frictionless=True,
        ),
        Check(
            "field.maximum",
            "A value is above the field's maximum",
            "Check the figure; the schema does not allow values above the maximum.",
            frictionless=True,
        ),
        Check(
            "field.unique",
            "A value that must be unique appears more than once",
            "Remove the duplicate row or correct the value.",
            frictionless=True,
        ),
        Check(
            "table.primary_key",
            "Two rows share the same primary key",
            "Remove the duplicate row; each key (see the schema's primaryKey) may appear once.",
            frictionless=True,
        ),
        Check(
            "table.foreign_key",
            "A code, or a combination of codes (a foreign key of several fields), does not exist "
            "in the resource it refers to",
            "Use a code (or combination) that exists in the referenced resource, or add the "
            "missing row there first.",
            frictionless=True,
        ),
        Check(
            "text.formula",
            "A name, label or code starts with '=', '+', '-' or '@' and could run as a "
            "spreadsheet formula",
            "Remove the leading character. Only names, labels and codes are checked; free text "
            "such as a stated value ('-76 (-5.3%)') is kept exactly as stated.",
            frictionless=True,
        ),
        Check(
            "text.line_break",
            "A name, label or code contains a line break",
            "Names, labels and codes are one line: replace the line break with a space. Free "
            "text (a stated value, a reason) may keep its line breaks.",
            frictionless=True,
        ),
        Check(
            "text.html",
            "Text contains HTML or script markup",
            "Remove the markup; announcements hold plain text copied from the page, not HTML.",
        ),
        Check(
            "obs.value_or_status",
            "A figure has neither a value nor a status, or both a value and a suppression symbol",
            "Give the value, or leave it empty and put the publisher's symbol in status (only "
            "'computed' may go with a value).",
        ),
        Check(
            "obs.indicator_range",
            "A value is outside the valid range of its indicator (e.g. a negative count)",
            "Check the figure against the publisher's file; the valid range is in indicators "
            "(min_value, max_value).",
        ),
        Check(
            "obs.percent_range",
            "A percentage is above 100 or below 0",
            "Percentages lie between 0 and 100; check the figure and its unit.",
        ),
        Check(
            "obs.period",
            "A period is neither a year (2025) nor a financial year whose second part is the "
            "next year (2024-25)",
            "Write a year as four digits, or a financial year as YYYY-YY where YY is the last two "
            "digits of the following year (2017-18, 1999-00); 2017-99 is not a period.",
        ),
        Check(
            "obs.period_end",
            "period_end does not match period",
            "A year (2025) ends in that year; a financial year (2024-25) ends on 31 March of its "
            "second year.",
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
            "A grade is not on its framework's scale",
            "2009-13 frameworks (SLAC, CPI, CPRI, TLAC) grade Outstanding/Good/Adequate/"
            "Inadequate; SIF and ILACS use 'Requires improvement to be good' instead of Adequate.",
        ),
        Check(
            "inspections.framework_date",
            "An inspection's framework does not fit its fieldwork date",
            "Inspections whose fieldwork started on or after 1 April 2026 are ILACS_2026 (no "
            "overall grade); earlier ones keep their framework. Correct the framework or the date.",
        ),
        Check(
            "inspections.inspection_date",
            "An inspection's key date is not its fieldwork start or publication date",
            "inspection_date is the fieldwork start where there is one, else the publication date.",
        ),
        Check(
            "inspections.publication_date",
            "A judgement has no publication date",
            "Only focused and monitoring visits (judgement visit) may lack a publication date: "
            "give the report's date as the source publishes it.",
        ),
        Check(
            "inspections.grade_status",
            "A graded row has a grade_status, or an ungraded row has none",
            "Give either a grade or a grade_status saying why there is no grade.",
        ),
        Check(
            "engine.timeout",
            "The frictionless engine did not finish within its time limit",
            "A schema pattern that backtracks badly in Python's regex engine can take for ever on "
            "a long value; simplify the pattern, or raise CSCBENCH_FRICTIONLESS_TIMEOUT. The "
            "default engine is not affected.",
            frictionless=True,
        ),
        # A partnership's extension package (cscbench.extension): checked against the release
        # it extends, by cscbench's engine (frictionless checks the extension's own schemas).
        Check(
            "extension.descriptor",
            "the extension's datapackage.json lacks a usable cscbench object",
            'Give datapackage.json a "cscbench" object with "extends" (a release range such as '
            '">=0.2.0,<0.3.0") and "partnership" (who collected the figures), as '
            "`cscbench extension new` writes it.",
        ),
        Check(
            "extension.extends",
            "the extension was built for a cscbench release other than the installed one",
            "Install a cscbench release inside the range the extension names, or check the return "
            "against this release and widen `extends` in its datapackage.json.",
        ),
        Check(
            "extension.area",
            "a council code that is not a current council of cscbench's areas",
            "Use the council's GSS code from cscbench's areas (the suggestion is the closest "
            "code); a region or England is not a council; an abolished council split between "
            "successors takes a successor's code.",
        ),
        Check(
            "extension.indicator",
            "an indicator that is neither an official cscbench indicator nor declared in "
            "local_indicators",
            "Use an official indicator id (cscbench.load('indicators')) or declare the "
            "partnership's own indicator in local_indicators.csv.",
        ),
        Check(
            "extension.shadow",
            "an own indicator whose id is an official cscbench indicator's",
            "Report figures of an official indicator under its id without declaring it; give an "
            "own indicator its own id starting local_.",
        ),
        Check(
            "extension.namespace",
            "an own indicator id outside the partnership's namespace",
            "Start every own indicator id with local_ (e.g. local_caseload_june), so it can never "
            "collide with an official id.",
        ),
        Check(
            "extension.unit",
            "a figure's unit differs from its indicator's",
            "Convert the figure to the indicator's unit (e.g. percent, not a fraction) or declare "
            "an own indicator for the measure you collect.",
        ),
        Check(
            "extension.period_format",
            "a period written otherwise than the official indicator's periods",
            "Write the period as the official figures do: a year (2026) for an indicator published "
            "by year, a financial year (2025-26) for one published by financial year.",
        ),
        Check(
            "extension.period_end",
            "a period_end outside its period",
            "Give the date the figure describes: in the period's year (a year), or from 1 April "
            "to 31 March (a financial year).",
        ),
        Check(
            "extension.range",
            "a value outside its indicator's valid range",
            "Check the figure and its unit; the indicator's min_value and max_value (0 to 100 for "
            "a percentage) bound it.",
        ),
        Check(
            "extension.duplicate_council",
            "two rows for one council, indicator and period once superseded codes are mapped",
            "Keep one row: a superseded code means the current council, so its rows and the "
            "current code's rows are the same council's.",
        ),
        Check(
            "package.frictionless",
            "frictionless reported a problem cscbench has no id for",
            "Read the frictionless message; report it as a cscbench bug if the fast engine should "
            "catch it too.",
            frictionless=True,
        ),
    )
}


def guidance(check_id: str) -> str:
    return CATALOGUE[check_id].guidance


def readme_table() -> str:
    """The check table of docs/validation.md, generated here so the two cannot drift apart."""
    rows = [
        "| check id | what it means | how to fix it | frictionless |",
        "|---|---|---|---|",
    ]
    for c in CATALOGUE.values():
        title, fix = (text.replace("|", "\\|") for text in (c.title, c.guidance))
        seen = "yes" if c.frictionless else "no"
        rows.append(f"| `{c.check_id}` | {title} | {fix} | {seen} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(readme_table())
