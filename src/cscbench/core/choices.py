"""The values of options that both the command line and the Python API accept, defined once.

Light on purpose (no imports): the CLI builds its parser from these without importing the stages
that use them (polars, pandera, great-tables), so ``cscbench --help`` stays quick.
"""

from __future__ import annotations

ENGINES = ("cscbench", "frictionless", "both")  # validation engines; the first is the default
PNG_MODES = ("auto", "yes", "no")  # publish's PNG export: if a Chromium is found, always, never
