"""cscbench: English councils' children's social care, benchmarked from official statistics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "find_area", "load", "resources"]

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl


def load(resource: str, package: Any = None) -> pl.DataFrame:
    from cscbench.loader import load as _load

    return _load(resource, package)


def resources(package: Any = None) -> list[str]:
    from cscbench.loader import resources as _resources

    return _resources(package)


def find_area(name: str, package: Any = None) -> dict[str, Any]:
    from cscbench.loader import find_area as _find_area

    return _find_area(name, package)
