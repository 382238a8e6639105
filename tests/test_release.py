"""cscbench release on a small real package: what the archive holds, that it is reproducible, that
frictionless accepts it with its hashes, the DuckDB database, the record, and the semver rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import duckdb
import frictionless
import polars as pl
import pytest
from pinned import NEXT_WORKFORCE_PERIOD as NEXT
from release_helpers import (
    commit,
    copy_package,
    edit_rows,
    edit_schema,
    set_version,
    small_package,
)

import cscbench
from cscbench.cli import main
from cscbench.core.errors import InvalidInputError
from cscbench.core.paths import ROOT
from cscbench.release.cut import ReleaseResult, read_settings, release

DATE = dt.date(2026, 11, 23)
TOP = "cscbench-data-0.1.0"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    descriptor = small_package(tmp_path_factory.mktemp("release") / "package")
    commit(descriptor)  # a release is made from committed files only
    return descriptor


@pytest.fixture(scope="module")
def released(package: Path, tmp_path_factory: pytest.TempPathFactory) -> ReleaseResult:
    work = tmp_path_factory.mktemp("released")
    return release(package, work / "out", root=ROOT, releases=work / "releases")


@pytest.fixture(scope="module")
def unpacked(released: ReleaseResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(released.archive) as zf:
        zf.extractall(folder)
    return folder / TOP


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_the_archive_holds_the_package_parquet_duckdb_and_readme(
    released: ReleaseResult, package: Path
) -> None:
    assert released.archive.name == "cscbench-data-0.1.0.zip"
    assert released.created == DATE  # the CHANGELOG's date for 0.1.0, not today
    names = set(members(released.archive))
    resources = cscbench.resources(package)
    assert names == {
        f"{TOP}/{name}"
        for name in [
            "datapackage.json",
            "README.md",
            "CHANGES.md",
            "cscbench.duckdb",
            *(f"datapackage/{r}.csv" for r in resources),
            *(f"schemas/{r}.schema.json" for r in resources),
            *(f"parquet/{r}.parquet" for r in resources),
        ]
    }


def test_descriptor_adds_hashes_sizes_date_id_and_licences(unpacked: Path, package: Path) -> None:
    descriptor = json.loads((unpacked / "datapackage.json").read_text())
    assert descriptor["created"] == "2026-11-23T00:00:00Z"
    assert descriptor["id"] == "urn:cscbench:data:0.1.0" and "homepage" not in descriptor
    for entry in descriptor["resources"]:
        data = (unpacked / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert data == (package.parent / entry["path"]).read_bytes()
    licences = {r["name"]: r.get("licenses") for r in descriptor["resources"]}
    assert [x["name"] for x in licences["inspections"]] == ["OGL-UK-3.0", "MIT"]  # JT-39 scrape
    assert licences["announcements"][0]["title"].startswith("Facts and figures compiled by")
    assert licences["observations"] is None and licences["areas"] is None
    committed = json.loads(package.read_text())  # the committed descriptor stays lean
    assert all("hash" not in r and "bytes" not in r for r in committed["resources"])
    readme = (unpacked / "README.md").read_text()
    assert "urn:cscbench:data:0.1.0" in readme and "read_resource(package" in readme


def test_frictionless_validates_the_unpacked_archive_with_its_hashes(unpacked: Path) -> None:
    report = frictionless.validate(str(unpacked / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:5]
    areas = unpacked / "datapackage" / "areas.csv"
    original = areas.read_bytes()
    try:
        areas.write_bytes(original.replace(b"Leeds", b"Leedz", 1))
        report = frictionless.validate(str(unpacked / "datapackage.json"))
        assert "hash-count" in {e[0] for e in report.flatten(["type"])}
    finally:
        areas.write_bytes(original)


def test_duckdb_types_row_counts_and_primary_keys(unpacked: Path, package: Path) -> None:
    with duckdb.connect(str(unpacked / "cscbench.duckdb"), read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'observations'"
            ).fetchall()
        )
        keys = dict(
            con.execute(
                "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                "WHERE constraint_type = 'PRIMARY KEY'"
            ).fetchall()
        )
        counts = {
            name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # type: ignore[index]
            for name in cscbench.resources(package)
        }
    assert types["value"] == "DOUBLE" and types["period_end"] == "DATE"
    assert types["status"].startswith("ENUM('c', 'x'") and types["indicator_id"] == "VARCHAR"
    assert keys["observations"] == ["indicator_id", "area_code", "period"]
    assert keys["areas"] == ["area_code"]
    assert counts == {r: cscbench.load(r, package).height for r in cscbench.resources(package)}


def test_parquet_is_typed_as_load_types_it(unpacked: Path, package: Path) -> None:
    """As load() types it, dates as timestamps at midnight (pandas reads those as datetime64)."""
    for name in cscbench.resources(package):
        frame = pl.read_parquet(unpacked / "parquet" / f"{name}.parquet")
        loaded = cscbench.load(name, package)
        dates = [c for c, t in loaded.schema.items() if t == pl.Date]
        assert all(frame.schema[c] == pl.Datetime("us") for c in dates), name
        restored = frame.with_columns(pl.col(dates).cast(pl.Date))
        assert restored.equals(loaded), name
        assert restored.schema == loaded.schema


def test_every_member_but_duckdb_is_byte_identical_when_released_twice(
    released: ReleaseResult, package: Path, tmp_path: Path
) -> None:
    again = release(
        package, tmp_path / "out", root=ROOT, releases=released.recorded.parent, date=DATE
    )
    assert again.already and again.recorded == released.recorded
    first, second = members(released.archive), members(again.archive)
    assert first.keys() == second.keys()
    differ = sorted(name for name in first if first[name] != second[name])
    assert differ in ([], [f"{TOP}/cscbench.duckdb"])
    with zipfile.ZipFile(again.archive) as zf:
        assert {(i.date_time, i.external_attr >> 16) for i in zf.infolist()} == {
            ((1980, 1, 1, 0, 0, 0), 0o100644)
        }


def test_the_release_is_recorded_without_its_data(released: ReleaseResult, package: Path) -> None:
    folder = released.recorded
    assert sorted(p.name for p in folder.iterdir()) == [
        "changes.json",
        "datapackage.json",
        "indicator_ids.txt",
        "release.json",
        "schemas",
    ]
    record = json.loads((folder / "release.json").read_text())
    assert record == {
        "version": "0.1.0",
        "created": "2026-11-23T00:00:00Z",
        "previous": None,
        "commit": subprocess.check_output(
            ["git", "-C", str(package.parent), "rev-parse", "HEAD"], text=True
        ).strip(),
        "archive": "cscbench-data-0.1.0.zip",
    }
    ids = (folder / "indicator_ids.txt").read_text().split()
    assert ids == sorted(cscbench.load("indicators", package)["indicator_id"].to_list())
    changes = json.loads((folder / "changes.json").read_text())
    assert changes["old"]["version"] is None and changes["new"]["version"] == "0.1.0"


def test_no_release_date_is_a_usage_error(
    package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    undated = copy_package(package, tmp_path / "p", version="9.9.9")
    args = ["release", "--package", str(undated), "--out", str(tmp_path / "out")]
    assert main([*args, "--releases", str(tmp_path / "rel")]) == 2
    assert "no release date for 9.9.9" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "rel").exists()


def test_id_and_homepage_come_from_one_setting(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.cscbench.release]\nid = "https://doi.example/cscbench/{version}"\n'
        'homepage = "https://cscbench.example"\n'
    )
    settings = read_settings(pyproject)
    assert settings.id("0.2.0") == "https://doi.example/cscbench/0.2.0"
    assert settings.homepage == "https://cscbench.example"
    assert read_settings(ROOT / "pyproject.toml").homepage is None  # no address invented
    pyproject.write_text('[tool.cscbench.release]\nid = "cscbench"\n')
    with pytest.raises(InvalidInputError, match=r"\{version\}"):
        read_settings(pyproject)


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
    )


def test_the_version_must_follow_the_previous_release_taken_from_git(
    package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """0.1.0 is released from a commit; a new period then needs a minor bump, so 0.1.1 is refused
    (exit 1, saying why) and 0.2.0 released against 0.1.0 taken back from git."""
    repo = copy_package(package, tmp_path / "repo").parent
    commit(repo / "datapackage.json", "0.1.0")
    releases, out = tmp_path / "releases", tmp_path / "out"
    common = ["--out", str(out), "--releases", str(releases), "--date", "2027-01-01"]
    assert main(["release", "--package", str(repo), *common]) == 0
    assert json.loads((releases / "0.1.0" / "release.json").read_text())["commit"]
    capsys.readouterr()

    new = repo / "datapackage.json"
    set_version(new, "0.1.1")
    commit(new)
    assert main(["release", "--package", str(repo), *common]) == 1
    assert "nothing changed since 0.1.0" in capsys.readouterr().err

    def add_2026(frame: pl.DataFrame) -> pl.DataFrame:
        row = frame.filter(indicator_id="caseload_fte", area_code="E08000035", period="2025")
        row = row.with_columns(period=pl.lit(NEXT), period_end=pl.lit(f"{NEXT}-09-30"))
        return pl.concat([frame, row]).sort("indicator_id", "area_code", "period")

    edit_rows(new, "observations", add_2026)
    commit(new)
    assert main(["release", "--package", str(repo), *common]) == 1
    err = capsys.readouterr().err
    assert "version 0.1.1 does not follow 0.1.0" in err and "need a MINOR release" in err
    assert "expected 0.2.0" in err and not (releases / "0.1.1").exists()

    set_version(new, "0.2.0")
    commit(new)
    assert main(["release", "--package", str(repo), *common]) == 0
    changes = json.loads((releases / "0.2.0" / "changes.json").read_text())
    assert changes["level"] == "minor" and changes["old"]["version"] == "0.1.0"
    assert changes["tables"]["new_periods"] == [{"indicator_id": "caseload_fte", "periods": [NEXT]}]
    assert (out / "cscbench-data-0.2.0.zip").is_file()

    edit_schema(new, "observations", lambda s: s["fields"][3].update(type="string"))
    set_version(new, "0.3.0")
    commit(new)
    args = [
        "release",
        "--package",
        str(repo),
        *common,
        "--previous",
        str(out / "cscbench-data-0.2.0.zip"),
    ]
    assert main(args) == 1
    assert "need a MAJOR release" in capsys.readouterr().err


def test_a_version_is_released_once(
    released: ReleaseResult, package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = copy_package(package, tmp_path / "p")
    edit_rows(
        changed, "areas", lambda f: f.with_columns(pl.col("name").str.replace("Leeds", "Leedz"))
    )
    commit(changed)
    args = ["release", "--package", str(changed), "--out", str(tmp_path / "out")]
    assert main([*args, "--releases", str(released.recorded.parent)]) == 1
    assert "0.1.0 was already released with other data" in capsys.readouterr().err
    schema_only = copy_package(package, tmp_path / "s")
    edit_schema(schema_only, "areas", lambda s: s.update(description="edited"))
    commit(schema_only)
    args = ["release", "--package", str(schema_only), "--out", str(tmp_path / "out")]
    assert main([*args, "--releases", str(released.recorded.parent)]) == 1
    assert "differs in areas" in capsys.readouterr().err
