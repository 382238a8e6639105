"""The bounds cscbench puts on untrusted input: one home for every size and time limit.

A package from someone else may hold a file that never ends (a FIFO, ``/dev/zero``), a file far
larger than any real release, or a descriptor built to exhaust memory. Every reader checks these
limits before it reads, so such input is answered at once with a located problem instead of a hang.
Each limit has a default generous for real data and an environment variable to change it
(docs/validation.md, "Limits").
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, fields

from cscbench.core.errors import UsageError

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
SUFFIXES = {"": 1, "K": KIB, "M": MIB, "G": GIB}
SIZE = re.compile(r"^\s*([0-9]+)\s*([KMG]?)(?:I?B)?\s*$", re.IGNORECASE)


class LimitError(UsageError):
    """A limit setting (environment variable or option) is not a valid value: a usage error."""


@dataclass(frozen=True)
class Limits:
    """Every bound, with its default.

    ``file_bytes``: 1 GiB per resource file. Today's largest CSV (observations) is 5.3 MB; the
    10M-row benchmark package's is about 0.7 GB and validates in 2.6 GiB of memory, so 1 GiB
    admits 200x the real data and the benchmark while keeping a validation under the 4 GB memory
    budget (a file is read whole into memory as text).
    """

    file_bytes: int = GIB
    descriptor_bytes: int = 10 * MIB  # datapackage.json and each Table Schema (today: 4 KB, 9 KB)
    descriptor_depth: int = 64  # JSON nesting (today's deepest: 5)
    pattern_chars: int = 1000  # a schema pattern (today's longest: 35 characters)
    frictionless_seconds: float = 900.0  # the frictionless engine (1M rows: about 30 s)
    remote_bytes: int = 2 * GIB  # --allow-remote: per file, like file_bytes plus headroom
    remote_seconds: float = 60.0  # --allow-remote: per request
    archive_members: int = 10_000  # a release archive (zip): members
    archive_bytes: int = 4 * GIB  # ... and their total unpacked size


ENVIRONMENT = {
    "file_bytes": "CSCBENCH_MAX_FILE_BYTES",
    "descriptor_bytes": "CSCBENCH_MAX_DESCRIPTOR_BYTES",
    "descriptor_depth": "CSCBENCH_MAX_DESCRIPTOR_DEPTH",
    "pattern_chars": "CSCBENCH_MAX_PATTERN_CHARS",
    "frictionless_seconds": "CSCBENCH_FRICTIONLESS_TIMEOUT",
    "remote_bytes": "CSCBENCH_MAX_REMOTE_BYTES",
    "remote_seconds": "CSCBENCH_REMOTE_TIMEOUT",
    "archive_members": "CSCBENCH_MAX_ARCHIVE_MEMBERS",
    "archive_bytes": "CSCBENCH_MAX_ARCHIVE_BYTES",
}


def parse_size(text: str) -> int:
    """``"1G"``, ``"500M"``, ``"64k"``, ``"1048576"`` -> bytes (binary units); at least 1."""
    match = SIZE.match(text)
    if not match:
        raise LimitError(f"{text!r} is not a size (a whole number of bytes, or with K, M or G)")
    value = int(match.group(1)) * SUFFIXES[match.group(2).upper()]
    if value < 1:
        raise LimitError(f"{text!r}: a size limit must be at least 1 byte")
    return value


def parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise LimitError(f"{text!r} is not a number of seconds") from None
    if not (0 < value < float("inf")):
        raise LimitError(f"{text!r}: a time limit must be a positive number of seconds")
    return value


def parse_count(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise LimitError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise LimitError(f"{text!r}: a count limit must be at least 1")
    return value


def _parser(name: str) -> Callable[[str], float]:
    """The parser for a limit, from its name's unit suffix."""
    if name.endswith("_seconds"):
        return parse_seconds
    if name.endswith("_bytes"):
        return parse_size
    return parse_count


def from_env(environ: dict[str, str] | None = None) -> Limits:
    """The defaults, overridden by any ``CSCBENCH_MAX_*`` / ``*_TIMEOUT`` variable that is set.

    A malformed value raises :class:`LimitError` naming the variable, so a typo never silently
    falls back to the default.
    """
    env = os.environ if environ is None else environ
    values = {}
    for f in fields(Limits):
        text = env.get(ENVIRONMENT[f.name])
        if text is None or not text.strip():
            continue
        try:
            values[f.name] = _parser(f.name)(text)
        except LimitError as exc:
            raise LimitError(f"{ENVIRONMENT[f.name]}: {exc}") from None
    return Limits(**values)


def human_size(size: int) -> str:
    """Bytes in the largest binary unit that divides them evenly enough to read: 1 GiB, 5.3 MiB."""
    for unit, factor in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"
