"""Descriptor validation first: ``datapackage.json`` and its Table Schemas are checked before any
data is read.

The descriptor decides which files are read and how, so a hostile or malformed one is refused here
with a check id like every other problem: not JSON, too large or too deeply nested (bounded before
and after parsing, without recursion), the wrong shapes (no resources, a path that is a number,
duplicate names, ``fields`` not a list), Data Package v2 features cscbench does not support
(multipart paths, inline data or schemas, dialects), paths outside the package (the boundary,
:mod:`cscbench.package.boundary`) and schema patterns that are invalid, unsupported (look-around) or huge,
compiled up front with polars' regex engine (the Table Schema checks are
:mod:`cscbench.package.table_schema`). What passes is a :class:`Plan`: every resource's
resolved file and checked Table Schema, all the engines need.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cscbench.package import boundary, limits
from cscbench.package.issue import Issue, shown, unsupported
from cscbench.package.table_schema import normalised, schema_issues

PACKAGE = "datapackage"  # the resource name descriptor problems are reported under
# Data Package v2's recommended characters for a name, not starting with "." (so no "..", no "/":
# a name is a label in reports and part of published file names). frictionless also refuses
# names outside its own pattern.
NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
NAME_RULE = "a name of lower-case letters, digits, '.', '-' and '_' (e.g. observations)"
# The resources no cscbench package can do without: every page and comparison reads them (the
# others, caveats, inspections and announcements, may be absent and the pages say so).
REQUIRED_RESOURCES = ("areas", "indicators", "observations", "statistical_neighbours", "sources")
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}  # hex digits per digest
HEX = re.compile(r"[0-9a-fA-F]+")
HASH_RULE = "'algorithm:hex digest' with md5, sha1, sha256 or sha512 (e.g. sha256:9f86d0...)"
UNSUPPORTED_RESOURCE = {
    "data": "inline data",
    "dialect": "a CSV dialect (cscbench reads comma-separated, double-quoted CSV with a header)",
    "compression": "compressed files",
}


@dataclass(frozen=True)
class Entry:
    """A resource fit to read: its name, its file (resolved inside the package, or fetched) and its
    checked Table Schema."""

    name: str
    path: Path
    schema: dict[str, Any]
    declared: Declared | None = None


@dataclass(frozen=True)
class Declared:
    """What the descriptor says a resource's file is (a release's descriptor says it; the
    repository's does not): its size in bytes and its digest, each None when not given. ``file``
    is the path as the descriptor names it, for messages."""

    file: str
    bytes: int | None
    algorithm: str | None
    digest: str | None

    @property
    def hash(self) -> str | None:
        return None if self.digest is None else f"{self.algorithm}:{self.digest}"


@dataclass
class Plan:
    """The checked package: the descriptor (None if unusable), resources fit to read, issues."""

    package: dict[str, Any] | None
    entries: list[Entry] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    temporary: list[Path] = field(default_factory=list)  # fetched files' folders

    def close(self) -> None:
        """Remove the folders remote files were fetched into."""
        for folder in self.temporary:
            shutil.rmtree(folder, ignore_errors=True)

    @property
    def order(self) -> dict[str, int]:
        names = [r.get("name") for r in (self.package or {}).get("resources", [])]
        return {n: i for i, n in enumerate(names) if isinstance(n, str)}


# ---------------------------------------------------------------------------- JSON, bounded


def depth(value: Any, bound: int) -> int:
    """How deeply ``value`` nests (a scalar is 0), measured with a stack, not recursion; stops
    counting past ``bound``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level > bound:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def read_json(
    base: Path, value: object, resource: str, where: str, chosen: limits.Limits
) -> tuple[Any, Issue | None]:
    """A JSON file the package names, through the boundary, within the size and depth limits.
    ``where`` names the reference (a refused path is reported there); a file that is not JSON
    or nests too deeply is reported under its own name."""
    found = boundary.resolve(base, value, chosen.descriptor_bytes)
    if isinstance(found, boundary.Refusal):
        check_id = "package.descriptor" if found.check_id == "file.missing" else found.check_id
        if found.check_id == "file.too_large":
            expected = f"at most {limits.human_size(chosen.descriptor_bytes)} "
            expected += f"({limits.ENVIRONMENT['descriptor_bytes']})"
            return None, Issue(check_id, resource, where, found.value, expected)
        return None, Issue(check_id, resource, where, found.value, found.expected)
    file = str(value)
    try:
        data = json.loads(found.read_bytes().decode("utf-8"))
    except RecursionError:
        return None, too_deep(resource, file, chosen)
    except (UnicodeDecodeError, ValueError) as exc:
        message = str(exc).splitlines()[0][:160]
        return None, Issue("package.not_json", resource, file, message, "valid UTF-8 JSON")
    except OSError as exc:
        return None, Issue("file.unreadable", resource, file, exc.strerror, "a readable file")
    if depth(data, chosen.descriptor_depth) > chosen.descriptor_depth:
        return None, too_deep(resource, file, chosen)
    return data, None


def too_deep(resource: str, where: str, chosen: limits.Limits) -> Issue:
    return Issue(
        "package.too_deep",
        resource,
        where,
        f"nested more than {chosen.descriptor_depth} levels",
        f"at most {chosen.descriptor_depth} ({limits.ENVIRONMENT['descriptor_depth']})",
    )


# ---------------------------------------------------------------------------- the descriptor


def plan(descriptor: Path, allow_remote: bool = False, chosen: limits.Limits | None = None) -> Plan:
    """Check ``descriptor`` and every Table Schema it names; resolve every resource's file."""
    bound = chosen or limits.from_env()
    descriptor = Path(descriptor)
    package, issue = read_json(descriptor.parent, descriptor.name, PACKAGE, descriptor.name, bound)
    if issue is not None:
        return Plan(None, [], [issue])
    result = Plan(package if isinstance(package, dict) else None)
    resources = resource_list(package, result.issues, descriptor.name)
    if resources is None:
        return result
    names: dict[str, int] = {}
    files: dict[str, str] = {}  # resource -> its schema file, for the cross-schema checks
    try:
        for index, res in enumerate(resources):
            where = f"{descriptor.name}: resources[{index}]"
            name = resource_name(res, where, names, result.issues)
            if name is None:
                continue
            path = resource_path(descriptor.parent, res, name, where, allow_remote, bound, result)
            schema = resource_schema(descriptor.parent, res, name, where, bound, result.issues)
            declared = declared_integrity(res, name, where, result.issues)
            if path is not None and schema is not None:
                result.entries.append(Entry(name, path, schema, declared))
                files[name] = str(res["schema"])
    except BaseException:
        result.close()  # a fetch that cannot work (no httpx) or an interrupt: no temp left
        raise
    found = reference_issues(result.entries, files)
    result.issues.extend(found)
    refused = {i.resource for i in found}
    result.entries = [e for e in result.entries if e.name not in refused]
    return result


# The package's own properties that Data Package v2 defines as strings.
TEXT_PROPERTIES = ("name", "id", "title", "description", "homepage", "version", "created")


def resource_list(package: Any, issues: list[Issue], file: str) -> list[Any] | None:
    if not isinstance(package, dict):
        issues.append(Issue("package.shape", PACKAGE, file, shown(package), "a JSON object"))
        return None
    for key in TEXT_PROPERTIES:  # shown on pages and in releases: never a number or a list
        if key in package and not isinstance(package[key], str):
            where = f"{file}: {key}"
            issues.append(Issue("package.shape", PACKAGE, where, shown(package[key]), "text"))
    resources = package.get("resources")
    if not isinstance(resources, list) or not resources:
        value = "no resources" if resources is None else shown(resources)
        where = f"{file}: resources"
        issues.append(Issue("package.no_resources", PACKAGE, where, value, "a non-empty list"))
        return None
    return resources


def resource_name(res: Any, where: str, names: dict[str, int], issues: list[Issue]) -> str | None:
    """The resource's name, if it is an object with a usable, unique one."""
    if not isinstance(res, dict):
        issues.append(Issue("package.shape", PACKAGE, where, shown(res), "a resource object"))
        return None
    name = res.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        issues.append(Issue("package.shape", PACKAGE, f"{where}.name", shown(name), NAME_RULE))
        return None
    if name in names:
        first = f"resources[{names[name]}]"
        issues.append(
            Issue(
                "package.duplicate_name",
                PACKAGE,
                f"{where}.name",
                shown(name),
                f"a name not already used by {first}",
            )
        )
        return None
    names[name] = int(where.rsplit("[", 1)[1].rstrip("]"))
    for key, what in UNSUPPORTED_RESOURCE.items():
        if key in res:
            issues.append(unsupported(name, f"{where}.{key}", what))
            return None
    return name


def resource_path(
    base: Path,
    res: dict[str, Any],
    name: str,
    where: str,
    allow_remote: bool,
    chosen: limits.Limits,
    result: Plan,
) -> Path | None:
    """The resource's file, through the boundary (a URL only with ``allow_remote``)."""
    value = res.get("path")
    if isinstance(value, list):
        result.issues.append(unsupported(name, f"{where}.path", "a multipart path (a list)"))
        return None
    if not isinstance(value, str):
        result.issues.append(
            Issue("package.shape", name, f"{where}.path", shown(value), "a path (text)")
        )
        return None
    if allow_remote and boundary.is_remote(value):
        folder = Path(tempfile.mkdtemp(prefix="cscbench-remote-"))
        result.temporary.append(folder)
        found = boundary.fetch(value, folder, chosen)
    else:
        found = boundary.resolve(base, value, chosen.file_bytes)
    if isinstance(found, boundary.Refusal):
        if found.check_id == "file.missing":
            return base / value  # each engine reports a missing file in its own words
        result.issues.append(
            Issue(found.check_id, name, f"{where}.path", found.value, found.expected)
        )
        return None
    return found


def missing_resources(
    checked: Plan, file: str = "datapackage.json", required: tuple[str, ...] = REQUIRED_RESOURCES
) -> list[Issue]:
    """Each of ``required`` (default :data:`REQUIRED_RESOURCES`; an extension's differ) the
    descriptor does not list, as a ``package.missing_resource`` issue (a descriptor that could not
    be read has its own)."""
    listed = checked.package.get("resources") if checked.package is not None else None
    if not isinstance(listed, list) or not listed:  # package.no_resources says so already
        return []
    return [
        Issue(
            "package.missing_resource",
            name,
            f"{file}: resources",
            f"no resource named {name!r}",
            f"every resource a cscbench package needs ({', '.join(required)})",
        )
        for name in required
        if name not in checked.order
    ]


def declared_integrity(
    res: dict[str, Any], name: str, where: str, issues: list[Issue]
) -> Declared | None:
    """The resource's ``bytes`` and ``hash``, when it gives them; a malformed one is a
    ``package.shape`` issue (and not checked), never a crash.

    Data Package v2: ``hash`` is ``algorithm:hex`` (md5 when there is no prefix)."""
    size, digest = res.get("bytes"), res.get("hash")
    if size is None and digest is None:
        return None
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        issues.append(
            Issue("package.shape", name, f"{where}.bytes", shown(size), "a whole number >= 0")
        )
        size = None
    algorithm = None
    if digest is not None:
        parsed = parse_hash(digest)
        if parsed is None:
            issues.append(Issue("package.shape", name, f"{where}.hash", shown(digest), HASH_RULE))
            digest = None
        else:
            algorithm, digest = parsed
    if size is None and digest is None:
        return None
    return Declared(str(res.get("path")), size, algorithm, digest)


def parse_hash(value: Any) -> tuple[str, str] | None:
    """``"sha256:ab12..."`` -> ("sha256", "ab12..."); a bare digest is md5; None if malformed."""
    if not isinstance(value, str):
        return None
    algorithm, _, digest = value.rpartition(":")
    algorithm = algorithm or "md5"
    length = HASH_LENGTHS.get(algorithm)
    if length is None or len(digest) != length or not HEX.fullmatch(digest):
        return None
    return algorithm, digest.lower()


# ---------------------------------------------------------------------------- Table Schemas


def resource_schema(
    base: Path,
    res: dict[str, Any],
    name: str,
    where: str,
    chosen: limits.Limits,
    issues: list[Issue],
) -> dict[str, Any] | None:
    value = res.get("schema")
    if isinstance(value, dict):
        issues.append(unsupported(name, f"{where}.schema", "an inline Table Schema"))
        return None
    if not isinstance(value, str):
        issues.append(
            Issue("package.shape", name, f"{where}.schema", shown(value), "a schema path (text)")
        )
        return None
    schema, issue = read_json(base, value, name, f"{where}.schema", chosen)
    if issue is not None:
        issues.append(issue)
        return None
    found = schema_issues(schema, name, value, chosen)
    issues.extend(found)
    return None if found else normalised(schema)


def reference_issues(entries: list[Entry], files: dict[str, str]) -> list[Issue]:
    """Each foreign key's referenced fields are fields of the referenced resource's schema (a
    reference to a resource the package does not hold is skipped by both engines). Else the
    fast engine could not check the key and frictionless would fail every row."""
    fields = {e.name: {f["name"] for f in e.schema["fields"]} for e in entries}
    issues = []
    for entry in entries:
        for index, fk in enumerate(entry.schema["foreignKeys"]):
            target = fk["reference"].get("resource") or entry.name
            if target not in fields:
                continue
            unknown = [f for f in fk["reference"]["fields"] if f not in fields[target]]
            if unknown:
                where = f"{files[entry.name]}: foreignKeys[{index}].reference.fields"
                issues.append(
                    Issue(
                        "schema.shape",
                        entry.name,
                        where,
                        shown(fk["reference"]["fields"]),
                        f"fields of {target} (unknown: {', '.join(unknown)})",
                    )
                )
    return issues
