"""Running git for cscbench (release records and old versions): one place for how it is called.

Every argument that comes from a record or a user is validated by the caller first (a commit is
7 to 40 hex digits, a tag a plain name) and paths follow ``--``; git gets no terminal input, a
time limit, and its error is reduced to the first line it printed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_SECONDS = 120.0  # a git command on the package (today: well under a second)
GitError = (OSError, subprocess.SubprocessError)  # git missing, failing or too slow


def git(repository: Path, *args: str, seconds: float = GIT_SECONDS) -> str:
    """git's standard output for ``args`` run in ``repository``; raises one of :data:`GitError`."""
    done = subprocess.run(
        ["git", "-C", str(repository), *args],
        capture_output=True,
        text=True,
        timeout=seconds,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout


def first_line(error: Exception) -> str:
    """What git said (its first line of stderr), else the error itself."""
    stderr = getattr(error, "stderr", None) or str(error)
    return (str(stderr).strip().splitlines() or [""])[0]
