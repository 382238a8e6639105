"""The docs cite only files that are in the repository (issue 19: notes outside it were cited)."""

from __future__ import annotations

import re

from cscbench.core.paths import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
# A backticked repository path: folders and a file with one of the project's extensions.
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|toml|md|json|cfg))`")
HOMES = (ROOT, ROOT / "src" / "cscbench")  # "ingest/parsers.py" is a module path


def test_every_file_a_doc_names_exists() -> None:
    assert DOCS, "docs/ holds the maintainers' guide"
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for name in PATH.findall(text):
            assert any((home / name).is_file() for home in HOMES), f"{doc.name} cites {name}"
        for link in re.findall(r"\]\((?!https?:)([^)#]+)", text):
            assert (doc.parent / link).exists(), f"{doc.name} links to {link}"


def test_nothing_cites_the_missing_design_notes() -> None:
    places = [
        ROOT / "README.md",
        *DOCS,
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "tests").glob("*.py"),
    ]
    citing = [p.name for p in places if "design" + ".md" in p.read_text(encoding="utf-8")]
    assert citing == []
