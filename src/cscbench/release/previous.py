"""The previous release, read back to check the new one against it: its descriptor from ``--previous``
or from the git commit its record names (git run bounded in time), every recorded file bounded in
size and depth before it is parsed, its hashes compared, and the diff between the two.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.package import limits
from cscbench.package.archive import open_package
from cscbench.package.descriptor import read_json as read_bounded_json
from cscbench.release import gitrun, semver
from cscbench.release.diff import EMPTY, Diff, Package, diff_packages, read_package
from cscbench.release.record import (
    DESCRIPTOR,
    RECORD,
    previous_version,
)

GIT_SECONDS = 60
COMMIT = re.compile(r"[0-9a-f]{7,40}")  # a git commit id as recorded: abbreviated or full
RECORD_BYTES = 16 * 1024 * 1024  # a recorded file is a few KB; bounded before it is parsed
RECORD_DEPTH = 32  # a recorded descriptor nests five levels


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def package_files(descriptor: dict[str, Any]) -> list[str]:
    """The descriptor, then every resource and schema path it names (relative to its folder)."""
    entries = descriptor["resources"]
    files = {r["path"] for r in entries} | {r["schema"] for r in entries}
    return [DESCRIPTOR, *sorted(files)]


def package_commit(folder: Path, descriptor: dict[str, Any]) -> str:
    """The git commit holding exactly this package (at the repository's root, its files
    committed unchanged), so a later release can take this one back from git.

    Raises :class:`UsageError` saying why there is none: a release records the commit it was
    made from, and a package nobody committed cannot be made again."""
    try:
        top = _git(folder, "rev-parse", "--show-toplevel").strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(
            f"{folder} is not in a git repository ({_first_line(exc)}); release from a clone "
            "with the package committed"
        ) from None
    if Path(top).resolve() != folder.resolve():
        raise UsageError(
            f"{folder} is not the root of its git repository ({top}); release the package at "
            "the repository's root"
        )
    files = package_files(descriptor)
    try:
        dirty = [
            line
            for line in _git(folder, "status", "--porcelain", "--", *files).splitlines()
            if line.strip()
        ]
        commit = _git(folder, "rev-parse", "--verify", "HEAD").strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(
            f"{folder}: no commit to release from ({_first_line(exc)}); commit the package first"
        ) from None
    if dirty:
        changed = ", ".join(line[3:] for line in dirty[:5])
        raise UsageError(
            f"{folder}: the package has uncommitted changes ({changed}); commit them (or "
            "discard them) and release again: a release records the commit it was made from"
        )
    return checked_commit(commit, folder / ".git")


def checked_commit(value: object, where: Path) -> str:
    """A recorded commit: 7-40 hexadecimal digits, checked before any git command sees it (a
    value such as ``--output=/tmp/x`` would otherwise be read as an option)."""
    if not isinstance(value, str) or not COMMIT.fullmatch(value):
        raise InvalidInputError(
            f"{where}: commit is {_shown(value)}; expected a git commit id of 7 to 40 "
            "hexadecimal digits"
        )
    return value


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _git(folder: Path, *args: str) -> str:
    """git in ``folder`` the one way cscbench runs it (no terminal input, a time limit)."""
    return gitrun.git(folder, *args, seconds=GIT_SECONDS)


@contextlib.contextmanager
def previous_package(
    releases: Path,
    version: str,
    repositories: list[Path],
    given: Path | None,
    recorded: dict[str, Any] | None = None,
) -> Iterator[Path]:
    """The previous release's ``datapackage.json``: ``--previous``, else from its git commit,
    looked up in each of ``repositories`` in turn (the released package's own, the checkout).
    ``recorded``: its recorded descriptor, when the caller has read it already."""
    if given is not None:
        with open_package(given) as descriptor:
            yield descriptor
        return
    record_path = releases / version / RECORD
    commit = read_record(record_path).get("commit")
    if commit is None:
        raise UsageError(
            f"{record_path} names no git commit for {version}: pass --previous "
            f"with {version}'s release archive or package"
        )
    commit = checked_commit(commit, record_path)
    if recorded is None:
        recorded = recorded_descriptor(releases / version / DESCRIPTOR)
    paths = package_files(recorded)
    with tempfile.TemporaryDirectory(prefix="cscbench-previous-") as folder:
        archive = Path(folder) / f"{version}.zip"
        failures = []
        for repository in repositories:
            try:
                # the commit is checked hex; --end-of-options still keeps it from being an option
                _git(
                    repository,
                    "archive",
                    "--format=zip",
                    "-o",
                    str(archive),
                    "--end-of-options",
                    commit,
                    *paths,
                )
                break
            except (OSError, subprocess.SubprocessError) as exc:
                failures.append(f"{repository}: {_first_line(exc)}")
        else:
            raise UsageError(
                f"cannot take {version}'s package from git commit {commit} "
                f"({'; '.join(failures)}); pass --previous with {version}'s release archive or "
                "package"
            )
        with open_package(archive) as descriptor:
            yield descriptor


def _first_line(error: Exception) -> str:
    """What git said (its first line of stderr), else the error itself."""
    stderr = getattr(error, "stderr", None) or str(error)
    return (str(stderr).strip().splitlines() or [""])[0]


def _json(path: Path) -> Any:
    """A recorded JSON file, bounded in size and nesting: whatever it holds is invalid input
    naming the file, never an internal error."""
    try:
        size = path.stat().st_size
        if size > RECORD_BYTES:
            raise InvalidInputError(
                f"{path}: {size:,} bytes; a release record is at most {RECORD_BYTES:,}"
            )
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise InvalidInputError(f"{path}: cannot be read ({reason})") from None
    if depth(data) > RECORD_DEPTH:
        raise InvalidInputError(f"{path}: nested more than {RECORD_DEPTH} levels deep")
    return data


def depth(value: Any) -> int:
    """How deeply JSON containers nest (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= RECORD_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def read_record(path: Path) -> dict[str, Any]:
    """``release.json``: an object whose ``commit`` is a commit id or null."""
    data = _json(path)
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{path}: a {type(data).__name__}; expected a JSON object "
            '({"version": ..., "commit": ..., ...}) as cscbench release writes'
        )
    commit = data.get("commit")
    if commit is not None:
        checked_commit(commit, path)
    return data


def recorded_descriptor(path: Path) -> dict[str, Any]:
    """A recorded ``datapackage.json``: resources each with a name, a path, a schema and a hash.
    Parsed by the one reader of descriptors (:func:`cscbench.package.descriptor.read_json`, bounded)."""
    data, issue = read_bounded_json(path.parent, path.name, "release", str(path), limits.from_env())
    if issue is not None:
        got = "" if issue.value is None else f"{issue.value}; "
        raise InvalidInputError(f"{path}: cannot be read ({got}expected {issue.expected})")
    resources = data.get("resources") if isinstance(data, dict) else None
    fine = isinstance(resources, list) and all(
        isinstance(r, dict)
        and all(isinstance(r.get(k), str) for k in ("name", "path", "schema", "hash"))
        for r in resources
    )
    if not fine:
        raise InvalidInputError(
            f"{path}: not a recorded descriptor (expected an object whose resources each have "
            "a name, path, schema and hash, as cscbench release writes)"
        )
    return data


def check_hashes(
    descriptor: Path, recorded: Path, version: str, entries: list[dict[str, Any]] | None = None
) -> None:
    """The previous package must be the one released: every file as its recorded hash says
    (``entries``: the recorded descriptor's resources, when the caller has read them)."""
    if entries is None:
        entries = recorded_descriptor(recorded)["resources"]
    for entry in entries:
        path = descriptor.parent / entry["path"]
        actual = f"sha256:{sha256(path)}" if path.is_file() else "missing"
        if actual != entry.get("hash"):
            raise InvalidInputError(
                f"{path}: {actual} differs from {version}'s recorded {entry.get('hash')} "
                f"({recorded}); the previous package given is not {version} as released"
            )


def changes_since_previous(
    package: Package, version: str, releases: Path, repositories: list[Path], given: Path | None
) -> tuple[str | None, Diff]:
    """The previous version and the diff from it (from nothing for a first release); raises
    :class:`semver.VersionError` when ``version`` understates the changes.

    ``package`` carries its release descriptor, and the previous package is given its recorded
    one (the same files, as the hashes show), so both sides name their release date and id.
    """
    previous = previous_version(releases, version)
    if previous is None:
        return None, diff_packages(EMPTY, package)
    recorded = releases / previous / DESCRIPTOR
    before = recorded_descriptor(recorded)  # read once, for the files, hashes and dates
    with previous_package(releases, previous, repositories, given, before) as old_descriptor:
        check_hashes(old_descriptor, recorded, previous, before["resources"])
        old = replace(read_package(old_descriptor), descriptor=before)
        diff = diff_packages(old, package)
    semver.check(previous, version, diff.level, diff.reasons(diff.level))
    return previous, diff


def recorded_release(
    releases: Path, descriptor: dict[str, Any], root: Path
) -> dict[str, Any] | None:
    """The record of this version when it was released before with the very same content (data
    files by their recorded hashes, Table Schemas byte for byte, release date), None when it was
    never released; raises :class:`semver.VersionError` when it was released with other content.
    A recorded release is never rewritten."""
    version = str(descriptor["version"])
    recorded = releases / version / DESCRIPTOR
    if not (releases / version).exists():
        return None
    before_descriptor = recorded_descriptor(recorded)
    record = read_record(releases / version / RECORD)
    before = {r["name"]: r["hash"] for r in before_descriptor["resources"]}
    now = {r["name"]: r["hash"] for r in descriptor["resources"]}
    changed = {n for n in set(before) | set(now) if before.get(n) != now.get(n)}
    changed |= {
        r["name"]
        for r in descriptor["resources"]
        if not _same_file(root / r["schema"], releases / version / r["schema"])
    }
    if changed:
        raise semver.VersionError(
            f"{version} was already released with other data or schemas ({recorded}; differs "
            f"in {', '.join(sorted(changed))}); a release is never rewritten: bump the version "
            "for a new release"
        )
    if before_descriptor.get("created") != descriptor["created"]:
        raise semver.VersionError(
            f"{version} was already released dated {str(before_descriptor.get('created'))[:10]} "
            f"({recorded}), not {descriptor['created'][:10]}; a release is never rewritten: "
            "release it with its recorded date, or bump the version"
        )
    return record


def _same_file(a: Path, b: Path) -> bool:
    return a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()
