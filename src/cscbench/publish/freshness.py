"""Whether a published site is already what publishing again would write: its content key.

A republish with nothing changed should cost a hash of the inputs, not a rebuild. The key is the
SHA-256 of everything the site is made from: cscbench's own code and data files (so a new version
rebuilds), the descriptor, every schema and resource file it names, each extension's likewise
(``publish --extension``), the groups chosen (as resolved), the key-findings rules and the PNG
setting. It is written into the site with the list of files the build wrote and their sizes, so a
site someone edited or pruned is rebuilt too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cscbench
from cscbench.core.paths import default_findings
from cscbench.package.reader import Package
from cscbench.package.reader import read as read_package

if TYPE_CHECKING:
    from cscbench.extension import Extension

KEY_FILE = ".cscbench-site-key.json"
DESCRIPTOR = "datapackage.json"
MAX_KEY_FILE = 64 * 1024 * 1024  # a key file beyond this is not read for kept pages (rebuild)
CODE_SUFFIXES = {".py", ".js", ".css", ".toml", ".json", ".txt"}


def _files_of(package: Package) -> list[Path]:
    """The descriptor's own resource and schema files (paths as it gives them; the package has
    been validated, and a path that does not exist simply changes the key)."""
    resources = (package.descriptor or {}).get("resources", [])
    found: list[Path] = []
    for res in resources if isinstance(resources, list) else []:
        if not isinstance(res, dict):
            continue
        for key in ("path", "schema"):
            value = res.get(key)
            if isinstance(value, str) and "://" not in value:
                found.append(package.root / value)
    return found


def _code_files() -> Iterable[Path]:
    home = Path(cscbench.__file__).parent
    for path in sorted(home.rglob("*")):
        parts = path.relative_to(home).parts  # the installed data (_package) is hashed below
        if (
            path.is_file()
            and path.suffix in CODE_SUFFIXES
            and not {"__pycache__", "_package"} & set(parts)
        ):
            yield path


def base_key(
    package: Package | Path,
    png: str,
    chromium: str | None,
    extensions: Sequence[Extension] = (),
) -> str:
    """The content key of everything but the groups (see the module docstring): the part every
    page builder's own key starts from (:mod:`cscbench.publish.incremental`). ``extensions``: the
    returns published with it, already read and checked (their descriptor and figures, so a
    changed return is rebuilt; none: the key of a site without local figures, unchanged)."""
    if not isinstance(package, Package):
        package = read_package(package)
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    home = Path(cscbench.__file__).parent
    for path in _code_files():
        add(str(path.relative_to(home)), path.read_bytes())
    for path in [package.path, *_files_of(package), default_findings()]:
        try:
            add(path.name, path.read_bytes())
        except OSError:
            add(path.name, b"<missing>")
    for number, extension in enumerate(extensions):
        try:
            add(f"extension {number} descriptor", (extension.root / DESCRIPTOR).read_bytes())
        except OSError:
            add(f"extension {number} descriptor", b"<missing>")
        add(f"extension {number} observations", extension.observations.write_csv().encode())
        add(f"extension {number} indicators", extension.indicators.write_csv().encode())
    add("png", f"{png}|{chromium or ''}".encode())
    return digest.hexdigest()


def content_key(
    package: Package | Path,
    groups: object,
    png: str,
    chromium: str | None,
    extensions: Sequence[Extension] = (),
) -> str:
    """The site's content key for these inputs (see the module docstring)."""
    return site_key(base_key(package, png, chromium, extensions), groups)


def site_key(base: str, groups: object) -> str:
    """The site's content key from :func:`base_key` and the groups chosen (as resolved)."""
    return hashlib.sha256(f"{base}\0groups\0{groups!r}".encode()).hexdigest()


def written(root: Path) -> dict[str, int]:
    """Every file under ``root`` (but the key file) with its size."""
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != KEY_FILE
    }


def record(
    root: Path, key: str, summary: dict[str, Any], builders: dict[str, Any] | None = None
) -> None:
    """Write the key, the run's summary and the files it wrote into the new site, with what a
    later publish needs to keep some builders' pages (``builders``, see
    :func:`cscbench.publish.incremental.records`)."""
    body = {"key": key, "summary": summary, "files": written(root), "builders": builders or {}}
    (root / KEY_FILE).write_text(json.dumps(body, sort_keys=True) + "\n", encoding="utf-8")


def up_to_date(out: Path, key: str) -> dict[str, Any] | None:
    """The recorded summary when ``out`` was published from exactly these inputs and still holds
    every file that build wrote, at its size; None when it must be built again."""
    path = out / KEY_FILE
    try:
        if path.stat().st_size > MAX_KEY_FILE:
            return None
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict) or recorded.get("key") != key:
        return None
    files = recorded.get("files")
    summary = recorded.get("summary")
    if not isinstance(files, dict) or not isinstance(summary, dict):
        return None
    return summary if written(out) == files else None


def recorded_builders(out: Path) -> object:
    """The builders' records in ``out``'s key file (None when there is none): untrusted, checked
    by :func:`cscbench.publish.incremental.reusable`."""
    path = out / KEY_FILE
    try:
        if path.stat().st_size > MAX_KEY_FILE:
            return None
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded.get("builders") if isinstance(recorded, dict) else None
