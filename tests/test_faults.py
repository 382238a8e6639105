"""Killing publish at exact points (slow tier): the previous site is still served whole, no
Chromium is left running, and the next run succeeds and leaves nothing behind.

Each case runs ``cscbench publish`` in a subprocess with ``CSCBENCH_FAULT=<point>:<SIGNAL>``, so
the process signals itself at that point (cscbench.core.atomic.checkpoint): no sleeping and hoping. To
keep the tier quick the subprocess leaves out the council profiles (150 pages that exercise
nothing here). The fast tests of the switch and recovery logic are in tests/test_atomic.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cscbench.core import atomic
from cscbench.core.paths import ROOT
from cscbench.publish import png_export, site

pytestmark = pytest.mark.slow
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT = 600  # a safety net only: every run here takes seconds
RUNNER = """
import sys
from cscbench.publish import profiles
profiles.build = lambda ctx: []
from cscbench.cli import main
sys.exit(main(["publish", "--package", sys.argv[1], "--out", sys.argv[2], "--png", sys.argv[3]]))
"""
OLD_MARK = "previous-site.txt"  # only the old site has it, so old and new are told apart


@dataclass(frozen=True)
class Run:
    returncode: int
    stderr: str
    pid: int


def publish(out: Path, png: str = "no", fault: str | None = None, journal: bool = False) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in (atomic.FAULT_ENV,)}
    if fault:
        env[atomic.FAULT_ENV] = fault
    if journal:
        env[atomic.NO_EXCHANGE_ENV] = "1"
    args = [sys.executable, "-c", RUNNER, str(ROOT / "datapackage.json"), str(out), png]
    with subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        _, stderr = process.communicate(timeout=TIMEOUT)
    return Run(process.returncode, stderr, process.pid)


def snapshot(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def strays(publish_pid: int) -> list[int]:
    """Processes the killed publish started: its session (it runs as a session leader, and
    Chromium's own process group stays in that session), or, for the crash handlers Chromium
    detaches, the publish pid in their environment."""
    wanted = f"CSCBENCH_PUBLISH_PID={publish_pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            session = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3])
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if session == publish_pid or wanted in environ:
            found.append(int(entry.name))
    return found


def no_strays(publish_pid: int) -> bool:
    """Wait (a bounded poll, never a fixed sleep) for the killed run's Chromium to be gone: the
    kernel and the watcher act on the kill asynchronously."""
    deadline = time.monotonic() + 60
    while strays(publish_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not strays(publish_pid)


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != "site")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """(a previous site, its snapshot, the snapshot of the site a finished run writes)."""
    work = tmp_path_factory.mktemp("faults")
    fresh = work / "fresh" / "site"
    assert publish(fresh).returncode == 0
    new = snapshot(fresh)
    (fresh / OLD_MARK).write_text("the previous site\n")
    return fresh, snapshot(fresh), new


CASES = [
    # (point, signal, journal fallback, site expected right after the kill)
    ("building", "KILL", False, "old"),
    ("building", "TERM", False, "old"),
    ("png", "KILL", False, "old"),
    ("png", "TERM", False, "old"),
    ("png", "INT", False, "old"),
    ("written", "KILL", False, "old"),
    ("written", "TERM", False, "old"),
    ("switched", "KILL", False, "new"),
    ("switch-mid", "TERM", True, "new"),  # SIGTERM waits until the switch is complete
    ("switch-mid", "KILL", True, "recovered"),  # the next run finishes the switch
]


@pytest.mark.parametrize(
    ("point", "signame", "journal", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_killed_publish_leaves_a_whole_site(
    sites: tuple[Path, dict, dict],
    tmp_path: Path,
    point: str,
    signame: str,
    journal: bool,
    expected: str,
) -> None:
    previous, old, new = sites
    out = tmp_path / "site"
    shutil.copytree(previous, out, symlinks=True)
    png = "no"
    if point == "png":
        if png_export.find_chromium() is None:
            if IN_CI:
                pytest.fail("Chromium is required in CI")
            pytest.skip("no Chromium to kill")
        png = "yes"
    run = publish(out, png=png, fault=f"{point}:{signame}", journal=journal)
    signum = getattr(signal, "SIG" + signame)
    assert run.returncode in (-signum, 128 + signum), (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    if expected == "recovered":
        assert not out.exists()  # between the journal's two renames: the next start restores
        site.recover(out)
        expected = "new"
    assert snapshot(out) == (old if expected == "old" else new)
    assert no_strays(run.pid), "Chromium outlived the killed publish"
    again = publish(out)
    assert again.returncode == 0, again.stderr[-2000:]
    assert snapshot(out) == new and leftovers(tmp_path) == []
    assert dead_chromium_folders() == [], "a killed run's Chromium folder was left"


def dead_chromium_folders() -> list[Path]:
    """Chromium wrapper folders in the temp folder whose run is gone (their lock is free)."""
    dead = []
    for lock in Path(tempfile.gettempdir()).glob(
        png_export.CHROMIUM_PREFIX + "*" + atomic.LOCK_SUFFIX
    ):
        with atomic.claim(lock) as free:
            if free:
                dead.append(lock)
    return dead
