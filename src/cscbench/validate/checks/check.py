"""What a catalogue entry is (:class:`Check`), and the shapes of the row rules that the family
modules keep beside their entries (:data:`Rules`, :data:`Explain`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from cscbench.package import schema as sch


@dataclass(frozen=True)
class Check:
    """A check: its stable id, what a failure means, how to fix it, and whether frictionless (run
    on the same package) reports the same problem, so partners using frictionless know its reach.

    ``used_in`` names the code outside the family module that applies the rule or reads the id, as
    ``module:function`` (or ``module:CONSTANT``, a mapping onto ids): a rule of an earlier stage
    (the package reader's) or of the frictionless engine lives there; a rule of this stage sits
    beside its entry. tests/test_checks.py keeps it true by finding every use of the id in src.
    """

    check_id: str
    title: str
    guidance: str
    frictionless: bool = False
    used_in: tuple[str, ...] = ()


Rules = dict[str, list[sch.Check]]  # column -> row rules reported at that column
# Per-row expectations for a check whose bound depends on the row: (rows, frames, column) -> texts.
Explain = Callable[[pl.DataFrame, dict[str, pl.DataFrame], str], list[str]]
