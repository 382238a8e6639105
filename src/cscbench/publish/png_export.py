"""PNG images of the tables, rendered by a headless Chromium that never outlives publish (its
own process group, killed with it), with each image's title and alt text inside the file."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import struct
import sys
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from cscbench.core import atomic
from cscbench.core.errors import UsageError
from cscbench.publish import formatting as fmt
from cscbench.publish import gtspeed
from cscbench.publish.output_names import safe_file

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """``$CHROME_PATH`` if it is a file, else the first Chromium or Chrome on ``PATH``."""
    env = os.environ.get("CHROME_PATH")
    if env and Path(env).is_file():
        return env
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_PREFIX = "cscbench-chromium-"
CHROMIUM_TAG = "CSCBENCH_CHROMIUM"  # in each browser's environment: which publish run started it
# Runs between the wrapper script and Chromium. It puts Chromium in its own process group (one
# killpg then reaches Chromium and every helper it starts), asks the kernel to kill it if publish
# dies (Linux PR_SET_PDEATHSIG, kept across exec), records the group for cleanups, and leaves a
# watcher in the group that kills the whole group once the process it forked from ends, so
# helpers never outlive the browser (Debian's /usr/bin/chromium is a script that forks it).
SHIM = """\
import ctypes, os, signal, sys
folder, binary, *args = sys.argv[1:]
os.setpgid(0, 0)
def die_with_parent(signum: int) -> None:
    try:
        ctypes.CDLL(None).prctl(1, signum)
    except (OSError, AttributeError):
        pass
die_with_parent(signal.SIGKILL)
if os.getppid() != int(os.environ.get("CSCBENCH_PUBLISH_PID", "0")):
    sys.exit(1)
open(os.path.join(folder, "pgid-%d" % os.getpid()), "w").close()
browser = os.getpid()
if os.fork() == 0:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    signal.signal(signal.SIGUSR1, lambda *_: os.killpg(0, signal.SIGKILL))
    die_with_parent(signal.SIGUSR1)
    if os.getppid() != browser:
        os.killpg(0, signal.SIGKILL)
    while True:
        signal.pause()
os.execv(binary, [binary, *args])
"""


@contextlib.contextmanager
def chromium(binary: str) -> Iterator[None]:
    """Point great-tables at a wrapper that adds ``--no-sandbox`` (needed as root, e.g. in CI)
    and runs Chromium in its own process group; kill that group afterwards.

    However publish ends (success, error, Ctrl-C, SIGTERM: see :func:`staging`), every Chromium
    process it started is killed here; if publish itself is killed (SIGKILL), the kernel kills
    the browser and the next run kills any helper left (:func:`kill_stray_chromium`).
    ``CHROME_PATH`` is restored and no asyncio noise reaches the user at interpreter exit.
    """
    kill_stray_chromium()
    lock = atomic.RunLock(Path(tempfile.gettempdir()), CHROMIUM_PREFIX)
    folder = lock.folder
    folder.mkdir(mode=0o700)
    (folder / "shim.py").write_text(SHIM, encoding="utf-8")
    wrapper = folder / "chromium"
    flags = "--no-sandbox --disable-dev-shm-usage --headless"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"{CHROMIUM_TAG}={shlex.quote(str(folder))} exec {shlex.quote(sys.executable)} -I -S "
        f"{shlex.quote(str(folder / 'shim.py'))} {shlex.quote(str(folder))} "
        f'{shlex.quote(binary)} {flags} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    previous = {k: os.environ.get(k) for k in ("CHROME_PATH", "CSCBENCH_PUBLISH_PID")}
    os.environ.update(CHROME_PATH=str(wrapper), CSCBENCH_PUBLISH_PID=str(os.getpid()))
    quiet_asyncio_exit()
    try:
        yield
    finally:
        close_browser()
        kill_groups(folder)
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        atomic.remove(folder)
        lock.release()


def kill_groups(folder: Path) -> None:
    """SIGKILL every process group a wrapper in ``folder`` recorded, if it is still ours."""
    for record in folder.glob("pgid-*"):
        group = int(record.name.removeprefix("pgid-"))
        if started_by(group, folder):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


def started_by(group: int, folder: Path) -> bool:
    """Whether process ``group`` is a Chromium from ``folder``, so a recycled process id is never
    killed by mistake: a member carries the folder in its environment (the browser, the watcher)
    or its command line (the watcher). Chromium's helpers overwrite both with their titles, hence
    any member. Where /proc cannot say (not Linux), trust the record this run wrote itself."""
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    tag = f"{CHROMIUM_TAG}={folder}".encode()
    for entry in proc.iterdir():
        if entry.name.isdigit() and process_group(entry) == group:
            with contextlib.suppress(OSError):
                environ = (entry / "environ").read_bytes().split(b"\0")
                command = (entry / "cmdline").read_bytes().split(b"\0")
                if tag in environ or str(folder).encode() in command:
                    return True
    return False


def process_group(entry: Path) -> int | None:
    """A /proc/<pid> entry's process group (None once the process is gone)."""
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, ValueError, IndexError):
        return None


def kill_stray_chromium() -> None:
    """Kill the Chromium helpers a killed publish left, and remove its wrapper folder: a folder
    whose run lock is free belongs to a dead run."""
    temp = Path(tempfile.gettempdir())
    for lock in sorted(temp.glob(CHROMIUM_PREFIX + "*" + atomic.LOCK_SUFFIX)):
        with atomic.claim(lock) as free:
            if free:
                folder = lock.with_name(lock.name.removesuffix(atomic.LOCK_SUFFIX))
                kill_groups(folder)
                atomic.remove(folder)
                lock.unlink(missing_ok=True)


def close_browser() -> None:
    with contextlib.suppress(Exception):
        import nokap

        nokap.close()


def quiet_asyncio_exit() -> None:
    """Silence only the harmless "Invalid file descriptor: -1" raised when the browser's event
    loop is collected at exit; every other unraisable exception is still reported."""
    previous = sys.unraisablehook
    if getattr(previous, "_cscbench", False):
        return

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, ValueError) and "Invalid file descriptor: -1" in str(
            unraisable.exc_value
        ):
            return
        previous(unraisable)

    hook._cscbench = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def save_png(table: fmt.Table, path: Path) -> None:
    """Render the table with Chromium and store the alt text in the PNG (iTXt Description)."""
    import nokap

    path.parent.mkdir(parents=True, exist_ok=True)
    # great-tables' gtsave with its defaults, given the table's HTML when it is already rendered
    # (publish renders these tables first), so it is not rendered a second time for the image
    page = table.html if table.html is not None else gtspeed.html(table.gt)
    nokap.from_html(
        html=page,
        file=path,
        selector="table",
        expand=10,
        zoom=2,
        delay=0.2,
        vwidth=1400,
        vheight=744,
    )
    add_png_text(path, {"Title": table.title, "Description": table.alt})


def add_png_text(path: Path, texts: dict[str, str]) -> None:
    """Insert UTF-8 iTXt chunks after IHDR, so the image carries its own title and alt text."""
    path.write_bytes(png_with_text(path.read_bytes(), texts))


def png_with_text(data: bytes, texts: dict[str, str]) -> bytes:
    """A PNG's bytes with UTF-8 iTXt chunks (title, alt text) inserted after IHDR."""
    ihdr_end = 8 + 8 + 13 + 4  # signature, IHDR length+type, IHDR data, CRC
    chunks = b"".join(_itxt(k, v) for k, v in texts.items())
    return data[:ihdr_end] + chunks + data[ihdr_end:]


def _itxt(keyword: str, text: str) -> bytes:
    body = keyword.encode("latin-1") + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    kind = b"iTXt"
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def render_pngs(
    root: Path, tables: Sequence[fmt.Table], binary: str, strict: bool
) -> tuple[set[str], list[str]]:
    """PNG for each table: the stems produced, and a note per table that failed (published
    without its image). ``strict``: any failure is an error instead."""
    produced: set[str] = set()
    failed: list[str] = []
    with chromium(binary):
        for table in tables:
            try:
                save_png(table, safe_file(root, table.stem, ".png"))
                atomic.checkpoint("png")
            except Exception as exc:
                if strict:  # --png yes: the user asked for images this Chromium cannot make
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    raise UsageError(
                        f"--png yes but Chromium ({binary}) could not render {table.stem}: "
                        f"{first}; install a working chromium, set CHROME_PATH, or use --png auto"
                    ) from exc
                failed.append(f"PNG for {table.stem} failed ({exc}); continuing without it")
                continue
            produced.add(table.stem)
    return produced, failed
