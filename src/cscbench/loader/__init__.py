"""The old home of :mod:`cscbench.analysis.loader`, kept because README showed it to analysts
(``except cscbench.loader.PackageRefused``): importing this gives that module itself.

relayout: alias of a moved public module.
"""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("cscbench.analysis.loader")
