"""Old versions without git commands (issue 21) and one package boundary for every entry point
(issue 22): ``cscbench diff 0.1.0 0.2.0`` from a clone, a release archive (a path or, allowed, a
URL) wherever a package goes, and what a record or a wheel cannot supply said as a usage error."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from release_helpers import edit_rows, set_cell, small_package

import cscbench
from cscbench.analysis.loader import PackageRefused
from cscbench.cli import main
from cscbench.core.paths import ROOT
from cscbench.package import boundary
from cscbench.package.archive import UnreadableInput, write_zip
from cscbench.release import versions
from cscbench.release.diff import HeaderMismatch, check_header

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")
LEEDS_CASELOAD_2025 = {"indicator_id": "caseload_fte", "area_code": "E08000035", "period": "2025"}


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


def git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


def has_commit(repo: Path, commit: str) -> bool:
    done = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed package as a release zip lays it out (under ``cscbench-data-X.Y.Z/``)."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    files = ["datapackage.json"]
    files += sorted({r["path"] for r in descriptor["resources"]})
    files += sorted({r["schema"] for r in descriptor["resources"]})
    top = f"cscbench-data-{descriptor['version']}"
    target = tmp_path_factory.mktemp("archive") / f"{top}.zip"
    return write_zip(target, [(f"{top}/{name}", ROOT / name) for name in files])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small package (a few councils) and its release zip, for the URL tests."""
    descriptor = small_package(tmp_path_factory.mktemp("small") / "pkg")
    files = [p for p in descriptor.parent.rglob("*") if p.is_file()]
    members = [(f"top/{p.relative_to(descriptor.parent).as_posix()}", p) for p in files]
    return descriptor, write_zip(descriptor.parent.parent / "small.zip", members)


# ---------------------------------------------------------------------------- archives for load()


def test_load_from_a_release_archive_equals_the_committed_package(archive: Path) -> None:
    assert cscbench.resources(archive) == cscbench.resources()
    assert cscbench.load("areas", archive).equals(cscbench.load("areas"))
    current = cscbench.load("inspections", archive, current=True)
    assert current.equals(cscbench.load("inspections", current=True))
    assert cscbench.find_area("Wakefield", archive)["area_code"] == "E08000036"


def test_a_url_archive_is_fetched_only_when_allowed(
    small: tuple[Path, Path], httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor, archive = small
    httpserver.expect_request("/cscbench-data.zip").respond_with_data(
        archive.read_bytes(), content_type="application/zip"
    )
    url = httpserver.url_for("/cscbench-data.zip")
    with pytest.raises(UnreadableInput, match="allow_remote=True"):
        cscbench.load("areas", url)
    assert main(["diff", url, str(descriptor)]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert not httpserver.log, "a URL was fetched without allow_remote"
    fetched = cscbench.load("inspections", url, allow_remote=True)
    assert fetched.equals(cscbench.load("inspections", descriptor))
    assert main(["diff", url, str(descriptor), "--allow-remote"]) == 0
    assert capsys.readouterr().out.strip().endswith("no differences")


@pytest.mark.parametrize(
    ("reply", "env", "said"),
    [
        ({"response_data": b"<html>not here</html>"}, {}, "not a zip archive"),
        ({"response_data": b"gone", "status": 404}, {}, "HTTP 404"),
        (
            {"response_data": b"PK" + b"\0" * 4096},
            {"CSCBENCH_MAX_REMOTE_BYTES": "1K"},
            "at most 1 KiB",
        ),
    ],
    ids=["html", "404", "too_large"],
)
def test_remote_archives_are_refused_with_a_reason(
    reply: dict[str, object],
    env: dict[str, str],
    said: str,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    httpserver.expect_request("/x.zip").respond_with_data(**reply)  # type: ignore[arg-type]
    with pytest.raises(UnreadableInput, match=said):
        cscbench.load("areas", httpserver.url_for("/x.zip"), allow_remote=True)


def test_a_download_past_its_deadline_stops(tmp_path: Path) -> None:
    """The whole download has one deadline (a server trickling bytes cannot keep it alive)."""
    with pytest.raises(TimeoutError):
        boundary._copy_bounded(iter([b"a", b"b"]), tmp_path / "x", 10, time.monotonic() - 1)


def test_load_refuses_a_path_outside_in_the_words_validate_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor = small_package(tmp_path / "pkg")
    data = json.loads(descriptor.read_text())
    data["resources"][0]["path"] = "../outside.csv"
    descriptor.write_text(json.dumps(data))
    (tmp_path / "outside.csv").write_text("area_code\nSECRET\n")
    with pytest.raises(PackageRefused) as refused:
        cscbench.load("areas", descriptor)
    assert main(["validate", str(descriptor), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [p["message"] for p in problems] == [str(refused.value)]
    assert refused.value.check_id == "package.unsafe_path" and "SECRET" not in str(refused.value)


def test_a_package_without_areas_is_invalid_for_validate_and_publish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor = small_package(tmp_path / "pkg")
    data = json.loads(descriptor.read_text())
    data["resources"] = [r for r in data["resources"] if r["name"] != "areas"]
    descriptor.write_text(json.dumps(data))
    assert main(["validate", str(descriptor)]) == 1
    assert "no resource named 'areas'" in capsys.readouterr().out
    out = tmp_path / "out" / "site"
    assert main(["publish", "--package", str(descriptor), "--out", str(out), "--png", "no"]) == 1
    assert "package.missing_resource" in capsys.readouterr().err
    assert not out.exists()


# ---------------------------------------------------------------------------- versions from git


@needs_git
def test_diff_recorded_versions_from_this_clone(capsys: pytest.CaptureFixture[str]) -> None:
    """`cscbench diff 0.1.0 0.2.0` takes both packages from the commits the records name and
    finds exactly the changes recorded with 0.2.0."""
    commits = [
        json.loads((ROOT / "releases" / v / "release.json").read_text())["commit"]
        for v in ("0.1.0", "0.2.0")
    ]
    absent = [c for c in commits if not has_commit(ROOT, c)]
    if absent:
        pytest.skip(f"this clone lacks the recorded commits {absent} (a shallow clone?)")
    assert main(["diff", "0.1.0", "0.2.0", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    recorded = json.loads((ROOT / "releases" / "0.2.0" / "changes.json").read_text())
    assert found["changes"] == recorded["changes"] and found["level"] == "minor"


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small repository with two commits: 1.0.0 recorded at the first, tag ``second`` on the
    second (a revised figure)."""
    if GIT is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("clone") / "repo"
    descriptor = small_package(repo)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    first = git(repo, "rev-parse", "HEAD").strip()
    edit_rows(descriptor, "observations", set_cell(LEEDS_CASELOAD_2025, "value", "15.1"))
    git(repo, "commit", "-qam", "second")
    git(repo, "tag", "second")
    record(repo, "1.0.0", first)
    return repo


@pytest.fixture
def clone(repository: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """cscbench runs as if from the small repository; records a test adds are removed after."""
    monkeypatch.setattr(versions, "checkout", lambda: repository)
    yield repository
    for folder in (repository / "releases").iterdir():
        if folder.name != "1.0.0":
            shutil.rmtree(folder)


def record(repo: Path, version: str, commit: object) -> Path:
    folder = repo / "releases" / version
    folder.mkdir(parents=True)
    (folder / "release.json").write_text(json.dumps({"version": version, "commit": commit}))
    return folder


def test_diff_a_recorded_version_and_a_tag(
    clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["diff", "1.0.0", "second", "--format", "json"]) == 1
    revisions = json.loads(capsys.readouterr().out)["tables"]["revisions"]
    assert [(r["area_code"], r["new_value"]) for r in revisions] == [("E08000035", 15.1)]
    assert main(["diff", "v1.0.0", "1.0.0"]) == 0
    assert main(["diff", "1.0.0", str(clone)]) == 1  # a path and a version mix
    assert not list(scratch.iterdir()), "a temporary folder was left behind"


@pytest.mark.parametrize(
    ("commit", "code", "said"),
    [
        ("0" * 40, 2, "is not in this clone"),
        ("--output=/tmp/cscbench-pwned", 1, "7 to 40 hexadecimal digits"),
        ("-o../../x", 1, "7 to 40 hexadecimal digits"),
        ("HEAD~1", 1, "7 to 40 hexadecimal digits"),
        (None, 1, "7 to 40 hexadecimal digits"),
        ([1, 2], 1, "7 to 40 hexadecimal digits"),
    ],
    ids=["absent", "option", "short_option", "revision", "null", "array"],
)
def test_a_record_that_cannot_supply_its_package(
    clone: Path, commit: object, code: int, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An absent commit (a shallow clone) is a usage error with what to do; a commit that is not
    7-40 hex digits never reaches git and is invalid input naming the record."""
    record(clone, "1.1.0", commit)
    before = sorted(p.name for p in clone.parent.iterdir())
    assert main(["diff", "1.0.0", "1.1.0"]) == code
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert code == 2 or "releases/1.1.0/release.json" in err
    assert sorted(p.name for p in clone.parent.iterdir()) == before
    assert not Path("/tmp/cscbench-pwned").exists()


def test_a_record_that_is_not_an_object_says_so(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = record(clone, "1.1.0", "0" * 40)
    (folder / "release.json").write_text(json.dumps([{"commit": "0" * 40}]))
    assert main(["diff", "1.0.0", "1.1.0"]) == 1
    err = capsys.readouterr().err
    assert "releases/1.1.0/release.json" in err and "expected a JSON object" in err


def test_unknown_versions_and_an_installed_wheel_say_what_to_give(
    clone: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "9.9.9", "1.0.0"]) == 2
    assert "releases/ holds: 1.0.0" in capsys.readouterr().err
    monkeypatch.setattr(versions, "checkout", lambda: None)
    assert main(["diff", "1.0.0", str(clone)]) == 2
    err = capsys.readouterr().err
    assert "needs a clone" in err and "cscbench-data-X.Y.Z.zip" in err


def test_an_existing_path_wins_over_a_version_of_the_same_name(
    clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "elsewhere"
    shutil.copytree(clone, folder / "1.0.0", ignore=shutil.ignore_patterns(".git", "releases"))
    monkeypatch.chdir(folder)
    assert main(["diff", "1.0.0", str(clone)]) == 0  # the folder 1.0.0: the second commit


def test_versions_are_names_never_options() -> None:
    assert versions.is_version_name("0.1.0") and versions.is_version_name("v0.2.0")
    assert not versions.is_version_name("--upload-pack=x")
    assert not versions.is_version_name("a/../b") and not versions.is_version_name("x..y")


def test_a_record_whose_commit_does_not_hold_the_release(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The recorded descriptor's hashes are checked against the files at the commit, so a diff
    never describes another package than the release."""
    first = json.loads((clone / "releases" / "1.0.0" / "release.json").read_text())["commit"]
    folder = record(clone, "1.1.0", first)
    data = json.loads((clone / "datapackage.json").read_text())
    for entry in data["resources"]:
        entry["hash"] = "sha256:" + hashlib.sha256((clone / entry["path"]).read_bytes()).hexdigest()
    (folder / "datapackage.json").write_text(json.dumps(data))  # the second commit's hashes
    assert main(["diff", "1.1.0", "second"]) == 1
    err = capsys.readouterr().err
    assert "does not hold the package as released" in err and "observations.csv" in err


def test_a_folder_git_cannot_read_is_said_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a repository (an unpacked source tree, say): git's own words, not "shallow clone"."""
    home = tmp_path / "not-a-repo"
    record(home, "1.0.0", "a" * 40)
    monkeypatch.setattr(versions, "checkout", lambda: home)
    assert main(["diff", "1.0.0", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert "cannot read release 1.0.0's commit" in err and "shallow" not in err


# ---------------------------------------------------------------------------- general rules

SCHEMA_FIELDS = ["area_code", "name", "status"]


@given(st.text(max_size=40))
def test_a_version_name_is_never_an_option_or_a_path(text: str) -> None:
    if versions.is_version_name(text):
        assert not text.startswith("-") and "/" not in text and ".." not in text
        assert text.isascii() and text.isprintable() and " " not in text


@given(
    st.permutations(SCHEMA_FIELDS),
    st.sets(st.sampled_from(SCHEMA_FIELDS)),
    st.lists(st.text(alphabet="abc_", min_size=1, max_size=4), max_size=2),
)
def test_a_header_passes_exactly_when_it_holds_the_schemas_columns(
    order: list[str], dropped: set[str], added: list[str]
) -> None:
    """Any order of the schema's columns passes; a missing one is named first, else an extra."""
    columns = [c for c in order if c not in dropped] + added
    schema = {"fields": [{"name": f} for f in SCHEMA_FIELDS]}
    resource = {"path": "datapackage/areas.csv", "schema": "schemas/areas.schema.json"}
    missing = [f for f in SCHEMA_FIELDS if f in dropped]
    if not (missing or added):
        check_header("pkg", resource, columns, schema)
        return
    with pytest.raises(HeaderMismatch) as invalid:
        check_header("pkg", resource, columns, schema)
    named = missing[0] if missing else added[0]
    assert "pkg: datapackage/areas.csv: " in str(invalid.value) and repr(named) in str(
        invalid.value
    )
