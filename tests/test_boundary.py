"""The package boundary (cscbench.package.boundary): paths, remote files, release archives; and the proof
that frictionless only runs in-process on patterns Python's re handles in linear time."""

from __future__ import annotations

import http.server
import importlib.util
import json
import stat
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cscbench.cli import main
from cscbench.package import boundary, limits
from cscbench.validate.frictionless_engine import linear_safe, shipped_patterns


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "data").mkdir(parents=True)
    (root / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path / "secret.txt").write_text("SECRET\n")
    return root


# ---------------------------------------------------------------------------- paths


def test_a_file_inside_resolves(package: Path) -> None:
    assert boundary.resolve(package, "data/a.csv") == (package / "data" / "a.csv").resolve()
    (package / "data" / "link.csv").symlink_to("a.csv")  # a symlink that stays inside
    assert boundary.resolve(package, "data/link.csv") == (package / "data" / "a.csv").resolve()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("../secret.txt", "outside the package"),
        ("data/../../secret.txt", "outside the package"),
        ("/etc/passwd", "absolute path"),
        ("http://127.0.0.1/a.csv", "a URL"),
        ("HTTPS://example.org/a.csv", "a URL"),
        ("file:///etc/passwd", "a URL"),
        ("data", "a directory"),
        (42, "42"),
        (None, "None"),
        ("", "''"),
        ("a\0b", "a\\x00b"),
    ],
)
def test_paths_the_boundary_refuses(package: Path, value: object, says: str) -> None:
    refused = boundary.resolve(package, value)
    assert isinstance(refused, boundary.Refusal) and refused.check_id == boundary.UNSAFE
    assert says in refused.value and "SECRET" not in refused.value


def test_symlinks_out_and_loops_are_refused(package: Path) -> None:
    (package / "data" / "out.csv").symlink_to(package.parent / "secret.txt")
    (package / "data" / "loop.csv").symlink_to("loop.csv")
    for name in ("out.csv", "loop.csv"):
        refused = boundary.resolve(package, f"data/{name}")
        assert isinstance(refused, boundary.Refusal) and refused.check_id == boundary.UNSAFE


def test_missing_and_too_large_files_are_their_own_problems(package: Path) -> None:
    missing = boundary.resolve(package, "data/none.csv")
    assert isinstance(missing, boundary.Refusal) and missing.check_id == "file.missing"
    big = boundary.resolve(package, "data/a.csv", max_bytes=2)
    assert isinstance(big, boundary.Refusal) and big.check_id == "file.too_large"


# ---------------------------------------------------------------------------- remote files


class Server:
    def __init__(self, body: bytes) -> None:
        self.hits = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/a.csv"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server(b"x\n" + b"1\n" * 1000)
    yield running
    running.httpd.shutdown()


def test_remote_files_are_fetched_within_limits_only_when_allowed(
    server: Server, tmp_path: Path
) -> None:
    """With httpx installed (the maintain extra) a URL is fetched and bounded; without it the
    user is told what to install. Either way nothing is fetched unless asked."""
    small = limits.Limits(remote_bytes=100)
    try:
        import httpx  # noqa: F401
    except ModuleNotFoundError:
        with pytest.raises(boundary.RemoteError, match="httpx"):
            boundary.fetch(server.url, tmp_path)
        assert server.hits == 0
        return
    fetched = boundary.fetch(server.url, tmp_path)
    assert isinstance(fetched, Path) and fetched.read_bytes().startswith(b"x\n1\n")
    refused = boundary.fetch(server.url, tmp_path, small)
    assert isinstance(refused, boundary.Refusal) and refused.check_id == "file.too_large"
    assert isinstance(boundary.fetch("ftp://example.org/a.csv", tmp_path), boundary.Refusal)


# ---------------------------------------------------------------------------- release archives


def make_zip(path: Path, members: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            book.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            book.writestr(info, "/etc/passwd")
    return path


def test_a_release_archive_is_read_and_unpacked_inside(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "r.zip", {"datapackage.json": b"{}", "data/a.csv": b"x\n"})
    assert boundary.read_zip(archive) == {"datapackage.json": b"{}", "data/a.csv": b"x\n"}
    out = tmp_path / "out"
    out.mkdir()
    written = boundary.unpack_zip(archive, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "data/a.csv",
        "datapackage.json",
    ]


@pytest.mark.parametrize(
    ("members", "links", "says"),
    [
        ({"../evil.csv": b"x"}, (), "outside the archive"),
        ({"/abs.csv": b"x"}, (), "outside the archive"),
        ({"a/../../evil.csv": b"x"}, (), "outside the archive"),
        ({"C:/evil.csv": b"x"}, (), "outside the archive"),
        ({"a\\..\\..\\evil.csv": b"x"}, (), "outside the archive"),
        ({}, ("link.csv",), "a link"),
    ],
)
def test_archive_members_that_break_the_boundary(
    tmp_path: Path, members: dict[str, bytes], links: tuple[str, ...], says: str
) -> None:
    archive = make_zip(tmp_path / "r.zip", members, links)
    with pytest.raises(boundary.ArchiveError, match=says):
        boundary.read_zip(archive)


def test_archive_size_member_and_repeat_limits(tmp_path: Path) -> None:
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.csv": b"\0" * (4 << 20)})  # ~4 KB packed
    assert bomb.stat().st_size < 64 << 10
    with pytest.raises(boundary.ArchiveError, match="more than"):
        boundary.read_zip(bomb, limits.Limits(archive_bytes=1 << 20))
    many = make_zip(tmp_path / "many.zip", {f"{i}.csv": b"x" for i in range(5)})
    with pytest.raises(boundary.ArchiveError, match="members"):
        boundary.read_zip(many, limits.Limits(archive_members=3))
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w") as book:
        book.writestr("a.csv", b"1")
        with pytest.warns(UserWarning):
            book.writestr("a.csv", b"2")
    with pytest.raises(boundary.ArchiveError, match="twice"):
        boundary.read_zip(twice)
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(boundary.ArchiveError, match="not a readable zip"):
        boundary.read_zip(tmp_path / "not.zip")


# ---------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    "pattern", ["(a+)+$", "(a|aa)+", r"(\w+\s?)*$", "(a*)*b", r"(a)\1", "a(?=b)", "(?<!x)y"]
)
def test_patterns_python_may_backtrack_on_are_isolated(pattern: str) -> None:
    assert not linear_safe(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"^E\d{8}( / E\d{8})*$", "^[a-z][a-z0-9_]*$", r"^https?://\S+$", r"^\d{4}(-\d{2})?$"],
)
def test_simple_patterns_run_in_process(pattern: str) -> None:
    assert linear_safe(pattern)


def test_every_shipped_pattern_runs_in_process() -> None:
    assert len(shipped_patterns()) >= 5


# ---------------------------------------------------------------------------- through the CLI


def test_a_huge_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--limit", "1" + "0" * 100, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage" and "at most" in err


def test_allow_remote_fetches_a_url_path(
    server: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A URL path is refused by default (no request); with --allow-remote it is fetched (with
    httpx) or the user is told to install httpx (exit 2). The download's temporary folder goes to
    a folder of this test's own, so another test downloading at the same time (the other xdist
    worker) cannot be mistaken for a leftover."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    package = tmp_path / "pkg"
    (package / "schemas").mkdir(parents=True)
    (package / "schemas" / "a.schema.json").write_text('{"fields": [{"name": "x"}]}')
    descriptor = {
        "resources": [{"name": "a", "path": server.url, "schema": "schemas/a.schema.json"}]
    }
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    assert main(["validate", str(package)]) == 1 and server.hits == 0
    assert "package.unsafe_path" in capsys.readouterr().out
    fetched = set(Path(tempfile.gettempdir()).glob("cscbench-remote-*"))
    code = main(["validate", str(package), "--allow-remote", "--format", "json"])
    out, err = capsys.readouterr()
    assert set(Path(tempfile.gettempdir()).glob("cscbench-remote-*")) == fetched  # cleaned up
    if importlib.util.find_spec("httpx") is None:
        assert code == 2 and "httpx" in err and server.hits == 0
    else:  # read whole; the toy package lacks the resources a cscbench package needs
        report = json.loads(out)
        assert code == 1 and server.hits == 1 and report["rows"] == {"a": 1000}
        assert {p["check_id"] for p in report["problems"]} == {"package.missing_resource"}
