"""Benchmark: publishing the whole site with its charts and PNG images (issue 12).

    .venv/bin/python benchmarks/publish.py             # three runs, rewrites its block in BENCHMARKS.md
    .venv/bin/python benchmarks/publish.py --no-write  # print only

Times ``cscbench publish`` on the committed package as a whole process, as a user runs it:

* cold, HTML only (``--png no``: pages with their SVG charts, no PNG files), into a new folder;
* cold, with every PNG (``--png yes``: the tables' through Chromium, the charts' through
  vl-convert), into a new folder;
* republish, nothing changed: the same command again into that folder; the site's content key
  (publish/freshness.py) shows nothing changed, so nothing is rebuilt (target: 5 s);
* a partnership's publish with one changed group: ``--groups`` with a partnership's file, then
  the same with one group's members changed (target: 10 s). The site is rebuilt, with every
  chart whose content key is unchanged reused from the previous site.

Wall clock is measured around the child, CPU seconds (user + system, the child and its chart
workers and browser) from ``getrusage``; the load average is recorded, since the machine's two
cores are shared. This is a script, not a test: the unit tests assert correctness only.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
CSCBENCH = str(Path(sys.executable).parent / "cscbench")
TARGET_S = 30.0
REPUBLISH_S, GROUP_S = 5.0, 10.0
PARTNERSHIP = """[[group]]
name = "A partnership (benchmark)"
members = [{members}]
"""
START, END = "<!-- publish:start (written by benchmarks/publish.py) -->", "<!-- publish:end -->"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(label: str, out: Path, png: str, fresh: bool, groups: Path | None = None) -> dict:
    """One publish as a child process: wall and CPU seconds, exit code, files written."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    cmd = [CSCBENCH, "publish", "--package", "datapackage.json", "--out", str(out), "--png", png]
    cmd += ["--groups", str(groups)] if groups is not None else []
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    shown = " ".join(["cscbench", *cmd[1:]]).replace(str(ROOT) + "/", "")
    return {
        "label": label,
        "command": shown,
        "wall": wall,
        "cpu": cpu,
        "rc": done.returncode,
        "html": len(list(out.rglob("*.html"))) if out.exists() else 0,
        "png": len(list(out.rglob("*.png"))) if out.exists() else 0,
        "svg": len(list(out.rglob("*.svg"))) if out.exists() else 0,
    }


def report(runs: list[dict], loads: tuple[str, str]) -> str:
    lines = [
        START,
        "",
        "Reproduce: `.venv/bin/python benchmarks/publish.py`. Load average (1, 5, 15 min) at start "
        f"/ end: {loads[0]} / {loads[1]}; {os.cpu_count()} cores.",
        "",
        "| run | command | wall s | CPU s (all processes) | exit | HTML | SVG | PNG |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['label']} | `{r['command']}` | {r['wall']:.1f} | {r['cpu']:.1f} | {r['rc']} "
        f"| {r['html']} | {r['svg']} | {r['png']} |"
        for r in runs
    ]
    lines += [""]
    for label, target in (
        ("cold, with PNGs", TARGET_S),
        ("republish, nothing changed", REPUBLISH_S),
        ("one group changed", GROUP_S),
    ):
        r = next((r for r in runs if r["label"] == label), None)
        if r is not None:
            verdict = "met" if r["rc"] == 0 and r["wall"] <= target else "**missed**"
            lines.append(
                f"Target for {label}: at most {target:.0f} s: {r['wall']:.1f} s, {verdict}."
            )
    lines += ["", END]
    return "\n".join(lines) + "\n"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def write_block(path: Path, text: str, markers: tuple[str, str], heading: str) -> None:
    """Put ``text`` in place of the block between ``markers`` in a Markdown file, or append it
    under a new ``heading`` where the file has no such block yet."""
    start, end = markers
    body = path.read_text(encoding="utf-8")
    if start in body and end in body:
        head, rest = body.split(start, 1)
        body = head + text.rstrip("\n") + rest.split(end, 1)[1]
    else:
        body = body.rstrip("\n") + f"\n\n## {heading}\n\n" + text
    path.write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    start_load = load()
    groups = WORK / "partnership.toml"
    groups.write_text(PARTNERSHIP.format(members='"Leeds", "Bradford"'), encoding="utf-8")
    runs = [
        run("cold, HTML only", WORK / "site_charts_png_no", "no", fresh=True),
        run("cold, with PNGs", WORK / "site_charts_png_yes", "yes", fresh=True),
        run("republish, nothing changed", WORK / "site_charts_png_yes", "yes", fresh=False),
        run("partnership's groups added", WORK / "site_charts_png_yes", "yes", False, groups),
    ]
    groups.write_text(PARTNERSHIP.format(members='"Leeds", "Bradford", "Kirklees"'), "utf-8")
    runs.append(run("one group changed", WORK / "site_charts_png_yes", "yes", False, groups))
    text = report(runs, (start_load, load()))
    sys.stdout.write(text)
    if not args.no_write:
        write_block(Path(args.output), text, (START, END), "Publishing with charts")
    return 0 if all(r["rc"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
