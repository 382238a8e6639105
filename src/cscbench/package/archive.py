"""Release archives: written byte-reproducibly, read through the package boundary.

A release zip is read by ``cscbench diff``, often one somebody else made or sent, so it is
unpacked only through :mod:`cscbench.package.boundary`: no member outside the archive, no link or special
file, no repeated name, and members and bytes bounded (:mod:`cscbench.package.limits`) before a byte is
written. Writing fixes what would otherwise vary between two builds of the same package: member
order, timestamps, permissions, the system byte.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from cscbench.core import atomic
from cscbench.core.errors import UsageError
from cscbench.package import limits
from cscbench.package.boundary import ArchiveError, unpack_zip

DESCRIPTOR = "datapackage.json"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can store: no build time in releases
FILE_MODE = 0o100644  # a regular file, rw-r--r--
UNIX = 3  # ZipInfo.create_system: the same byte whatever system builds the release


class UnreadableInput(UsageError):
    """A package or release archive that cannot be read (safely); nothing of it was unpacked."""


# ---------------------------------------------------------------------------- writing


def write_zip(target: Path, members: Sequence[tuple[str, Path]]) -> Path:
    """Write ``members`` (name in the archive, file) to ``target`` in name order, deterministically.

    The zip is written beside ``target`` under a temporary name and renamed into place, so a failed
    or interrupted run never leaves a half-written archive under the release's name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for index, (name, path) in enumerate(sorted(members)):
                zf.writestr(_member_info(name), path.read_bytes())
                if index == 0:
                    atomic.checkpoint("zip-write")  # the kill tests: half a zip on disk
        tmp.chmod(0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _member_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = UNIX
    info.external_attr = FILE_MODE << 16
    return info


# ---------------------------------------------------------------------------- reading


@contextlib.contextmanager
def open_package(path: Path, chosen: limits.Limits | None = None) -> Iterator[Path]:
    """The ``datapackage.json`` of a descriptor path, a package folder or a release zip.

    A zip goes through the package boundary's reader (:func:`cscbench.package.boundary.unpack_zip`: every
    member checked and the whole bounded before a byte is written) into a temporary folder
    removed on exit; the descriptor may sit at the archive's root or inside its one top-level
    folder (``cscbench-data-X.Y.Z/``). Limits: ``chosen``, else the environment's
    (``CSCBENCH_MAX_ARCHIVE_MEMBERS``, ``CSCBENCH_MAX_ARCHIVE_BYTES``), else the defaults.
    """
    path = Path(path)
    if path.is_dir():
        path = path / DESCRIPTOR
    if not path.exists():
        raise UnreadableInput(f"{path} not found (give a datapackage.json, its folder or a zip)")
    if not path.is_file():
        raise UnreadableInput(f"{path} is not a regular file")
    if not zipfile.is_zipfile(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="cscbench-archive-") as folder:
        root = Path(folder)
        try:
            unpack_zip(path, root, chosen)
        except (ArchiveError, limits.LimitError) as exc:
            raise UnreadableInput(f"{path}: {exc}; nothing was unpacked") from exc
        yield _find_descriptor(path, root)


def _find_descriptor(archive: Path, root: Path) -> Path:
    """``datapackage.json`` at the archive's root, else in its only top-level folder."""
    if (root / DESCRIPTOR).is_file():
        return root / DESCRIPTOR
    tops = list(root.iterdir())
    if len(tops) == 1 and (tops[0] / DESCRIPTOR).is_file():
        return tops[0] / DESCRIPTOR
    raise UnreadableInput(
        f"{archive}: no {DESCRIPTOR} at its root or in its one top-level folder; "
        "expected a cscbench release archive"
    )
