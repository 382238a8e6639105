"""Release records are immutable and releases are all or nothing (issues 21 and 22): an
uncommitted package is refused, a recorded version is never rewritten (the same content says so,
other content is refused), a recorded commit is checked before git sees it, a malformed record is
invalid input naming the file, a failed release leaves ``--out`` as it was, and a publish and a
release into one folder take one lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from pinned import NEXT_WORKFORCE_PERIOD as NEXT
from pinned import WORKFORCE
from release_helpers import commit, copy_package, edit_rows, set_version, small_package

from cscbench.cli import main
from cscbench.core import atomic
from cscbench.publish import site
from cscbench.release import cut as release_module
from cscbench.release import previous as previous_module

DATE = "2027-01-01"
LATEST = WORKFORCE["latest_period"]


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed small package (0.1.0); tests copy it."""
    descriptor = small_package(tmp_path_factory.mktemp("records") / "package")
    commit(descriptor)
    return descriptor


@pytest.fixture(scope="module")
def released_once(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of the package released once as 0.1.0: repo/, releases/, out/."""
    folder = tmp_path_factory.mktemp("released_once")
    descriptor = copy_package(base, folder / "repo")
    assert main(["release", *release_args(descriptor, folder)]) == 0
    return folder


def release_args(descriptor: Path, folder: Path) -> list[str]:
    args = ["--package", str(descriptor), "--out", str(folder / "out")]
    return [*args, "--releases", str(folder / "releases"), "--date", DATE]


@pytest.fixture
def work(released_once: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """A fresh copy of ``released_once`` in ``tmp_path``; (its descriptor, the release args)."""
    for name in ("repo", "releases", "out"):
        shutil.copytree(released_once / name, tmp_path / name, symlinks=True)
    descriptor = tmp_path / "repo" / "datapackage.json"
    return descriptor, release_args(descriptor, tmp_path)


def add_period(descriptor: Path, version: str) -> None:
    """A new period for one figure (a MINOR change), committed under ``version``."""

    def edit(frame: pl.DataFrame) -> pl.DataFrame:
        latest = frame.filter(indicator_id="caseload_fte", area_code="E08000035", period=LATEST)
        row = latest.with_columns(period=pl.lit(NEXT), period_end=pl.lit(f"{NEXT}-09-30"))
        return pl.concat([frame, row]).sort("indicator_id", "area_code", "period")

    edit_rows(descriptor, "observations", edit)
    set_version(descriptor, version)
    commit(descriptor, version)


def test_re_releasing_identical_content_says_so_and_rewrites_nothing(
    work: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor, args = work
    capsys.readouterr()
    before, out_before = snapshot(tmp_path / "releases"), snapshot(tmp_path / "out")
    assert main(["release", *args]) == 0
    said = capsys.readouterr().out
    assert "0.1.0 is already released with this very content" in said and "unchanged" in said
    assert snapshot(tmp_path / "releases") == before
    assert snapshot(tmp_path / "out") == out_before  # the archive there is left as it is
    commit_before = json.loads((tmp_path / "releases/0.1.0/release.json").read_text())["commit"]
    commit(descriptor, "an empty commit: another commit id, the same content")
    assert main(["release", *args]) == 0
    assert json.loads((tmp_path / "releases/0.1.0/release.json").read_text())["commit"] == (
        commit_before
    )


def test_re_releasing_other_content_or_another_date_is_refused(
    work: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor, args = work
    capsys.readouterr()
    before, out_before = snapshot(tmp_path / "releases"), snapshot(tmp_path / "out")
    edit_rows(
        descriptor, "areas", lambda f: f.with_columns(pl.col("name").str.replace("Leeds", "X"))
    )
    commit(descriptor)
    assert main(["release", *args]) == 1
    assert "0.1.0 was already released with other data" in capsys.readouterr().err
    subprocess.run(["git", "-C", str(descriptor.parent), "reset", "-q", "--hard", "HEAD~1"])
    assert main(["release", *args[:-1], "2027-02-02"]) == 1
    assert "already released dated 2027-01-01" in capsys.readouterr().err
    assert snapshot(tmp_path / "releases") == before and snapshot(tmp_path / "out") == out_before


def test_an_uncommitted_package_is_refused(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor = copy_package(base, tmp_path / "repo")
    edit_rows(
        descriptor, "areas", lambda f: f.with_columns(pl.col("name").str.replace("Leeds", "X"))
    )
    args = ["--out", str(tmp_path / "out"), "--releases", str(tmp_path / "rel"), "--date", DATE]
    assert main(["release", "--package", str(descriptor), *args]) == 2
    err = capsys.readouterr().err
    assert "uncommitted changes (datapackage/areas.csv)" in err
    outside = small_package(tmp_path / "no-git")  # a folder that is no repository at all
    assert main(["release", "--package", str(outside), *args]) == 2
    assert "not in a git repository" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "rel").exists()


@pytest.mark.parametrize("bad", ["--output=/tmp/x", "-x", "HEAD", "abc", "a" * 41, 7, ["abc1234"]])
def test_a_recorded_commit_that_is_not_hex_is_refused_before_git_runs(
    work: tuple[Path, list[str]],
    tmp_path: Path,
    bad: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    descriptor, args = work
    if bad == "--output=/tmp/x":
        bad = f"--output={tmp_path / 'x'}"
        (tmp_path / "x").write_text("a file git archive must never truncate\n")
    record = tmp_path / "releases" / "0.1.0" / "release.json"
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "commit": bad}))
    add_period(descriptor, "0.2.0")
    calls: list[tuple[str, ...]] = []
    real = previous_module._git

    def spy(folder: Path, *words: str) -> str:
        calls.append(words)
        return real(folder, *words)

    monkeypatch.setattr(previous_module, "_git", spy)
    capsys.readouterr()
    assert main(["release", *args]) == 1
    err = capsys.readouterr().err
    assert str(record) in err and "7 to 40 hexadecimal digits" in err
    assert {words[0] for words in calls} <= {"rev-parse", "status"}  # this package's own state
    assert all(str(bad) not in words for words in calls if words[0] != "rev-parse")
    if (tmp_path / "x").exists():
        assert (tmp_path / "x").read_text().startswith("a file git archive")
    assert not (tmp_path / "releases" / "0.2.0").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"[]",
        b"[" * 10_000 + b"]" * 10_000,
        b'{"commit": ' + b"[" * 100 + b"]" * 100 + b"}",
        b"{",
        b"\xff\xfe not utf-8",
        b'"just text"',
    ],
    ids=["array", "nested", "nested-commit", "truncated", "not-utf8", "string"],
)
@pytest.mark.parametrize("file", ["release.json", "datapackage.json"])
def test_a_malformed_release_record_is_invalid_input_naming_it(
    work: tuple[Path, list[str]],
    tmp_path: Path,
    content: bytes,
    file: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    descriptor, args = work
    recorded = tmp_path / "releases" / "0.1.0" / file
    recorded.write_bytes(content)
    add_period(descriptor, "0.2.0")
    capsys.readouterr()
    assert main(["release", *args]) == 1  # invalid input, never 3
    assert str(recorded) in capsys.readouterr().err
    assert not (tmp_path / "releases" / "0.2.0").exists()
    assert not (tmp_path / "out" / "cscbench-data-0.2.0.zip").exists()


def leftovers(parent: Path) -> list[str]:
    if not parent.exists():
        return []
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("out_exists", [True, False])
def test_a_failed_release_leaves_out_as_it_was(
    base: Path,
    tmp_path: Path,
    out_exists: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bug after the archive is written (here: recording it) exits 3 and leaves no zip, no
    .part, no staging folder, no lock and no record."""
    descriptor = copy_package(base, tmp_path / "repo")
    out, releases = tmp_path / "site" / "out", tmp_path / "releases"
    if out_exists:
        out.mkdir(parents=True)
        (out / "index.html").write_text("the site\n")
    before = snapshot(out)

    def broken(*args: object, **kwargs: object) -> Path:
        raise RuntimeError("a bug while recording")

    monkeypatch.setattr(release_module, "record_release", broken)
    monkeypatch.setenv("CSCBENCH_LOG_DIR", str(tmp_path / "logs"))
    args = ["--package", str(descriptor), "--out", str(out), "--releases", str(releases)]
    assert main(["release", *args, "--date", DATE]) == 3
    assert "internal error" in capsys.readouterr().err
    assert out.exists() == out_exists and snapshot(out) == before
    assert leftovers(out.parent) == [] and leftovers(tmp_path) == [] and not releases.exists()


def test_a_publish_and_a_release_into_one_folder_take_one_lock(
    work: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor, args = work
    out = tmp_path / "out"
    add_period(descriptor, "0.2.0")
    held = atomic.WriterLock(out, "publish")
    try:
        capsys.readouterr()
        assert main(["release", *args]) == 2
        err = capsys.readouterr().err
        assert f"being written by cscbench publish (pid {os.getpid()})" in err
        assert not (out / "cscbench-data-0.2.0.zip").exists()
    finally:
        held.release()
    held = atomic.WriterLock(out, "release")
    try:
        busy = pytest.raises(site.OutputError, match=r"cscbench release \(pid \d+\)")
        with busy, site.staging(out):
            pass
    finally:
        held.release()
    assert main(["release", *args]) == 0
    assert leftovers(out.parent) == []


def test_publish_keeps_the_release_archives_in_its_folder(
    work: tuple[Path, list[str]], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    archive = out / "cscbench-data-0.1.0.zip"
    data = archive.read_bytes()
    with site.staging(out) as building:
        (building / "index.html").write_text("the new site\n")
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["cscbench-data-0.1.0.zip", "index.html"]
    assert archive.read_bytes() == data
    assert leftovers(out.parent) == []


RUNNER = "import sys; from cscbench.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.slow
def test_kill_during_the_zip_write_leaves_nothing_the_next_run_does_not_clean(
    base: Path, tmp_path: Path
) -> None:
    descriptor = copy_package(base, tmp_path / "repo")
    out, releases = tmp_path / "site" / "out", tmp_path / "releases"
    args = ["release", "--package", str(descriptor), "--out", str(out)]
    args += ["--releases", str(releases), "--date", DATE]
    env = {**os.environ, atomic.FAULT_ENV: "zip-write:KILL"}
    killed = subprocess.run([sys.executable, "-c", RUNNER, *args], env=env, timeout=600)
    assert killed.returncode == -9
    assert not out.exists() and not releases.exists()
    assert leftovers(out.parent)  # the killed run's staging folder and locks
    env.pop(atomic.FAULT_ENV)
    done = subprocess.run([sys.executable, "-c", RUNNER, *args], env=env, timeout=600)
    assert done.returncode == 0
    assert leftovers(out.parent) == [] and leftovers(releases) == []
    assert leftovers(tmp_path) == []
    assert [p.name for p in out.iterdir()] == ["cscbench-data-0.1.0.zip"]
    assert main(["verify", str(out / "cscbench-data-0.1.0.zip")]) == 0


def test_an_out_that_is_a_file_is_a_usage_error_and_nothing_is_recorded(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor = copy_package(base, tmp_path / "repo")
    out = tmp_path / "out"
    out.write_text("not a folder\n")
    args = ["--package", str(descriptor), "--out", str(out), "--releases", str(tmp_path / "rel")]
    assert main(["release", *args, "--date", DATE]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert out.read_text() == "not a folder\n" and not (tmp_path / "rel").exists()
    assert leftovers(tmp_path) == []
