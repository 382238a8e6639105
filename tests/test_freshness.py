"""A republish from the inputs the site was built from rewrites nothing (issue 18's speed): the
content key and the list of written files decide, so a changed input or an edited site rebuilds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cscbench.core.paths import ROOT
from cscbench.publish import UP_TO_DATE, freshness, publish_site, site


def package_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "pkg"
    dst.mkdir()
    shutil.copy2(ROOT / "datapackage.json", dst / "datapackage.json")
    for part in ("datapackage", "schemas"):
        shutil.copytree(ROOT / part, dst / part)
    return dst / "datapackage.json"


def test_the_key_follows_every_input(tmp_path: Path) -> None:
    descriptor = package_copy(tmp_path)
    key = freshness.content_key(descriptor, ("groups",), "no", None)
    assert key == freshness.content_key(descriptor, ("groups",), "no", None)
    assert key != freshness.content_key(descriptor, ("other groups",), "no", None)
    assert key != freshness.content_key(descriptor, ("groups",), "yes", "/usr/bin/chromium")
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    package["title"] += " (edited)"
    descriptor.write_text(json.dumps(package), encoding="utf-8")
    assert key != freshness.content_key(descriptor, ("groups",), "no", None)


def test_a_site_is_up_to_date_only_with_its_key_and_every_file_it_wrote(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "profiles").mkdir(parents=True)
    (root / "index.html").write_text("<p>index</p>", encoding="utf-8")
    (root / "profiles" / "leeds.html").write_text("<p>Leeds</p>", encoding="utf-8")
    freshness.record(root, "k1", {"pages": 2, "tables": 0, "pngs": 0})
    assert freshness.up_to_date(root, "k1") == {"pages": 2, "tables": 0, "pngs": 0}
    assert freshness.up_to_date(root, "k2") is None  # another input
    (root / "profiles" / "leeds.html").write_text("<p>edited by hand</p>", encoding="utf-8")
    assert freshness.up_to_date(root, "k1") is None  # a page edited: rebuild
    freshness.record(root, "k1", {"pages": 2})
    (root / "index.html").unlink()
    assert freshness.up_to_date(root, "k1") is None  # a page removed: rebuild
    (root / freshness.KEY_FILE).write_text("[not an object", encoding="utf-8")
    assert freshness.up_to_date(root, "k1") is None  # a broken key file: rebuild


@pytest.mark.slow
def test_a_republish_with_nothing_changed_rewrites_nothing(tmp_path: Path) -> None:
    descriptor = package_copy(tmp_path)
    out = tmp_path / "site"
    first = publish_site(descriptor, out, png="no")
    assert UP_TO_DATE not in first.notes and (out / freshness.KEY_FILE).is_file()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = publish_site(descriptor, out, png="no")
    assert again.notes == (UP_TO_DATE,) and again.pages == first.pages
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    (out / "index.html").write_text("pruned", encoding="utf-8")
    rebuilt = publish_site(descriptor, out, png="no")
    assert UP_TO_DATE not in rebuilt.notes and (out / site.MARKER).is_file()
    assert (out / "index.html").read_text(encoding="utf-8") != "pruned"
