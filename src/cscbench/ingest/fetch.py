"""``cscbench fetch``: download the registered raw files, each checked before it replaces anything,
and notice when a publisher has revised one.

Every file is streamed to a temporary name beside its target and moved into place only once its size
and sha256 match ``registry/sources.toml``. An HTTP error, a timeout, a download past its deadline, a
truncated body, an HTML page where data was expected or a checksum mismatch is refused with a message
naming the file and what was expected, and the copy already in the raw folder is left untouched.

A valid local copy does not end the check: fetch asks the server whether the file changed (a
conditional request on the ETag or Last-Modified recorded when the file was last verified, else a
download to a temporary file compared by sha256), so a publisher's revision is reported and refused
even when the raw folder is complete. With ``accept_new`` a changed file is first checked for shape
(no NUL bytes, no HTML, complete rows, a whole archive) and parsed by its reader; only then is it
moved into place and its checksum, size and validators recorded in the registry, for review.

Where from: each entry's ``download_url`` (the public repository at a pinned commit), or, with a
mirror, ``MIRROR/`` + the file's path under the raw folder with every segment percent-encoded (how
tests run, and how an organisation behind a proxy serves its own copy). Files with no upstream copy
(cscbench's derived tables and compiled facts) come from a mirror only. Validators are recorded and
sent only for ``download_url``: a mirror's ETag says nothing about the publisher's copy.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlsplit

import httpx

from cscbench.core.atomic import checkpoint
from cscbench.ingest.fetch_files import (
    FetchError,
    _looks_like_html,
    _temporary,
    check_new_file,
    clean_leftovers,
)
from cscbench.ingest.registry import SOURCES_FILE, Registry, RegistryError, Source
from cscbench.ingest.registry_write import VALIDATOR, Fields, record_fields
from cscbench.ingest.sources import sha256

DEFAULT_TIMEOUT = 60.0  # seconds without a byte before a download is given up
DEFAULT_DEADLINE = 900.0  # seconds one download may take in all, however steadily bytes arrive
MAX_SECONDS = 86_400.0  # a timeout or deadline beyond a day is a typo, not a setting
MAX_NEW_BYTES = 1 << 30  # a new release may differ in size, but not without bound
CHUNK = 1 << 16
Progress = Callable[[str, int, int | None], None]  # (raw path, bytes so far, expected total)


@dataclass(frozen=True)
class Outcome:
    """What happened to one registered file (or, with an empty source id, to the raw folder)."""

    source_id: str
    raw_path: str
    status: str  # present, unchanged, fetched, accepted, refused or cleaned
    message: str


def seconds_problem(value: float) -> str | None:
    """Why ``value`` is not a usable timeout or deadline (None when it is)."""
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        return f"must be a number of seconds more than 0 and at most {MAX_SECONDS:,.0f}"
    return None


def mirror_problem(url: str) -> str | None:
    """Why ``url`` cannot be a mirror (None when it can): an http(s) URL with a host, a valid
    port, no query or fragment and nothing unprintable."""
    if not url.isprintable() or any(c.isspace() for c in url):
        return "it holds spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"it is not a URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "it is not an http:// or https:// URL"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "its port is 0"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "it has a query or fragment (the file's path is appended to it)"
    return None


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    mirror: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    accept_new: bool = False
    progress: Progress | None = None
    transport: httpx.BaseTransport | None = field(default=None, repr=False)  # tests only
    deadline: float = DEFAULT_DEADLINE

    def __post_init__(self) -> None:
        for name in ("timeout", "deadline"):
            problem = seconds_problem(getattr(self, name))
            if problem:
                raise ValueError(f"{name} {getattr(self, name)!r}: {problem}")
        if self.mirror is not None and (problem := mirror_problem(self.mirror)):
            raise ValueError(f"mirror {self.mirror!r}: {problem}")


def source_url(source: Source, mirror: str | None) -> str | None:
    """The mirror's copy (path segments percent-encoded), else the registry's download URL."""
    if mirror:
        segments = str(source.raw_path).split("/")
        return mirror.rstrip("/") + "/" + "/".join(quote(s, safe="") for s in segments)
    return source.download_url


def _expected(source: Source) -> str:
    return f"{source.bytes:,} bytes with sha256 {source.sha256}"


def _refuse_response(response: httpx.Response, source: Source, url: str) -> None:
    where = f"{source.raw_path}: {url}"
    if response.status_code != httpx.codes.OK:
        raise FetchError(
            f"{where} answered HTTP {response.status_code}; expected the file ({_expected(source)})"
        )
    kind = response.headers.get("content-type", "").lower()
    if "text/html" in kind and not str(source.raw_path).endswith((".html", ".htm")):
        raise FetchError(f"{where} sent an HTML page ({kind}); expected the data file itself")


@dataclass(frozen=True)
class Download:
    """What the server answered: 304 (unchanged) or 200 with the body's size, and its
    validators (ETag, Last-Modified) where they are worth recording."""

    status: int
    size: int
    validators: dict[str, str]


def _validators(response: httpx.Response) -> dict[str, str]:
    found = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    return {k: v for k, v in found.items() if VALIDATOR.match(v)}


def conditional_headers(source: Source) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators recorded for ``source``."""
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    return headers


class Watchdog:
    """Ends a download at its deadline, whatever phase it is in (connecting, waiting for headers,
    following a redirect, reading the body): when it falls due, every socket the request opened
    is shut down, so a read blocked on a server trickling a byte every few seconds returns at
    once. (The idle timeout alone bounds only the silence between bytes.) Sockets are learnt from
    httpcore's ``trace`` extension as each connection is made."""

    def __init__(self, deadline: float) -> None:
        self.expired = threading.Event()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.timer = threading.Timer(deadline, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def trace(self, name: str, info: Mapping[str, object]) -> None:
        stream = info.get("return_value")
        if not name.endswith(".complete") or not hasattr(stream, "get_extra_info"):
            return
        sock = stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with self.lock:
                self.sockets.append(sock)
                if self.expired.is_set():
                    self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def _expire(self) -> None:
        with self.lock:
            self.expired.set()
            for sock in self.sockets:
                self._shut(sock)

    def cancel(self) -> None:
        self.timer.cancel()


def _deadline_error(source: Source, url: str, settings: Settings) -> FetchError:
    return FetchError(
        f"{source.raw_path}: the download from {url} did not finish within its deadline of "
        f"{settings.deadline:g} s (--deadline); expected {_expected(source)}"
    )


def _stream(
    response: httpx.Response,
    handle: BinaryIO,
    source: Source,
    limit: int,
    settings: Settings,
    watchdog: Watchdog,
) -> int:
    """Write the body to ``handle``; stop at ``limit`` bytes or the deadline; refuse an HTML
    page. Returns the size."""
    size = 0
    first = True
    for chunk in response.iter_bytes(CHUNK):
        if watchdog.expired.is_set():
            raise _deadline_error(source, str(response.url), settings)
        if first and _looks_like_html(chunk[:64]):
            raise FetchError(
                f"{source.raw_path}: the server sent an HTML page; expected the data file itself"
            )
        first = False
        size += len(chunk)
        if size > limit:
            hint = (
                ""
                if settings.accept_new
                else (
                    ": not the registered file (if this is a new release, check it and re-run "
                    "with --accept-new-raw)"
                )
            )
            raise FetchError(
                f"{source.raw_path}: the download is larger than {limit:,} bytes; expected "
                f"{_expected(source)}{hint}"
            )
        handle.write(chunk)
        checkpoint("fetch-write")
        if settings.progress:
            settings.progress(str(source.raw_path), size, source.bytes)
    if watchdog.expired.is_set():
        raise _deadline_error(source, str(response.url), settings)
    return size


def download(
    client: httpx.Client,
    url: str,
    handle: BinaryIO,
    source: Source,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
) -> Download:
    """Stream ``url`` into ``handle`` (a temporary file), refusing anything that is not the file,
    within the idle timeout and the overall deadline. A 304 answer (to ``headers`` asking
    conditionally) writes nothing."""
    limit = MAX_NEW_BYTES if settings.accept_new else int(source.bytes or 0)
    idle = httpx.Timeout(min(settings.timeout, settings.deadline))
    watchdog = Watchdog(settings.deadline)
    request = {"headers": dict(headers or {}), "timeout": idle}
    try:
        with client.stream("GET", url, extensions={"trace": watchdog.trace}, **request) as response:
            if response.status_code == httpx.codes.NOT_MODIFIED and headers:
                return Download(304, 0, _validators(response))
            _refuse_response(response, source, url)
            size = _stream(response, handle, source, limit, settings, watchdog)
            found = _validators(response)
            announced = response.headers.get("content-length")
    except httpx.HTTPError as exc:
        if watchdog.expired.is_set():
            raise _deadline_error(source, url, settings) from None
        raise _failure(exc, source, url, settings) from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"{source.raw_path}: could not download {url} ({exc})") from exc
    finally:
        watchdog.cancel()
    complete = announced is not None and announced.isdigit() and int(announced) == size
    if size < limit and not settings.accept_new and not complete:
        raise FetchError(
            f"{source.raw_path}: the download from {url} stopped at {size:,} bytes; expected "
            f"{_expected(source)} (truncated)"
        )
    return Download(200, size, found)


def _failure(exc: httpx.HTTPError, source: Source, url: str, settings: Settings) -> FetchError:
    """The refusal for an HTTP failure: silence, a body cut short, or any other."""
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(
            f"{source.raw_path}: {url} gave no data for "
            f"{min(settings.timeout, settings.deadline):g} s ({type(exc).__name__}; --timeout "
            f"{settings.timeout:g}, --deadline {settings.deadline:g}); expected {_expected(source)}"
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError(
            f"{source.raw_path}: the download from {url} was cut short ({exc}); expected "
            f"{_expected(source)}"
        )
    return FetchError(f"{source.raw_path}: could not download {url} ({exc})")


# ---------------------------------------------------------------------------- one file


def _found(path: Path) -> tuple[str, int]:
    return sha256(path), path.stat().st_size


def target_of(source: Source, raw_dir: Path) -> Path:
    """Where ``source``'s file lives: inside the raw folder after symlinks are followed, and not
    a directory or other non-regular file; else FetchError naming the entry and field."""
    where = f"{source.raw_path}: registry/{SOURCES_FILE}, source {source.source_id}, raw_path"
    root = raw_dir.resolve()
    target = (root / str(source.raw_path)).resolve()
    if not target.is_relative_to(root):
        raise FetchError(f"{where} leads outside the raw folder {root}; expected a file inside it")
    if target.exists() and not target.is_file():
        raise FetchError(f"{where} names something that is not a regular file; expected a file")
    return target


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    record: dict[str, str | int | None] = field(default_factory=dict)  # fields to record


def _changed_validators(source: Source, found: dict[str, str]) -> dict[str, str | int | None]:
    now = {"etag": found.get("etag"), "last_modified": found.get("last_modified")}
    return {k: v for k, v in now.items() if v != getattr(source, k)}


def _fetch_one(
    client: httpx.Client, source: Source, registry: Registry, settings: Settings
) -> Result:
    """Fetch or re-check one file; returns its outcome and the registry fields to record."""
    target = target_of(source, settings.raw_dir)
    path = str(source.raw_path)
    expected = (source.sha256, source.bytes)
    local_ok = target.is_file() and _found(target) == expected
    url = source_url(source, settings.mirror)
    if url is None:
        if local_ok:
            return Result(Outcome(source.source_id, path, "present", "present (no upstream copy)"))
        raise FetchError(
            f"{path}: no upstream copy (cscbench's own file): fetch it from a mirror "
            "with --mirror URL"
        )
    upstream = settings.mirror is None
    headers = conditional_headers(source) if local_ok and upstream else {}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary_file = _temporary(target)
        with temporary_file as (temporary, handle):
            answer = download(client, url, handle, source, settings, headers)
            handle.flush()
            if answer.status == httpx.codes.NOT_MODIFIED:
                record = _changed_validators(source, answer.validators) if upstream else {}
                outcome = Outcome(source.source_id, path, "unchanged", "unchanged upstream (304)")
                return Result(outcome, record)
            found = _found(temporary)
            record = _changed_validators(source, answer.validators) if upstream else {}
            if found == expected:
                if local_ok:
                    message = "unchanged upstream (same sha256)"
                    return Result(Outcome(source.source_id, path, "unchanged", message), record)
                os.replace(temporary, target)
                message = f"{found[1]:,} bytes, sha256 ok"
                return Result(Outcome(source.source_id, path, "fetched", message), record)
            if not settings.accept_new:
                raise FetchError(_revised(source, found, local_ok))
            check_new_file(temporary, source, registry)
            # validators describe only the upstream copy; a mirror's file voids recorded ones
            fields: dict[str, str | int | None] = {"sha256": found[0], "bytes": found[1]}
            fields |= record if upstream else {"etag": None, "last_modified": None}
            _record(registry, {source.source_id: fields}, path)
            os.replace(temporary, target)  # recorded first: a failed record leaves nothing
    except OSError as exc:
        raise FetchError(
            f"{path}: cannot write in the raw folder {settings.raw_dir} "
            f"({exc.strerror or exc}); expected a folder this user may write"
        ) from exc
    message = (
        f"new release accepted after checking and parsing: {found[1]:,} bytes, sha256 {found[0]}"
    )
    return Result(Outcome(source.source_id, path, "accepted", message))


def _record(registry: Registry, changes: Mapping[str, Fields], path: str) -> None:
    """Record ``changes`` in the registry; a registry that cannot be updated (locked too long,
    read-only) refuses the file that needed it."""
    try:
        record_fields(registry.directory / SOURCES_FILE, changes)
    except (RegistryError, OSError) as exc:
        raise FetchError(f"{path}: not recorded, so not accepted: {exc}") from exc


def _revised(source: Source, found: tuple[str, int], local_ok: bool) -> str:
    served = f"downloaded {found[1]:,} bytes with sha256 {found[0]}"
    if local_ok:
        return (
            f"{source.raw_path}: revised upstream: the server now sends a different file "
            f"({served}); the registry and the local copy hold {_expected(source)} "
            f"(registry/{SOURCES_FILE}); the local copy is untouched. If this is a new "
            "release, check it and re-run with --accept-new-raw"
        )
    return (
        f"{source.raw_path}: {served}; expected {_expected(source)} (registry/{SOURCES_FILE}). "
        "If this is a new release, check it and re-run with --accept-new-raw"
    )


def fetch(registry: Registry, source_ids: list[str] | None, settings: Settings) -> list[Outcome]:
    """Fetch or re-check the chosen registered files (all by default); record accepted new
    checksums and the validators of verified files under the registry's lock."""
    chosen = [s for s in registry.sources if s.raw_path]
    if source_ids:
        known = {s.source_id for s in chosen}
        unknown = sorted(set(source_ids) - known)
        if unknown:
            raise KeyError(f"no registered raw file with source id {unknown}")
        chosen = [s for s in chosen if s.source_id in source_ids]
    outcomes = [
        Outcome(
            "", str(p.relative_to(settings.raw_dir)), "cleaned", "removed a killed run's leftover"
        )
        for p in clean_leftovers(settings.raw_dir)
    ]
    records: dict[str, dict[str, str | int | None]] = {}
    timeout = httpx.Timeout(settings.timeout)
    # a connection per download, so the deadline's watchdog knows every socket it may close
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(
        timeout=timeout, follow_redirects=True, transport=settings.transport, limits=limits
    ) as client:
        for source in chosen:
            try:
                result = _fetch_one(client, source, registry, settings)
            except FetchError as exc:
                result = Result(
                    Outcome(source.source_id, str(source.raw_path), "refused", str(exc))
                )
            outcome = result.outcome
            if result.record:
                note = "; its ETag/Last-Modified recorded for the next conditional check"
                outcome = Outcome(
                    outcome.source_id, outcome.raw_path, outcome.status, outcome.message + note
                )
            outcomes.append(outcome)
            if result.record:
                records[source.source_id] = result.record
    if records:  # validators only: the files themselves are verified and in place
        try:
            record_fields(registry.directory / SOURCES_FILE, records)
        except (RegistryError, OSError) as exc:
            note = f"the validators of verified files were not recorded: {exc}"
            outcomes.append(Outcome("", f"registry/{SOURCES_FILE}", "refused", note))
    return outcomes
