"""Text checks (``text.*``): text that would act as something else in a spreadsheet or a browser.

``text.formula`` and ``text.line_break`` are generated from the fields' patterns by
``cscbench.package.schema:field_checks``; ``text.html``, a rule of this stage on the free text of
announcements taken from the web, is here (:func:`announcement_rules`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from cscbench.package import schema as sch
from cscbench.validate.checks.check import Check, Rules

CHECKS = (
    Check(
        "text.formula",
        "A name, label or code starts with '=', '+', '-' or '@' and could run as a "
        "spreadsheet formula",
        "Remove the leading character. Only names, labels and codes are checked; free text "
        "such as a stated value ('-76 (-5.3%)') is kept exactly as stated.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:_constraint_id",
        ),
    ),
    Check(
        "text.line_break",
        "A name, label or code contains a line break",
        "Names, labels and codes are one line: replace the line break with a space. Free "
        "text (a stated value, a reason) may keep its line breaks.",
        frictionless=True,
        used_in=(
            "cscbench.package.schema:field_checks",
            "cscbench.validate.frictionless_engine:_constraint_id",
        ),
    ),
    Check(
        "text.html",
        "Text contains HTML or script markup",
        "Remove the markup; announcements hold plain text copied from the page, not HTML.",
    ),
)


# What a browser would take for markup (the WHATWG tokenizer's tag-open state): "<" followed by a
# letter (a start tag, closed or not: "<svg/onload=...", "<img src=x onerror=..."), by "/" (an end
# tag, or a bogus comment that hides text), by "!" (a comment, doctype or CDATA) or by "?".
# "< 5", "a <> b", "<= 3" and "<3" stay text in a browser too. A "javascript:" URL in free text is
# text, shown escaped; URL columns are held to https?:// by their schema patterns, and the pages
# link https URLs only.
HTML = r"<[A-Za-z/!?]"


def announcement_rules(frames: dict[str, pl.DataFrame], table_schema: dict[str, Any]) -> Rules:
    """Text from the web must be plain: every free-text column is checked for markup."""
    free_text = [
        f["name"]
        for f in table_schema["fields"]
        if f.get("type", "string") == "string" and "enum" not in f.get("constraints", {})
    ]
    return {
        c: [
            sch.check(
                "text.html",
                "plain text without HTML tags",
                lambda e: ~e.str.contains(HTML),
                per_value=True,
            )
        ]
        for c in free_text
    }
