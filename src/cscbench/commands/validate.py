"""``cscbench validate`` (a package or a partnership's extension) and ``cscbench verify`` (a
release archive): both answer with a validation report, as text or JSON."""

from __future__ import annotations

import argparse
from pathlib import Path

from cscbench.commands.common import descriptor_path, emit, say
from cscbench.core.errors import UsageError
from cscbench.core.exitcodes import ExitCode
from cscbench.validate.report import json_text, printable, render_text


def cmd_validate(args: argparse.Namespace) -> ExitCode:
    """Exit 0 when valid, 1 when invalid, 2 when the descriptor the user named does not exist."""
    from cscbench.validate.run import validate_package

    descriptor = descriptor_path(args.path)
    if not descriptor.exists():
        raise UsageError(f"{descriptor} not found")
    if _extension(descriptor):
        from cscbench.extension import validate_extension

        checked = validate_extension(descriptor, engine=args.engine, limit=args.limit)
        for note in checked.notes:
            say("validate", f"note: {note}")
        report = checked.report
    else:
        report = validate_package(
            descriptor, engine=args.engine, limit=args.limit, allow_remote=args.allow_remote
        )
    if args.format == "json":
        emit(json_text(report.to_dict()))
    else:
        emit(render_text(report, args.max_examples))
    return ExitCode.OK if report.valid else ExitCode.INVALID


def _extension(descriptor: Path) -> bool:
    """Whether ``descriptor`` is a partnership's extension (its ``cscbench`` object says so)."""
    from cscbench.extension import is_extension

    return descriptor.is_file() and is_extension(descriptor)


def cmd_verify(args: argparse.Namespace) -> ExitCode:
    """Exit 0 when the archive is the release it says it is, 1 when not, 2 when there is none."""
    from cscbench.release.verify import verify_archive

    report = verify_archive(Path(args.archive), engine=args.engine)
    if args.format == "json":
        emit(json_text(report.to_dict()))
    else:
        text = render_text(report, args.max_examples)
        emit(printable(f"verified {Path(args.archive).name}: ") + text if report.valid else text)
    return ExitCode.OK if report.valid else ExitCode.INVALID
