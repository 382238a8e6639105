"""Command line: ``cscbench ingest | fetch | validate | verify | publish | release | diff | compare``
(and ``extension new``, a partnership's template).

With the handlers in :mod:`cscbench.commands` (one module per command or family), the only code
that prints to the terminal; the only module that chooses an exit code
(:mod:`cscbench.core.exitcodes`): 0 success, 1 the input is invalid, 2 usage error, 3 internal error, 130 interrupted. The stages
return results or raise :mod:`cscbench.core.errors` types, mapped here. An unexpected exception is a bug:
the user gets one line naming the command, the input and the log file that holds the traceback.
Everything echoed goes through :func:`cscbench.validate.report.printable`, since file names, headers and
values come from files that may hold terminal escape sequences.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from cscbench import __version__
from cscbench.commands.arguments import _date, _limit, _mirror, _report_options, _seconds
from cscbench.commands.common import descriptor_path, emit, say, terminal
from cscbench.commands.compare import cmd_compare, cmd_diff
from cscbench.commands.extension import cmd_extension
from cscbench.commands.ingest import cmd_fetch, cmd_ingest
from cscbench.commands.publish import cmd_publish
from cscbench.commands.release import cmd_release
from cscbench.commands.validate import cmd_validate, cmd_verify
from cscbench.core.choices import PNG_MODES
from cscbench.core.errors import CscbenchError, InvalidPackageError, UsageError
from cscbench.core.exitcodes import ExitCode
from cscbench.core.extras import require_for
from cscbench.core.paths import ROOT, default_package, default_site, raw_dir, require_checkout
from cscbench.validate.report import DEFAULT_LIMIT, MAX_LIMIT, json_text, render_text

LOG_ENV = "CSCBENCH_LOG_DIR"  # where internal-error logs go (default: the system temp folder)
# The argument each command reads its input from, named in error messages.
INPUTS = {
    "validate": "path",
    "publish": "package",
    "ingest": "raw_dir",
    "fetch": "raw_dir",
    "release": "package",
    "diff": "new",
    "compare": "package",
    "verify": "archive",
    "extension": "dir",
}
# Maintainers' commands: they rebuild or release the package inside a clone, so a wheel cannot.
CHECKOUT_COMMANDS = ("ingest", "fetch", "release")
# Commands whose --format json answers in JSON in every outcome, and the key of their verdict.
JSON_VERDICTS = {"validate": "valid", "verify": "valid", "diff": "differences", "compare": "rows"}


class BadArguments(Exception):
    """argparse found a usage error; raised instead of exiting so main() can answer in JSON too."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is raised (:class:`BadArguments`) rather than printed raw."""

    def error(self, message: str) -> NoReturn:
        raise BadArguments(self, message)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cscbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cscbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="rebuild the package from the raw publisher files")
    ingest.add_argument(
        "--raw-dir", help="raw folder (default: $CSCBENCH_RAW_DIR, else ../shared/data/raw)"
    )
    ingest.add_argument(
        "--out", default=str(ROOT), help="where datapackage.json and datapackage/ go"
    )
    ingest.add_argument(
        "--accept-new-raw",
        action="store_true",
        help="accept raw files whose sha256 changed, once the whole build has parsed them; "
        "records their checksums and sizes in registry/sources.toml for review",
    )

    fetch = sub.add_parser(
        "fetch",
        help="download the registered raw files (maintainers)",
        description="Download every raw file in registry/sources.toml (or those named) into the "
        "raw folder, each checked against its registered size and sha256 before it replaces "
        "anything; a file already present is checked against the server (conditionally, or by "
        "comparison), so a revised file is refused. Exit codes: 0 all present and unchanged, 1 a "
        "file refused (revised, HTTP error, timeout, deadline, not the file), 2 usage error, "
        "3 internal error.",
    )
    fetch.add_argument(
        "--source", action="append", metavar="ID", help="only this source id (repeatable)"
    )
    fetch.add_argument(
        "--raw-dir", help="raw folder (default: $CSCBENCH_RAW_DIR, else ../shared/data/raw)"
    )
    fetch.add_argument(
        "--mirror",
        metavar="URL",
        type=_mirror,
        help="fetch URL/<path under the raw folder> instead of each file's download URL",
    )
    fetch.add_argument(
        "--accept-new-raw",
        action="store_true",
        help="accept a file whose sha256 changed (a new release) once its reader has parsed it; "
        "records its checksum and size in registry/sources.toml for review",
    )
    fetch.add_argument(
        "--timeout",
        type=_seconds,
        default=60.0,
        help="seconds without data before a download is given up (default 60)",
    )
    fetch.add_argument(
        "--deadline",
        type=_seconds,
        default=900.0,
        help="seconds one download may take in all, however steadily data arrives (default 900)",
    )

    validate = sub.add_parser(
        "validate",
        help="validate a data package",
        description="Validate a data package. Exit codes: 0 valid, 1 invalid, 2 usage error, "
        "3 internal error.",
    )
    validate.add_argument(
        "path",
        nargs="?",
        default=str(default_package()),
        help="datapackage.json or its folder (default: the installed package)",
    )
    _report_options(validate)
    validate.add_argument(
        "--limit",
        type=_limit,
        default=DEFAULT_LIMIT,
        help=f"problems kept per check, resource and column (counts stay exact; default "
        f"{DEFAULT_LIMIT}, at most {MAX_LIMIT:,})",
    )
    validate.add_argument(
        "--allow-remote",
        action="store_true",
        help="fetch resources whose path is an http(s) URL (size and time limited; needs httpx); "
        "without it a URL path is refused",
    )

    verify = sub.add_parser(
        "verify",
        help="check a release archive as received",
        description="Check a release archive cscbench-data-X.Y.Z.zip as received: read safely "
        "(bounded, no member outside it, no link), laid out as a release, every file's size and "
        "SHA-256 as its descriptor declares, then the package validated. Exit codes: 0 the "
        "release as released, 1 it is not (each problem named), 2 usage error, 3 internal error.",
    )
    verify.add_argument("archive", help="the release archive (cscbench-data-X.Y.Z.zip)")
    _report_options(verify)

    publish = sub.add_parser("publish", help="validate, then publish the comparison tables")
    publish.add_argument(
        "--package", default=str(default_package()), help="default: the installed package"
    )
    publish.add_argument("--out", default=str(default_site()))
    publish.add_argument(
        "--groups",
        action="append",
        default=[],
        metavar="PATH",
        help="a groups file ([[group]] and [[pair]] entries) added to the shipped "
        "config/groups.toml; may be given more than once",
    )
    publish.add_argument(
        "--groups-replace",
        action="store_true",
        help="publish only the --groups files' groups and pairs, not the shipped ones (the "
        "first [[pair]] read is the headline comparison)",
    )
    publish.add_argument(
        "--extension",
        action="append",
        default=[],
        metavar="DIR",
        help="a partnership's extension package whose local figures the profiles, group pages "
        "and compare page show in their own blocks, never mixed with the official ones; checked "
        "before anything is published; may be given more than once",
    )
    publish.add_argument(
        "--png", choices=PNG_MODES, default=PNG_MODES[0], help="PNG export (needs Chromium)"
    )

    release = sub.add_parser(
        "release",
        help="build the release archive cscbench-data-X.Y.Z.zip and record the release",
        description="Build cscbench-data-X.Y.Z.zip (CSV package with hashes, Parquet, DuckDB, "
        "README) and record it under releases/X.Y.Z. Exit codes: 0 released, 1 the package is "
        "invalid or its version does not follow the previous release, 2 usage error.",
    )
    release.add_argument(
        "--package",
        default=str(default_package()),
        help="default: the checkout's package; an extension's folder builds its own archive "
        "NAME-X.Y.Z.zip (--previous: its earlier archive or folder)",
    )
    release.add_argument("--out", required=True, help="folder the archive is written to")
    release.add_argument(
        "--date",
        type=_date,
        help="release date YYYY-MM-DD (default: the version's date in CHANGELOG.md)",
    )
    release.add_argument(
        "--previous",
        help="the previous release's archive or package (default: taken from the git commit "
        "its record names)",
    )
    release.add_argument(
        "--releases", help="where releases are recorded (default: releases/ in the checkout)"
    )

    diff = sub.add_parser(
        "diff",
        help="what changed between two packages",
        description="Compare two packages: each a datapackage.json, its folder, a release zip "
        "(or with --allow-remote its URL), or from a clone a recorded release version or tag "
        "(cscbench diff 0.1.0 0.2.0; taken from git by cscbench). Exit codes as diff(1): "
        "0 no differences, 1 differences (or an invalid package: its header does not match its "
        "schema), 2 usage error or unreadable input, 3 internal error.",
    )
    diff.add_argument("old", help="the older package, archive, URL, version or tag")
    diff.add_argument("new", help="the newer package, archive, URL, version or tag")
    diff.add_argument(
        "--allow-remote",
        action="store_true",
        help="download a release archive given as an http(s) URL (size and time limits apply)",
    )
    diff.add_argument(
        "--format",
        choices=["text", "json", "markdown"],
        default="text",
        help="text for people, json for machines (every row), markdown for the CHANGELOG",
    )

    extension = sub.add_parser(
        "extension",
        help="a partnership's own figures: write a template to fill in (docs/extensions.md)",
    )
    ext_sub = extension.add_subparsers(dest="action", required=True)
    new = ext_sub.add_parser(
        "new",
        help="write an extension template to DIR",
        description="Write an extension template to DIR (a new or empty folder): datapackage.json "
        "naming the installed release, Table Schemas, both CSVs with an example row marked as "
        "demonstration data, and a README for the people who fill it in. Check it with "
        "`cscbench validate DIR/datapackage.json`. Exit codes: 0 written, 2 usage error.",
    )
    new.add_argument("dir", help="the folder to create")
    new.add_argument(
        "--partnership", default="Example partnership", help="who collects the figures"
    )
    new.add_argument("--name", help="the extension's package name (default: from DIR)")

    compare = sub.add_parser(
        "compare",
        help="councils side by side: value, rank, band, change, region, England, neighbours",
        description="One row per council and indicator: period, value, status, rank of N, band, "
        "caveat, change since the previous period (better/worse by the indicator's polarity), the "
        "region's and England's figures and the statistical neighbours' median. Exit codes: 0 ok, "
        "1 the package cannot be read, 2 usage error (an unknown council, indicator, theme or "
        "period), 3 internal error.",
    )
    compare.add_argument(
        "councils",
        nargs="+",
        metavar="COUNCIL",
        help="a name in any variant the package knows, a GSS code or a DfE code",
    )
    compare.add_argument(
        "--indicator",
        action="append",
        metavar="ID",
        help="an indicator id (repeatable; default: the headline indicators)",
    )
    compare.add_argument("--theme", help="every indicator of this theme (workforce, spending, ...)")
    compare.add_argument(
        "--period",
        default="latest",
        help="latest (default: each indicator's latest period) or a period as published (2024, "
        "2023-24)",
    )
    compare.add_argument(
        "--format",
        choices=["text", "csv", "json", "markdown"],
        default="text",
        help="text for people, markdown for documents, csv and json for machines (every column)",
    )
    compare.add_argument(
        "--package", default=str(default_package()), help="default: the installed package"
    )
    compare.add_argument(
        "--extension",
        metavar="DIR",
        help="also show a partnership's local figures for these councils (origin column)",
    )
    return parser


def _extension_release(args: argparse.Namespace) -> bool:
    """Whether ``release`` names an extension; the package it names is read here, once, and kept
    on ``args`` for ``cmd_release`` (one parse of the descriptor per command)."""
    if args.command != "release":
        return False
    from cscbench.extension.format import KEY
    from cscbench.package.reader import read

    args.read = read(descriptor_path(args.package))
    found = args.read.descriptor
    return isinstance(found, dict) and KEY in found


# ---------------------------------------------------------------------------- output


def wants_json(args: argparse.Namespace | Sequence[str]) -> bool:
    """Whether the user asked ``validate`` or ``diff`` for JSON, from parsed arguments or raw ones
    (a usage error stops argparse before it sets ``format``)."""
    if isinstance(args, argparse.Namespace):
        return getattr(args, "format", "text") == "json"
    words = list(args)
    pairs = itertools.pairwise([*words, ""])
    asked = any(w == "--format=json" or (w == "--format" and n == "json") for w, n in pairs)
    return any(command in words for command in JSON_VERDICTS) and asked


def error_json(
    code: ExitCode, message: str, log: Path | None = None, command: str = "validate"
) -> str:
    """The JSON body of a run that produced no verdict: ``valid`` (``differences`` for diff) is
    null, since nothing was judged."""
    error: dict[str, Any] = {"exit_code": int(code), "kind": code.name.lower(), "message": message}
    if log is not None:
        error["log"] = str(log)
    return json_text({JSON_VERDICTS.get(command, "valid"): None, "error": error})


def fail(
    command: str, code: ExitCode, message: str, as_json: bool, log: Path | None = None
) -> ExitCode:
    """Say what went wrong (and in JSON on stdout when JSON was asked for); return ``code``."""
    say(command, message)
    if as_json:
        emit(error_json(code, message, log, command))
    return code


# ---------------------------------------------------------------------------- commands


COMMANDS: dict[str, Callable[[argparse.Namespace], ExitCode]] = {
    "ingest": cmd_ingest,
    "fetch": cmd_fetch,
    "validate": cmd_validate,
    "verify": cmd_verify,
    "publish": cmd_publish,
    "release": cmd_release,
    "diff": cmd_diff,
    "compare": cmd_compare,
    "extension": cmd_extension,
}


# ---------------------------------------------------------------------------- errors


def exit_code(error: CscbenchError) -> ExitCode:
    """The exit code of a typed error: the user's arguments (2) or their input (1)."""
    return ExitCode.USAGE if isinstance(error, UsageError) else ExitCode.INVALID


def input_of(args: argparse.Namespace) -> str:
    """The input the command was working on, for the one-line internal-error message."""
    value = getattr(args, INPUTS.get(args.command, ""), None)
    if args.command in ("ingest", "fetch"):
        return str(raw_dir(value))
    if args.command == "diff":
        return f"{args.old} and {args.new}"
    return str(descriptor_path(str(value)).resolve())


def log_dir() -> Path:
    """``$CSCBENCH_LOG_DIR``, else the system temp folder."""
    return Path(os.environ.get(LOG_ENV) or tempfile.gettempdir())


def write_log(command: str, argv: Sequence[str], error: BaseException) -> Path:
    """Write the traceback to a new file (named by command, time and process; never an existing
    file or link) readable by the user only: tracebacks show local paths."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    text = (
        f"cscbench {__version__} (Python {platform.python_version()}, {platform.platform()})\n"
        f"command: cscbench {' '.join(argv)}\n\n" + "".join(traceback.format_exception(error))
    )
    for n in itertools.count():
        path = folder / f"cscbench-{command}-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.log"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path
    raise AssertionError("unreachable")  # pragma: no cover


def internal_error(args: argparse.Namespace, argv: Sequence[str], error: Exception) -> ExitCode:
    """One line for the user, the traceback in a log file; exit 3."""
    first = (str(error).strip().splitlines() or [""])[0][:200]
    what = f"{type(error).__name__}: {first}" if first else type(error).__name__
    log: Path | None = None
    try:
        log = write_log(args.command, argv, error)
        hint = f"the traceback is in {log}; please report it with that file"
    except OSError as exc:
        hint = f"the traceback could not be written to {log_dir()} ({exc}); set {LOG_ENV}"
    message = (
        f"internal error while working on {input_of(args)} ({what}): a bug in cscbench; {hint}"
    )
    return fail(args.command, ExitCode.INTERNAL, message, wants_json(args), log)


def usage_error(error: BadArguments, argv: Sequence[str]) -> ExitCode:
    """argparse's usage and message, escaped; JSON too when ``validate --format json`` was asked."""
    emit(terminal(error.parser.format_usage().rstrip()), sys.stderr)
    command = error.parser.prog.removeprefix("cscbench").strip()
    return fail(command, ExitCode.USAGE, f"error: {error}", wants_json(argv))


def run(args: argparse.Namespace, argv: Sequence[str]) -> ExitCode:
    """Run the command, mapping typed errors, Ctrl-C and bugs onto the exit-code table."""
    as_json = wants_json(args)
    try:
        own_release = _extension_release(args)  # a partnership's archive: no clone needed
        args.own_release = own_release
        if args.command in CHECKOUT_COMMANDS and not own_release:
            require_checkout(args.command)
        require_for("validate" if own_release else args.command)
        return COMMANDS[args.command](args)
    except CscbenchError as exc:
        if isinstance(exc, InvalidPackageError):
            emit(render_text(exc.report), sys.stderr)
        return fail(args.command, exit_code(exc), str(exc), as_json)
    except KeyboardInterrupt:
        return fail(args.command, ExitCode.INTERRUPTED, "interrupted", as_json)
    except Exception as exc:
        return internal_error(args, argv, exc)


def main(argv: Sequence[str] | None = None) -> int:
    """``cscbench``'s entry point: returns the exit code (the console script exits with it)."""
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(words)
    except BadArguments as exc:
        return usage_error(exc, words)
    except SystemExit as exc:  # --help and --version: argparse has printed them
        return exc.code if isinstance(exc.code, int) else ExitCode.OK
    return int(run(args, words))


if __name__ == "__main__":
    sys.exit(main())
