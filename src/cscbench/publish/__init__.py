"""Publish the comparison tables: validate the package, build every page, swap the site in.

``publish_site`` is what ``cscbench publish`` runs. The package is validated first; on problems
nothing is written. Pages are built in memory, then written with their CSVs, the XLSX workbook,
Parquet copies of the resources and (when a Chromium is available) PNG images into a temporary
directory that replaces ``out`` only when everything succeeded. It prints nothing: it returns a
:class:`PublishResult` or raises a :mod:`cscbench.core.errors` type, and the CLI says what happened.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cscbench.analysis.groupsfile import Groups, check_groups, groups_files
from cscbench.core.choices import PNG_MODES
from cscbench.core.errors import InvalidPackageError, UsageError
from cscbench.core.paths import default_groups
from cscbench.package.reader import Package
from cscbench.package.reader import read as read_package
from cscbench.publish import (
    chart_render,
    charts,
    claims,
    compare_page,
    definitions,
    exports,
    freshness,
    groups,
    headline,
    history,
    incremental,
    indicator_pages,
    layout,
    local,
    navigation,
    png_export,
    profiles,
    regions,
    search,
    site,
    whatchanged,
    workbook,
)
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context, build_context
from cscbench.publish.index import index_html

if TYPE_CHECKING:
    from cscbench.extension import Extension

__all__ = [
    "DEFAULT_GROUPS",
    "PublishResult",
    "build_pages",
    "check_groups",
    "groups_files",
    "publish_site",
    "workbook_readme",
]

# The groups shipped with the package: the checkout's config/, or the copy inside the wheel.
DEFAULT_GROUPS = default_groups()
# Modules, not functions, so a test can replace one builder (monkeypatch ``regions.build``).
BUILDERS = (
    headline,
    history,
    claims,
    groups,
    regions,
    profiles,
    definitions,
    whatchanged,
    indicator_pages,
    compare_page,
)
NO_CHROMIUM = "no Chromium found (install chromium or set CHROME_PATH)"
# A republish from exactly the inputs the site was built from (freshness.py) rewrites nothing.
UP_TO_DATE = (
    "the site is up to date: it was published from exactly these inputs, so nothing was rewritten"
)


class Background:
    """A call run in a thread while the main thread goes on: the tables' PNG images, which wait
    on Chromium, while great-tables writes the pages' HTML. Leaving the ``with`` block waits for
    it (also when the main thread fails or is interrupted, so Chromium is always cleaned up) and
    raises its error, if any; ``result`` is its return value."""

    def __init__(self, call: Callable[..., Any], *args: Any, run: object = True) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self.work, args=(call, *args)) if run else None

    def work(self, call: Callable[..., Any], *args: Any) -> None:
        try:
            self.result = call(*args)
        except BaseException as exc:  # handed to the main thread, which raises it
            self.error = exc

    def __enter__(self) -> Background:
        if self.thread is not None:
            self.thread.start()
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        """Wait for the thread, even through Ctrl-C or SIGTERM (raised here by the signal
        handler): the site being built is removed only once nothing writes into it any more;
        the interruption is raised when the thread has finished."""
        interrupted: BaseException | None = None
        while self.thread is not None and self.thread.is_alive():
            try:
                self.thread.join()
            except BaseException as exc:  # an interruption while waiting: wait on, then raise it
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted
        if self.error is not None and kind is None:
            raise self.error


@dataclass(frozen=True)
class PublishResult:
    """What one publish run wrote, and what the user should know about it (``notes``: PNG images
    skipped or failed)."""

    out: Path
    pages: int
    tables: int
    pngs: int
    seconds: float
    notes: tuple[str, ...] = ()


def builder_name(module: object) -> str:
    """A builder's name (its module's last part): what its content key and record are under."""
    return str(getattr(module, "__name__", "")).rpartition(".")[2]


def build_pages(ctx: Context) -> list[fmt.Page]:
    """Every page, with its breadcrumbs and data releases (:func:`navigation.decorate`)."""
    return [page for pages in build_each(ctx).values() for page in pages]


def units(ctx: Context) -> list[tuple[str, Callable[[Context], list[fmt.Page]]]]:
    """What a publish builds, by name, in builder order: each builder's pages, but the group
    pages one unit per group (``groups/<slug>``, keyed on that group's entry alone: a changed
    group rebuilds its own page only, :mod:`incremental`)."""
    out: list[tuple[str, Callable[[Context], list[fmt.Page]]]] = []
    for module in BUILDERS:
        if module is groups:
            out += [
                (incremental.group_unit(group), functools.partial(groups.build_group, group=group))
                for group in ctx.groups.pages
            ]
        else:
            out.append((builder_name(module), module.build))
    return out


def build_each(ctx: Context, kept: Collection[str] = ()) -> dict[str, list[fmt.Page]]:
    """Each unit's pages (decorated, see :func:`build_pages`) by its name (:func:`units`), in
    builder order; the units named in ``kept`` are not built (their pages are kept from the
    previous site)."""
    return {
        name: navigation.decorate(ctx, build(ctx)) for name, build in units(ctx) if name not in kept
    }


def _by_builder(
    built: dict[str, list[fmt.Page]], pages: Sequence[fmt.Page]
) -> dict[str, list[fmt.Page]]:
    """``pages`` (the built pages, in builder order, as finished) split back by unit."""
    out, start = {}, 0
    for name, each in built.items():
        out[name] = list(pages[start : start + len(each)])
        start += len(each)
    return out


def _in_builder_order(
    ctx: Context, built: dict[str, list[fmt.Page]], kept: dict[str, Any], pages: Sequence[fmt.Page]
) -> list[fmt.Page]:
    """Every page of the site, built or kept, in builder order (as a cold build lists them)."""
    finished = _by_builder(built, pages)
    out: list[fmt.Page] = []
    for name, _ in units(ctx):
        out += incremental.pages_from(kept[name]) if name in kept else finished.get(name, [])
    return out


def _sheets_in_builder_order(
    ctx: Context, built: dict[str, list[fmt.Page]], kept: dict[str, Any], pages: Sequence[fmt.Page]
) -> list[fmt.Table]:
    """The workbook's tables, built or kept (their recorded data), in builder order (as a cold
    build writes them)."""
    finished = _by_builder(built, pages)
    out: list[fmt.Table] = []
    for name, _ in units(ctx):
        if name in kept:
            out += incremental.sheets_from(kept[name])
        else:
            out += incremental.sheets(finished.get(name, []))
    return out


def _chromium(png: str) -> tuple[str | None, list[str]]:
    """The Chromium to use (or None) and a note when ``png="auto"`` finds none."""
    if png == "no":
        return None, []
    binary = png_export.find_chromium()
    if binary is None and png == "yes":
        raise UsageError(f"--png yes but {NO_CHROMIUM}")
    if binary is None:
        return None, [f"PNG images skipped: {NO_CHROMIUM}"]
    return binary, []


def workbook_readme(ctx: Context) -> list[str]:
    """The workbook's README sheet: what the sheets hold and why some cells start with '."""
    return [
        "cscbench published tables",
        f"Data package version {ctx.version}.",
        fmt.OGL,
        "One sheet per table: the headline comparison, the claims tables (comparable, and for "
        "context), each comparison group and each region; then the profiles of every current "
        "council as two sheets with one column per council (England and the regions first): "
        "'profiles' holds each indicator's latest figure, 'profile ranks' each council's rank "
        "and band. A council's profile is its column; the full profile of each council, with "
        "neighbour means and medians, is the CSV beside its web page.",
        "Numbers are at each indicator's decimals, as the pages show them; the data package "
        "(and site/data/parquet) keeps the published values exactly.",
        "A cell with a publisher's symbol (c, x, z, [x]...) has no published figure. A cell with "
        "a comment holds a flagged figure: published as is, but left out of ranks, bands and "
        "neighbour means and medians; the comment says why.",
        "Text cells that start with =, +, - or @ have a leading apostrophe (OWASP CSV-injection "
        "guidance) so they are never run as formulas; the data package keeps the text exactly.",
    ]


def write_data_files(
    root: Path, ctx: Context, pages: list[fmt.Page], sheets: Sequence[fmt.Table] | None = None
) -> list[str]:
    """What needs no chart (the compare page's scripts, the workbook, the Parquet copies), so
    publish writes it while the chart workers are still drawing (the pages are written after,
    with their charts: ``site.write_pages``); returns the Parquet files' names. ``sheets``: the
    workbook's tables (default: the pages' tables that have a sheet; a publish that keeps some
    builders' pages gives theirs too)."""
    compare_page.write(root, ctx)
    exports.write_workbook(
        root / exports.WORKBOOK,
        incremental.sheets(pages) if sheets is None else sheets,
        workbook_readme(ctx),
        workbook.profile_sheets(ctx),
    )
    return exports.write_parquet(root, ctx.frames)


def read_extensions(package: Package, given: Sequence[Extension | Path]) -> list[Extension]:
    """Each ``--extension`` read and checked against the package (:func:`read_extension`; one
    already read, as the CLI does before loading the publishing libraries, is kept): a bad
    return raises its located :class:`~cscbench.core.errors.InvalidInputError` here, before the
    package is validated and before anything is written."""
    if not given:
        return []
    from cscbench.extension import Extension, read_extension

    return [e if isinstance(e, Extension) else read_extension(e, package) for e in given]


def publish_site(
    descriptor: Path | Package,
    out: Path,
    png: str = "auto",
    groups_path: Path | Sequence[Path] | Groups | None = None,
    extensions: Sequence[Extension | Path] = (),
) -> PublishResult:
    """Validate, build and publish.

    ``groups_path``: the groups files to read, in order (default: the shipped
    ``config/groups.toml``; :func:`groups_files` adds or replaces as ``--groups`` does), checked
    before the package is validated; or groups already checked (:func:`check_groups`, as the CLI
    does before importing this module).

    ``extensions``: extension packages (folders, or extensions already read) whose local figures the
    profiles, group pages and compare page show apart from the official ones (:mod:`local`);
    each is read and checked first, so a bad return fails before anything else is done.

    Raises :class:`~cscbench.core.errors.UsageError` (bad ``png``, missing descriptor, an ``out`` that is
    not a site, PNG export asked for without a Chromium, a groups file that is not a file) or
    :class:`~cscbench.core.errors.InvalidInputError` (the package is invalid, a bad groups file); in
    every failure the previous site is left exactly as it was.
    """
    from cscbench.validate.run import validate_package

    started = time.perf_counter()
    if png not in PNG_MODES:
        raise UsageError(f"--png must be one of {PNG_MODES}")
    out = Path(out).resolve()
    path = descriptor.path if isinstance(descriptor, Package) else Path(descriptor)
    if not path.exists():
        raise UsageError(f"{path} not found")
    # the descriptor parsed once here; each CSV read once (validation keeps what it read)
    package = descriptor if isinstance(descriptor, Package) else read_package(path)
    chosen = groups_files() if groups_path is None else groups_path
    if isinstance(chosen, Groups):
        groups, paths = chosen, []
    else:
        paths = [Path(chosen)] if isinstance(chosen, Path | str) else [Path(p) for p in chosen]
        groups = check_groups(package, paths)
    extended = read_extensions(package, extensions)
    binary, notes = _chromium(png)
    base = freshness.base_key(package, png, binary, extended)
    key = freshness.site_key(base, groups)
    done_before = site.already_published(out, key) if (out / site.MARKER).is_file() else None
    if done_before is not None:  # published from exactly these inputs: nothing to rebuild
        return PublishResult(
            out,
            int(done_before.get("pages", 0)),
            int(done_before.get("tables", 0)),
            int(done_before.get("pngs", 0)),
            time.perf_counter() - started,
            (UP_TO_DATE,),
        )
    report = validate_package(package)
    if not report.valid:
        raise InvalidPackageError(
            "the package is invalid; nothing was published and the previous site is untouched",
            report,
        )
    site.check_target(out)
    ctx = build_context(package, groups if groups is not None else paths)
    want_png = png != "no"
    previous = out if (out / site.MARKER).is_file() else None
    keys = incremental.builder_keys(base, ctx.groups, [name for name, _ in units(ctx)])
    with site.staging(out) as tmp:
        # builders whose pages the previous site holds as this build would write them
        kept = incremental.reusable(
            previous, freshness.recorded_builders(previous) if previous else None, keys
        )
        incremental.copy_files(out, tmp, kept)
        # the charts render in worker processes while this one builds and writes the pages
        early_charts = headline.planned_charts(ctx) if "headline" not in kept else {}
        planned = charts.plan(ctx, early_charts, profiles="profiles" not in kept)
        with chart_render.Rendering(planned, want_png, previous) as early:
            built = build_each(ctx, kept)
            returns = local.returns(ctx, extended)
            # one page for one, in order: _by_builder splits them back by builder
            pages = local.decorate(ctx, [page for each in built.values() for page in each], returns)
            tables = [t for p in pages for t in p.tables]
            drawn = [c for p in pages for c in p.charts]
            shown = {c.stem for c in drawn} & early.charts.keys()
            needed = 2 * len(shown) >= len(early.charts)
            if not needed:  # the pages show few of them (a builder left the profiles out)
                early.close()
            late = [c for c in drawn if not needed or c.stem not in early.charts]
            # the imaged tables' HTML first, used for their images and their pages alike
            done: dict[int, str] = {}
            wanted = [layout.rendered(t, done) for t in tables if t.png]
            with (
                chart_render.Rendering(late, want_png, previous) as rest,
                Background(
                    png_export.render_pngs, tmp, wanted, binary, png == "yes", run=binary
                ) as shots,
            ):
                pages = layout.prerender(pages, done)
                # while the chart workers (the critical path of a cold build) are still drawing
                sheets = _sheets_in_builder_order(ctx, built, kept, pages)
                parquet = write_data_files(tmp, ctx, pages, sheets)
                rendered = {**(early.collect() if needed else {}), **rest.collect()}
        pngs, failed = shots.result if binary else (set(), [])
        pages = chart_render.with_svgs(pages, rendered)
        chart_pngs = chart_render.write_files(tmp, drawn, rendered)
        site.write_pages(tmp, pages, ctx.version, pngs)
        local.write(tmp, returns)
        every = _in_builder_order(ctx, built, kept, pages)
        shown_pngs = pngs | incremental.kept_pngs(kept)
        index = index_html(ctx, every, shown_pngs, exports.WORKBOOK, parquet)
        (tmp / "index.html").write_text(index, encoding="utf-8", newline="\n")
        search.write(tmp, ctx, every)
        images = len(pngs) + chart_pngs + sum(r["images"] for r in kept.values())
        all_tables = [t for p in every for t in p.tables]
        summary = {"pages": len(every), "tables": len(all_tables), "pngs": images}
        records = incremental.records(tmp, keys, _by_builder(built, pages), kept, pngs)
        freshness.record(tmp, key, summary, records)  # last: a site without it is rebuilt
    seconds = time.perf_counter() - started
    return PublishResult(out, len(every), len(all_tables), images, seconds, (*notes, *failed))
