"""The "What changed in X.Y.Z" page: rendered from the latest recorded changes file, linked from the
index, in a clone and (through the bundled changes files) from a wheel."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from release_helpers import copy_package, edit_rows, set_cell, small_package

from cscbench.core import paths
from cscbench.core.paths import ROOT
from cscbench.publish import whatchanged
from cscbench.publish.context import Context
from cscbench.release.diff import EMPTY, diff_packages, read_package
from cscbench.release.record import CHANGES, latest_changes, write_record


def record(releases: Path, version: str, diff_json: dict) -> None:
    write_record(releases, version, {CHANGES: json.dumps(diff_json)})


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    """0.1.0 (a first release), 0.9.0 and 0.10.0 (a revision), recorded as release does."""
    old = small_package(tmp_path / "old")
    new = copy_package(old, tmp_path / "new", version="0.10.0")
    key = {"indicator_id": "caseload_fte", "area_code": "E08000035", "period": "2025"}
    edit_rows(new, "observations", set_cell(key, "value", "15.1"))
    folder = tmp_path / "releases"
    record(folder, "0.1.0", diff_packages(EMPTY, read_package(old)).to_dict())
    record(folder, "0.9.0", diff_packages(EMPTY, read_package(old)).to_dict())
    revision = diff_packages(read_package(old), read_package(new)).to_dict()
    revision["new"]["created"] = "2027-01-01T00:00:00Z"
    record(folder, "0.10.0", revision)
    return folder


LABELS = {"caseload_fte": "Caseload (cases per FTE)"}
NAMES = {"E08000035": "Leeds"}


def context(version: str) -> Context:
    return cast(Context, SimpleNamespace(version=version, labels=LABELS, names=NAMES))


@pytest.fixture(autouse=True)
def targets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        whatchanged, "area_targets", lambda ctx: {"Leeds": "../councils/leeds.html"}
    )


def test_the_latest_release_by_version_order_is_rendered(
    releases: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version, diff = latest_changes(releases) or ("", None)
    assert version == "0.10.0" and diff is not None and diff.level == "patch"
    monkeypatch.setattr(whatchanged, "releases_dir", lambda: releases)
    (page,) = whatchanged.build(context("0.10.0"))
    assert page.stem == "changes/what-changed-in-0-10-0" and page.section == "changes"
    assert page.title == "What changed in 0.10.0"
    assert "released 2027-01-01, compared with 0.1.0" in page.intro[0]
    assert "PATCH" in page.intro[0] and "not released yet" not in " ".join(page.intro)
    stems = [t.stem for t in page.tables]
    assert stems == [page.stem, f"{page.stem}-resources", f"{page.stem}-revisions"]
    revisions = page.tables[2].data.to_dicts()
    assert revisions[0]["old_value"] == 14.8 and revisions[0]["new_value"] == 15.1
    # the CSV keeps ids; the page speaks in labels and names (issue 18)
    assert (revisions[0]["indicator_id"], revisions[0]["area_code"]) == ("caseload_fte", LEEDS)
    shown = whatchanged.readable(page.tables[2].data, context("0.10.0")).to_dicts()[0]
    assert (shown["indicator_id"], shown["area_code"]) == (LABELS["caseload_fte"], "Leeds")
    html = page.tables[2].gt.as_raw_html()
    assert "Caseload (cases per FTE)" in html and "caseload_fte" not in html
    assert 'href="../councils/leeds.html"' in html
    words = whatchanged.readable(page.tables[0].data, context("0.10.0"))["change"].to_list()
    assert not any("caseload_fte" in w for w in words)
    summary = page.tables[0].data.to_dicts()
    assert summary[0]["level"] == "Revisions and fixes (patch)"


LEEDS = "E08000035"


def test_a_site_built_from_an_unreleased_package_says_so(
    releases: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whatchanged, "releases_dir", lambda: releases)
    (page,) = whatchanged.build(context("0.11.0"))
    assert "built from package version 0.11.0" in page.intro[1]


def test_no_release_recorded_means_no_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whatchanged, "releases_dir", lambda: tmp_path / "none")
    assert whatchanged.build(context("0.1.0")) == []


def test_the_published_index_links_the_page(published: Path) -> None:
    index = (published / "index.html").read_text(encoding="utf-8")
    (link,) = re.findall(r'href="(changes/what-changed-in-[^"]+\.html)"', index)
    page = (published / link).read_text(encoding="utf-8")
    assert "What changed in" in page and (published / link.replace(".html", ".csv")).is_file()


def test_a_wheel_reads_the_bundled_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.default_releases() == ROOT / "releases"
    monkeypatch.setattr(paths, "checkout", lambda: None)
    assert paths.default_releases() == paths.BUNDLED / "releases"
    assert (ROOT / "releases" / "0.1.0" / CHANGES).is_file()  # what setup.py bundles
