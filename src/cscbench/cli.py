"""Command line: ``cscbench ingest | validate | publish``.

Exit codes: 0 success (package valid), 1 the package or an input is invalid, 2 usage error
(bad arguments, missing files the user named).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from cscbench import __version__
from cscbench.paths import ROOT, default_package, raw_dir

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cscbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cscbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="rebuild the package from the raw publisher files")
    ingest.add_argument(
        "--raw-dir", help="raw folder (default: $CSCBENCH_RAW_DIR, else ../shared/data/raw)"
    )
    ingest.add_argument(
        "--out", default=str(ROOT), help="where datapackage.json and datapackage/ go"
    )
    ingest.add_argument(
        "--accept-new-raw", action="store_true", help="accept raw files whose sha256 changed"
    )

    validate = sub.add_parser("validate", help="validate a data package")
    validate.add_argument(
        "path", nargs="?", default=str(default_package()), help="datapackage.json or its folder"
    )
    validate.add_argument(
        "--engine", choices=["cscbench", "frictionless", "both"], default="cscbench"
    )
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.add_argument(
        "--max-examples", type=int, default=5, help="examples shown per check and resource"
    )

    publish = sub.add_parser("publish", help="validate, then publish the comparison tables")
    publish.add_argument("--package", default=str(default_package()))
    publish.add_argument("--out", default=str(ROOT / "site"))
    publish.add_argument(
        "--png", choices=["auto", "yes", "no"], default="auto", help="PNG export (needs Chromium)"
    )
    return parser


def _descriptor(path: str) -> Path:
    p = Path(path)
    return p / "datapackage.json" if p.is_dir() else p


def cmd_validate(args: argparse.Namespace) -> int:
    from cscbench.validate import validate_package

    descriptor = _descriptor(args.path)
    if not descriptor.exists():
        print(f"cscbench validate: {descriptor} not found", file=sys.stderr)
        return EXIT_USAGE
    report = validate_package(descriptor, engine=args.engine)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "valid": report.valid,
                    "rows": report.resources,
                    "problems": [p.to_dict() for p in report.problems],
                },
                indent=2,
            )
        )
    else:
        print(render_text(report, args.max_examples))
    return EXIT_OK if report.valid else EXIT_INVALID


def render_text(report: object, max_examples: int) -> str:
    """Problems grouped by check and resource: the first few examples, then a count."""
    from cscbench.validate import Report

    assert isinstance(report, Report)
    if report.valid:
        rows = ", ".join(f"{k} {v:,}" for k, v in report.resources.items())
        return f"valid: {rows}"
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for p in report.problems:
        groups[(p.check_id, p.resource)].append(p)
    lines = [f"invalid: {len(report.problems)} problem(s) in {len(groups)} group(s)"]
    for (check_id, resource), items in groups.items():
        lines.append(f"\n[{check_id}] {resource}: {len(items)} problem(s). {items[0].guidance}")
        lines += [
            f"  - {p.message}" + (f" ({p.engine})" if p.engine != "cscbench" else "")
            for p in items[:max_examples]
        ]
        if len(items) > max_examples:
            lines.append(f"  ... and {len(items) - max_examples} more")
    return "\n".join(lines)


def cmd_ingest(args: argparse.Namespace) -> int:
    from cscbench import ingest
    from cscbench.ingest.common import RawInputError
    from cscbench.package import DATA_DIR, SCHEMA_DIR, write_package

    raw = raw_dir(args.raw_dir)
    out = Path(args.out).resolve()
    try:
        ingest.verify_checksums(raw, out / DATA_DIR / "sources.csv", accept_new=args.accept_new_raw)
        frames = ingest.build(raw)
        descriptor = write_package(frames, out, ROOT / SCHEMA_DIR)
    except (RawInputError, ValueError) as exc:
        print(f"cscbench ingest: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {descriptor}: " + ", ".join(f"{k} {v.height:,}" for k, v in frames.items()))
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    try:
        from cscbench.publish import publish_site
    except ModuleNotFoundError:
        print("cscbench publish: the publish module is not available yet", file=sys.stderr)
        return EXIT_USAGE
    return publish_site(_descriptor(args.package), Path(args.out), png=args.png)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"ingest": cmd_ingest, "validate": cmd_validate, "publish": cmd_publish}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
