"""The one exit-code table of every ``cscbench`` command (docs/validation.md, "Exit codes").

Only :mod:`cscbench.cli` chooses an exit code: the stages raise typed errors
(:mod:`cscbench.core.errors`) or return results, and the CLI maps them onto this table, so a script can
rely on the same meaning whatever the command.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means."""

    OK = 0  # success: the package is valid, the output was written (diff: no differences)
    INVALID = 1  # the input is invalid: the package, a raw file, a config (diff: differences found)
    USAGE = 2  # usage error or unreadable arguments: bad option, a named file that does not exist
    INTERNAL = 3  # a bug: one line on the terminal, the traceback in the log file it names
    INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report 128 + 2
