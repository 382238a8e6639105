"""The docs cite only what is in the repository (issue 19: notes outside it were cited): every
relative link in README.md and docs/*.md leads to a file in the repository (and to a heading
there, where it names one), every backticked path exists, and no source file names a missing
file. The README, the front door, keeps the two commands and a quick start that runs."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

import cscbench
from cscbench.analysis.groupsfile import groups_files, read_groups
from cscbench.core.paths import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
# A backticked repository path: folders and a file with one of the project's extensions.
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|toml|md|json|cfg))`")
HOMES = (ROOT, ROOT / "src" / "cscbench")  # "ingest/parsers.py" is a module path
# A repository file named in code or comments (the docs, the registries, the configuration, a
# module); tests' temporary packages and benchmarks' work folders name files made on the fly.
CITED = re.compile(r"\b((?:docs|registry|config|src/cscbench)/[\w./-]*\w\.(?:md|toml|py))\b")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _prose(page: Path) -> str:
    """The page without its fenced code (a ``#`` comment in a block is not a heading)."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats
    numbered."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", _prose(page), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        number, unique = 0, slug
        while unique in anchors:
            number += 1
            unique = f"{slug}-{number}"
        anchors.add(unique)
    return anchors


def _links(page: Path) -> list[str]:
    return [t for t in LINK.findall(_prose(page)) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    for link in _links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.is_relative_to(ROOT) and target.exists(), f"{page.name} links to {link}"
        if anchor:
            assert target.suffix == ".md", f"{page.name}: {link} has an anchor into a non-page"
            assert anchor in _anchors(target), f"{page.name}: no heading #{anchor} in {path}"


def test_the_link_checker_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A `title`, here\n\n[x](#a-title-here) [y](#gone) [z](https://e.org)\n")
    assert _anchors(page) == {"a-title-here"} and _links(page) == ["#a-title-here", "#gone"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_file_a_doc_names_exists(page: Path) -> None:
    for name in PATH.findall(page.read_text(encoding="utf-8")):
        if name.startswith(".") or "X.Y.Z" in name:  # written by a command (.refresh/change.md)
            continue
        assert any((home / name).is_file() for home in HOMES), f"{page.name} cites {name}"


def test_no_source_file_names_a_missing_file() -> None:
    places = [
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "tests").glob("*.py"),
        *(ROOT / "benchmarks").glob("*.py"),
        ROOT / "Makefile",
        ROOT / "pyproject.toml",
        ROOT / ".ci" / "run",
    ]
    missing = {
        f"{place.relative_to(ROOT)}: {name}"
        for place in places
        for name in CITED.findall(place.read_text(encoding="utf-8"))
        if not (ROOT / name).exists()
    }
    assert missing == set()


def test_nothing_cites_the_missing_design_notes() -> None:
    places = [
        *PAGES,
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "tests").glob("*.py"),
    ]
    citing = [p.name for p in places if "design" + ".md" in p.read_text(encoding="utf-8")]
    assert citing == []


# ---------------------------------------------------------------------------- the front door


def test_readme_has_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make          # main job" in text and "make test" in text


def test_readme_quick_start_runs() -> None:
    (block,) = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    names: dict[str, object] = {}
    exec(compile(block, "README.md quick start", "exec"), names)
    assert isinstance(names["side_by_side"], pl.DataFrame) and names["side_by_side"].height > 0


def _linked(page: Path) -> set[Path]:
    return {(page.parent / link.partition("#")[0]).resolve() for link in _links(page)}


def test_the_contents_page_links_every_docs_page() -> None:
    """A new page is listed in docs/README.md, which the front door links."""
    contents = ROOT / "docs" / "README.md"
    assert contents.resolve() in _linked(README)
    missing = {p.name for p in DOCS if p != contents and p.resolve() not in _linked(contents)}
    assert missing == set(), "list the page in docs/README.md"


# ---------------------------------------------------------------------------- partnerships


def test_the_partnerships_groups_example_resolves(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "partnerships.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", page, re.S)
    path = tmp_path / "partnership.toml"
    path.write_text(example, encoding="utf-8")
    areas = cscbench.load("areas")
    added = read_groups(groups_files([path]), areas)  # --groups partnership.toml
    assert added.headline is not None and added.headline.name == "Leeds vs Wakefield"
    assert {"Calderdale vs Kirklees", "Our partnership"} <= {g.name for g in added.pages}
    alone = read_groups(groups_files([path], replace=True), areas)  # with --groups-replace
    assert alone.headline is not None and alone.headline.name == "Calderdale vs Kirklees"
    assert [g.codes for g in alone.groups] == [
        ("E08000032", "E08000033", "E08000034", "E08000035", "E08000036")
    ]
