"""The README's analyst example runs as written, and the README documents the two commands."""

from __future__ import annotations

import re

from cscbench.paths import ROOT


def test_readme_python_example_runs() -> None:
    text = (ROOT / "README.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "cscbench.load" in b]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    caseload = namespace["caseload"]
    assert caseload.columns == ["period", "Leeds", "Wakefield"]  # type: ignore[attr-defined]
    assert namespace["hull"]["area_code"] == "E06000010"  # type: ignore[index]


def test_readme_has_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert "make          # main job" in text and "make test" in text
