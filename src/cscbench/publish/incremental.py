"""Rebuilding only what changed: a content key per page builder, its pages kept from the last site.

A partnership that changes one comparison group should not wait for the 153 profiles, the 154
Ofsted histories and the 168 indicator pages to be built again: none of them reads the groups.
Each builder gets its own content key: the site's key without the groups (cscbench's code, the
package's files, the key-findings rules, the PNG setting) and, for the builders that read the
groups (``GROUP_READERS``), the groups too. The site's key file records, for each builder that
can be kept (one that reads no groups and puts no table in the workbook), its key, what the index
and the search need of its pages, its images and the SHA-256 of every file its pages wrote.

The next publish into that folder keeps a builder whose key is unchanged and whose files are all
still there, byte for byte: its files are linked (or copied) into the new site, which is built in
a new folder and switched in as always, and its pages are not built. Everything else (the other
builders, the index, the search, the workbook, the Parquet files) is built as in a cold build, so
the site is byte-identical to a cold build from the same inputs (``tests/test_incremental.py``).
The key file is read as untrusted input: anything malformed or unexpected means "rebuild".
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.publish import formatting as fmt
from cscbench.publish import output_names

# The builders that read the comparison groups (``ctx.groups``): their pages change with them.
GROUP_READERS = frozenset({"headline", "groups"})
SUFFIXES = (".html", ".csv", ".png", ".svg")  # every file a page, table or chart writes


def builder_keys(base: str, groups: object, names: Iterable[str]) -> dict[str, str]:
    """Each builder's content key: ``base`` (the inputs but the groups), its name and, where it
    reads them, the groups."""
    keys = {}
    for name in names:
        digest = hashlib.sha256(f"{base}\0{name}\0".encode())
        if name in GROUP_READERS:
            digest.update(repr(groups).encode())
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
    }


def keepable(pages: Sequence[fmt.Page]) -> bool:
    """Whether a builder's pages can be kept: none of its tables goes into the workbook (which
    is written from the built pages' tables) and none of its pages is in the headline family
    (whose charts the index shows)."""
    return not any(t.sheet for p in pages for t in p.tables) and not any(
        p.section == "headline" for p in pages
    )


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
        if name in GROUP_READERS or not keepable(pages):
            continue
        files = _files(root, pages)
        out[name] = {
            "key": keys[name],
            "pages": [_skeleton(p, pngs) for p in pages],
            "files": files,
            "images": sum(1 for f in files if f.endswith(".png")),
        }
    return dict(sorted(out.items()))


def _text(value: object) -> bool:
    return isinstance(value, str)


def _valid_page(page: object) -> bool:
    if not isinstance(page, dict):
        return False
    texts = all(_text(page.get(k)) for k in ("stem", "title", "section", "sort_key"))
    intro, tables, pngs = page.get("intro"), page.get("tables"), page.get("pngs")
    return (
        texts
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
    files, pages = record.get("files"), record.get("pages")
    return (
        isinstance(files, dict)
        and all(_text(f) and _text(h) for f, h in files.items())
        and isinstance(pages, list)
        and all(_valid_page(p) for p in pages)
        and isinstance(record.get("images"), int)
    )


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
        if name not in keys or name in GROUP_READERS or not _valid(record, keys[name]):
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


def pages_from(record: dict[str, Any]) -> list[fmt.Page]:
    """A kept builder's pages as the index and the search see them: their names, sections and
    tables (no figures: the tables' files are kept, not written again)."""
    empty = pl.DataFrame()
    return [
        fmt.Page(
            stem=p["stem"],
            title=p["title"],
            section=p["section"],
            sort_key=p["sort_key"],
            intro=tuple(p["intro"]),
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


def kept_pngs(kept: Mapping[str, dict[str, Any]]) -> set[str]:
    """The stems of the kept pages' table images."""
    return {s for r in kept.values() for p in r["pages"] for s in p["pngs"]}
