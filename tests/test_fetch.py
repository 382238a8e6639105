"""``cscbench fetch`` against a local HTTP server on 127.0.0.1 (never the internet).

Each case serves a registered raw file (or something that is not it) from a pytest-httpserver
mirror and checks what lands in the raw folder: only the exact file, and on any refusal the copy
already there untouched and no temporary file left behind.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cscbench.cli import main
from cscbench.core.paths import ROOT
from cscbench.ingest.fetch import Settings, fetch, source_url
from cscbench.ingest.registry import Registry, Source, read_registry

pytestmark = pytest.mark.raw

SOURCE = "dfe_cla_social_worker_changes"  # la_cla_swcount.csv, about 50 kB
OTHER = "dfe_sn_model"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    """A copy of the registries, so an accepted checksum never touches the checkout's."""
    shutil.copytree(ROOT / "registry", tmp_path / "registry")
    return read_registry(tmp_path / "registry")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "raw"
    path.mkdir()
    return path


def original(raw_dir: Path, registry: Registry, source_id: str = SOURCE) -> bytes:
    return (raw_dir / str(registry.source(source_id).raw_path)).read_bytes()


def mirror_path(registry: Registry, source_id: str = SOURCE) -> str:
    return "/mirror/" + str(registry.source(source_id).raw_path)


def run(registry: Registry, raw: Path, server: HTTPServer, **options: object) -> list:
    settings = Settings(raw, server.url_for("/mirror"), **options)  # type: ignore[arg-type]
    return fetch(registry, [SOURCE], settings)


def leftovers(raw: Path) -> list[Path]:
    return [p for p in raw.rglob("*") if p.name.startswith(".")]


def test_faithful_mirror(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    body = original(raw_dir, registry)
    httpserver.expect_request(mirror_path(registry)).respond_with_data(
        body, content_type="text/csv"
    )
    (outcome,) = run(registry, raw, httpserver)
    assert outcome.status == "fetched"
    target = raw / str(registry.source(SOURCE).raw_path)
    assert target.read_bytes() == body
    # already there: the server is still asked, and the same bytes are reported unchanged
    (again,) = run(registry, raw, httpserver)
    assert again.status == "unchanged" and "same sha256" in again.message
    assert len(httpserver.log) == 2
    assert not leftovers(raw)
    # a mirror's ETag is never recorded: it says nothing about the publisher's copy
    assert read_registry(registry.directory).source(SOURCE) == registry.source(SOURCE)


def test_fetched_files_get_the_umask_modes(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    """0644 under umask 022 (not mkstemp's 0600), so CI or a colleague can read the raw files."""
    httpserver.expect_request(mirror_path(registry)).respond_with_data(original(raw_dir, registry))
    old = os.umask(0o022)
    try:
        (outcome,) = run(registry, raw, httpserver)
    finally:
        os.umask(old)
    assert outcome.status == "fetched"
    mode = (raw / str(registry.source(SOURCE).raw_path)).stat().st_mode & 0o777
    assert mode == 0o644, oct(mode)


def existing_copy(raw_dir: Path, raw: Path, registry: Registry) -> bytes:
    """A stale file already in the raw folder, which a refused fetch must leave alone."""
    target = raw / str(registry.source(SOURCE).raw_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"the copy already here\n")
    return target.read_bytes()


def nothing_written(raw: Path, registry: Registry, before: bytes | None = None) -> None:
    """The raw folder holds what it held before (``before``, or no file) and no temporary file."""
    target = raw / str(registry.source(SOURCE).raw_path)
    assert (target.read_bytes() if target.exists() else None) == before
    assert not leftovers(raw)


def refused(outcomes: list, *fragments: str) -> None:
    (outcome,) = outcomes
    assert outcome.status == "refused"
    assert "la_cla_swcount.csv" in outcome.message
    for fragment in fragments:
        assert fragment in outcome.message, outcome.message


@pytest.mark.parametrize(
    ("old", "new", "accept_new", "fragments"),
    [
        # one changed byte, not accepted
        (
            b"Leeds",
            b"Leedz",
            False,
            ("expected 50,666 bytes with sha256 1f496f2d", "--accept-new-raw"),
        ),
        # a new release its reader cannot parse (a renamed column), even when accepting
        (
            b"sw_stability",
            b"stability",
            True,
            ("could not be read by its reader (ees)", "['sw_stability']", "not accepted"),
        ),
    ],
)
def test_a_file_that_is_not_the_registered_one_is_refused(
    raw_dir: Path,
    raw: Path,
    registry: Registry,
    httpserver: HTTPServer,
    old: bytes,
    new: bytes,
    accept_new: bool,
    fragments: tuple[str, ...],
) -> None:
    before = existing_copy(raw_dir, raw, registry)
    body = original(raw_dir, registry).replace(old, new, 1)
    httpserver.expect_request(mirror_path(registry)).respond_with_data(body)
    refused(run(registry, raw, httpserver, accept_new=accept_new), *fragments)
    nothing_written(raw, registry, before)
    assert read_registry(registry.directory).source(SOURCE) == registry.source(SOURCE)


def test_http_404_is_refused(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    before = existing_copy(raw_dir, raw, registry)
    httpserver.expect_request(mirror_path(registry)).respond_with_data("gone", status=404)
    refused(run(registry, raw, httpserver), "HTTP 404", "expected the file (50,666 bytes")
    nothing_written(raw, registry, before)


@pytest.fixture
def released() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # let the slow handler finish, whatever the test did


def test_a_slow_server_times_out(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer, released: threading.Event
) -> None:
    """The timeout is injected (0.2 s); the handler waits on an event, never on the clock."""
    body = original(raw_dir, registry)

    def slow(request: Request) -> Response:
        released.wait(30)
        return Response(body)

    httpserver.expect_request(mirror_path(registry)).respond_with_handler(slow)
    refused(run(registry, raw, httpserver, timeout=0.2), "gave no data for 0.2 s")
    released.set()
    nothing_written(raw, registry)


def test_a_truncated_response_is_refused(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    body = original(raw_dir, registry)

    def cut(request: Request) -> Response:
        headers = {"Content-Length": str(len(body)), "Connection": "close"}
        return Response(iter([body[:20_000]]), headers=headers, direct_passthrough=True)

    httpserver.expect_request(mirror_path(registry)).respond_with_handler(cut)
    refused(run(registry, raw, httpserver, timeout=5.0), "was cut short", "expected 50,666 bytes")
    nothing_written(raw, registry)


def test_a_short_body_without_length_is_refused(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    """Without a Content-Length a short body is a truncated download; with one that matches, it
    is a whole file that is not the registered one. Refused either way."""
    body = original(raw_dir, registry)
    httpserver.expect_request(mirror_path(registry)).respond_with_response(
        Response(iter([body[:-10]]))
    )
    refused(run(registry, raw, httpserver), "stopped at 50,656 bytes", "(truncated)")
    httpserver.clear()
    httpserver.expect_request(mirror_path(registry)).respond_with_data(body[:-10])
    refused(run(registry, raw, httpserver), "downloaded 50,656 bytes", "expected 50,666 bytes")
    nothing_written(raw, registry)


def test_an_html_page_instead_of_data_is_refused(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    before = existing_copy(raw_dir, raw, registry)
    page = "<!DOCTYPE html><html><body>Sign in to continue</body></html>"
    httpserver.expect_request(mirror_path(registry)).respond_with_data(
        page, content_type="text/html"
    )
    refused(run(registry, raw, httpserver), "HTML page", "expected the data file itself")
    httpserver.clear()
    httpserver.expect_request(mirror_path(registry)).respond_with_data(
        page, content_type="text/plain"
    )
    refused(run(registry, raw, httpserver, accept_new=True), "HTML page")
    nothing_written(raw, registry, before)


def test_accept_new_raw_parses_then_records(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    """A new release is taken only after its reader parsed it; the registry then holds its
    checksum and size (two lines changed), for review."""
    body = original(raw_dir, registry).replace(b",21\n", b",22\n", 1)
    httpserver.expect_request(mirror_path(registry)).respond_with_data(body)
    (outcome,) = run(registry, raw, httpserver, accept_new=True)
    assert outcome.status == "accepted", outcome.message
    assert (raw / str(registry.source(SOURCE).raw_path)).read_bytes() == body
    recorded = read_registry(registry.directory).source(SOURCE)
    assert recorded.bytes == len(body) and recorded.sha256 != registry.source(SOURCE).sha256


def test_mirror_paths_are_percent_encoded_and_mirror_only_files_say_so(
    registry: Registry, raw: Path
) -> None:
    derived = registry.source("cscbench_derived_inspections")
    spaced = Source(**{**derived.__dict__, "raw_path": "ofsted/derived/a b#c.csv"})
    assert (
        source_url(spaced, "http://127.0.0.1:9/m/")
        == "http://127.0.0.1:9/m/ofsted/derived/a%20b%23c.csv"
    )
    assert source_url(derived, None) is None
    (outcome,) = fetch(registry, ["cscbench_derived_inspections"], Settings(raw))
    assert (
        outcome.status == "refused"
        and "fetch it from a mirror with --mirror URL" in outcome.message
    )


def test_cli_exit_codes(
    raw_dir: Path, tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "cli-raw"
    registry = read_registry(ROOT / "registry")
    body = original(raw_dir, registry, OTHER)
    httpserver.expect_request(mirror_path(registry, OTHER)).respond_with_data(body)
    args = [
        "fetch",
        "--source",
        OTHER,
        "--raw-dir",
        str(raw),
        "--mirror",
        httpserver.url_for("/mirror"),
    ]
    assert main(args) == 0
    assert "fetched   dfe/sn_model_2025_wide.csv" in capsys.readouterr().out
    assert main(["fetch", "--source", "no_such_source", "--raw-dir", str(raw)]) == 2
    httpserver.clear()
    (raw / str(registry.source(OTHER).raw_path)).write_bytes(b"stale\n")
    httpserver.expect_request(mirror_path(registry, OTHER)).respond_with_data("x", status=500)
    assert main(args) == 1
    assert "HTTP 500" in capsys.readouterr().err


def test_fetch_needs_a_checkout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like ingest, fetch writes the registry of a clone: an installed wheel says so (exit 2)."""
    from cscbench.core import paths

    monkeypatch.setattr(paths, "checkout", lambda: None)
    assert main(["fetch"]) == 2
    assert "`cscbench fetch` is a maintainers' command" in capsys.readouterr().err


# ---------------------------------------------------------------------------- refresh that notices


def valid_copy(raw_dir: Path, raw: Path, registry: Registry, source_id: str = SOURCE) -> bytes:
    """The registered file, already in the raw folder (a complete, valid local copy)."""
    target = raw / str(registry.source(source_id).raw_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(original(raw_dir, registry, source_id))
    return target.read_bytes()


def upstream(registry: Registry, server: HTTPServer, source_id: str = SOURCE) -> Registry:
    """The registry copy with ``source_id``'s download_url on the test server (validators are
    sent and recorded only for the download URL, never for a mirror)."""
    path = registry.directory / "sources.toml"
    old = str(registry.source(source_id).download_url)
    url = server.url_for("/upstream/" + str(registry.source(source_id).raw_path))
    path.write_text(path.read_text(encoding="utf-8").replace(old, url), encoding="utf-8")
    return read_registry(registry.directory)


def upstream_path(registry: Registry, source_id: str = SOURCE) -> str:
    return "/upstream/" + str(registry.source(source_id).raw_path)


def test_a_revised_file_is_refused_even_with_a_valid_copy_present(
    raw_dir: Path,
    raw: Path,
    registry: Registry,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One changed byte on the mirror (same size): reported as revised, exit 1, the local copy
    and the registry untouched."""
    before = valid_copy(raw_dir, raw, registry)
    revised = before.replace(b"Leeds", b"Leedz", 1)
    httpserver.expect_request(mirror_path(registry)).respond_with_data(revised)
    refused(run(registry, raw, httpserver), "revised upstream", "local copy is untouched")
    nothing_written(raw, registry, before)
    assert read_registry(registry.directory).source(SOURCE) == registry.source(SOURCE)
    # the same through the command line: exit 1, the file named on stderr
    import cscbench.ingest.registry as registry_module

    monkeypatch.setattr(registry_module, "default_registry", lambda: registry)
    args = ["fetch", "--source", SOURCE, "--raw-dir", str(raw)]
    assert main([*args, "--mirror", httpserver.url_for("/mirror")]) == 1
    err = capsys.readouterr().err
    assert "refused   dfe/la_cla_swcount.csv: revised upstream" in err, err
    nothing_written(raw, registry, before)


def test_the_etag_is_recorded_then_asked_conditionally(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    """First check: no validator recorded, so the file is downloaded and compared; its ETag and
    Last-Modified are recorded. Second check: a conditional request, answered 304."""
    registry = upstream(registry, httpserver)
    before = valid_copy(raw_dir, raw, registry)
    stamp = "Wed, 21 Oct 2025 07:28:00 GMT"
    headers = {"ETag": '"v1"', "Last-Modified": stamp}
    httpserver.expect_ordered_request(upstream_path(registry)).respond_with_data(
        before, headers=headers
    )
    (first,) = fetch(registry, [SOURCE], Settings(raw))
    assert first.status == "unchanged" and "ETag/Last-Modified recorded" in first.message
    recorded = read_registry(registry.directory).source(SOURCE)
    assert (recorded.etag, recorded.last_modified) == ('"v1"', stamp)
    assert recorded.sha256 == registry.source(SOURCE).sha256
    httpserver.expect_ordered_request(
        upstream_path(registry), headers={"If-None-Match": '"v1"', "If-Modified-Since": stamp}
    ).respond_with_data("", status=304, headers=headers)
    (second,) = fetch(read_registry(registry.directory), [SOURCE], Settings(raw))
    assert second.status == "unchanged" and "(304)" in second.message, second.message
    httpserver.check_assertions()
    nothing_written(raw, registry, before)


@pytest.mark.parametrize("etag", [None, '"v1"'])
def test_a_server_without_validators_is_still_checked_by_comparison(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer, etag: str | None
) -> None:
    """No ETag from the server (or one it ignores): the body is compared with the registry."""
    registry = upstream(registry, httpserver)
    if etag:
        read = registry.directory / "sources.toml"
        from cscbench.ingest.registry_write import record_fields

        record_fields(read, {SOURCE: {"etag": etag}})
        registry = read_registry(registry.directory)
    before = valid_copy(raw_dir, raw, registry)
    revised = before.replace(b"Leeds", b"Leedz", 1)
    httpserver.expect_request(upstream_path(registry)).respond_with_data(revised)
    (outcome,) = fetch(registry, [SOURCE], Settings(raw))
    assert outcome.status == "refused" and "revised upstream" in outcome.message
    nothing_written(raw, registry, before)


def test_accepting_a_mirror_copy_forgets_the_upstream_validators(
    raw_dir: Path, raw: Path, registry: Registry, httpserver: HTTPServer
) -> None:
    from cscbench.ingest.registry_write import record_fields

    record_fields(registry.directory / "sources.toml", {SOURCE: {"etag": '"old"'}})
    registry = read_registry(registry.directory)
    body = original(raw_dir, registry).replace(b",21\n", b",22\n", 1)
    httpserver.expect_request(mirror_path(registry)).respond_with_data(body)
    (outcome,) = run(registry, raw, httpserver, accept_new=True)
    assert outcome.status == "accepted", outcome.message
    recorded = read_registry(registry.directory).source(SOURCE)
    assert recorded.etag is None and recorded.bytes == len(body)
