"""``cscbench publish``: the static site, its groups files and partnerships' extensions checked
first so that a typo fails in seconds, before the publishing libraries load."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cscbench.commands.common import descriptor_path, emit, say
from cscbench.core.errors import UsageError
from cscbench.core.exitcodes import ExitCode
from cscbench.validate.report import printable


def cmd_publish(args: argparse.Namespace) -> ExitCode:
    from cscbench.analysis.groupsfile import check_groups, groups_files
    from cscbench.package.reader import read as read_package

    if args.groups_replace and not args.groups:
        raise UsageError("--groups-replace needs at least one --groups PATH")
    for path in map(Path, args.groups):
        if not path.exists():
            raise UsageError(f"groups file {path} not found")
    for path in map(Path, args.extension):
        if not path.exists():
            raise UsageError(f"extension {path} not found")
    descriptor = descriptor_path(args.package)
    files = groups_files([Path(p) for p in args.groups], replace=args.groups_replace)
    # checked before the publishing libraries load and before validation: a typo fails in seconds
    package = read_package(descriptor) if descriptor.exists() else None  # parsed once, here
    checked = check_groups(package, files) if package is not None else None
    extensions: list[Any] = [Path(p) for p in args.extension]
    if extensions and package is not None:  # a bad return fails here, in seconds (exit 1)
        from cscbench.extension import read_extension

        extensions = [read_extension(path, package) for path in extensions]
    try:
        from cscbench.publish import publish_site
    except ModuleNotFoundError as exc:
        raise UsageError(f"missing package {exc.name!r}; run `make` to install") from exc
    result = publish_site(
        package if package is not None else descriptor,
        Path(args.out),
        png=args.png,
        groups_path=checked if checked is not None else files,
        extensions=extensions,
    )
    for note in result.notes:
        say("publish", note)
    emit(
        printable(
            f"published {result.pages} pages, {result.tables} tables, {result.pngs} PNG images "
            f"to {result.out} in {result.seconds:.1f} s (open {result.out / 'index.html'})"
        )
    )
    return ExitCode.OK
