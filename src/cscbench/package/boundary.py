"""The package boundary: the only files cscbench reads for a package are regular files inside it.

A partner may validate a package from someone else. Every path the package names (a resource's
``path``, a Table Schema) goes through :func:`resolve` before anything opens it: followed through
symlinks, it must stay inside the package folder and be a regular file within the size limit.
Anything else (``../../etc/passwd``, ``/etc/passwd``, a symlink pointing out, a FIFO, a URL) is a
:class:`Refusal` that names the path, never the file's content. URLs are fetched only when the
user allows it (``--allow-remote``), with a size and a time limit (:func:`fetch`).

Release archives go through the same rules (:func:`read_zip`): no member may name a path outside
the archive or a symlink, and unpacking is bounded in members and bytes.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cscbench.core.errors import UsageError
from cscbench.package import limits

UNSAFE = "package.unsafe_path"
# Any URL scheme ("http:", "https:", "file:", "ftp:", "data:"); a Windows drive ("C:") is refused
# as an absolute path anyway.
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
INSIDE = "a relative path to a regular file inside the package folder"
REGULAR_FILE = "a regular file (not a directory, FIFO, device or socket)"
FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
REMOTE_HINT = "a file inside the package (pass --allow-remote to fetch URLs)"


class RemoteError(UsageError):
    """Fetching a URL the user allowed cannot work here (httpx not installed): a usage error."""


@dataclass(frozen=True)
class Refusal:
    """Why a path may not be read: a check id, what the path is (never what the file holds) and
    what was expected."""

    check_id: str
    value: str
    expected: str


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (never its content)."""
    return next((words for test, words in FILE_KINDS if test(mode)), "not a regular file")


def too_large(size: int, max_bytes: int) -> Refusal:
    return Refusal(
        "file.too_large",
        f"{limits.human_size(size)} ({size:,} bytes)",
        f"at most {limits.human_size(max_bytes)} ({limits.ENVIRONMENT['file_bytes']})",
    )


def unreadable(reason: str) -> Refusal:
    return Refusal("file.unreadable", reason, "a file cscbench may read")


def not_regular(mode: int) -> Refusal:
    return Refusal(UNSAFE, file_kind(mode), REGULAR_FILE)


def check_file(path: Path, max_bytes: int) -> Refusal | None:
    """Why ``path`` must not be read (missing, not a regular file, too large), from ``os.stat``
    alone, so a FIFO or a device is never opened; None when it may be read."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return Refusal("file.missing", str(path), "the file to exist")
    except OSError as exc:
        return unreadable(exc.strerror or type(exc).__name__)
    if not stat.S_ISREG(info.st_mode):
        return not_regular(info.st_mode)
    if info.st_size > max_bytes:
        return too_large(info.st_size, max_bytes)
    return None


def is_remote(value: str) -> bool:
    return bool(SCHEME.match(value)) and not re.match(r"^[A-Za-z]:[\\/]", value)


def describe(value: str) -> str:
    """The path as the package wrote it, shortened and with control characters escaped."""
    shown = value if len(value) <= 200 else value[:200] + "..."
    return shown.encode("unicode_escape").decode("ascii") if not shown.isprintable() else shown


def resolve(base: Path, value: object, max_bytes: int | None = None) -> Path | Refusal:
    """The regular file inside ``base`` that ``value`` names, after symlinks; else a Refusal.

    A missing file is a ``file.missing`` Refusal (the package is wrong, not unsafe); a URL,
    an absolute path, a path leading out of ``base`` (also through a symlink), a symlink loop,
    a directory, FIFO, device or socket is ``package.unsafe_path``; a file over the size limit
    is ``file.too_large``. Nothing is opened.
    """
    if not isinstance(value, str) or not value or "\0" in value:
        return Refusal(UNSAFE, describe(repr(value)), INSIDE)
    if is_remote(value):
        return Refusal(UNSAFE, f"a URL ({describe(value)})", REMOTE_HINT)
    if Path(value).is_absolute() or PurePosixPath(value).is_absolute():
        return Refusal(UNSAFE, f"an absolute path ({describe(value)})", INSIDE)
    try:
        root = base.resolve(strict=True)
        target = (root / value).resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return Refusal(UNSAFE, f"a path that cannot be resolved ({describe(value)})", INSIDE)
    if not target.is_relative_to(root):
        return Refusal(UNSAFE, f"a path leading outside the package ({describe(value)})", INSIDE)
    bound = limits.from_env().file_bytes if max_bytes is None else max_bytes
    refused = check_file(target, bound)
    if refused is None:
        return target
    if refused.check_id == "file.missing":
        return Refusal("file.missing", describe(value), refused.expected)
    return Refusal(refused.check_id, f"{describe(value)}: {refused.value}", refused.expected)


# ---------------------------------------------------------------------------- remote files


def fetch(
    url: str, folder: Path, chosen: limits.Limits | None = None, suffix: str = ".csv"
) -> Path | Refusal:
    """Download ``url`` (http or https only) into ``folder``, stopping at the size and time
    limits; a Refusal says what went wrong (status, size, timeout), never the body.

    ``remote_seconds`` bounds both the silence between two bytes (httpx's timeout) and the whole
    request, so a server trickling a byte at a time cannot keep the download alive."""
    bound = chosen or limits.from_env()
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return Refusal(UNSAFE, f"a URL that is not http or https ({describe(url)})", REMOTE_HINT)
    try:
        import httpx
    except ModuleNotFoundError:
        raise RemoteError(
            "--allow-remote needs httpx: pip install 'cscbench[maintain]' (or pip install httpx)"
        ) from None
    fd, name = tempfile.mkstemp(prefix="remote-", suffix=suffix, dir=folder)
    os.close(fd)
    target = Path(name)
    deadline = time.monotonic() + bound.remote_seconds
    try:
        with httpx.stream("GET", url, timeout=bound.remote_seconds, follow_redirects=True) as r:
            if r.status_code != 200:
                return Refusal("file.missing", f"HTTP {r.status_code} for {describe(url)}", "200")
            size = _copy_bounded(r.iter_bytes(), target, bound.remote_bytes, deadline)
    except httpx.HTTPError as exc:
        return Refusal("file.unreadable", f"{type(exc).__name__} for {describe(url)}", "a reply")
    except TimeoutError:
        return Refusal(
            "file.unreadable",
            f"no complete reply within {bound.remote_seconds:g} s from {describe(url)}",
            f"a whole reply within {bound.remote_seconds:g} s (CSCBENCH_REMOTE_TIMEOUT)",
        )
    if size > bound.remote_bytes:
        return Refusal(
            "file.too_large",
            f"more than {limits.human_size(bound.remote_bytes)} from {describe(url)}",
            f"at most {limits.human_size(bound.remote_bytes)} (CSCBENCH_MAX_REMOTE_BYTES)",
        )
    return target


def _copy_bounded(
    chunks: Iterator[bytes], target: Path, bound: int, deadline: float = float("inf")
) -> int:
    """Write chunks to ``target`` until more than ``bound`` bytes came; returns the bytes seen.
    Raises TimeoutError once the clock passes ``deadline`` (``time.monotonic``)."""
    seen = 0
    with target.open("wb") as handle:
        for chunk in chunks:
            if time.monotonic() > deadline:
                raise TimeoutError
            seen += len(chunk)
            if seen > bound:
                break
            handle.write(chunk)
    return seen


# ---------------------------------------------------------------------------- release archives


class ArchiveError(ValueError):
    """A release archive breaks the boundary: a member outside it, a link, too many or too big."""


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's path, checked: relative, no "..", no drive, no backslash games, not a link."""
    name = info.filename
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise ArchiveError(f"{describe(name)}: a link or special file; only files are allowed")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (
        not parts
        or name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name)
        or any(p in ("..", "") for p in parts)
        or "\0" in name
    ):
        raise ArchiveError(f"{describe(name)}: a member path outside the archive")
    return "/".join(parts)


def read_zip(archive: Path, chosen: limits.Limits | None = None) -> dict[str, bytes]:
    """Every file of a zip archive, by its checked name, read within the limits.

    The member count and the total of the sizes the archive declares are checked before anything
    is unpacked, and the bytes actually inflated are counted too (a header can lie), so a zip bomb
    stops at the limit. Directories are skipped; a repeated name is refused.
    """
    bound = chosen or limits.from_env()
    found = resolve(archive.parent, archive.name, bound.archive_bytes)
    if isinstance(found, Refusal):
        raise ArchiveError(f"{archive.name}: {found.value}; expected {found.expected}")
    try:
        with zipfile.ZipFile(found) as book:
            infos = book.infolist()
            if len(infos) > bound.archive_members:
                raise ArchiveError(
                    f"{len(infos):,} members; at most {bound.archive_members:,} "
                    "(CSCBENCH_MAX_ARCHIVE_MEMBERS)"
                )
            if sum(i.file_size for i in infos) > bound.archive_bytes:
                raise ArchiveError(f"unpacks to more than {limits.human_size(bound.archive_bytes)}")
            return _members(book, infos, bound.archive_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise ArchiveError(f"{archive.name}: not a readable zip archive ({exc})") from None


def _members(book: zipfile.ZipFile, infos: list[zipfile.ZipInfo], budget: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for info in infos:
        name = member_name(info)
        if info.is_dir():
            continue
        if name in out:
            raise ArchiveError(f"{describe(name)}: the same member twice")
        with book.open(info) as handle:
            data = handle.read(budget + 1)
        budget -= len(data)
        if budget < 0:
            raise ArchiveError("unpacks to more than its limit (CSCBENCH_MAX_ARCHIVE_BYTES)")
        out[name] = data
    return out


def unpack_zip(archive: Path, folder: Path, chosen: limits.Limits | None = None) -> list[Path]:
    """Unpack a checked archive into ``folder`` (which must be empty): every file lands inside."""
    files = read_zip(archive, chosen)
    root = folder.resolve()
    written = []
    for name, data in sorted(files.items()):
        target = root / name
        if not target.resolve().is_relative_to(root):  # defence in depth: names are checked
            raise ArchiveError(f"{describe(name)}: a member path outside the archive")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        written.append(target)
    return written
