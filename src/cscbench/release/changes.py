"""A diff in words: plain text for the terminal, Markdown for the CHANGELOG and the release.

Changes are listed by the bump they need (major first), then by resource and kind; a kind that
occurs many times (48 indicators added) is one line. Text output quotes a few of each, Markdown
(the CHANGELOG's data section) all of them. The JSON form is :meth:`cscbench.release.diff.Diff.to_dict`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from cscbench.release.diff import Change, Diff

TEXT_EXAMPLES = 5
TEXT_WIDTH = 240  # the terminal form cuts a long list of ids here; JSON and Markdown keep all
LEVEL_HEADINGS = {
    "major": "Breaking changes (major)",
    "minor": "Additions (minor)",
    "patch": "Revisions and fixes (patch)",
}
KIND_LABELS = {
    "resource_added": "resources added",
    "resource_removed": "resources removed",
    "resource_renamed": "resources renamed",
    "resource_property": "resource properties changed",
    "package_property": "package properties changed",
    "column_added": "columns added",
    "column_removed": "columns removed",
    "column_renamed": "columns renamed",
    "type_changed": "column types changed",
    "enum_value_added": "allowed values added",
    "enum_value_removed": "allowed values removed",
    "field_changed": "column properties changed",
    "indicator_added": "indicators added",
    "indicator_removed": "indicators removed",
    "indicator_changed": "indicator metadata changed",
    "periods_added": "new periods",
    "source_id_renamed": "source ids renamed",
}
# Kinds whose subject says it all (an indicator id, a column): listed by subject when grouped.
BY_SUBJECT = frozenset(
    {
        "resource_added",
        "resource_removed",
        "column_added",
        "column_removed",
        "enum_value_added",
        "enum_value_removed",
        "indicator_added",
        "indicator_removed",
    }
)


def versions(diff: Diff) -> str:
    """``0.1.0 -> 0.2.0`` (``(none)`` for the empty side of a first release)."""
    return f"{diff.old.get('version') or '(none)'} -> {diff.new.get('version') or '(none)'}"


def verdict(diff: Diff) -> str:
    if not diff.different:
        return f"{versions(diff)}: no differences"
    return (
        f"{versions(diff)}: {len(diff.changes)} change(s); a release needs a "
        f"{diff.level.upper()} version bump"
    )


def grouped(diff: Diff) -> Iterator[tuple[str, list[tuple[str, list[Change]]]]]:
    """(level, [(resource, changes of one kind)]) for each level present, most severe first."""
    for level, items in itertools.groupby(diff.changes, key=lambda c: c.level):
        kinds = itertools.groupby(items, key=lambda c: (c.resource, c.kind))
        yield level, [(resource, list(group)) for (resource, _), group in kinds]


def line(changes: list[Change], limit: int | None, code: bool = False) -> str:
    """One line for changes of one kind: the change itself, or a count and the first ``limit``."""
    first = changes[0]
    if len(changes) == 1:
        return first.detail if limit is None else shorten(first.detail)
    quote = (lambda s: f"`{s}`") if code else (lambda s: s)
    parts = [quote(c.subject) if c.kind in BY_SUBJECT else c.detail for c in changes]
    if limit is not None:
        parts = [shorten(part) for part in parts]
    shown = parts if limit is None else parts[:limit]
    more = f"; and {len(parts) - len(shown)} more" if len(shown) < len(parts) else ""
    label = KIND_LABELS.get(first.kind, first.kind.replace("_", " "))
    separator = ", " if first.kind in BY_SUBJECT else "; "
    return f"{label} ({len(changes)}): {separator.join(shown)}{more}"


def shorten(text: str) -> str:
    """``text`` cut after the last list item that fits :data:`TEXT_WIDTH`, saying so."""
    if len(text) <= TEXT_WIDTH:
        return text
    cut = text.rfind(", ", 0, TEXT_WIDTH)
    return text[: cut if cut > 0 else TEXT_WIDTH] + ", ..."


def render_text(diff: Diff, limit: int = TEXT_EXAMPLES) -> str:
    """The terminal form: the verdict, then a line per kind of change under its level."""
    out = [verdict(diff)]
    for level, kinds in grouped(diff):
        out.append(f"\n{LEVEL_HEADINGS[level]}:")
        out += [f"  {resource or 'package'}: {line(group, limit)}" for resource, group in kinds]
    if diff.different:
        out.append("\nEvery row of every change: --format json")
    return "\n".join(out)


def render_markdown(diff: Diff, heading: str = "###") -> str:
    """The CHANGELOG's data section for a release (every change, nothing elided)."""
    title = f"{heading} Data ({versions(diff)}"
    title += f", {diff.level})" if diff.different else ")"
    out = [title, ""]
    if not diff.different:
        return "\n".join([*out, "No changes to the data or its schemas.", ""])
    for level, kinds in grouped(diff):
        out += [f"{LEVEL_HEADINGS[level]}:", ""]
        for resource, group in kinds:
            out += markdown_item(resource or "package", group)
        out.append("")
    return "\n".join(out)


def markdown_item(resource: str, changes: list[Change]) -> list[str]:
    """A bullet for changes of one kind; several described changes become sub-bullets."""
    first = changes[0]
    if len(changes) == 1 or first.kind in BY_SUBJECT:
        return [f"- **{resource}**: {line(changes, None, code=True)}"]
    label = KIND_LABELS.get(first.kind, first.kind.replace("_", " "))
    return [f"- **{resource}**: {label} ({len(changes)}):"] + [f"  - {c.detail}" for c in changes]
