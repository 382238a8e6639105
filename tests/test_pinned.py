"""tests/fixtures/releases.toml agrees with the registry, so the "add a year" recipe cannot update
one and forget the other; ``next_period`` invents the year after any period."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pinned import PINNED, WORKFORCE, WORKFORCE_SOURCE, next_period

from cscbench.ingest.registry import default_registry


def test_the_fixtures_name_the_registered_releases() -> None:
    registry = default_registry()
    periods = registry.source(WORKFORCE_SOURCE).periods
    assert periods is not None and WORKFORCE["latest_period"] == periods[1]
    ro3 = [s.periods for s in registry.sources if s.dataset == "mhclg_ro3"]
    assert [p for p, _ in ro3] == PINNED["mhclg_ro3"]["periods"]
    assert WORKFORCE["kirklees_zero_agency_periods"][-1] == WORKFORCE["latest_period"]


@given(st.integers(min_value=1900, max_value=2998))
def test_next_period_is_the_year_after(year: int) -> None:
    assert next_period(str(year)) == str(year + 1)
    financial = f"{year}-{(year + 1) % 100:02d}"
    assert next_period(financial) == f"{year + 1}-{(year + 2) % 100:02d}"
