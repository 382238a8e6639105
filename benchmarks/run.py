"""Benchmarks: validating and publishing the package at national scale (issue 7).

    .venv/bin/python benchmarks/run.py            # full run, rewrites the results in BENCHMARKS.md
    .venv/bin/python benchmarks/run.py --quick    # 100k only, no file written

Generates packages of 100k, 1M and 10M observations under ``benchmarks/_work/`` (git-ignored), then
times each command as a whole process, side by side in one run on the same files, round-robin so
machine noise hits all of them alike:

* ``cscbench validate`` (the default engine),
* ``frictionless validate datapackage.json`` (10M under a time limit),
* the floor: ``pl.read_csv`` of every resource as text (``benchmarks/bare_read.py``),

plus ``cscbench --version`` start-up, both validators on a copy with injected errors, and
``cscbench publish`` (HTML only, then with PNG when Chromium is present). Wall clock is measured
around the child; peak RSS comes from ``/usr/bin/time -v`` (or ``getrusage`` in a fresh wrapper).
This is a script, not a test: the unit tests assert correctness only.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

ROOT = generate.ROOT
WORK = generate.WORK
BIN = Path(sys.executable).parent
PY = str(BIN / "python")
CSCBENCH = str(BIN / "cscbench")
FRICTIONLESS = str(BIN / "frictionless")
BARE = str(ROOT / "benchmarks" / "bare_read.py")
TIME = shutil.which("time", path="/usr/bin") or None
RESULTS_START = "<!-- results:start (written by benchmarks/run.py) -->"
RESULTS_END = "<!-- results:end -->"

TARGETS = {
    "ratio_frictionless": 30.0,
    "ratio_bare": 1.5,
    "validate_10m_s": 30.0,
    "validate_10m_gb": 4.0,
    "publish_html_s": 60.0,
}


# ---------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float
    rss_kb: int | None
    rc: int | None  # None: killed at the time limit
    stdout: str = ""
    stderr: str = ""

    @property
    def timed_out(self) -> bool:
        return self.rc is None


_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1] + '.out', 'w'))\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=open(sys.argv[1], 'w'))\n"
    "sys.exit(rc)\n"
)


def measure(
    cmd: list[str],
    cwd: Path | None = None,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run ``cmd`` as a fresh process: wall clock around it, peak RSS of the child."""
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        rss_file = Path(tmp) / "rss"
        if TIME:
            full = [TIME, "-v", "-o", str(rss_file), *cmd]
        else:  # a fresh Python whose only child is cmd, so RUSAGE_CHILDREN is cmd's peak
            full = [sys.executable, "-c", _WRAPPER, str(rss_file), *cmd]
        start = time.perf_counter()
        proc = subprocess.Popen(
            full,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
            rc: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this call started, and only it
            out, err = proc.communicate()
            rc = None
        wall = time.perf_counter() - start
        rss = None
        if rss_file.exists():
            text = rss_file.read_text()
            if TIME:
                found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
                rss = int(found.group(1)) if found else None
                code = re.search(r"Exit status: (\d+)", text)
                if rc is not None and code:
                    rc = int(code.group(1))
            else:
                rss = int(text.strip() or 0)
                out = Path(str(rss_file) + ".out").read_text()
        return Run(wall, rss, rc, out, err)


@dataclass
class Series:
    """Repeated timings of one command on one package."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def ok_runs(self) -> list[Run]:
        return [r for r in self.runs if not r.timed_out]

    @property
    def best(self) -> float | None:
        return min((r.wall for r in self.ok_runs), default=None)

    @property
    def median(self) -> float | None:
        walls = [r.wall for r in self.ok_runs]
        return statistics.median(walls) if walls else None

    @property
    def peak_mb(self) -> float | None:
        rss = [r.rss_kb for r in self.ok_runs if r.rss_kb]
        return max(rss) / 1024 if rss else None

    @property
    def timed_out(self) -> bool:
        return any(r.timed_out for r in self.runs)

    @property
    def rcs(self) -> set[int | None]:
        return {r.rc for r in self.runs}


# ---------------------------------------------------------------------------- machine


def _version(module: str) -> str:
    out = subprocess.run(
        [PY, "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "not installed"


def machine() -> dict[str, str]:
    mem_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        mem_kb = int(found.group(1)) if found else 0
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else ""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "schemas", "datapackage"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "cores (os.cpu_count)": str(os.cpu_count()),
        "cpu": cpu or platform.processor() or "unknown",
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB" if mem_kb else "unknown",
        "os": platform.platform(),
        "python": platform.python_version(),
        "polars": _version("polars"),
        "pandera": _version("pandera"),
        "frictionless": _version("frictionless"),
        "great_tables": _version("great_tables"),
        "cscbench commit": commit + (" (with uncommitted changes in src/schemas)" if dirty else ""),
        "peak RSS from": "/usr/bin/time -v" if TIME else "getrusage(RUSAGE_CHILDREN) in a wrapper",
    }


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ---------------------------------------------------------------------------- steps


def warm(descriptor: Path) -> None:
    """Read every file once so all tools start from the same (warm) page cache."""
    for path in descriptor.parent.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass


Command = tuple[list[str], Path | None, dict[str, str] | None]  # argv, cwd, environment


def commands(descriptor: Path, variants: dict[str, str] | None = None) -> dict[str, Command]:
    """The commands timed on each package; ``variants`` adds ``cscbench validate`` run with
    another ``cscbench`` first on PYTHONPATH (a scratch copy with a proposed change)."""
    out: dict[str, Command] = {
        "bare read (polars, text)": ([PY, BARE, str(descriptor)], None, None),
        "cscbench validate": ([CSCBENCH, "validate", str(descriptor)], None, None),
    }
    for label, path in (variants or {}).items():
        env = {**os.environ, "PYTHONPATH": str(Path(path).resolve())}
        out[f"cscbench validate [{label}]"] = (out["cscbench validate"][0], None, env)
    out["frictionless validate"] = (
        [FRICTIONLESS, "validate", "datapackage.json"],
        descriptor.parent,
        None,
    )
    return out


def compile_bytecode(variants: dict[str, str]) -> None:
    """Write the bytecode of each cscbench timed, as ``pip install`` does for an installed copy:
    a checkout (editable install) or a variant folder run with PYTHONDONTWRITEBYTECODE set would
    otherwise compile every module at every start (about 20 ms), which no user pays. The folders
    are git-ignored (``__pycache__``)."""
    for folder in (ROOT / "src", *map(Path, variants.values())):
        compileall.compile_dir(str(folder), quiet=1)


def ratio_lines(rows: int, series: dict[str, Series]) -> list[str]:
    """Each validator's best time against the bare read's, as the results table gives it."""
    bare = series["bare read (polars, text)"].best
    return [
        f"  {rows:>10,} {name}: {s.best:.2f} s = {s.best / bare:.2f}x the bare read ({bare:.2f} s)"
        for name, s in series.items()
        if name.startswith("cscbench validate") and s.best and bare
    ]


def time_size(
    rows: int,
    descriptor: Path,
    repeats: int,
    fl_timeout: float,
    fl_repeat_limit: float,
    skip_frictionless: bool,
    log,
    variants: dict[str, str] | None = None,
) -> dict[str, Series]:
    warm(descriptor)
    todo = commands(descriptor, variants)
    series = {name: Series(name) for name in todo}
    for rep in range(repeats):
        for name, (cmd, cwd, env) in todo.items():
            s = series[name]
            if name.startswith("frictionless"):
                if skip_frictionless:
                    continue
                if s.timed_out or (s.best is not None and s.best > fl_repeat_limit):
                    continue  # one run of a slow command is enough to compare
                run = measure(cmd, cwd, timeout=fl_timeout, env=env)
            else:
                run = measure(cmd, cwd, env=env)
            s.runs.append(run)
            state = "TIMEOUT" if run.timed_out else f"rc={run.rc}"
            rss = f"{run.rss_kb / 1024:.0f} MB" if run.rss_kb else "?"
            log(f"  {rows:>10,} {name:<26} run {rep + 1}: {run.wall:8.2f} s  {rss:>8}  {state}")
            if run.rc not in (0, None):
                log(f"    unexpected exit code; stderr: {run.stderr[-400:]}")
    return series


def startup(repeats: int = 7) -> dict[str, Series]:
    cmds = {
        "python -c pass": [PY, "-c", "pass"],
        "python -c 'import polars'": [PY, "-c", "import polars"],
        "cscbench --version": [CSCBENCH, "--version"],
        "cscbench validate --help": [CSCBENCH, "validate", "--help"],
    }
    out = {name: Series(name) for name in cmds}
    for _ in range(repeats):
        for name, cmd in cmds.items():
            out[name].runs.append(measure(cmd))
    return out


def _frictionless_errors(report: dict) -> list[dict]:
    errors = []
    for task in report.get("tasks", []):
        for error in task.get("errors", []):
            errors.append({**error, "resource": task.get("name")})
    return errors


def check_errors(descriptor: Path, injected: list[generate.Injected]) -> dict:
    """Both validators on the error package: exit code 1 and every injected error found."""
    csc = measure([CSCBENCH, "validate", str(descriptor), "--format", "json"])
    fl = measure([FRICTIONLESS, "validate", "--json", "datapackage.json"], descriptor.parent)
    csc_problems = json.loads(csc.stdout)["problems"] if csc.stdout.strip() else []
    fl_errors = _frictionless_errors(json.loads(fl.stdout)) if fl.stdout.strip() else []
    rows = []
    matched_csc: set[int] = set()
    matched_fl: set[int] = set()
    for e in injected:
        hit = next(
            (
                i
                for i, p in enumerate(csc_problems)
                if p["check_id"] == e.cscbench_check
                and p["resource"] == e.resource
                and p["line"] == e.line
            ),
            None,
        )
        if hit is not None:
            matched_csc.add(hit)
        fl_hit = None
        if e.frictionless_type:
            fl_hit = next(
                (
                    i
                    for i, x in enumerate(fl_errors)
                    if x.get("type") == e.frictionless_type
                    and x.get("resource") == e.resource
                    and x.get("rowNumber") == e.line
                ),
                None,
            )
            if fl_hit is not None:
                matched_fl.add(fl_hit)
        rows.append(
            {
                "what": e.what,
                "where": f"{e.resource}.csv line {e.line}",
                "cscbench": f"{e.cscbench_check}: {'found' if hit is not None else 'MISSED'}",
                "frictionless": (
                    f"{e.frictionless_type}: {'found' if fl_hit is not None else 'MISSED'}"
                    if e.frictionless_type
                    else "not expressible in Table Schema (cscbench-only rule)"
                ),
                "ok_csc": hit is not None,
                "ok_fl": fl_hit is not None or not e.frictionless_type,
            }
        )
    extra_csc = [
        f"{p['check_id']} {p['resource']} line {p['line']}"
        for i, p in enumerate(csc_problems)
        if i not in matched_csc
    ]
    extra_fl = [
        f"{x.get('type')} {x.get('resource')} row {x.get('rowNumber')}"
        for i, x in enumerate(fl_errors)
        if i not in matched_fl
    ]
    return {
        "rows": rows,
        "csc_rc": csc.rc,
        "fl_rc": fl.rc,
        "csc_wall": csc.wall,
        "fl_wall": fl.wall,
        "extra_csc": extra_csc,
        "extra_fl": extra_fl,
        "all_found": all(r["ok_csc"] and r["ok_fl"] for r in rows) and csc.rc == 1 and fl.rc == 1,
    }


def chrome_env() -> dict[str, str]:
    """Chromium for great-tables PNGs; as root it needs --no-sandbox (a wrapper script)."""
    env = dict(os.environ)
    if env.get("CHROME_PATH"):
        return env
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return env
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        wrapper = WORK / "chromium-no-sandbox"
        wrapper.write_text(
            f'#!/bin/sh\nexec {chromium} --no-sandbox --disable-dev-shm-usage "$@"\n'
        )
        wrapper.chmod(0o755)
        env["CHROME_PATH"] = str(wrapper)
    else:
        env["CHROME_PATH"] = chromium
    return env


def time_publish(package: Path, png: str, timeout: float) -> dict:
    out = WORK / f"site_png_{png}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [CSCBENCH, "publish", "--package", str(package), "--out", str(out), "--png", png]
    run = measure(cmd, timeout=timeout, env=chrome_env())
    markers = ("not available", "invalid choice", "cannot import name", "No module named")
    unavailable = run.rc in (1, 2) and any(m in run.stderr for m in markers)
    html = sorted(out.rglob("*.html")) if out.exists() else []
    pngs = sorted(out.rglob("*.png")) if out.exists() else []
    return {
        "command": " ".join(["cscbench", *cmd[1:]]).replace(str(ROOT) + "/", ""),
        "run": run,
        "available": not unavailable,
        "html": len(html),
        "png": len(pngs),
        "stderr": run.stderr.strip().splitlines()[-3:],
    }


# ---------------------------------------------------------------------------- report


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else (f"{x:.2f}" if x < 100 else f"{x:.0f}")


def fmt_mb(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def results_table(sizes: dict[int, dict[str, Series]], fl_timeout: float) -> list[str]:
    lines = [
        "| observations | command | runs | best s | median s | peak RSS MiB | x bare read | frictionless / this |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for rows, series in sizes.items():
        bare = series["bare read (polars, text)"].best
        fl = series["frictionless validate"]
        for name, s in series.items():
            if name.startswith("frictionless") and not s.runs:
                lines.append(f"| {rows:,} | {name} | 0 | not run | | | | |")
                continue
            if s.timed_out and not s.ok_runs:
                lines.append(
                    f"| {rows:,} | {name} | {len(s.runs)} | > {fl_timeout:.0f} (killed at the time limit) | | | > {fl_timeout / bare:.0f}x | |"
                    if bare
                    else f"| {rows:,} | {name} | {len(s.runs)} | timeout | | | | |"
                )
                continue
            vs_bare = f"{s.best / bare:.1f}x" if bare and s.best else ""
            if fl.best and s.best and not name.startswith("frictionless"):
                vs_fl = f"{fl.best / s.best:.0f}x"
            elif fl.timed_out and s.best and not name.startswith("frictionless"):
                vs_fl = f"> {fl_timeout / s.best:.0f}x"
            else:
                vs_fl = ""
            lines.append(
                f"| {rows:,} | {name} | {len(s.ok_runs)} | {fmt_s(s.best)} | {fmt_s(s.median)} "
                f"| {fmt_mb(s.peak_mb)} | {vs_bare} | {vs_fl} |"
            )
    return lines


def targets_table(sizes: dict[int, dict[str, Series]], publish_html: dict | None) -> list[str]:
    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("met" if ok else "**missed**")

    lines = ["| target | command | measured | verdict |", "|---|---|---|---|"]
    one_m = sizes.get(1_000_000, {})
    ten_m = sizes.get(10_000_000, {})
    validators = [n for n in (one_m or ten_m) if n.startswith("cscbench validate")]
    for name in validators:
        if one_m:
            csc, fl = one_m[name], one_m["frictionless validate"]
            bare = one_m["bare read (polars, text)"]
            r_fl = fl.best / csc.best if fl.best and csc.best else None
            r_bare = csc.best / bare.best if csc.best and bare.best else None
            lines.append(
                f"| 1M: >= {TARGETS['ratio_frictionless']:.0f}x faster than frictionless | {name} "
                f"| {'n/a' if r_fl is None else f'{r_fl:.1f}x'} ({fmt_s(csc.best)} s vs {fmt_s(fl.best)} s) "
                f"| {verdict(None if r_fl is None else r_fl >= TARGETS['ratio_frictionless'])} |"
            )
            lines.append(
                f"| 1M: within {TARGETS['ratio_bare']:g}x of the bare read | {name} "
                f"| {'n/a' if r_bare is None else f'{r_bare:.2f}x'} ({fmt_s(csc.best)} s vs {fmt_s(bare.best)} s) "
                f"| {verdict(None if r_bare is None else r_bare <= TARGETS['ratio_bare'])} |"
            )
        if ten_m:
            csc = ten_m[name]
            lines.append(
                f"| 10M: validated in < {TARGETS['validate_10m_s']:.0f} s | {name} | {fmt_s(csc.best)} s "
                f"| {verdict(None if csc.best is None else csc.best < TARGETS['validate_10m_s'] and csc.rcs == {0})} |"
            )
            gb = csc.peak_mb / 1024 if csc.peak_mb else None
            lines.append(
                f"| 10M: peak memory < {TARGETS['validate_10m_gb']:.0f} GB | {name} "
                f"| {'n/a' if gb is None else f'{gb:.2f} GiB'} "
                f"| {verdict(None if gb is None else gb < TARGETS['validate_10m_gb'])} |"
            )
    if publish_html is not None:
        run = publish_html["run"]
        ok = (
            None
            if not publish_html["available"]
            else (run.rc == 0 and run.wall < TARGETS["publish_html_s"])
        )
        measured = (
            "publish not available yet"
            if not publish_html["available"]
            else f"{run.wall:.1f} s, {publish_html['html']} HTML page(s), exit {run.rc}"
        )
        lines.append(
            f"| every HTML page published in < {TARGETS['publish_html_s']:.0f} s "
            f"| cscbench publish --png no | {measured} | {verdict(ok)} |"
        )
    return lines


def render(
    info: dict[str, str],
    argv: list[str],
    generation: dict[int, tuple[float | None, int]],
    sizes: dict[int, dict[str, Series]],
    fl_timeout: float,
    start_up: dict[str, Series],
    errors: dict | None,
    error_rows: int,
    publish: list[dict],
    loads: tuple[str, str],
) -> str:
    cmd = " ".join([".venv/bin/python", "benchmarks/run.py", *argv])
    out = [
        RESULTS_START,
        "",
        f"Reproduce from the repository root: `{cmd}` (packages are generated under `benchmarks/_work/`, git-ignored).",
        "",
        "### Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
        f"| load average (1, 5, 15 min) at start / end | {loads[0]} / {loads[1]} |",
        "",
        "### Validation (whole processes, same files, round-robin)",
        "",
        "Best and median wall-clock seconds over the runs; peak RSS (MiB) is the largest over the runs. "
        "`x bare read` is best time / best time of the bare read; `frictionless / this` is how many times "
        "faster than frictionless.",
        "",
        *results_table(sizes, fl_timeout),
        "",
        "Generated packages (observations: rows, registered indicator ids, seconds to generate):",
        "",
        *[
            f"* {rows:,} observations: {n_ind:,} indicator ids, "
            + ("reused from an earlier run" if secs is None else f"generated in {secs:.1f} s")
            for rows, (secs, n_ind) in generation.items()
        ],
        "",
        "### Targets",
        "",
        *targets_table(sizes, publish[0] if publish else None),
        "",
        "### Start-up (best of runs)",
        "",
        "| command | best s | median s | peak RSS MiB |",
        "|---|---:|---:|---:|",
        *[
            f"| `{name}` | {s.best:.3f} | {s.median:.3f} | {fmt_mb(s.peak_mb)} |"
            for name, s in start_up.items()
            if s.best is not None
        ],
        "",
    ]
    if errors:
        out += [
            f"### Injected errors ({error_rows:,}-observation copy)",
            "",
            f"`cscbench validate` exit {errors['csc_rc']} in {errors['csc_wall']:.2f} s; "
            f"`frictionless validate` exit {errors['fl_rc']} in {errors['fl_wall']:.2f} s. "
            + ("Every injected error was found." if errors["all_found"] else "**Not all found.**"),
            "",
            "| injected | where | cscbench | frictionless |",
            "|---|---|---|---|",
            *[
                f"| {r['what']} | {r['where']} | {r['cscbench']} | {r['frictionless']} |"
                for r in errors["rows"]
            ],
            "",
            "Other problems reported (beyond the injected ones): cscbench "
            + (", ".join(errors["extra_csc"]) or "none")
            + "; frictionless "
            + (", ".join(errors["extra_fl"]) or "none")
            + ".",
            "",
        ]
    out += ["### Publishing (committed package)", ""]
    if not publish:
        out += ["Not run (`--skip-publish`).", ""]
    for p in publish:
        run = p["run"]
        if not p["available"]:
            out.append(f"* `{p['command']}`: not available ({'; '.join(p['stderr'])})")
        elif run.timed_out:
            out.append(f"* `{p['command']}`: killed at the time limit after {run.wall:.0f} s")
        else:
            out.append(
                f"* `{p['command']}`: {run.wall:.1f} s, peak RSS {fmt_mb((run.rss_kb or 0) / 1024)} MiB, "
                f"exit {run.rc}, {p['html']} HTML and {p['png']} PNG file(s)"
            )
    out += ["", RESULTS_END]
    return "\n".join(out) + "\n"


def write_markdown(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if RESULTS_START in text and RESULTS_END in text:
        head, rest = text.split(RESULTS_START, 1)
        _, tail = rest.split(RESULTS_END, 1)
        text = head + section.rstrip("\n") + tail
    else:
        text = (text or "# Benchmarks\n\n") + "\n## Results\n\n" + section
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--repeats", type=int, default=3, help="runs per command below 10M")
    parser.add_argument("--repeats-big", type=int, default=2, help="runs per command at 10M+")
    parser.add_argument(
        "--frictionless-timeout",
        type=float,
        default=900,
        help="seconds before frictionless is killed",
    )
    parser.add_argument(
        "--frictionless-repeat-limit",
        type=float,
        default=120,
        help="do not repeat a frictionless run that took longer than this",
    )
    parser.add_argument(
        "--frictionless-max-rows",
        type=int,
        default=10_000_000,
        help="skip frictionless above this many observations",
    )
    parser.add_argument("--error-rows", type=int, default=100_000)
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="also time `cscbench validate` with PATH (a folder holding a cscbench copy) first on "
        "PYTHONPATH, e.g. a scratch copy with a proposed change (repeatable)",
    )
    parser.add_argument(
        "--skip-frictionless", action="store_true", help="do not time frictionless (quick checks)"
    )
    parser.add_argument("--skip-publish", action="store_true")
    parser.add_argument("--publish-timeout", type=float, default=1800)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--quick", action="store_true", help="100k only, one run each, no file")
    args = parser.parse_args(raw_argv)
    if args.quick:
        args.sizes, args.repeats, args.no_write = "100000", 1, True

    WORK.mkdir(parents=True, exist_ok=True)
    variants = dict(v.split("=", 1) for v in args.variant)

    def log(msg: str) -> None:
        print(msg, flush=True)

    load_start = load_average()
    info = machine()
    log("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    fingerprint = generate.source_fingerprint()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    generation: dict[int, tuple[float | None, int]] = {}
    descriptors: dict[int, Path] = {}
    for rows in sizes:
        t0 = time.perf_counter()
        cached = generate.is_cached(rows, fingerprint=fingerprint)
        descriptors[rows] = generate.make_scaled(rows, fingerprint=fingerprint)
        ind_path = descriptors[rows].parent / "datapackage" / "indicators.csv"
        n_ind = sum(1 for _ in ind_path.open("rb")) - 1
        generation[rows] = (None if cached else time.perf_counter() - t0, n_ind)
        log(f"package {rows:,}: {descriptors[rows]} ({'reused' if cached else 'generated'})")
    err_descriptor, injected = generate.make_errors(args.error_rows, fingerprint=fingerprint)

    compile_bytecode(variants)
    log("start-up ...")
    start_up = startup()
    for name, s in start_up.items():
        log(f"  {name:<28} best {s.best:.3f} s")

    results: dict[int, dict[str, Series]] = {}
    for rows in sizes:
        repeats = args.repeats if rows < 10_000_000 else args.repeats_big
        log(f"timing {rows:,} observations ({repeats} round(s)) ...")
        results[rows] = time_size(
            rows,
            descriptors[rows],
            repeats,
            args.frictionless_timeout,
            args.frictionless_repeat_limit,
            args.skip_frictionless or rows > args.frictionless_max_rows,
            log,
            variants,
        )
        for line in ratio_lines(rows, results[rows]):
            log(line)

    log("injected errors ...")
    errors = check_errors(err_descriptor, injected)
    for r in errors["rows"]:
        log(f"  {r['what']:<45} cscbench {r['cscbench']:<30} frictionless {r['frictionless']}")
    log(f"  exit codes: cscbench {errors['csc_rc']}, frictionless {errors['fl_rc']}")

    publish: list[dict] = []
    if not args.skip_publish:
        log("publish ...")
        modes = ["no"]
        if (
            shutil.which("chromium")
            or shutil.which("chromium-browser")
            or os.environ.get("CHROME_PATH")
        ):
            modes.append("yes")
        for mode in modes:
            p = time_publish(ROOT / "datapackage.json", mode, args.publish_timeout)
            publish.append(p)
            log(
                f"  {p['command']}: "
                + (
                    f"{p['run'].wall:.1f} s exit {p['run'].rc}, {p['html']} HTML, {p['png']} PNG"
                    if p["available"]
                    else "not available"
                )
            )
            if not p["available"]:
                break

    section = render(
        info,
        raw_argv,
        generation,
        results,
        args.frictionless_timeout,
        start_up,
        errors,
        args.error_rows,
        publish,
        (load_start, load_average()),
    )
    print()
    print(section)
    if not args.no_write:
        write_markdown(Path(args.output), section)
        log(f"wrote {args.output}")
    return 0 if errors["all_found"] else 1


if __name__ == "__main__":
    sys.exit(main())
