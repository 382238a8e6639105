"""cscbench: English councils' children's social care, benchmarked from official statistics.

Importing cscbench is cheap: the functions below import their modules (polars and the standard
library only) when first called, and nothing here touches the optional extras.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
__all__ = [
    "__version__",
    "compare",
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
    resource: str,
    package: Package = None,
    *,
    current: bool = False,
    expand_joint: bool = False,
    allow_remote: bool = False,
    extension: str | Path | None = None,
) -> pl.DataFrame:
    """One resource as a typed polars frame; ``package`` may be a descriptor, its folder, a release
    zip or (``allow_remote=True``) its URL. See :func:`cscbench.analysis.loader.load` for the options.

    ``extension``: a partnership's extension folder (docs/extensions.md); ``resource`` is then
    ``local_observations`` (with ``council_code`` and ``origin``) or ``local_indicators``, checked
    against ``package`` first."""
    if extension is not None:
        from cscbench.extension.api import load_local

        return load_local(resource, extension, package)
    from cscbench.analysis.loader import load as _load

    return _load(
        resource, package, current=current, expand_joint=expand_joint, allow_remote=allow_remote
    )


def resources(package: Package = None, *, allow_remote: bool = False) -> list[str]:
    """The package's resource names."""
    from cscbench.analysis.loader import resources as _resources

    return _resources(package, allow_remote=allow_remote)


def find_area(query: str, package: Package = None, *, allow_remote: bool = False) -> dict[str, Any]:
    """The area for a name variant, GSS code or DfE code; see :func:`cscbench.analysis.loader.find_area`."""
    from cscbench.analysis.loader import find_area as _find_area

    return _find_area(query, package, allow_remote=allow_remote)


def package_dir() -> Path:
    """The folder of the default package (the installed copy, or a checkout's own)."""
    from cscbench.analysis.loader import package_dir as _package_dir

    return _package_dir()


def latest_judgements(
    as_at: dt.date | str | None = None,
    package: Package = None,
    *,
    published_by: dt.date | str | None = None,
) -> pl.DataFrame:
    """Each council's latest Ofsted judgement: ``as_at`` as Ofsted counts it, ``published_by``
    everything published by then; see :func:`cscbench.analysis.judgements.latest_judgements`."""
    from cscbench.analysis.judgements import latest_judgements as _latest

    return _latest(as_at, package, published_by=published_by)


def compare(
    *councils: str,
    indicators: str | Sequence[str] | None = None,
    theme: str | None = None,
    period: str = "latest",
    package: Package = None,
    extension: str | Path | None = None,
) -> pl.DataFrame:
    """Councils side by side: one row per council and indicator, as ``cscbench compare`` prints.

    ``councils``: names in any variant the areas know ("Hull", "Leeds City Council"), GSS codes (a
    superseded one, such as Barnsley's E08000016, means the current council) or DfE codes; or one
    list of them.
    ``indicators``: ids, and/or ``theme``: a theme's indicators; neither gives the headline
    indicators. ``period``: ``"latest"`` (each indicator's own latest period) or a period as
    published (``"2024"``, ``"2023-24"``), keeping the indicators that have it. Rows follow the
    councils' order, then the indicators' headline order.

    Columns: the council, the indicator (label, unit, decimals, polarity), ``period``,
    ``period_end``, ``value`` and ``status``; ``basis`` ``joint`` with ``basis_code`` where a
    member council shows its joint return's figure; ``rank`` of ``ranked_count`` (1 = best, ties
    take the lower rank), ``band`` A-D and ``rank_note`` (why there is no rank: a neutral
    indicator, a flagged figure, a publisher's symbol); ``flagged`` and its ``caveat``;
    ``previous_period``, ``previous_value``, ``change`` and ``change_direction`` (better, worse or
    no change by polarity; empty for neutral indicators and flagged figures); the region's and
    England's figures (and caveats); ``sn_median`` of ``sn_count`` statistical neighbours with a
    comparable figure (of ``sn_total``; ``sn_flagged`` names those left out); ``source_id``.

    Raises :class:`cscbench.analysis.side_by_side.UnknownCouncilError` (the message says "did you mean")
    or :class:`cscbench.analysis.side_by_side.UnknownChoiceError` (an indicator, theme or period the
    package does not hold, with its ``choices``); both are ``ValueError``.

    ``extension``: a partnership's extension folder; every row then has ``origin`` (``official``,
    or ``local return: PARTNERSHIP`` for the extension's figures of the same councils, which follow
    each council's official rows, unranked, with ``collected_by``, ``collected_on``, ``source``
    and ``demonstration``). Own indicator ids may be named in ``indicators``.
    """
    if len(councils) == 1 and isinstance(councils[0], list | tuple):  # compare(["Leeds", "Hull"])
        councils = tuple(councils[0])
    ids = [indicators] if isinstance(indicators, str) else indicators
    if extension is not None:
        from cscbench.extension.api import compare as _with_extension

        return _with_extension(councils, ids, theme, period, package, extension)
    from cscbench.analysis.side_by_side import compare as _compare

    return _compare(councils, ids, theme, period, package)
