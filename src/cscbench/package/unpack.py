"""Any package a user names, opened for reading: a descriptor, its folder, a release zip or a URL.

``cscbench.load()`` and ``cscbench diff`` take the same inputs, so both open them here. A local
path goes to :func:`cscbench.package.archive.open_package` (a zip is checked whole, bounded and unpacked
into a temporary folder through the package boundary). A URL is fetched only when the caller
allows it (``allow_remote``), over http or https, within the size limit and one deadline for the
whole download (:func:`cscbench.package.boundary.fetch`), into a temporary folder removed on exit; what
arrives must then be a release zip like any other.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from cscbench.package import boundary, limits
from cscbench.package.archive import UnreadableInput, open_package

REMOTE_ONLY_IF_ALLOWED = (
    "{url} is a URL: pass --allow-remote (allow_remote=True in Python) to download it, "
    "or give a local package or release archive"
)


@contextlib.contextmanager
def open_any(
    package: str | Path, allow_remote: bool = False, chosen: limits.Limits | None = None
) -> Iterator[Path]:
    """The ``datapackage.json`` of ``package`` (a descriptor, its folder, a release zip, or with
    ``allow_remote`` the URL of a release zip), for the length of the ``with`` block."""
    text = str(package)
    if not boundary.is_remote(text):
        with open_package(Path(package), chosen) as descriptor:
            yield descriptor
        return
    shown = boundary.describe(text)
    if not allow_remote:
        raise UnreadableInput(REMOTE_ONLY_IF_ALLOWED.format(url=shown))
    with tempfile.TemporaryDirectory(prefix="cscbench-remote-") as folder:
        archive = boundary.fetch(text, Path(folder), chosen, suffix=".zip")
        if isinstance(archive, boundary.Refusal):
            raise UnreadableInput(f"{archive.value}; expected {archive.expected}")
        if not zipfile.is_zipfile(archive):
            raise UnreadableInput(
                f"{shown}: not a zip archive; expected a release archive (cscbench-data-X.Y.Z.zip)"
            )
        with open_package(archive, chosen) as descriptor:
            yield descriptor
