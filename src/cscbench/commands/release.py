"""``cscbench release``: a versioned archive of the package (in a clone), or of a partnership's
extension (anywhere)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cscbench.commands.common import emit, writable_folder
from cscbench.core.exitcodes import ExitCode
from cscbench.core.paths import require_checkout
from cscbench.validate.report import printable


def cmd_release(args: argparse.Namespace) -> ExitCode:
    """Exit 0 released, 1 invalid package or a version that breaks the rule, 2 usage error."""
    if args.own_release:
        return release_extension(args)
    from cscbench.release.cut import release

    root = require_checkout("release")
    result = release(
        args.read,
        Path(args.out),
        root=root,
        releases=Path(args.releases) if args.releases else root / "releases",
        date=args.date,
        previous=Path(args.previous) if args.previous else None,
    )
    size = result.archive.stat().st_size / 1e6
    if result.already:
        emit(
            printable(
                f"{result.version} is already released with this very content (recorded in "
                f"{result.recorded}, left unchanged); the archive is {result.archive} "
                f"({size:.1f} MB)"
            )
        )
        return ExitCode.OK
    since = (
        f"a {result.level} release after {result.previous}" if result.previous else "first release"
    )
    emit(
        printable(
            f"released {result.version} ({since}, dated {result.created}) in "
            f"{result.seconds:.1f} s: {result.archive} ({size:.1f} MB); recorded in "
            f"{result.recorded} (commit it)"
        )
    )
    return ExitCode.OK


def release_extension(args: argparse.Namespace) -> ExitCode:
    """An extension's own archive; it needs no clone (a partnership releases its return)."""
    from cscbench.extension.release import release_extension as build

    writable_folder(Path(args.out), "--out")
    result = build(args.package, Path(args.out), args.previous)
    since = f"a {result.level} release after {result.previous}" if result.previous else "first"
    size = result.archive.stat().st_size / 1e3
    emit(
        printable(
            f"released {result.name} {result.version} ({since}): {result.archive} ({size:.1f} kB)"
        )
    )
    return ExitCode.OK
