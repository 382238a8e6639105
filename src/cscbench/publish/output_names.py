"""Output file names: every page, table, chart and export is written under a slug path, so no
name a package gives its areas or resources can leave the site root or overwrite another output."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from cscbench.core.errors import UsageError
from cscbench.publish import formatting as fmt

# Output names: lower-case segments of letters, digits, "-" and "_" joined by "/" (no "..", no
# absolute path, no dot file); "_" keeps an indicator id as its page's name.
SAFE_STEM = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*")


class SiteError(UsageError):
    """The output directory cannot be used (e.g. it exists and is not a cscbench site)."""


def safe_file(root: Path, stem: str, suffix: str) -> Path:
    """The file for an output name, refused unless the name is a slug path (so it cannot leave
    the site root, whatever a package calls its areas or resources)."""
    if not SAFE_STEM.fullmatch(stem):
        raise SiteError(f"refusing to write {stem!r}{suffix}: not a safe output name")
    return root / f"{stem}{suffix}"


def check_names(pages: Sequence[fmt.Page]) -> None:
    """Every output file name is a slug path (so it stays under the site root) and each page and
    each table has its own: two regions whose names give the same slug must never overwrite one
    another. A failure here is a cscbench bug, reported before anything is written."""
    for kind, stems in (
        ("page", [p.stem for p in pages]),
        (
            "table",
            [t.stem for p in pages for t in p.tables] + [c.stem for p in pages for c in p.charts],
        ),
    ):
        for stem in stems:
            safe_file(Path("."), stem, "")
        repeated = sorted({s for s in stems if stems.count(s) > 1})
        if repeated:
            raise SiteError(f"two {kind}s would be written to the same file: {repeated}")
