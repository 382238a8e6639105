"""Groups files (issues 18 and 22): pairs from configuration, added to or replacing the defaults,
and hostile files that end as a usage error (2) or invalid input (1) naming the file, never 3.

Each hostile case runs in-process (:func:`check_groups`) and through the CLI (``cscbench publish
--groups``); the groups file is read before the package is validated, so none of them waits for
validation (a test replaces validation with a failure to show it is never reached).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cscbench.validate.run
from cscbench.analysis.groupsfile import MAX_ENTRIES, GroupConfigError, read_entries, safe_slug
from cscbench.cli import main
from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.core.paths import ROOT
from cscbench.publish import check_groups, groups_files

DESCRIPTOR = ROOT / "datapackage.json"
LEEDS, WAKEFIELD = "E08000035", "E08000036"
PARTNER = """
[[group]]
name = "Calderdale and Kirklees"
members = ["Calderdale", "Kirklees"]

[[pair]]
name = "Bradford vs Kirklees"
members = ["Bradford", "E08000034"]
"""


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def hostile(tmp_path: Path) -> dict[str, tuple[Path, int, str]]:
    """name -> (groups path, exit code, text the message must hold)."""
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    many = "".join(
        f'[[group]]\nname = "G{i}"\nmembers = ["Leeds"]\n' for i in range(MAX_ENTRIES + 1)
    )
    return {
        "not utf-8": (
            write(tmp_path / "latin1.toml", '[[group]]\nname = "Bégué"\n'.encode("latin-1")),
            1,
            "not UTF-8",
        ),
        "nested 10,000 deep": (
            write(tmp_path / "deep.toml", "a = " + "[" * 10_000 + "]" * 10_000 + "\n"),
            1,
            "nested too deeply",
        ),
        "a directory": ((tmp_path / "folder.toml"), 2, "directory"),
        "a fifo": (fifo, 2, "expected a groups file"),
        "toml syntax": (
            write(tmp_path / "syntax.toml", '[[group]]\nname = = "x"\n'),
            1,
            "line 2, column",
        ),
        "unknown council": (
            write(tmp_path / "typo.toml", '[[group]]\nname = "T"\nmembers = ["Wakefeild"]\n'),
            1,
            "did you mean 'Wakefield'",
        ),
        "too many groups": (write(tmp_path / "many.toml", many), 1, f"at most {MAX_ENTRIES}"),
        "too large": (write(tmp_path / "large.toml", "#" * 1_000_001), 1, "at most"),
        "a pair of three": (
            write(
                tmp_path / "three.toml",
                '[[pair]]\nname = "P"\nmembers = ["Leeds", "Wakefield", "Bradford"]\n',
            ),
            1,
            "exactly 2 members",
        ),
        "a default's name again": (
            write(
                tmp_path / "again.toml",
                '[[group]]\nname = "West  Yorkshire!"\nmembers = ["Leeds"]\n',
            ),
            1,
            "groups.toml",
        ),
        "unknown table": (write(tmp_path / "table.toml", "[groups]\nx = 1\n"), 1, "unknown table"),
    }


@pytest.fixture
def cases(tmp_path: Path) -> dict[str, tuple[Path, int, str]]:
    (tmp_path / "folder.toml").mkdir()
    return hostile(tmp_path)


@pytest.fixture
def no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation is never reached: the groups files are checked first."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated before the groups file was checked")

    monkeypatch.setattr(cscbench.validate.run, "validate_package", refuse)


def test_hostile_groups_files_in_process(cases: dict[str, tuple[Path, int, str]]) -> None:
    for name, (path, code, text) in cases.items():
        error = UsageError if code == 2 else InvalidInputError
        with pytest.raises(error) as caught:
            check_groups(DESCRIPTOR, groups_files([path]))
        assert text in str(caught.value) and path.name in str(caught.value), name


def test_hostile_groups_files_through_the_cli(
    cases: dict[str, tuple[Path, int, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_validation: None,
) -> None:
    out = tmp_path / "site"
    for name, (path, code, text) in cases.items():
        got = main(
            ["publish", "--package", str(DESCRIPTOR), "--out", str(out), "--groups", str(path)]
        )
        err = capsys.readouterr().err
        assert got == code, (name, err)
        assert text in err and path.name in err and "Traceback" not in err, name
    assert not out.exists()


def test_groups_replace_needs_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "--out", str(tmp_path / "site"), "--groups-replace"]) == 2
    assert "--groups-replace needs" in capsys.readouterr().err


def test_the_headline_pair_is_configuration(tmp_path: Path) -> None:
    """Leeds vs Wakefield is the shipped file's first [[pair]]; a partnership's file adds its
    groups and pairs to the defaults, or replaces them (its first pair is then the headline)."""
    partner = write(tmp_path / "partner.toml", PARTNER)
    shipped = check_groups(DESCRIPTOR, groups_files())
    assert shipped is not None and shipped.headline is not None
    assert shipped.headline.codes == (LEEDS, WAKEFIELD)
    added = check_groups(DESCRIPTOR, groups_files([partner]))
    assert added is not None and added.headline == shipped.headline
    names = [g.name for g in added.pages]
    assert {"West Yorkshire", "Calderdale and Kirklees", "Bradford vs Kirklees"} <= set(names)
    replaced = check_groups(DESCRIPTOR, groups_files([partner], replace=True))
    assert replaced is not None and replaced.headline is not None
    assert replaced.headline.codes == ("E08000032", "E08000034")
    assert [g.name for g in replaced.pages] == ["Calderdale and Kirklees"]


def test_names_in_any_script_get_a_safe_slug_and_keep_their_name(tmp_path: Path) -> None:
    path = write(
        tmp_path / "scripts.toml",
        '[[group]]\nname = "Западный Йоркшир"\nmembers = ["Leeds"]\n'
        '[[group]]\nname = "★★★"\nmembers = ["Leeds"]\n',
    )
    groups = check_groups(DESCRIPTOR, groups_files([path], replace=True))
    assert groups is not None
    first, second = groups.groups
    assert first.name == "Западный Йоркшир" and first.slug == "zapadnyi-iorkshir"
    assert re.fullmatch(r"group-[0-9a-f]{12}", second.slug) and second.name == "★★★"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_every_slug_is_a_safe_ascii_file_name(name: str) -> None:
    slug = safe_slug(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= 72
    assert safe_slug(name) == slug


def test_names_that_share_a_slug_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "same.toml",
        '[[group]]\nname = "Leeds & co"\nmembers = ["Leeds"]\n'
        '[[group]]\nname = "leeds co"\nmembers = ["Leeds"]\n',
    )
    with pytest.raises(GroupConfigError, match="the same name"):
        read_entries([path])
