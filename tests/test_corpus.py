"""The corpus of broken packages (tests/corpus/cases.toml): every case is caught, located and agreed on.

Each case copies the committed package, applies one declarative mutation, and validates the copy
with both engines. cscbench must report exactly the expected problem (check id, CSV line as a
spreadsheet shows it, column) and nothing else; frictionless must report the same check id at the
same line wherever it can see the problem ("unlocated": the same check id, frictionless giving no
line), and report the package valid where it cannot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from corpus.mutations import (
    CASES,
    Mutated,
    build_base,
    expected_problem,
    located,
    mutate,
    resource_paths,
)

from cscbench.checks import CATALOGUE
from cscbench.paths import ROOT
from cscbench.report import Problem
from cscbench.validate import validate_package


@pytest.fixture(scope="session")
def base_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(ROOT, tmp_path_factory.mktemp("corpus_base"))


def run_case(
    case: dict[str, Any], base: Path, tmp_path: Path
) -> tuple[Mutated, list[Problem], list[Problem]]:
    mutated = mutate(case, base, tmp_path / "pkg")
    report = validate_package(mutated.package / "datapackage.json", engine="both")
    ours = [p for p in report.problems if p.engine == "cscbench"]
    theirs = [p for p in report.problems if p.engine == "frictionless"]
    return mutated, ours, theirs


# ---------------------------------------------------------------------------- tests


def test_corpus_is_large_and_covers_every_resource(base_package: Path) -> None:
    assert len(CASES) >= 25
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"
    assert {c["resource"] for c in CASES} == set(resource_paths(base_package))


def test_corpus_exercises_every_check() -> None:
    """Every catalogue id has a case, except: package.descriptor (tested in test_validate.py),
    package.frictionless (a fallback for frictionless errors without an id) and field.unique (no
    schema has a unique field that is not also the whole primary key, reported as such)."""
    covered = {c["expect"]["check"] for c in CASES if "expect" in c}
    assert set(CATALOGUE) - covered == {
        "package.descriptor",
        "package.frictionless",
        "field.unique",
    }


def test_base_package_is_valid_under_both_engines(base_package: Path) -> None:
    report = validate_package(base_package / "datapackage.json", engine="both")
    assert report.valid, [p.message for p in report.problems[:10]]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any], base_package: Path, tmp_path: Path) -> None:
    mutated, ours, theirs = run_case(case, base_package, tmp_path)
    if "expect" not in case:
        assert ours == [] and theirs == [], [p.message for p in ours + theirs]
        return
    want = expected_problem(case, mutated)
    assert [located(p) for p in ours] == [want], [p.message for p in ours]
    problem = ours[0]
    assert problem.message.startswith(f"{case['resource']}.csv")
    seen = case["frictionless"]
    if seen is False:
        assert theirs == [], [(located(p), p.expected) for p in theirs]
        return
    line = None if seen == "unlocated" else want[2]
    agree = [p for p in theirs if p.check_id == want[0] and p.line == line]
    assert agree, (want, [(located(p), p.expected) for p in theirs])
    if want[3] is not None and line is not None:
        columns = {p.column for p in agree}
        assert want[3] in columns, (want, columns)
