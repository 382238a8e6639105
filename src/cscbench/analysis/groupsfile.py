"""Groups files: the comparison groups and headline pairs a publish run tables, read safely.

``config/groups.toml`` (shipped with the package) holds the defaults: ``[[group]]`` entries (each
gets the headline table) and ``[[pair]]`` entries (two councils side by side; the first pair of
all the files read is the headline comparison: Leeds vs Wakefield by default). ``publish --groups
PATH`` adds a partnership's file to the defaults; ``--groups-replace`` reads only its files.

A groups file is untrusted input. It is read only if it is a regular file of at most
:data:`MAX_BYTES` (never a directory or a FIFO: a usage error), as strict UTF-8 TOML (an error
names the file, and for TOML its line and column), with at most :data:`MAX_ENTRIES` groups and
pairs over all files and :data:`MAX_MEMBERS` councils in one group, so a publish stays bounded
(each group is one table). Names are kept as written for the pages; file names get an ASCII slug
(transliterated: "Кировская" -> "kirovskaia"; a name with no letters to transliterate: a hash).

This module reads and resolves; it builds no page (:mod:`cscbench.publish.groups` does). It is
part of the core (polars and the standard library; python-slugify only when a slug is made), so
the CLI checks a file before it imports the publishing libraries or validates the package: a typo
fails in about 2 s.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cscbench.analysis.loader import _suggest as suggest_names
from cscbench.analysis.loader import load
from cscbench.core.errors import CscbenchError, InvalidInputError, UsageError
from cscbench.core.names import name_lookup, normalise_name
from cscbench.core.paths import default_groups
from cscbench.package import boundary
from cscbench.package.reader import Package

MAX_BYTES = 1_000_000  # a groups file is a few kB; 1 MB is room for 200 groups with notes
MAX_ENTRIES = 200  # groups and pairs together, over every file read: 200 tables at most
MAX_MEMBERS = 60  # councils in one group (a region has at most 19; England's 153 is its own page)
MAX_NAME = 120  # characters in a group's name
MAX_SLUG = 60  # characters in its file name
KINDS = ("group", "pair")
KEYS = {"name", "members", "description"}
TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


class GroupConfigError(InvalidInputError, ValueError):
    """The groups file is malformed or names a council the areas lookup cannot resolve."""


@dataclass(frozen=True)
class Entry:
    """One ``[[group]]`` or ``[[pair]]`` as written: where it is, for every message about it."""

    kind: str
    name: str
    members: tuple[str, ...]
    description: str
    path: Path

    @property
    def where(self) -> str:
        return f"{self.path}: {self.kind} {self.name!r}"


@dataclass(frozen=True)
class Group:
    name: str
    codes: tuple[str, ...]
    description: str = ""
    kind: str = "group"

    @property
    def slug(self) -> str:
        return safe_slug(self.name)


@dataclass(frozen=True)
class Groups:
    """Every group and pair, resolved to council codes, in the order the files give them."""

    groups: tuple[Group, ...] = ()
    pairs: tuple[Group, ...] = ()

    @property
    def headline(self) -> Group | None:
        """The headline comparison: the first pair (None when no file names one)."""
        return self.pairs[0] if self.pairs else None

    @property
    def pages(self) -> tuple[Group, ...]:
        """What gets a page of its own: every group, and every pair but the headline one."""
        return (*self.groups, *self.pairs[1:])


def safe_slug(name: str) -> str:
    """An ASCII file name for any name: transliterated ("Ōsaka Group" -> "osaka-group"), else
    (no letters or digits survive: "★★") a hash of the name, so two names never share one."""
    from slugify import slugify  # the publish extra's; only publishing makes file names

    slug = slugify(name, max_length=MAX_SLUG, word_boundary=True)
    if slug:
        return slug
    return "group-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def _text(path: Path) -> str:
    """The file's text: a regular file within the size bound, strict UTF-8."""
    refusal = boundary.check_file(path, MAX_BYTES)
    if refusal is not None:
        if refusal.check_id == "file.too_large":
            raise GroupConfigError(f"groups file {path}: {refusal.value}; {refusal.expected}")
        raise UsageError(
            f"groups file {path}: {refusal.value}; expected a groups file (TOML), "
            f"{refusal.expected}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"groups file {path}: cannot be read ({exc.strerror})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GroupConfigError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start:,}: {data[exc.start : exc.start + 1]!r}); "
            "save the groups file as UTF-8"
        ) from exc


def _toml(path: Path, text: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = TOML_WHERE.search(str(exc))
        where = f"{path}:{found[1]}:{found[2]}" if found else str(path)
        message = TOML_WHERE.sub("", str(exc)).strip()
        line = f" (line {found[1]}, column {found[2]})" if found else ""
        raise GroupConfigError(f"{where}: not valid TOML{line}: {message}") from exc
    except RecursionError as exc:  # "a = [[[[...": tomllib recurses per level
        raise GroupConfigError(
            f"{path}: nested too deeply to be a groups file (use [[group]] and [[pair]] "
            "entries with a name and a list of members)"
        ) from exc


def read_file(path: Path) -> list[Entry]:
    """The entries of one groups file, checked for shape (not yet for council names)."""
    config = _toml(path, _text(path))
    unknown = sorted(set(config) - set(KINDS))
    if unknown:
        raise GroupConfigError(
            f"{path}: unknown table {unknown[0]!r}; a groups file holds [[group]] and [[pair]] "
            "entries only"
        )
    entries: list[Entry] = []
    for kind in KINDS:
        items = config.get(kind, [])
        if not isinstance(items, list):
            raise GroupConfigError(f"{path}: use [[{kind}]] entries, each with name and members")
        entries += [_entry(path, kind, i, item) for i, item in enumerate(items, start=1)]
    return entries


def _entry(path: Path, kind: str, number: int, item: object) -> Entry:
    where = f"{path}: {kind} {number}"
    if not isinstance(item, dict):
        raise GroupConfigError(f"{where}: must be a [[{kind}]] table with name and members")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise GroupConfigError(f"{where}: needs a name")
    if len(name) > MAX_NAME or not name.isprintable():
        raise GroupConfigError(
            f"{where}: a name is one line of at most {MAX_NAME} printable characters"
        )
    where = f"{path}: {kind} {name.strip()!r}"
    extra = sorted(set(item) - KEYS)
    if extra:
        raise GroupConfigError(f"{where}: unknown key {extra[0]!r} (use {', '.join(sorted(KEYS))})")
    members = item.get("members")
    if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
        raise GroupConfigError(f"{where}: members must be a non-empty list of names or codes")
    if kind == "pair" and len(members) != 2:
        raise GroupConfigError(f"{where}: a pair has exactly 2 members, not {len(members)}")
    if len(members) > MAX_MEMBERS:
        raise GroupConfigError(f"{where}: {len(members)} members; at most {MAX_MEMBERS}")
    description = item.get("description", "")
    if not isinstance(description, str):
        raise GroupConfigError(f"{where}: description must be text")
    return Entry(kind, name.strip(), tuple(members), description, path)


def read_entries(paths: Sequence[Path]) -> list[Entry]:
    """Every file's entries in order, within :data:`MAX_ENTRIES`, each name once per kind."""
    entries: list[Entry] = []
    for path in paths:
        entries += read_file(Path(path))
        if len(entries) > MAX_ENTRIES:
            raise GroupConfigError(
                f"{path}: more than {MAX_ENTRIES} groups and pairs in the groups files read; "
                f"publish at most {MAX_ENTRIES} (each is a table of its own)"
            )
    seen: dict[str, Entry] = {}
    for entry in entries:
        key = safe_slug(entry.name)
        if key in seen:
            first = seen[key]
            raise GroupConfigError(
                f"{entry.where}: the same name (file name {key!r}) as {first.where}; "
                "rename one (or publish with --groups-replace)"
            )
        seen[key] = entry
    return entries


def current_councils(areas: pl.DataFrame) -> pl.DataFrame:
    return areas.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String)).filter(
        pl.col("status") == "current", pl.col("level") == "local_authority"
    )


def resolve_member(member: str, current: pl.DataFrame, lookup: pl.DataFrame, where: str) -> str:
    """A current council's code from its code or any name variant; else an error that says
    what the closest names are ("Wakefeild": did you mean 'Wakefield'?)."""
    text = member.strip()
    if text.upper() in set(current["area_code"]):
        return text.upper()
    key = pl.select(normalise_name(pl.lit(text))).item()
    hits = lookup.filter(pl.col("key") == key)["area_code"].unique().sort().to_list()
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise GroupConfigError(
            f"{where}: no current council called {member!r}{suggest_names(current, text)}"
        )
    raise GroupConfigError(
        f"{where}: {member!r} matches {len(hits)} councils ({', '.join(hits)}); use a code"
    )


def resolve(entries: Sequence[Entry], areas: pl.DataFrame) -> Groups:
    """Each entry's members as council codes; a council twice in one entry is an error."""
    current = current_councils(areas)
    lookup = name_lookup(current)
    resolved: dict[str, list[Group]] = {kind: [] for kind in KINDS}
    for entry in entries:
        codes = tuple(resolve_member(m, current, lookup, entry.where) for m in entry.members)
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise GroupConfigError(
                f"{entry.where}: a council is listed twice ({', '.join(repeated)})"
            )
        resolved[entry.kind].append(Group(entry.name, codes, entry.description, entry.kind))
    return Groups(tuple(resolved["group"]), tuple(resolved["pair"]))


def read_groups(paths: Path | Sequence[Path], areas: pl.DataFrame) -> Groups:
    """Read, check and resolve the groups files (a single path: that file alone)."""
    chosen = [paths] if isinstance(paths, Path | str) else list(paths)
    return resolve(read_entries([Path(p) for p in chosen]), areas)


def groups_files(extra: Sequence[Path] = (), replace: bool = False) -> list[Path]:
    """The groups files a publish reads: the shipped defaults then ``extra`` (``--groups``), or
    ``extra`` alone with ``replace`` (``--groups-replace``)."""
    return [*([] if replace else [default_groups()]), *map(Path, extra)]


def check_groups(descriptor: Path | Package, paths: Sequence[Path]) -> Groups | None:
    """Read the groups files and resolve their councils against the package's ``areas`` before
    the package is validated, so a typo fails in seconds. None when ``areas`` cannot be read
    yet: validation then reports why, and the files are resolved after it."""
    entries = read_entries(paths)  # shape errors name the file whatever the package
    try:
        areas = load("areas", descriptor)
    except (CscbenchError, ValueError, OSError, KeyError):
        return None
    return resolve(entries, areas)
