"""The maintainers' corrections in ``registry/``, read and checked: what a person decided, as data.

* ``announcements.toml``: how each press claim that no pattern can parse was read, the certainty
  texts, the dates no pattern can read, and the press names no statistics file uses.
* ``areas.toml``: council code changes (reorganisations) and name variants.
* ``ofsted_differences.toml``: reviewed disagreements between an Ofsted file and the held history.

They are untrusted input like the other registries: read through the same boundary-checked TOML
reader, every key typed, unknown or missing keys named with the file and the entry. Whether a
reading still matches a raw row is checked by the builder that applies it (a stale entry stops the
build), since only the builder has the raw file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from cscbench.ingest import registry as registries
from cscbench.ingest.registry import Registry, RegistryError, _checked, _read_toml

ANNOUNCEMENTS_FILE = "announcements.toml"
AREAS_FILE = "areas.toml"
OFSTED_FILE = "ofsted_differences.toml"
CODE = re.compile(r"^E\d{8}$")
CHANGE_STATUSES = ("superseded", "abolished")  # superseded: same council, new code
DATE_KEYS = ("fieldwork_start", "publication_date")  # differences whose values are dates


@dataclass(frozen=True)
class Reading:
    """A person's reading of one announcement row, keyed by the row's council, date and value as
    stated. Fields given replace the parsed ones; ``reads_value`` (``value`` or ``no_value``
    given) replaces value, value_to and qualifier together."""

    council: str
    date_as_stated: str
    value_as_stated: str
    reads_value: bool = False
    kind: str | None = None
    value: float | None = None
    value_to: float | None = None
    qualifier: str | None = None
    unit: str | None = None
    basis: str | None = None


@dataclass(frozen=True)
class DateReading:
    stated: str
    date: dt.date
    precision: str


@dataclass(frozen=True)
class Announcements:
    readings: tuple[Reading, ...]
    certainty: dict[str, str]  # certainty text as stated -> certainty
    dates: tuple[DateReading, ...]
    press_names: dict[str, str]  # press name -> area code


@dataclass(frozen=True)
class Change:
    """A reorganisation: ``code`` ended on ``end`` and was replaced by ``successors``."""

    code: str
    status: str
    successors: tuple[str, ...]
    end: dt.date
    name: str | None = None  # official name where the inputs reuse the successor's name


@dataclass(frozen=True)
class KnownDifference:
    """A reviewed disagreement between a checked file and the held history (which wins).

    Each one must still be found in its file: when a release corrects it, the entry must go.
    """

    file: str
    series: str
    key: str  # a judgement key, or a key column (fieldwork_start, publication_date, ...)
    published: str  # what the checked file says
    held: str  # what the held history says
    reason: str


@dataclass(frozen=True)
class Curation:
    announcements: Announcements
    changes: tuple[Change, ...]
    names: dict[str, tuple[str, ...]]  # area code -> names no statistics file uses
    differences: tuple[KnownDifference, ...]


READING_KEYS = {
    "council": str,
    "date_as_stated": str,
    "value_as_stated": str,
    "kind": str,
    "value": float,
    "no_value": str,
    "value_to": float,
    "qualifier": str,
    "unit": str,
    "basis": str,
}
DATE_READING_KEYS = {"date_as_stated": str, "date": str, "precision": str}
CHANGE_KEYS = {"code": str, "status": str, "successors": list, "end": str, "name": str}
DIFFERENCE_KEYS = {
    "file": str,
    "series": str,
    "key": str,
    "published": str,
    "held": str,
    "reason": str,
}


def _day(text: str, key: str, where: str) -> dt.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise RegistryError(f"{where}: key {key!r} should be a date YYYY-MM-DD, got {text!r}")


def _text_table(doc: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise RegistryError(f"{where} [{name}]: expected a table, got {type(table).__name__}")
    return table


def _entries(doc: dict[str, Any], name: str, path: Path) -> list[tuple[Any, str]]:
    entries = doc.get(name, [])
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: {name!r} should be [[{name}]] tables")
    return [(e, f"{path} [[{name}]] {n + 1}") for n, e in enumerate(entries)]


def _unknown_tables(doc: dict[str, Any], known: tuple[str, ...], path: Path) -> None:
    unknown = sorted(set(doc) - set(known))
    if unknown:
        raise RegistryError(f"{path}: unknown table(s) {unknown} (known: {list(known)})")


def _reading(entry: Any, where: str) -> Reading:
    keys = ("council", "date_as_stated", "value_as_stated")
    e = _checked(entry, READING_KEYS, keys, where)
    where = f"{where} ({e['council']}, {e['date_as_stated']!r}, {e['value_as_stated']!r})"
    if "value" in e and "no_value" in e:
        raise RegistryError(f"{where}: give 'value' or 'no_value' (why there is none), not both")
    reads = "value" in e or "no_value" in e
    if not reads and ("value_to" in e or "qualifier" in e):
        raise RegistryError(
            f"{where}: 'value_to' and 'qualifier' replace the parsed value together with it; give "
            "'value' (or 'no_value') too"
        )
    if len(e) == len(keys):
        raise RegistryError(f"{where}: a reading that changes nothing; give what it reads")
    value = e.get("value")
    value_to = e.get("value_to")
    return Reading(
        e["council"],
        e["date_as_stated"],
        e["value_as_stated"],
        reads_value=reads,
        kind=e.get("kind"),
        value=float(value) if value is not None else None,
        value_to=float(value_to) if value_to is not None else None,
        qualifier=e.get("qualifier"),
        unit=e.get("unit"),
        basis=e.get("basis"),
    )


def _strings(table: dict[str, Any], where: str) -> dict[str, str]:
    bad = {k: v for k, v in table.items() if not isinstance(v, str) or not v}
    if bad:
        raise RegistryError(f"{where}: values should be non-empty text, got {bad}")
    return dict(table)


def read_announcements(path: Path) -> Announcements:
    """``announcements.toml``: readings, certainty texts, date readings, press names."""
    doc = _read_toml(path)
    _unknown_tables(doc, ("reading", "date", "certainty", "press_names"), path)
    readings = tuple(_reading(e, w) for e, w in _entries(doc, "reading", path))
    keys = [(r.council, r.date_as_stated, r.value_as_stated) for r in readings]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise RegistryError(f"{path}: readings given twice for {twice}")
    dates = []
    for entry, where in _entries(doc, "date", path):
        e = _checked(entry, DATE_READING_KEYS, tuple(DATE_READING_KEYS), where)
        dates.append(
            DateReading(e["date_as_stated"], _day(e["date"], "date", where), e["precision"])
        )
    press = _strings(_text_table(doc, "press_names", str(path)), f"{path} [press_names]")
    bad = sorted(code for code in press.values() if not CODE.match(code))
    if bad:
        raise RegistryError(f"{path} [press_names]: codes should look like E06000010, got {bad}")
    return Announcements(
        readings,
        _strings(_text_table(doc, "certainty", str(path)), f"{path} [certainty]"),
        tuple(dates),
        press,
    )


def _change(entry: Any, where: str) -> Change:
    e = _checked(entry, CHANGE_KEYS, ("code", "status", "successors", "end"), where)
    where = f"{where} ({e['code']})"
    successors = e["successors"]
    codes = [e["code"], *successors]
    if not all(isinstance(c, str) and CODE.match(c) for c in codes) or not successors:
        raise RegistryError(
            f"{where}: 'code' and 'successors' (at least one) should be codes like E06000057, "
            f"got {e['code']!r} and {successors!r}"
        )
    if e["status"] not in CHANGE_STATUSES:
        raise RegistryError(
            f"{where}: 'status' should be one of {list(CHANGE_STATUSES)}, got {e['status']!r}"
        )
    if e["status"] == "superseded" and len(successors) != 1:
        raise RegistryError(f"{where}: a superseded code has exactly one successor")
    return Change(
        e["code"], e["status"], tuple(successors), _day(e["end"], "end", where), e.get("name")
    )


def read_areas(path: Path) -> tuple[tuple[Change, ...], dict[str, tuple[str, ...]]]:
    """``areas.toml``: the code changes, and the name variants by code."""
    doc = _read_toml(path)
    _unknown_tables(doc, ("change", "names"), path)
    changes = tuple(_change(e, w) for e, w in _entries(doc, "change", path))
    ended = [c.code for c in changes]
    twice = sorted({c for c in ended if ended.count(c) > 1})
    if twice:
        raise RegistryError(f"{path}: codes changed twice: {twice}")
    names: dict[str, tuple[str, ...]] = {}
    for code, values in _text_table(doc, "names", str(path)).items():
        if not CODE.match(code) or not (
            isinstance(values, list) and values and all(isinstance(v, str) and v for v in values)
        ):
            raise RegistryError(
                f"{path} [names] {code}: expected a code like E06000010 = [names as text], "
                f"got {values!r}"
            )
        names[code] = tuple(values)
    return changes, names


def read_differences(path: Path, registry: Registry) -> tuple[KnownDifference, ...]:
    """``ofsted_differences.toml``; each names a registered raw file, so a typo cannot make an
    entry that is never checked."""
    doc = _read_toml(path)
    _unknown_tables(doc, ("difference",), path)
    files = {PurePosixPath(s.raw_path).name for s in registry.sources if s.raw_path}
    found = []
    for entry, where in _entries(doc, "difference", path):
        e = _checked(entry, DIFFERENCE_KEYS, tuple(DIFFERENCE_KEYS), where)
        if e["file"] not in files:
            raise RegistryError(
                f"{where}: 'file' {e['file']!r} is not the name of a raw file in "
                f"{registries.SOURCES_FILE}"
            )
        if e["key"] in DATE_KEYS:
            _day(e["published"], "published", where)
            _day(e["held"], "held", where)
        found.append(KnownDifference(**e))
    return tuple(found)


def read_curation(registry: Registry) -> Curation:
    """Every curation file in the registry's folder, checked."""
    directory = registry.directory
    changes, names = read_areas(directory / AREAS_FILE)
    return Curation(
        read_announcements(directory / ANNOUNCEMENTS_FILE),
        changes,
        names,
        read_differences(directory / OFSTED_FILE, registry),
    )


@cache
def _curation_of(registry: Registry) -> Curation:
    return read_curation(registry)


def default_curation() -> Curation:
    """This checkout's curation (the default registry's folder), read once per process."""
    return _curation_of(registries.default_registry())
