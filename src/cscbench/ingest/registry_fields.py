"""The rules each registry entry's fields follow (the kinds of caveat, the keys each kind takes and
their types, ids, dates, patterns and raw paths), and the error that names the file and entry
breaking one.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import polars as pl

from cscbench.package.boundary import check_file

CURATED, SMALL_BASE, COMPUTED_FROM = "curated", "small_base", "computed_from"
ZERO, JUMP = "zero", "jump"


PATTERN_MAX = 500  # characters: an indicator pattern is a short alternation, never a program


class RegistryError(ValueError):
    """A registry entry is missing a key, has an unknown one, or contradicts another entry."""


SOURCE_KEYS = {
    "id": str,
    "dataset": str,
    "reader": str,
    "publisher": str,
    "title": str,
    "licence": str,
    "description": str,
    "published": str,
    "published_unknown": str,
    "periods": list,
    "snapshot": str,
    "publication_url": str,
    "download_url": str,
    "repository": str,
    "repository_path": str,
    "commit": str,
    "raw_path": str,
    "bytes": int,
    "sha256": str,
    "etag": str,
    "last_modified": str,
}
SOURCE_REQUIRED = ("id", "dataset", "publisher", "title", "licence", "description")
# The keys each kind of caveat takes (all required but a curated entry's ``value``).
CAVEAT_KEYS: dict[str, dict[str, type]] = {
    CURATED: {
        "source": str,
        "indicators": str,
        "areas": list,
        "periods": list,
        "since": str,
        "value": float,
    },
    SMALL_BASE: {"indicators": list, "base": list, "below": float, "base_period": str},
    ZERO: {"indicators": list, "base": list, "at_least": float},
    JUMP: {"indicators": list, "factor": float, "min_periods": int},
    COMPUTED_FROM: {},
}
# The keys a kind may leave out (a curated entry gives ``periods`` or ``since``, not both).
CAVEAT_OPTIONAL = {"value", "periods", "since", "base_period"}
CAVEAT_COMMON = {"id": str, "kind": str, "reason": str}
# The placeholders a reason of each kind may use (filled in per figure by ingest).
CAVEAT_PLACEHOLDERS = {
    CURATED: set(),
    SMALL_BASE: {"base"},
    ZERO: {"base"},
    JUMP: {"median", "times"},
    COMPUTED_FROM: {"input", "period", "reason"},
}
CAVEAT_ID = re.compile(r"^[a-z][a-z0-9_]*$")
INDICATOR_KEYS = {
    "id": str,
    "label": str,
    "short_label": str,
    "theme": str,
    "unit": str,
    "decimals": int,
    "polarity": str,
    "min": float,
    "max": float,
    "dataset": str,
    "column": str,
    "where": dict,
    "compute": str,
    "inputs": list,
    "scale": float,
    "formula": str,
    "headline_order": int,
    "caveats": list,
    "definition": str,
}
INDICATOR_REQUIRED = ("id", "label", "theme", "unit", "decimals", "polarity", "dataset")


TYPE_WORDS = {
    str: "text",
    int: "a whole number",
    float: "a number",
    list: "a list",
    dict: "a table",
}


YEAR_IN_ID = re.compile(r"(?:^|_)(?:19|20)\d\d(?:_|$)")  # a year as a word of an id
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_REGISTRY_BYTES = 8 << 20  # a registry is tens of kB; anything near this is not one


def _checked(
    entry: Any, keys: Mapping[str, type], required: tuple[str, ...], where: str
) -> dict[str, Any]:
    """The entry's keys, each of the declared type; unknown or missing keys name the entry."""
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a table, got {type(entry).__name__}")
    if isinstance(entry.get("id"), str):
        where = f"{where} ({entry['id']})"
    unknown = sorted(set(entry) - set(keys))
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {unknown} (known: {sorted(keys)})")
    missing = [k for k in required if k not in entry]
    if missing:
        raise RegistryError(f"{where}: missing key(s) {missing}")
    for key, value in entry.items():
        kind = keys[key]
        ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
        if not ok or (kind is int and isinstance(value, bool)):
            raise RegistryError(f"{where}: key {key!r} should be {TYPE_WORDS[kind]}, got {value!r}")
    return entry


def _read_toml(path: Path) -> dict[str, Any]:
    """A registry file's TOML; anything else (a directory, a FIFO, too large, not UTF-8, nested
    beyond what the parser can follow) is a RegistryError naming the file, never a traceback."""
    refused = check_file(path, MAX_REGISTRY_BYTES)
    if refused is not None and refused.check_id == "file.missing":
        raise RegistryError(
            f"{path} not found: the registries live in a checkout of the cscbench repository"
        )
    if refused is not None:
        raise RegistryError(f"{path}: {refused.value}; expected {refused.expected}")
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RegistryError(
            f"{path}: not UTF-8 text (byte {exc.start:,} is {exc.object[exc.start]:#04x}); "
            "save the registry as UTF-8"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML ({exc})") from exc
    except RecursionError as exc:
        raise RegistryError(
            f"{path}: arrays or tables nested too deeply to read; expected a registry of "
            "[[source]] tables"
        ) from exc
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def raw_path_problem(value: str) -> str | None:
    """Why ``value`` may not be a raw file's path (None when it may): it must name a file inside
    the raw folder by a plain relative path, so no registry entry can make fetch or ingest read or
    write elsewhere. Symlinks are followed and checked again when the file is opened."""
    if not value or any(not c.isprintable() for c in value):
        return "an empty path or one with control characters"
    if "\\" in value:
        return "a path with a backslash (use / between folders)"
    if (
        value.startswith("/")
        or PurePosixPath(value).is_absolute()
        or re.match(r"^[A-Za-z]:", value)
    ):
        return "an absolute path"
    if any(part in ("", ".", "..") for part in value.split("/")):
        return "a path with an empty, '.' or '..' segment"
    if any(part.startswith("-") for part in value.split("/")):
        return "a path with a segment starting with '-'"
    return None


def _published(e: dict[str, Any], where: str) -> None:
    """A publication date (a real YYYY-MM-DD from 1900 on) or the reason none is known: one of
    the two, so a missing date is always explained."""
    if ("published" in e) == ("published_unknown" in e):
        raise RegistryError(
            f"{where}: give either 'published' (YYYY-MM-DD, from the publication itself) or "
            "'published_unknown' (why no date is known), not both or neither"
        )
    if "published" in e:
        try:
            day = dt.date.fromisoformat(e["published"])
        except ValueError:
            day = None
        if day is None or day.year < 1900 or not ISO_DAY.match(e["published"]):
            raise RegistryError(
                f"{where}: key 'published' should be a date YYYY-MM-DD (1900 or later), got "
                f"{e['published']!r}"
            )
    elif not e["published_unknown"].strip():
        raise RegistryError(f"{where}: 'published_unknown' should say why no date is known")


def _texts(values: list[Any], key: str, where: str) -> tuple[str, ...]:
    if not values or not all(isinstance(v, str) and v for v in values):
        raise RegistryError(f"{where}: {key!r} should be a non-empty list of text, got {values!r}")
    return tuple(values)


def checked_pattern(pattern: str, where: str) -> str:
    """A pattern on indicator ids, checked by the engine that will match it.

    polars matches with Rust's regex crate, which runs in linear time (no backtracking), so a
    pattern like ``(a+)+$`` cannot hang ingest; patterns it does not support (look-around,
    back-references) and over-long ones are refused here, naming the entry.
    """
    if len(pattern) > PATTERN_MAX:
        raise RegistryError(
            f"{where}: 'indicators' is {len(pattern)} characters; at most {PATTERN_MAX}"
        )
    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.ComputeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid"
        raise RegistryError(
            f"{where}: 'indicators' is not a regular expression cscbench can run ({first}); "
            "use a plain alternation such as '^(agency_fte|agency_rate_fte)$'"
        ) from exc
    return pattern


def source_id_problem(source_id: str, dataset: str, periods: list[str] | None) -> str | None:
    """Why ``source_id`` may not name a source (None when it may). An id names a series, never a
    release, so a new year adds or edits an entry and renames nothing: a year in an id is allowed
    only as the one period a file covers, in a series with one file per period (``mhclg_ro3`` +
    ``2024-25`` -> ``mhclg_ro3_2024_25``), which a revised release of that period keeps."""
    if not YEAR_IN_ID.search(source_id):
        return None
    if periods and len(set(periods)) == 1:
        per_period = f"{dataset}_{str(periods[0]).replace('-', '_')}"
        if source_id == per_period:
            return None
        hint = f"{dataset!r} (one file holding every year) or {per_period!r} (one file a period)"
    else:
        hint = f"its dataset {dataset!r}"
    return (
        f"id {source_id!r} carries a year; a source id names the series, and the year lives in "
        f"periods, published and raw_path (docs/maintainers.md, 'Adding a year'): expected {hint}"
    )
