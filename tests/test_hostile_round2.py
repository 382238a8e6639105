"""Hostile input, round two (issue 22): the user's mistakes that used to end as internal errors.

Each case is a usage error (exit 2) or invalid input (exit 1) naming what to fix, in-process and
through the CLI; the CSV edge cases (CR-only line endings, NUL bytes, bare carriage returns, line
breaks in names, year 0000) are in the corpus (tests/corpus/cases.toml).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpus.mutations import build_base

from cscbench.cli import main
from cscbench.core.paths import ROOT
from cscbench.validate.run import validate_package


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(ROOT, tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("key", ["title", "version", "name", "description"])
@pytest.mark.parametrize("value", [123, ["a"], {"x": 1}, None])
def test_a_package_property_that_is_not_text_is_invalid(
    base: Path, tmp_path: Path, key: str, value: object
) -> None:
    """A non-string title used to pass validate and then crash publish (exit 3)."""
    package = tmp_path / "p"
    package.mkdir()
    for part in ("datapackage", "schemas"):
        (package / part).symlink_to(base / part)
    descriptor = json.loads((base / "datapackage.json").read_text(encoding="utf-8"))
    descriptor[key] = value
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate_package(package / "datapackage.json")
    shapes = [p for p in report.problems if p.check_id == "package.shape"]
    assert shapes and f"datapackage.json: {key}" in shapes[0].message


def test_ingest_out_that_is_a_file_is_a_usage_error_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a-file"
    target.write_text("not a folder\n", encoding="utf-8")
    assert main(["ingest", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out {target} is a file" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "not a folder\n"
    assert main(["ingest", "--out", str(target / "sub")]) == 2
    assert f"{target} is not a folder" in capsys.readouterr().err


def test_ingest_out_that_is_a_file_through_the_cli(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cscbench", "ingest", "--out", str(target)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "is a file" in done.stderr and "Traceback" not in done.stderr


RUNNER = """
import sys
from cscbench.publish import profiles
profiles.build = lambda ctx: []
from cscbench.cli import main
sys.exit(main(["publish", "--package", sys.argv[1], "--out", sys.argv[2], "--png", "yes"]))
"""


@pytest.mark.slow
def test_png_yes_with_a_chromium_that_cannot_render_is_a_usage_error(tmp_path: Path) -> None:
    """Not an internal error: the user asked for images this browser cannot make; no site is
    left half-written."""
    broken = tmp_path / "chromium"
    broken.write_text('#!/bin/sh\necho "broken chromium" >&2\nexit 1\n', encoding="utf-8")
    broken.chmod(0o755)
    out = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / "datapackage.json"), str(out)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "CHROME_PATH": str(broken)},
        timeout=1200,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert f"--png yes but Chromium ({broken}) could not render" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".site.building-*"))
