"""Why a figure is empty or special: the symbols found in the inputs, and cscbench's own two.

The symbols and their meanings are the observations schema's ``status`` categories (the one
definition): ingest reads what may appear from there, and publishing the footnotes. A symbol a new
publisher release introduces fails validation until it is added there with its meaning.
"""

from __future__ import annotations

from cscbench.package import labels

STATUS_MEANINGS: dict[str, str] = labels.labels("observations", "status")
