"""One direction of flow: no import cycle among cscbench's modules.

Read with the standard library's ``ast``, so every import counts: module-level, inside functions
(lazy imports can still form a cycle), and under ``if TYPE_CHECKING``. A package's ``__init__``
runs before any of its submodules whatever they import, so that implicit step is not an edge; an
explicit ``from cscbench import x`` or ``import cscbench.publish`` is.
"""

from __future__ import annotations

import ast
from pathlib import Path

from cscbench.core.paths import ROOT

SRC = ROOT / "src"

Graph = dict[str, set[str]]


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(src: Path) -> dict[str, Path]:
    return {module_name(p, src): p for p in sorted(src.rglob("*.py"))}


def resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module ``name`` refers to: itself, or the nearest enclosing module (an attribute)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """The nodes under ``if TYPE_CHECKING:``: imports for annotations, never run."""
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for child in node.body:
                skipped |= set(ast.walk(child))
    return skipped


def imported(
    module: str, path: Path, known: dict[str, Path], *, runtime_only: bool = False
) -> set[str]:
    """Every cscbench module ``module`` imports, anywhere in its source (``runtime_only``: but
    not under ``if TYPE_CHECKING``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb from this module's package
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from pkg import sub` imports the submodule; `from mod import name` the module
            names += [f"{base}.{alias.name}" for alias in node.names]
    targets = {resolve(n, known) for n in names}
    return {t for t in targets if t is not None and t != module}


def import_graph(src: Path, *, runtime_only: bool = False) -> Graph:
    known = modules(src)
    return {
        name: imported(name, path, known, runtime_only=runtime_only) for name, path in known.items()
    }


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_cscbench_modules() -> None:
    graph = import_graph(SRC)
    assert {"cscbench.cli", "cscbench.validate.report", "cscbench.publish"} <= graph.keys()
    assert cycles(graph) == []


def test_the_cycle_finder_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "demo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from demo.b import g\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import demo.a\n"
    )
    (pkg / "sub" / "__init__.py").write_text("from . import c\n")
    (pkg / "sub" / "c.py").write_text("from ..a import f\n")
    graph = import_graph(tmp_path)
    assert graph["demo.sub"] == {"demo.sub.c"} and graph["demo.sub.c"] == {"demo.a"}
    assert cycles(graph) == [["demo.a", "demo.b"]]


def test_only_the_cli_prints_or_exits() -> None:
    """The stages return results or raise typed errors; cli.py and its handlers (commands/)
    alone talk to the terminal (``python -m cscbench.validate.checks`` prints
    docs/validation.md's check table, labels.py's says which schemas it rewrote; the chart
    worker's standard input and output are its pipes to publish, never a terminal)."""
    allowed = {
        "cscbench.cli",
        *(name for name in modules(SRC) if name.startswith("cscbench.commands")),
        "cscbench.__main__",
        "cscbench.validate.checks.__main__",
        "cscbench.package.labels",
        "cscbench.core.chartworker",
    }
    for name, path in modules(SRC).items():
        if name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                called = ast.unparse(node.func)
                assert called not in {"print", "sys.exit", "exit", "quit"}, (name, node.lineno)
            if isinstance(node, ast.Attribute) and ast.unparse(node) in {
                "sys.stdout",
                "sys.stderr",
            }:
                raise AssertionError((name, node.lineno, ast.unparse(node)))


# The stages in the order data flows through them (each folder's __init__ says what it owns): a
# stage imports only from itself and the stages before it. ingest comes after validate because it
# writes a package only once it validates; analysis (load and compare) reads a package; release
# reads both; a partnership's extension is checked against a release; publish shows it all. The entry points (the command line, ``python -m cscbench``, the public
# functions in ``cscbench/__init__.py`` and the old module paths README showed) sit on top.
LAYERS = ("core", "package", "validate", "ingest", "analysis", "release", "extension", "publish")
# the old module paths README showed, kept as aliases (built here so that relayout.py's rewrite of
# old paths leaves them alone)
ALIASES = tuple(f"cscbench.{name}" for name in ("loader", "side_by_side"))
ENTRY_POINTS = {"cscbench.cli", "cscbench.__main__", *ALIASES}
COMMANDS = "cscbench.commands"  # the command line's handlers, an entry point too


def layer(module: str) -> int:
    """A module's place in LAYERS; the entry points come after every stage."""
    if module == "cscbench" or module in ENTRY_POINTS or module.startswith(COMMANDS):
        return len(LAYERS)
    stage = module.split(".")[1]
    assert stage in LAYERS, f"{module} is in no stage: move it into one of {LAYERS}"
    return LAYERS.index(stage)


def test_each_stage_imports_only_from_the_stages_before_it() -> None:
    """Annotations under ``if TYPE_CHECKING`` are not counted (never run: ``core.errors`` names
    validate's ``Report`` in a type). Importing the root package is allowed from anywhere: its
    body only defines ``__version__`` and the public functions, whose imports are lazy (checked
    below)."""
    assert upward(import_graph(SRC, runtime_only=True)) == []


def upward(graph: Graph) -> list[tuple[str, str]]:
    """Each import of a later stage, as (importer, imported)."""
    return [
        (module, target)
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if target != "cscbench" and layer(target) > layer(module)
    ]


def test_the_layer_check_sees_an_upward_import_but_not_an_annotation(tmp_path: Path) -> None:
    root = tmp_path / "cscbench"
    for folder in (root, root / "core", root / "publish"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("")
    (root / "core" / "a.py").write_text("def f():\n    from cscbench.publish import b\n")
    (root / "core" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cscbench.publish.b import g\n"
    )
    (root / "publish" / "b.py").write_text("from cscbench.core import a, c\n")
    assert upward(import_graph(tmp_path, runtime_only=True)) == [
        ("cscbench.core.a", "cscbench.publish.b")
    ]


def test_the_root_package_imports_no_stage_when_imported() -> None:
    """Its module-level statements import no cscbench module: only its functions do, when called."""
    tree = ast.parse((SRC / "cscbench" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("cscbench"), ast.unparse(node)
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("cscbench") for a in node.names), ast.unparse(node)


def test_every_stage_says_what_it_owns() -> None:
    for stage in LAYERS:
        init = SRC / "cscbench" / stage / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), stage


LONG = 500  # lines: past this a module says why at its top (issue 19)
REASON = "Longer than 500 lines"


def test_no_source_file_over_500_lines_without_a_written_reason() -> None:
    """A long module is hard to read and a magnet for merge conflicts: split it, or say why not
    in its docstring (a paragraph starting "Longer than 500 lines")."""
    unexplained = []
    for name, path in modules(SRC).items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG and REASON not in (ast.get_docstring(ast.parse(text)) or ""):
            unexplained.append((name, text.count("\n")))
    assert unexplained == []


def test_only_the_command_line_imports_ingest() -> None:
    """ingest is the maintainers' side branch: importing it reads the checkout's schemas and
    registries, which an installed wheel lacks, so no other stage may import it (publish and
    release write the package's format through ``package.csvformat``)."""
    importers = {
        module
        for module, targets in import_graph(SRC, runtime_only=True).items()
        if any(t.startswith("cscbench.ingest") for t in targets)
        and not module.startswith("cscbench.ingest")
    }
    assert importers <= {"cscbench.cli", f"{COMMANDS}.arguments", f"{COMMANDS}.ingest"}, importers
