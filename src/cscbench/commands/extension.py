"""``cscbench extension new``: a partnership's template for its local figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from cscbench.commands.common import emit
from cscbench.core.exitcodes import ExitCode
from cscbench.validate.report import printable


def new_extension(args: argparse.Namespace) -> ExitCode:
    from cscbench.extension.template import new_extension as write

    written = write(Path(args.dir), args.partnership, args.name)
    emit(printable(f"wrote {written.parent}: fill in its CSVs, then cscbench validate {written}"))
    return ExitCode.OK


def cmd_extension(args: argparse.Namespace) -> ExitCode:
    return {"new": new_extension}[args.action](args)
