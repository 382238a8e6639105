"""The maintainers' commands that build the package inside a clone: ``cscbench ingest`` (raw files
to package) and ``cscbench fetch`` (download the registered raw files)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cscbench.commands.common import emit, say, writable_folder
from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.core.exitcodes import ExitCode
from cscbench.core.paths import raw_dir, require_checkout
from cscbench.validate.report import printable


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
