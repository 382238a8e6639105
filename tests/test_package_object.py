"""The package object: one reader of ``datapackage.json``, each CSV read once per command.

Counted, not timed: ``json.loads`` and ``polars.read_csv`` are wrapped, and a command must parse
the package's descriptor once (in :mod:`cscbench.package.descriptor`, nowhere else) and each of its CSVs
once. A static check keeps every other JSON parse in src to the files it is known to read.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from release_helpers import commit, edit_rows, set_version, small_package

import cscbench.publish as publish_module
from cscbench.analysis.loader import load, resources
from cscbench.cli import main
from cscbench.core.errors import InvalidInputError
from cscbench.core.paths import ROOT
from cscbench.package import reader as package_object
from cscbench.validate.run import validate_package

SRC = ROOT / "src" / "cscbench"
READER = "cscbench.package.descriptor"  # the one module that parses a descriptor (package_object uses it)
# Every other JSON parse in src and what it reads: none of them is a datapackage.json.
OTHER_JSON = {
    "core/atomic.py": "the run lock's and the journal's own records",
    "core/chartworker.py": "the chart requests on its pipe",
    "validate/frictionless_engine.py": "Table Schema files and the worker's own request and result",
    "package/labels.py": "Table Schema files, for their categories (and the enums written from them)",
    "publish/charts.py": "Vega-Lite templates",
    "publish/chart_render.py": "the chart worker's replies",
    "publish/freshness.py": "the site's key file",
    "release/record.py": "a release's changes.json",
    "release/previous.py": "release.json and changes.json (recorded descriptors: read_json)",
    "package/schema.py": "a Table Schema file",
}


def json_parsers(path: Path) -> list[int]:
    """Lines where ``path`` calls ``json.load``/``json.loads`` or a polars JSON reader."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else None
            if (name, node.func.attr) in {
                ("json", "load"),
                ("json", "loads"),
                ("pl", "read_json"),
                ("pl", "read_ndjson"),
            }:
                lines.append(node.lineno)
    return lines


def test_only_the_reader_and_known_files_parse_json() -> None:
    """A new JSON parse in src fails here until it is listed with what it reads; the descriptor
    itself is parsed only by :mod:`cscbench.package.descriptor`."""
    found = {
        path.relative_to(SRC).as_posix(): json_parsers(path)
        for path in sorted(SRC.rglob("*.py"))
        if json_parsers(path)
    }
    assert set(found) - {"package/descriptor.py"} <= set(OTHER_JSON), found


@dataclass
class Reads:
    """What one command parsed: descriptors (by the module that parsed them) and CSV files."""

    root: Path
    descriptors: list[tuple[str, str]] = field(default_factory=list)  # (module, package folder)
    csvs: Counter[str] = field(default_factory=Counter)

    def start(self, descriptor: Path) -> None:
        """Count from now on, for the package of ``descriptor``."""
        self.root = descriptor.parent.resolve()
        self.descriptors.clear()
        self.csvs.clear()

    def of_package(self) -> list[str]:
        return [module for module, folder in self.descriptors if folder == str(self.root)]


def looks_like_descriptor(value: Any) -> bool:
    listed = value.get("resources") if isinstance(value, dict) else None
    return isinstance(listed, list) and all(isinstance(r, dict) and "path" in r for r in listed)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    """Count descriptor parses (the module that parsed, the folder whose descriptor it was: taken
    from the caller's ``found`` or ``descriptor`` path) and CSV parses by file."""
    seen = Reads(Path())
    real_loads, real_read_csv = json.loads, pl.read_csv

    def loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        value = real_loads(text, *args, **kwargs)
        if looks_like_descriptor(value):
            caller = sys._getframe(1)
            where = caller.f_locals.get("found") or caller.f_locals.get("path")
            folder = str(Path(where).resolve().parent) if where is not None else "?"
            seen.descriptors.append((caller.f_globals["__name__"], folder))
        return value

    def read_csv(source: Any, *args: Any, **kwargs: Any) -> pl.DataFrame:
        # a header peek is not a read; an open file is the package object's (counted below)
        if kwargs.get("n_rows") != 0 and isinstance(source, str | Path):
            seen.csvs[Path(source).resolve().as_posix()] += 1
        return real_read_csv(source, *args, **kwargs)

    def read_text(path: Path, where: str) -> pl.DataFrame:
        seen.csvs[Path(path).resolve().as_posix()] += 1
        return real_read_text(path, where)

    real_read_text = package_object.read_text
    monkeypatch.setattr(json, "loads", loads)
    monkeypatch.setattr(pl, "read_csv", read_csv)
    monkeypatch.setattr(package_object, "read_text", read_text)
    yield seen


def package_csvs(descriptor: Path) -> list[str]:
    listed = json.loads(descriptor.read_text(encoding="utf-8"))["resources"]
    return sorted((descriptor.parent / r["path"]).resolve().as_posix() for r in listed)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return small_package(tmp_path / "pkg")


def test_load_validate_and_frames_from_one_package_read_each_csv_once(
    small: Path, reads: Reads
) -> None:
    expected = package_csvs(small)
    reads.start(small)
    report = validate_package(small)
    package = report.package
    assert report.valid and isinstance(package, package_object.Package)
    for name in resources(package):
        assert load(name, package).equals(package.frame(name))
    load("observations", package, current=True)
    assert reads.of_package() == [READER]
    assert sorted(reads.csvs) == expected and set(reads.csvs.values()) == {1}


def test_the_frames_equal_a_fresh_load(small: Path) -> None:
    """What validation hands over is what a fresh read gives, dtypes and all."""
    validated = validate_package(small).package
    for name in resources(small):
        assert validated.frame(name).equals(load(name, small)), name
        assert validated.frame(name).schema == load(name, small).schema


def test_an_invalid_package_hands_over_no_frames(small: Path) -> None:
    csv = small.parent / "datapackage" / "areas.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "x\n", encoding="utf-8")
    report = validate_package(small)
    assert not report.valid and not report.package.has_text("areas")


def test_an_unusable_descriptor_is_refused_in_validate_words(tmp_path: Path) -> None:
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_text("{", encoding="utf-8")
    package = package_object.read(descriptor)
    assert package.descriptor is None and package.issues[0].check_id == "package.not_json"
    with pytest.raises(package_object.PackageRefused) as refused:
        load("areas", package)
    assert refused.value.check_id == "package.not_json"


class Stop(InvalidInputError):
    """Ends a publish once its context is built (everything after reads only the context), as
    invalid input does: exit 1, no traceback file."""


def test_one_publish_parses_the_descriptor_once_and_each_csv_once(
    small: Path, tmp_path: Path, reads: Reads, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = publish_module.build_context
    built = []

    def context_then_stop(*args: Any, **kwargs: Any) -> Any:
        built.append(real(*args, **kwargs))
        raise Stop

    monkeypatch.setattr(publish_module, "build_context", context_then_stop)
    names = set(resources(small))
    reads.start(small)
    args = ["--package", str(small), "--out", str(tmp_path / "site"), "--png", "no"]
    assert main(["publish", *args]) == 1
    assert reads.of_package() == [READER]
    assert built and set(built[0].frames) == names
    assert sorted(reads.csvs) == package_csvs(small) and set(reads.csvs.values()) == {1}


def test_a_publish_with_an_extension_reads_the_main_package_once(
    tmp_path: Path, reads: Reads, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The return is checked against the package object the command already read: the main
    package's descriptor and CSVs are not read again for it (nor for validation after it)."""
    from extension_helpers import build_demo

    demo = build_demo(tmp_path / "demo").parent

    def stop(*args: Any, **kwargs: Any) -> Any:
        raise Stop("stopped once the package is validated")

    monkeypatch.setattr(publish_module, "build_context", stop)
    descriptor = ROOT / "datapackage.json"
    reads.start(descriptor)
    args = ["--package", str(descriptor), "--out", str(tmp_path / "site"), "--png", "no"]
    assert main(["publish", *args, "--extension", str(demo)]) == 1
    assert reads.of_package() == [READER]
    main_csvs = {k: n for k, n in reads.csvs.items() if k in package_csvs(descriptor)}
    assert sorted(main_csvs) == package_csvs(descriptor) and set(main_csvs.values()) == {1}


def test_one_release_parses_the_descriptor_once_and_each_csv_once(
    small: Path, tmp_path: Path, reads: Reads
) -> None:
    commit(small)
    releases = tmp_path / "releases"
    releases.mkdir()
    reads.start(small)
    args = ["release", "--package", str(small), "--out", str(tmp_path / "out")]
    assert main([*args, "--releases", str(releases), "--date", "2026-01-01"]) == 0
    assert reads.of_package() == [READER]
    assert sorted(reads.csvs) == package_csvs(small) and set(reads.csvs.values()) == {1}


def test_the_reader_belongs_to_the_package_stage() -> None:
    """Nothing the package object imports when it runs, directly or not, is a later stage."""
    from test_imports import SRC as SOURCES
    from test_imports import import_graph

    graph = import_graph(SOURCES, runtime_only=True)  # annotations (core.errors) never run
    reached, todo = set(), ["cscbench.package.reader"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph.get(module, ()))
    later = ("validate", "publish", "release", "diff", "loader", "side_by_side", "verify", "cli")
    assert not {m for m in reached if m.removeprefix("cscbench.").split(".")[0] in later}


def test_a_release_after_another_still_reads_its_own_package_once(
    small: Path, tmp_path: Path, reads: Reads
) -> None:
    """The previous release's package (from git) is another package, read once too."""
    commit(small)
    releases, out = tmp_path / "releases", tmp_path / "out"
    releases.mkdir()
    args = ["release", "--package", str(small), "--out", str(out), "--releases", str(releases)]
    assert main([*args, "--date", "2026-01-01"]) == 0

    def new_period(frame: pl.DataFrame) -> pl.DataFrame:
        row = frame.filter(indicator_id="caseload_fte", area_code="E08000035", period="2025")
        row = row.with_columns(period=pl.lit("2026"), period_end=pl.lit("2026-09-30"))
        return pl.concat([frame, row]).sort("indicator_id", "area_code", "period")

    edit_rows(small, "observations", new_period)
    set_version(small, "0.2.0")
    commit(small, "0.2.0")
    reads.start(small)
    assert main([*args, "--date", "2026-02-01"]) == 0
    assert reads.of_package() == [READER]
    parsed = [(module, folder) for module, folder in reads.descriptors if module != __name__]
    expected = package_csvs(small)
    own = {k: v for k, v in reads.csvs.items() if k in expected}
    assert sorted(own) == expected and set(own.values()) == {1}
    # besides its own: the previous package (from its git commit) and its recorded descriptor
    assert {module for module, _ in parsed} == {READER} and len(parsed) == 3, parsed


def test_diff_and_compare_parse_each_descriptor_once(
    small: Path, tmp_path: Path, reads: Reads, capsys: pytest.CaptureFixture[str]
) -> None:
    other = small_package(tmp_path / "other")
    expected = package_csvs(small)
    reads.start(small)
    assert main(["diff", str(small), str(other)]) == 0
    folders = Counter(folder for _, folder in reads.descriptors)
    assert folders == {str(small.parent.resolve()): 1, str(other.parent.resolve()): 1}
    reads.start(small)
    assert main(["compare", "Leeds", "Wakefield", "--package", str(small)]) == 0
    assert reads.of_package() == [READER] and len(reads.descriptors) == 1
    assert set(reads.csvs) <= set(expected) and set(reads.csvs.values()) == {1}
    capsys.readouterr()


def test_compare_with_an_extension_reads_the_main_package_once(
    tmp_path: Path, reads: Reads, capsys: pytest.CaptureFixture[str]
) -> None:
    """The return's checks, the official rows and the official figure beside each local one all
    come from one read of the main package."""
    from extension_helpers import build_demo

    demo = build_demo(tmp_path / "demo").parent
    descriptor = ROOT / "datapackage.json"
    reads.start(descriptor)
    args = ["compare", "Leeds", "Wakefield", "--package", str(descriptor), "--extension", str(demo)]
    assert main(args) == 0
    assert reads.of_package() == [READER]
    main_csvs = {k: n for k, n in reads.csvs.items() if k in package_csvs(descriptor)}
    assert main_csvs and set(main_csvs.values()) == {1}
    capsys.readouterr()
