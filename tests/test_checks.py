"""The check catalogue (src/cscbench/validate/checks/): one home per id, and it says where the id
is used.

Every check id written in src must be in the catalogue (a typo would otherwise reach a user as an
internal error when the report looks its guidance up); every catalogue id lives in exactly one
family module named for its prefix (``obs.*`` in ``observations.py``); and each entry's
``used_in`` names every function (or module-level mapping) elsewhere in src that writes the id, so
a reader of the family module finds the rule of an earlier stage without searching. Found with the
standard library's ``ast``: a string literal that is a whole check id, outside the catalogue's own
``Check(...)`` entries.
"""

from __future__ import annotations

import ast
import re
import runpy
from pathlib import Path

import pytest

from cscbench.core.paths import ROOT
from cscbench.validate.checks import CATALOGUE, FAMILIES, Check, readme_table

SRC = ROOT / "src"
CHECKS_DIR = SRC / "cscbench" / "validate" / "checks"
# A literal shaped like an id but naming a file ("areas.toml", "package.zip") is not an id.
FILE_SUFFIXES = {"csv", "duckdb", "json", "md", "parquet", "png", "py", "toml", "txt", "zip"}
NOT_FAMILY_MODULES = {"__init__", "__main__", "check"}


def id_shape(prefixes: set[str]) -> re.Pattern[str]:
    return re.compile(rf"(?:{'|'.join(sorted(prefixes))})\.([a-z][a-z0-9_]*)")


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_name(node: ast.stmt) -> str:
    """The name a reader looks for: a function's or class's, or a module-level constant's."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return "<module>"


def entry_ids(tree: ast.AST) -> set[int]:
    """The nodes of the catalogue's own ``Check("id", ...)`` entries' ids: not uses."""
    return {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == Check.__name__
        and node.args
    }


def uses(src: Path, prefixes: set[str]) -> dict[str, set[str]]:
    """Each check id written in ``src``, with the ``module:name`` of every place writing it."""
    shape = id_shape(prefixes)
    found: dict[str, set[str]] = {}
    for path in sorted(src.rglob("*.py")):
        module = module_name(path, src)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        entries = entry_ids(tree)
        for statement in tree.body:
            for node in ast.walk(statement):
                if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                    continue
                match = shape.fullmatch(node.value)
                if match and id(node) not in entries and match.group(1) not in FILE_SUFFIXES:
                    found.setdefault(node.value, set()).add(f"{module}:{top_level_name(statement)}")
    return found


def prefixes() -> set[str]:
    return {check_id.split(".")[0] for check_id in CATALOGUE}


@pytest.fixture(scope="module")
def found() -> dict[str, set[str]]:
    """The uses in src, found once for the tests below (parsing src takes a moment)."""
    return uses(SRC, prefixes())


def test_every_check_id_written_in_src_is_in_the_catalogue(found: dict[str, set[str]]) -> None:
    unknown = set(found) - set(CATALOGUE)
    assert not any(c.rpartition(".")[2] in FILE_SUFFIXES for c in CATALOGUE), "an id a file name"
    assert unknown == set(), f"add these to a family module of validate/checks/: {sorted(unknown)}"


def test_each_entry_names_every_place_that_uses_its_id(found: dict[str, set[str]]) -> None:
    """``used_in`` names the uses outside the entry's own family module: a rule beside its entry
    is seen there. Every id is used somewhere."""
    home = {check.check_id: family.__name__ for family in FAMILIES for check in family.CHECKS}
    elsewhere = {
        check_id: {s for s in found.get(check_id, set()) if s.partition(":")[0] != home[check_id]}
        for check_id in CATALOGUE
    }
    wrong = {
        check_id: tuple(sorted(sites))
        for check_id, sites in elsewhere.items()
        if set(CATALOGUE[check_id].used_in) != sites
    }
    assert wrong == {}, f"set each entry's used_in to: {wrong}"
    assert set(CATALOGUE) <= set(found), "a check no code applies"
    assert all(list(c.used_in) == sorted(c.used_in) for c in CATALOGUE.values())


def test_each_id_lives_in_one_family_module_named_for_its_prefix() -> None:
    listed = [check.check_id for family in FAMILIES for check in family.CHECKS]
    assert len(listed) == len(set(listed)) == len(CATALOGUE)
    for family in FAMILIES:
        name = family.__name__.rpartition(".")[2]
        assert family.CHECKS, name
        for check in family.CHECKS:
            prefix = check.check_id.split(".")[0]
            assert name.startswith(prefix), f"{check.check_id} belongs in checks/{prefix}*.py"
    on_disk = {p.stem for p in CHECKS_DIR.glob("*.py")} - NOT_FAMILY_MODULES
    assert on_disk == {f.__name__.rpartition(".")[2] for f in FAMILIES}, "list it in FAMILIES"
    assert all(f.__doc__ for f in FAMILIES), "each family module says what it holds"


def test_the_finder_sees_ids_in_functions_and_mappings_but_not_entries_or_files(
    tmp_path: Path,
) -> None:
    pkg = tmp_path / "demo"
    pkg.mkdir()
    (pkg / "a.py").write_text(
        'MAP = {"x-error": "file.bom"}\n'
        "class Reader:\n"
        "    def read(self):\n"
        '        return Problem("file.bom", "see file.bom")\n'
        'ENTRIES = (Check("file.bom", "title"),)\n'
        'NAME = "areas.toml"\n'
    )
    assert uses(tmp_path, {"file", "areas"}) == {"file.bom": {"demo.a:MAP", "demo.a:Reader"}}


def test_the_module_prints_the_docs_table(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_module("cscbench.validate.checks", run_name="__main__")
    assert capsys.readouterr().out == readme_table() + "\n"
