"""The extension format: what a partnership's own data package holds, generated from cscbench's.

An extension is a Data Package v2 of its own with a ``cscbench`` object naming the releases it
extends and the partnership that collected it, a required ``local_observations`` resource and an
optional ``local_indicators``. Its Table Schemas are made here from the main package's
``observations`` and ``indicators`` schemas, so a field's type, title and vocabulary are declared
once (in ``schemas/``); only the fields a local return adds are declared here.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from cscbench.core.errors import InvalidInputError
from cscbench.release import semver

KEY = "cscbench"  # the descriptor's custom object: {"extends": ..., "partnership": ...}
OBSERVATIONS = "local_observations"
INDICATORS = "local_indicators"
RESOURCES = (OBSERVATIONS, INDICATORS)
REQUIRED = (OBSERVATIONS,)
NAMESPACE = "local_"  # every own indicator id starts with it; no official id does
ORIGIN_OFFICIAL = "official"
# The observations fields a local return reuses, as the main schema declares them.
OFFICIAL_FIELDS = ("indicator_id", "area_code", "period", "period_end", "value", "status")
# Checked by cscbench.extension.rules with a "did you mean" instead of the main schema's pattern:
# a person who types a council's name should be told its code.
LOOSENED = {"area_code": "pattern"}
# What a local return adds to each figure (declared only here).
ADDED_FIELDS: list[dict[str, Any]] = [
    {
        "name": "collected_by",
        "type": "string",
        "title": "Collected by",
        "description": "Who collected the figure: the partnership, or the council team that "
        "returned it.",
        "example": "Demo partnership data team",
        "constraints": {"required": True},
    },
    {
        "name": "collected_on",
        "type": "date",
        "title": "Collected on",
        "description": "ISO date the figure was collected (the return's date).",
        "example": "2026-07-15",
        "constraints": {"required": True},
    },
    {
        "name": "source",
        "type": "string",
        "title": "Source",
        "description": "Where the figure comes from: a URL or a citation a reader can follow.",
        "example": "Quarterly workforce return to the partnership, July 2026",
        "constraints": {"required": True},
    },
    {
        "name": "demonstration",
        "type": "boolean",
        "title": "Demonstration",
        "description": "true for a synthetic or example figure (never shown as real data); "
        "false for a figure a council returned.",
        "example": False,
        "trueValues": ["true"],
        "falseValues": ["false"],
        "constraints": {"required": True},
    },
]
# Frame-only: the current council (the reader maps a superseded code; equals area_code otherwise).
COUNCIL = "council_code"
EXTENDS = re.compile(r"^\s*(>=|<=|==|>|<)?\s*(\S+)\s*$")


def local_schemas(observations: dict[str, Any], indicators: dict[str, Any]) -> dict[str, Any]:
    """The extension's Table Schemas from the main package's ``observations`` and ``indicators``.

    ``local_observations``: the official fields that apply, ``unit`` (as ``indicators`` declares
    it: a figure states its unit, so a fraction sent for a percentage is caught), then the fields
    a return adds. ``local_indicators``: ``indicators``' fields. Foreign keys reach into cscbench,
    which a Table Schema cannot say: :mod:`cscbench.extension.rules` checks them.
    """
    by_name = {f["name"]: f for f in observations["fields"]}
    fields = [copy.deepcopy(by_name[n]) for n in OFFICIAL_FIELDS]
    for field in fields:
        dropped = LOOSENED.get(field["name"])
        if dropped:
            field.get("constraints", {}).pop(dropped, None)
    unit = next(f for f in indicators["fields"] if f["name"] == "unit")
    fields.append(copy.deepcopy(unit))
    fields += copy.deepcopy(ADDED_FIELDS)
    local_obs = {
        "$schema": observations.get("$schema"),
        "fields": fields,
        "primaryKey": ["indicator_id", "area_code", "period"],
        "missingValues": [""],
    }
    local_ind = {
        "$schema": indicators.get("$schema"),
        "fields": copy.deepcopy(indicators["fields"]),
        "primaryKey": ["indicator_id"],
        "missingValues": [""],
    }
    return {OBSERVATIONS: local_obs, INDICATORS: local_ind}


def default_extends(version: str) -> str:
    """The range a new extension names: this release up to the next breaking one (semver's
    caret: 0.2.x for 0.2.0, 1.x for 1.4.0)."""
    major, minor, _ = semver.parse(version)
    upper = (0, minor + 1, 0) if major == 0 else (major + 1, 0, 0)
    return f">={version},<{semver.text(upper)}"


def satisfies(version: str, extends: str) -> bool:
    """Whether ``version`` is inside ``extends``: comparisons (``>=0.2.0,<0.3.0``; a bare version
    means ``==``) joined by commas, all of which must hold. A malformed range raises
    :class:`~cscbench.core.errors.InvalidInputError` saying what is expected."""
    have = semver.parse(version)
    clauses = [c for c in str(extends).split(",") if c.strip()]
    if not clauses:
        raise InvalidInputError("an empty range; expected e.g. '>=0.2.0,<0.3.0'")
    tests = {
        ">=": lambda a, b: a >= b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
        "==": lambda a, b: a == b,
    }
    ok = True
    for clause in clauses:
        match = EXTENDS.match(clause)
        if not match:
            raise InvalidInputError(f"{clause.strip()!r} is not a comparison like '>=0.2.0'")
        op, bound = match.group(1) or "==", semver.parse(match.group(2))
        ok = ok and tests[op](have, bound)
    return ok


def descriptor(name: str, title: str, partnership: str, extends: str) -> dict[str, Any]:
    """A new extension's ``datapackage.json`` (version 0.1.0, both resources)."""
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": name,
        "title": title,
        "version": "0.1.0",
        "description": f"Local figures collected by {partnership}, checked against cscbench.",
        KEY: {"extends": extends, "partnership": partnership},
        "resources": [
            {
                "name": res,
                "type": "table",
                "path": f"{res}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": f"schemas/{res}.schema.json",
            }
            for res in RESOURCES
        ],
    }


def origin_label(partnership: str) -> str:
    """The ``origin`` of a local figure, as tables and pages show it."""
    return f"local return: {partnership}"
