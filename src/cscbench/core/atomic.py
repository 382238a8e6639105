"""Putting new output in place so that a kill at any instant leaves the old or the new output whole.

Publish and ingest build their output beside the target and switch it in at the end. On Linux the
switch is one system call, ``renameat2(RENAME_EXCHANGE)``: the new folder and the old one trade
names atomically, so a reader (or a kill) sees one or the other, never neither. Where the system
cannot exchange (another OS, a filesystem without it) the switch is two renames recorded first in
a journal, and the next run finishes a switch a kill interrupted (:func:`roll_forward`).

Every run holds an exclusive ``flock`` on a lock file named after its work folder. The kernel
drops the lock when the process dies, however it dies, so a later run can tell a killed run's
leftovers (lock free: remove them) from a concurrent run's work (lock held: leave it alone).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

FAULT_ENV = "CSCBENCH_FAULT"  # testing hook: "<point>:<SIGNAL>" signals this process at a point
NO_EXCHANGE_ENV = "CSCBENCH_NO_EXCHANGE"  # "1": always use the journal (tests; odd filesystems)
RENAME_EXCHANGE = 2
AT_FDCWD = -100
LOCK_SUFFIX = ".lock"
UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV}


def _renameat2() -> Callable[..., int] | None:
    """glibc's renameat2 (2.28+), or None where the C library has none."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


RENAMEAT2 = _renameat2()


def checkpoint(point: str) -> None:
    """Fault injection for the kill tests: with ``CSCBENCH_FAULT=<point>:<SIGNAL>`` (e.g.
    ``png:KILL``) the process sends itself that signal here, so a test kills publish or ingest
    at an exact point instead of sleeping and hoping. Does nothing otherwise."""
    where, _, name = os.environ.get(FAULT_ENV, "").partition(":")
    if where == point and name:
        os.kill(os.getpid(), getattr(signal, "SIG" + name))


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot (the caller then
    falls back to its journal). Any other failure (a read-only disk) raises OSError."""
    if RENAMEAT2 is None or os.environ.get(NO_EXCHANGE_ENV) == "1":
        return False
    if RENAMEAT2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        sync_dir(a.parent)
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def sync_dir(folder: Path) -> None:
    """Make renames in ``folder`` durable (best effort: not every system can fsync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


REMOVE_ATTEMPTS = 50  # x 0.1 s: how long a folder a dying child still writes into is retried


def remove(path: Path) -> None:
    """Remove a folder, file or symlink; a missing one is fine. A folder that gains a file while
    it is removed (an interrupted run's Chromium finishing a screenshot into it) is tried again,
    for a few seconds at most."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
        return
    for attempt in range(REMOVE_ATTEMPTS):
        try:
            shutil.rmtree(path)
            return
        except FileNotFoundError:
            if not path.exists():
                return
        except OSError as exc:
            if exc.errno != errno.ENOTEMPTY or attempt == REMOVE_ATTEMPTS - 1:
                raise
        time.sleep(0.1)


# ---------------------------------------------------------------------------- locks


class RunLock:
    """This run's claim on a work folder: ``<folder>.lock``, flocked until :meth:`release`.

    The lock file is created (and locked) before the folder, so a folder without a live lock is
    always a dead run's.
    """

    def __init__(self, parent: Path, prefix: str) -> None:
        while True:
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=LOCK_SUFFIX, dir=parent)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _same_file(fd, Path(name)):  # not removed by a cleanup between the two calls
                break
            os.close(fd)
        self.fd: int | None = fd
        self.path = Path(name)
        self.folder = self.path.with_name(self.path.name.removesuffix(LOCK_SUFFIX))

    def release(self) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def claim(lock: Path) -> Iterator[bool]:
    """True (holding the lock for the block) when ``lock``'s owner is gone; False when a live
    run holds it or the file vanished."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield _same_file(fd, lock)
    finally:
        os.close(fd)


def owner_alive(folder: Path) -> bool:
    """Whether the run that made ``folder`` (``folder.lock``) is still running."""
    lock = folder.with_name(folder.name + LOCK_SUFFIX)
    if not lock.exists():
        return False
    with claim(lock) as free:
        return not free


def clean_dead(parent: Path, prefix: str, ours: Callable[[Path], bool]) -> list[Path]:
    """Remove what killed runs left under ``parent`` (names starting with ``prefix``): a work
    folder whose lock is free, or which has no lock but ``ours`` recognises as our own (a marker
    file), and lock files whose folder never got made. Returns what was removed."""
    removed = []
    for path in sorted(parent.glob(prefix + "*")):
        if path.name.endswith(LOCK_SUFFIX):
            folder = path.with_name(path.name.removesuffix(LOCK_SUFFIX))
            with claim(path) as free:
                if free:
                    if folder.exists():
                        remove(folder)
                        removed.append(folder)
                    path.unlink(missing_ok=True)
            continue
        lock = path.with_name(path.name + LOCK_SUFFIX)
        if not lock.exists() and path.is_dir() and not path.is_symlink() and ours(path):
            remove(path)
            removed.append(path)
    return removed


class FolderBusy(OSError):
    """Another cscbench command is writing the same output folder (its lock is held)."""


class WriterLock:
    """One writer at a time for an output folder, across commands: ``.<name>.cscbench.lock``
    beside ``folder``, flocked, holding the owner's pid and command so the refusal can say who.

    ``publish`` replaces its whole folder while ``release`` adds an archive to one; without a
    shared lock one could delete what the other just reported written. The lock file is removed
    on release (and by whichever run next takes it after a kill), so nothing piles up.
    """

    def __init__(self, folder: Path, command: str) -> None:
        folder = Path(os.path.abspath(folder))
        self.path = folder.with_name(f".{folder.name}.cscbench.lock")
        folder.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                raise FolderBusy(
                    errno.EBUSY,
                    f"{folder} is being written by {holder}; run again when it has finished",
                ) from None
            if _same_file(fd, self.path):
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": command}).encode())
        self.fd: int | None = fd

    def release(self) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


def _holder(fd: int) -> str:
    """Who holds a writer lock, from what it wrote: "cscbench publish (pid 123)"."""
    try:
        record = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"cscbench {record['command']} (pid {int(record['pid'])})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another cscbench command"


@contextlib.contextmanager
def writing(folders: list[Path], command: str) -> Iterator[None]:
    """Hold the writer lock of each folder (each once, in path order) for the block."""
    held: list[WriterLock] = []
    try:
        for folder in sorted({Path(os.path.abspath(f)) for f in folders}):
            held.append(WriterLock(folder, command))
        yield
    finally:
        for lock in reversed(held):
            lock.release()


# ---------------------------------------------------------------------------- journal


def write_journal(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(record, handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    sync_dir(path.parent)


def clean_journal_temps(journal: Path) -> None:
    """Remove half-written journals (``<journal>.tmp-<pid>``) of processes that are gone."""
    for tmp in journal.parent.glob(journal.name + ".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_journal(path: Path) -> dict[str, Any] | None:
    """The journal's record, or None when there is none (or it is not one of ours)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


# ---------------------------------------------------------------------------- signals


class Deferred:
    """SIGINT and SIGTERM held back while a switch is half done, then acted on.

    SIGTERM normally kills Python without running ``finally`` blocks, leaving temporary folders
    and Chromium behind; inside :func:`interruptible` it raises ``SystemExit(143)`` instead, so
    every cleanup runs. Inside :func:`critical` both signals wait until the switch is complete.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.pending: int | None = None

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.depth:
            self.pending = signum
            return
        raise_for(signum)


DEFERRED = Deferred()


def raise_for(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGINT raise (SystemExit(143), KeyboardInterrupt) so cleanups run."""
    if not _main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in previous:
        signal.signal(s, DEFERRED.handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """No signal interrupts the block; one that arrives is acted on when it ends."""
    if not _main_thread():
        yield
        return
    with interruptible():
        DEFERRED.depth += 1
        try:
            yield
        finally:
            DEFERRED.depth -= 1
            pending, DEFERRED.pending = DEFERRED.pending, None
            if pending is not None and DEFERRED.depth == 0:
                raise_for(pending)


# ---------------------------------------------------------------------------- switching


def plain_name(name: object) -> bool:
    """A journal names paths relative to its folder: no absolute path, no "..", no empty part."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def switch(moves: list[tuple[Path, Path]], aside: Path, journal: Path, owner: Path) -> None:
    """Move each new path onto its target and delete the old targets (kept under ``aside``
    until the switch is complete); a single folder whose target exists is exchanged in one step
    where the system can.

    Otherwise the moves are written to ``journal`` first (every path under its folder), so a run
    killed half way is finished by the next run's :func:`roll_forward`: the new output was
    complete and checked before the journal was written, so finishing is always right. A move
    that fails (a full or read-only disk) is undone at once. Signals wait until the switch is
    done. ``owner`` is the run's work folder: its lock tells a later run whether this one lives.
    """
    with critical():
        if len(moves) == 1 and moves[0][1].exists() and exchange(*moves[0]):
            remove(moves[0][0])  # now the old target
            return
        base = journal.parent
        record = {
            "moves": [[str(n.relative_to(base)), str(t.relative_to(base))] for n, t in moves],
            "aside": str(aside.relative_to(base)),
            "owner": str(owner.relative_to(base)),
        }
        write_journal(journal, record)
        try:
            _apply(base, record)
        except OSError:
            _undo(base, record)
            journal.unlink(missing_ok=True)
            raise
        journal.unlink()
        sync_dir(base)
        remove(aside)


def _undo(base: Path, record: dict[str, Any]) -> None:
    """Best effort after a failed move: each new part back to its place, each old one back."""
    aside = base / record["aside"]
    for new_name, target_name in reversed(record["moves"]):
        new, target, kept = base / new_name, base / target_name, aside / Path(target_name).name
        with contextlib.suppress(OSError):
            if not new.exists() and kept.exists() and target.exists():
                os.rename(target, new)
            if kept.exists() and not target.exists():
                os.rename(kept, target)


def _well_formed(record: dict[str, Any]) -> bool:
    moves = record.get("moves")
    if not isinstance(moves, list) or not all(isinstance(m, list) and len(m) == 2 for m in moves):
        return False
    names = [name for move in moves for name in move]
    return all(plain_name(n) for n in [*names, record.get("aside"), record.get("owner")])


def _apply(base: Path, record: dict[str, Any]) -> None:
    """Do (or finish) the journal's moves; each step can be repeated after a kill."""
    aside = base / record["aside"]
    for new_name, target_name in record["moves"]:
        new, target = base / new_name, base / target_name
        if not new.exists() and not new.is_symlink():
            continue  # already moved
        if target.exists() or target.is_symlink():
            aside.mkdir(parents=True, exist_ok=True)
            os.rename(target, aside / target.name)
            checkpoint("switch-mid")
        os.rename(new, target)
    sync_dir(base)


def roll_forward(journal: Path) -> bool:
    """Finish the switch ``journal`` records if its run died half way (its work folder's lock
    is free). Returns False while that run is alive, True once the journal is dealt with."""
    record = read_journal(journal)
    if record is None or not _well_formed(record):
        journal.unlink(missing_ok=True)  # unreadable, or names outside its folder: never follow it
        return True
    if owner_alive(journal.parent / record["owner"]):
        return False
    _apply(journal.parent, record)
    journal.unlink(missing_ok=True)
    return True
