"""Release archives: hostile zips are refused whole (exit 2) and nothing lands outside the
temporary folder; written archives are byte-reproducible."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from release_helpers import small_package

from cscbench.cli import main
from cscbench.package.archive import FIXED_TIME, UnreadableInput, open_package, write_zip


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_package(tmp_path_factory.mktemp("archive") / "package")


def zip_with(path: Path, package: Path, extra: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    """A release-like zip of ``package`` plus hostile ``extra`` members."""
    with zipfile.ZipFile(path, "w") as zf:
        for file in sorted(package.parent.rglob("*")):
            if file.is_file():
                zf.write(file, "top/" + file.relative_to(package.parent).as_posix())
        for info, data in extra:
            zf.writestr(info, data)
    return path


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info, target.encode()


@pytest.mark.parametrize(
    "member",
    [
        "../escaped.txt",
        "top/../../escaped.txt",
        "ABSOLUTE",
        "C:/escaped.txt",
        "top\\..\\escaped.txt",
        "LINK",
    ],
)
def test_hostile_members_are_refused_and_nothing_is_written_outside(
    package: Path, tmp_path: Path, member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "escaped.txt"
    if member == "ABSOLUTE":
        member = str(outside)
        extra = [(zipfile.ZipInfo(member), b"pwned")]
    elif member == "LINK":
        member = "top/datapackage/link.csv"
        extra = [symlink(member, "/etc/passwd")]
    else:
        extra = [(zipfile.ZipInfo(member), b"pwned")]
    (tmp_path / "work").mkdir()
    archive = zip_with(tmp_path / "work" / "hostile.zip", package, extra)
    assert main(["diff", str(package), str(archive)]) == 2
    err = capsys.readouterr().err
    assert member.split("\\")[-1] in err and "nothing was unpacked" in err
    assert not outside.exists()
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["hostile.zip"]


def test_size_and_member_limits(
    package: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A small zip that unpacks to far more than the limit (a zip bomb's shape) and one with too
    many members are refused before anything is unpacked."""
    bomb = zipfile.ZipInfo("top/zeros.bin")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    archive = zip_with(tmp_path / "bomb.zip", package, [(bomb, bytes(8 << 20))])
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo("top/zeros.bin").compress_size < 100_000  # 8 MiB in a few KB
    monkeypatch.setenv("CSCBENCH_MAX_ARCHIVE_BYTES", str(4 << 20))
    assert main(["diff", str(package), str(archive)]) == 2
    assert "unpacks to more than" in capsys.readouterr().err
    monkeypatch.delenv("CSCBENCH_MAX_ARCHIVE_BYTES")
    monkeypatch.setenv("CSCBENCH_MAX_ARCHIVE_MEMBERS", "5")
    assert main(["diff", str(package), str(archive)]) == 2
    assert "members; at most 5" in capsys.readouterr().err


def test_not_a_release_archive(package: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(UnreadableInput, match=r"no datapackage\.json"), open_package(empty):
        pass


def test_written_zips_are_reproducible(package: Path, tmp_path: Path) -> None:
    files = sorted(p for p in package.parent.rglob("*") if p.is_file())
    members = [(p.relative_to(package.parent).as_posix(), p) for p in files]
    first = write_zip(tmp_path / "a.zip", members)
    second = write_zip(tmp_path / "b.zip", list(reversed(members)))
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(name for name, _ in members)
    assert {(i.date_time, i.external_attr >> 16, i.create_system) for i in infos} == {
        (FIXED_TIME, 0o100644, 3)
    }
    with open_package(first) as descriptor:
        assert descriptor.read_bytes() == package.read_bytes()
