"""Engine checks (``engine.*``): the frictionless cross-check
(``cscbench.validate.frictionless_engine``) did not finish, so its verdict is missing, not the
package's.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

CHECKS = (
    Check(
        "engine.timeout",
        "The frictionless engine did not finish within its time limit",
        "A schema pattern that backtracks badly in Python's regex engine can take for ever on "
        "a long value; simplify the pattern, or raise CSCBENCH_FRICTIONLESS_TIMEOUT. The "
        "default engine is not affected.",
        frictionless=True,
        used_in=("cscbench.validate.frictionless_engine:run_isolated",),
    ),
)
