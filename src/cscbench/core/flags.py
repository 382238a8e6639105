"""Flagged figures: how a caveat's reason sits in ``observations.note``.

The ``caveats`` resource is the one home of flagged figures; ``observations.note`` repeats each
reason so a reader of observations alone sees it. A figure's note may already say something else
(how cscbench computed it), so the reason is appended after :data:`SEPARATOR`. Ingest writes the
note with :func:`note_with_reason`; compare takes the reason back off with
:func:`note_without_reason`, so a computed figure's formula and its caveat are never shown as one.
"""

from __future__ import annotations

import polars as pl

SEPARATOR = ". "


def note_with_reason(note: pl.Expr, reason: pl.Expr) -> pl.Expr:
    """The figure's own note (if any), then the caveat's reason (if any)."""
    joined = note + SEPARATOR + reason
    return pl.when(reason.is_null()).then(note).when(note.is_null()).then(reason).otherwise(joined)


def note_without_reason(note: pl.Expr, reason: pl.Expr) -> pl.Expr:
    """The figure's own note, with the caveat's reason (written by :func:`note_with_reason`) off."""
    return (
        pl.when(reason.is_null())
        .then(note)
        .when(note == reason)
        .then(None)
        .otherwise(note.str.strip_suffix(SEPARATOR + reason))
    )
