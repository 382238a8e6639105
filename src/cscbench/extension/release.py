"""``cscbench release --package DIR``: an extension's own archive, ``NAME-X.Y.Z.zip``.

The archive holds the extension as validated against the installed cscbench release: its
descriptor with each file's size and SHA-256, the CSVs and Table Schemas, typed Parquet files
and CHANGES.md (what changed since the previous version given, by :mod:`cscbench.release.diff`, whose
bump the version must follow, as :mod:`cscbench.release.semver` rules). It is built in a temporary
folder and written in one rename (:func:`cscbench.package.archive.write_zip`), so a refused release
leaves nothing behind; the same extension always gives the same bytes.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cscbench.core.errors import InvalidInputError, InvalidPackageError
from cscbench.extension.reader import descriptor_path, validate_extension
from cscbench.package.archive import write_zip
from cscbench.package.unpack import open_any
from cscbench.release import semver
from cscbench.release.changes import render_markdown
from cscbench.release.diff import EMPTY, diff_packages, read_package
from cscbench.validate.run import file_facts


@dataclass(frozen=True)
class ExtensionRelease:
    archive: Path
    name: str
    version: str
    previous: str | None
    level: str


def release_extension(
    path: str | Path,
    out: str | Path,
    previous: str | Path | None = None,
    package: str | Path | None = None,
) -> ExtensionRelease:
    """Validate the extension at ``path`` against ``package`` (default: the installed cscbench),
    check its version against ``previous`` (an earlier archive or folder of it), and write
    ``NAME-X.Y.Z.zip`` into ``out``."""
    found = descriptor_path(path)
    checked = validate_extension(found, package)
    if not checked.report.valid:
        first = checked.report.problems[0]
        raise InvalidPackageError(
            f"{found.parent.name} is not a valid return, nothing released: {first.message} "
            f"[{first.check_id}]",
            checked.report,
        )
    meta = dict(checked.package or {})
    version = str(meta.get("version", ""))
    semver.parse(version)
    new = read_package(found, str(found.parent))
    if previous is None:
        diff, before = diff_packages(EMPTY, new), None
    else:
        with open_any(previous) as old_descriptor:
            old = read_package(old_descriptor, str(previous))
        before = str(old.descriptor.get("version", ""))
        if old.descriptor.get("name") != meta.get("name"):
            raise InvalidInputError(
                f"{previous} is the extension {old.descriptor.get('name')!r}, not "
                f"{meta.get('name')!r}: give an earlier version of the same extension"
            )
        diff = diff_packages(old, new)
        semver.check(before, version, diff.level, diff.reasons(diff.level))
    name = f"{meta.get('name')}-{version}"
    target = Path(out) / f"{name}.zip"
    with tempfile.TemporaryDirectory(prefix="cscbench-extension-") as tmp:
        work = Path(tmp)
        members: list[tuple[str, Path]] = []
        resources = []
        for resource in meta["resources"]:
            file = found.parent / resource["path"]
            schema = found.parent / resource["schema"]
            parquet = work / "parquet" / f"{resource['name']}.parquet"
            parquet.parent.mkdir(exist_ok=True)
            checked.frames[resource["name"]].write_parquet(parquet, statistics=False)
            members += [
                (f"{name}/{resource['path']}", file),
                (f"{name}/{resource['schema']}", schema),
                (f"{name}/parquet/{parquet.name}", parquet),
            ]
            size, digest = file_facts(file, "sha256")
            resources.append({**resource, "bytes": size, "hash": f"sha256:{digest}"})
        meta["resources"] = resources
        descriptor = work / "datapackage.json"
        descriptor.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
        changes = work / "CHANGES.md"
        since = f"since {before}" if before else "first release"
        changes.write_text(
            f"# {meta.get('title', name)} {version} ({since})\n\n{render_markdown(diff)}\n",
            "utf-8",
        )
        members += [(f"{name}/datapackage.json", descriptor), (f"{name}/CHANGES.md", changes)]
        readme = found.parent / "README.md"
        if readme.is_file():
            members.append((f"{name}/README.md", readme))
        write_zip(target, members)
    return ExtensionRelease(target, str(meta.get("name")), version, before, diff.level)
