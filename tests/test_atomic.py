"""Switching output into place (cscbench.core.atomic, publish's staging, ingest's write_package).

Fast, in-process tests of the switch and recovery logic: a kill is simulated by stopping a switch
half way (an injected failure) and leaving its run lock free, then checking what the next run
makes of it. tests/test_faults.py kills real publish processes (slow tier).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from cscbench.core import atomic
from cscbench.core.paths import ROOT
from cscbench.ingest import write as package
from cscbench.publish import site


def folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def contents(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): p.read_text() for p in sorted(path.rglob("*")) if p.is_file()}


def old_site(out: Path) -> dict[str, str]:
    folder(out, {site.MARKER: "built by cscbench publish\n", "index.html": "old"})
    return contents(out)


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# ---------------------------------------------------------------------------- the switch


@pytest.mark.parametrize("journal_only", [False, True])
def test_switch_replaces_a_folder_and_removes_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, journal_only: bool
) -> None:
    if journal_only:
        monkeypatch.setenv(atomic.NO_EXCHANGE_ENV, "1")
    new = folder(tmp_path / "new", {"a": "new"})
    target = folder(tmp_path / "target", {"a": "old"})
    atomic.switch([(new, target)], tmp_path / "aside", tmp_path / "journal", new)
    assert contents(target) == {"a": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_a_move_that_fails_is_undone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk between the two renames of the journal: the old target goes back at once."""
    monkeypatch.setenv(atomic.NO_EXCHANGE_ENV, "1")
    new = folder(tmp_path / "new", {"a": "new"})
    target = folder(tmp_path / "target", {"a": "old"})
    real_rename = os.rename

    def full_on_second(src: Path, dst: Path) -> None:
        if Path(src) == new:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", full_on_second)
    with pytest.raises(OSError, match="No space"):
        atomic.switch([(new, target)], tmp_path / "aside", tmp_path / "journal", new)
    monkeypatch.setattr(os, "rename", real_rename)
    assert contents(target) == {"a": "old"} and contents(new) == {"a": "new"}
    assert not (tmp_path / "journal").exists()


def test_exchange_is_one_step_on_this_system(tmp_path: Path) -> None:
    """CI runs on Linux with a filesystem that exchanges (ext4, tmpfs, overlayfs)."""
    a, b = folder(tmp_path / "a", {"x": "a"}), folder(tmp_path / "b", {"x": "b"})
    assert atomic.exchange(a, b)
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_a_switch_killed_half_way_is_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal's moves are done in order; a run dying after moving the old parts aside but
    before moving the new ones in leaves the targets missing, and roll_forward completes it."""
    monkeypatch.setenv(atomic.NO_EXCHANGE_ENV, "1")
    work = folder(tmp_path / "work", {})
    new_dir = folder(work / "datapackage", {"a.csv": "new"})
    (work / "datapackage.json").write_text("new descriptor")
    folder(tmp_path / "datapackage", {"a.csv": "old"})
    (tmp_path / "datapackage.json").write_text("old descriptor")
    journal = tmp_path / "journal"
    real_rename = os.rename
    calls = []

    def dies_on_second_rename(src: Path, dst: Path) -> None:
        calls.append(src)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")  # nothing after this point runs
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", dies_on_second_rename)
    moves = [
        (new_dir, tmp_path / "datapackage"),
        (work / "datapackage.json", tmp_path / "datapackage.json"),
    ]
    with pytest.raises(KeyboardInterrupt):
        atomic.switch(moves, work / "previous", journal, work)
    monkeypatch.setattr(os, "rename", real_rename)
    assert journal.exists() and not (tmp_path / "datapackage").exists()
    assert atomic.roll_forward(journal)
    assert (tmp_path / "datapackage" / "a.csv").read_text() == "new"
    assert (tmp_path / "datapackage.json").read_text() == "new descriptor"
    assert not journal.exists()


def test_a_live_runs_journal_is_left_alone(tmp_path: Path) -> None:
    lock = atomic.RunLock(tmp_path, ".work-")
    lock.folder.mkdir()
    journal = tmp_path / "journal"
    atomic.write_journal(
        journal, {"moves": [[lock.folder.name, "target"]], "aside": "a", "owner": lock.folder.name}
    )
    assert atomic.roll_forward(journal) is False and journal.exists()
    lock.release()
    assert atomic.roll_forward(journal) and (tmp_path / "target").is_dir()


@pytest.mark.parametrize(
    "record",
    [
        {"moves": [["../../etc", "target"]], "aside": "a", "owner": "w"},
        {"moves": [["new", "/etc/passwd"]], "aside": "a", "owner": "w"},
        {"moves": "nonsense", "aside": "a", "owner": "w"},
        {"moves": [["new", "target"]], "aside": "../a", "owner": "w"},
    ],
)
def test_a_journal_naming_paths_outside_its_folder_is_never_followed(
    tmp_path: Path, record: dict
) -> None:
    journal = tmp_path / "journal"
    atomic.write_journal(journal, record)
    assert atomic.roll_forward(journal) and not journal.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- leftovers


def test_dead_runs_are_cleaned_and_live_ones_kept(tmp_path: Path) -> None:
    live = atomic.RunLock(tmp_path, ".site.building-")
    live.folder.mkdir()
    dead = atomic.RunLock(tmp_path, ".site.building-")
    dead.folder.mkdir()
    os.close(dead.fd)  # the kernel drops a dead process's lock; here we close it ourselves
    dead.fd = None
    orphan_lock = atomic.RunLock(tmp_path, ".site.building-")  # killed before its folder
    os.close(orphan_lock.fd)
    orphan_lock.fd = None
    marked = folder(tmp_path / ".site.building-old", {site.MARKER: ""})  # no lock, ours
    unmarked = folder(tmp_path / ".site.building-mine", {"notes.txt": "not ours"})
    removed = atomic.clean_dead(tmp_path, ".site.building-", site.is_ours(tmp_path / "site"))
    assert sorted(removed) == sorted([dead.folder, marked])
    assert live.folder.exists() and live.path.exists() and unmarked.exists()
    assert not orphan_lock.path.exists() and not dead.path.exists()
    live.release()


def test_recover_puts_back_a_site_an_older_version_left_aside(tmp_path: Path) -> None:
    """The old two-rename swap could leave no site and the old one in .site.previous-<pid>."""
    out = tmp_path / "site"
    before = old_site(tmp_path / ".site.previous-4242")
    site.recover(out)
    assert contents(out) == before and leftovers(tmp_path) == []


def test_staging_leaves_no_leftovers_and_normal_permissions(tmp_path: Path) -> None:
    out = tmp_path / "site"
    old_site(out)
    previous = os.umask(0o022)
    try:
        with site.staging(out) as tmp:
            (tmp / "sub").mkdir()
            (tmp / "sub" / "page.html").write_text("new")
    finally:
        os.umask(previous)
    assert (out / "sub" / "page.html").read_text() == "new" and not (out / "index.html").exists()
    assert leftovers(tmp_path) == []
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [out, out / "sub"]}
    assert modes == {"site": 0o755, "sub": 0o755}
    assert stat.S_IMODE((out / "sub" / "page.html").stat().st_mode) == 0o644


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_an_unwritable_disk_is_a_clear_error_and_the_old_site_stays(
    tmp_path: Path, code: int
) -> None:
    out = tmp_path / "site"
    before = old_site(out)
    with pytest.raises(site.OutputError) as caught, site.staging(out) as tmp:
        (tmp / "index.html").write_text("half")
        raise OSError(code, os.strerror(code), str(tmp / "page.html"))
    assert caught.value.errno == code and os.strerror(code) in str(caught.value)
    assert "previous site is untouched" in str(caught.value)
    assert contents(out) == before and leftovers(tmp_path) == []


def test_an_interrupted_build_removes_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    before = old_site(out)
    with pytest.raises(KeyboardInterrupt), site.staging(out):
        raise KeyboardInterrupt
    assert contents(out) == before and leftovers(tmp_path) == []


def test_a_signal_during_the_switch_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM between the journal's two renames is acted on only once the switch is done."""
    monkeypatch.setenv(atomic.NO_EXCHANGE_ENV, "1")
    monkeypatch.setenv(atomic.FAULT_ENV, "switch-mid:TERM")
    out = tmp_path / "site"
    old_site(out)
    with pytest.raises(SystemExit) as caught, site.staging(out) as tmp:
        (tmp / "index.html").write_text("new")
    assert caught.value.code == 143
    assert (out / "index.html").read_text() == "new" and leftovers(tmp_path) == []


# ---------------------------------------------------------------------------- ingest's three parts


def small_frames() -> dict[str, pl.DataFrame]:
    """Two committed resources as text (write_package formats them by their schemas)."""
    return {
        name: pl.read_csv(ROOT / "datapackage" / f"{name}.csv", infer_schema=False)
        for name in ("areas", "sources")
    }


def test_ingest_killed_while_switching_is_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package written elsewhere switches schemas/, datapackage/ and datapackage.json together;
    a crash after the first part moved leaves a journal, and the next run completes all three."""
    out = tmp_path / "pkg"
    frames = small_frames()
    package.write_package({"sources": frames["sources"]}, out, ROOT / "schemas", validate=False)
    old = json.loads((out / "datapackage.json").read_text())
    assert [r["name"] for r in old["resources"]] == ["sources"]

    def crash(point: str) -> None:
        if point == "switch-mid":
            raise KeyboardInterrupt("killed")

    monkeypatch.setenv(atomic.NO_EXCHANGE_ENV, "1")
    monkeypatch.setattr(atomic, "checkpoint", crash)
    with pytest.raises(KeyboardInterrupt):
        package.write_package(frames, out, ROOT / "schemas", validate=False)
    monkeypatch.undo()
    assert (out / package.JOURNAL).exists()
    package.recover(out)
    new = json.loads((out / "datapackage.json").read_text())
    assert [r["name"] for r in new["resources"]] == ["areas", "sources"]
    assert (out / "datapackage" / "areas.csv").exists() and (out / "schemas").is_dir()
    assert sorted(p.name for p in out.iterdir()) == ["datapackage", "datapackage.json", "schemas"]


def test_half_written_journals_of_dead_runs_are_removed(tmp_path: Path) -> None:
    journal = tmp_path / ".site.switch"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".site.switch.tmp-{int(dead.stdout)}"
    live = tmp_path / f".site.switch.tmp-{os.getpid()}"
    stale.write_text("{")
    live.write_text("{")
    atomic.clean_journal_temps(journal)
    assert not stale.exists() and live.exists()


def test_remove_tries_again_a_folder_that_gains_a_file_while_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted publish's Chromium may finish a screenshot into the build folder while it
    is removed (ENOTEMPTY): the removal is tried again instead of failing the run."""
    folder = tmp_path / "building"
    folder.mkdir()
    (folder / "page.html").write_text("x", encoding="utf-8")
    real, calls = shutil.rmtree, []

    def busy_once(path: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise OSError(errno.ENOTEMPTY, "Directory not empty", str(path))
        real(path, *args, **kwargs)

    monkeypatch.setattr(atomic.shutil, "rmtree", busy_once)
    monkeypatch.setattr(atomic.time, "sleep", lambda _: None)
    atomic.remove(folder)
    assert not folder.exists() and len(calls) == 2


def test_remove_gives_up_on_a_folder_that_never_empties(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "building"
    folder.mkdir()

    def always_busy(path: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOTEMPTY, "Directory not empty", str(path))

    monkeypatch.setattr(atomic.shutil, "rmtree", always_busy)
    monkeypatch.setattr(atomic.time, "sleep", lambda _: None)
    with pytest.raises(OSError, match="not empty"):
        atomic.remove(folder)
