"""The package object: the one reader of ``datapackage.json`` and the frames it names.

Every command that reads a package (``load()``, ``validate``, ``publish``, ``release``, ``diff``,
``compare``, ``verify``) opens it here once: :func:`read` parses the descriptor and checks it and
its Table Schemas through :func:`cscbench.package.descriptor.plan` (the boundary-checked reader), and the
:class:`Package` it returns hands out each resource's frame, read from its CSV at most once (the
first time it is asked for, or handed over by ``validate``, which has just read it) and cast to the
dtypes its Table Schema gives. So a command parses the descriptor once and each CSV once.

Part of the package stage: it may import the boundary, descriptor, CSV and schema modules, never
validate, publish, release or anything after them. Only polars and the standard library (the
loader's core install).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core.errors import InvalidInputError
from cscbench.package import boundary, csvfile, descriptor, limits
from cscbench.package.schema import polars_dtypes, typed


class PackageRefused(InvalidInputError, ValueError):
    """The package cannot be read (safely): a path leading outside it, a FIFO or device in place of
    a CSV, a descriptor or schema that is not usable. The message is the one ``cscbench validate``
    gives for the same problem; ``check_id`` is its check (``package.unsafe_path``...)."""

    def __init__(self, message: str, check_id: str) -> None:
        super().__init__(message)
        self.check_id = check_id


@dataclass(frozen=True, eq=False)
class Package:
    """A checked package: its descriptor (parsed once; do not change it), each usable resource's
    file and Table Schema, the descriptor's problems, and its frames, read on first use.

    ``descriptor`` is None when the file could not be used at all (``issues`` say why)."""

    path: Path  # the resolved datapackage.json
    descriptor: dict[str, Any] | None
    entries: tuple[descriptor.Entry, ...]
    issues: tuple[descriptor.Issue, ...]
    temporary: tuple[Path, ...] = ()  # folders remote files were fetched into
    _texts: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)
    _typed: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        """The folder the descriptor's paths are relative to."""
        return self.path.parent

    @property
    def order(self) -> dict[str, int]:
        """Every resource the descriptor names -> its index (usable or not)."""
        return self.plan.order

    @property
    def plan(self) -> descriptor.Plan:
        """The checked descriptor in :mod:`cscbench.package.descriptor`'s terms (for the engines)."""
        return descriptor.Plan(
            self.descriptor, list(self.entries), list(self.issues), list(self.temporary)
        )

    @property
    def names(self) -> list[str]:
        """The resources in the descriptor's order."""
        return list(self.order)

    @property
    def schemas(self) -> dict[str, dict[str, Any]]:
        """Each usable resource's checked Table Schema."""
        return {e.name: e.schema for e in self.entries}

    @property
    def usable(self) -> bool:
        """The descriptor could be read and names at least one resource."""
        return self.descriptor is not None and bool(self.order)

    def close(self) -> None:
        """Remove the folders remote files were fetched into (frames already read stay)."""
        self.plan.close()

    def entry(self, resource: str) -> descriptor.Entry:
        """The resource's checked entry; :class:`PackageRefused` with ``validate``'s words if its
        descriptor entry or schema is unusable, KeyError if the package has no such resource."""
        if resource not in self.order:
            raise KeyError(f"no resource {resource!r}; the package has {sorted(self.order)}")
        issue = next((i for i in self.issues if i.resource == resource), None)
        if issue is not None:
            raise PackageRefused(issue.message, issue.check_id)
        return next(e for e in self.entries if e.name == resource)

    def text(self, resource: str) -> pl.DataFrame:
        """The resource's CSV as text columns, read once through the boundary."""
        if resource not in self._texts:
            entry = self.entry(resource)
            where = f"{self.path.name}: resources[{self.order[resource]}].path"
            self._texts[resource] = read_text(entry.path, where)
        return self._texts[resource]

    def frame(self, resource: str) -> pl.DataFrame:
        """The resource typed by its Table Schema: numbers Float64, dates Date, enums pl.Enum."""
        if resource not in self._typed:
            text = self.text(resource)
            dtypes = polars_dtypes(self.entry(resource).schema)
            self._typed[resource] = text.select(_typed(pl.col(n), t) for n, t in dtypes.items())
        return self._typed[resource]

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every resource, typed, in the descriptor's order."""
        return {name: self.frame(name) for name in self.order}

    def texts(self) -> dict[str, pl.DataFrame]:
        """Every usable resource as text, in the descriptor's order."""
        usable = {e.name for e in self.entries}
        return {name: self.text(name) for name in self.order if name in usable}

    def has_text(self, resource: str) -> bool:
        """Whether the resource's CSV has been read already (it is then not read again)."""
        return resource in self._texts

    def keep_texts(self, frames: dict[str, pl.DataFrame]) -> None:
        """Take frames a caller read from this package's own files exactly as :meth:`text`
        would (``validate``, for a package it found valid), so they are not read again."""
        for name, frame in frames.items():
            self._texts.setdefault(name, frame)


def read(
    path: str | Path, allow_remote: bool = False, chosen: limits.Limits | None = None
) -> Package:
    """The package whose descriptor is ``path``: parsed and checked once (problems kept in
    ``issues``, as ``validate`` reports them); nothing else is read yet."""
    resolved = Path(path).resolve()
    checked = descriptor.plan(resolved, allow_remote, chosen)
    return Package(
        resolved,
        checked.package,
        tuple(checked.entries),
        tuple(checked.issues),
        tuple(checked.temporary),
    )


def usable(package: Package) -> Package:
    """``package`` if its descriptor can be used at all, else :class:`PackageRefused`."""
    if not package.usable:
        issue = package.issues[0]
        raise PackageRefused(issue.message, issue.check_id)
    return package


def read_text(path: Path, where: str) -> pl.DataFrame:
    """The CSV as text columns. Opened without blocking and without following a link, then
    checked with ``fstat`` (a regular file within the limit) before a byte is read, so a file
    swapped for a FIFO after the boundary's check still cannot hang the read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise refused(
            where, boundary.Refusal("file.missing", path.name, "the file to exist")
        ) from None
    except OSError as exc:  # a symlink swapped in (ELOOP), permissions
        raise refused(where, boundary.unreadable(exc.strerror or type(exc).__name__)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        bound = limits.from_env().file_bytes
        if not stat.S_ISREG(info.st_mode):
            raise refused(where, boundary.not_regular(info.st_mode))
        if info.st_size > bound:
            raise refused(where, boundary.too_large(info.st_size, bound))
        return csvfile.parse_csv(handle, "utf8", ragged=False)


def refused(where: str, refusal: boundary.Refusal) -> PackageRefused:
    issue = descriptor.Issue(refusal.check_id, "", where, refusal.value, refusal.expected)
    return PackageRefused(issue.message, issue.check_id)


def _typed(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A valid CSV cell as its analyst dtype (dates ISO, booleans ``true``/``false``)."""
    if dtype == pl.Date():
        return column.str.to_date("%Y-%m-%d")
    if dtype == pl.Boolean():
        return typed(column, "boolean")
    return column.cast(dtype)
