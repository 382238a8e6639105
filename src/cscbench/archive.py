"""Release archives: written byte-reproducibly, read without trusting a single member.

A release zip is read by ``cscbench diff``, often one somebody else made or sent, so every member is
checked before a byte is written: no absolute path, no ``..``, no link or special file, no
encryption, no duplicate name, at most :data:`MAX_MEMBERS` members and :data:`MAX_BYTES` unpacked
(bounded again while copying, whatever the member headers claim). Writing fixes what would otherwise
vary between two builds of the same package: member order, timestamps, permissions, the system byte.

``open_package`` is the one door ``diff`` goes through; when the package boundary module lands
(issue 13) its safe zip reader replaces :func:`_unpack` here and nothing else changes.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from cscbench.errors import UsageError

DESCRIPTOR = "datapackage.json"
MAX_MEMBERS = 10_000  # a release holds about 25; room for many more resources
MAX_BYTES = 4 << 30  # unpacked; today's release unpacks to about 18 MB
# The same settings as the package boundary's limits (issue 13): whole numbers of bytes/members.
MEMBERS_ENV = "CSCBENCH_MAX_ARCHIVE_MEMBERS"
BYTES_ENV = "CSCBENCH_MAX_ARCHIVE_BYTES"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can store: no build time in releases
FILE_MODE = 0o100644  # a regular file, rw-r--r--
UNIX = 3  # ZipInfo.create_system: the same byte whatever system builds the release
COPY_CHUNK = 1 << 20


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
            for name, path in sorted(members):
                zf.writestr(_member_info(name), path.read_bytes())
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


def limit(variable: str, default: int) -> int:
    """A limit from the environment (a whole number, at least 1), else its default."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{variable} is {text!r}; expected a whole number of at least 1")
    return int(text)


@contextlib.contextmanager
def open_package(
    path: Path, max_members: int | None = None, max_bytes: int | None = None
) -> Iterator[Path]:
    """The ``datapackage.json`` of a descriptor path, a package folder or a release zip.

    A zip is checked whole, then unpacked into a temporary folder removed on exit; the descriptor
    may sit at the archive's root or inside its one top-level folder (``cscbench-data-X.Y.Z/``).
    Limits: the arguments, else ``$CSCBENCH_MAX_ARCHIVE_MEMBERS`` / ``_BYTES``, else the defaults.
    """
    max_members = max_members or limit(MEMBERS_ENV, MAX_MEMBERS)
    max_bytes = max_bytes or limit(BYTES_ENV, MAX_BYTES)
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
        _unpack(path, root, max_members, max_bytes)
        yield _find_descriptor(path, root)


def _unpack(archive: Path, dest: Path, max_members: int, max_bytes: int) -> None:
    """Unpack every member after checking them all (see the module's docstring)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_members(archive, infos, max_members, max_bytes)
            budget = max_bytes
            for info in infos:
                budget -= _extract(archive, zf, info, dest, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise UnreadableInput(f"{archive}: not a readable zip archive ({exc})") from exc


def _check_members(
    archive: Path, infos: Sequence[zipfile.ZipInfo], max_members: int, max_bytes: int
) -> None:
    if len(infos) > max_members:
        raise UnreadableInput(
            f"{archive}: {len(infos):,} members; at most {max_members:,} ({MEMBERS_ENV}); "
            "nothing was unpacked"
        )
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise UnreadableInput(
            f"{archive}: unpacks to more than {max_bytes:,} bytes ({BYTES_ENV}); "
            "nothing was unpacked"
        )
    seen: set[str] = set()
    for info in infos:
        problem = _member_problem(info)
        if problem:
            raise UnreadableInput(f"{archive}: {info.filename}: {problem}; nothing was unpacked")
        key = info.filename.rstrip("/")
        if key in seen:
            raise UnreadableInput(
                f"{archive}: {info.filename}: the same member twice; nothing was unpacked"
            )
        seen.add(key)


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member may not be unpacked, or None. Only plain relative paths to files or folders."""
    name = info.filename
    parts = PurePosixPath(name).parts
    mode = info.external_attr >> 16
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "a member path outside the archive (absolute)"
    if "\\" in name or "\x00" in name:
        return "a member path with a backslash or NUL; expected a plain relative path"
    if ".." in parts or "." in parts:
        return "a member path outside the archive ('..' or '.')"
    if stat.S_ISLNK(mode):
        return "a link (symbolic link); only files are allowed"
    if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and stat.S_IFMT(mode):
        return "a special file (device, FIFO or socket); only files are allowed"
    if info.flag_bits & 0x1:
        return "an encrypted member; expected a plain one"
    return None


def _extract(
    archive: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: int
) -> int:
    """Copy one checked member under ``dest``; the bytes written, never more than ``budget``."""
    target = dest.joinpath(*PurePosixPath(info.filename).parts)
    if not target.resolve().is_relative_to(dest.resolve()):  # belt and braces after the checks
        raise UnreadableInput(f"{archive}: member {info.filename!r} leaves the archive's folder")
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with zf.open(info) as source, open(target, "xb") as sink:
        while chunk := source.read(COPY_CHUNK):
            written += len(chunk)
            if written > budget:
                raise UnreadableInput(
                    f"{archive}: member {info.filename!r} unpacks to more than its header says; "
                    "expected at most the archive's size limit"
                )
            sink.write(chunk)
    return written


def _find_descriptor(archive: Path, root: Path) -> Path:
    """``datapackage.json`` at the archive's root, else in its only top-level folder."""
    if (root / DESCRIPTOR).is_file():
        return root / DESCRIPTOR
    tops = [p for p in root.iterdir()]
    if len(tops) == 1 and (tops[0] / DESCRIPTOR).is_file():
        return tops[0] / DESCRIPTOR
    raise UnreadableInput(
        f"{archive}: no {DESCRIPTOR} at its root or in its one top-level folder; "
        "expected a cscbench release archive"
    )
