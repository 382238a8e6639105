"""``cscbench verify``: a release archive checked as received, before anyone trusts its data.

A zip passed on by e-mail or a mirror is only the release if every file is the one released. The
archive is first read through the package boundary (:func:`cscbench.package.boundary.unpack_zip`: no
member outside it, no link, members and bytes bounded, so a zip bomb stops at the limit), then
its layout is checked (one top-level folder named after the version, the descriptor, every file
the descriptor names and nothing unexpected), then every resource must declare its ``bytes`` and
``hash`` and the whole package is validated, which compares each file with them
(``file.bytes``, ``file.hash``).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path, PurePosixPath

from cscbench.core.errors import UsageError
from cscbench.package import limits
from cscbench.package import reader as package_object
from cscbench.package.boundary import ArchiveError, unpack_zip
from cscbench.package.descriptor import PACKAGE
from cscbench.validate.report import Problem, Report, in_report_order

DESCRIPTOR = "datapackage.json"
ARCHIVE_NAME = re.compile(r"cscbench-data-(\d+\.\d+\.\d+)\.zip")
# What a release holds beside the files its descriptor names (cscbench.release.cut writes them).
GENERATED = re.compile(r"(README\.md|CHANGES\.md|cscbench\.duckdb|parquet/[a-z0-9._-]+\.parquet)")


def problem(check_id: str, value: str | None, expected: str, place: str) -> Problem:
    return Problem(check_id, PACKAGE, None, None, value, expected, place=place)


def verify_archive(archive: Path, engine: str = "cscbench") -> Report:
    """The archive's problems (none: it is the release it says it is).

    Raises :class:`UsageError` when ``archive`` is missing or not a file (nothing to check)."""
    archive = Path(archive)
    if not archive.exists():
        raise UsageError(f"{archive} not found (give a cscbench-data-X.Y.Z.zip)")
    if not archive.is_file():
        raise UsageError(f"{archive} is not a regular file (give a cscbench-data-X.Y.Z.zip)")
    with tempfile.TemporaryDirectory(prefix="cscbench-verify-") as folder:
        root = Path(folder)
        try:
            unpack_zip(archive, root)
        except (ArchiveError, limits.LimitError) as exc:
            expected = "a release archive within the limits, every member a file inside it"
            return Report([problem("archive.unsafe", str(exc), expected, archive.name)], {})
        top, problems = layout(archive.name, root)
        if top is None:
            return Report(problems, {})
        return checked(top, problems, engine)


def layout(name: str, root: Path) -> tuple[Path | None, list[Problem]]:
    """The one top-level folder holding the descriptor (None when there is none) and what is
    wrong with the layout: a folder or version that does not match the archive's name."""
    tops = sorted(root.iterdir())
    expected = "one top-level folder cscbench-data-X.Y.Z holding datapackage.json"
    if len(tops) != 1 or not tops[0].is_dir() or not (tops[0] / DESCRIPTOR).is_file():
        found = ", ".join(p.name for p in tops[:5]) or "nothing"
        return None, [problem("archive.layout", found, expected, name)]
    top = tops[0]
    problems = []
    match = ARCHIVE_NAME.fullmatch(name)
    if match and top.name != f"cscbench-data-{match.group(1)}":
        want = f"cscbench-data-{match.group(1)}, as the archive's name says"
        problems.append(problem("archive.layout", top.name, want, name))
    return top, problems


def checked(top: Path, problems: list[Problem], engine: str) -> Report:
    """Members against the descriptor, every resource's bytes and hash declared, then the
    package validated (which compares every file with them)."""
    from cscbench.validate.run import validate_package

    where = f"{top.name}/{DESCRIPTOR}"
    package = package_object.read(top / DESCRIPTOR)  # parsed once, then validated as read
    descriptor = package.descriptor
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    named = set()
    for index, res in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(res, dict):
            continue  # validation reports the shape
        named |= {v for v in (res.get("path"), res.get("schema")) if isinstance(v, str)}
        missing = [key for key in ("bytes", "hash") if key not in res]
        if missing:
            problems.append(
                problem(
                    "archive.undeclared",
                    f"no {' and no '.join(missing)}",
                    "every resource's bytes and hash, as a release declares them",
                    f"{where}: resources[{index}]",
                )
            )
    for member in sorted(p for p in top.rglob("*") if p.is_file()):
        relative = PurePosixPath(member.relative_to(top).as_posix())
        text = str(relative)
        if text != DESCRIPTOR and text not in named and not GENERATED.fullmatch(text):
            expected = "only the files the descriptor names and what a release adds"
            problems.append(problem("archive.layout", text, expected, top.name))
    report = validate_package(package, engine=engine)
    order = list(report.resources) or [PACKAGE]
    merged = in_report_order([*problems, *report.problems], [PACKAGE, *order])
    counts = dict(report.counts)
    for p in problems:
        key = (p.engine, p.check_id, p.resource, p.column)
        counts[key] = counts.get(key, 0) + 1
    return Report(merged, report.resources, counts)
