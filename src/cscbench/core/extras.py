"""Optional dependencies: tell a user which extra a command needs instead of showing a traceback.

``pip install cscbench`` brings only what ``cscbench.load()`` needs (polars). The commands need
more: ``[validate]`` (pandera, frictionless), ``[publish]``, ``[ingest]``. The extras are declared
once, in ``pyproject.toml``; this module reads them back from the installed distribution's metadata
(``Requires-Dist: ...; extra == "validate"``), so the check and the declaration cannot drift.
"""

from __future__ import annotations

import re
from importlib import metadata

from cscbench.core.errors import UsageError

DISTRIBUTION = "cscbench"
# The extra each command needs (``fetch`` downloads raw files for ingest: ``maintain``).
COMMAND_EXTRAS = {
    "validate": "validate",
    "verify": "validate",
    "publish": "publish",
    "ingest": "ingest",
    "fetch": "maintain",
    "release": "release",
}
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


class MissingExtra(UsageError):
    """A command needs libraries of an extra that is not installed."""


def _requirements() -> list[str]:
    try:
        return metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return []


def _parse(requirement: str) -> tuple[str, tuple[str, ...], str | None]:
    """(distribution name, its extras, the cscbench extra it belongs to or None for the core)."""
    spec, _, marker = requirement.partition(";")
    name = _NAME.match(spec)
    if name is None:
        return spec.strip(), (), None
    extras = tuple(e.strip() for e in (name.group(2) or "").split(",") if e.strip())
    extra = _EXTRA.search(marker)
    return name.group(1), extras, extra.group(1) if extra else None


def distributions(extra: str) -> list[str]:
    """Every distribution the extra brings, following ``cscbench[other]`` references."""
    wanted, seen, names = [extra], set(), []
    while wanted:
        current = wanted.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, extras, belongs in map(_parse, _requirements()):
            if belongs != current:
                continue
            if name.lower() == DISTRIBUTION:
                wanted += extras
            elif name not in names:
                names.append(name)
    return sorted(names, key=str.lower)


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def require(extra: str) -> None:
    """Raise :class:`MissingExtra` naming the pip command when the extra is not fully installed."""
    missing = [name for name in distributions(extra) if not _installed(name)]
    if missing:
        raise MissingExtra(
            f"needs {', '.join(missing)}, not installed here: pip install 'cscbench[{extra}]'"
        )


def require_for(command: str) -> None:
    """Check the extra of a ``cscbench`` command, if it has one."""
    if command in COMMAND_EXTRAS:
        require(COMMAND_EXTRAS[command])
