"""Building indicator metadata rows: one small constructor so every module states the same fields."""

from __future__ import annotations

import polars as pl

from cscbench.ingest.common import INDICATOR_COLUMNS, conform

PERCENT = (0.0, 100.0)
NON_NEGATIVE = (0.0, None)


def indicator(
    indicator_id: str,
    label: str,
    *,
    theme: str,
    unit: str,
    decimals: int,
    polarity: str,
    valid: tuple[float | None, float | None],
    source_id: str,
    definition: str,
    formula: str | None = None,
    caveats: str | None = None,
) -> dict[str, object]:
    return {
        "indicator_id": indicator_id,
        "label": label,
        "theme": theme,
        "unit": unit,
        "decimals": decimals,
        "polarity": polarity,
        "min_value": valid[0],
        "max_value": valid[1],
        "source_id": source_id,
        "definition": definition,
        "formula": formula,
        "caveats": caveats,
    }


def indicator_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows, schema=INDICATOR_COLUMNS), INDICATOR_COLUMNS)
