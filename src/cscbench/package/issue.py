"""A descriptor or Table Schema problem, as both checks report it (:mod:`cscbench.package.descriptor`,
:mod:`cscbench.package.table_schema`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    """A descriptor or schema problem: its check id, the resource it concerns, where it is (the
    file, then the place in its JSON: ``datapackage.json: resources[2].path``), what was found
    and what was expected."""

    check_id: str
    resource: str
    where: str
    value: str | None
    expected: str

    @property
    def message(self) -> str:
        """The words ``cscbench validate`` reports it in (:class:`cscbench.validate.report.Problem`), so
        ``load()`` and the command line refuse a package in the same words."""
        got = f": got {self.value!r}" if self.value is not None else ""
        return f"{self.where}{got}; expected {self.expected}"


def shown(value: Any) -> str:
    """A short, printable rendering of a JSON value for a message."""
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:120] + "..."


def unsupported(resource: str, where: str, what: str) -> Issue:
    return Issue(
        "package.unsupported",
        resource,
        where,
        what,
        "what cscbench supports: one local CSV file per resource with its Table Schema in a "
        "file (valid Data Package v2, but not supported by cscbench)",
    )
