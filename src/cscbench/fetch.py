"""``cscbench fetch``: download the registered raw files, each checked before it replaces anything.

Every file is streamed to a temporary name beside its target and moved into place only once its size
and sha256 match ``registry/sources.toml``. An HTTP error, a timeout, a truncated body, an HTML page
where data was expected or a checksum mismatch is refused with a message naming the file and what
was expected, and the copy already in the raw folder is left untouched. With ``accept_new`` a file
whose checksum changed (a new publisher release) is first opened and parsed by its reader; only then
is it moved into place and its checksum and size recorded in the registry, for review.

Where from: each entry's ``download_url`` (the public repository at a pinned commit), or, with a
mirror, ``MIRROR/`` + the file's path under the raw folder with every segment percent-encoded (how
tests run, and how an organisation behind a proxy serves its own copy). Files with no upstream copy
(cscbench's derived tables and compiled facts) come from a mirror only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import httpx

from cscbench.ingest.parsers import parse_file
from cscbench.ingest.registry import SOURCES_FILE, Registry, Source, record_files
from cscbench.ingest.sources import sha256

DEFAULT_TIMEOUT = 60.0  # seconds without a byte before a download is given up
MAX_NEW_BYTES = 1 << 30  # a new release may differ in size, but not without bound
CHUNK = 1 << 16
HTML_STARTS = (b"<!doctype html", b"<html")
Progress = Callable[[str, int, int | None], None]  # (raw path, bytes so far, expected total)


class FetchError(Exception):
    """One file could not be fetched; the message names the file and what was expected."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one registered file."""

    source_id: str
    raw_path: str
    status: str  # present, fetched, accepted or refused
    message: str


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    mirror: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    accept_new: bool = False
    progress: Progress | None = None
    transport: httpx.BaseTransport | None = field(default=None, repr=False)  # tests only


def source_url(source: Source, mirror: str | None) -> str | None:
    """The mirror's copy (path segments percent-encoded), else the registry's download URL."""
    if mirror:
        segments = str(source.raw_path).split("/")
        return mirror.rstrip("/") + "/" + "/".join(quote(s, safe="") for s in segments)
    return source.download_url


def _expected(source: Source) -> str:
    return f"{source.bytes:,} bytes with sha256 {source.sha256}"


def _looks_like_html(head: bytes) -> bool:
    return head.lstrip().lower().startswith(HTML_STARTS)


def _refuse_response(response: httpx.Response, source: Source, url: str) -> None:
    where = f"{source.raw_path}: {url}"
    if response.status_code != httpx.codes.OK:
        raise FetchError(
            f"{where} answered HTTP {response.status_code}; expected the file ({_expected(source)})"
        )
    kind = response.headers.get("content-type", "").lower()
    if "text/html" in kind and not str(source.raw_path).endswith((".html", ".htm")):
        raise FetchError(f"{where} sent an HTML page ({kind}); expected the data file itself")


def _stream(
    response: httpx.Response, handle: BinaryIO, source: Source, limit: int, settings: Settings
) -> int:
    """Write the body to ``handle``; stop at ``limit`` bytes; refuse an HTML page. Returns size."""
    size = 0
    first = True
    for chunk in response.iter_bytes(CHUNK):
        if first and _looks_like_html(chunk[:64]):
            raise FetchError(
                f"{source.raw_path}: the server sent an HTML page; expected the data file itself"
            )
        first = False
        size += len(chunk)
        if size > limit:
            raise FetchError(
                f"{source.raw_path}: the download is larger than {limit:,} bytes; expected "
                f"{_expected(source)}"
            )
        handle.write(chunk)
        if settings.progress:
            settings.progress(str(source.raw_path), size, source.bytes)
    return size


def download(
    client: httpx.Client, url: str, target: Path, source: Source, settings: Settings
) -> None:
    """Stream ``url`` into ``target`` (a temporary file), refusing anything that is not the file."""
    limit = MAX_NEW_BYTES if settings.accept_new else int(source.bytes or 0)
    try:
        with client.stream("GET", url) as response, target.open("wb") as handle:
            _refuse_response(response, source, url)
            size = _stream(response, handle, source, limit, settings)
    except httpx.TimeoutException as exc:
        raise FetchError(
            f"{source.raw_path}: {url} gave no data for {settings.timeout:g} s ({type(exc).__name__}); "
            f"expected {_expected(source)}"
        ) from exc
    except httpx.RemoteProtocolError as exc:
        raise FetchError(
            f"{source.raw_path}: the download from {url} was cut short ({exc}); expected "
            f"{_expected(source)}"
        ) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{source.raw_path}: could not download {url} ({exc})") from exc
    if size < limit and not settings.accept_new:
        raise FetchError(
            f"{source.raw_path}: the download from {url} stopped at {size:,} bytes; expected "
            f"{_expected(source)} (truncated)"
        )


@contextlib.contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target`` (same folder, so the final move is a rename), removed
    unless it was moved into place. It keeps the suffix, so readers recognise the format."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".fetch{target.suffix}", dir=target.parent
    )
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _found(path: Path) -> tuple[str, int]:
    return sha256(path), path.stat().st_size


def _fetch_one(
    client: httpx.Client, source: Source, registry: Registry, settings: Settings
) -> tuple[Outcome, tuple[str, int] | None]:
    """Fetch one file; returns its outcome and, for an accepted new release, its (sha256, bytes)."""
    target = settings.raw_dir / str(source.raw_path)
    expected = (source.sha256, source.bytes)
    if target.is_file() and _found(target) == expected:
        return Outcome(source.source_id, str(source.raw_path), "present", "already present"), None
    url = source_url(source, settings.mirror)
    if url is None:
        raise FetchError(
            f"{source.raw_path}: no upstream copy (cscbench's own file): fetch it from a mirror "
            "with --mirror URL"
        )
    with _temporary(target) as temporary:
        download(client, url, temporary, source, settings)
        found = _found(temporary)
        if found != expected:
            if not settings.accept_new:
                raise FetchError(
                    f"{source.raw_path}: downloaded {found[1]:,} bytes with sha256 {found[0]}; "
                    f"expected {_expected(source)} (registry/{SOURCES_FILE}). If this is a new "
                    "release, check it and re-run with --accept-new-raw"
                )
            _parse_or_refuse(temporary, source, registry)
        os.replace(temporary, target)
    if found != expected:
        message = f"new release accepted after parsing: {found[1]:,} bytes, sha256 {found[0]}"
        return Outcome(source.source_id, str(source.raw_path), "accepted", message), found
    return Outcome(
        source.source_id, str(source.raw_path), "fetched", f"{found[1]:,} bytes, sha256 ok"
    ), None


def _parse_or_refuse(path: Path, source: Source, registry: Registry) -> None:
    try:
        parse_file(path, source, registry)
    except Exception as exc:  # any reader failure means: not accepted (message names the file)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FetchError(
            f"{source.raw_path}: the new file could not be read by its reader "
            f"({source.reader}): {first.replace(path.name, Path(str(source.raw_path)).name)}; "
            "not accepted"
        ) from exc


def fetch(registry: Registry, source_ids: list[str] | None, settings: Settings) -> list[Outcome]:
    """Fetch the chosen registered files (all by default); record accepted new checksums."""
    chosen = [s for s in registry.sources if s.raw_path]
    if source_ids:
        known = {s.source_id for s in chosen}
        unknown = sorted(set(source_ids) - known)
        if unknown:
            raise KeyError(f"no registered raw file with source id {unknown}")
        chosen = [s for s in chosen if s.source_id in source_ids]
    outcomes: list[Outcome] = []
    accepted: dict[str, tuple[str, int]] = {}
    timeout = httpx.Timeout(settings.timeout)
    with httpx.Client(
        timeout=timeout, follow_redirects=True, transport=settings.transport
    ) as client:
        for source in chosen:
            try:
                outcome, new = _fetch_one(client, source, registry, settings)
            except FetchError as exc:
                outcome, new = (
                    Outcome(source.source_id, str(source.raw_path), "refused", str(exc)),
                    None,
                )
            outcomes.append(outcome)
            if new is not None:
                accepted[source.source_id] = new
    if accepted:
        record_files(registry.directory / SOURCES_FILE, accepted)
    return outcomes
