"""Installed size of cscbench: the core (``pip install cscbench``) and each extra.

    .venv/bin/python benchmarks/install_size.py            # core, [validate], [publish], [release], [all]
    .venv/bin/python benchmarks/install_size.py core all   # just these

Builds the wheel from this checkout, then for each variant creates a fresh virtual environment in a
temporary folder, installs the wheel with the locked versions (``-c requirements.lock``) and
measures ``du -sk`` of its site-packages, minus an empty venv's (pip itself). Prints a Markdown
table for docs/analysts.md. Needs the package index (or pip's cache) for the dependencies.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "core": "",
    "validate": "[validate]",
    "publish": "[publish]",
    "release": "[release]",
    "all": "[all]",
}


def run(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def build_wheel(out: Path) -> Path:
    """sdist, then the wheel from it (as a release would), leaving no build/ in the checkout."""
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)])
    return next(out.glob("cscbench-*.whl"))


def site_packages_kib(venv: Path) -> int:
    (site,) = venv.glob("lib/python*/site-packages")
    return int(run(["du", "-sk", str(site)]).split()[0])


def fresh_venv(path: Path) -> Path:
    run([sys.executable, "-m", "venv", str(path)])
    return path / "bin" / "python"


def installed_kib(work: Path, wheel: Path, extra: str, baseline: int) -> tuple[int, int]:
    """KiB that the install adds to a fresh venv, and how many distributions it brings."""
    python = fresh_venv(work / (extra.strip("[]") or "core"))
    lock = str(ROOT / "requirements.lock")
    run([str(python), "-m", "pip", "install", "-q", "-c", lock, f"{wheel}{extra}"])
    count = len(run([str(python), "-m", "pip", "list", "--format=freeze"]).splitlines())
    return site_packages_kib(python.parents[1]) - baseline, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help=f"any of {', '.join(VARIANTS)} (default: all)")
    args = parser.parse_args()
    unknown = sorted(set(args.variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    with tempfile.TemporaryDirectory(prefix="cscbench-size-") as tmp:
        work = Path(tmp)
        wheel = build_wheel(work / "dist")
        empty = fresh_venv(work / "empty")
        baseline = site_packages_kib(empty.parents[1])
        base_count = len(run([str(empty), "-m", "pip", "list", "--format=freeze"]).splitlines())
        print(f"wheel {wheel.name}: {wheel.stat().st_size / 2**20:.1f} MiB")
        print("| install | adds to a fresh venv | distributions |")
        print("|---|---|---|")
        for name in args.variants or VARIANTS:
            extra = VARIANTS[name]
            kib, count = installed_kib(work, wheel, extra, baseline)
            print(
                f"| `pip install 'cscbench{extra}'` | {kib / 1024:.0f} MiB | {count - base_count} |"
            )


if __name__ == "__main__":
    main()
