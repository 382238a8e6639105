"""cscbench verify and the bytes/hash checks: a release archive checked as received, and an
unpacked release whose file was changed by one character refused by validate (both engines)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from release_helpers import commit, small_package

from cscbench.cli import main
from cscbench.core.paths import ROOT
from cscbench.release.cut import ReleaseResult, release
from cscbench.release.verify import verify_archive
from cscbench.validate.run import validate_package

TOP = "cscbench-data-0.1.0"
AREAS = f"{TOP}/datapackage/areas.csv"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> ReleaseResult:
    work = tmp_path_factory.mktemp("verify")
    descriptor = small_package(work / "package")
    commit(descriptor)
    return release(descriptor, work / "out", root=ROOT, releases=work / "releases")


def rezip(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of ``source`` with members replaced (bytes), removed (None) or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in change:
                continue
            new.writestr(info, old.read(info))
        for name, data in change.items():
            if data is not None:
                new.writestr(name, data)
    return target


def tampered_areas(archive: Path) -> bytes:
    """areas.csv with one character changed (Leeds -> Leedz): same size, another digest."""
    with zipfile.ZipFile(archive) as zf:
        data = zf.read(AREAS)
    assert b"Leeds" in data
    return data.replace(b"Leeds", b"Leedz", 1)


def test_the_release_as_released_verifies(
    released: ReleaseResult, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(released.archive)]) == 0
    assert capsys.readouterr().out.startswith(f"verified {released.archive.name}: valid")


@pytest.mark.parametrize("engine", ["cscbench", "frictionless"])
def test_a_tampered_archive_fails_verify_naming_the_file(
    released: ReleaseResult, tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = rezip(
        released.archive,
        tmp_path / released.archive.name,
        {AREAS: tampered_areas(released.archive)},
    )
    assert main(["verify", "--engine", engine, str(archive), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    hashes = [p for p in problems if p["check_id"] == "file.hash"]
    assert [p["engine"] for p in hashes] == [engine]
    assert hashes[0]["place"] == "datapackage/areas.csv" and hashes[0]["resource"] == "areas"
    recorded = json.loads((released.recorded / "datapackage.json").read_text())
    declared = next(r["hash"] for r in recorded["resources"] if r["name"] == "areas")
    assert declared.removeprefix("sha256:") in hashes[0]["message"]
    assert not any(p["check_id"] == "file.bytes" for p in problems)  # one character: same size


def test_a_tampered_unpacked_release_fails_validate_under_both_engines(
    released: ReleaseResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(released.archive) as zf:
        zf.extractall(tmp_path)
    top = tmp_path / TOP
    assert validate_package(top / "datapackage.json", engine="both").valid
    areas = top / "datapackage" / "areas.csv"
    areas.write_bytes(areas.read_bytes().replace(b"Leeds", b"Leedz", 1))
    assert main(["validate", str(top), "--engine", "both"]) == 1
    out = capsys.readouterr().out
    assert "[file.hash] areas: 1 problem(s)." in out
    assert "[file.hash] areas: 1 problem(s) (reported by frictionless)." in out
    assert "datapackage/areas.csv: got 'sha256:" in out
    areas.write_bytes(areas.read_bytes() + b"\n")  # a byte more: the size differs too
    report = validate_package(top / "datapackage.json")
    assert {p.check_id for p in report.problems} >= {"file.bytes", "file.hash"}
    size = next(p for p in report.problems if p.check_id == "file.bytes")
    assert size.value == f"{areas.stat().st_size:,} bytes"


def test_the_repository_descriptor_declares_no_hashes_and_is_not_checked_for_them() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert not any("hash" in r or "bytes" in r for r in descriptor["resources"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("bytes", -1), ("bytes", "12"), ("hash", "sha256:xyz"), ("hash", "crc32:00ff"), ("hash", 5)],
)
def test_a_malformed_bytes_or_hash_is_a_shape_problem(
    released: ReleaseResult, tmp_path: Path, value: str, expected: object
) -> None:
    with zipfile.ZipFile(released.archive) as zf:
        zf.extractall(tmp_path)
    descriptor = tmp_path / TOP / "datapackage.json"
    data = json.loads(descriptor.read_text())
    data["resources"][0][value] = expected
    descriptor.write_text(json.dumps(data))
    report = validate_package(descriptor)
    assert [(p.check_id, p.place) for p in report.problems] == [
        ("package.shape", f"datapackage.json: resources[0].{value}")
    ]


def test_layout_extra_member_and_undeclared_hash(released: ReleaseResult, tmp_path: Path) -> None:
    extra = rezip(released.archive, tmp_path / "a.zip", {f"{TOP}/run.sh": b"echo hi\n"})
    found = [(p.check_id, p.value) for p in verify_archive(extra).problems]
    assert found == [("archive.layout", "run.sh")]
    with zipfile.ZipFile(released.archive) as zf:
        descriptor = json.loads(zf.read(f"{TOP}/datapackage.json"))
    del descriptor["resources"][1]["hash"]
    undeclared = rezip(
        released.archive,
        tmp_path / "b.zip",
        {f"{TOP}/datapackage.json": json.dumps(descriptor).encode()},
    )
    found = [(p.check_id, p.place) for p in verify_archive(undeclared).problems]
    assert found == [("archive.undeclared", f"{TOP}/datapackage.json: resources[1]")]
    renamed = tmp_path / "cscbench-data-0.2.0.zip"
    renamed.write_bytes(released.archive.read_bytes())
    found = [(p.check_id, p.value) for p in verify_archive(renamed).problems]
    assert found == [("archive.layout", TOP)]


def symlink(name: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info, b"/etc/passwd"


@pytest.mark.parametrize("case", ["outside", "link", "bomb", "members", "not a zip"])
def test_hostile_archives_are_refused_unpacked_nowhere(
    released: ReleaseResult,
    tmp_path: Path,
    case: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    archive = tmp_path / "work" / released.archive.name
    archive.parent.mkdir()
    if case == "not a zip":
        archive.write_bytes(b"PK\x03\x04 not really")
    else:
        with zipfile.ZipFile(released.archive) as old, zipfile.ZipFile(archive, "w") as new:
            for info in old.infolist():
                new.writestr(info, old.read(info))
            if case == "outside":
                new.writestr("../escaped.txt", b"pwned")
            elif case == "link":
                new.writestr(*symlink(f"{TOP}/datapackage/link.csv"))
            elif case == "bomb":
                bomb = zipfile.ZipInfo(f"{TOP}/zeros.bin")
                bomb.compress_type = zipfile.ZIP_DEFLATED
                new.writestr(bomb, bytes(64 << 20))
                monkeypatch.setenv("CSCBENCH_MAX_ARCHIVE_BYTES", str(32 << 20))
            else:
                monkeypatch.setenv("CSCBENCH_MAX_ARCHIVE_MEMBERS", "5")
    assert main(["verify", str(archive)]) == 1
    out = capsys.readouterr().out
    assert "[archive.unsafe]" in out
    assert not (tmp_path / "escaped.txt").exists()
    assert [p.name for p in archive.parent.iterdir()] == [archive.name]


def test_no_archive_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path / "cscbench-data-9.9.9.zip")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["verify", str(tmp_path)]) == 2
