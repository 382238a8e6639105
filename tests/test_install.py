"""Installing cscbench: the core pulls only polars, the wheel carries the data package, commands say
which extra or what checkout they need.

The fast tests read the installed distribution's metadata (the same Requires-Dist a wheel carries)
and run one cheap subprocess. The slow test builds the sdist and, from it, the wheel, installs the
wheel in a fresh virtual environment outside the checkout and uses it from ``/``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from cscbench.cli import main
from cscbench.core import extras, paths
from cscbench.core.paths import ROOT

HEAVY = ("pandas", "pyarrow", "pandera", "frictionless", "great_tables", "numpy")
HEAVY_DISTRIBUTIONS = {"pandas", "pyarrow", "pandera", "frictionless", "great-tables", "numpy"}
PACKAGE_FILES = (
    "datapackage.json",
    "datapackage/*.csv",
    "schemas/*.json",
    "config/groups.toml",
    "config/findings.toml",
    "releases/*/changes.json",
)


def _core_requirements(requires: list[str]) -> set[str]:
    return {
        re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower() for r in requires if "extra" not in r
    }


def test_core_needs_only_polars() -> None:
    requires = metadata.requires("cscbench") or []
    assert _core_requirements(requires) == {"polars"}
    everything = {d.lower() for d in extras.distributions("all")}
    assert HEAVY_DISTRIBUTIONS - {"pandas", "numpy"} <= everything
    assert {"pandas", "numpy"}.isdisjoint(everything)  # not even an extra needs pandas
    assert {"great-tables", "xlsxwriter"} <= {d.lower() for d in extras.distributions("publish")}


def test_lock_pins_every_dependency() -> None:
    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    lock = ROOT / "requirements.lock"
    pinned = {norm(line.split("==")[0]) for line in lock.read_text().splitlines() if "==" in line}
    wanted = {norm(d) for d in [*extras.distributions("dev"), "polars"]}
    assert wanted <= pinned, f"add pins to requirements.lock for {sorted(wanted - pinned)}"


def test_loading_imports_no_heavy_library() -> None:
    script = (
        "import sys, cscbench\n"
        "cscbench.load('observations', current=True, expand_joint=True)\n"
        "cscbench.find_area('Leeds'); cscbench.latest_judgements()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_a_missing_extra_names_the_pip_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(extras, "_installed", lambda name: name.lower() != "pandera")
    assert main(["validate"]) == 2
    assert "pip install 'cscbench[validate]'" in capsys.readouterr().err
    assert main(["publish"]) == 2
    assert "pip install 'cscbench[publish]'" in capsys.readouterr().err


def test_ingest_from_an_installed_wheel_says_it_needs_a_checkout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(paths, "checkout", lambda: None)
    assert main(["ingest"]) == 2
    assert "needs a clone of the repository" in capsys.readouterr().err


def test_without_a_checkout_the_bundled_copy_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.default_package() == ROOT / "datapackage.json"
    assert paths.default_groups() == ROOT / "config" / "groups.toml"
    monkeypatch.setattr(paths, "checkout", lambda: None)
    assert paths.default_package() == paths.BUNDLED / "datapackage.json"
    assert paths.default_groups() == paths.BUNDLED / "config" / "groups.toml"
    assert paths.default_site() == Path.cwd() / "site"


def test_publish_refuses_a_groups_file_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "mine.toml"
    assert main(["publish", "--groups", str(missing), "--out", str(tmp_path / "site")]) == 2
    assert f"groups file {missing} not found" in capsys.readouterr().err


# ---------------------------------------------------------------------------- the real wheel

WEST_YORKSHIRE_PAGE = "groups/west-yorkshire.html"
PARTNER_GROUPS = '[[group]]\nname = "Barnsley and Sheffield"\nmembers = ["Barnsley", "Sheffield"]\n'
IN_VENV = """
import json, sys
import cscbench
counts = {name: cscbench.load(name).height for name in cscbench.resources()}
moved = cscbench.load("observations", current=True)
print(json.dumps({
    "counts": counts,
    "barnsley": moved.filter(area_code="E08000038", period="2024-25").height,
    "hull": cscbench.find_area("Hull")["area_code"],
    "judgements": cscbench.latest_judgements().height,
    "outstanding_2025": int(
        (cscbench.latest_judgements(as_at="2025-03-31")["grade"] == "Outstanding").sum()
    ),
    "compare": cscbench.compare("Leeds", "Wakefield", "Bradford").height,
    "package_dir": str(cscbench.package_dir()),
    "heavy": sorted(m for m in HEAVY if m in sys.modules),
}))
"""


def _run(args: list[str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd="/", capture_output=True, text=True, timeout=timeout)


def _build(out: Path) -> Path:
    """sdist first, then the wheel from the unpacked sdist: the sdist must carry the data too."""
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)]
    done = _run(build)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = out.glob("cscbench-*.whl")
    return wheel


def _check_wheel(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = [
            line.split(":", 1)[1].strip()
            for line in archive.read(meta).decode().splitlines()
            if line.startswith("Requires-Dist:")
        ]
    for pattern in PACKAGE_FILES:
        for path in ROOT.glob(pattern):
            assert f"cscbench/_package/{path.relative_to(ROOT)}" in names
    assert _core_requirements(requires) == {"polars"}


@pytest.mark.slow
def test_wheel_works_from_anywhere_in_a_fresh_venv(tmp_path: Path) -> None:
    wheel = _build(tmp_path / "dist")
    _check_wheel(wheel)
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    python, cscbench = str(venv / "bin" / "python"), str(venv / "bin" / "cscbench")
    pip = [python, "-m", "pip", "install", "-q", "-c", str(ROOT / "requirements.lock")]
    done = _run([*pip, str(wheel)])
    assert done.returncode == 0, done.stderr

    done = _run([python, "-c", f"HEAVY = {HEAVY!r}\n{IN_VENV}"])
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    expected = json.loads((ROOT / "datapackage.json").read_text())["resources"]
    assert set(seen["counts"]) == {r["name"] for r in expected}
    assert all(n > 0 for n in seen["counts"].values())
    assert seen["barnsley"] > 0 and seen["hull"] == "E06000010" and seen["judgements"] == 153
    assert seen["outstanding_2025"] == 36  # Ofsted's cut-offs travel in the wheel
    assert seen["compare"] > 0
    done = _run([cscbench, "compare", "Leeds", "Wakefield", "Bradford", "--format", "json"])
    assert done.returncode == 0 and len(json.loads(done.stdout)["rows"]) == seen["compare"]
    assert seen["package_dir"].startswith(str(venv)) and seen["heavy"] == []

    for command, message in (
        ("validate", "pip install 'cscbench[validate]'"),
        ("publish", "pip install 'cscbench[publish]'"),
        ("ingest", "needs a clone of the repository"),
        ("release --out x", "needs a clone of the repository"),
    ):
        done = _run([cscbench, *command.split()])
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr

    done = _run([*pip, f"{wheel}[all]"])
    assert done.returncode == 0, done.stderr
    done = _run([cscbench, "validate"])
    assert done.returncode == 0 and done.stdout.startswith("valid"), done.stdout + done.stderr
    site = tmp_path / "site"
    done = _run([cscbench, "publish", "--out", str(site), "--png", "no"])
    assert done.returncode == 0, done.stderr
    assert (site / WEST_YORKSHIRE_PAGE).is_file()  # the groups shipped inside the wheel
    assert list(site.glob("changes/what-changed-in-*.html"))  # the release record too
    mine = tmp_path / "mine.toml"
    mine.write_text(PARTNER_GROUPS, encoding="utf-8")
    publish = [cscbench, "publish", "--out", str(site), "--png", "no", "--groups", str(mine)]
    done = _run(publish)
    assert done.returncode == 0, done.stderr
    assert (site / "groups/barnsley-and-sheffield.html").is_file()
    assert (site / WEST_YORKSHIRE_PAGE).is_file()  # --groups adds to the shipped groups
    done = _run([*publish, "--groups-replace"])
    assert done.returncode == 0, done.stderr
    assert (site / "groups/barnsley-and-sheffield.html").is_file()
    assert not (site / WEST_YORKSHIRE_PAGE).exists()
    _extension_from_the_wheel(cscbench, tmp_path, publish)


# A filled-in return of the synthetic demo partnership (every figure invented, marked as such).
DEMO_ROW = (
    "caseload_fte,E08000036,2026,2026-06-30,18.5,,cases_per_fte,demo team,2026-07-15,demo,true"
)


BLOCK = "Local return: Demo partnership"


def _extension_from_the_wheel(cscbench: str, tmp_path: Path, publish: list[str]) -> None:
    """`extension new` -> fill in -> validate, a bad return refused, compare, release and publish
    with the return, all from the installed wheel (issue 20)."""
    folder = tmp_path / "demo-return"
    done = _run([cscbench, "extension", "new", str(folder), "--partnership", "Demo partnership"])
    assert done.returncode == 0, done.stderr
    observations = folder / "local_observations.csv"
    header = observations.read_text(encoding="utf-8").splitlines()[0]
    observations.write_text(f"{header}\n{DEMO_ROW}\n", encoding="utf-8")
    done = _run([cscbench, "validate", str(folder / "datapackage.json"), "--engine", "both"])
    assert done.returncode == 0 and done.stdout.startswith("valid"), done.stdout + done.stderr
    compare = [cscbench, "compare", "Wakefield", "--indicator", "caseload_fte", "--format", "json"]
    done = _run([*compare, "--extension", str(folder)])
    assert done.returncode == 0, done.stderr
    origins = [row["origin"] for row in json.loads(done.stdout)["rows"]]
    assert origins == ["official", "local return: Demo partnership"]
    done = _run([cscbench, "release", "--package", str(folder), "--out", str(tmp_path / "dist")])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dist" / "demo-return-0.1.0.zip").is_file()
    done = _run([*publish, "--extension", str(folder)])
    assert done.returncode == 0, done.stderr
    site = Path(publish[publish.index("--out") + 1])
    local_csvs = list(site.glob("local/*.csv"))
    assert len(local_csvs) == 1 and "18.5" in local_csvs[0].read_text(encoding="utf-8")
    shown = {p.relative_to(site).as_posix() for p in site.rglob("*.html") if BLOCK in p.read_text()}
    assert "profiles/e08000036-wakefield.html" in shown, shown  # the council the return covers
    assert "compare-local-data.js" in (site / "compare.html").read_text(encoding="utf-8")
    observations.write_text(f"{header}\n{DEMO_ROW.replace('E08000036', 'E08000306')}\n")
    done = _run([cscbench, "validate", str(folder)])
    assert done.returncode == 1 and "did you mean E08000036 (Wakefield)" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
