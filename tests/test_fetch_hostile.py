"""``cscbench fetch`` against hostile registries, raw folders, arguments and servers (issue 22).

Each case runs in-process and through the CLI (``main``, with the registry swapped for the
hostile copy): never a traceback, never a write outside the raw folder, exit 1 (invalid input,
naming the file) or 2 (usage). Servers are pytest-httpserver on 127.0.0.1 only; the slow server
is a bounded loop released at the end of its test. Kill -9 cases are in the slow tier at the end.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import cscbench.ingest.registry as registry_module
import cscbench.ingest.registry_write as registry_write
from cscbench.cli import main
from cscbench.core import atomic
from cscbench.core.paths import ROOT
from cscbench.ingest import fetch as fetch_module
from cscbench.ingest.fetch import Settings, clean_leftovers, fetch, mirror_problem, seconds_problem
from cscbench.ingest.registry import RegistryError, raw_path_problem, read_registry
from cscbench.ingest.registry_write import record_fields, registry_lock

pytestmark = pytest.mark.raw

SOURCE = "dfe_cla_social_worker_changes"  # dfe/la_cla_swcount.csv, about 50 kB
WORKBOOK = "ofsted_la_outcomes_2023_24"  # ofsted/LA_Inspection_Outcomes_as_at_March_2024.ods, 70 kB
OTHER = "dfe_sn_model"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "registry", tmp_path / "registry")
    return tmp_path / "registry"


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "raw"
    path.mkdir()
    return path


def edit_entry(directory: Path, source_id: str, old: str, new: str) -> None:
    """Replace the first ``old`` in ``source_id``'s entry of sources.toml."""
    path = directory / "sources.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f'id = "{source_id}"')
    end = text.find("[[source]]", start)
    end = len(text) if end < 0 else end
    entry = text[start:end]
    assert old in entry, (old, source_id)
    path.write_text(text[:start] + entry.replace(old, new, 1) + text[end:], encoding="utf-8")


def cli_fetch(monkeypatch: pytest.MonkeyPatch, directory: Path, *args: str) -> Callable[[], int]:
    """``cscbench fetch ARGS`` reading the registry in ``directory`` (not the checkout's)."""
    monkeypatch.setattr(registry_module, "default_registry", lambda: read_registry(directory))
    return lambda: main(["fetch", *args])


# ---------------------------------------------------------------------------- hostile registries


def _raw_path(value: str) -> Callable[[Path], None]:
    return lambda d: edit_entry(
        d, SOURCE, 'raw_path = "dfe/la_cla_swcount.csv"', f"raw_path = {value}"
    )


def _bytes(data: bytes) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        (d / "sources.toml").write_bytes(data + (d / "sources.toml").read_bytes())

    return write


def _directory(d: Path) -> None:
    (d / "sources.toml").unlink()
    (d / "sources.toml").mkdir()


REGISTRY_CASES: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "parent": (_raw_path('"../x.csv"'), ("raw_path", "'..' segment", "../x.csv", SOURCE)),
    "absolute": (_raw_path('"/tmp/x"'), ("raw_path", "an absolute path", "/tmp/x", SOURCE)),
    "inner parent": (_raw_path('"dfe/../../x.csv"'), ("raw_path", "'..' segment", SOURCE)),
    "backslash": (_raw_path('"dfe\\\\..\\\\x.csv"'), ("raw_path", "backslash", SOURCE)),
    "control": (_raw_path('"dfe/x\\n.csv"'), ("raw_path", "control characters", SOURCE)),
    "drive": (_raw_path('"C:x.csv"'), ("raw_path", "an absolute path", SOURCE)),
    "not utf-8": (_bytes(b"# \xff\xfe\n"), ("sources.toml", "not UTF-8", "0xff")),
    "nested": (
        _bytes(b"x = " + b"[" * 10_000 + b"]" * 10_000 + b"\n"),
        ("sources.toml", "nested too deeply"),
    ),
    "inline tables": (
        _bytes(b"x = " + b"{a=" * 10_000 + b"1" + b"}" * 10_000 + b"\n"),
        ("sources.toml", "nested too deeply"),
    ),
    "directory": (_directory, ("sources.toml", "a directory")),
    "year zero": (
        lambda d: edit_entry(d, "ofsted_la_outcomes_2024_25", '"2025-09-25"', '"0000-09-25"'),
        ("published", "0000-09-25", "ofsted_la_outcomes_2024_25"),
    ),
    "no date and no reason": (
        lambda d: edit_entry(d, SOURCE, "published_unknown = ", "# published_unknown = "),
        ("give either 'published'", "'published_unknown'", SOURCE),
    ),
}


@pytest.mark.parametrize("case", REGISTRY_CASES)
def test_a_hostile_registry_is_invalid_input(
    case: str,
    registry_dir: Path,
    raw: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mutate, fragments = REGISTRY_CASES[case]
    mutate(registry_dir)
    with pytest.raises(RegistryError) as caught:
        read_registry(registry_dir)
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)
    run = cli_fetch(
        monkeypatch, registry_dir, "--raw-dir", str(raw), "--mirror", "http://127.0.0.1:9"
    )
    assert run() == 1
    err = capsys.readouterr().err
    assert str(registry_dir / "sources.toml") in err and "Traceback" not in err, err
    assert not any(raw.iterdir()) and not (raw.parent / "x.csv").exists()


def test_every_source_has_a_publication_date_or_says_why() -> None:
    for source in read_registry(ROOT / "registry").sources:
        assert (source.published is None) != (source.published_unknown is None), source.source_id


# ---------------------------------------------------------------------------- hostile raw folders


def test_a_symlink_out_of_the_raw_folder_is_refused(
    registry_dir: Path, raw: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (raw / "dfe").symlink_to(outside)
    registry = read_registry(registry_dir)
    httpserver.expect_request("/m/dfe/la_cla_swcount.csv").respond_with_data(b"x")
    (outcome,) = fetch(registry, [SOURCE], Settings(raw, httpserver.url_for("/m")))
    assert outcome.status == "refused"
    assert "leads outside the raw folder" in outcome.message and "raw_path" in outcome.message
    assert not any(outside.iterdir()) and not httpserver.log


def test_a_raw_path_that_is_a_directory_is_refused(registry_dir: Path, raw: Path) -> None:
    (raw / "dfe" / "la_cla_swcount.csv").mkdir(parents=True)
    (outcome,) = fetch(read_registry(registry_dir), [SOURCE], Settings(raw, "http://127.0.0.1:9"))
    assert outcome.status == "refused" and "not a regular file" in outcome.message


def test_a_raw_folder_that_cannot_be_written_is_refused(
    registry_dir: Path,
    raw: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Simulated (tests may run as root, whom permissions do not stop); the real chmod case
    follows for other users."""

    def denied(target: Path) -> Iterator[object]:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(fetch_module, "_temporary", denied)
    run = cli_fetch(
        monkeypatch,
        registry_dir,
        "--raw-dir",
        str(raw),
        "--mirror",
        "http://127.0.0.1:9",
        "--source",
        SOURCE,
    )
    assert run() == 1
    err = capsys.readouterr().err
    assert "cannot write in the raw folder" in err and "la_cla_swcount.csv" in err, err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_raw_folder_is_refused(
    registry_dir: Path, raw: Path, raw_dir: Path, httpserver: HTTPServer
) -> None:
    registry = read_registry(registry_dir)
    body = (raw_dir / "dfe/la_cla_swcount.csv").read_bytes()
    httpserver.expect_request("/m/dfe/la_cla_swcount.csv").respond_with_data(body)
    (raw / "dfe").mkdir()
    (raw / "dfe").chmod(0o555)
    try:
        (outcome,) = fetch(registry, [SOURCE], Settings(raw, httpserver.url_for("/m")))
    finally:
        (raw / "dfe").chmod(0o755)
    assert outcome.status == "refused" and "cannot write in the raw folder" in outcome.message


# ---------------------------------------------------------------------------- hostile arguments


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "inf"],
        ["--timeout", "1e300"],
        ["--timeout", "-1"],
        ["--timeout", "0"],
        ["--timeout", "nan"],
        ["--timeout", "soon"],
        ["--deadline", "inf"],
        ["--deadline", "-5"],
        ["--mirror", "not a url"],
        ["--mirror", "ftp://127.0.0.1/x"],
        ["--mirror", "http://"],
        ["--mirror", "http://127.0.0.1:99999/"],
        ["--mirror", "http://127.0.0.1:x/"],
        ["--mirror", "http://[::1/"],
        ["--mirror", "http://127.0.0.1/m?q=1"],
        ["--mirror", "http://127.0.0.1/\x1b[31m"],
    ],
)
def test_bad_arguments_are_usage_errors(
    args: list[str], raw: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--raw-dir", str(raw), *args]) == 2
    err = capsys.readouterr().err
    assert "error: argument" in err and "Traceback" not in err and "\x1b" not in err, err
    assert not any(raw.iterdir())


def test_settings_refuse_the_same_values_in_process(raw: Path) -> None:
    for bad in ({"timeout": float("inf")}, {"deadline": 1e300}, {"timeout": -1.0}):
        with pytest.raises(ValueError, match="must be a number of seconds"):
            Settings(raw, **bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an http"):
        Settings(raw, "ftp://127.0.0.1/")


# ---------------------------------------------------------------------------- hostile content


def _nul_padded(body: bytes) -> bytes:
    return body + b"\0" * (1 << 20)


def _cut_mid_row(body: bytes) -> bytes:
    return body[: body.rindex(b"\n", 0, len(body) - 1) + 12]


def _cut_at_a_row(body: bytes) -> bytes:
    """The first five lines: whole CSV records, so only the size shows it was cut short."""
    return b"".join(body.splitlines(keepends=True)[:5])


def _html_after_blank_lines(body: bytes) -> bytes:
    return b"\n\n   <html><body>Sign in</body></html>\n"


def _nul_inside(body: bytes) -> bytes:
    return body[:1000] + b"\0" + body[1000:]


CONTENT_CASES = {
    "csv padded with NUL": (SOURCE, _nul_padded, "NUL byte at byte 50,666"),
    "csv with a NUL inside": (SOURCE, _nul_inside, "NUL byte at byte 1,000"),
    "csv cut mid-row": (SOURCE, _cut_mid_row, "(truncated?)"),
    "csv cut at a row boundary": (SOURCE, _cut_at_a_row, "where the release it replaces was"),
    "html after blank lines": (SOURCE, _html_after_blank_lines, "HTML page"),
    "workbook padded with NUL": (WORKBOOK, _nul_padded, "no end record"),
    "workbook padded a little": (WORKBOOK, lambda b: b + b"\0" * 100, "100 bytes follow"),
    "workbook cut short": (WORKBOOK, lambda b: b[: len(b) // 2], "no end record"),
}


@pytest.mark.parametrize("case", CONTENT_CASES)
def test_accept_new_raw_refuses_content_that_is_not_the_file(
    case: str, registry_dir: Path, raw: Path, raw_dir: Path, httpserver: HTTPServer
) -> None:
    """Parsed is not enough: a NUL-padded CSV or workbook, a CSV cut mid-row or an HTML page
    served as text is refused, nothing lands in the raw folder and nothing is recorded."""
    source_id, change, fragment = CONTENT_CASES[case]
    registry = read_registry(registry_dir)
    raw_path = str(registry.source(source_id).raw_path)
    body = change((raw_dir / raw_path).read_bytes())
    httpserver.expect_request("/m/" + raw_path).respond_with_data(body, content_type="text/plain")
    settings = Settings(raw, httpserver.url_for("/m"), accept_new=True)
    (outcome,) = fetch(registry, [source_id], settings)
    assert outcome.status == "refused" and fragment in outcome.message, outcome.message
    assert "not accepted" in outcome.message or "HTML" in outcome.message
    assert not [p for p in raw.rglob("*") if p.is_file()]
    assert read_registry(registry_dir).source(source_id) == registry.source(source_id)


# ---------------------------------------------------------------------------- slow servers


@pytest.fixture
def released() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_a_trickling_server_is_stopped_at_the_deadline(
    registry_dir: Path, raw: Path, raw_dir: Path, httpserver: HTTPServer, released: threading.Event
) -> None:
    """A byte every 0.05 s never trips the idle timeout (5 s); the deadline (0.5 s) ends the
    download, names itself, and the temporary file is gone. The server's loop is bounded and
    released when the test ends."""
    body = (raw_dir / "dfe/la_cla_swcount.csv").read_bytes()

    def trickle(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for byte in body[:2000]:
                if released.wait(0.05):
                    return
                yield bytes([byte])

        return Response(chunks(), headers={"Content-Length": str(len(body))})

    httpserver.expect_request("/m/dfe/la_cla_swcount.csv").respond_with_handler(trickle)
    settings = Settings(raw, httpserver.url_for("/m"), timeout=5.0, deadline=0.5)
    (outcome,) = fetch(read_registry(registry_dir), [SOURCE], settings)
    released.set()
    assert outcome.status == "refused", outcome.message
    assert "deadline of 0.5 s (--deadline)" in outcome.message
    assert not [p for p in raw.rglob("*") if p.is_file()]


@pytest.fixture
def trickling_headers(released: threading.Event) -> Iterator[str]:
    """A raw socket server on 127.0.0.1 that sends a status line, then one byte of a header
    every 0.05 s (a bounded loop, ended when the test releases it)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(30)

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(400):
                if released.wait(0.05):
                    return
                try:
                    conn.sendall(b"X")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/m"
    released.set()
    thread.join(30)
    server.close()


def test_a_server_trickling_its_headers_is_stopped_at_the_deadline(
    registry_dir: Path, raw: Path, trickling_headers: str
) -> None:
    settings = Settings(raw, trickling_headers, timeout=5.0, deadline=0.5)
    (outcome,) = fetch(read_registry(registry_dir), [SOURCE], settings)
    assert outcome.status == "refused", outcome.message
    assert "deadline of 0.5 s (--deadline)" in outcome.message
    assert not [p for p in raw.rglob("*") if p.is_file()]


# ---------------------------------------------------------------------------- locks and leftovers


def test_concurrent_registry_updates_are_not_lost(registry_dir: Path) -> None:
    """Two writers recording different sources at once: every update lands (read-modify-write
    under one lock)."""
    path = registry_dir / "sources.toml"
    ids = [s.source_id for s in read_registry(registry_dir).sources if s.raw_path][:8]
    errors: list[BaseException] = []

    def writer(chosen: list[str], digit: str) -> None:
        try:
            for n, source_id in enumerate(chosen):
                record_fields(path, {source_id: {"sha256": digit * 64, "bytes": n + 1}})
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(ids[0::2], "a")),
        threading.Thread(target=writer, args=(ids[1::2], "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    recorded = read_registry(registry_dir)
    assert [recorded.source(i).sha256[0] for i in ids] == ["a", "b"] * 4


def test_a_held_lock_names_its_holder(registry_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_write, "LOCK_WAIT", 0.2)
    with registry_lock(registry_dir), pytest.raises(RegistryError) as caught:
        record_fields(registry_dir / "sources.toml", {SOURCE: {"bytes": 1}})
    message = str(caught.value)
    assert f"pid {os.getpid()}" in message and "did not finish within 0.2 s" in message
    assert read_registry(registry_dir).source(SOURCE).bytes != 1


def test_a_dead_runs_temporary_file_is_removed_and_a_live_one_kept(raw: Path) -> None:
    folder = raw / "dfe"
    folder.mkdir()
    dead = folder / ".la_cla_swcount.csv.0a1b2c3d.fetch.csv"
    live = folder / ".sn_model_2025_wide.csv.4e5f6a7b.fetch.csv"
    dead.write_bytes(b"half a download")
    live.write_bytes(b"a download in progress")
    unrelated = folder / ".notes.csv"
    unrelated.write_bytes(b"not ours")
    fd = os.open(live, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        assert clean_leftovers(raw) == [dead]
        assert live.exists() and unrelated.exists()
    finally:
        os.close(fd)
    assert clean_leftovers(raw) == [live]
    assert unrelated.exists()


# ---------------------------------------------------------------------------- kill -9 (slow tier)

RUNNER = """
import sys
from pathlib import Path
from cscbench.ingest.fetch import Settings, fetch
from cscbench.ingest.registry import read_registry
registry = read_registry(Path(sys.argv[1]))
settings = Settings(Path(sys.argv[2]), sys.argv[3], accept_new=sys.argv[5] == "new")
outcomes = fetch(registry, [sys.argv[4]], settings)
print(outcomes)
sys.exit(0 if all(o.status != "refused" for o in outcomes) else 1)
"""


def run_fetch(
    registry_dir: Path, raw: Path, mirror: str, source_id: str, mode: str, fault: str | None = None
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != atomic.FAULT_ENV}
    if fault:
        env[atomic.FAULT_ENV] = fault
    args = [sys.executable, "-c", RUNNER, str(registry_dir), str(raw), mirror, source_id, mode]
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_kill_9_during_a_download_leaves_nothing_after_the_next_run(
    registry_dir: Path, raw: Path, raw_dir: Path, httpserver: HTTPServer
) -> None:
    body = (raw_dir / "dfe/la_cla_swcount.csv").read_bytes()
    httpserver.expect_request("/m/dfe/la_cla_swcount.csv").respond_with_data(body)
    mirror = httpserver.url_for("/m")
    with run_fetch(registry_dir, raw, mirror, SOURCE, "old", "fetch-write:KILL") as killed:
        killed.communicate(timeout=300)
    assert killed.returncode == -9
    left = list(raw.rglob(".*.fetch*"))
    assert len(left) == 1 and not (raw / "dfe/la_cla_swcount.csv").exists()
    outcomes = fetch(read_registry(registry_dir), [SOURCE], Settings(raw, mirror))
    assert [o.status for o in outcomes] == ["cleaned", "fetched"]
    assert sorted(p.name for p in raw.rglob("*") if p.is_file()) == ["la_cla_swcount.csv"]


@pytest.mark.slow
def test_two_accepting_fetches_at_once_both_record(
    registry_dir: Path, raw: Path, raw_dir: Path, httpserver: HTTPServer
) -> None:
    """Two processes accept a new release of different files at the same time: both checksums
    are in the registry afterwards (no lost update)."""
    registry = read_registry(registry_dir)
    bodies = {}
    for source_id in (SOURCE, OTHER):
        raw_path = str(registry.source(source_id).raw_path)
        body = (raw_dir / raw_path).read_bytes()
        bodies[source_id] = (
            body.replace(b"\n", b"\r\n", 1)
            if source_id == OTHER
            else body.replace(b",21\n", b",22\n", 1)
        )
        httpserver.expect_request("/m/" + raw_path).respond_with_data(bodies[source_id])
    mirror = httpserver.url_for("/m")
    runs = [run_fetch(registry_dir, raw, mirror, s, "new") for s in (SOURCE, OTHER)]
    for process in runs:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, (out, err)
    recorded = read_registry(registry_dir)
    for source_id, body in bodies.items():
        assert recorded.source(source_id).bytes == len(body)


def test_a_new_release_is_not_accepted_while_the_registry_is_locked(
    registry_dir: Path,
    raw: Path,
    raw_dir: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Recorded first, then moved into place: a registry that cannot be updated leaves the raw
    folder as it was."""
    monkeypatch.setattr(registry_write, "LOCK_WAIT", 0.2)
    body = (raw_dir / "dfe/la_cla_swcount.csv").read_bytes().replace(b",21\n", b",22\n", 1)
    httpserver.expect_request("/m/dfe/la_cla_swcount.csv").respond_with_data(body)
    settings = Settings(raw, httpserver.url_for("/m"), accept_new=True)
    with registry_lock(registry_dir):
        (outcome,) = fetch(read_registry(registry_dir), [SOURCE], settings)
    assert outcome.status == "refused" and "not recorded, so not accepted" in outcome.message
    assert f"pid {os.getpid()}" in outcome.message
    assert not [p for p in raw.rglob("*") if p.is_file()]


def test_ingest_reads_raw_files_only_inside_the_raw_folder(
    registry_dir: Path, raw: Path, raw_dir: Path, tmp_path: Path
) -> None:
    """The same boundary for ingest's checksum pass: a symlink leading out of the raw folder, or
    a FIFO in place of a file, is invalid input naming the entry and field (never read)."""
    from cscbench.ingest import RawInputError, verify_files

    registry = read_registry(registry_dir)
    outside = tmp_path / "outside"
    shutil.copytree(raw_dir / "dfe", outside)
    (raw / "dfe").symlink_to(outside)
    with pytest.raises(RawInputError, match=r"source dfe_csww, raw_path: a path leading out"):
        verify_files(raw, registry)
    (raw / "dfe").unlink()
    (raw / "dfe").mkdir()
    os.mkfifo(raw / str(registry.source("dfe_csww").raw_path))
    with pytest.raises(RawInputError, match=r"raw_path: .*a FIFO"):
        verify_files(raw, registry)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [["--timeout", "inf"], ["--deadline", "1e300"], ["--mirror", "http://[::1/"]]
)
def test_bad_arguments_through_the_console_script(args: list[str], raw: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cscbench", "fetch", "--raw-dir", str(raw), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert not any(raw.iterdir())


# ---------------------------------------------------------------------------- general rules

SEGMENTS = st.sampled_from(["dfe", "..", ".", "", "a.csv", "-x", "C:", "b c", "\\", "é"])


@given(st.lists(SEGMENTS, min_size=1, max_size=6), st.booleans())
def test_an_accepted_raw_path_stays_inside_the_raw_folder(parts: list[str], rooted: bool) -> None:
    value = ("/" if rooted else "") + "/".join(parts)
    root = Path("/srv/raw")
    if raw_path_problem(value) is None:
        assert os.path.normpath(root / value).startswith(str(root) + "/")
        assert ".." not in value.split("/") and not value.startswith("/")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_seconds_are_finite_positive_and_bounded(value: float) -> None:
    if seconds_problem(value) is None:
        assert 0 < value <= 86_400


@given(st.text(max_size=40))
def test_an_accepted_mirror_is_an_http_url_with_a_host(text: str) -> None:
    if mirror_problem(text) is None:
        assert text.lower().startswith(("http://", "https://")) and text.isprintable()


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60))
def test_any_printable_etag_round_trips_through_the_registry_text(etag: str) -> None:
    """The text rewrite alone (record_fields is this plus the lock, tested above)."""
    text = f'[[source]]\nid = "{SOURCE}"\nsha256 = "{"0" * 64}"\nbytes = 1\n'
    updated = registry_write._update(text, {SOURCE: {"etag": etag}}, Path("sources.toml"))
    (entry,) = tomllib.loads(updated)["source"]
    assert entry["etag"] == etag and entry["bytes"] == 1
