"""Command line: ``cscbench ingest | fetch | validate | verify | publish | release | diff | compare``
(and ``extension new``, a partnership's template).

The only module that prints to the terminal or chooses an exit code (:mod:`cscbench.core.exitcodes`):
0 success, 1 the input is invalid, 2 usage error, 3 internal error, 130 interrupted. The stages
return results or raise :mod:`cscbench.core.errors` types, mapped here. An unexpected exception is a bug:
the user gets one line naming the command, the input and the log file that holds the traceback.
Everything echoed goes through :func:`cscbench.validate.report.printable`, since file names, headers and
values come from files that may hold terminal escape sequences.

Longer than 500 lines: every command's parser and handler are here, and several branches of
issues 19 and 20 were adding or changing commands while the folders moved; moving handlers out (one file
per command, under a ``commands/`` folder) is the next split once those have merged.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from cscbench import __version__
from cscbench.core.choices import ENGINES, PNG_MODES
from cscbench.core.errors import CscbenchError, InvalidInputError, InvalidPackageError, UsageError
from cscbench.core.exitcodes import ExitCode
from cscbench.core.extras import require_for
from cscbench.core.paths import (
    ROOT,
    default_package,
    default_site,
    raw_dir,
    require_checkout,
)
from cscbench.validate.report import (
    DEFAULT_LIMIT,
    MAX_EXAMPLES,
    MAX_LIMIT,
    json_text,
    printable,
    render_text,
)

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


def _descriptor(path: str) -> Path:
    p = Path(path)
    return p / "datapackage.json" if p.is_dir() else p


def _extension(descriptor: Path) -> bool:
    """Whether ``descriptor`` is a partnership's extension (its ``cscbench`` object says so)."""
    from cscbench.extension import is_extension

    return descriptor.is_file() and is_extension(descriptor)


def _extension_release(args: argparse.Namespace) -> bool:
    """Whether ``release`` names an extension; the package it names is read here, once, and kept
    on ``args`` for ``cmd_release`` (one parse of the descriptor per command)."""
    if args.command != "release":
        return False
    from cscbench.extension.format import KEY
    from cscbench.package.reader import read

    args.read = read(_descriptor(args.package))
    found = args.read.descriptor
    return isinstance(found, dict) and KEY in found


# ---------------------------------------------------------------------------- output


def emit(text: str, stream: TextIO | None = None) -> None:
    """Print ``text`` (already safe for a terminal); a closed pipe (``| head``) is not an error:
    the verdict is the exit code."""
    stream = stream or sys.stdout
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def terminal(text: str) -> str:
    """``text`` safe for a terminal: its own lines kept, control characters in each escaped."""
    return "\n".join(printable(line) for line in text.splitlines())


def say(command: str, message: str) -> None:
    """A message to the user on stderr, prefixed with the command, control characters escaped."""
    prefix = f"cscbench {command}" if command else "cscbench"
    emit(terminal(f"{prefix}: {message}"), sys.stderr)


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


def cmd_validate(args: argparse.Namespace) -> ExitCode:
    """Exit 0 when valid, 1 when invalid, 2 when the descriptor the user named does not exist."""
    from cscbench.validate.run import validate_package

    descriptor = _descriptor(args.path)
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


def writable_folder(path: Path, option: str) -> None:
    """``path`` is a folder this user can write into, or can be created as one: a file in its
    place or a read-only folder is a usage error naming the option, never an internal error."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file; expected a folder (made if missing)")
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise UsageError(f"{option} {path}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: cannot write in {existing} (permission denied)")


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


def cmd_ingest(args: argparse.Namespace) -> ExitCode:
    """Rebuild the package; files whose checksum changed only with --accept-new-raw, recorded in
    the registry after the whole build has parsed them and the new package was written."""
    import polars as pl

    from cscbench import ingest
    from cscbench.ingest.registry import SOURCES_FILE, default_registry
    from cscbench.ingest.registry_write import record_files
    from cscbench.ingest.write import SCHEMA_DIR, write_package

    root = require_checkout("ingest")
    raw = raw_dir(args.raw_dir)
    out = Path(args.out).resolve()
    writable_folder(out, "--out")  # before the build, so a typo fails in seconds
    try:
        registry = default_registry()
        accepted = ingest.verify_files(raw, registry, accept_new=args.accept_new_raw)
        frames = ingest.build(raw, registry.with_files(accepted))
        descriptor = write_package(frames, out, root / SCHEMA_DIR)
        if accepted:
            record_files(registry.directory / SOURCES_FILE, accepted)
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0]
        raise InvalidInputError(f"a raw file could not be read as expected: {first}") from exc
    except ValueError as exc:  # RawInputError, RegistryError, an unmatched name, an invalid package
        raise InvalidInputError(str(exc)) from exc
    except OSError as exc:  # the folder became unwritable or full while the package was written
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"cannot write the package to {out} ({reason}: {exc.filename or out}); "
            "the previous package is untouched"
        ) from exc
    for source_id in sorted(accepted):
        emit(f"recorded the new checksum of {source_id} in registry/{SOURCES_FILE}: review it")
    summary = ", ".join(f"{k} {v.height:,}" for k, v in frames.items())
    emit(printable(f"wrote {descriptor}: {summary}"))
    return ExitCode.OK


def cmd_fetch(args: argparse.Namespace) -> ExitCode:
    """Exit 0 when every chosen file is present and checked, 1 when one was refused."""
    from cscbench.ingest.fetch import Settings, fetch
    from cscbench.ingest.registry import RegistryError, default_registry

    with _progress_bar() as progress:
        settings = Settings(
            raw_dir(args.raw_dir),
            args.mirror,
            args.timeout,
            args.accept_new_raw,
            progress,
            deadline=args.deadline,
        )
        try:
            outcomes = fetch(default_registry(), args.source, settings)
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from exc
        except RegistryError as exc:
            raise InvalidInputError(str(exc)) from exc
        except OSError as exc:  # the raw folder itself cannot be listed or made
            raise InvalidInputError(
                f"{settings.raw_dir}: cannot use the raw folder ({exc.strerror or exc}); "
                "expected a folder this user may read and write"
            ) from exc
    for o in outcomes:
        line = f"{o.status:9} {o.raw_path}: {o.message.removeprefix(o.raw_path + ': ')}"
        if o.status == "refused":
            say("fetch", line)
        else:
            emit(printable(line))
    if any(o.status == "accepted" for o in outcomes):
        emit("new checksums recorded in registry/sources.toml: review them, then cscbench ingest")
    refused = any(o.status == "refused" for o in outcomes)
    return ExitCode.INVALID if refused else ExitCode.OK


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A rich progress bar on stderr while downloading (none when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    tasks: dict[str, Any] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=console, transient=True) as bar:

        def update(path: str, done: int, total: int | None) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(printable(path), total=total)
            bar.update(tasks[path], completed=done)

        yield update


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
    descriptor = _descriptor(args.package)
    files = groups_files([Path(p) for p in args.groups], replace=args.groups_replace)
    # checked before the publishing libraries load and before validation: a typo fails in seconds
    package = read_package(descriptor) if descriptor.exists() else None  # parsed once, here
    checked = check_groups(package, files) if package is not None else None
    extensions: list[Any] = [Path(p) for p in args.extension]
    if extensions and package is not None:  # a bad return fails here, in seconds (exit 1)
        from cscbench.extension import read_extension

        extensions = [read_extension(path, descriptor) for path in extensions]
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


def new_extension(args: argparse.Namespace) -> ExitCode:
    from cscbench.extension.template import new_extension as write

    written = write(Path(args.dir), args.partnership, args.name)
    emit(printable(f"wrote {written.parent}: fill in its CSVs, then cscbench validate {written}"))
    return ExitCode.OK


def cmd_extension(args: argparse.Namespace) -> ExitCode:
    return {"new": new_extension}[args.action](args)


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


def cmd_compare(args: argparse.Namespace) -> ExitCode:
    """Exit 0 with the rows, 2 for a council, indicator, theme or period the package lacks, 1 when
    the package itself cannot be read."""
    import polars as pl

    from cscbench.analysis.side_by_side import compare, render

    descriptor = _descriptor(args.package)
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
    return str(_descriptor(str(value)).resolve())


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
