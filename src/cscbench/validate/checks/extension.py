"""Extension checks (``extension.*``): a partnership's extension package, checked against the
release it extends by ``cscbench.extension`` (``reader``: its descriptor; ``rules``: its figures),
a later stage that reads this catalogue. Each entry's ``used_in`` names the function.
"""

from __future__ import annotations

from cscbench.validate.checks.check import Check

CHECKS = (
    Check(
        "extension.descriptor",
        "the extension's datapackage.json lacks a usable cscbench object",
        'Give datapackage.json a "cscbench" object with "extends" (a release range such as '
        '">=0.2.0,<0.3.0") and "partnership" (who collected the figures), as '
        "`cscbench extension new` writes it.",
        used_in=("cscbench.extension.reader:_meta_problems",),
    ),
    Check(
        "extension.extends",
        "the extension was built for a cscbench release other than the installed one",
        "Install a cscbench release inside the range the extension names, or check the return "
        "against this release and widen `extends` in its datapackage.json.",
        used_in=("cscbench.extension.reader:_meta_problems",),
    ),
    Check(
        "extension.area",
        "a council code that is not a current council of cscbench's areas",
        "Use the council's GSS code from cscbench's areas (the suggestion is the closest "
        "code); a region or England is not a council; an abolished council split between "
        "successors takes a successor's code.",
        used_in=("cscbench.extension.rules:check_councils",),
    ),
    Check(
        "extension.indicator",
        "an indicator that is neither an official cscbench indicator nor declared in "
        "local_indicators",
        "Use an official indicator id (cscbench.load('indicators')) or declare the "
        "partnership's own indicator in local_indicators.csv.",
        used_in=("cscbench.extension.rules:check_figures",),
    ),
    Check(
        "extension.shadow",
        "an own indicator whose id is an official cscbench indicator's",
        "Report figures of an official indicator under its id without declaring it; give an "
        "own indicator its own id starting local_.",
        used_in=("cscbench.extension.rules:check_own_indicators",),
    ),
    Check(
        "extension.namespace",
        "an own indicator id outside the partnership's namespace",
        "Start every own indicator id with local_ (e.g. local_caseload_june), so it can never "
        "collide with an official id.",
        used_in=("cscbench.extension.rules:check_own_indicators",),
    ),
    Check(
        "extension.unit",
        "a figure's unit differs from its indicator's",
        "Convert the figure to the indicator's unit (e.g. percent, not a fraction) or declare "
        "an own indicator for the measure you collect.",
        used_in=("cscbench.extension.rules:check_figures",),
    ),
    Check(
        "extension.period_format",
        "a period written otherwise than the official indicator's periods",
        "Write the period as the official figures do: a year (2026) for an indicator published "
        "by year, a financial year (2025-26) for one published by financial year.",
        used_in=("cscbench.extension.rules:check_figures",),
    ),
    Check(
        "extension.period_end",
        "a period_end outside its period",
        "Give the date the figure describes: in the period's year (a year), or from 1 April "
        "to 31 March (a financial year).",
        used_in=("cscbench.extension.rules:check_figures",),
    ),
    Check(
        "extension.range",
        "a value outside its indicator's valid range",
        "Check the figure and its unit; the indicator's min_value and max_value (0 to 100 for "
        "a percentage) bound it.",
        used_in=("cscbench.extension.rules:check_figures",),
    ),
    Check(
        "extension.duplicate_council",
        "two rows for one council, indicator and period once superseded codes are mapped",
        "Keep one row: a superseded code means the current council, so its rows and the "
        "current code's rows are the same council's.",
        used_in=("cscbench.extension.rules:check_duplicates",),
    ),
)
