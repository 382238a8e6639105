"""Package checks (``package.*``): datapackage.json as a whole and each resource's entry in it.

Applied while the package is read, before any CSV, by a stage before this one
(``cscbench.package.descriptor``: the descriptor read and checked; ``cscbench.package.boundary``:
every path kept inside the package; ``cscbench.package.issue``: what cscbench does not support),
so each entry's ``used_in`` names the function. ``package.frictionless`` is the frictionless
engine's id for an error cscbench has no id for.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

CHECKS = (
    Check(
        "package.descriptor",
        "datapackage.json, or a Table Schema it names, is missing or not valid",
        "Restore datapackage.json and schemas/ from the release, or regenerate them with "
        "`cscbench ingest`.",
        used_in=("cscbench.package.descriptor:read_json",),
    ),
    Check(
        "package.not_json",
        "datapackage.json or a Table Schema is not valid JSON (or not UTF-8)",
        "Open the file in a JSON validator (or `python -m json.tool FILE`) and fix the "
        "syntax at the position given; restore it from the release if unsure.",
        used_in=("cscbench.package.descriptor:read_json",),
    ),
    Check(
        "package.too_deep",
        "datapackage.json or a Table Schema is nested deeper than cscbench's limit",
        "A real descriptor nests a few levels; this one is corrupt or built to exhaust the "
        "reader. Restore it from the release (the limit is CSCBENCH_MAX_DESCRIPTOR_DEPTH).",
        used_in=("cscbench.package.descriptor:too_deep",),
    ),
    Check(
        "package.shape",
        "datapackage.json has the wrong shape: not an object, a resource without a usable "
        "name, a path or schema that is not text",
        "Each resource is an object with a name, a path (text: a relative file path) and a "
        "schema (text: the path of its Table Schema), as in the release's datapackage.json.",
        used_in=(
            "cscbench.package.descriptor:declared_integrity",
            "cscbench.package.descriptor:resource_list",
            "cscbench.package.descriptor:resource_name",
            "cscbench.package.descriptor:resource_path",
            "cscbench.package.descriptor:resource_schema",
        ),
    ),
    Check(
        "package.no_resources",
        "datapackage.json lists no resources",
        "Restore the resources list from the release; a data package needs at least one.",
        used_in=("cscbench.package.descriptor:resource_list",),
    ),
    Check(
        "package.missing_resource",
        "datapackage.json lacks a resource every cscbench package needs (the message "
        "names it and lists them all)",
        "Restore the resource's entry (and its file and schema) from the release, or "
        "regenerate the package with `cscbench ingest`.",
        used_in=("cscbench.package.descriptor:missing_resources",),
    ),
    Check(
        "package.duplicate_name",
        "Two resources have the same name",
        "Give each resource its own name; the second one with a name is not checked.",
        used_in=("cscbench.package.descriptor:resource_name",),
    ),
    Check(
        "package.unsupported",
        "Valid Data Package v2 that cscbench does not support: a multipart path (a list), "
        "inline data or an inline schema, a CSV dialect, compression, a field type or "
        "constraint cscbench does not check",
        "Give each resource one CSV file (comma-separated, UTF-8) and its Table Schema in a "
        "file, with the types string, number, integer, date and boolean.",
        used_in=("cscbench.package.issue:unsupported",),
    ),
    Check(
        "package.unsafe_path",
        "A resource or schema path is not a regular file inside the package: it leads "
        "outside the package folder (also through a symlink), is a URL, or is a directory, "
        "FIFO, device or socket",
        "Put the file inside the package folder and name it by a relative path such as "
        "datapackage/observations.csv. cscbench never reads outside the package, never shows "
        "such a file's content, and fetches a URL only with --allow-remote.",
        used_in=("cscbench.package.boundary:UNSAFE",),
    ),
    Check(
        "package.frictionless",
        "frictionless reported a problem cscbench has no id for",
        "Read the frictionless message; report it as a cscbench bug if the fast engine should "
        "catch it too.",
        frictionless=True,
        used_in=(
            "cscbench.validate.frictionless_engine:_check_id",
            "cscbench.validate.frictionless_engine:_constraint_id",
            "cscbench.validate.frictionless_engine:run",
        ),
    ),
)
