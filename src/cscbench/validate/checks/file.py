"""File checks (``file.*``): a resource's file as bytes and text, before its rows: there, readable
and within the size limit, the size and digest the descriptor declares, UTF-8 without a BOM, LF
line endings, no stray control characters, well-formed CSV rows, and rows where rows are needed.

The package reader applies most of them (``cscbench.package.boundary``, ``csvfile``,
``csvrows``); the fast engine (``cscbench.validate.run``) adds the declared size and digest and a
file with a header but no rows. Each entry's ``used_in`` names the function.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

# where a release's declared bytes and hash are checked, by either engine
INTEGRITY_USES = (
    "cscbench.validate.frictionless_engine:INTEGRITY",
    "cscbench.validate.frictionless_engine:TYPE_MAP",
    "cscbench.validate.run:integrity_problems",
)

CHECKS = (
    Check(
        "file.missing",
        "A resource file named in datapackage.json does not exist",
        "Restore the file, or regenerate the package with `cscbench ingest`.",
        frictionless=True,
        used_in=(
            "cscbench.ingest.registry_fields:_read_toml",
            "cscbench.ingest.sources:_inside",
            "cscbench.package.boundary:check_file",
            "cscbench.package.boundary:fetch",
            "cscbench.package.boundary:resolve",
            "cscbench.package.descriptor:read_json",
            "cscbench.package.descriptor:resource_path",
            "cscbench.package.reader:read_text",
            "cscbench.validate.frictionless_engine:TYPE_MAP",
        ),
    ),
    Check(
        "file.unreadable",
        "The file exists but cannot be read (permission denied, an I/O error)",
        "Check the file's permissions and the disk, or restore the file from the release.",
        used_in=(
            "cscbench.package.boundary:fetch",
            "cscbench.package.boundary:unreadable",
            "cscbench.package.descriptor:read_json",
        ),
    ),
    Check(
        "file.too_large",
        "The file is larger than cscbench's size limit, so it was not read",
        "Check that this is the right file (today's largest resource is about 5 MB, its "
        "descriptor 4 KB). For a genuinely larger package raise the limit: "
        "CSCBENCH_MAX_FILE_BYTES=4G, or CSCBENCH_MAX_DESCRIPTOR_BYTES for datapackage.json and "
        "the schemas (see docs/validation.md, Limits).",
        used_in=(
            "cscbench.analysis.groupsfile:_text",
            "cscbench.package.boundary:fetch",
            "cscbench.package.boundary:too_large",
            "cscbench.package.descriptor:read_json",
        ),
    ),
    Check(
        "file.bytes",
        "The file's size differs from the bytes datapackage.json declares for it (a "
        "release's descriptor declares every file's size)",
        "The file is not the one released: it was changed, truncated or damaged in transit. "
        "Take the file again from the release archive (check it with `cscbench verify`); if "
        "you changed it on purpose, it is no longer that release: remove bytes and hash.",
        frictionless=True,
        used_in=INTEGRITY_USES,
    ),
    Check(
        "file.hash",
        "The file's digest differs from the hash datapackage.json declares for it (a "
        "release's descriptor declares every file's SHA-256)",
        "The file is not the one released: even one changed character changes the digest. "
        "Take the file again from the release archive (check it with `cscbench verify`); if "
        "you changed it on purpose, it is no longer that release: remove bytes and hash.",
        frictionless=True,
        used_in=INTEGRITY_USES,
    ),
    Check(
        "file.empty",
        "The file is empty (not even a header)",
        "Restore the header row and the data.",
        frictionless=True,
        used_in=(
            "cscbench.package.csvfile:read_table",
            "cscbench.validate.frictionless_engine:_check_id",
            "cscbench.validate.frictionless_engine:_location",
        ),
    ),
    Check(
        "file.no_rows",
        "The file has a header but no rows, and this resource needs rows",
        "Restore the rows, or regenerate the package.",
        used_in=("cscbench.validate.run:read_resources",),
    ),
    Check(
        "file.encoding",
        "The file is not valid UTF-8",
        "Re-save the file as UTF-8 (in Excel: 'CSV UTF-8', then remove the byte-order mark; "
        "see file.bom).",
        frictionless=True,
        used_in=(
            "cscbench.package.csvfile:_locate",
            "cscbench.package.csvfile:read_table",
            "cscbench.validate.frictionless_engine:TYPE_MAP",
        ),
    ),
    Check(
        "file.bom",
        "The file starts with a UTF-8 byte-order mark",
        "Re-save as UTF-8 without a BOM (Excel's 'CSV UTF-8' adds one; most text editors can "
        "save without). Some tools read the BOM into the first column's name.",
        used_in=("cscbench.package.csvfile:head_problems",),
    ),
    Check(
        "file.line_endings",
        "The file uses CRLF (Windows) or CR-only (old Mac) line endings",
        "Re-save with LF ('\\n') line endings (e.g. `dos2unix file.csv`, or `mac2unix` for "
        "CR-only); the contract asks for '\\n' so files are byte-identical on every system.",
        used_in=(
            "cscbench.package.csvfile:head_problems",
            "cscbench.package.csvfile:read_table",
        ),
    ),
    Check(
        "file.control",
        "The file holds a NUL byte or a carriage return that does not end a line",
        "A NUL byte means a padded, truncated or binary file: restore it from the release. A "
        "bare carriage return inside a value is read as a line end by some tools and kept by "
        "others: remove it.",
        used_in=(
            "cscbench.package.csvfile:_control_at",
            "cscbench.package.csvfile:read_table",
        ),
    ),
    Check(
        "file.malformed",
        "A row is not well-formed CSV: too few or too many fields, an empty line, an unclosed "
        "quote, or a last line without its newline",
        "Check the row for a missing or extra comma or an unclosed quote; a row cut short at "
        "the end of the file means the file was truncated: restore it from the release.",
        frictionless=True,
        used_in=(
            "cscbench.package.csvfile:_header_too_long",
            "cscbench.package.csvfile:with_records",
            "cscbench.package.csvrows:_end_problem",
            "cscbench.package.csvrows:_wrong_count",
            "cscbench.validate.frictionless_engine:TYPE_MAP",
        ),
    ),
)
