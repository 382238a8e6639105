"""The release record kept in the repository: ``releases/X.Y.Z/``, one folder per release.

Each holds what a later release and the published site need without the data itself: the
descriptor with every file's hash (to recognise the released package again), the Table Schemas,
the indicator ids, the changes against the previous release (``changes.json``, rendered by
publish as "What changed in X.Y.Z") and ``release.json`` (date, previous version, git commit).
The wheel carries the ``changes.json`` files, so the page is the same from a clone or an install.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from cscbench.core import atomic
from cscbench.core.errors import InvalidInputError
from cscbench.release import semver
from cscbench.release.diff import Diff

DESCRIPTOR = "datapackage.json"
CHANGES = "changes.json"
INDICATOR_IDS = "indicator_ids.txt"
RECORD = "release.json"


def recorded_versions(releases: Path, holding: str = DESCRIPTOR) -> list[semver.Version]:
    """Versions recorded under ``releases`` (folders named X.Y.Z holding ``holding``), sorted."""
    if not releases.is_dir():
        return []
    found = []
    for folder in releases.iterdir():
        with contextlib.suppress(semver.VersionError):
            if (folder / holding).is_file():
                found.append(semver.parse(folder.name))
    return sorted(found)


def previous_version(releases: Path, version: str) -> str | None:
    """The latest release recorded before ``version``, or None for a first release."""
    earlier = [v for v in recorded_versions(releases) if v < semver.parse(version)]
    return semver.text(earlier[-1]) if earlier else None


def latest_changes(releases: Path) -> tuple[str, Diff] | None:
    """The newest recorded release and its changes, or None when nothing is recorded."""
    versions = recorded_versions(releases, CHANGES)
    if not versions:
        return None
    version = semver.text(versions[-1])
    path = releases / version / CHANGES
    try:
        return version, Diff.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{path}: not a changes file cscbench can read ({exc})") from exc


def write_record(releases: Path, version: str, files: Mapping[str, str | Path]) -> Path:
    """Write ``releases/<version>/`` from (relative name -> text, or a file to copy).

    Everything is written in a folder beside it first, then put in place in one rename, so a
    failed or killed run leaves no record (the next run removes its folder: its lock is free). A
    recorded release is never rewritten: an existing ``releases/<version>/`` is an error.
    """
    releases.mkdir(parents=True, exist_ok=True)
    target = releases / version
    prefix = f".{version}.record-"
    atomic.clean_dead(releases, prefix, lambda folder: (folder / RECORD).is_file())
    lock = atomic.RunLock(releases, prefix)
    work = lock.folder
    try:
        work.mkdir()
        for name, content in sorted(files.items()):
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, path)
            else:
                path.write_text(content, encoding="utf-8")
        work.chmod(0o755)
        if target.exists():
            raise InvalidInputError(
                f"{target} already exists: a recorded release is never rewritten"
            )
        os.rename(work, target)
        atomic.sync_dir(releases)
    finally:
        atomic.remove(work)
        lock.release()
    return target
