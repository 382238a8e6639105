"""ONS mid-year child population (0-17), as reshaped by DfE, 2012-2024."""

from __future__ import annotations

from pathlib import Path

from cscbench.ingest.common import Contribution, ees_contribution
from cscbench.ingest.indicators import NON_NEGATIVE, indicator, indicator_frame

SOURCE_ID = "ons_population_0_17_2024"
FILE = "dfe/ons_mid-year_population_estimates_2012_to_2024.csv"
INDICATOR_ID = "population_0_17"


def ingest(raw_dir: Path) -> Contribution:
    indicators = indicator_frame(
        [
            indicator(
                INDICATOR_ID,
                "Children aged 0 to 17 (mid-year estimate)",
                theme="population",
                unit="number",
                decimals=0,
                polarity="neutral",
                valid=NON_NEGATIVE,
                source_id=SOURCE_ID,
                definition="ONS mid-year population estimate of children aged 0 to 17 at 30 June.",
            )
        ]
    )
    columns = {"population_estimate": INDICATOR_ID}
    return ees_contribution(raw_dir / FILE, columns, (6, 30), SOURCE_ID, indicators)
