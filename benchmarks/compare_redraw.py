"""Benchmark: the compare page's redraw of 10 councils in Chromium, and building the new pages.

    .venv/bin/python benchmarks/compare_redraw.py             # rewrites its block in BENCHMARKS.md
    .venv/bin/python benchmarks/compare_redraw.py --no-write  # print only
    .venv/bin/python benchmarks/compare_redraw.py --site PATH # a site already published

Issue 18's target: ``compare.html`` redraws 10 councils in under 200 ms in Chromium. The site is
published (``--png no``) unless ``--site`` names one; Debian's Chromium opens ``compare.html``
from disk through its chromedriver (offline) with 10 councils in the address, then the page's own
redraw (``window.cscbenchCompare.draw``: every headline indicator's table and trend lines, built
and put in the page) is timed with ``performance.now()`` around it, including the layout it
forces (``offsetHeight``), ``RUNS`` times. The first redraw after a change of address
(``hashchange``) is timed the same way. Building the new pages (the indicator pages, the compare
page's data, the search index) is timed in this process from a loaded context. This is a script,
not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from publish import load, write_block  # this folder's publish benchmark (run as a script)

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
CSCBENCH = str(Path(sys.executable).parent / "cscbench")
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
RUNS = 30
COUNCILS = 10
TARGET_MS = 200.0
START = "<!-- compare-redraw:start (written by benchmarks/compare_redraw.py) -->"
END = "<!-- compare-redraw:end -->"
TIMED = """
var t0 = performance.now();
window.cscbenchCompare.draw();
document.body.offsetHeight;
return performance.now() - t0;
"""
HASH_TIMED = """
var done = arguments[arguments.length - 1], t0 = performance.now();
window.addEventListener('hashchange', function () {
  document.body.offsetHeight;
  done(performance.now() - t0);
}, {once: true});
location.hash = arguments[0];
"""


def publish(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [CSCBENCH, "publish", "--package", "datapackage.json", "--out", str(out), "--png", "no"]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)


def browser():
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def redraws(site: Path) -> dict:
    """Redraw times in ms (every run) and the first redraw after an address change."""
    driver = browser()
    try:
        driver.set_window_size(1280, 900)
        driver.get((site / "compare.html").as_uri())
        codes = driver.execute_script(
            f"return window.CSCBENCH_COMPARE.councils.slice(0, {COUNCILS}).map(c => c[0])"
        )
        hashed = driver.execute_async_script(HASH_TIMED, "#" + ",".join(codes))
        rows = driver.execute_script(
            "return document.querySelectorAll('.compare-table tbody tr').length"
        )
        times = [driver.execute_script(TIMED) for _ in range(RUNS)]
        version = driver.capabilities.get("browserVersion", "?")
    finally:
        driver.quit()
    return {"codes": codes, "rows": rows, "times": times, "hash": hashed, "chromium": version}


def building() -> dict[str, float]:
    """Seconds to build the new pages from a loaded context, stage by stage (best of 3)."""
    from cscbench.core.paths import default_groups
    from cscbench.publish import compare_page, indicator_pages, layout, search
    from cscbench.publish.context import build_context

    ctx = build_context(ROOT / "datapackage.json", default_groups())
    pages = indicator_pages.build(ctx)
    stages = {
        f"indicator pages ({len(pages)}: rows and tables' HTML)": lambda: indicator_pages.build(
            ctx
        ),
        "compare-data.js": lambda: compare_page.data_script(ctx),
        "search-index.js (over the indicator pages)": lambda: search.index_script(
            search.entries(ctx, pages)
        ),
    }
    stages["indicator pages' documents (layout)"] = lambda: [
        layout.page_html(p, 1, "x") for p in pages
    ]
    out = {}
    for name, call in stages.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
        out[name] = best
    return out


def report(result: dict, stages: dict[str, float], loads: tuple[str, str]) -> str:
    times = result["times"]
    median, worst = statistics.median(times), max(times)
    verdict = "met" if median < TARGET_MS else "**missed**"
    lines = [
        START,
        "",
        "Reproduce: `.venv/bin/python benchmarks/compare_redraw.py`. Load average (1, 5, 15 min) at "
        f"start / end: {loads[0]} / {loads[1]}; {os.cpu_count()} cores; Chromium "
        f"{result['chromium']} (headless, from disk).",
        "",
        f"Redraw of {len(result['codes'])} councils ({result['rows']} table rows, each with its "
        f"trend line), {len(times)} runs: median {median:.1f} ms, fastest {min(times):.1f} ms, "
        f"slowest {worst:.1f} ms; the first redraw after the address changed: "
        f"{result['hash']:.1f} ms. Target under {TARGET_MS:.0f} ms (the median): {verdict}.",
        "",
        "| building the new pages (best of 3, one process) | s |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in stages.items()]
    lines += ["", END]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--site", help="a published site (default: publish one)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    start_load = load()
    site = Path(args.site) if args.site else WORK / "site_compare"
    if not args.site:
        WORK.mkdir(parents=True, exist_ok=True)
        publish(site)
    text = report(redraws(site.resolve()), building(), (start_load, load()))
    sys.stdout.write(text)
    if not args.no_write:
        write_block(Path(args.output), text, (START, END), "The compare page's redraw")
    return 0


if __name__ == "__main__":
    sys.exit(main())
