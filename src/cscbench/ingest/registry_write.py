"""Writing back into ``sources.toml`` what fetch and ingest learn about a file (hash, size,
validators), under a lock, changing only the lines of the entries concerned.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import re
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

from cscbench.ingest.registry import SOURCES_FILE, RegistryError, _source
from cscbench.package.boundary import describe

LOCK_NAME = ".sources.toml.lock"  # beside sources.toml; flocked while an update is written
LOCK_WAIT = 60.0  # seconds a run waits for another's update (each takes milliseconds)
RECORDED = ("sha256", "bytes", "etag", "last_modified")  # fields fetch and ingest may record
VALIDATOR = re.compile(r"^[\x20-\x7e]{1,200}$")  # an ETag or HTTP date worth recording


def _holder(fd: int) -> str:
    """What the lock file says about the run holding it (pid and command), for the message."""
    with contextlib.suppress(OSError):
        text = os.pread(fd, 400, 0).decode("utf-8", "replace").strip()
        if text:
            return describe(text)
    return "a run that has not said who it is"


@contextlib.contextmanager
def registry_lock(directory: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the registry's update lock (an exclusive ``flock`` on ``.sources.toml.lock``) for the
    block, waiting up to ``wait`` seconds for another run's; the lock file names its holder. The
    kernel drops a killed run's lock, so a dead holder never blocks anyone."""
    lock = directory / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise RegistryError(
            f"{directory / SOURCES_FILE}: cannot take its update lock {lock} "
            f"({exc.strerror or exc}); expected a writable registry folder"
        ) from exc
    try:
        wait = LOCK_WAIT if wait is None else wait
        give_up = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    raise RegistryError(
                        f"{directory / SOURCES_FILE} is being updated by another run "
                        f"({_holder(fd)}) and it did not finish within {wait:g} s; try again "
                        "when it has"
                    ) from None
                time.sleep(0.05)
        command = " ".join(sys.argv)[:300]
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}: {command}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing drops the flock


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for printable ASCII)."""
    return json.dumps(value, ensure_ascii=True)


Fields = Mapping[str, str | int | None]  # None: remove the key (validators no longer valid)


def _set_fields(lines: list[str], start: int, end: int, fields: Fields) -> set[str]:
    """Rewrite (or blank, for None) ``key = value`` lines of the entry in lines[start:end];
    returns the keys done."""
    done = set()
    for n in range(start, end):
        key = lines[n].partition(" = ")[0]
        if key in fields:
            value = fields[key]
            text = _toml_string(value) if isinstance(value, str) else str(value)
            lines[n] = "" if value is None else f"{key} = {text}\n"
            done.add(key)
    return done


def _entries(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Each ``[[source]]`` entry's id -> its (first line, end line) in ``lines``."""
    starts = [n for n, line in enumerate(lines) if line.startswith("[[")] + [len(lines)]
    found = {}
    for start, end in itertools.pairwise(starts):
        for line in lines[start:end]:
            match = re.match(r'^id = "([^"]+)"\s*$', line)
            if match:
                found[match.group(1)] = (start, end)
    return found


def _update(text: str, changes: Mapping[str, Fields], path: Path) -> str:
    """``text`` with each named entry's recorded fields rewritten; a field the entry lacks (an
    ETag recorded the first time) is added after its sha256 line."""
    lines = text.splitlines(keepends=True)
    for source_id, fields in changes.items():
        unknown = sorted(set(fields) - set(RECORDED))
        if unknown:
            raise RegistryError(f"{path}: cannot record {unknown} (recorded: {RECORDED})")
        span = _entries(lines).get(source_id)
        if span is None:
            raise RegistryError(f"{path}: no entry with id {source_id!r} to record its file in")
        done = _set_fields(lines, *span, fields)
        if not {"sha256", "bytes"} & set(fields) <= done:
            raise RegistryError(f"{path}: could not find sha256 and bytes lines of {source_id}")
        added = [k for k in RECORDED if fields.get(k) is not None and k not in done]
        if added:
            at = next(n for n in range(*span) if lines[n].startswith("sha256 = "))
            lines[at + 1 : at + 1] = [f"{k} = {_toml_string(str(fields[k]))}\n" for k in added]
    return "".join(lines)


def record_fields(path: Path, changes: Mapping[str, Fields]) -> None:
    """Record new file facts (sha256, bytes and the server's validators) for the given source ids
    in ``sources.toml`` in place, under the registry's update lock.

    Read-modify-write under one lock, so two runs recording at once both land. Only the named
    lines change, so comments and layout survive and a reviewer's diff is exactly what was
    accepted. The result is parsed and checked before it replaces the file (a temporary file
    with the file's own mode, then a rename), so a bad value never leaves a broken registry.
    """
    with registry_lock(path.parent):
        text = path.read_bytes().decode("utf-8")
        updated = _update(text, changes, path)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(updated)
            os.chmod(temporary, path.stat().st_mode & 0o777)
            entries = tomllib.loads(updated).get("source", [])
            for n, entry in enumerate(entries):
                _source(entry, f"{path} [[source]] {n + 1}")
            os.replace(temporary, path)
        except RegistryError as exc:
            raise RegistryError(f"{path}: not updated, the result would be invalid: {exc}") from exc
        finally:
            temporary.unlink(missing_ok=True)


def record_files(path: Path, changes: Mapping[str, tuple[str, int]]) -> None:
    """Write new (sha256, bytes) for the given source ids into ``sources.toml`` in place."""
    record_fields(path, {k: {"sha256": sha, "bytes": size} for k, (sha, size) in changes.items()})
