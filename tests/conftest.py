"""Shared fixtures. Tests that need the raw publisher files use ``raw_dir``.

The rule (design.md): they run whenever the raw folder exists; in CI (``CI=true``) a missing raw folder
is a failure, elsewhere the tests are skipped with the reason printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cscbench.paths import ROOT
from cscbench.paths import raw_dir as resolve_raw_dir

os.environ.setdefault("PANDERA_VALIDATION_DEPTH", "SCHEMA_AND_DATA")

# No test may depend on wall-clock time: a loaded CI machine must not fail a property test on
# hypothesis's per-example deadline. The examples are derandomised so a run is reproducible.
settings.register_profile(
    "cscbench",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("cscbench")


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    path = resolve_raw_dir()
    if not path.is_dir():
        message = f"raw input folder not found at {path} (set CSCBENCH_RAW_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; raw-data tests are required in CI")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def registered_raw(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw folder holding only the files registry/sources.toml lists (as links to the real ones):
    a build from it proves ingest reads no file the registry does not declare."""
    from cscbench.ingest.registry import default_registry

    root = tmp_path_factory.mktemp("registered-raw")
    for source in default_registry().sources:
        if source.raw_path:
            (root / source.raw_path).parent.mkdir(parents=True, exist_ok=True)
            (root / source.raw_path).symlink_to(raw_dir / source.raw_path)
    return root


@pytest.fixture(scope="session")
def package_frames(registered_raw: Path) -> dict:
    """Every resource built in memory from the (registered) raw files, once per test session."""
    from cscbench import ingest

    return ingest.build(registered_raw)


@pytest.fixture(scope="session")
def fresh_package(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package freshly ingested from the raw files into a temporary folder."""
    from cscbench.cli import main

    out = tmp_path_factory.mktemp("fresh")
    assert main(["ingest", "--raw-dir", str(raw_dir), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site published from the committed package, once per session, without PNG images
    (a full PNG build is in the slow tier; one small PNG is rendered in test_publish.py)."""
    from cscbench.publish import publish_site

    out = tmp_path_factory.mktemp("publish") / "site"
    result = publish_site(ROOT / "datapackage.json", out, png="no")
    assert result.out == out.resolve() and result.pngs == 0 and not result.notes
    return out
