"""Small packages for the release and diff tests: the committed package cut down to a few councils,
written as the package writes CSVs, so every test works on real rows in a fraction of a second."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import polars as pl

from cscbench.core.paths import ROOT
from cscbench.package.labels import with_enum

COUNCILS = ("E08000035", "E08000036", "E12000003", "E92000001")  # Leeds, Wakefield, Y&H, England
INDICATORS = ("caseload_fte", "agency_rate_fte", "ro3_csctot_net_cur_exp")
FIGURE = ["indicator_id", "area_code", "period"]
# The figures caveats flags (its foreign key to observations names them): kept with caveats.
FLAGGED = (
    pl.read_csv(ROOT / "datapackage" / "caveats.csv", infer_schema=False, columns=FIGURE)
    .select(pl.struct(FIGURE))
    .to_series()
    .implode()
)
# What each resource keeps: a filter on its text frame (None keeps every row).
KEEP: dict[str, pl.Expr | None] = {
    "areas": None,
    "indicators": None,
    "sources": None,
    "observations": (pl.col("area_code").is_in(COUNCILS) & pl.col("indicator_id").is_in(INDICATORS))
    | pl.struct(FIGURE).is_in(FLAGGED),
    "inspections": pl.col("area_code").is_in(COUNCILS),
    "statistical_neighbours": pl.col("area_code").is_in(COUNCILS),
    "announcements": pl.col("area_code").is_in(COUNCILS),
    "caveats": None,
}
Edit = Callable[[pl.DataFrame], pl.DataFrame]


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path, line_terminator="\n", null_value="", quote_style="necessary")


def small_package(dest: Path, version: str = "0.1.0") -> Path:
    """A valid package of a few councils under ``dest``; returns its descriptor."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "schemas", dest / "schemas")
    (dest / "datapackage").mkdir()
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = version
    (dest / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    for name, keep in KEEP.items():
        frame = read(ROOT / "datapackage" / f"{name}.csv")
        write_csv(
            frame if keep is None else frame.filter(keep), dest / "datapackage" / f"{name}.csv"
        )
    return dest / "datapackage.json"


def read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def copy_package(source: Path, dest: Path, version: str | None = None) -> Path:
    """A copy of the package whose descriptor is ``source`` (optionally with another version)."""
    shutil.copytree(source.parent, dest)
    if version:
        set_version(dest / "datapackage.json", version)
    return dest / "datapackage.json"


def set_version(descriptor: Path, version: str) -> None:
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["version"] = version
    descriptor.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def edit_rows(descriptor: Path, resource: str, edit: Edit) -> None:
    """Rewrite one resource's CSV through ``edit`` (a function of its text frame)."""
    path = descriptor.parent / "datapackage" / f"{resource}.csv"
    write_csv(edit(read(path)), path)


def edit_schema(descriptor: Path, resource: str, edit: Callable[[dict], None]) -> None:
    """Change one Table Schema in place through ``edit``; enums are then written from the
    categories, as ``python -m cscbench.package.labels`` does."""
    path = descriptor.parent / "schemas" / f"{resource}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(with_enum(schema), indent=2) + "\n", encoding="utf-8")


def set_cell(key: dict[str, str], column: str, value: str | None) -> Edit:
    """An edit setting ``column`` to ``value`` on the row matching ``key``."""
    match = pl.all_horizontal(pl.col(k) == v for k, v in key.items())

    def edit(frame: pl.DataFrame) -> pl.DataFrame:
        assert frame.filter(match).height == 1, f"no single row {key}"
        return frame.with_columns(
            pl.when(match).then(pl.lit(value, pl.String)).otherwise(pl.col(column)).alias(column)
        )

    return edit


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def commit(descriptor: Path, message: str = "package") -> str:
    """Commit the package folder of ``descriptor`` (a repository of its own, made if need be),
    as a release needs; returns the commit id."""
    folder = descriptor.parent
    if not (folder / ".git").exists():
        git(folder, "init", "-q")
    git(folder, "add", "-A", ".")
    git(folder, "commit", "-qm", message, "--allow-empty")
    return git(folder, "rev-parse", "HEAD").strip()
