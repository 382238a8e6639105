"""Benchmark: publishing the whole site with its charts and PNG images (issue 12).

    .venv/bin/python benchmarks/publish.py             # rewrites its block in BENCHMARKS.md
    .venv/bin/python benchmarks/publish.py --no-write  # print only
    .venv/bin/python benchmarks/publish.py --repeats 3 --variant before=/tmp/before/src

Times ``cscbench publish`` on the committed package as a whole process, as a user runs it:

* cold, HTML only (``--png no``: pages with their SVG charts, no PNG files), into a new folder;
* cold, with every PNG (``--png yes``: the tables' through Chromium, the charts' through
  vl-convert), into a new folder;
* republish, nothing changed: the same command again into that folder; the site's content key
  (publish/freshness.py) shows nothing changed, so nothing is rebuilt (target: 5 s);
* a partnership's publish with one changed group: ``--groups`` with a partnership's file, then
  the same with one group's members changed (target: 10 s). Only the pages whose builder's
  content key changed are built again (publish/incremental.py), the rest kept.

Each sequence runs ``--repeats`` times (2 by default) and the table gives the median and the
fastest. ``--variant LABEL=SRC`` runs the same sequences with ``SRC/cscbench`` first on
``PYTHONPATH`` (a scratch copy of another commit's ``src``), taking turns with this checkout, so
before and after are measured side by side under the same load.

Wall clock is measured around the child, CPU seconds (user + system, the child and its chart
workers and browser) from ``getrusage``; the load average is recorded, since the machine's two
cores are shared. This is a script, not a test: the unit tests assert correctness only.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
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
VARIANTS: dict[str, str] = {}  # label -> a src folder (--variant)
START, END = "<!-- publish:start (written by benchmarks/publish.py) -->", "<!-- publish:end -->"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    label: str,
    out: Path,
    png: str,
    fresh: bool,
    groups: Path | None = None,
    variant: str | None = None,
) -> dict:
    """One publish as a child process: wall and CPU seconds, exit code, files written."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    cmd = [CSCBENCH, "publish", "--package", "datapackage.json", "--out", str(out), "--png", png]
    cmd += ["--groups", str(groups)] if groups is not None else []
    env = dict(os.environ)
    if variant is not None:  # the variant's cscbench first on the path, the same interpreter
        env["PYTHONPATH"] = VARIANTS[variant]
        cmd = [sys.executable, "-m", "cscbench", *cmd[1:]]
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, env=env)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    shown = " ".join(["cscbench", *cmd[cmd.index("publish") :]]).replace(str(ROOT) + "/", "")
    return {
        "label": label,
        "variant": variant,
        "command": shown,
        "wall": wall,
        "cpu": cpu,
        "rc": done.returncode,
        "html": len(list(out.rglob("*.html"))) if out.exists() else 0,
        "png": len(list(out.rglob("*.png"))) if out.exists() else 0,
        "svg": len(list(out.rglob("*.svg"))) if out.exists() else 0,
    }


def sequence(variant: str | None) -> list[dict]:
    """Every run, in order, for this checkout (``variant`` None) or a variant."""
    suffix = "" if variant is None else f"_{variant}"
    yes, no = WORK / f"site_charts_png_yes{suffix}", WORK / f"site_charts_png_no{suffix}"
    groups = WORK / f"partnership{suffix}.toml"
    groups.write_text(PARTNERSHIP.format(members='"Leeds", "Bradford"'), encoding="utf-8")
    runs = [
        run("cold, HTML only", no, "no", fresh=True, variant=variant),
        run("cold, with PNGs", yes, "yes", fresh=True, variant=variant),
        run("republish, nothing changed", yes, "yes", fresh=False, variant=variant),
        run("partnership's groups added", yes, "yes", False, groups, variant),
    ]
    groups.write_text(PARTNERSHIP.format(members='"Leeds", "Bradford", "Kirklees"'), "utf-8")
    runs.append(run("one group changed", yes, "yes", False, groups, variant))
    return runs


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(runs: list[dict]) -> list[dict]:
    """One row per (variant, run label): the median and fastest wall, the median CPU."""
    rows = []
    for variant in dict.fromkeys(r["variant"] for r in runs):
        for label in dict.fromkeys(r["label"] for r in runs):
            mine = [r for r in runs if r["variant"] == variant and r["label"] == label]
            last = mine[-1]
            rows.append(
                {
                    **last,
                    "runs": len(mine),
                    "wall": median([r["wall"] for r in mine]),
                    "best": min(r["wall"] for r in mine),
                    "cpu": median([r["cpu"] for r in mine]),
                    "rc": max(r["rc"] for r in mine),
                }
            )
    return rows


def report(runs: list[dict], loads: tuple[str, str], repeats: int) -> str:
    rows = summarise(runs)
    variants = " ".join(f"--variant {k}={v}" for k, v in VARIANTS.items())
    command = f"--repeats {repeats}" + (f" {variants}" if variants else "")
    lines = [
        START,
        "",
        f"Reproduce: `.venv/bin/python benchmarks/publish.py {command}`. Load average "
        f"(1, 5, 15 min) at start / end: {loads[0]} / {loads[1]}; {os.cpu_count()} cores. "
        "Wall and CPU seconds are medians over the runs (the sequences take turns).",
        "",
        "| run | code | command | runs | wall s (median) | fastest s | CPU s (all processes) "
        "| exit | HTML | SVG | PNG |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['label']} | {r['variant'] or 'this commit'} | `{r['command']}` | {r['runs']} "
        f"| {r['wall']:.1f} | {r['best']:.1f} | {r['cpu']:.1f} | {r['rc']} "
        f"| {r['html']} | {r['svg']} | {r['png']} |"
        for r in rows
    ]
    lines += [""]
    for label, target in (
        ("cold, with PNGs", TARGET_S),
        ("republish, nothing changed", REPUBLISH_S),
        ("one group changed", GROUP_S),
    ):
        r = next((r for r in rows if r["label"] == label and r["variant"] is None), None)
        if r is not None:
            verdict = "met" if r["rc"] == 0 and r["wall"] <= target else "**missed**"
            lines.append(
                f"Target for {label}: at most {target:.0f} s: {r['wall']:.1f} s (median), "
                f"{verdict}."
            )
        for v in VARIANTS:
            old = next((x for x in rows if x["label"] == label and x["variant"] == v), None)
            if r is not None and old is not None and r["wall"] > 0:
                lines.append(
                    f"  Against {v}: {old['wall']:.1f} s, {old['wall'] / r['wall']:.1f}x faster."
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
    parser.add_argument("--repeats", type=int, default=2, help="sequences per variant")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL=SRC",
        help="also time the cscbench in SRC (another commit's src folder), taking turns",
    )
    args = parser.parse_args(argv)
    VARIANTS.update(v.split("=", 1) for v in args.variant)
    WORK.mkdir(parents=True, exist_ok=True)
    start_load = load()
    runs = []
    for _ in range(max(1, args.repeats)):
        for variant in [None, *VARIANTS]:
            runs += sequence(variant)
    text = report(runs, (start_load, load()), max(1, args.repeats))
    sys.stdout.write(text)
    if not args.no_write:
        write_block(Path(args.output), text, (START, END), "Publishing with charts")
    return 0 if all(r["rc"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
