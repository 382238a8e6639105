"""Rehearsal: a new year is routine. docs/maintainers.md, "Adding a year", step by step.

A synthetic next year of DfE's workforce file (today 2026: the 2025 rows copied as 2026) and a
synthetic spending year (today RO3 2025-26: the 2024-25 workbook relabelled) are served from a
local mirror and taken through ``cscbench fetch --mirror ... --accept-new-raw``, ``ingest``,
``validate``, ``diff`` against the committed package and ``publish`` (HTML only). Everything
happens in temporary folders: a copy of the registry and of the raw folder, a temporary package
and site. The synthetic files are clearly not DfE's or MHCLG's and are never written into the
repository; the test checks that no committed file changed.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from pinned import PINNED, WORKFORCE_SOURCE, next_period, raw_path
from pinned import WORKFORCE as PINNED_WORKFORCE
from pytest_httpserver import HTTPServer
from registry_helpers import use_registry

from cscbench import cli
from cscbench.core.paths import ROOT
from cscbench.ingest.registry import Registry, default_registry, read_registry

pytestmark = pytest.mark.slow

# Everything is derived from the registry and tests/fixtures/releases.toml, so the rehearsal
# rehearses whichever year comes next. Source ids carry no release year: the workforce entry keeps
# its id (`dfe_csww`) while its file and periods move on; RO3 publishes one file per financial year,
# so the new year is a new entry whose id is the series and the period it covers.
WORKFORCE = WORKFORCE_SOURCE
YEAR = PINNED_WORKFORCE["latest_period"]  # e.g. 2025
NEXT_YEAR = next_period(YEAR)
OLD_WORKFORCE = raw_path(WORKFORCE)
NEW_WORKFORCE = OLD_WORKFORCE.replace(YEAR, NEXT_YEAR)
OLD_RO3 = default_registry().newest_source("mhclg_ro3").source_id
FY = PINNED["mhclg_ro3"]["periods"][-1]  # e.g. 2024-25
NEXT_FY = next_period(FY)
NEW_RO3 = OLD_RO3.replace(FY.replace("-", "_"), NEXT_FY.replace("-", "_"))
NEW_RO3_PATH = raw_path(OLD_RO3).replace(FY, NEXT_FY)


def committed_state() -> str:
    """What git says about the repository's tracked files (the rehearsal must not change it)."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def next_workforce_year(old: bytes) -> bytes:
    """The latest year's rows again as the next year, appended: the shape of DfE's next file."""
    frame = pl.read_csv(io.BytesIO(old), infer_schema=False)
    latest = frame.filter(pl.col("time_period") == YEAR)
    assert latest.height > 100
    grown = pl.concat([frame, latest.with_columns(pl.lit(NEXT_YEAR).alias("time_period"))])
    out = io.BytesIO()
    grown.write_csv(out)
    return out.getvalue()


def next_spending_year(old: bytes) -> bytes:
    """The newest RO3 workbook relabelled as the next year (sheet names and titles): same figures."""
    source = zipfile.ZipFile(io.BytesIO(old))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in ("content.xml", "styles.xml"):
                text = data.decode("utf-8")
                text = text.replace(FY, NEXT_FY).replace(
                    FY.replace("-", ""), NEXT_FY.replace("-", "")
                )
                data = text.encode("utf-8")
            # the ODF mimetype member stays first and stored, as the format requires
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(info.filename, data, compress_type=kind)
    return out.getvalue()


def edit_sources(path: Path) -> None:
    """The registry edit of the recipe: the workforce entry's file and periods move on, and a new
    RO3 entry (a copy of the newest) names the new year's workbook. sha256 and bytes stay as they
    were: fetch --accept-new-raw records the new file's."""
    text = path.read_text(encoding="utf-8")
    text = text.replace(f'raw_path = "{OLD_WORKFORCE}"', f'raw_path = "{NEW_WORKFORCE}"')
    entries = re.split(r"(?m)^(?=\[\[source\]\])", text)
    workforce = next(i for i, e in enumerate(entries) if f'id = "{WORKFORCE}"' in e)
    entries[workforce] = re.sub(
        rf'(?m)^(periods = \["\d{{4}}", )"{YEAR}"\]', rf'\1"{NEXT_YEAR}"]', entries[workforce]
    )
    ro3 = next(e for e in entries if f'id = "{OLD_RO3}"' in e)
    new = (
        ro3.replace(f'id = "{OLD_RO3}"', f'id = "{NEW_RO3}"')
        .replace(f'"{FY}"', f'"{NEXT_FY}"')
        .replace(re.search(r'raw_path = "[^"]+"', ro3).group(0), f'raw_path = "{NEW_RO3_PATH}"')  # type: ignore[union-attr]
    )
    new = re.sub(r"(?m)^(etag|last_modified) = .*\n", "", new)
    entries.insert(entries.index(ro3) + 1, new)
    path.write_text("".join(entries), encoding="utf-8")


@pytest.fixture
def rehearsal(
    tmp_path: Path, raw_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Path]]:
    """A temporary registry and raw folder, which every cscbench module reads as the default."""
    registry_dir = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", registry_dir)
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)

    def temporary_registry() -> Registry:
        return read_registry(registry_dir)  # re-read: fetch records into it between commands

    use_registry(monkeypatch, temporary_registry)
    yield registry_dir, raw


def test_a_new_year_goes_from_mirror_to_published_site(
    rehearsal: tuple[Path, Path], tmp_path: Path, httpserver: HTTPServer
) -> None:
    registry_dir, raw = rehearsal
    before = committed_state()
    old_ro3 = read_registry(registry_dir).source(OLD_RO3)
    workforce = next_workforce_year((raw / OLD_WORKFORCE).read_bytes())
    spending = next_spending_year((raw / str(old_ro3.raw_path)).read_bytes())
    (raw / OLD_WORKFORCE).unlink()  # the new file holds every year, so the old one goes
    edit_sources(registry_dir / "sources.toml")
    for path, body in ((NEW_WORKFORCE, workforce), (NEW_RO3_PATH, spending)):
        httpserver.expect_request(f"/mirror/{path}").respond_with_data(body)

    fetched = cli.main(
        [
            "fetch",
            "--mirror",
            httpserver.url_for("/mirror"),
            "--raw-dir",
            str(raw),
            "--accept-new-raw",
            "--source",
            WORKFORCE,
            "--source",
            NEW_RO3,
        ]
    )
    assert fetched == 0
    recorded = read_registry(registry_dir)
    assert recorded.source(WORKFORCE).bytes == len(workforce)
    assert recorded.source(NEW_RO3).bytes == len(spending)

    package = tmp_path / "package"
    assert cli.main(["ingest", "--raw-dir", str(raw), "--out", str(package)]) == 0
    descriptor = package / "datapackage.json"
    assert cli.main(["validate", str(descriptor)]) == 0

    observations = pl.read_csv(package / "datapackage" / "observations.csv", infer_schema=False)
    periods = set(observations["period"])
    assert {NEXT_YEAR, NEXT_FY} <= periods
    sources = pl.read_csv(package / "datapackage" / "sources.csv", infer_schema=False)
    assert NEW_RO3 in sources["source_id"].to_list()

    report = tmp_path / "diff.json"
    with report.open("w", encoding="utf-8") as out, pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        assert (
            cli.main(["diff", "--format", "json", str(ROOT / "datapackage.json"), str(descriptor)])
            == 1
        )
    changes = json.loads(report.read_text(encoding="utf-8"))
    assert NEXT_YEAR in json.dumps(changes["changes"])
    # a new year only adds: no id renamed, no row removed, so a MINOR release
    assert changes["level"] == "minor", [c for c in changes["changes"] if c["level"] != "minor"]
    assert not {"source_id_renamed", "rows_removed"} & {c["kind"] for c in changes["changes"]}
    counts = {r["resource"]: r for r in changes["tables"]["resources"]}
    assert counts["sources"]["rows_added"] == 1 and counts["sources"]["rows_removed"] == 0
    workforce_row = sources.filter(pl.col("source_id") == WORKFORCE)
    assert workforce_row["raw_path"].item() == NEW_WORKFORCE
    assert workforce_row["periods"].item().endswith(NEXT_YEAR)

    site = tmp_path / "site"
    assert (
        cli.main(["publish", "--package", str(descriptor), "--out", str(site), "--png", "no"]) == 0
    )
    assert (site / "index.html").is_file()
    assert NEXT_YEAR in "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert committed_state() == before
