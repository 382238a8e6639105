"""Writing the site: pages and their tables' CSVs, and the atomic swap (the other exports, XLSX and
Parquet, are :mod:`cscbench.publish.exports`; the PNG images :mod:`cscbench.publish.png_export`).

The site is built in a new folder beside ``--out`` and switched into place in one atomic step
(:mod:`cscbench.core.atomic`) only after everything succeeded, so a failure or a kill at any point
leaves the previous site exactly as it was, and the next run cleans up after a killed one. A
marker file identifies a directory as a cscbench site, so publishing never replaces a directory it
did not create.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cscbench.core import atomic
from cscbench.publish import formatting as fmt
from cscbench.publish import layout
from cscbench.publish.output_names import SiteError, check_names, safe_file
from cscbench.publish.png_export import kill_stray_chromium

MARKER = ".cscbench-site"
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
