"""Archive checks (``archive.*``): a release archive, checked by ``cscbench verify``
(``cscbench.release.verify``) before anything in it is unpacked or read.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

CHECKS = (
    Check(
        "archive.unsafe",
        "`cscbench verify`: the archive cannot be read safely: not a zip, a member outside "
        "it or a link, a repeated member, or more members or bytes than the limits allow",
        "Nothing of it was unpacked. Download the release again from where it is published; "
        "a genuine release is well within the limits (CSCBENCH_MAX_ARCHIVE_MEMBERS, "
        "CSCBENCH_MAX_ARCHIVE_BYTES).",
        used_in=("cscbench.release.verify:verify_archive",),
    ),
    Check(
        "archive.layout",
        "`cscbench verify`: the archive is not laid out as a release: not one top-level "
        "folder cscbench-data-X.Y.Z named as the archive is, or a file that is neither named "
        "by its descriptor nor one a release adds",
        "Use the archive as published, unchanged: `cscbench release` writes one folder with "
        "the package, README.md, CHANGES.md, parquet/ and cscbench.duckdb.",
        used_in=(
            "cscbench.release.verify:checked",
            "cscbench.release.verify:layout",
        ),
    ),
    Check(
        "archive.undeclared",
        "`cscbench verify`: a resource in the archive's descriptor declares no bytes or hash, "
        "so its file cannot be checked against the release",
        "A release's descriptor declares both for every file; this one was edited or not "
        "made by `cscbench release`. Download the release again.",
        used_in=("cscbench.release.verify:checked",),
    ),
)
