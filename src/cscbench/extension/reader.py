"""Read and validate a partnership's extension against the cscbench release it extends.

Validation runs in two steps. First the extension as a data package in its own right, through
the same boundary and engines as the main package (:func:`cscbench.validate.run.validate_package`:
descriptor plan, hostile-input CSV reader, cscbench's checks and, if asked, frictionless). Then,
once its files are sound, the checks that reach into cscbench (:mod:`cscbench.extension.rules`):
they need typed frames, which a file with format problems cannot give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.analysis.loader import load
from cscbench.core.errors import InvalidInputError, UsageError
from cscbench.core.paths import default_package
from cscbench.core.series import as_text
from cscbench.extension import rules
from cscbench.extension.format import (
    INDICATORS,
    KEY,
    OBSERVATIONS,
    REQUIRED,
    satisfies,
)
from cscbench.package import descriptor as desc
from cscbench.package import limits
from cscbench.package.reader import Package
from cscbench.package.schema import polars_dtypes
from cscbench.package.unpack import open_any
from cscbench.release import semver
from cscbench.validate.report import (
    DEFAULT_LIMIT,
    ENGINE,
    MAX_LIMIT,
    Problem,
    Report,
    Tally,
    in_report_order,
)

FILE = "datapackage.json"


@dataclass(frozen=True)
class Extension:
    """A validated extension: its identity and its figures, typed."""

    root: Path  # the extension folder
    name: str  # descriptor "name", e.g. "demo-partnership"
    title: str  # descriptor "title"
    version: str  # the extension's own version
    partnership: str  # who collected it: descriptor["cscbench"]["partnership"]
    extends: str  # compatible cscbench release range: descriptor["cscbench"]["extends"]
    observations: pl.DataFrame  # local_observations, typed, with council_code after area_code
    indicators: pl.DataFrame  # local_indicators, typed (empty with its columns if absent)
    notes: tuple[str, ...] = field(default=())  # superseded codes mapped, one line each


@dataclass(frozen=True)
class Checked:
    """A validation's report, and what reading the extension needs when it is valid."""

    report: Report
    notes: tuple[str, ...]
    package: dict[str, Any] | None
    frames: dict[str, pl.DataFrame]


def descriptor_path(path: str | Path) -> Path:
    """``DIR`` or ``DIR/datapackage.json`` -> the descriptor (a missing one is a usage error)."""
    p = Path(path)
    found = p / FILE if p.is_dir() else p
    if not found.is_file():
        raise UsageError(f"{found}: no extension here (expected {FILE}; `cscbench extension new`)")
    return found.resolve()


def is_extension(path: Path) -> bool:
    """Whether the descriptor at ``path`` is an extension's (it has the ``cscbench`` object)."""
    package, issue = desc.read_json(
        path.parent, path.name, desc.PACKAGE, path.name, limits.from_env()
    )
    return issue is None and isinstance(package, dict) and KEY in package


def _main(package: str | Path | None) -> Path:
    return Path(package) if package is not None else default_package()


def _meta_problems(package: dict[str, Any] | None, installed: str) -> list[Problem]:
    """The extension's ``name`` and ``version`` (its archive is named by them) and the
    ``cscbench`` object: ``extends`` (a range holding the installed release) and ``partnership``
    (text)."""
    if package is None:
        return []  # the descriptor's own problem is reported by validate_package
    meta = package.get(KEY)

    def problem(check_id: str, where: str, value: Any, expected: str) -> Problem:
        shown = None if value is None else desc.shown(value)
        return Problem(
            check_id, desc.PACKAGE, None, None, shown, expected, place=f"{FILE}: {where}"
        )

    if not isinstance(meta, dict):
        return [
            problem(
                "extension.descriptor", KEY, meta, 'an object {"extends": ..., "partnership": ...}'
            )
        ]
    found = []
    name, version = package.get("name"), package.get("version")
    if not isinstance(name, str) or not desc.NAME.fullmatch(name):  # names the release archive
        found.append(problem("extension.descriptor", "name", name, desc.NAME_RULE))
    if not isinstance(version, str) or not semver.VERSION.match(version):
        found.append(problem("extension.descriptor", "version", version, "X.Y.Z, e.g. 0.1.0"))
    partnership = meta.get("partnership")
    if not isinstance(partnership, str) or not partnership.strip():
        found.append(
            problem(
                "extension.descriptor",
                f"{KEY}.partnership",
                partnership,
                "the partnership's name (text)",
            )
        )
    extends = meta.get("extends")
    if not isinstance(extends, str):
        found.append(
            problem(
                "extension.descriptor",
                f"{KEY}.extends",
                extends,
                "a release range such as '>=0.2.0,<0.3.0'",
            )
        )
        return found
    try:
        ok = satisfies(installed, extends)
    except InvalidInputError as exc:
        found.append(
            problem("extension.descriptor", f"{KEY}.extends", extends, f"a release range ({exc})")
        )
        return found
    if not ok:
        found.append(
            problem(
                "extension.extends",
                f"{KEY}.extends",
                extends,
                f"a range holding the installed cscbench release {installed}",
            )
        )
    return found


def _official(main: Path | Package) -> rules.Official:
    areas = as_text(load("areas", main))  # every column: the name lookup needs them
    indicators = load("indicators", main).select(
        pl.col("indicator_id"), pl.col("unit").cast(pl.String), "min_value", "max_value"
    )
    periods = rules.official_periods(load("observations", main).select("indicator_id", "period"))
    return rules.Official(areas, indicators, periods)


def _frames(path: Path, resources: list[str]) -> dict[str, pl.DataFrame]:
    """The extension's resources typed (enums as text, so they join with cscbench's)."""
    frames = {}
    for name in resources:
        frame = load(name, path)
        frames[name] = frame.with_columns(
            pl.col(c).cast(pl.String) for c, t in frame.schema.items() if isinstance(t, pl.Enum)
        )
    return frames


def validate_extension(
    path: str | Path,
    package: str | Path | Package | None = None,
    engine: str = ENGINE,
    limit: int = DEFAULT_LIMIT,
) -> Checked:
    """Validate the extension at ``path`` against the cscbench package ``package`` (default: the
    installed one; a :class:`~cscbench.package.reader.Package` already read is checked against
    from memory, its CSVs read once however many returns are checked); ``engine`` as for
    ``cscbench validate``."""
    found = descriptor_path(path)
    checked = desc.plan(found)
    checked.close()
    if isinstance(package, Package):
        return _checked(found, checked, package, package.descriptor, engine, limit)
    with open_any(_main(package)) as main:
        installed, _ = desc.read_json(
            main.parent, main.name, desc.PACKAGE, main.name, limits.from_env()
        )
        return _checked(found, checked, main, installed, engine, limit)


def _checked(
    found: Path,
    checked: desc.Plan,
    main: Path | Package,
    installed: Any,
    engine: str,
    limit: int,
) -> Checked:
    """The extension's own checks, then (when they pass) the checks against the main package."""
    from cscbench.validate.run import validate_package

    version = installed.get("version") if isinstance(installed, dict) else None
    if not isinstance(version, str):
        where = main.path if isinstance(main, Package) else main
        raise InvalidInputError(f"{where}: the cscbench package has no version to check against")
    meta = _meta_problems(checked.package, version)
    report = validate_package(found, engine=engine, limit=limit, required=REQUIRED)
    problems = meta + report.problems
    notes: tuple[str, ...] = ()
    frames: dict[str, pl.DataFrame] = {}
    if not problems:
        frames, problems, notes = _cross_checks(found, checked.order, main)
    # validate_package bounded and counted its own; the rest: at most ``limit`` per group
    tally = Tally(min(limit, MAX_LIMIT))
    tally.counts = dict(report.counts)
    tally.extend(problems if frames else meta)
    kept = tally.problems + ([] if frames else report.problems)
    ordered = in_report_order(kept, [desc.PACKAGE, OBSERVATIONS, INDICATORS])
    return Checked(Report(ordered, report.resources, tally.counts), notes, checked.package, frames)


def _cross_checks(
    found: Path, order: dict[str, int], main: Path | Package
) -> tuple[dict[str, pl.DataFrame], list[Problem], tuple[str, ...]]:
    """The typed frames (council_code added), the rules' problems and notes."""
    frames = _frames(found, [n for n in (OBSERVATIONS, INDICATORS) if n in order])
    obs = frames[OBSERVATIONS].with_row_index(rules.ROW)
    own = frames.get(INDICATORS)
    own = (own if own is not None else empty_indicators(found)).with_row_index(rules.ROW)
    official = _official(main)
    outcome = rules.check_councils(obs, official)
    problems = outcome.problems + rules.check_own_indicators(own, official)
    problems += rules.check_figures(obs, own, official)
    if not outcome.problems:
        problems += rules.check_duplicates(obs, outcome.councils)
    at = frames[OBSERVATIONS].columns.index("area_code") + 1
    frames[OBSERVATIONS] = frames[OBSERVATIONS].insert_column(at, outcome.councils)
    return frames, problems, tuple(outcome.notes)


def empty_indicators(found: Path) -> pl.DataFrame:
    """An empty ``local_indicators`` frame with its columns, from the shipped schema or the main
    package's ``indicators`` schema."""
    from cscbench.package.schema import load_table_schema

    shipped = found.parent / "schemas" / f"{INDICATORS}.schema.json"
    if shipped.is_file():
        dtypes = polars_dtypes(load_table_schema(shipped))
    else:
        dtypes = {c: t for c, t in load("indicators").schema.items()}
    return pl.DataFrame(
        schema={c: pl.String if isinstance(t, pl.Enum) else t for c, t in dtypes.items()}
    )


def read_extension(path: str | Path, package: str | Path | Package | None = None) -> Extension:
    """The extension at ``path`` (its folder or ``datapackage.json``), validated against the
    cscbench package (default: the installed one); raises
    :class:`~cscbench.core.errors.InvalidInputError` (exit 1) with a located one-line message on a
    bad return."""
    found = descriptor_path(path)
    checked = validate_extension(found, package)
    if not checked.report.valid:
        first = checked.report.problems[0]
        more = checked.report.total - 1
        tail = f" (and {more} more: cscbench validate {found})" if more > 0 else ""
        raise InvalidInputError(f"{found.parent.name}: {first.message} [{first.check_id}]{tail}")
    meta = checked.package or {}
    own = checked.frames.get(INDICATORS)
    return Extension(
        root=found.parent,
        name=str(meta.get("name", found.parent.name)),
        title=str(meta.get("title", meta.get("name", found.parent.name))),
        version=str(meta.get("version", "")),
        partnership=str(meta[KEY]["partnership"]),
        extends=str(meta[KEY]["extends"]),
        observations=checked.frames[OBSERVATIONS],
        indicators=own if own is not None else empty_indicators(found),
        notes=checked.notes,
    )
