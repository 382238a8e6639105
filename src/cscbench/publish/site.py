"""Writing the site: pages and CSVs, the XLSX workbook, Parquet, PNG images, and the atomic swap.

The site is built in a temporary directory beside ``--out`` and moved into place with renames
only after everything succeeded, so a failure at any point leaves the previous site exactly as it
was. A marker file identifies a directory as a cscbench site, so publishing never replaces a
directory it did not create.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shlex
import shutil
import struct
import sys
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from cscbench.errors import UsageError
from cscbench.publish import formatting as fmt

MARKER = ".cscbench-site"
WORKBOOK = "data/cscbench-tables.xlsx"
PARQUET_DIR = "data/parquet"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FIXED_TIME = dt.datetime(2000, 1, 1)  # workbook metadata: no wall-clock time in outputs
# Numbers as stored (polars would show floats to 3 decimals); the web pages show them rounded.
UNROUNDED = {pl.Float64: "General", pl.Float32: "General"}


class SiteError(UsageError):
    """The output directory cannot be used (e.g. it exists and is not a cscbench site)."""


# ---------------------------------------------------------------------------- build and swap


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


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A temporary directory beside ``out``; on success it replaces ``out`` by renames."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        yield tmp
        (tmp / MARKER).write_text("built by cscbench publish\n", encoding="utf-8")
        swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap(new: Path, out: Path) -> None:
    """Put ``new`` at ``out``; the old site is renamed aside first and restored if that fails."""
    if not out.exists():
        os.replace(new, out)
        return
    old = out.with_name(f".{out.name}.previous-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------- pages and data


def write_pages(root: Path, pages: Sequence[fmt.Page], version: str, pngs: set[str]) -> None:
    for page in pages:
        depth = page.stem.count("/")
        footer = fmt.footer_html(version, depth)
        linked = fmt.Page(
            page.stem,
            page.title,
            page.section,
            tuple(_with_png(t, t.stem in pngs) for t in page.tables),
            page.intro,
            page.sort_key,
            page.meta,
        )
        path = root / f"{page.stem}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fmt.page_html(linked, depth, footer), encoding="utf-8", newline="\n")
        for table in page.tables:
            fmt.write_csv(table.data, root / f"{table.stem}.csv")


def _with_png(table: fmt.Table, has_png: bool) -> fmt.Table:
    return fmt.Table(
        table.stem, table.title, table.subtitle, table.gt, table.data, has_png, table.sheet
    )


def write_parquet(root: Path, frames: dict[str, pl.DataFrame]) -> list[str]:
    """Every package resource as Parquet, typed as :func:`cscbench.load` returns it."""
    folder = root / PARQUET_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(frames):
        frames[name].write_parquet(folder / f"{name}.parquet", statistics=False)
        written.append(f"{PARQUET_DIR}/{name}.parquet")
    return written


def write_workbook(path: Path, tables: Sequence[fmt.Table], readme: Sequence[str]) -> None:
    """One XLSX: a README sheet, then one sheet per table; text cells neutralised (see fmt.neutralise).

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
    book.close()


def _neutral(text: str) -> str:
    return pl.select(fmt.neutralise(pl.lit(text))).item()


def _sheet_name(wanted: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = "".join(" " if c in "[]:*?/\\" else c for c in wanted).strip()[:31] or "sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


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


@contextlib.contextmanager
def chromium(binary: str) -> Iterator[None]:
    """Point great-tables at a wrapper that adds ``--no-sandbox`` (needed as root, e.g. in CI).

    The wrapper lives in a temporary directory; ``CHROME_PATH`` is restored and the shared browser
    closed afterwards, so no Chromium outlives the publish step and no asyncio noise reaches the
    user at interpreter exit.
    """
    folder = Path(tempfile.mkdtemp(prefix="cscbench-chromium-"))
    wrapper = folder / "chromium"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec {shlex.quote(binary)} --no-sandbox --disable-dev-shm-usage --headless "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    previous = os.environ.get("CHROME_PATH")
    os.environ["CHROME_PATH"] = str(wrapper)
    quiet_asyncio_exit()
    try:
        yield
    finally:
        close_browser()
        if previous is None:
            os.environ.pop("CHROME_PATH", None)
        else:
            os.environ["CHROME_PATH"] = previous
        shutil.rmtree(folder, ignore_errors=True)


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
    path.parent.mkdir(parents=True, exist_ok=True)
    table.gt.gtsave(str(path), zoom=2, expand=10, vwidth=1400)
    add_png_text(path, {"Title": table.title, "Description": table.alt})


def add_png_text(path: Path, texts: dict[str, str]) -> None:
    """Insert UTF-8 iTXt chunks after IHDR, so the image carries its own title and alt text."""
    data = path.read_bytes()
    ihdr_end = 8 + 8 + 13 + 4  # signature, IHDR length+type, IHDR data, CRC
    chunks = b"".join(_itxt(k, v) for k, v in texts.items())
    path.write_bytes(data[:ihdr_end] + chunks + data[ihdr_end:])


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
                save_png(table, root / f"{table.stem}.png")
            except Exception as exc:
                if strict:
                    raise
                failed.append(f"PNG for {table.stem} failed ({exc}); continuing without it")
                continue
            produced.add(table.stem)
    return produced, failed
