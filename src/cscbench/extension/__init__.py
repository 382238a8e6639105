"""Partnerships' own figures: extension packages validated against cscbench, never mixed into it.

An extension is a data package a regional partnership fills in (``cscbench extension new``) with
figures DfE does not publish, or not yet; it names the cscbench releases it extends, and every
council, indicator, unit, period and range in it is checked against that release
(:func:`read_extension`). See docs/extensions.md.
"""

from __future__ import annotations

from cscbench.extension.format import (
    COUNCIL,
    INDICATORS,
    NAMESPACE,
    OBSERVATIONS,
    ORIGIN_OFFICIAL,
    origin_label,
)
from cscbench.extension.reader import Extension, is_extension, read_extension, validate_extension

__all__ = [
    "COUNCIL",
    "INDICATORS",
    "NAMESPACE",
    "OBSERVATIONS",
    "ORIGIN_OFFICIAL",
    "Extension",
    "is_extension",
    "origin_label",
    "read_extension",
    "validate_extension",
]
