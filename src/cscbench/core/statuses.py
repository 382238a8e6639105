"""Why a figure is empty or special: the symbols found in the inputs, and cscbench's own two.

One definition for ingest (what may appear), the observations schema's ``status`` enum (a test keeps
them equal) and publishing (the footnotes). A symbol a new publisher release introduces fails
validation until it is added here with its meaning.
"""

from __future__ import annotations

STATUS_MEANINGS: dict[str, str] = {
    "c": "confidential: suppressed to protect individuals",
    "x": "not available",
    "z": "not applicable",
    "u": "low reliability",
    "low": "a positive figure that rounds to zero",
    "[x]": "revenue outturn: data not received in time for publication",
    "[n]": "revenue outturn: no appropriate estimation for this item",
    "[note 4]": "revenue outturn: see the publisher's note 4 (quoted in the note column)",
    "computed": "computed by cscbench from published figures (see the indicator's formula)",
    "incomplete": "not computed: a figure it needs is missing (a region total: a council's figure; a change or rate: an incomplete input)",
}
