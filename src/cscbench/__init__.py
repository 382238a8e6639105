"""cscbench: English councils' children's social care, benchmarked from official statistics.

Importing cscbench is cheap: the functions below import their modules (polars and the standard
library only) when first called, and nothing here touches the optional extras.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
__all__ = [
    "__version__",
    "find_area",
    "latest_judgements",
    "load",
    "package_dir",
    "resources",
]

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

Package = str | Path | None


def load(
    resource: str, package: Package = None, *, current: bool = False, expand_joint: bool = False
) -> pl.DataFrame:
    """One resource as a typed polars frame; see :func:`cscbench.loader.load` for the options."""
    from cscbench.loader import load as _load

    return _load(resource, package, current=current, expand_joint=expand_joint)


def resources(package: Package = None) -> list[str]:
    """The package's resource names."""
    from cscbench.loader import resources as _resources

    return _resources(package)


def find_area(query: str, package: Package = None) -> dict[str, Any]:
    """The area for a name variant, GSS code or DfE code; see :func:`cscbench.loader.find_area`."""
    from cscbench.loader import find_area as _find_area

    return _find_area(query, package)


def package_dir() -> Path:
    """The folder of the default package (the installed copy, or a checkout's own)."""
    from cscbench.loader import package_dir as _package_dir

    return _package_dir()


def latest_judgements(
    as_at: dt.date | str | None = None,
    package: Package = None,
    *,
    published_by: dt.date | str | None = None,
) -> pl.DataFrame:
    """Each council's latest Ofsted judgement: ``as_at`` as Ofsted counts it, ``published_by``
    everything published by then; see :func:`cscbench.judgements.latest_judgements`."""
    from cscbench.judgements import latest_judgements as _latest

    return _latest(as_at, package, published_by=published_by)
