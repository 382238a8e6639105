"""Errors a user can act on, typed by whose fault they are, so the CLI alone maps them to exit codes.

The stages (publish, ingest, validate) raise these instead of printing or returning exit codes;
:mod:`cscbench.cli` prints the message and exits with the code of the class (see
:mod:`cscbench.core.exitcodes`). Anything else that escapes a command is a bug: an internal error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from cscbench.validate.report import Report


class CscbenchError(Exception):
    """An error whose message tells the user what to do; never shown with a traceback."""


class UsageError(CscbenchError):
    """The command was asked for something it cannot do: a bad option value, a path that does not
    exist, an output folder it must not replace."""


class InvalidInputError(CscbenchError):
    """The input itself is wrong: an invalid package, raw file or configuration."""


class InvalidPackageError(InvalidInputError):
    """The package failed validation; ``report`` holds the problems for the CLI to show."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report
