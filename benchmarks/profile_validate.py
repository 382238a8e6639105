"""Where ``cscbench validate`` spends its time: phases, and every pandera check on every column.

    .venv/bin/python benchmarks/profile_validate.py benchmarks/_work/obs_1000000/datapackage.json

Imports whatever ``cscbench`` is first on ``sys.path`` (set ``PYTHONPATH`` to a scratch copy to try a
change without touching ``src/``). Wraps the phases and pandera's check backend with timers; the
remaining pandera time (schema building, dtype checks, bookkeeping) is reported as overhead.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

T0 = time.perf_counter()


def main(descriptor: str, top: int = 25) -> int:
    import polars as pl

    t_polars = time.perf_counter()
    import cscbench.validate.run as v

    t_import = time.perf_counter()
    pandera_at_import = "pandera" in sys.modules
    from pandera.backends.polars.checks import PolarsCheckBackend  # after timing the import

    phases: dict[str, float] = defaultdict(float)
    checks: dict[tuple[str, str, str], float] = defaultdict(float)
    current = {"resource": "?"}

    def timed(module, name: str, label: str) -> None:
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] += time.perf_counter() - start

        setattr(module, name, wrapper)

    original_call = PolarsCheckBackend.__call__

    def call(self, check_obj, key=None):
        start = time.perf_counter()
        try:
            return original_call(self, check_obj, key)
        finally:
            checks[(current["resource"], key or "*", self.check.name or "?")] += (
                time.perf_counter() - start
            )

    PolarsCheckBackend.__call__ = call
    original_frame = v.validate_frame

    def validate_frame(resource, *args, **kwargs):
        current["resource"] = resource
        start = time.perf_counter()
        try:
            return original_frame(resource, *args, **kwargs)
        finally:
            phases[f"validate_frame {resource}"] += time.perf_counter() - start

    v.validate_frame = validate_frame
    schema = sys.modules["cscbench.package.schema"]
    if hasattr(schema, "failing_checks"):  # the one-pass proposal
        timed(schema, "failing_checks", "one pass over every check (failing_checks)")
    csvfile = sys.modules.get("cscbench.package.csvfile")
    if csvfile is not None:
        timed(csvfile, "_read_frame", "read: pl.read_csv")
        timed(csvfile, "record_problems", "read: field counts per line")
    else:
        timed(v, "read_text_frame", "read: pl.read_csv + file checks")
    start = time.perf_counter()
    report = v.validate_package(Path(descriptor))
    total = time.perf_counter() - start
    print(f"valid={report.valid} rows={report.resources}")
    print(f"import polars            {t_polars - T0:7.3f} s")
    print(
        f"import cscbench.validate.run {t_import - t_polars:7.3f} s"
        f" (pandera imported: {'yes' if pandera_at_import else 'no'})"
    )
    print(f"validate_package         {total:7.3f} s")
    for label, secs in sorted(phases.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<40} {secs:7.3f} s")
    by_resource: dict[str, float] = defaultdict(float)
    for (resource, _, _), secs in checks.items():
        by_resource[resource] += secs
    for resource, secs in by_resource.items():
        overhead = phases.get(f"validate_frame {resource}", 0.0) - secs
        print(f"  {resource:<20} checks {secs:7.3f} s, pandera overhead {overhead:7.3f} s")
    print(f"top {top} checks:")
    for (resource, column, name), secs in sorted(checks.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {secs:7.3f} s  {resource}.{column}  {name}")
    print(f"{len(checks)} checks in all, {sum(checks.values()):.3f} s; polars {pl.__version__}")
    if hasattr(schema, "verdicts"):
        one_pass_parts(v, schema, Path(descriptor))
    return 0


def one_pass_parts(v, schema, descriptor: Path, repeats: int = 3) -> None:
    """The fast pass of the largest resource, each check's part timed alone (best of
    ``repeats``): a proof, a per-value rule (on its column's distinct values) or a row rule."""
    import polars as pl

    from cscbench.package import limits
    from cscbench.package.descriptor import plan

    checked = plan(descriptor.resolve(), False, limits.from_env())
    frames = {e.name: pl.read_csv(e.path, infer_schema=False) for e in checked.entries}
    entry = max(checked.entries, key=lambda e: frames[e.name].height)
    rules = v.rules_for(entry.name, frames, entry.schema)
    checks = schema.schema_checks(entry.name, entry.schema, frames, rules)
    print(f"one pass over {entry.name}, each part alone (best of {repeats}):")
    for column, column_checks in checks.items():
        for chk in column_checks:
            kind = "proof" if chk.proof else ("per value" if chk.per_value else "rows")
            best = min(
                timed_once(
                    lambda c=column, k=chk: schema.verdicts([(c, k)], frames[entry.name], True)
                )
                for _ in range(repeats)
            )
            print(f"  {best:7.3f} s  {column:<16} {chk.check_id:<24} {kind}")


def timed_once(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
