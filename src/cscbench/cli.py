"""Command line: ``cscbench ingest | fetch | validate | publish``.

Exit codes: 0 success (package valid), 1 the package or an input is invalid, 2 usage error
(bad arguments, missing files the user named).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cscbench import __version__
from cscbench.paths import ROOT, default_package, raw_dir

if TYPE_CHECKING:
    from cscbench.validate import Problem, Report

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
NEEDS_CHECKOUT = (
    "cscbench {command}: this is a maintainers' command and needs a checkout of the cscbench "
    "repository (it reads registry/ and writes the registry and the package); an installed "
    "cscbench can validate, load and publish a package but not {command} one. "
    "Run it from a clone: git clone ... && make setup"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cscbench", description=__doc__.splitlines()[0])
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
        "--accept-new-raw", action="store_true", help="accept raw files whose sha256 changed"
    )

    fetch = sub.add_parser(
        "fetch",
        help="download the registered raw files (maintainers)",
        description="Download every raw file in registry/sources.toml (or those named) into the "
        "raw folder, each checked against its registered size and sha256 before it replaces "
        "anything. Exit codes: 0 all present, 1 a file refused, 2 usage error.",
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
        type=_positive_seconds,
        default=60.0,
        help="seconds without data before a download is given up (default 60)",
    )

    validate = sub.add_parser(
        "validate",
        help="validate a data package",
        description="Validate a data package. Exit codes: 0 valid, 1 invalid, 2 usage error.",
    )
    validate.add_argument(
        "path", nargs="?", default=str(default_package()), help="datapackage.json or its folder"
    )
    validate.add_argument(
        "--engine",
        choices=["cscbench", "frictionless", "both"],
        default="cscbench",
        help="cscbench (fast, default), frictionless (cross-check) or both",
    )
    validate.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text for people, json for machines",
    )
    validate.add_argument(
        "--max-examples",
        type=_positive,
        default=5,
        help="text output: examples shown per check and resource (default 5)",
    )
    validate.add_argument(
        "--limit",
        type=_positive,
        default=1000,
        help="problems kept per check, resource and column (counts stay exact; default 1000)",
    )

    publish = sub.add_parser("publish", help="validate, then publish the comparison tables")
    publish.add_argument("--package", default=str(default_package()))
    publish.add_argument("--out", default=str(ROOT / "site"))
    publish.add_argument(
        "--png", choices=["auto", "yes", "no"], default="auto", help="PNG export (needs Chromium)"
    )
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _descriptor(path: str) -> Path:
    p = Path(path)
    return p / "datapackage.json" if p.is_dir() else p


def cmd_validate(args: argparse.Namespace) -> int:
    """Exit 0 when valid, 1 when invalid, 2 when the descriptor the user named does not exist."""
    from cscbench.validate import validate_package

    descriptor = _descriptor(args.path)
    if not descriptor.exists():
        print(f"cscbench validate: {descriptor} not found", file=sys.stderr)
        return EXIT_USAGE
    report = validate_package(descriptor, engine=args.engine, limit=args.limit)
    if args.format == "json":
        out = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    else:
        out = render_text(report, args.max_examples)
    try:
        print(out)
    except BrokenPipeError:  # e.g. `cscbench validate | head`: the verdict is the exit code
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK if report.valid else EXIT_INVALID


def render_text(report: Report, max_examples: int = 5) -> str:
    """Problems grouped by check and resource: title, count, the first examples, then the fix.

    Examples are spread over the group's columns (first of each column, then second...), so one
    column with thousands of failures cannot hide another column's single one.
    """
    if report.valid:
        rows = ", ".join(f"{k} {v:,}" for k, v in report.resources.items())
        return f"valid: {rows}"
    groups: dict[tuple[str, str, str], list[Problem]] = defaultdict(list)
    for p in report.problems:
        groups[(p.check_id, p.resource, p.engine)].append(p)  # counts: see Report.counts
    counts: dict[tuple[str, str, str], dict[str | None, int]] = defaultdict(dict)
    for (engine, check_id, resource, column), n in report.counts.items():
        counts[(check_id, resource, engine)][column] = n
    total = report.total
    lines = [f"invalid: {total:,} problem(s) in {len(groups)} group(s)"]
    for key, items in groups.items():
        check_id, resource, engine = key
        per_column = counts.get(key, {})
        n = sum(per_column.values()) or len(items)
        tag = "" if engine == "cscbench" else f" (reported by {engine})"
        lines.append(f"\n[{check_id}] {resource}: {n:,} problem(s){tag}. {items[0].title}.")
        if len([c for c in per_column if c]) > 1:
            lines.append(
                "  by column: "
                + ", ".join(f"{c} {k:,}" for c, k in per_column.items() if c is not None)
            )
        shown = _spread(items)[:max_examples]
        lines += [f"  - {p.message}" for p in shown]
        if n > len(shown):
            lines.append(f"  ... and {n - len(shown):,} more (see --format json)")
        lines.append(f"  fix: {items[0].guidance}")
    return "\n".join(lines)


def _spread(items: list[Problem]) -> list[Problem]:
    """Round-robin over columns, keeping line order within each column."""
    rank: dict[str | None, int] = defaultdict(int)
    keyed = []
    for i, p in enumerate(items):
        keyed.append((rank[p.column], i, p))
        rank[p.column] += 1
    return [p for _, _, p in sorted(keyed, key=lambda t: t[:2])]


def cmd_ingest(args: argparse.Namespace) -> int:
    """Exit 0 when the package was rebuilt, 1 on a raw-input problem, 2 outside a checkout."""
    import polars as pl

    from cscbench.ingest.common import RawInputError
    from cscbench.ingest.registry import is_checkout

    if not is_checkout():
        print(NEEDS_CHECKOUT.format(command="ingest"), file=sys.stderr)
        return EXIT_USAGE
    from cscbench import ingest
    from cscbench.ingest.registry import SOURCES_FILE, default_registry, record_files
    from cscbench.package import SCHEMA_DIR, write_package

    raw = raw_dir(args.raw_dir)
    out = Path(args.out).resolve()
    try:
        registry = default_registry()
        accepted = ingest.verify_files(raw, registry, accept_new=args.accept_new_raw)
        # an accepted file is parsed by the whole build before the registry records it
        frames = ingest.build(raw, registry.with_files(accepted))
        descriptor = write_package(frames, out, ROOT / SCHEMA_DIR)
        if accepted:
            record_files(registry.directory / SOURCES_FILE, accepted)
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0]
        print(
            f"cscbench ingest: a raw file could not be read as expected: {first}", file=sys.stderr
        )
        return EXIT_INVALID
    except (RawInputError, ValueError) as exc:
        print(f"cscbench ingest: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for source_id in sorted(accepted):
        print(f"recorded the new checksum of {source_id} in registry/{SOURCES_FILE}: review it")
    print(f"wrote {descriptor}: " + ", ".join(f"{k} {v.height:,}" for k, v in frames.items()))
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    """Exit 0 when every chosen file is present and checked, 1 when one was refused, 2 on usage."""
    from cscbench.ingest.registry import is_checkout

    if not is_checkout():
        print(NEEDS_CHECKOUT.format(command="fetch"), file=sys.stderr)
        return EXIT_USAGE
    try:
        from cscbench.fetch import Settings, fetch
    except ModuleNotFoundError as exc:
        print(
            f"cscbench fetch: missing package {exc.name!r}; install the maintainers' extra: "
            "pip install -e '.[maintain]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from cscbench.ingest.registry import RegistryError, default_registry

    with _progress_bar() as progress:
        settings = Settings(
            raw_dir(args.raw_dir), args.mirror, args.timeout, args.accept_new_raw, progress
        )
        try:
            outcomes = fetch(default_registry(), args.source, settings)
        except KeyError as exc:
            print(f"cscbench fetch: {exc.args[0]}", file=sys.stderr)
            return EXIT_USAGE
        except RegistryError as exc:
            print(f"cscbench fetch: {exc}", file=sys.stderr)
            return EXIT_INVALID
    for o in outcomes:
        line = f"{o.status:8} {o.raw_path}: {o.message}"
        print(
            f"cscbench fetch: {line}" if o.status == "refused" else line,
            file=sys.stderr if o.status == "refused" else sys.stdout,
        )
    refused = [o for o in outcomes if o.status == "refused"]
    if any(o.status == "accepted" for o in outcomes):
        print(
            "new checksums recorded in registry/sources.toml: review them, then run cscbench ingest"
        )
    return EXIT_INVALID if refused else EXIT_OK


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A rich progress bar on stderr while downloading (none when stderr is not a terminal)."""
    try:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
    except ModuleNotFoundError:
        yield None
        return
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    tasks: dict[str, object] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=console,
        transient=True,
    ) as bar:

        def update(path: str, done: int, total: int | None) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(path, total=total)
            bar.update(tasks[path], completed=done)  # type: ignore[arg-type]

        yield update


def cmd_publish(args: argparse.Namespace) -> int:
    try:
        from cscbench.publish import publish_site
    except ModuleNotFoundError as exc:
        print(
            f"cscbench publish: missing package {exc.name!r}; run `make` to install",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return publish_site(_descriptor(args.package), Path(args.out), png=args.png)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {
        "ingest": cmd_ingest,
        "fetch": cmd_fetch,
        "validate": cmd_validate,
        "publish": cmd_publish,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
