"""Validation problems and reports: what a problem is, how problems are counted, ordered and shown.

One module that the validators (``validate``, ``frictionless_engine``), ``publish`` and the CLI all
import, so none of them has to import another to speak about problems. Nothing here validates,
reads a file or prints: the text and JSON renderings are strings the CLI writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from cscbench.core.choices import ENGINES

if TYPE_CHECKING:
    from cscbench.validate.checks import Check

HEADER_LINE = 1  # lines as a spreadsheet shows them: the header is line 1
FIRST_DATA_LINE = 2
ENGINE = ENGINES[0]  # the default engine; problems from other engines say which one found them
DEFAULT_LIMIT = 1000  # problems kept per engine, check, resource and column (counts stay exact)
MAX_LIMIT = 10_000_000  # the most --limit may ask for (a larger one would only exhaust memory)
MAX_EXAMPLES = 5  # examples shown per group in the text rendering


def printable(text: str) -> str:
    """``text`` with every non-printable character (terminal escape sequences, other control
    characters, bidi overrides, line breaks) written as a Python escape, so text taken from a file
    can neither drive the terminal nor break one line of output into several."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(char: str) -> str:
    return repr(char)[1:-1]  # "\\n", "\\x1b", "\\u202e": as Python writes them


def json_text(data: Any) -> str:
    """Indented JSON that keeps readable text (é, £) but escapes every non-printable character.

    ``json.dumps`` escapes only U+0000-U+001F; DEL, the C1 controls (U+009B is a terminal's
    one-byte escape) and bidi overrides would otherwise reach the terminal raw. They can only occur
    inside strings, where a ``\\uXXXX`` escape means the same character, so the JSON is unchanged.
    """
    out = json.dumps(data, indent=2, ensure_ascii=False)
    if all(c.isprintable() or c == "\n" for c in out):
        return out
    return "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in out)


def _json_escape(char: str) -> str:
    return json.dumps(char, ensure_ascii=True)[1:-1]


def catalogue_entry(check_id: str) -> Check:
    """The check's entry, imported when a problem is shown: the catalogue's family modules hold
    their rules (polars expressions), which the command line need not import to start."""
    from cscbench.validate.checks import CATALOGUE

    return CATALOGUE[check_id]


@dataclass(frozen=True)
class Problem:
    """One located problem; ``line`` is the CSV line a person sees in a spreadsheet (header = 1)."""

    check_id: str
    resource: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    engine: str = ENGINE
    place: str | None = None  # a descriptor or schema problem: "datapackage.json: resources[2]"

    @property
    def message(self) -> str:
        where = self.place or f"{self.resource}.csv" + (f" line {self.line}" if self.line else "")
        where += f", column {self.column}" if self.column else ""
        if self.value is not None:
            got = f": got {self.value!r}"
        elif self.column and self.line and self.line >= FIRST_DATA_LINE:
            got = ": got an empty cell"
        else:
            got = ""
        if self.engine == "frictionless":  # its own words: "Type Error: type is ..."
            return f"{where}{got}; frictionless: {self.expected}"
        return f"{where}{got}; expected {self.expected}"

    @property
    def title(self) -> str:
        return catalogue_entry(self.check_id).title

    @property
    def guidance(self) -> str:
        return catalogue_entry(self.check_id).guidance

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "message": self.message,
            "title": self.title,
            "guidance": self.guidance,
        }


GroupKey = tuple[str, str, str, str | None]  # engine, check id, resource, column


def group_key(problem: Problem) -> GroupKey:
    """Problems are counted per engine, check, resource and column (file checks: per file)."""
    column = None if problem.check_id.startswith("file.") else problem.column
    return problem.engine, problem.check_id, problem.resource, column


def sort_key(problem: Problem, order: dict[str, int]) -> tuple[Any, ...]:
    """Engine (cscbench first), package order, line, column, check: the same package always gives
    the same report."""
    return (
        problem.engine != ENGINE,
        order.get(problem.resource, -1),
        problem.line or 0,
        problem.column or "",
        problem.check_id,
        problem.value or "",
        problem.expected,
    )


def in_report_order(problems: Iterable[Problem], resources: list[str]) -> list[Problem]:
    """``problems`` sorted by :func:`sort_key`, resources in the package's order."""
    order = {name: i for i, name in enumerate(resources)}
    return sorted(problems, key=lambda p: sort_key(p, order))


@dataclass
class Report:
    """Problems (at most ``limit`` examples per engine, check, resource and column) and exact counts."""

    problems: list[Problem]
    resources: dict[str, int]
    counts: dict[GroupKey, int] = field(default_factory=dict)
    # the package validated (a cscbench.package.reader.Package): the frames read to check it
    # are kept there when it is valid, so publish and release do not read them again
    package: Any = field(default=None, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def groups(self) -> list[dict[str, Any]]:
        """One entry per engine, check, resource and column, in report order, with its count."""
        shown: dict[GroupKey, int] = {}
        for p in self.problems:
            key = group_key(p)
            shown[key] = shown.get(key, 0) + 1
        return [
            {
                "engine": engine,
                "check_id": check_id,
                "resource": resource,
                "column": column,
                "count": self.counts.get((engine, check_id, resource, column), n),
                "shown": n,
            }
            for (engine, check_id, resource, column), n in shown.items()
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "rows": self.resources,
            "total": self.total,
            "groups": self.groups(),
            "problems": [p.to_dict() for p in self.problems],
        }


class Tally:
    """Collects problems, keeping at most ``limit`` per group and the exact count of each group."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.problems: list[Problem] = []
        self.counts: dict[GroupKey, int] = {}

    def add(self, problem: Problem, count: int = 1) -> None:
        key = group_key(problem)
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + count
        if seen < self.limit:
            self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p)

    def add_examples(self, examples: list[Problem], total: int) -> None:
        """Examples of one group plus how many there are in all."""
        if not examples:
            return
        key = group_key(examples[0])
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + total
        self.problems.extend(examples[: max(0, self.limit - seen)])


# ---------------------------------------------------------------------------- text


def render_text(report: Report, max_examples: int = MAX_EXAMPLES) -> str:
    """Problems grouped by check and resource: title, count, the first examples, then the fix.

    Examples are spread over the group's columns (first of each column, then second...), so one
    column with thousands of failures cannot hide another column's single one. Every line goes
    through :func:`printable`: names and values come from the files being checked.
    """
    if report.valid:
        rows = ", ".join(f"{k} {v:,}" for k, v in report.resources.items())
        return printable(f"valid: {rows}")
    groups: dict[tuple[str, str, str], list[Problem]] = defaultdict(list)
    for p in report.problems:
        groups[(p.check_id, p.resource, p.engine)].append(p)  # counts: see Report.counts
    counts: dict[tuple[str, str, str], dict[str | None, int]] = defaultdict(dict)
    for (engine, check_id, resource, column), n in report.counts.items():
        counts[(check_id, resource, engine)][column] = n
    lines = [f"invalid: {report.total:,} problem(s) in {len(groups)} group(s)"]
    for key, items in groups.items():
        lines += ["", *_group_lines(key, items, counts.get(key, {}), max_examples)]
    return "\n".join(printable(line) for line in lines)


def _group_lines(
    key: tuple[str, str, str],
    items: list[Problem],
    per_column: dict[str | None, int],
    max_examples: int,
) -> list[str]:
    """One group: heading, counts by column where there are several, examples, and the fix."""
    check_id, resource, engine = key
    n = sum(per_column.values()) or len(items)
    tag = "" if engine == ENGINE else f" (reported by {engine})"
    lines = [f"[{check_id}] {resource}: {n:,} problem(s){tag}. {items[0].title}."]
    if len([c for c in per_column if c]) > 1:
        lines.append(
            "  by column: "
            + ", ".join(f"{c} {k:,}" for c, k in per_column.items() if c is not None)
        )
    shown = _spread(items)[:max_examples]
    lines += [f"  - {p.message}" for p in shown]
    if n > len(shown):
        lines.append(f"  ... and {n - len(shown):,} more (see --format json)")
    lines.append(f"  fix: {items[0].guidance}")
    return lines


def _spread(items: list[Problem]) -> list[Problem]:
    """Round-robin over columns, keeping line order within each column."""
    rank: dict[str | None, int] = defaultdict(int)
    keyed = []
    for i, p in enumerate(items):
        keyed.append((rank[p.column], i, p))
        rank[p.column] += 1
    return [p for _, _, p in sorted(keyed, key=lambda t: t[:2])]
