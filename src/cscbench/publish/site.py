"""Writing the site: pages and CSVs, the XLSX workbook, Parquet, PNG images, and the atomic swap.

The site is built in a new folder beside ``--out`` and switched into place in one atomic step
(:mod:`cscbench.core.atomic`) only after everything succeeded, so a failure or a kill at any point
leaves the previous site exactly as it was, and the next run cleans up after a killed one. A
marker file identifies a directory as a cscbench site, so publishing never replaces a directory it
did not create.

Longer than 500 lines: the site writer that the extension pages (issue 20) and the publish speed
work were changing while the folders moved; the next split is the exports (CSV, XLSX, Parquet,
PNG) apart from the page writing and the atomic swap.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import shutil
import signal
import struct
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core import atomic
from cscbench.core.errors import UsageError
from cscbench.publish import formatting as fmt
from cscbench.publish import gtspeed, layout, workbook

MARKER = ".cscbench-site"
WORKBOOK = "data/cscbench-tables.xlsx"
PARQUET_DIR = "data/parquet"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FIXED_TIME = dt.datetime(2000, 1, 1)  # workbook metadata: no wall-clock time in outputs
# Numbers as stored (polars would show floats to 3 decimals); the web pages show them rounded.
UNROUNDED = {pl.Float64: "General", pl.Float32: "General"}
SHEET_FORBIDDEN = "[]:*?/\\"
SHEET_LENGTH = 31
RESERVED_SHEETS = {"history", "readme"}  # Excel reserves History; README is the first sheet
# Output names: lower-case segments of letters, digits, "-" and "_" joined by "/" (no "..", no
# absolute path, no dot file); "_" keeps an indicator id as its page's name.
SAFE_STEM = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*")
RESOURCE_FILE = re.compile(r"[a-z0-9][a-z0-9_-]*")  # a resource name kept as its Parquet file name


class SiteError(UsageError):
    """The output directory cannot be used (e.g. it exists and is not a cscbench site)."""


ARCHIVES = "cscbench-data-*.zip"  # release archives a maintainer may keep beside the site


class OutputError(SiteError, OSError):
    """The site could not be written (a read-only or full disk, no permission); the previous
    site is untouched. Also an OSError, carrying the system's errno."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(message)
        self.errno, self.strerror = code, message

    def __str__(self) -> str:
        return self.strerror


# ---------------------------------------------------------------------------- build and switch


def check_target(out: Path) -> None:
    """Refuse to replace a non-empty directory (or a file) that is not a previous cscbench site."""
    if not out.exists():
        return
    if not out.is_dir():
        raise SiteError(f"{out} exists and is not a directory")
    if any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteError(
            f"{out} exists, is not empty and is not a cscbench site (no {MARKER}); "
            "choose another --out or empty it"
        )


def building_prefix(out: Path) -> str:
    return f".{out.name}.building-"


def previous_prefix(out: Path) -> str:
    return f".{out.name}.previous-"


def journal_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.switch")


def is_ours(out: Path) -> Callable[[Path], bool]:
    """Whether a leftover folder is one of this site's (its marker, or its kept-aside site's)."""
    return lambda path: (path / MARKER).exists() or (path / out.name / MARKER).exists()


def recover(out: Path) -> None:
    """Put right what a killed run left: finish a half-done switch (the fallback's journal), put
    an old site back if none is in place, and remove dead runs' folders (only marked ones, or
    ones whose run lock is free), so leftovers never pile up."""
    parent = out.parent
    journal = journal_path(out)
    atomic.clean_journal_temps(journal)
    if journal.exists() and not atomic.roll_forward(journal):
        return  # a concurrent publish is switching right now: leave everything to it
    aside = sorted(
        (p for p in parent.glob(previous_prefix(out) + "*") if is_ours(out)(p)),
        key=lambda p: p.stat().st_mtime_ns,
    )
    if not out.exists() and aside:
        newest = aside.pop()
        kept = newest / out.name
        os.rename(kept if kept.is_dir() else newest, out)
        atomic.remove(newest)
    atomic.clean_dead(parent, building_prefix(out), is_ours(out))
    for path in aside:
        atomic.remove(path)


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A new folder beside ``out`` to build in; on success it replaces ``out`` in one step.

    The folder is made with the umask's permissions (0755 under 022, unlike mkdtemp's 0700) so a
    web server running as another user can read the site. SIGTERM and Ctrl-C stop the build with
    every cleanup run (the half-built folder removed, Chromium killed). Any failure to write
    (read-only or full disk) is an :class:`OutputError`; the previous site is untouched.
    """
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        writer = atomic.WriterLock(out, "publish")  # a release writing into out: not at once
    except atomic.FolderBusy as exc:
        raise OutputError(exc.errno, f"cannot publish to {out}: {exc.strerror}") from None
    except OSError as exc:
        raise output_error(out, exc) from exc
    try:
        yield from _staged(out)
    finally:
        writer.release()


def already_published(out: Path, key: str) -> dict[str, Any] | None:
    """The summary ``out`` recorded when it was published from the inputs whose content key is
    ``key``, checked under the folder's writer lock after a killed run's leftovers are put right
    (:func:`recover`); None when it must be built."""
    from cscbench.publish import freshness

    try:
        writer = atomic.WriterLock(out, "publish")
    except atomic.FolderBusy as exc:
        raise OutputError(exc.errno, f"cannot publish to {out}: {exc.strerror}") from None
    except OSError as exc:
        raise output_error(out, exc) from exc
    try:
        recover(out)
        return freshness.up_to_date(out, key)
    except OSError as exc:
        raise output_error(out, exc) from exc
    finally:
        writer.release()


def _staged(out: Path) -> Iterator[Path]:
    """:func:`staging`'s work, under the folder's writer lock."""
    try:
        recover(out)
        kill_stray_chromium()  # a killed run's browser helpers, whether or not PNGs are wanted
        lock = atomic.RunLock(out.parent, building_prefix(out))
    except OSError as exc:
        raise output_error(out, exc) from exc
    tmp, aside = lock.folder, out.with_name(previous_prefix(out) + lock.folder.name[-8:])
    try:
        os.mkdir(tmp, 0o777)
        (tmp / MARKER).write_text("built by cscbench publish\n", encoding="utf-8")
        with atomic.interruptible():
            atomic.checkpoint("building")
            yield tmp
            atomic.checkpoint("written")
            keep_archives(out, tmp)
            atomic.switch([(tmp, out)], aside, journal_path(out), tmp)
            atomic.checkpoint("switched")
    except OSError as exc:
        discard(out, tmp)
        raise output_error(out, exc) from exc
    except BaseException:
        discard(out, tmp)
        raise
    finally:
        lock.release()


def keep_archives(out: Path, tmp: Path) -> None:
    """Carry the release archives ``cscbench release`` put in ``out`` into the new site (a hard
    link, else a copy), so publishing into the same folder never deletes a release."""
    if not out.is_dir() or out.is_symlink():
        return
    for archive in sorted(out.glob(ARCHIVES)):
        kept = tmp / archive.name
        if archive.is_symlink() or not archive.is_file() or kept.exists():
            continue
        try:
            os.link(archive, kept)
        except OSError:
            shutil.copy2(archive, kept)


def discard(out: Path, tmp: Path) -> None:
    """Remove a failed build, unless its switch stopped half way (its journal is still there):
    then the next run finishes the switch with it."""
    if journal_path(out).exists():
        return
    with contextlib.suppress(OSError):  # still being written into: the next run's recovery
        atomic.remove(tmp)  # removes it


def output_error(out: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    where = exc.filename or out.parent
    return OutputError(
        exc.errno,
        f"cannot write the site to {out} ({reason}: {where}); the previous site is untouched",
    )


# ---------------------------------------------------------------------------- pages and data


def write_pages(root: Path, pages: Sequence[fmt.Page], version: str, pngs: set[str]) -> None:
    check_names(pages)
    for page in pages:
        depth = page.stem.count("/")
        linked = replace(page, tables=tuple(_with_png(t, t.stem in pngs) for t in page.tables))
        path = safe_file(root, page.stem, ".html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(layout.page_html(linked, depth, version), encoding="utf-8", newline="\n")
        for table in page.tables:
            fmt.write_csv(table.data, safe_file(root, table.stem, ".csv"))


def _with_png(table: fmt.Table, has_png: bool) -> fmt.Table:
    return replace(table, png=has_png)


def write_parquet(root: Path, frames: dict[str, pl.DataFrame]) -> list[str]:
    """Every package resource as Parquet, typed as :func:`cscbench.load` returns it.

    A resource's name comes from the package: one that is not a plain name (letters, digits,
    ``_`` and ``-``) is written under its slug, so ``../../../PWNED`` becomes ``pwned.parquet``
    inside the site.
    """
    folder = root / PARQUET_DIR
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(frames)
    written = []
    files = fmt.distinct(
        [n if RESOURCE_FILE.fullmatch(n) else fmt.slug(n) or "resource" for n in names]
    )
    for name, file in zip(names, files, strict=True):
        frames[name].write_parquet(folder / f"{file}.parquet", statistics=False)
        written.append(f"{PARQUET_DIR}/{file}.parquet")
    return written


def write_workbook(
    path: Path,
    tables: Sequence[fmt.Table],
    readme: Sequence[str],
    sheets: Sequence[workbook.Sheet] = (),
) -> None:
    """One XLSX: a README sheet, one sheet per table, then ``sheets`` (the profiles); text cells
    neutralised (see fmt.neutralise).

    Each table goes in with polars' ``write_excel`` into our own xlsxwriter workbook, whose
    ``strings_to_formulas=False`` makes every text cell a string cell (xlsxwriter applies it to
    table data too), on top of the apostrophe from :func:`fmt.export_frame`. The fixed creation
    time makes the file byte-identical across runs.
    """
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_TIME, "title": "cscbench published tables"})
    sheet = book.add_worksheet("README")
    for row, line in enumerate(readme):
        sheet.write_string(row, 0, _neutral(line))
    used = {"readme"}
    for table in tables:
        name = _sheet_name(table.sheet or table.stem, used)
        fmt.export_frame(table.data).write_excel(
            workbook=book,
            worksheet=name,
            dtype_formats=UNROUNDED,
            header_format={"bold": True},
            freeze_panes=(1, 0),
        )
    for extra in sheets:
        write_sheet(book, extra, _sheet_name(extra.name, used))
    book.close()


def write_sheet(book: Any, sheet: workbook.Sheet, name: str) -> None:
    """A wide sheet: the frame (numbers as numbers), then its text cells and cell comments."""
    fmt.export_frame(sheet.frame).write_excel(
        workbook=book,
        worksheet=name,
        dtype_formats=UNROUNDED,
        header_format={"bold": True},
        freeze_panes=(1, sheet.frozen_columns),
    )
    cells = book.get_worksheet_by_name(name)
    for row, col, text in sheet.texts.iter_rows():
        cells.write_string(row + 1, col, _neutral(text))
    for row, col, text in sheet.comments.iter_rows():
        cells.write_comment(row + 1, col, text)


def _neutral(text: str) -> str:
    return pl.select(fmt.neutralise(pl.lit(text))).item()


def _sheet_name(wanted: str, used: set[str]) -> str:
    """A sheet name Excel accepts, unique ignoring case: at most 31 UTF-16 units, none of
    ``[]:*?/\\`` or control characters, no apostrophe at either end, not Excel's reserved
    "History"; a repeat gets " 2", " 3"... (a region called "'Yorkshire" or "A/B" still publishes)."""
    cleaned = "".join(" " if c in SHEET_FORBIDDEN or not c.isprintable() else c for c in wanted)
    base = _trim(" ".join(cleaned.split()), SHEET_LENGTH) or "sheet"
    if base.lower() in RESERVED_SHEETS:
        base = f"{base} table"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = _trim(base, SHEET_LENGTH - len(suffix)) + suffix, n + 1
    used.add(name.lower())
    return name


def _trim(text: str, units: int) -> str:
    """``text`` cut to ``units`` UTF-16 code units (Excel's measure; never half a character),
    without apostrophes or spaces at either end."""
    out, size = [], 0
    for char in text.strip("' "):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > units:
            break
        out.append(char)
    return "".join(out).strip("' ")


# ---------------------------------------------------------------------------- output names


def safe_file(root: Path, stem: str, suffix: str) -> Path:
    """The file for an output name, refused unless the name is a slug path (so it cannot leave
    the site root, whatever a package calls its areas or resources)."""
    if not SAFE_STEM.fullmatch(stem):
        raise SiteError(f"refusing to write {stem!r}{suffix}: not a safe output name")
    return root / f"{stem}{suffix}"


def check_names(pages: Sequence[fmt.Page]) -> None:
    """Every output file name is a slug path (so it stays under the site root) and each page and
    each table has its own: two regions whose names give the same slug must never overwrite one
    another. A failure here is a cscbench bug, reported before anything is written."""
    for kind, stems in (
        ("page", [p.stem for p in pages]),
        (
            "table",
            [t.stem for p in pages for t in p.tables] + [c.stem for p in pages for c in p.charts],
        ),
    ):
        for stem in stems:
            safe_file(Path("."), stem, "")
        repeated = sorted({s for s in stems if stems.count(s) > 1})
        if repeated:
            raise SiteError(f"two {kind}s would be written to the same file: {repeated}")


# ---------------------------------------------------------------------------- PNG


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
