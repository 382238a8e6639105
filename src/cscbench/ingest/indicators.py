"""The ``indicators`` resource, built from the indicator registry (``registry/indicators.toml``).

Every indicator is declared there once; this module only turns the entries into the resource's
rows and names each one's source: the newest release of the publication that carries it.
"""

from __future__ import annotations

import polars as pl

from cscbench.ingest.common import INDICATOR_COLUMNS, conform
from cscbench.ingest.registry import Indicator, Registry


def _row(indicator: Indicator, registry: Registry) -> dict[str, object]:
    return {
        "indicator_id": indicator.indicator_id,
        "label": indicator.label,
        "theme": indicator.theme,
        "unit": indicator.unit,
        "decimals": indicator.decimals,
        "polarity": indicator.polarity,
        "min_value": indicator.min_value,
        "max_value": indicator.max_value,
        "source_id": registry.newest_source(indicator.dataset).source_id,
        "definition": indicator.definition,
        "formula": indicator.formula,
        "caveats": indicator.caveats,
        "short_label": indicator.short_label,
        "headline_order": indicator.headline_order,
    }


def indicators_frame(registry: Registry) -> pl.DataFrame:
    """One row per registered indicator, sorted by id."""
    rows = [_row(i, registry) for i in registry.indicators]
    return conform(pl.DataFrame(rows, schema=INDICATOR_COLUMNS), INDICATOR_COLUMNS).sort(
        "indicator_id"
    )
