"""Version numbers of the data package and the bump each kind of change needs.

The rule (docs/maintainers.md, "Releases"): removing or renaming a resource, column, key, indicator id, source
id or enum value, or changing a type, breaks consumers' code and needs a MAJOR bump; additions (rows, periods,
indicators, columns, enum values, resources) need MINOR; revisions and fixes need PATCH. A version
that bumps less than its changes need, or that skips numbers, is refused.
"""

from __future__ import annotations

import re

from cscbench.core.errors import InvalidInputError

LEVELS = ("none", "patch", "minor", "major")  # least to most: what a set of changes needs
VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
Version = tuple[int, int, int]


class VersionError(InvalidInputError):
    """A release's version number does not follow the rule against the previous release."""


def parse(text: str) -> Version:
    """``"0.2.0"`` -> ``(0, 2, 0)``; anything but plain X.Y.Z (no pre-release tags) is refused."""
    match = VERSION.match(str(text))
    if not match:
        raise VersionError(f"version {text!r} is not X.Y.Z (three whole numbers, e.g. 0.2.0)")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def text(version: Version) -> str:
    return ".".join(map(str, version))


def rank(level: str) -> int:
    return LEVELS.index(level)


def highest(levels: list[str]) -> str:
    """The bump a set of changes needs: the highest of their levels (``none`` without any)."""
    return max(levels, key=rank, default="none")


def bump(previous: Version, level: str) -> Version:
    """The next version at ``level``: 0.1.0 -> 1.0.0 (major), 0.2.0 (minor), 0.1.1 (patch)."""
    major, minor, patch = previous
    if level == "major":
        return major + 1, 0, 0
    if level == "minor":
        return major, minor + 1, 0
    return major, minor, patch + 1


def allowed(previous: Version, needed: str) -> list[Version]:
    """The versions that may follow ``previous`` given the bump its changes need."""
    return [bump(previous, level) for level in LEVELS[max(rank(needed), 1) :]]


def check(previous: str, new: str, needed: str, reasons: list[str]) -> None:
    """Raise :class:`VersionError` saying why, when ``new`` does not follow ``previous``.

    ``reasons`` are the changes that set ``needed`` (the first few are quoted).
    """
    old_v, new_v = parse(previous), parse(new)
    if needed == "none":
        raise VersionError(
            f"nothing changed since {previous}: there is nothing to release as {new}"
        )
    choices = allowed(old_v, needed)
    if new_v in choices:
        return
    why = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    expected = text(choices[0])
    if len(choices) > 1:
        expected += f" (or a larger bump: {', '.join(text(v) for v in choices[1:])})"
    raise VersionError(
        f"version {new} does not follow {previous}: the changes since {previous} need a "
        f"{needed.upper()} release ({why}); expected {expected}"
    )
