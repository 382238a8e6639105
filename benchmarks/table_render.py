"""Benchmark: building and rendering real tables of the site, with and without publish/gtspeed.

    .venv/bin/python benchmarks/table_render.py
    .venv/bin/python benchmarks/table_render.py --profiles 20 --repeats 5
    .venv/bin/python benchmarks/table_render.py --before /tmp/before/src/cscbench/publish/gtspeed.py

Builds the pages of the first ``--profiles`` council profiles, the headline and the groups (the
tables with the most footnotes and band colours), then times, in this one process and taking
turns, in CPU seconds (median of ``--repeats``):

* building each table's ``GT`` (``base_gt``): great-tables' own empty body against gtspeed's;
* rendering every table to HTML: great-tables alone (``as_raw_html``), another commit's gtspeed
  (``--before``, a path to its ``gtspeed.py``), and this checkout's.

Every way must give the same bytes as great-tables alone, or the script stops. Prints only: the
publish as a whole is measured by ``benchmarks/publish.py``. The load average is printed, since
the machine's cores are shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from great_tables import GT

from cscbench.analysis.groupsfile import check_groups, groups_files
from cscbench.core.paths import ROOT
from cscbench.publish import groups, gtspeed, headline, profiles
from cscbench.publish.context import build_context


def real_tables(count: int) -> list[GT]:
    """The great-tables objects of ``count`` profiles, the headline and the groups' pages."""
    descriptor = ROOT / "datapackage.json"
    ctx = build_context(Path(descriptor), check_groups(descriptor, groups_files()))
    rows = profiles.profile_rows(ctx)
    codes = rows["unit_code"].unique(maintain_order=True).to_list()[:count]
    pages = [profiles.profile_page(ctx, c, rows.filter(pl.col("unit_code") == c)) for c in codes]
    pages += headline.build(ctx) + groups.build(ctx)
    return [t.gt for p in pages for t in (*p.tables, *p.shown) if t.gt is not None]


def cpu(work: Callable[[], object], repeats: int) -> float:
    """Median CPU seconds of ``work`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times)


def rebuild(table: GT) -> GT:
    """A new GT over the same frame, stub and groups, as ``base_gt`` makes one."""
    stub = table._boxhead._get_stub_column()
    group = table._boxhead._get_row_group_column()
    return GT(
        table._tbl_data,
        rowname_col=stub.var if stub is not None else None,
        groupname_col=group.var if group is not None else None,
        id=table._options.table_id.value,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10, help="council profiles to build")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", help="another commit's publish/gtspeed.py, to compare")
    args = parser.parse_args(argv)

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    tables = real_tables(args.profiles)
    rows = sum(t._tbl_data.height for t in tables)
    ways: dict[str, Callable[[Any], str]] = {"great-tables alone": lambda t: t.as_raw_html()}
    if args.before:
        spec = importlib.util.spec_from_file_location("gtspeed_before", args.before)
        if spec is None or spec.loader is None:
            parser.error(f"--before {args.before}: not a Python file")
        before = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(before)
        ways["--before gtspeed"] = before.html
    ways["this checkout's gtspeed"] = gtspeed.html
    stock = [t.as_raw_html() for t in tables]
    for name, render in ways.items():
        if [render(t) for t in tables] != stock:
            raise SystemExit(f"{name}: not the same bytes as great-tables alone")

    def build_fast() -> None:
        with gtspeed.active():
            for t in tables:
                rebuild(t)

    print(f"{len(tables)} tables, {rows} rows; CPU seconds, median of {args.repeats}:")
    print(
        f"  build, great-tables' empty body: {cpu(lambda: [rebuild(t) for t in tables], args.repeats):.3f}"
    )
    print(f"  build, gtspeed's empty body:     {cpu(build_fast, args.repeats):.3f}")
    for name, render in ways.items():
        seconds = cpu(lambda render=render: [render(t) for t in tables], args.repeats)
        print(f"  render, {name}: {seconds:.3f}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
