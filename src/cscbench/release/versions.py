"""Old versions without git commands: ``cscbench diff 0.1.0 0.2.0`` from a clone.

A release record (``releases/X.Y.Z/release.json``) names the git commit that holds the released
package, but not the data. Given a recorded version (``0.1.0`` or ``v0.1.0``) or a tag of the
clone, cscbench takes the package from that commit itself (``git archive`` of
``datapackage.json``, ``datapackage/`` and ``schemas/`` into a temporary folder) and reads it like
any release archive, through the package boundary. The record is untrusted input: its commit must
be 7 to 40 hexadecimal digits before git sees it, a tag a plain name, and ``--`` always separates
git's options from paths. An installed wheel has no history: it says to use a clone or an archive.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.core.paths import checkout
from cscbench.package import boundary, descriptor, limits
from cscbench.package.archive import DESCRIPTOR, UnreadableInput, open_package
from cscbench.package.unpack import open_any
from cscbench.release import semver
from cscbench.release.gitrun import GitError, first_line, git
from cscbench.release.record import RECORD, recorded_versions

VERSION = re.compile(r"v?([0-9]+\.[0-9]+\.[0-9]+)")
COMMIT = re.compile(r"[0-9a-f]{7,40}")
# A tag as cscbench accepts one: a plain name, never an option, a path or a revision expression.
TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
PACKAGE_PATHS = ("datapackage.json", "datapackage", "schemas")


class CloneRequired(UsageError):
    """A version or tag was given where only a clone's history could supply it."""


def is_version_name(text: str) -> bool:
    """Whether ``text`` could name a recorded version or a tag (rather than a path or URL)."""
    return bool(VERSION.fullmatch(text) or (TAG.fullmatch(text) and ".." not in text))


@contextlib.contextmanager
def open_side(
    spec: str, allow_remote: bool = False, chosen: limits.Limits | None = None
) -> Iterator[Path]:
    """The ``datapackage.json`` of one side of a diff: a path (descriptor, folder, release zip),
    a URL (with ``allow_remote``), or a recorded version or tag taken from the clone's history.
    An existing path wins over a version of the same name."""
    if boundary.is_remote(spec) or Path(spec).exists() or not is_version_name(spec):
        with open_any(spec, allow_remote, chosen) as found:
            yield found
        return
    with open_version(spec, chosen) as found:
        yield found


@contextlib.contextmanager
def open_version(name: str, chosen: limits.Limits | None = None) -> Iterator[Path]:
    """The package at the commit a recorded version (or a tag) names, unpacked into a temporary
    folder removed on exit."""
    home = checkout()
    if home is None:
        raise CloneRequired(
            f"{name!r} not found as a file or folder; as a release version or tag it needs a clone of "
            "the repository (its history holds old versions). Give the release archive "
            "(cscbench-data-X.Y.Z.zip, a path or with --allow-remote its URL) or a package "
            "folder instead, or run this from a clone"
        )
    commit, label = _commit(home, name, chosen or limits.from_env())
    _require_commit(home, commit, label)
    with tempfile.TemporaryDirectory(prefix="cscbench-version-") as folder:
        archive = Path(folder) / "package.zip"
        try:
            git(home, "archive", "--format=zip", "-o", str(archive), commit, "--", *PACKAGE_PATHS)
        except GitError as exc:
            raise UsageError(f"cannot take the package from {label}: {first_line(exc)}") from None
        try:
            with open_package(archive, chosen) as found:
                if match := VERSION.fullmatch(name):
                    check_recorded(home / "releases" / match.group(1), found, label, chosen)
                yield found
        except UnreadableInput as exc:
            raise UnreadableInput(f"{label}: {exc}") from None


def check_recorded(
    release: Path, package: Path, label: str, chosen: limits.Limits | None = None
) -> None:
    """Every file the release's recorded descriptor hashes is at the commit as recorded, else the
    record names a commit that does not hold the release and a diff from it would describe
    another package (exit 1). A release recorded without its descriptor is taken as it is."""
    if not (release / DESCRIPTOR).is_file():
        return
    bound = chosen or limits.from_env()
    where = f"releases/{release.name}/{DESCRIPTOR}"
    recorded, issue = descriptor.read_json(release, DESCRIPTOR, "release", where, bound)
    if issue is not None:
        raise InvalidInputError(issue.message)
    entries = recorded.get("resources") if isinstance(recorded, dict) else None
    if not isinstance(entries, list):
        raise InvalidInputError(f"{where}: no resources list; expected the released descriptor")
    for entry in entries:
        if not isinstance(entry, dict) or "hash" not in entry:
            continue
        found = boundary.resolve(package.parent, entry.get("path"), bound.file_bytes)
        actual = f"sha256:{_sha256(found)}" if isinstance(found, Path) else found.value
        if actual != entry["hash"]:
            raise InvalidInputError(
                f"{label} does not hold the package as released: "
                f"{descriptor.shown(entry.get('path'))} is {actual}, {where} records "
                f"{descriptor.shown(entry['hash'])}; diff the release archive instead"
            )


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _commit(home: Path, name: str, chosen: limits.Limits) -> tuple[str, str]:
    """The commit ``name`` stands for and how to name it in a message: a recorded version's
    commit (checked: 7 to 40 hex digits), else a tag's."""
    match = VERSION.fullmatch(name)
    if match and (home / "releases" / match.group(1) / RECORD).is_file():
        version = match.group(1)
        where = f"releases/{version}/{RECORD}"
        record, issue = descriptor.read_json(
            home / "releases" / version, RECORD, "release", where, chosen
        )
        if issue is not None:
            raise InvalidInputError(issue.message)
        if not isinstance(record, dict):
            raise InvalidInputError(
                f"{where}: got {descriptor.shown(record)}; expected a JSON object with the "
                f"release's commit (or diff {version}'s release archive)"
            )
        commit = record.get("commit")
        if not isinstance(commit, str) or not COMMIT.fullmatch(commit):
            raise InvalidInputError(
                f"{where}: commit {descriptor.shown(commit)} is not a git commit; expected 7 to "
                f"40 hexadecimal digits (lower case), or diff {version}'s release archive"
            )
        return commit, f"release {version}'s commit {commit[:12]} ({where})"
    tag = _tag(home, name) if TAG.fullmatch(name) and ".." not in name else None
    if tag is None:
        found = recorded_versions(home / "releases", RECORD)
        versions = ", ".join(semver.text(v) for v in found) or "none"
        raise UsageError(
            f"{name!r} not found: neither a package (a datapackage.json, its folder or a release "
            f"zip), nor a recorded release version (releases/ holds: {versions}), nor a tag of "
            "this clone"
        )
    return tag, f"tag {name} (commit {tag[:12]})"


def _tag(home: Path, name: str) -> str | None:
    """The commit of tag ``name`` (looked up under refs/tags/ only), or None."""
    try:
        out = git(home, "rev-parse", "--verify", "--quiet", f"refs/tags/{name}^{{commit}}")
    except GitError:
        return None
    commit = out.strip()
    return commit if COMMIT.fullmatch(commit) else None


def _require_commit(home: Path, commit: str, label: str) -> None:
    """A usage error unless the clone holds ``commit``: absent (a shallow clone), or git itself
    cannot answer here (not installed, not a repository, a repository owned by another user)."""
    try:
        git(home, "cat-file", "-e", f"{commit}^{{commit}}")
    except GitError as exc:
        said = first_line(exc)
        if "not a valid object name" not in said.lower():
            raise UsageError(
                f"cannot read {label} with git in {home} ({said}); give the release archive "
                "(cscbench-data-X.Y.Z.zip) instead"
            ) from None
        raise UsageError(
            f"{label} is not in this clone (a shallow clone lacks older commits): fetch the "
            "full history (git fetch --unshallow) or give the release archive "
            "(cscbench-data-X.Y.Z.zip) instead"
        ) from None
