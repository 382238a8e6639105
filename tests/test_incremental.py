"""Rebuilding only what changed (publish/incremental.py, issue 18's speed): a publish into a
previous site keeps the pages of every builder whose content key is unchanged and whose files are
intact, and the result is byte-identical to a cold build from the same inputs.

The site tests republish a copy of the session's published site (a cold build) with its site key
made stale, so every builder is kept (the workbook written from their recorded sheets), and
compare every file with the cold build's; the slow ones change one group, or the headline pair,
and compare with a cold build of the new groups. Both run in the slow tier (``make test-slow``).
"""

from __future__ import annotations

import base64
import filecmp
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from cscbench.analysis.groupsfile import Group, Groups, groups_files
from cscbench.core.paths import ROOT
from cscbench.publish import BUILDERS, builder_name, freshness, incremental, publish_site

PACKAGE = ROOT / "datapackage.json"
PARTNERSHIP = '[[group]]\nname = "A partnership"\nmembers = [{members}]\n'


def differences(left: Path, right: Path) -> list[str]:
    """Every file that is in only one of two folders or differs in its bytes."""
    files = {
        str(p.relative_to(root)) for root in (left, right) for p in root.rglob("*") if p.is_file()
    }
    return sorted(
        f
        for f in files
        if not (left / f).is_file()
        or not (right / f).is_file()
        or not filecmp.cmp(left / f, right / f, shallow=False)
    )


def links_work(folder: Path) -> bool:
    """Whether the file system under ``folder`` makes hard links (publish copies where it does not)."""
    source, target = folder / "link-source", folder / "link-target"
    source.write_bytes(b"")
    try:
        target.hardlink_to(source)
    except OSError:
        return False
    finally:
        source.unlink()
        target.unlink(missing_ok=True)
    return True


def stale_copy(site: Path, out: Path) -> Path:
    """A copy of ``site`` whose site key no longer matches (so it is not up to date) while every
    builder's record still does."""
    shutil.copytree(site, out, symlinks=True)
    key_file = out / freshness.KEY_FILE
    body = json.loads(key_file.read_text(encoding="utf-8"))
    body["key"] = "stale"
    key_file.write_text(json.dumps(body, sort_keys=True) + "\n", encoding="utf-8")
    return out


def test_every_builder_is_recorded_with_its_workbook_sheets(published: Path) -> None:
    recorded = freshness.recorded_builders(published)
    assert isinstance(recorded, dict)
    groups = {"groups/west-yorkshire", "groups/south-yorkshire", "groups/humber"}
    assert set(recorded) == {builder_name(m) for m in BUILDERS} - {"groups"} | groups
    profiles = recorded["profiles"]
    assert len(profiles["pages"]) == 153
    assert all(f.startswith("profiles/") for f in profiles["files"])
    assert not profiles["sheets"]
    # the tables the workbook holds, recorded by the builder that made them, in page order
    sheets = {name: [t["sheet"] for t in r["sheets"]] for name, r in recorded.items()}
    assert sheets["headline"] == ["headline"]
    assert sheets["regions"] and sheets["claims"]
    assert sheets["groups/west-yorkshire"] == ["group West Yorkshire"]
    kept = incremental.sheets_from(recorded["regions"])
    assert all(t.data.height > 0 for t in kept)
    charts = [c for p in recorded["headline"]["pages"] for c in p["charts"]]
    assert charts and all(c["stem"].startswith("headline/") for c in charts)


# what reads the groups: ctx.groups, or headline.py's functions of the headline pair
GROUP_READING = (
    "ctx.groups",
    "headline_codes(",
    "headline_title(",
    "history_stem(",
    "headline_gap(",
)


def test_only_the_declared_builders_read_the_groups() -> None:
    """``GROUP_PARTS`` is what the builders' code says: the others' keys ignore the groups (the
    Ofsted history of the headline pair reads the pair through headline.py's functions)."""
    readers = {
        builder_name(m)
        for m in BUILDERS
        if any(r in Path(str(m.__file__)).read_text(encoding="utf-8") for r in GROUP_READING)
    }
    # the group pages read it too, one unit per group (groups/<slug>), each keyed on its group
    assert readers == set(incremental.GROUP_PARTS) | {"groups"}


def test_a_changed_group_changes_only_its_own_pages_key() -> None:
    pair = Group("Leeds vs Wakefield", ("E08000035", "E08000036"), kind="pair")
    west = Group("West", ("E08000032", "E08000033"))
    south = Group("South", ("E08000016", "E08000017"))
    other_pair = Group("Leeds vs Bradford", ("E08000035", "E08000032"), kind="pair")

    def changed(before: Groups, after: Groups) -> set[str]:
        names = [builder_name(m) for m in BUILDERS if builder_name(m) != "groups"]
        names += sorted({incremental.group_unit(g) for g in (*before.pages, *after.pages)})
        old, new = (incremental.builder_keys("base", g, names) for g in (before, after))
        return {n for n in names if old[n] != new[n]}

    base = Groups((west, south), (pair,))
    grown = Groups((replace(west, codes=(*west.codes, "E08000034")), south), (pair,))
    assert changed(base, grown) == {"groups/west"}
    assert changed(base, Groups((west, south), (other_pair,))) == {"headline", "history"}
    assert changed(base, Groups((west, south), (pair, other_pair))) == {"groups/leeds-vs-bradford"}
    assert changed(base, base) == set()


def test_an_incremental_build_is_the_cold_build(published: Path, tmp_path: Path) -> None:
    out = stale_copy(published, tmp_path / "site")
    result = publish_site(PACKAGE, out, png="no")
    assert not result.notes
    assert differences(published, out) == []


def test_a_kept_page_edited_by_hand_is_built_again(published: Path, tmp_path: Path) -> None:
    site = stale_copy(published, tmp_path / "site")
    recorded = freshness.recorded_builders(site)
    assert isinstance(recorded, dict)
    keys = {name: record["key"] for name, record in recorded.items()}
    assert set(incremental.reusable(site, recorded, keys)) == set(recorded)
    page = next(f for f in recorded["history"]["files"] if f.endswith(".html"))
    (site / page).write_text("edited", encoding="utf-8")
    assert set(incremental.reusable(site, recorded, keys)) == set(recorded) - {"history"}


def _ipc(frame: pl.DataFrame) -> str:
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="uncompressed")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# a recorded sheet with more rows than a workbook sheet holds (nulls: a few bytes recorded)
ROWS_OVER_A_SHEET = _ipc(pl.DataFrame({"x": pl.Series([None] * 1_048_576, dtype=pl.Null)}))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: r.update(key="other"),
        lambda r: r.update(files={"../../etc/passwd.html": "0"}),
        lambda r: r.update(files={"profiles/x.exe": "0"}),
        lambda r: r.update(pages=[{"stem": "../up"}]),
        lambda r: r.update(images="many"),
        lambda r: r.update(sheets=[{"stem": "x", "sheet": "x", "data": "bm90IGFycm93"}]),
        lambda r: r.update(sheets=[{"stem": "x", "sheet": "x", "data": "!"}]),
        lambda r: r.update(sheets=[{"stem": "x"}]),
        lambda r: r["pages"][0].update(charts=[{"stem": "x"}]),
        # a chart's stem becomes a link on the index: a script URL must never get there
        lambda r: r["pages"][0].update(
            charts=[{"stem": "javascript:alert(1)//", "title": "x", "png": True}]
        ),
        lambda r: r.update(sheets=[{"stem": "x", "sheet": "x", "data": ROWS_OVER_A_SHEET}]),
        lambda r: r.clear(),
    ],
)
def test_a_malformed_record_means_rebuild(published: Path, tamper: object) -> None:
    recorded = freshness.recorded_builders(published)
    assert isinstance(recorded, dict)
    record = json.loads(json.dumps(recorded["history"]))
    key = record["key"]
    tamper(record)  # type: ignore[operator]
    assert incremental.reusable(published, {"history": record}, {"history": key}) == {}
    assert incremental.reusable(published, ["not", "a", "dict"], {"history": key}) == {}


@pytest.mark.slow
def test_one_changed_group_rebuilds_to_the_cold_build(tmp_path: Path) -> None:
    """A partnership's group changed: the incremental build equals a cold build of the new
    groups, file for file, and keeps the profiles (their files are the same inodes' bytes)."""
    first, second = tmp_path / "p1.toml", tmp_path / "p2.toml"
    first.write_text(PARTNERSHIP.format(members='"Leeds", "Bradford"'), encoding="utf-8")
    second.write_text(PARTNERSHIP.format(members='"Leeds", "Bradford", "Kirklees"'), "utf-8")
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    publish_site(PACKAGE, warm, png="no", groups_path=groups_files([first]))
    kept = ["groups/west-yorkshire.html", "headline/leeds-vs-wakefield.html", "regions/london.html"]
    files = {f: (warm / f).stat().st_ino for f in [*kept, "groups/a-partnership.html"]}
    publish_site(PACKAGE, warm, png="no", groups_path=groups_files([second]))
    publish_site(PACKAGE, cold, png="no", groups_path=groups_files([second]))
    assert differences(warm, cold) == []
    if not links_work(tmp_path):  # kept files are copied instead: the bytes were compared above
        return
    # kept: the same files (linked into the new site), but the changed group's page
    assert [f for f, inode in files.items() if (warm / f).stat().st_ino != inode] == [
        "groups/a-partnership.html"
    ]


@pytest.mark.slow
def test_a_changed_headline_pair_rebuilds_its_pages_and_history(
    published: Path, tmp_path: Path
) -> None:
    """Another headline pair: the headline page and its Ofsted history are built again (their
    keys hold the pair), the rest kept; the result is the cold build of the new pair."""
    pair = tmp_path / "pair.toml"
    pair.write_text(
        '[[pair]]\nname = "Leeds vs Bradford"\nmembers = ["Leeds", "Bradford"]\n', "utf-8"
    )
    chosen = groups_files([pair], replace=True)
    warm, cold = stale_copy(published, tmp_path / "warm"), tmp_path / "cold"
    publish_site(PACKAGE, warm, png="no", groups_path=chosen)
    publish_site(PACKAGE, cold, png="no", groups_path=chosen)
    assert (cold / "ofsted" / "leeds-and-bradford-history.html").is_file()
    assert differences(warm, cold) == []
