"""The committed package: reproducible from the raw files, valid under both engines, atomic to write."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import frictionless
import polars as pl
import pytest
from pinned import WORKFORCE_SOURCE, raw_path

from cscbench import __version__, ingest
from cscbench.cli import main
from cscbench.core.paths import ROOT
from cscbench.ingest.common import RawInputError
from cscbench.ingest.registry import default_registry, read_registry
from cscbench.ingest.sources import sha256
from cscbench.ingest.write import write_package


def test_committed_package_is_what_ingest_produces(fresh_package: Path) -> None:
    """Byte-identical: the committed CSVs are exactly a fresh ingest of the raw files."""
    for path in sorted((ROOT / "datapackage").glob("*.csv")):
        assert (fresh_package / "datapackage" / path.name).read_bytes() == path.read_bytes(), (
            path.name
        )
    assert (fresh_package / "datapackage.json").read_bytes() == (
        ROOT / "datapackage.json"
    ).read_bytes()


def test_ingest_twice_is_byte_identical(
    package_frames: dict, fresh_package: Path, tmp_path: Path
) -> None:
    """Two independent builds (the CLI's and the session's in-memory one) write the same bytes
    (the CLI's was validated as it was written; this one need not be again)."""
    write_package(package_frames, tmp_path, ROOT / "schemas", validate=False)
    for path in sorted((fresh_package / "datapackage").glob("*.csv")):
        assert (tmp_path / "datapackage" / path.name).read_bytes() == path.read_bytes()


@pytest.mark.slow
def test_frictionless_accepts_the_committed_package() -> None:
    """The whole committed package under frictionless (about 5 s for 158k observations): slow tier.
    The fast tier has frictionless on the corpus base and `cscbench validate` on the package."""
    report = frictionless.validate(str(ROOT / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_descriptor_is_data_package_v2_with_version() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert descriptor["version"] == __version__
    assert descriptor["licenses"][0]["name"] == "OGL-UK-3.0"
    for res in descriptor["resources"]:
        assert (ROOT / res["path"]).exists() and (ROOT / res["schema"]).exists()


def test_every_schema_field_has_description_and_example() -> None:
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        for field in json.loads(path.read_text())["fields"]:
            assert field.get("description") and "example" in field, (path.name, field["name"])


def test_csvs_are_utf8_lf_without_bom() -> None:
    for path in sorted((ROOT / "datapackage").glob("*.csv")):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data and data.endswith(b"\n")
        data.decode("utf-8")


def test_sources_record_checksums_of_every_raw_file(raw_dir: Path, package_frames: dict) -> None:
    sources = package_frames["sources"].filter(pl.col("raw_path").is_not_null())
    assert sources["sha256"].null_count() == 0
    assert sources["sha256"].str.len_chars().unique().to_list() == [64]


def edited_raw_copy(raw_dir: Path, tmp_path: Path, old: bytes, new: bytes) -> Path:
    """A copy of the raw folder whose workforce file has its first ``old`` replaced by ``new``."""
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    target = raw / raw_path(WORKFORCE_SOURCE)
    target.chmod(0o644)
    target.write_bytes(target.read_bytes().replace(old, new, 1))
    return raw


def test_changed_raw_file_is_refused(raw_dir: Path, tmp_path: Path) -> None:
    raw = edited_raw_copy(raw_dir, tmp_path, b"21.9", b"29.1")
    registry = default_registry()
    workforce = registry.source(WORKFORCE_SOURCE)  # its file as registered: name, size, sha256
    name, size, sha = Path(raw_path(WORKFORCE_SOURCE)).name, workforce.bytes, workforce.sha256
    with pytest.raises(
        RawInputError,
        match=rf"(?s){re.escape(name)}: expected {size:,} bytes with sha256 {str(sha)[:12]}"
        r".*source dfe_csww.*--accept-new-raw",
    ):
        ingest.verify_files(raw, registry)
    accepted = ingest.verify_files(raw, registry, accept_new=True)
    assert list(accepted) == ["dfe_csww"] and accepted["dfe_csww"][1] == size


def test_moved_header_is_a_clear_error(raw_dir: Path, tmp_path: Path) -> None:
    raw = edited_raw_copy(raw_dir, tmp_path, b"caseload_fte", b"caseload")
    with pytest.raises(
        RawInputError,
        match=re.escape(Path(raw_path(WORKFORCE_SOURCE)).name)
        + r": expected column\(s\) \['caseload_fte'\]",
    ):
        ingest.build(raw)


def test_failed_write_leaves_previous_package_untouched(
    package_frames: dict, tmp_path: Path
) -> None:
    out = tmp_path / "pkg"
    write_package(package_frames, out, ROOT / "schemas")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = dict(package_frames)
    broken["observations"] = package_frames["observations"].with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.lit("nosuch"))
        .otherwise(pl.col("source_id"))
        .alias("source_id")
    )
    with pytest.raises(ValueError, match="nothing was replaced"):
        write_package(broken, out, ROOT / "schemas")
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before == after


def test_a_package_written_elsewhere_is_complete_and_valid(fresh_package: Path) -> None:
    """`ingest --out DIR` carries the schemas, so the descriptor there resolves on its own."""
    for res in json.loads((fresh_package / "datapackage.json").read_text())["resources"]:
        assert (fresh_package / res["schema"]).exists()
    assert main(["validate", str(fresh_package)]) == 0


def test_a_missing_raw_file_is_refused_even_when_accepting(tmp_path: Path) -> None:
    with pytest.raises(RawInputError, match=r"(?s)raw file missing \(source dfe_csww\).*fetch"):
        ingest.verify_files(tmp_path, default_registry(), accept_new=True)


def test_status_enum_is_the_documented_set_and_all_are_used() -> None:
    from cscbench.package.statuses import STATUS_MEANINGS

    schema = json.loads((ROOT / "schemas" / "observations.schema.json").read_text())
    (status,) = [f for f in schema["fields"] if f["name"] == "status"]
    assert status["constraints"]["enum"] == list(STATUS_MEANINGS)
    used = set(pl.read_csv(ROOT / "datapackage" / "observations.csv", infer_schema=False)["status"])
    assert used - {None} == set(STATUS_MEANINGS)


def accept_run(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Path]:
    """`ingest --accept-new-raw` with a copy of the registries (the checkout's stay untouched)."""
    from cscbench.ingest import registry as registry_module

    copy = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", copy)
    monkeypatch.setattr(registry_module, "default_registry", lambda: read_registry(copy))
    args = ["ingest", "--raw-dir", str(raw), "--out", str(tmp_path / "pkg"), "--accept-new-raw"]
    return main(args), copy


def test_accepting_a_new_raw_file_parses_it_first(
    raw_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A garbage 'new release' is refused by its reader; nothing is recorded or written."""
    raw = edited_raw_copy(raw_dir, tmp_path, b"time_period", b"<html><body>")
    code, copy = accept_run(raw, tmp_path, monkeypatch)
    assert code == 1
    name = Path(raw_path(WORKFORCE_SOURCE)).name
    assert f"{name}: expected column(s)" in capsys.readouterr().err
    assert (copy / "sources.toml").read_bytes() == (ROOT / "registry" / "sources.toml").read_bytes()
    assert not (tmp_path / "pkg").exists()


@pytest.mark.slow
def test_an_accepted_release_is_recorded_after_the_build(
    raw_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = edited_raw_copy(raw_dir, tmp_path, b"21.9", b"29.1")
    code, copy = accept_run(raw, tmp_path, monkeypatch)
    assert code == 0
    recorded = read_registry(copy).source("dfe_csww")
    assert recorded.sha256 == sha256(raw / raw_path(WORKFORCE_SOURCE))
    sources = pl.read_csv(tmp_path / "pkg" / "datapackage" / "sources.csv")
    assert sources.filter(source_id="dfe_csww")["sha256"].item() == recorded.sha256
