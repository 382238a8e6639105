"""What every command's handler shares: printing safely to the terminal (file names, headers and
values come from files that may hold terminal escape sequences), and the paths the user named."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from cscbench.core.errors import UsageError
from cscbench.validate.report import printable


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


def descriptor_path(path: str) -> Path:
    p = Path(path)
    return p / "datapackage.json" if p.is_dir() else p


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
