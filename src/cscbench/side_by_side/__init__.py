"""The old home of :mod:`cscbench.analysis.side_by_side`, kept because README showed it to analysts
(``except cscbench.side_by_side.UnknownCouncilError``): importing this gives that module itself.

relayout: alias of a moved public module.
"""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("cscbench.analysis.side_by_side")
