"""Where things are: the checkout's package, and the raw folder (a setting, never hard-wired)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW_ENV = "CSCBENCH_RAW_DIR"


def default_package() -> Path:
    """The committed ``datapackage.json`` of this checkout."""
    return ROOT / "datapackage.json"


def raw_dir(explicit: str | Path | None = None) -> Path:
    """``--raw-dir``, else ``$CSCBENCH_RAW_DIR``, else ``../shared/data/raw`` beside the checkout."""
    if explicit:
        return Path(explicit).resolve()
    if os.environ.get(RAW_ENV):
        return Path(os.environ[RAW_ENV]).resolve()
    return (ROOT.parent / "shared" / "data" / "raw").resolve()
