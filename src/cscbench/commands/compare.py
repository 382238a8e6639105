"""The commands that read packages side by side: ``cscbench compare`` (councils in one package)
and ``cscbench diff`` (two versions of the package)."""

from __future__ import annotations

import argparse

from cscbench.commands.common import descriptor_path, emit, terminal
from cscbench.core.errors import CscbenchError, InvalidInputError, UsageError
from cscbench.core.exitcodes import ExitCode
from cscbench.validate.report import json_text


def cmd_compare(args: argparse.Namespace) -> ExitCode:
    """Exit 0 with the rows, 2 for a council, indicator, theme or period the package lacks, 1 when
    the package itself cannot be read."""
    import polars as pl

    from cscbench.analysis.side_by_side import compare, render

    descriptor = descriptor_path(args.package)
    if not descriptor.exists():
        raise UsageError(f"{descriptor} not found")
    try:
        if args.extension:
            from cscbench.extension.api import compare as with_extension

            frame = with_extension(
                args.councils, args.indicator, args.theme, args.period, descriptor, args.extension
            )
        else:
            frame = compare(args.councils, args.indicator, args.theme, args.period, descriptor)
    except (pl.exceptions.PolarsError, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, CscbenchError):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise InvalidInputError(
            f"{descriptor} could not be read ({first}); run `cscbench validate {descriptor}`"
        ) from exc
    if args.extension and args.format in ("text", "markdown"):
        from cscbench.extension.api import for_display

        frame = for_display(frame)
    text = render(frame, args.format)
    emit(text if args.format == "json" else terminal(text))
    return ExitCode.OK


def cmd_diff(args: argparse.Namespace) -> ExitCode:
    """Exit codes as diff(1): 0 no differences, 1 differences, 2 an input cannot be read."""
    from cscbench.release.changes import render_markdown, render_text
    from cscbench.release.diff import diff_packages, read_package
    from cscbench.release.versions import open_side

    with (
        open_side(args.old, args.allow_remote) as old,
        open_side(args.new, args.allow_remote) as new,
    ):
        result = diff_packages(read_package(old, args.old), read_package(new, args.new))
    if args.format == "json":
        emit(json_text(result.to_dict()))
    elif args.format == "markdown":
        emit(terminal(render_markdown(result)))
    else:
        emit(terminal(render_text(result)))
    return ExitCode.INVALID if result.different else ExitCode.OK
