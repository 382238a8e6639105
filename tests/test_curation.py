"""The curation files in ``registry/`` (announcements, areas, Ofsted differences): read and checked
like the other registries, so a maintainer's typo names its file, entry and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_helpers import use_registry

from cscbench.core.paths import ROOT
from cscbench.ingest import announcements
from cscbench.ingest.curation import (
    ANNOUNCEMENTS_FILE,
    AREAS_FILE,
    OFSTED_FILE,
    READING_KEYS,
    default_curation,
    read_announcements,
    read_areas,
    read_curation,
    read_differences,
)
from cscbench.ingest.registry import RegistryError, default_registry, read_registry

READING = """
[[reading]]
council = "Leeds"
date_as_stated = "2022-02"
value_as_stated = "12 (x)"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_committed_curation_reads() -> None:
    curation = default_curation()
    assert len(curation.announcements.readings) > 30
    assert curation.changes and curation.names and curation.differences
    assert all(
        r.reads_value or r.kind or r.unit or r.basis for r in curation.announcements.readings
    )
    announcements.curation()  # its words are the announcements vocabularies


def test_every_curation_file_says_what_it_holds_and_how_to_change_it() -> None:
    for name in (ANNOUNCEMENTS_FILE, AREAS_FILE, OFSTED_FILE):
        head = (ROOT / "registry" / name).read_text(encoding="utf-8").split("\n\n")[0]
        assert head.startswith("#") and "How to change it" in head, name


@given(st.from_regex(r"\A[a-z_]{1,12}\Z").filter(lambda k: k not in READING_KEYS))
def test_an_unknown_key_names_the_file_entry_and_key(key: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), ANNOUNCEMENTS_FILE, READING + f'{key} = "x"\n')
        with pytest.raises(RegistryError) as caught:
            read_announcements(path)
    message = str(caught.value)
    assert f"{ANNOUNCEMENTS_FILE} [[reading]] 1" in message
    assert key in message and "unknown key" in message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", "a reading that changes nothing"),
        ('value = 12\nno_value = "two figures"\n', "not both"),
        ("value_to = 3\n", "give 'value' (or 'no_value') too"),
        ('value = "12"\n', "key 'value' should be a number"),
        ("kind = 3\n", "key 'kind' should be text"),
    ],
)
def test_bad_readings_are_refused(tmp_path: Path, extra: str, expected: str) -> None:
    path = write(tmp_path, ANNOUNCEMENTS_FILE, READING + extra)
    with pytest.raises(RegistryError) as caught:
        read_announcements(path)
    message = str(caught.value)
    assert f"{path} [[reading]] 1" in message and expected in message


def test_missing_keys_and_bad_dates_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, ANNOUNCEMENTS_FILE, '[[reading]]\ncouncil = "Leeds"\nkind = "other"\n')
    with pytest.raises(RegistryError, match=r"missing key\(s\) \['date_as_stated'"):
        read_announcements(path)
    path = write(
        tmp_path,
        ANNOUNCEMENTS_FILE,
        '[[date]]\ndate_as_stated = "c. 2014"\ndate = "2014-02-30"\nprecision = "day"\n',
    )
    with pytest.raises(RegistryError, match=r"\[\[date\]\] 1: key 'date' should be a date"):
        read_announcements(path)


def test_a_stray_word_in_a_reading_names_its_entry(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", registry)
    path = registry / ANNOUNCEMENTS_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('basis = "other"', 'basis = "otter"', 1), encoding="utf-8")
    found = read_curation(read_registry(registry)).announcements  # the types are right
    with pytest.raises(RegistryError) as caught:
        announcements.checked_words(found, path)
    message = str(caught.value)
    assert str(path) in message and "[[reading]] (" in message
    assert "basis 'otter' is not one of ['council_measure', 'dfe_statistics', 'other']" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            'code = "E1"\nstatus = "abolished"\nsuccessors = ["E06000001"]\nend = "2020-03-31"',
            "codes like",
        ),
        (
            'code = "E10000001"\nstatus = "merged"\nsuccessors = ["E06000001"]\nend = "2020-03-31"',
            "'status' should be one of ['superseded', 'abolished']",
        ),
        (
            'code = "E10000001"\nstatus = "superseded"\nsuccessors = ["E06000001", "E06000002"]\n'
            'end = "2020-03-31"',
            "exactly one successor",
        ),
        (
            'code = "E10000001"\nstatus = "abolished"\nsuccessors = ["E06000001"]\nend = "31/3/2020"',
            "key 'end' should be a date",
        ),
    ],
)
def test_bad_code_changes_are_refused(tmp_path: Path, entry: str, expected: str) -> None:
    path = write(tmp_path, AREAS_FILE, f"[[change]]\n{entry}\n")
    with pytest.raises(RegistryError) as caught:
        read_areas(path)
    assert f"{AREAS_FILE} [[change]] 1" in str(caught.value) and expected in str(caught.value)


def test_bad_name_variants_are_refused(tmp_path: Path) -> None:
    for names in ('E06000010 = "Hull"', "E06000010 = []", 'Hull = ["Hull"]'):
        path = write(tmp_path, AREAS_FILE, f"[names]\n{names}\n")
        with pytest.raises(RegistryError, match=r"\[names\]"):
            read_areas(path)


def test_a_difference_must_name_a_registered_file(tmp_path: Path) -> None:
    entry = (
        '[[difference]]\nfile = "{file}"\nseries = "E06000018"\nkey = "publication_date"\n'
        'published = "{date}"\nheld = "2022-09-05"\nreason = "r"\n'
    )
    registry = default_registry()
    path = write(tmp_path, OFSTED_FILE, entry.format(file="typo.ods", date="2022-11-05"))
    with pytest.raises(RegistryError, match=r"'file' 'typo.ods' is not the name of a raw file"):
        read_differences(path, registry)
    real = "LA_Inspection_Outcomes_as_at_March_2024.ods"
    path = write(tmp_path, OFSTED_FILE, entry.format(file=real, date="5 Nov 2022"))
    with pytest.raises(RegistryError, match=r"key 'published' should be a date"):
        read_differences(path, registry)


@pytest.mark.parametrize("name", [ANNOUNCEMENTS_FILE, AREAS_FILE, OFSTED_FILE])
def test_unreadable_files_are_registry_errors(tmp_path: Path, name: str) -> None:
    """The registries' hardened reader: not UTF-8, a directory, unknown tables."""
    registry = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", registry)
    (registry / name).write_bytes(b"# caf\xe9\n")
    with pytest.raises(RegistryError, match="not UTF-8"):
        read_curation(read_registry(registry))
    (registry / name).unlink()
    (registry / name).mkdir()
    with pytest.raises(RegistryError, match=name):
        read_curation(read_registry(registry))
    (registry / name).rmdir()
    (registry / name).write_text("[surprise]\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"unknown table\(s\) \['surprise'\]"):
        read_curation(read_registry(registry))


def test_ingest_stops_on_a_bad_entry_with_exit_1_and_no_package(
    tmp_path: Path,
    raw_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A typo in a curation file reaches the user as one line naming file, entry and key."""
    from cscbench import cli

    directory = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", directory)
    with (directory / AREAS_FILE).open("a", encoding="utf-8") as out:
        out.write('\n[[change]]\ncode = "E10000099"\nstatus = "merged"\n')
        out.write('successors = ["E06000001"]\nend = "2020-03-31"\n')
    copy = read_registry(directory)
    use_registry(monkeypatch, lambda: copy)
    out = tmp_path / "package"
    assert cli.main(["ingest", "--raw-dir", str(raw_dir), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    where = re.escape(f"{directory / AREAS_FILE} [[change]] ")
    assert re.search(where + r"\d+ \(E10000099\): 'status' should be one of", err)
    assert "Traceback" not in err and not (out / "datapackage.json").exists()
