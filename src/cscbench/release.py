"""``cscbench release``: the package as one citable archive, checked against the previous release.

``cscbench-data-X.Y.Z.zip`` holds, under one top-level folder, the CSV package whose descriptor
adds what a committed descriptor leaves out (each resource's ``bytes`` and ``hash``, the release
date as ``created``, a stable ``id``, the ``homepage`` when one is set, and a resource's own
``licenses`` where its sources are not all under the package's licence), typed Parquet files, a
DuckDB database, a README and the changes since the previous release. Nothing in it depends on the
build time, so every member except the DuckDB file (whose format is not byte-reproducible) is
byte-identical when the same package is released twice.

Before anything is written the version number is checked against the previous release recorded
under ``releases/`` (:mod:`cscbench.semver`); the previous package comes from ``--previous`` or
from the git commit that release recorded, and its files must match the hashes recorded then.
Each release records under ``releases/X.Y.Z/`` its descriptor with hashes, its schemas, its
indicator ids, its changes (``changes.json``, which publish renders) and its commit: not the data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from cscbench import atomic, gitrun, limits, package_object, semver
from cscbench.archive import open_package, write_zip
from cscbench.changes import render_markdown
from cscbench.descriptor import read_json as read_bounded_json
from cscbench.diff import EMPTY, Diff, Package, diff_packages, read_package
from cscbench.errors import InvalidInputError, InvalidPackageError, UsageError
from cscbench.loader import load
from cscbench.package import OGL_LICENCE
from cscbench.record import (
    CHANGES,
    DESCRIPTOR,
    INDICATOR_IDS,
    RECORD,
    previous_version,
    write_record,
)
from cscbench.schema import primary_key

ARCHIVE = "cscbench-data-{version}.zip"
DEFAULT_ID = "urn:cscbench:data:{version}"  # a URN: no web address is invented for the project
SETTINGS = "[tool.cscbench.release] in pyproject.toml"
DUCKDB = "cscbench.duckdb"
STAGE_MARKER = ".cscbench-release"  # marks a staging folder as a release's (for the cleanup)
PARQUET_DIR = "parquet"
PARQUET_TIME_UNIT = "us"  # dates in Parquet: timestamps at midnight, so pandas gets datetime64
GIT_SECONDS = 60
COMMIT = re.compile(r"[0-9a-f]{7,40}")  # a git commit id as recorded: abbreviated or full
RECORD_BYTES = 16 * 1024 * 1024  # a recorded file is a few KB; bounded before it is parsed
RECORD_DEPTH = 32  # a recorded descriptor nests five levels
KNOWN_LICENCES = {
    OGL_LICENCE["name"]: OGL_LICENCE,
    "MIT": {"name": "MIT", "path": "https://opensource.org/license/mit", "title": "MIT License"},
}
DUCKDB_TYPES = {"number": "DOUBLE", "integer": "BIGINT", "date": "DATE", "boolean": "BOOLEAN"}


@dataclass(frozen=True)
class Settings:
    """What maintainers set once, in pyproject.toml: the id pattern and the homepage (if any)."""

    id_pattern: str = DEFAULT_ID
    homepage: str | None = None

    def id(self, version: str) -> str:
        return self.id_pattern.replace("{version}", version)


@dataclass(frozen=True)
class ReleaseResult:
    """What one release wrote: the archive, its size, the record and the version check."""

    archive: Path
    version: str
    created: dt.date
    previous: str | None
    level: str
    recorded: Path
    seconds: float
    already: bool = False  # released before with the very same content: nothing recorded anew


# ---------------------------------------------------------------------------- settings and dates


def read_settings(pyproject: Path) -> Settings:
    """``[tool.cscbench.release]``: ``id`` (a URI pattern with ``{version}``) and ``homepage``."""
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInputError(f"{pyproject}: cannot read {SETTINGS} ({exc})") from exc
    settings = table.get("tool", {}).get("cscbench", {}).get("release", {})
    pattern = settings.get("id", DEFAULT_ID)
    homepage = settings.get("homepage") or None
    if not isinstance(pattern, str) or "{version}" not in pattern or ":" not in pattern:
        raise InvalidInputError(
            f"{pyproject}: {SETTINGS} id is {pattern!r}; expected a URI containing {{version}}, "
            f"e.g. {DEFAULT_ID!r}"
        )
    if homepage is not None and (
        not isinstance(homepage, str) or not homepage.startswith("https://")
    ):
        raise InvalidInputError(
            f"{pyproject}: {SETTINGS} homepage is {homepage!r}; expected an https:// address "
            "(or leave it unset)"
        )
    return Settings(pattern, homepage)


def changelog_date(changelog: Path, version: str) -> dt.date | None:
    """The date of ``## [X.Y.Z] - YYYY-MM-DD`` in the CHANGELOG, or None when it has none."""
    if not changelog.is_file():
        return None
    heading = re.compile(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d{{2}}-\d{{2}})\s*$", re.M)
    match = heading.search(changelog.read_text(encoding="utf-8"))
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise InvalidInputError(
            f"{changelog}: {version} is dated {match.group(1)!r}: {exc}"
        ) from exc


def release_date(given: dt.date | None, changelog: Path, version: str) -> dt.date:
    """``--date``, else the CHANGELOG's date for the version: never the build time."""
    date = given or changelog_date(changelog, version)
    if date is None:
        raise UsageError(
            f"no release date for {version}: {changelog} has no '## [{version}] - YYYY-MM-DD' "
            "heading; date the release there (or pass --date YYYY-MM-DD)"
        )
    return date


# ---------------------------------------------------------------------------- the descriptor


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def licence_object(licence: str) -> dict[str, str]:
    """A Data Package licence for a ``sources.licence`` value: a known id, else the stated terms
    (told in full in the release README, which the object points to)."""
    if licence in KNOWN_LICENCES:
        return dict(KNOWN_LICENCES[licence])
    return {"title": licence, "path": "README.md"}


def resource_licences(package: Package) -> dict[str, list[str]]:
    """Each resource's licences, from the sources its rows cite, where they differ from the
    package's (a resource without ``source_id`` is under the package's licence)."""
    sources = package.frames.get("sources")
    if sources is None or not {"source_id", "licence"} <= set(sources.columns):
        return {}
    own = {licence.get("name") for licence in package.descriptor.get("licenses", [])}
    out: dict[str, list[str]] = {}
    for name, frame in sorted(package.frames.items()):
        if "source_id" not in frame.columns or name == "sources":
            continue
        used = frame.select(pl.col("source_id").unique())
        licences = sources.join(used, on="source_id")["licence"].drop_nulls().unique().sort()
        if set(licences) - own:
            out[name] = sorted(licences, key=lambda text: (text not in own, text))
    return out


def release_descriptor(
    package: Package, root: Path, created: dt.date, settings: Settings
) -> dict[str, Any]:
    """The committed descriptor plus created, id, homepage, and per resource bytes, hash and
    licences; key order fixed so the file is the same on every build."""
    base = package.descriptor
    version = str(base["version"])
    out: dict[str, Any] = {}
    for key, value in base.items():
        out[key] = value
        if key == "version":
            out["id"] = settings.id(version)
            out["created"] = f"{created.isoformat()}T00:00:00Z"
            if settings.homepage:
                out["homepage"] = settings.homepage
    licences = resource_licences(package)
    out["resources"] = []
    for entry in base["resources"]:
        path = root / entry["path"]
        resource = {**entry, "bytes": path.stat().st_size, "hash": f"sha256:{sha256(path)}"}
        if entry["name"] in licences:
            resource["licenses"] = [licence_object(text) for text in licences[entry["name"]]]
        out["resources"].append(resource)
    return out


def descriptor_text(descriptor: dict[str, Any]) -> str:
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- previous release


def package_files(descriptor: dict[str, Any]) -> list[str]:
    """The descriptor, then every resource and schema path it names (relative to its folder)."""
    entries = descriptor["resources"]
    files = {r["path"] for r in entries} | {r["schema"] for r in entries}
    return [DESCRIPTOR, *sorted(files)]


def package_commit(folder: Path, descriptor: dict[str, Any]) -> str:
    """The git commit holding exactly this package (at the repository's root, its files
    committed unchanged), so a later release can take this one back from git.

    Raises :class:`UsageError` saying why there is none: a release records the commit it was
    made from, and a package nobody committed cannot be made again."""
    try:
        top = _git(folder, "rev-parse", "--show-toplevel").strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(
            f"{folder} is not in a git repository ({_first_line(exc)}); release from a clone "
            "with the package committed"
        ) from None
    if Path(top).resolve() != folder.resolve():
        raise UsageError(
            f"{folder} is not the root of its git repository ({top}); release the package at "
            "the repository's root"
        )
    files = package_files(descriptor)
    try:
        dirty = [
            line
            for line in _git(folder, "status", "--porcelain", "--", *files).splitlines()
            if line.strip()
        ]
        commit = _git(folder, "rev-parse", "--verify", "HEAD").strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(
            f"{folder}: no commit to release from ({_first_line(exc)}); commit the package first"
        ) from None
    if dirty:
        changed = ", ".join(line[3:] for line in dirty[:5])
        raise UsageError(
            f"{folder}: the package has uncommitted changes ({changed}); commit them (or "
            "discard them) and release again: a release records the commit it was made from"
        )
    return checked_commit(commit, folder / ".git")


def checked_commit(value: object, where: Path) -> str:
    """A recorded commit: 7-40 hexadecimal digits, checked before any git command sees it (a
    value such as ``--output=/tmp/x`` would otherwise be read as an option)."""
    if not isinstance(value, str) or not COMMIT.fullmatch(value):
        raise InvalidInputError(
            f"{where}: commit is {_shown(value)}; expected a git commit id of 7 to 40 "
            "hexadecimal digits"
        )
    return value


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _git(folder: Path, *args: str) -> str:
    """git in ``folder`` the one way cscbench runs it (no terminal input, a time limit)."""
    return gitrun.git(folder, *args, seconds=GIT_SECONDS)


@contextlib.contextmanager
def previous_package(
    releases: Path,
    version: str,
    repositories: list[Path],
    given: Path | None,
    recorded: dict[str, Any] | None = None,
) -> Iterator[Path]:
    """The previous release's ``datapackage.json``: ``--previous``, else from its git commit,
    looked up in each of ``repositories`` in turn (the released package's own, the checkout).
    ``recorded``: its recorded descriptor, when the caller has read it already."""
    if given is not None:
        with open_package(given) as descriptor:
            yield descriptor
        return
    record_path = releases / version / RECORD
    commit = read_record(record_path).get("commit")
    if commit is None:
        raise UsageError(
            f"{record_path} names no git commit for {version}: pass --previous "
            f"with {version}'s release archive or package"
        )
    commit = checked_commit(commit, record_path)
    if recorded is None:
        recorded = recorded_descriptor(releases / version / DESCRIPTOR)
    paths = package_files(recorded)
    with tempfile.TemporaryDirectory(prefix="cscbench-previous-") as folder:
        archive = Path(folder) / f"{version}.zip"
        failures = []
        for repository in repositories:
            try:
                # the commit is checked hex; --end-of-options still keeps it from being an option
                _git(
                    repository,
                    "archive",
                    "--format=zip",
                    "-o",
                    str(archive),
                    "--end-of-options",
                    commit,
                    *paths,
                )
                break
            except (OSError, subprocess.SubprocessError) as exc:
                failures.append(f"{repository}: {_first_line(exc)}")
        else:
            raise UsageError(
                f"cannot take {version}'s package from git commit {commit} "
                f"({'; '.join(failures)}); pass --previous with {version}'s release archive or "
                "package"
            )
        with open_package(archive) as descriptor:
            yield descriptor


def _first_line(error: Exception) -> str:
    """What git said (its first line of stderr), else the error itself."""
    stderr = getattr(error, "stderr", None) or str(error)
    return (str(stderr).strip().splitlines() or [""])[0]


def _json(path: Path) -> Any:
    """A recorded JSON file, bounded in size and nesting: whatever it holds is invalid input
    naming the file, never an internal error."""
    try:
        size = path.stat().st_size
        if size > RECORD_BYTES:
            raise InvalidInputError(
                f"{path}: {size:,} bytes; a release record is at most {RECORD_BYTES:,}"
            )
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise InvalidInputError(f"{path}: cannot be read ({reason})") from None
    if depth(data) > RECORD_DEPTH:
        raise InvalidInputError(f"{path}: nested more than {RECORD_DEPTH} levels deep")
    return data


def depth(value: Any) -> int:
    """How deeply JSON containers nest (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= RECORD_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def read_record(path: Path) -> dict[str, Any]:
    """``release.json``: an object whose ``commit`` is a commit id or null."""
    data = _json(path)
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{path}: a {type(data).__name__}; expected a JSON object "
            '({"version": ..., "commit": ..., ...}) as cscbench release writes'
        )
    commit = data.get("commit")
    if commit is not None:
        checked_commit(commit, path)
    return data


def recorded_descriptor(path: Path) -> dict[str, Any]:
    """A recorded ``datapackage.json``: resources each with a name, a path, a schema and a hash.
    Parsed by the one reader of descriptors (:func:`cscbench.descriptor.read_json`, bounded)."""
    data, issue = read_bounded_json(path.parent, path.name, "release", str(path), limits.from_env())
    if issue is not None:
        got = "" if issue.value is None else f"{issue.value}; "
        raise InvalidInputError(f"{path}: cannot be read ({got}expected {issue.expected})")
    resources = data.get("resources") if isinstance(data, dict) else None
    fine = isinstance(resources, list) and all(
        isinstance(r, dict)
        and all(isinstance(r.get(k), str) for k in ("name", "path", "schema", "hash"))
        for r in resources
    )
    if not fine:
        raise InvalidInputError(
            f"{path}: not a recorded descriptor (expected an object whose resources each have "
            "a name, path, schema and hash, as cscbench release writes)"
        )
    return data


def check_hashes(
    descriptor: Path, recorded: Path, version: str, entries: list[dict[str, Any]] | None = None
) -> None:
    """The previous package must be the one released: every file as its recorded hash says
    (``entries``: the recorded descriptor's resources, when the caller has read them)."""
    if entries is None:
        entries = recorded_descriptor(recorded)["resources"]
    for entry in entries:
        path = descriptor.parent / entry["path"]
        actual = f"sha256:{sha256(path)}" if path.is_file() else "missing"
        if actual != entry.get("hash"):
            raise InvalidInputError(
                f"{path}: {actual} differs from {version}'s recorded {entry.get('hash')} "
                f"({recorded}); the previous package given is not {version} as released"
            )


def changes_since_previous(
    package: Package, version: str, releases: Path, repositories: list[Path], given: Path | None
) -> tuple[str | None, Diff]:
    """The previous version and the diff from it (from nothing for a first release); raises
    :class:`semver.VersionError` when ``version`` understates the changes.

    ``package`` carries its release descriptor, and the previous package is given its recorded
    one (the same files, as the hashes show), so both sides name their release date and id.
    """
    previous = previous_version(releases, version)
    if previous is None:
        return None, diff_packages(EMPTY, package)
    recorded = releases / previous / DESCRIPTOR
    before = recorded_descriptor(recorded)  # read once, for the files, hashes and dates
    with previous_package(releases, previous, repositories, given, before) as old_descriptor:
        check_hashes(old_descriptor, recorded, previous, before["resources"])
        old = replace(read_package(old_descriptor), descriptor=before)
        diff = diff_packages(old, package)
    semver.check(previous, version, diff.level, diff.reasons(diff.level))
    return previous, diff


def recorded_release(
    releases: Path, descriptor: dict[str, Any], root: Path
) -> dict[str, Any] | None:
    """The record of this version when it was released before with the very same content (data
    files by their recorded hashes, Table Schemas byte for byte, release date), None when it was
    never released; raises :class:`semver.VersionError` when it was released with other content.
    A recorded release is never rewritten."""
    version = str(descriptor["version"])
    recorded = releases / version / DESCRIPTOR
    if not (releases / version).exists():
        return None
    before_descriptor = recorded_descriptor(recorded)
    record = read_record(releases / version / RECORD)
    before = {r["name"]: r["hash"] for r in before_descriptor["resources"]}
    now = {r["name"]: r["hash"] for r in descriptor["resources"]}
    changed = {n for n in set(before) | set(now) if before.get(n) != now.get(n)}
    changed |= {
        r["name"]
        for r in descriptor["resources"]
        if not _same_file(root / r["schema"], releases / version / r["schema"])
    }
    if changed:
        raise semver.VersionError(
            f"{version} was already released with other data or schemas ({recorded}; differs "
            f"in {', '.join(sorted(changed))}); a release is never rewritten: bump the version "
            "for a new release"
        )
    if before_descriptor.get("created") != descriptor["created"]:
        raise semver.VersionError(
            f"{version} was already released dated {str(before_descriptor.get('created'))[:10]} "
            f"({recorded}), not {descriptor['created'][:10]}; a release is never rewritten: "
            "release it with its recorded date, or bump the version"
        )
    return record


def _same_file(a: Path, b: Path) -> bool:
    return a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()


# ---------------------------------------------------------------------------- the archive


def write_parquet(
    descriptor: Path | package_object.Package, package: Package, folder: Path
) -> dict[str, Path]:
    """Each resource typed as :func:`cscbench.load` types it, except that dates are stored as
    timestamps at midnight: pandas reads a Parquet date as Python objects but a timestamp as
    ``datetime64`` (DuckDB and polars read either; the DuckDB database keeps DATE)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in package.frames:
        path = folder / f"{name}.parquet"
        parquet_frame(load(name, descriptor)).write_parquet(path)  # a Package: no CSV read
        out[name] = path
    return out


def parquet_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its Date columns as Datetime (microseconds, no time zone)."""
    return frame.with_columns(pl.col(pl.Date).cast(pl.Datetime(PARQUET_TIME_UNIT)))


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_type(field: dict[str, Any]) -> str:
    """The column type: DOUBLE numbers, DATE dates, ENUM for a string with allowed values."""
    enum = field.get("constraints", {}).get("enum")
    kind = field.get("type", "string")
    if enum and kind == "string":
        return "ENUM(" + ", ".join(_literal(str(v)) for v in enum) + ")"
    return DUCKDB_TYPES.get(kind, "VARCHAR")


def create_table_sql(name: str, schema: dict[str, Any]) -> str:
    key = primary_key(schema)
    columns = [
        f"{_quoted(f['name'])} {duckdb_type(f)}" + (" NOT NULL" if f["name"] in key else "")
        for f in schema["fields"]
    ]
    if key:
        columns.append("PRIMARY KEY (" + ", ".join(_quoted(c) for c in key) + ")")
    return f"CREATE TABLE {_quoted(name)} (\n  " + ",\n  ".join(columns) + "\n)"


def write_duckdb(
    path: Path, package: Package, parquet: dict[str, Path], descriptions: dict[str, str]
) -> None:
    """One table per resource, with its types, primary key and descriptions as comments."""
    import duckdb

    with duckdb.connect(str(path)) as con:
        for name, schema in package.schemas.items():
            con.execute(create_table_sql(name, schema))
            con.read_parquet(str(parquet[name])).insert_into(_quoted(name))
            if descriptions.get(name):
                con.execute(f"COMMENT ON TABLE {_quoted(name)} IS {_literal(descriptions[name])}")
            for f in schema["fields"]:
                if f.get("description"):
                    column = f"{_quoted(name)}.{_quoted(f['name'])}"
                    con.execute(f"COMMENT ON COLUMN {column} IS {_literal(f['description'])}")
        con.execute("CHECKPOINT")


def readme(descriptor: dict[str, Any], package: Package, previous: str | None) -> str:
    """The archive's README: what is inside, how to load it, how to cite it, the licences."""
    version, created = descriptor["version"], descriptor["created"][:10]
    who = ", ".join(c.get("title", "") for c in descriptor.get("contributors", [])) or "cscbench"
    rows = "\n".join(
        f"| `{r['name']}` | {package.frames[r['name']].height:,} | {r.get('description', '')} |"
        for r in descriptor["resources"]
    )
    licences = [
        f"* `{r['name']}`: " + "; ".join(licence["title"] for licence in r["licenses"])
        for r in descriptor["resources"]
        if r.get("licenses")
    ]
    homepage = f" Project home: {descriptor['homepage']}" if descriptor.get("homepage") else ""
    since = f"compared with {previous}" if previous else "this is the first release"
    return "\n".join(
        [
            f"# {descriptor.get('title', 'cscbench')}, version {version}",
            "",
            f"Released {created}. Identifier: `{descriptor['id']}`.{homepage}",
            "",
            descriptor.get("description", ""),
            "",
            "## Inside",
            "",
            "| resource | rows | holds |",
            "|---|---|---|",
            rows,
            "",
            "* `datapackage.json` with `datapackage/*.csv` and `schemas/*.schema.json`: the data as a",
            "  Frictionless Data Package (v2). Each resource lists its size (`bytes`) and SHA-256",
            "  (`hash`); `frictionless validate datapackage.json` checks them with everything else.",
            f"* `{PARQUET_DIR}/<resource>.parquet`: the same tables with their types (decimal",
            "  numbers, dates, enumerations).",
            f"* `{DUCKDB}`: a DuckDB database, one table per resource, with primary keys and the",
            "  schema descriptions as comments.",
            f"* `CHANGES.md`: what changed in this version ({since}).",
            "",
            "Figures that were not published are empty, with the publisher's symbol in `status`;",
            "`period_end` (a date) is the column to join on across themes, not `period`. In the",
            "Parquet files dates are timestamps at midnight (so pandas reads them as `datetime64`);",
            "the CSV files and the DuckDB database hold plain dates.",
            "",
            *codes_section(package),
            "## Loading it",
            "",
            "Python, polars:",
            "",
            "```python",
            "import polars as pl",
            f'observations = pl.read_parquet("{PARQUET_DIR}/observations.parquet")',
            "# or, with the cscbench package installed:",
            "import cscbench",
            'observations = cscbench.load("observations", package="datapackage.json")',
            "```",
            "",
            "Python, pandas (reading Parquet needs pyarrow):",
            "",
            "```python",
            "import pandas as pd",
            f'observations = pd.read_parquet("{PARQUET_DIR}/observations.parquet")',
            "```",
            "",
            "DuckDB (Python shown; the CLI takes the same SQL):",
            "",
            "```python",
            "import duckdb",
            f'con = duckdb.connect("{DUCKDB}", read_only=True)',
            'con.sql("SELECT indicator_id, count(*) FROM observations GROUP BY ALL").show()',
            "```",
            "",
            "R, with the frictionless package:",
            "",
            "```r",
            "library(frictionless)",
            'package <- read_package("datapackage.json")',
            'observations <- read_resource(package, "observations")',
            "```",
            "",
            "## Citing it",
            "",
            f"{who} ({created[:4]}). {descriptor.get('title', 'cscbench')}. Data package version "
            f"{version}, released {created}. {descriptor['id']}",
            "",
            "Please cite the original publishers too: `sources` lists each one with its publication.",
            "",
            "## Licences",
            "",
            f"The package is under the {descriptor['licenses'][0].get('title', 'licence')} "
            f"({descriptor['licenses'][0].get('path', '')}). These resources hold rows from",
            "sources under other terms as well, as each resource's `licenses` lists:",
            "",
            *(licences or ["* none"]),
            "",
        ]
    )


def codes_section(package: Package) -> list[str]:
    """Where codes are as published: the councils whose code changed (their series split at the
    change), read from ``areas``, and how to get one series per current council."""
    areas = package.frames.get("areas")
    if areas is None or not {"area_code", "name", "series_code", "end_date"} <= set(areas.columns):
        return []
    moved = areas.filter(
        pl.col("series_code").is_not_null() & (pl.col("series_code") != pl.col("area_code"))
    ).sort("end_date", "name")
    lines = [
        f"* {row['name']}: `{row['area_code']}` until {row['end_date']}, then "
        f"`{row['series_code']}`"
        for row in moved.iter_rows(named=True)
    ]
    return [
        "## Codes as published",
        "",
        "Every file keeps each figure under the area code its publisher used, so a council whose",
        "code changed has two series, split at the change:",
        "",
        *(lines or ["* none in this release"]),
        "",
        "For one series per current council, join on `areas.series_code` (the code the series",
        "continues under; empty for a council that was abolished or merged, whose figures stay",
        "its own), or with the cscbench package installed:",
        "",
        "```python",
        "import cscbench",
        'observations = cscbench.load("observations", package="datapackage.json", current=True)',
        "```",
        "",
        "which moves rows published under a superseded code onto the current one and keeps the",
        "code as published in `published_area_code`.",
        "",
    ]


def archive_members(
    descriptor_path: Path, descriptor: dict[str, Any], work: Path
) -> list[tuple[str, Path]]:
    """(name inside the archive, file): the package's own files, then what ``work`` holds."""
    root = descriptor_path.parent
    own = {r["path"] for r in descriptor["resources"]} | {
        r["schema"] for r in descriptor["resources"]
    }
    members = [(relative, root / relative) for relative in sorted(own)]
    members += [(p.relative_to(work).as_posix(), p) for p in sorted(work.rglob("*")) if p.is_file()]
    return members


def build_archive(
    descriptor_path: Path | package_object.Package,
    package: Package,
    descriptor: dict[str, Any],
    diff: Diff,
    previous: str | None,
    target: Path,
) -> None:
    """Write the archive's generated members in a temporary folder, then the zip atomically."""
    top = f"cscbench-data-{descriptor['version']}"
    with tempfile.TemporaryDirectory(prefix="cscbench-release-") as folder:
        work = Path(folder)
        (work / DESCRIPTOR).write_text(descriptor_text(descriptor), encoding="utf-8")
        (work / "README.md").write_text(readme(descriptor, package, previous), encoding="utf-8")
        (work / "CHANGES.md").write_text(render_markdown(diff, "#"), encoding="utf-8")
        parquet = write_parquet(descriptor_path, package, work / PARQUET_DIR)
        descriptions = {r["name"]: r.get("description", "") for r in descriptor["resources"]}
        write_duckdb(work / DUCKDB, package, parquet, descriptions)
        path = getattr(descriptor_path, "path", descriptor_path)  # a Package: its descriptor
        members = archive_members(path, descriptor, work)
        write_zip(target, [(f"{top}/{name}", path) for name, path in members])


def stage_prefix(out: Path) -> str:
    """Staging folders of releases into ``out`` sit beside it: ``.<out>.release-XXXX``."""
    return f".{Path(os.path.abspath(out)).name}.release-"


def _ours(folder: Path) -> bool:
    return (folder / STAGE_MARKER).is_file()


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A new folder beside ``out`` to build the archive in, removed whatever happens; stale
    ones of killed releases (their run lock free) are removed first. ``out`` itself is not
    touched: the caller moves the finished archive in as its very last step."""
    parent = Path(os.path.abspath(out)).parent
    parent.mkdir(parents=True, exist_ok=True)
    atomic.clean_dead(parent, stage_prefix(out), _ours)
    lock = atomic.RunLock(parent, stage_prefix(out))
    try:
        os.mkdir(lock.folder, 0o755)
        (lock.folder / STAGE_MARKER).write_text("staged by cscbench release\n", encoding="utf-8")
        with atomic.interruptible():
            yield lock.folder
    finally:
        atomic.remove(lock.folder)
        lock.release()


def check_out(out: Path) -> None:
    """``--out`` must be a folder that can be written, or be creatable: checked before anything
    is built or recorded."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder; give the folder the archive goes in")
    existing = next(p for p in [out, *out.absolute().parents] if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write the release to {out}: {existing} is not a writable folder")


def move_into(archive: Path, out: Path) -> Path:
    """The finished archive into ``out`` in one rename (a copy then a rename across disks)."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / archive.name
    try:
        os.replace(archive, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        part = out / f".{archive.name}.part"
        shutil.copyfile(archive, part)
        os.replace(part, target)
    atomic.sync_dir(out)
    return target


# ---------------------------------------------------------------------------- the record


def record_release(
    releases: Path,
    descriptor_path: Path,
    descriptor: dict[str, Any],
    package: Package,
    diff: Diff,
    previous: str | None,
    commit: str,
) -> Path:
    """``releases/X.Y.Z/``: descriptor with hashes, schemas, indicator ids, changes, commit."""
    version = str(descriptor["version"])
    indicators = package.frames.get("indicators")
    ids = [] if indicators is None else indicators["indicator_id"].sort().to_list()
    record = {
        "version": version,
        "created": descriptor["created"],
        "previous": previous,
        "commit": commit,
        "archive": ARCHIVE.format(version=version),
    }
    files: dict[str, str | Path] = {
        DESCRIPTOR: descriptor_text(descriptor),
        INDICATOR_IDS: "".join(f"{i}\n" for i in ids),
        CHANGES: json.dumps(diff.to_dict(), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        RECORD: json.dumps(record, indent=2) + "\n",
    }
    files.update(
        {r["schema"]: descriptor_path.parent / r["schema"] for r in descriptor["resources"]}
    )
    return write_record(releases, version, files)


def recorded_changes(releases: Path, version: str) -> Diff:
    """The changes recorded with a release (its archive's CHANGES.md is made from them)."""
    path = releases / version / CHANGES
    try:
        return Diff.from_dict(_json(path))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInputError(f"{path}: not a changes file cscbench can read ({exc})") from None


# ---------------------------------------------------------------------------- the command


def release(
    descriptor_path: Path | package_object.Package,
    out: Path,
    *,
    root: Path,
    releases: Path,
    date: dt.date | None = None,
    previous: Path | None = None,
) -> ReleaseResult:
    """Validate, check the version against the previous release, write the archive, record it.

    Raises :class:`UsageError` (no release date, an uncommitted package, a previous package that
    cannot be had, ``out`` being written by another command), :class:`InvalidPackageError` (the
    package is invalid) or :class:`semver.VersionError` (the version understates the changes,
    or was released before with other content). Nothing is written before every check has
    passed, and nothing reaches ``out`` unless the whole release succeeded. A version released
    before with the same content is not recorded again: its archive is rebuilt when ``out``
    lacks it (the result says ``already``).
    """
    from cscbench.validate import validate_package

    started = time.perf_counter()
    opened = descriptor_path if isinstance(descriptor_path, package_object.Package) else None
    descriptor_path = opened.path if opened is not None else Path(descriptor_path)
    if not descriptor_path.is_file():
        raise UsageError(f"{descriptor_path} not found")
    # the descriptor parsed once; validation keeps the frames it read for the diff and Parquet
    if opened is None:
        opened = package_object.read(descriptor_path)
    report = validate_package(opened)
    if not report.valid:
        raise InvalidPackageError("the package is invalid; nothing was released", report)
    package = read_package(opened)
    version = semver.text(semver.parse(str(package.version)))
    created = release_date(date, root / "CHANGELOG.md", version)
    commit = package_commit(descriptor_path.parent, package.descriptor)
    settings = read_settings(root / "pyproject.toml")
    descriptor = release_descriptor(package, descriptor_path.parent, created, settings)
    record = recorded_release(releases, descriptor, descriptor_path.parent)
    released = replace(package, descriptor=descriptor)
    if record is None:
        repositories = [descriptor_path.parent, root]
        before, diff = changes_since_previous(released, version, releases, repositories, previous)
    else:
        before, diff = record.get("previous"), recorded_changes(releases, version)
    target = Path(out) / ARCHIVE.format(version=version)
    check_out(Path(out))
    try:
        with atomic.writing([Path(out), releases], "release"):
            if record is None or not target.exists():
                with staged(Path(out)) as stage:
                    built = stage / target.name
                    build_archive(opened, package, descriptor, diff, before, built)
                    atomic.checkpoint("release-built")
                    if record is None:
                        recorded = record_release(
                            releases, descriptor_path, descriptor, package, diff, before, commit
                        )
                    try:
                        move_into(built, Path(out))
                    except BaseException:
                        if record is None:  # all or nothing: the new record goes too
                            atomic.remove(recorded)
                        raise
    except atomic.FolderBusy as exc:
        raise UsageError(f"cannot release {version}: {exc.strerror}") from None
    except OSError as exc:  # --out a file, a read-only or full disk: nothing was put in place
        where = exc.filename or out
        raise UsageError(
            f"cannot write the release to {out} ({exc.strerror or exc}: {where}); nothing was "
            "released"
        ) from None
    seconds = time.perf_counter() - started
    return ReleaseResult(
        target,
        version,
        created,
        before,
        diff.level,
        releases / version,
        seconds,
        record is not None,
    )
