"""The argument types and shared options of the parser in :mod:`cscbench.cli`: each turns a bad
value into argparse's usage error (exit 2), naming the option."""

from __future__ import annotations

import argparse
import datetime as dt

from cscbench.commands.common import terminal
from cscbench.core.choices import ENGINES
from cscbench.validate.report import MAX_EXAMPLES, MAX_LIMIT


def _report_options(command: argparse.ArgumentParser) -> None:
    """--engine, --format and --max-examples: the same for validate and verify."""
    command.add_argument(
        "--engine",
        choices=ENGINES,
        default=ENGINES[0],
        help="cscbench (fast, default), frictionless (cross-check) or both",
    )
    command.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text for people, json for machines (JSON in every outcome, errors included)",
    )
    command.add_argument(
        "--max-examples",
        type=_positive,
        default=MAX_EXAMPLES,
        help=f"text output: examples shown per check and resource (default {MAX_EXAMPLES})",
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _limit(text: str) -> int:
    """--limit: a whole number from 1 to MAX_LIMIT (a larger one would only exhaust memory)."""
    value = _positive(text)
    if value > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_LIMIT:,}")
    return value


def _seconds(text: str) -> float:
    """--timeout and --deadline: a finite number of seconds, more than 0 and at most a day."""
    from cscbench.ingest.fetch import seconds_problem

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    problem = seconds_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return value


def _mirror(text: str) -> str:
    """--mirror: an http(s) URL the files' paths are appended to."""
    from cscbench.ingest.fetch import mirror_problem

    problem = mirror_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{terminal(text)!r} is not a mirror URL: {problem}")
    return text
