"""Publish the comparison tables: validate the package, build every page, swap the site in.

``publish_site`` is what ``cscbench publish`` runs. The package is validated first; on problems
nothing is written. Pages are built in memory, then written with their CSVs, the XLSX workbook,
Parquet copies of the resources and (when a Chromium is available) PNG images into a temporary
directory that replaces ``out`` only when everything succeeded.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cscbench.paths import default_groups
from cscbench.publish import claims, groups, headline, history, profiles, regions, site
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context, build_context
from cscbench.publish.groups import GroupConfigError
from cscbench.publish.index import index_html

__all__ = ["DEFAULT_GROUPS", "build_pages", "publish_site"]

# The groups shipped with the package: the checkout's config/, or the copy inside the wheel.
DEFAULT_GROUPS = default_groups()
PNG_MODES = ("auto", "yes", "no")
# Modules, not functions, so a test can replace one builder (monkeypatch ``regions.build``).
BUILDERS = (headline, history, claims, groups, regions, profiles)
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def build_pages(ctx: Context) -> list[fmt.Page]:
    return [page for module in BUILDERS for page in module.build(ctx)]


def _say(message: str) -> None:
    print(f"cscbench publish: {message}", file=sys.stderr)


def _chromium(png: str) -> tuple[str | None, int | None]:
    """The Chromium to use (or None) and an exit code if ``png="yes"`` cannot be honoured."""
    if png == "no":
        return None, None
    binary = site.find_chromium()
    if binary is None and png == "yes":
        _say("--png yes but no Chromium found (install chromium or set CHROME_PATH)")
        return None, EXIT_USAGE
    if binary is None:
        _say("PNG images skipped: no Chromium found (install chromium or set CHROME_PATH)")
    return binary, None


def _readme(ctx: Context) -> list[str]:
    return [
        "cscbench published tables",
        f"Data package version {ctx.version}.",
        fmt.OGL,
        "One sheet per table: the headline comparison, the claims table, each comparison group "
        "and each region. Numbers are unrounded; the web pages show them rounded.",
        "Text cells that start with =, +, - or @ have a leading apostrophe (OWASP CSV-injection "
        "guidance) so they are never run as formulas; the data package keeps the text exactly.",
    ]


def publish_site(
    descriptor: Path, out: Path, png: str = "auto", groups_path: Path | None = None
) -> int:
    """Validate, build and publish; returns the exit code (0 ok, 1 invalid input, 2 usage)."""
    from cscbench.cli import render_text
    from cscbench.validate import validate_package

    started = time.perf_counter()
    if png not in PNG_MODES:
        _say(f"--png must be one of {PNG_MODES}")
        return EXIT_USAGE
    descriptor, out = Path(descriptor), Path(out).resolve()
    if not descriptor.exists():
        _say(f"{descriptor} not found")
        return EXIT_USAGE
    report = validate_package(descriptor)
    if not report.valid:
        print(render_text(report, 5), file=sys.stderr)
        _say("the package is invalid; nothing was published and the previous site is untouched")
        return EXIT_INVALID
    binary, failed = _chromium(png)
    if failed is not None:
        return failed
    try:
        site.check_target(out)
        ctx = build_context(descriptor, groups_path or DEFAULT_GROUPS)
        pages = build_pages(ctx)
    except (site.SiteError, GroupConfigError) as exc:
        _say(str(exc))
        return EXIT_USAGE if isinstance(exc, site.SiteError) else EXIT_INVALID
    tables = [t for p in pages for t in p.tables]
    with site.staging(out) as tmp:
        wanted = [t for t in tables if t.png]
        pngs = site.render_pngs(tmp, wanted, binary, strict=png == "yes") if binary else set()
        site.write_pages(tmp, pages, ctx.version, pngs)
        site.write_workbook(tmp / site.WORKBOOK, [t for t in tables if t.sheet], _readme(ctx))
        parquet = site.write_parquet(tmp, ctx.frames)
        index = index_html(ctx, pages, pngs, site.WORKBOOK, parquet)
        (tmp / "index.html").write_text(index, encoding="utf-8", newline="\n")
    seconds = time.perf_counter() - started
    print(
        f"published {len(pages)} pages, {len(tables)} tables, {len(pngs)} PNG images to {out} "
        f"in {seconds:.1f} s (open {out / 'index.html'})"
    )
    return EXIT_OK
