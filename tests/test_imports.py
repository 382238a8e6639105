"""One direction of flow: no import cycle among cscbench's modules.

Read with the standard library's ``ast``, so every import counts: module-level, inside functions
(lazy imports can still form a cycle), and under ``if TYPE_CHECKING``. A package's ``__init__``
runs before any of its submodules whatever they import, so that implicit step is not an edge; an
explicit ``from cscbench import x`` or ``import cscbench.publish`` is.
"""

from __future__ import annotations

import ast
from pathlib import Path

from cscbench.paths import ROOT

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


def imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every cscbench module ``module`` imports, anywhere in its source."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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


def import_graph(src: Path) -> Graph:
    known = modules(src)
    return {name: imported(name, path, known) for name, path in known.items()}


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
    assert {"cscbench.cli", "cscbench.report", "cscbench.publish"} <= graph.keys()
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
    """The stages return results or raise typed errors; cli.py alone talks to the terminal
    (checks.py's ``__main__`` block prints docs/validation.md's check table, labels.py's says which
    schemas it rewrote; the chart worker's
    standard input and output are its pipes to publish, never a terminal)."""
    allowed = {
        "cscbench.cli",
        "cscbench.__main__",
        "cscbench.checks",
        "cscbench.labels",
        "cscbench.chartworker",
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
