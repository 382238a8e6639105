"""Rebuilding only what changed: a content key per page builder, its pages kept from the last site.

A partnership that changes one comparison group should not wait for the 153 profiles, the 154
Ofsted histories, the 168 indicator pages, the regions, the claims or the headline pair to be
built again: none of them reads that group. Each builder gets its own content key: the site's key
without the groups (cscbench's code, the package's files, the key-findings rules, the PNG setting)
and, for a builder that reads the groups, the part it reads (``GROUP_PARTS``: the headline pair
for the headline page and its Ofsted history), so changing a group leaves the headline's key
alone. The group pages are built one group at a time, each under its own key (``groups/<slug>``,
with that group's entry): a changed group rebuilds its own page, not the others'. The site's key file records, for every builder,
its key, what the index and the search need of its pages (names, sections, tables, the charts'
names), its images, the SHA-256 of every file its pages wrote, and the data of each of its tables
that goes into the workbook (``sheets``: Arrow IPC, as the build held it).

The next publish into that folder keeps a builder whose key is unchanged and whose files are all
still there, byte for byte: its files are linked (or copied) into the new site, which is built in
a new folder and switched in as always, its pages are not built, and its workbook sheets are
written from the recorded data. Everything else (the other builders, the index, the search, the
workbook, the Parquet files) is built as in a cold build, so the site is byte-identical to a cold
build from the same inputs (``tests/test_incremental.py``). The key file is read as untrusted
input: anything malformed or unexpected, a sheet's data that does not read back, means "rebuild".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.publish import formatting as fmt
from cscbench.publish import output_names


def _pair(groups: object) -> object:
    return getattr(groups, "headline", groups)


# The builders that read the comparison groups (``ctx.groups``, or the headline pair through
# ``headline.headline_codes``), each with the part it reads: its key changes with that part only.
GROUP_PARTS: dict[str, Callable[[object], object]] = {
    "headline": _pair,  # the first [[pair]]: the headline page
    "history": _pair,  # the headline pair's Ofsted history
}
# A publish builds the group pages one group at a time (``publish.units``): each page's unit is
# ``groups/<slug>``, its key that group's entry alone.
GROUP_UNIT = "groups/"


def group_unit(group: Any) -> str:
    """The unit name of one group's page."""
    return GROUP_UNIT + str(group.slug)


def _part(name: str, groups: object) -> object:
    """The part of the groups the unit ``name`` reads (None: none)."""
    if name.startswith(GROUP_UNIT):
        pages = getattr(groups, "pages", ())
        return next((g for g in pages if group_unit(g) == name), None)
    reader = GROUP_PARTS.get(name)
    return None if reader is None else reader(groups)


SUFFIXES = (".html", ".csv", ".png", ".svg")  # every file a page, table or chart writes


def builder_keys(base: str, groups: object, names: Iterable[str]) -> dict[str, str]:
    """Each builder's (or group page's) content key: ``base`` (the inputs but the groups), its
    name and, where it reads them, the part of the groups it reads (``GROUP_PARTS``; a group
    page's: its group)."""
    keys = {}
    for name in names:
        digest = hashlib.sha256(f"{base}\0{name}\0".encode())
        if name in GROUP_PARTS or name.startswith(GROUP_UNIT):
            digest.update(repr(_part(name, groups)).encode())
        keys[name] = digest.hexdigest()
    return keys


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path, pages: Sequence[fmt.Page]) -> dict[str, str]:
    """Every file ``pages`` wrote under ``root`` (pages, their tables and charts), with its hash."""
    stems = {p.stem for p in pages}
    stems |= {t.stem for p in pages for t in (*p.tables, *p.shown)}
    stems |= {c.stem for p in pages for c in p.charts}
    out = {}
    for stem in sorted(stems):
        for suffix in SUFFIXES:
            path = output_names.safe_file(root, stem, suffix)
            if path.is_file():
                out[stem + suffix] = _sha256(path)
    return out


def _skeleton(page: fmt.Page, pngs: set[str]) -> dict[str, Any]:
    """What the index and the search read of a page (see :func:`page_from`)."""
    return {
        "stem": page.stem,
        "title": page.title,
        "section": page.section,
        "sort_key": page.sort_key,
        "intro": list(page.intro[:1]),
        "tables": [
            {"stem": t.stem, "title": t.title, "subtitle": t.subtitle, "page": t.page}
            for t in page.tables
        ],
        "pngs": sorted(t.stem for t in page.tables if t.stem in pngs),
        "charts": [{"stem": c.stem, "title": c.title, "png": c.png} for c in page.charts],
    }


def _ipc(frame: pl.DataFrame) -> str:
    """A table's data as Arrow IPC (every dtype read back as it was), in base64 for the JSON.

    The frame is rebuilt from its values first: Arrow leaves the bytes under a null undefined and
    polars keeps whatever a computation left there, so two equal tables could be recorded as
    different bytes (the whole-site determinism check, run with shuffled results, found it)."""
    values = pl.DataFrame(
        {c: frame.get_column(c).to_list() for c in frame.columns}, schema=frame.schema
    )
    buffer = io.BytesIO()
    values.write_ipc(buffer, compression="uncompressed")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _sheet(table: fmt.Table) -> dict[str, str]:
    """What the workbook needs of a kept table: its stem, sheet name and data."""
    return {"stem": table.stem, "sheet": str(table.sheet), "data": _ipc(table.data)}


def sheets(pages: Sequence[fmt.Page]) -> list[fmt.Table]:
    """The tables of ``pages`` that go into the workbook, in order."""
    return [t for p in pages for t in p.tables if t.sheet]


def records(
    root: Path,
    keys: Mapping[str, str],
    built: Mapping[str, Sequence[fmt.Page]],
    kept: Mapping[str, dict[str, Any]],
    pngs: set[str],
) -> dict[str, dict[str, Any]]:
    """The key file's record of every builder that can be kept next time (``built``: its pages
    as written under ``root`` this time; ``kept``: records carried over unchanged)."""
    out = dict(kept)
    for name, pages in built.items():
        files = _files(root, pages)
        out[name] = {
            "key": keys[name],
            "pages": [_skeleton(p, pngs) for p in pages],
            "files": files,
            "images": sum(1 for f in files if f.endswith(".png")),
            "sheets": [_sheet(t) for t in sheets(pages)],
        }
    return dict(sorted(out.items()))


def _text(value: object) -> bool:
    return isinstance(value, str)


def _valid_page(page: object) -> bool:
    if not isinstance(page, dict):
        return False
    texts = all(_text(page.get(k)) for k in ("stem", "title", "section", "sort_key"))
    intro, tables, pngs = page.get("intro"), page.get("tables"), page.get("pngs")
    drawn = page.get("charts")
    return (
        texts
        and isinstance(drawn, list)
        and all(
            isinstance(c, dict)
            and _text(c.get("stem"))
            and output_names.SAFE_STEM.fullmatch(c["stem"]) is not None
            and _text(c.get("title"))
            and isinstance(c.get("png"), bool)
            for c in drawn
        )
        and output_names.SAFE_STEM.fullmatch(page["stem"]) is not None
        and isinstance(intro, list)
        and all(_text(i) for i in intro)
        and isinstance(pngs, list)
        and all(_text(s) for s in pngs)
        and isinstance(tables, list)
        and all(
            isinstance(t, dict)
            and all(_text(t.get(k)) for k in ("stem", "title", "subtitle", "page"))
            and output_names.SAFE_STEM.fullmatch(t["stem"]) is not None
            for t in tables
        )
    )


def _valid(record: object, key: str) -> bool:
    """Whether a recorded builder is well formed and has this key."""
    if not isinstance(record, dict) or record.get("key") != key:
        return False
    files, pages, tables = record.get("files"), record.get("pages"), record.get("sheets")
    return (
        isinstance(files, dict)
        and all(_text(f) and _text(h) for f, h in files.items())
        and isinstance(pages, list)
        and all(_valid_page(p) for p in pages)
        and isinstance(record.get("images"), int)
        and isinstance(tables, list)
        and all(isinstance(t, dict) and all(_text(t.get(k)) for k in _SHEET) for t in tables)
        and _readable(tables)
    )


_SHEET = ("stem", "sheet", "data")


# A recorded sheet goes into a workbook sheet: no larger than one (Excel's limits), counted from
# the Arrow metadata before any data is read.
MAX_SHEET_ROWS = 1_048_575  # below the header row
MAX_SHEET_COLUMNS = 16_384


def _frame(data: str) -> pl.DataFrame:
    raw = base64.b64decode(data, validate=True)
    columns = len(pl.read_ipc_schema(io.BytesIO(raw)))
    rows = pl.scan_ipc(io.BytesIO(raw)).select(pl.len()).collect().item()
    if columns > MAX_SHEET_COLUMNS or rows > MAX_SHEET_ROWS:
        raise ValueError(f"a recorded sheet of {rows} rows and {columns} columns")
    return pl.read_ipc(io.BytesIO(raw))


def _readable(tables: list[dict[str, str]]) -> bool:
    """Whether every recorded sheet's data reads back as a frame (else the builder is rebuilt)."""
    try:
        for table in tables:
            _frame(table["data"])
    except (  # PanicException: polars' own, derived from BaseException
        binascii.Error,
        ValueError,
        OSError,
        MemoryError,
        pl.exceptions.PolarsError,
        pl.exceptions.PanicException,
    ):
        return False
    return True


def _file_path(root: Path, name: str) -> Path | None:
    """The file a recorded name stands for, only if it is a safe output name with a known suffix."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix}" not in SUFFIXES or not output_names.SAFE_STEM.fullmatch(stem):
        return None
    return root / name


def _intact(root: Path, file: str, digest: str) -> bool:
    """Whether ``root`` holds ``file`` (a safe output name, a regular file inside ``root``, no
    link on the way) with the SHA-256 ``digest``."""
    path = _file_path(root, file)
    if path is None or path.is_symlink() or not path.is_file():
        return False
    if not path.resolve().is_relative_to(root.resolve()):
        return False
    return _sha256(path) == digest


def reusable(
    previous: Path | None, recorded: object, keys: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """The builders whose pages the previous site holds exactly as a build now would write them:
    recorded with the same key, every file still there with its recorded hash."""
    if previous is None or not isinstance(recorded, dict):
        return {}
    out = {}
    for name, record in recorded.items():
        if name not in keys or not _valid(record, keys[name]):
            continue
        if all(_intact(previous, file, digest) for file, digest in record["files"].items()):
            out[name] = record
    return out


def copy_files(previous: Path, root: Path, kept: Mapping[str, dict[str, Any]]) -> None:
    """Each kept builder's files into the new site: a hard link where the file system allows it
    (the previous site is removed after the switch), else a copy."""
    for record in kept.values():
        for file in record["files"]:
            source, target = previous / file, root / file
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)


def _charts(page: dict[str, Any]) -> tuple[fmt.Section, ...]:
    """A kept page's charts (their names and titles, for the index's images) in a section."""
    drawn = tuple(
        fmt.Chart(c["stem"], c["title"], "", {}, pl.DataFrame(), png=c["png"])
        for c in page["charts"]
    )
    return (fmt.Section("charts", "", drawn),) if drawn else ()


def pages_from(record: dict[str, Any]) -> list[fmt.Page]:
    """A kept builder's pages as the index and the search see them: their names, sections,
    tables and charts (no figures: the tables' and charts' files are kept, not written again)."""
    empty = pl.DataFrame()
    return [
        fmt.Page(
            stem=p["stem"],
            title=p["title"],
            section=p["section"],
            sort_key=p["sort_key"],
            intro=tuple(p["intro"]),
            sections=_charts(p),
            tables=tuple(
                fmt.Table(
                    stem=t["stem"],
                    title=t["title"],
                    subtitle=t["subtitle"],
                    gt=None,
                    data=empty,
                    page=t["page"],
                )
                for t in p["tables"]
            ),
        )
        for p in record["pages"]
    ]


def sheets_from(record: dict[str, Any]) -> list[fmt.Table]:
    """A kept builder's workbook tables: each one's stem, sheet name and data, as recorded (read
    back by :func:`reusable` already)."""
    return [
        fmt.Table(t["stem"], "", "", None, _frame(t["data"]), sheet=t["sheet"])
        for t in record["sheets"]
    ]


def kept_pngs(kept: Mapping[str, dict[str, Any]]) -> set[str]:
    """The stems of the kept pages' table images."""
    return {s for r in kept.values() for p in r["pages"] for s in p["pngs"]}
