"""The command line's contract: one exit-code table, no traceback ever, JSON in every outcome of
``validate --format json``, and nothing from a file reaching the terminal raw.

Faults are injected (a stage replaced by one that raises), never provoked by real breakage, so the
tests stay fast and do not depend on which inputs a later release happens to reject.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from corpus.mutations import build_base, read_text, resource_paths, write_text

import cscbench.ingest
import cscbench.publish
import cscbench.validate.run
from cscbench.cli import LOG_ENV, main
from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.core.exitcodes import ExitCode
from cscbench.core.paths import ROOT
from cscbench.ingest.common import RawInputError
from cscbench.publish import PublishResult, png_export, site
from cscbench.publish.groups import GroupConfigError
from cscbench.validate.report import json_text, printable

ESCAPE = "\x1b[2J\x1b[31m"  # clear the screen, then red


@pytest.fixture(autouse=True)
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Internal-error logs go to the test's own folder."""
    folder = tmp_path / "logs"
    monkeypatch.setenv(LOG_ENV, str(folder))
    return folder


@pytest.fixture(scope="module")
def small_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(ROOT, tmp_path_factory.mktemp("cli_base"))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def raising(error: BaseException):
    def stage(*args: object, **kwargs: object) -> None:
        raise error

    return stage


# ---------------------------------------------------------------------------- the table


def test_one_exit_code_table() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "INVALID": 1,
        "USAGE": 2,
        "INTERNAL": 3,
        "INTERRUPTED": 130,
    }
    page = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    table = page.split("## Exit codes")[1].split("\n## ")[0]
    for code in ExitCode:
        assert f"| `{int(code)}` |" in table, code
    for command in ("validate", "publish", "ingest", "diff"):
        assert f"`{command}`" in table, command


# ---------------------------------------------------------------------------- internal errors


def test_internal_error_is_one_line_naming_command_input_and_log(
    small_package: Path,
    logs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(
        cscbench.validate.run, "validate_package", raising(RuntimeError(f"boom{ESCAPE}"))
    )
    code, out, err = run(["validate", str(small_package)], capsys)
    assert code == ExitCode.INTERNAL == 3
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith("cscbench validate: internal error while working on ")
    assert str(small_package) in err and "RuntimeError: boom" in err
    assert "Traceback" not in err and "\x1b" not in err and "\\x1b[2J" in err
    (log,) = logs.iterdir()
    assert log.name.startswith("cscbench-validate-") and log.suffix == ".log"
    assert str(log) in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text
    assert log.stat().st_mode & 0o077 == 0  # tracebacks show local paths: the user's only


def test_internal_error_in_json_mode_is_json(
    small_package: Path,
    logs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cscbench.validate.run, "validate_package", raising(MemoryError()))
    code, out, _ = run(["validate", str(small_package), "--format", "json"], capsys)
    body = json.loads(out)
    assert code == 3 and body["valid"] is None
    assert body["error"]["exit_code"] == 3 and body["error"]["kind"] == "internal"
    assert Path(body["error"]["log"]).parent == logs and "MemoryError" in body["error"]["message"]


def test_each_internal_error_gets_its_own_log(
    small_package: Path,
    logs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cscbench.validate.run, "validate_package", raising(KeyError("x")))
    for _ in range(3):
        assert run(["validate", str(small_package)], capsys)[0] == 3
    assert len(list(logs.iterdir())) == 3


def test_unwritable_log_folder_still_gives_one_line(
    small_package: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv(LOG_ENV, str(not_a_folder))
    monkeypatch.setattr(cscbench.validate.run, "validate_package", raising(RuntimeError("boom")))
    code, _, err = run(["validate", str(small_package)], capsys)
    assert code == 3 and len(err.splitlines()) == 1
    assert "could not be written" in err and LOG_ENV in err and "Traceback" not in err


def test_a_real_process_prints_no_traceback(small_package: Path, logs: Path) -> None:
    """Through interpreter exit too: the process's whole stderr is the one line."""
    script = (
        "import sys, cscbench.validate.run as v\n"
        "def boom(*a, **k): raise RuntimeError('injected')\n"
        "v.validate_package = boom\n"
        "from cscbench.cli import main\n"
        f"sys.exit(main(['validate', {str(small_package)!r}]))\n"
    )
    env = {**os.environ, LOG_ENV: str(logs)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 3 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert "RuntimeError: injected" in next(logs.iterdir()).read_text(encoding="utf-8")


def test_ctrl_c_is_one_line_and_exit_130(
    small_package: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cscbench.validate.run, "validate_package", raising(KeyboardInterrupt()))
    code, out, err = run(["validate", str(small_package), "--format", "json"], capsys)
    assert code == ExitCode.INTERRUPTED == 130
    assert err == "cscbench validate: interrupted\n"
    assert json.loads(out)["error"]["kind"] == "interrupted"


# ---------------------------------------------------------------------------- usage errors


def test_missing_descriptor_is_a_usage_error_in_json_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "datapackage.json"
    code, out, err = run(["validate", str(missing), "--format", "json"], capsys)
    body = json.loads(out)
    assert code == 2 and body["valid"] is None
    assert body["error"] == {"exit_code": 2, "kind": "usage", "message": f"{missing} not found"}
    assert err == f"cscbench validate: {missing} not found\n"


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--limit", "0", "--format", "json"],
        ["validate", "--format=json", "--engine", "nosuch"],
        ["validate", "--format", "json", "--no-such-option"],
    ],
)
def test_argument_errors_exit_2_with_json_when_asked(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(args, capsys)
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"
    assert err.startswith("usage: cscbench") and ": error: " in err and "\\n" not in err


def test_argument_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["nosuch"], capsys)
    assert code == 2 and out == "" and "cscbench: error: " in err
    code, out, err = run(["validate", f"--option{ESCAPE}"], capsys)
    assert code == 2 and "\x1b" not in err and "--option\\x1b[2J" in err
    assert run([], capsys)[0] == 2


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("cscbench ")
    code, out, _ = run(["validate", "--help"], capsys)
    assert code == 0 and "3 internal error" in " ".join(out.split())


# ---------------------------------------------------------------------------- typed errors


def test_publish_errors_map_onto_the_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "site")
    cases = [
        (UsageError("an --out it must not replace"), 2),
        (site.SiteError("not a site"), 2),
        (GroupConfigError("groups.toml: needs a name"), 1),
        (InvalidInputError("bad input"), 1),
    ]
    for error, want in cases:
        monkeypatch.setattr(cscbench.publish, "publish_site", raising(error))
        code, stdout, err = run(["publish", "--out", out], capsys)
        assert (code, stdout, err) == (want, "", f"cscbench publish: {error}\n"), error


def test_publish_prints_its_notes_and_summary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = PublishResult(tmp_path, 3, 4, 0, 1.25, (f"PNG for x{ESCAPE} failed",))
    monkeypatch.setattr(cscbench.publish, "publish_site", lambda *a, **k: result)
    code, out, err = run(["publish", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert err == "cscbench publish: PNG for x\\x1b[2J\\x1b[31m failed\n"
    assert out.startswith(f"published 3 pages, 4 tables, 0 PNG images to {tmp_path} in 1.2 s")


def test_png_yes_without_chromium_is_a_usage_error(
    small_package: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(png_export, "find_chromium", lambda: None)
    args = ["publish", "--package", str(small_package), "--out", str(tmp_path / "site")]
    code, _, err = run([*args, "--png", "yes"], capsys)
    assert code == 2 and "--png yes but no Chromium found" in err
    assert not (tmp_path / "site").exists()


def test_ingest_errors_are_invalid_input(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ingest", "--raw-dir", str(tmp_path), "--out", str(tmp_path / "out")]
    monkeypatch.setattr(
        cscbench.ingest, "verify_files", raising(RawInputError("x.csv: sha256 differs"))
    )
    assert run(args, capsys)[1:] == ("", "cscbench ingest: x.csv: sha256 differs\n")
    monkeypatch.setattr(
        cscbench.ingest, "verify_files", raising(pl.exceptions.ComputeError("bad\nrow"))
    )
    code, _, err = run(args, capsys)
    assert code == 1 and err == ("cscbench ingest: a raw file could not be read as expected: bad\n")


# ---------------------------------------------------------------------------- terminal safety


def test_text_from_files_cannot_drive_the_terminal(
    small_package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A header holding escape sequences is reported escaped, in text and in JSON."""
    pkg = tmp_path / "pkg"
    shutil.copytree(small_package, pkg)
    sources = resource_paths(pkg)["sources"]
    write_text(read_text(sources).with_columns(pl.lit("x").alias(f"note{ESCAPE}\u202e")), sources)
    code, out, _ = run(["validate", str(pkg)], capsys)
    assert code == 1 and "\x1b" not in out and "\u202e" not in out
    assert "note\\x1b[2J\\x1b[31m\\u202e" in out
    code, out, _ = run(["validate", str(pkg), "--format", "json"], capsys)
    assert code == 1 and "\x1b" not in out and "\u202e" not in out
    assert f"note{ESCAPE}\u202e" in {p["value"] for p in json.loads(out)["problems"]}


def test_printable_escapes_only_what_is_not_printable() -> None:
    assert printable("Kingston upon Hull, £5 – café") == "Kingston upon Hull, £5 – café"
    assert printable("a\x1b[31mb\nc\td\x9b\u202e") == "a\\x1b[31mb\\nc\\td\\x9b\\u202e"
    text = json_text({"v": "a\x1bb\x7f\x9b\u202e é"})
    assert all(c.isprintable() or c == "\n" for c in text)
    assert json.loads(text) == {"v": "a\x1bb\x7f\x9b\u202e é"}
