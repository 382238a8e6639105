"""Shared fixtures. Tests that need the raw publisher files use ``raw_dir``.

The rule (docs/maintainers.md, "The two commands and the test tiers"): they run whenever the raw folder exists; in CI (``CI=true``) a missing raw folder
is a failure, elsewhere the tests are skipped with the reason printed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, settings

from cscbench.core.paths import ROOT
from cscbench.core.paths import raw_dir as resolve_raw_dir

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


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock`` (created if missing) until the block ends."""
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def package_frames(registered_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every resource built in memory from the (registered) raw files, once per test session.

    Under pytest-xdist (``make test``) the first worker that needs the frames builds them and
    leaves them as Parquet (an exact round trip of these dtypes) in the run's shared temporary
    folder; the other worker reads them instead of building them again."""
    from cscbench import ingest

    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not distributed
        return ingest.build(registered_raw)
    shared = tmp_path_factory.getbasetemp().parent / "package_frames"
    with exclusive(shared.with_suffix(".lock")):
        order = shared / "order.txt"
        if order.is_file():
            names = order.read_text(encoding="utf-8").split()
            return {name: pl.read_parquet(shared / f"{name}.parquet") for name in names}
        frames = ingest.build(registered_raw)
        shared.mkdir()
        for name, frame in frames.items():
            frame.write_parquet(shared / f"{name}.parquet")
        order.write_text("\n".join(frames), encoding="utf-8")  # last: marks the set complete
        return frames


@pytest.fixture(scope="session")
def fresh_package(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package freshly ingested from the raw files into a temporary folder."""
    from cscbench.cli import main

    out = tmp_path_factory.mktemp("fresh")
    assert main(["ingest", "--raw-dir", str(raw_dir), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def context():  # -> cscbench.publish.context.Context (imported here, not at collection)
    """The publish context of the committed package and the shipped groups, built once per
    worker and shared by the test files that read it (it is frozen: no test can change it)."""
    from cscbench.publish.context import build_context

    return build_context(ROOT / "datapackage.json", ROOT / "config" / "groups.toml")


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site published from the committed package, once per test run, without PNG images
    (a full PNG build is in the slow tier; one small PNG is rendered in test_publish.py).

    Under pytest-xdist the first worker that needs it publishes it into the run's shared temporary
    folder; the other waits for that build and reads it rather than publishing it again. Tests
    only read it."""
    from cscbench.publish import publish_site

    distributed = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    base = tmp_path_factory.getbasetemp().parent if distributed else tmp_path_factory.mktemp("p")
    folder = base / "published"
    lock = base / "published.lock"
    with exclusive(lock) if distributed else contextlib.nullcontext():
        out, done = folder / "site", folder / "complete"
        if done.is_file():
            return out.resolve()
        folder.mkdir(exist_ok=True)
        result = publish_site(ROOT / "datapackage.json", out, png="no")
        assert result.out == out.resolve() and result.pngs == 0 and not result.notes
        done.touch()  # last: marks the site complete
        return out.resolve()


# Fixtures holding the whole site published from the committed package. A test that uses one is
# marked ``site`` (pytest_itemcollected) and runs with the slow tier and in ``make test-site``, not
# in ``make test``: the publish is the suite's biggest fixture (about 30 s of CPU with its charts),
# which the slow tier builds anyway for its browser checks.
WHOLE_SITE = ("published", "published_png")


def uses(item: pytest.Item, name: str) -> bool:
    return name in getattr(item, "fixturenames", ())


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark ``site`` every test that reads the whole published site (before ``-m`` selects)."""
    if any(uses(item, name) for name in WHOLE_SITE):
        item.add_marker(pytest.mark.site)


@pytest.hookimpl(trylast=True)  # after ``-m`` has deselected: order only what runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the test files so neither of the two workers (``make test``, ``make test-site``)
    waits for the other.

    ``--dist loadfile --no-loadscope-reorder`` hands whole files to the workers in this order.
    The largest file that reads the published site goes first: its worker publishes the site
    (``published``) while the other builds the package frames (``package_frames``) and runs the
    files that need neither; the other files that read the site come last, when it is there to
    read. Within a file the order is the file's own."""
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    site = {f for f, its in files.items() if any(uses(i, "published") for i in its)}
    frames = {f for f, its in files.items() if any(uses(i, "package_frames") for i in its)} - site
    builder = max(sorted(site), key=lambda f: len(files[f]), default=None)

    def rank(name: str) -> tuple[int, int, str]:
        group = 0 if name == builder else 1 if name in frames else 3 if name in site else 2
        return group, -len(files[name]), name

    items[:] = [item for name in sorted(files, key=rank) for item in files[name]]
