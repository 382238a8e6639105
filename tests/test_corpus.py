"""The corpus of broken packages (tests/corpus/cases.toml): every case is caught, located and agreed on.

Each case copies the committed package, applies one declarative mutation, and validates the copy
with both engines. cscbench must report exactly the expected problem (check id, CSV line as a
spreadsheet shows it, column) and nothing else; frictionless must report the same check id at the
same line wherever it can see the problem ("unlocated": the same check id, frictionless giving no
line), and report the package valid where it cannot.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from corpus.mutations import (
    CASES,
    SECRET,
    Mutated,
    build_base,
    expected_problem,
    located,
    mutate,
    resource_paths,
)

import cscbench
from cscbench.analysis.loader import PackageRefused
from cscbench.cli import main
from cscbench.core.paths import ROOT
from cscbench.release.diff import HeaderMismatch, read_package
from cscbench.validate.checks import CATALOGUE
from cscbench.validate.report import Problem
from cscbench.validate.run import validate_package


@pytest.fixture(scope="session")
def base_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(ROOT, tmp_path_factory.mktemp("corpus_base"))


class Server:
    """A local HTTP server that counts requests: a URL path must never be fetched."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"area_code\nE92000001\n")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.httpd.shutdown()


def frictionless_view(package: Path, resource: str) -> Path:
    """A descriptor listing the mutated resource and the resources its foreign keys refer to:
    frictionless reports per resource, so the others (checked valid once, in
    test_base_package_is_valid_under_both_engines) would only cost time. The whole descriptor
    when the mutation is the descriptor's own or the schema cannot be read."""
    full = package / "datapackage.json"
    if not full.is_file() or full.stat().st_size > 1 << 20:  # a FIFO or a huge descriptor case
        return full
    try:
        descriptor = json.loads(full.read_text(encoding="utf-8"))
        entry = next(r for r in descriptor["resources"] if r["name"] == resource)
        schema = json.loads((package / entry["schema"]).read_text(encoding="utf-8"))
        wanted = {resource} | {fk["reference"]["resource"] for fk in schema["foreignKeys"]}
    except (OSError, ValueError, KeyError, TypeError, StopIteration, RecursionError):
        return full
    view = package / "datapackage.frictionless.json"
    descriptor["resources"] = [r for r in descriptor["resources"] if r.get("name") in wanted]
    view.write_text(json.dumps(descriptor), encoding="utf-8")
    return view


def through_cli(descriptor: Path, capsys: pytest.CaptureFixture[str]) -> list[Problem]:
    """``cscbench validate --format json`` on the package: exit 0 or 1, JSON on stdout, nothing
    on stderr, no traceback anywhere; its problems as Problem objects."""
    code = main(["validate", str(descriptor), "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in out + err and not err, (code, err[-2000:])
    fields = {f.name for f in dataclasses.fields(Problem)}
    return [
        Problem(**{k: v for k, v in p.items() if k in fields}) for p in json.loads(out)["problems"]
    ]


def run_case(
    case: dict[str, Any],
    base: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server: Server | None = None,
    frictionless: bool = True,
) -> tuple[Mutated, list[Problem], list[Problem]]:
    """cscbench (through the CLI) on the whole mutated package, and (``frictionless``)
    frictionless on the mutated resource's view."""
    mutated = mutate(case, base, tmp_path / "pkg", server.url if server else "")
    ours = through_cli(mutated.package / "datapackage.json", capsys)
    assert {p.engine for p in ours} <= {"cscbench"}
    if not frictionless:
        return mutated, ours, []
    view = frictionless_view(mutated.package, case["resource"])
    theirs = validate_package(view, engine="frictionless").problems
    return mutated, ours, [p for p in theirs if p.engine == "frictionless"]


# ---------------------------------------------------------------------------- tests


def test_corpus_is_large_and_covers_every_resource(base_package: Path) -> None:
    assert len(CASES) >= 25
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"
    resources = set(resource_paths(base_package))
    assert resources <= {c["resource"] for c in CASES} <= resources | {"datapackage"}


def test_corpus_exercises_every_check() -> None:
    """Every catalogue id has a case, except: package.descriptor (tested in test_validate.py),
    package.frictionless (a fallback for frictionless errors without an id), field.unique (no
    schema has a unique field that is not also the whole primary key, reported as such) and
    file.unreadable (tests run as root in CI, where no permission bit stops a read: see
    test_validate.py); and the archive checks of ``cscbench verify``, which has no package to
    mutate until the archive is read (tests/test_verify.py). The checks of a partnership's
    extension have their own corpus of bad returns (tests/test_extension.py)."""
    covered = {c["expect"]["check"] for c in CASES if "check" in c.get("expect", {})}
    covered |= {c for c in CATALOGUE if c.startswith("extension.")}
    covered |= {"engine.timeout" for c in CASES if c.get("frictionless") == "timeout"}
    assert set(CATALOGUE) - covered == {
        "package.descriptor",
        "package.frictionless",
        "field.unique",
        "file.unreadable",
        "archive.unsafe",
        "archive.layout",
        "archive.undeclared",
    }


def test_base_package_is_valid_under_both_engines(base_package: Path) -> None:
    report = validate_package(base_package / "datapackage.json", engine="both")
    assert report.valid, [p.message for p in report.problems[:10]]


VALIDATED = [c for c in CASES if "entry" not in c]  # the others: test_entry_point_case


@pytest.mark.parametrize(
    "frictionless",
    [False, pytest.param(True, marks=pytest.mark.slow)],
    ids=["cscbench", "frictionless_agrees"],
)
@pytest.mark.parametrize("case", VALIDATED, ids=[c["id"] for c in VALIDATED])
def test_case(
    case: dict[str, Any],
    frictionless: bool,
    base_package: Path,
    tmp_path: Path,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """cscbench's own verdict on every case (the fast tier); frictionless's agreement on the
    same cases in the slow tier, which CI runs too."""
    check_case(case, base_package, tmp_path, server, monkeypatch, capsys, frictionless)


def check_case(
    case: dict[str, Any],
    base_package: Path,
    tmp_path: Path,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    frictionless: bool,
) -> None:
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, value)
    before = len(server.requests)
    mutated, ours, theirs = run_case(
        case, base_package, tmp_path, capsys, server, frictionless=frictionless
    )
    assert len(server.requests) == before, "a URL path was fetched"
    assert not any(SECRET in p.message for p in ours + theirs), "a file outside was shown"
    assert {p.name for p in tmp_path.iterdir()} <= {"pkg", "secret.txt"}, "wrote outside"
    if "expect" not in case:
        assert ours == [] and theirs == [], [p.message for p in ours + theirs]
        return
    want = expected_problem(case, mutated)
    assert [located(p) for p in ours] == [want], [p.message for p in ours]
    problem = ours[0]
    where = (f"{case['resource']}.csv", "datapackage.json", "schemas/", "datapackage/")
    assert problem.message.startswith(where), problem.message
    if not frictionless:
        return
    seen = case["frictionless"]
    if seen == "timeout":  # a pattern Python's re backtracks on: the worker is stopped
        assert [p.check_id for p in theirs] == ["engine.timeout"], theirs
        return
    if seen is False:
        assert theirs == [], [(located(p), p.expected) for p in theirs]
        return
    line = None if seen == "unlocated" else want[2]
    agree = [p for p in theirs if p.check_id == want[0] and p.line == line]
    assert agree, (want, [(located(p), p.expected) for p in theirs])
    if want[3] is not None and line is not None:
        columns = {p.column for p in agree}
        assert want[3] in columns, (want, columns)


PUBLISHED = [c for c in CASES if c.get("publish")]


@pytest.mark.slow
@pytest.mark.parametrize("case", PUBLISHED, ids=[c["id"] for c in PUBLISHED])
def test_unusual_valid_package_publishes(
    case: dict[str, Any], base_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid package publishes whole, whatever it holds, and writes only inside --out (the
    council profiles are left out for time: they do not read what these cases change)."""
    from cscbench.publish import profiles, publish_site

    monkeypatch.setattr(profiles, "build", lambda ctx: [])
    mutated = mutate(case, base_package, tmp_path / "pkg")
    out = tmp_path / "out" / "site"
    result = publish_site(mutated.package / "datapackage.json", out, png="no")
    assert result.pages > 0 and (out / "index.html").is_file()
    assert {p.name for p in tmp_path.iterdir()} == {"pkg", "out"}
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["site"]


ENTRIES = [c for c in CASES if "entry" in c]


@pytest.mark.parametrize("case", ENTRIES, ids=[c["id"] for c in ENTRIES])
def test_entry_point_case(
    case: dict[str, Any], base_package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """load() and diff meet a hostile or invalid package as validate does: refused in-process
    with the check and the words validate uses (load), or as invalid input (diff), and through
    the command line with the documented exit code, JSON, no traceback, nothing written outside."""
    mutated = mutate(case, base_package, tmp_path / "pkg")
    descriptor = mutated.package / "datapackage.json"
    expect = case["expect"]
    if case["entry"] == "load":
        with pytest.raises(PackageRefused) as refused:
            cscbench.load(case["resource"], descriptor)
        assert refused.value.check_id == expect["check"]
        assert SECRET not in str(refused.value)
        said = [
            p.message for p in through_cli(descriptor, capsys) if p.resource == case["resource"]
        ]
        assert said == [str(refused.value)], said
    else:
        with pytest.raises(HeaderMismatch) as invalid:
            read_package(descriptor)
        code = main(["diff", str(base_package), str(mutated.package), "--format", "json"])
        out, err = capsys.readouterr()
        assert code == expect["exit"] and "Traceback" not in out + err
        reply = json.loads(out)
        assert reply["differences"] is None and reply["error"]["kind"] == "invalid"
        for words in expect["mentions"]:
            assert words in str(invalid.value) and words in reply["error"]["message"], words
    assert {p.name for p in tmp_path.iterdir()} <= {"pkg", "secret.txt"}, "wrote outside"
