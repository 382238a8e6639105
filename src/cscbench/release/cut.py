"""``cscbench release``: the package as one citable archive, checked against the previous release.

``cscbench-data-X.Y.Z.zip`` holds, under one top-level folder, the CSV package whose descriptor
adds what a committed descriptor leaves out (each resource's ``bytes`` and ``hash``, the release
date as ``created``, a stable ``id``, the ``homepage`` when one is set, and a resource's own
``licenses`` where its sources are not all under the package's licence), typed Parquet files, a
DuckDB database, a README and the changes since the previous release. Nothing in it depends on the
build time, so every member except the DuckDB file (whose format is not byte-reproducible) is
byte-identical when the same package is released twice.

Before anything is written the version number is checked against the previous release recorded
under ``releases/`` (:mod:`cscbench.release.semver`); the previous package comes from ``--previous`` or
from the git commit that release recorded, and its files must match the hashes recorded then.
Each release records under ``releases/X.Y.Z/`` its descriptor with hashes, its schemas, its
indicator ids, its changes (``changes.json``, which publish renders) and its commit: not the data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core import atomic
from cscbench.core.errors import InvalidInputError, InvalidPackageError, UsageError
from cscbench.package import reader as package_object
from cscbench.package.archive import write_zip
from cscbench.package.csvformat import OGL_LICENCE
from cscbench.release import semver
from cscbench.release.changes import render_markdown
from cscbench.release.diff import Diff, Package, read_package
from cscbench.release.formats import DUCKDB, PARQUET_DIR, write_duckdb, write_parquet
from cscbench.release.previous import (
    _json,
    changes_since_previous,
    package_commit,
    recorded_release,
    sha256,
)
from cscbench.release.readme import readme
from cscbench.release.record import (
    CHANGES,
    DESCRIPTOR,
    INDICATOR_IDS,
    RECORD,
    write_record,
)

ARCHIVE = "cscbench-data-{version}.zip"
DEFAULT_ID = "urn:cscbench:data:{version}"  # a URN: no web address is invented for the project
SETTINGS = "[tool.cscbench.release] in pyproject.toml"
STAGE_MARKER = ".cscbench-release"  # marks a staging folder as a release's (for the cleanup)
KNOWN_LICENCES = {
    OGL_LICENCE["name"]: OGL_LICENCE,
    "MIT": {"name": "MIT", "path": "https://opensource.org/license/mit", "title": "MIT License"},
}


@dataclass(frozen=True)
class Settings:
    """What maintainers set once, in pyproject.toml: the id pattern and the homepage (if any)."""

    id_pattern: str = DEFAULT_ID
    homepage: str | None = None

    def id(self, version: str) -> str:
        return self.id_pattern.replace("{version}", version)


@dataclass(frozen=True)
class ReleaseResult:
    """What one release wrote: the archive, its size, the record and the version check."""

    archive: Path
    version: str
    created: dt.date
    previous: str | None
    level: str
    recorded: Path
    seconds: float
    already: bool = False  # released before with the very same content: nothing recorded anew


# ---------------------------------------------------------------------------- settings and dates


def read_settings(pyproject: Path) -> Settings:
    """``[tool.cscbench.release]``: ``id`` (a URI pattern with ``{version}``) and ``homepage``."""
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInputError(f"{pyproject}: cannot read {SETTINGS} ({exc})") from exc
    settings = table.get("tool", {}).get("cscbench", {}).get("release", {})
    pattern = settings.get("id", DEFAULT_ID)
    homepage = settings.get("homepage") or None
    if not isinstance(pattern, str) or "{version}" not in pattern or ":" not in pattern:
        raise InvalidInputError(
            f"{pyproject}: {SETTINGS} id is {pattern!r}; expected a URI containing {{version}}, "
            f"e.g. {DEFAULT_ID!r}"
        )
    if homepage is not None and (
        not isinstance(homepage, str) or not homepage.startswith("https://")
    ):
        raise InvalidInputError(
            f"{pyproject}: {SETTINGS} homepage is {homepage!r}; expected an https:// address "
            "(or leave it unset)"
        )
    return Settings(pattern, homepage)


def changelog_date(changelog: Path, version: str) -> dt.date | None:
    """The date of ``## [X.Y.Z] - YYYY-MM-DD`` in the CHANGELOG, or None when it has none."""
    if not changelog.is_file():
        return None
    heading = re.compile(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d{{2}}-\d{{2}})\s*$", re.M)
    match = heading.search(changelog.read_text(encoding="utf-8"))
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise InvalidInputError(
            f"{changelog}: {version} is dated {match.group(1)!r}: {exc}"
        ) from exc


def release_date(given: dt.date | None, changelog: Path, version: str) -> dt.date:
    """``--date``, else the CHANGELOG's date for the version: never the build time."""
    date = given or changelog_date(changelog, version)
    if date is None:
        raise UsageError(
            f"no release date for {version}: {changelog} has no '## [{version}] - YYYY-MM-DD' "
            "heading; date the release there (or pass --date YYYY-MM-DD)"
        )
    return date


# ---------------------------------------------------------------------------- the descriptor


def licence_object(licence: str) -> dict[str, str]:
    """A Data Package licence for a ``sources.licence`` value: a known id, else the stated terms
    (told in full in the release README, which the object points to)."""
    if licence in KNOWN_LICENCES:
        return dict(KNOWN_LICENCES[licence])
    return {"title": licence, "path": "README.md"}


def resource_licences(package: Package) -> dict[str, list[str]]:
    """Each resource's licences, from the sources its rows cite, where they differ from the
    package's (a resource without ``source_id`` is under the package's licence)."""
    sources = package.frames.get("sources")
    if sources is None or not {"source_id", "licence"} <= set(sources.columns):
        return {}
    own = {licence.get("name") for licence in package.descriptor.get("licenses", [])}
    out: dict[str, list[str]] = {}
    for name, frame in sorted(package.frames.items()):
        if "source_id" not in frame.columns or name == "sources":
            continue
        used = frame.select(pl.col("source_id").unique())
        licences = sources.join(used, on="source_id")["licence"].drop_nulls().unique().sort()
        if set(licences) - own:
            out[name] = sorted(licences, key=lambda text: (text not in own, text))
    return out


def release_descriptor(
    package: Package, root: Path, created: dt.date, settings: Settings
) -> dict[str, Any]:
    """The committed descriptor plus created, id, homepage, and per resource bytes, hash and
    licences; key order fixed so the file is the same on every build."""
    base = package.descriptor
    version = str(base["version"])
    out: dict[str, Any] = {}
    for key, value in base.items():
        out[key] = value
        if key == "version":
            out["id"] = settings.id(version)
            out["created"] = f"{created.isoformat()}T00:00:00Z"
            if settings.homepage:
                out["homepage"] = settings.homepage
    licences = resource_licences(package)
    out["resources"] = []
    for entry in base["resources"]:
        path = root / entry["path"]
        resource = {**entry, "bytes": path.stat().st_size, "hash": f"sha256:{sha256(path)}"}
        if entry["name"] in licences:
            resource["licenses"] = [licence_object(text) for text in licences[entry["name"]]]
        out["resources"].append(resource)
    return out


def descriptor_text(descriptor: dict[str, Any]) -> str:
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- the archive


def archive_members(
    descriptor_path: Path, descriptor: dict[str, Any], work: Path
) -> list[tuple[str, Path]]:
    """(name inside the archive, file): the package's own files, then what ``work`` holds."""
    root = descriptor_path.parent
    own = {r["path"] for r in descriptor["resources"]} | {
        r["schema"] for r in descriptor["resources"]
    }
    members = [(relative, root / relative) for relative in sorted(own)]
    members += [(p.relative_to(work).as_posix(), p) for p in sorted(work.rglob("*")) if p.is_file()]
    return members


def build_archive(
    descriptor_path: Path | package_object.Package,
    package: Package,
    descriptor: dict[str, Any],
    diff: Diff,
    previous: str | None,
    target: Path,
) -> None:
    """Write the archive's generated members in a temporary folder, then the zip atomically."""
    top = f"cscbench-data-{descriptor['version']}"
    with tempfile.TemporaryDirectory(prefix="cscbench-release-") as folder:
        work = Path(folder)
        (work / DESCRIPTOR).write_text(descriptor_text(descriptor), encoding="utf-8")
        (work / "README.md").write_text(readme(descriptor, package, previous), encoding="utf-8")
        (work / "CHANGES.md").write_text(render_markdown(diff, "#"), encoding="utf-8")
        parquet = write_parquet(descriptor_path, package, work / PARQUET_DIR)
        descriptions = {r["name"]: r.get("description", "") for r in descriptor["resources"]}
        write_duckdb(work / DUCKDB, package, parquet, descriptions)
        path = getattr(descriptor_path, "path", descriptor_path)  # a Package: its descriptor
        members = archive_members(path, descriptor, work)
        write_zip(target, [(f"{top}/{name}", path) for name, path in members])


def stage_prefix(out: Path) -> str:
    """Staging folders of releases into ``out`` sit beside it: ``.<out>.release-XXXX``."""
    return f".{Path(os.path.abspath(out)).name}.release-"


def _ours(folder: Path) -> bool:
    return (folder / STAGE_MARKER).is_file()


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A new folder beside ``out`` to build the archive in, removed whatever happens; stale
    ones of killed releases (their run lock free) are removed first. ``out`` itself is not
    touched: the caller moves the finished archive in as its very last step."""
    parent = Path(os.path.abspath(out)).parent
    parent.mkdir(parents=True, exist_ok=True)
    atomic.clean_dead(parent, stage_prefix(out), _ours)
    lock = atomic.RunLock(parent, stage_prefix(out))
    try:
        os.mkdir(lock.folder, 0o755)
        (lock.folder / STAGE_MARKER).write_text("staged by cscbench release\n", encoding="utf-8")
        with atomic.interruptible():
            yield lock.folder
    finally:
        atomic.remove(lock.folder)
        lock.release()


def check_out(out: Path) -> None:
    """``--out`` must be a folder that can be written, or be creatable: checked before anything
    is built or recorded."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder; give the folder the archive goes in")
    existing = next(p for p in [out, *out.absolute().parents] if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write the release to {out}: {existing} is not a writable folder")


def move_into(archive: Path, out: Path) -> Path:
    """The finished archive into ``out`` in one rename (a copy then a rename across disks)."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / archive.name
    try:
        os.replace(archive, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        part = out / f".{archive.name}.part"
        shutil.copyfile(archive, part)
        os.replace(part, target)
    atomic.sync_dir(out)
    return target


# ---------------------------------------------------------------------------- the record


def record_release(
    releases: Path,
    descriptor_path: Path,
    descriptor: dict[str, Any],
    package: Package,
    diff: Diff,
    previous: str | None,
    commit: str,
) -> Path:
    """``releases/X.Y.Z/``: descriptor with hashes, schemas, indicator ids, changes, commit."""
    version = str(descriptor["version"])
    indicators = package.frames.get("indicators")
    ids = [] if indicators is None else indicators["indicator_id"].sort().to_list()
    record = {
        "version": version,
        "created": descriptor["created"],
        "previous": previous,
        "commit": commit,
        "archive": ARCHIVE.format(version=version),
    }
    files: dict[str, str | Path] = {
        DESCRIPTOR: descriptor_text(descriptor),
        INDICATOR_IDS: "".join(f"{i}\n" for i in ids),
        CHANGES: json.dumps(diff.to_dict(), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        RECORD: json.dumps(record, indent=2) + "\n",
    }
    files.update(
        {r["schema"]: descriptor_path.parent / r["schema"] for r in descriptor["resources"]}
    )
    return write_record(releases, version, files)


def recorded_changes(releases: Path, version: str) -> Diff:
    """The changes recorded with a release (its archive's CHANGES.md is made from them)."""
    path = releases / version / CHANGES
    try:
        return Diff.from_dict(_json(path))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInputError(f"{path}: not a changes file cscbench can read ({exc})") from None


# ---------------------------------------------------------------------------- the command


def release(
    descriptor_path: Path | package_object.Package,
    out: Path,
    *,
    root: Path,
    releases: Path,
    date: dt.date | None = None,
    previous: Path | None = None,
) -> ReleaseResult:
    """Validate, check the version against the previous release, write the archive, record it.

    Raises :class:`UsageError` (no release date, an uncommitted package, a previous package that
    cannot be had, ``out`` being written by another command), :class:`InvalidPackageError` (the
    package is invalid) or :class:`semver.VersionError` (the version understates the changes,
    or was released before with other content). Nothing is written before every check has
    passed, and nothing reaches ``out`` unless the whole release succeeded. A version released
    before with the same content is not recorded again: its archive is rebuilt when ``out``
    lacks it (the result says ``already``).
    """
    from cscbench.validate.run import validate_package

    started = time.perf_counter()
    opened = descriptor_path if isinstance(descriptor_path, package_object.Package) else None
    descriptor_path = opened.path if opened is not None else Path(descriptor_path)
    if not descriptor_path.is_file():
        raise UsageError(f"{descriptor_path} not found")
    # the descriptor parsed once; validation keeps the frames it read for the diff and Parquet
    if opened is None:
        opened = package_object.read(descriptor_path)
    report = validate_package(opened)
    if not report.valid:
        raise InvalidPackageError("the package is invalid; nothing was released", report)
    package = read_package(opened)
    version = semver.text(semver.parse(str(package.version)))
    created = release_date(date, root / "CHANGELOG.md", version)
    commit = package_commit(descriptor_path.parent, package.descriptor)
    settings = read_settings(root / "pyproject.toml")
    descriptor = release_descriptor(package, descriptor_path.parent, created, settings)
    record = recorded_release(releases, descriptor, descriptor_path.parent)
    released = replace(package, descriptor=descriptor)
    if record is None:
        repositories = [descriptor_path.parent, root]
        before, diff = changes_since_previous(released, version, releases, repositories, previous)
    else:
        before, diff = record.get("previous"), recorded_changes(releases, version)
    target = Path(out) / ARCHIVE.format(version=version)
    check_out(Path(out))
    try:
        with atomic.writing([Path(out), releases], "release"):
            if record is None or not target.exists():
                with staged(Path(out)) as stage:
                    built = stage / target.name
                    build_archive(opened, package, descriptor, diff, before, built)
                    atomic.checkpoint("release-built")
                    if record is None:
                        recorded = record_release(
                            releases, descriptor_path, descriptor, package, diff, before, commit
                        )
                    try:
                        move_into(built, Path(out))
                    except BaseException:
                        if record is None:  # all or nothing: the new record goes too
                            atomic.remove(recorded)
                        raise
    except atomic.FolderBusy as exc:
        raise UsageError(f"cannot release {version}: {exc.strerror}") from None
    except OSError as exc:  # --out a file, a read-only or full disk: nothing was put in place
        where = exc.filename or out
        raise UsageError(
            f"cannot write the release to {out} ({exc.strerror or exc}: {where}); nothing was "
            "released"
        ) from None
    seconds = time.perf_counter() - started
    return ReleaseResult(
        target,
        version,
        created,
        before,
        diff.level,
        releases / version,
        seconds,
        record is not None,
    )
