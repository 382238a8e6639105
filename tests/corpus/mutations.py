"""Build the corpus of broken packages: a cut-down copy of the committed package plus one mutation.

The cases live in ``cases.toml`` (next to this file); ``tests/test_corpus.py`` runs them and
``tests/test_validate.py`` reuses the base package and mutations.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.validate.report import Problem

CORPUS = Path(__file__).parent / "cases.toml"
CASES: list[dict[str, Any]] = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]
# The comparison pair whose rows the cut-down base keeps (all parents are kept whole).
KEEP_AREAS = ["E08000035", "E08000036"]
TRIMMED = ("observations", "statistical_neighbours", "inspections")
FLAGGED_KEY = ["indicator_id", "area_code", "period"]
FILE_OPS = {
    "empty",
    "header_only",
    "delete_file",
    "truncate_last_line",
    "bom",
    "crlf",
    "cr_only",
    "cp1252",
    "drop_field",
    "extra_field",
    "blank_line",
    "duplicate_header",
}
# Replace the file with something that is not a regular file, or one too large to read: the
# validator must answer from os.stat alone (never opening a FIFO or a device).
SPECIAL_OPS = {"fifo", "directory", "dev_zero", "dev_urandom", "sparse_2gib"}
# Mutations of the package rather than of one CSV (see _package_ops).
PACKAGE_OPS = {"symlink_outside", "deep_descriptor", "huge_descriptor", "descriptor_fifo"}
SECRET = "SECRET-CONTENT-never-shown"  # what a symlink out of the package points at
FRAME_OPS = {
    "drop_column",
    "add_column",
    "rename_column",
    "swap_columns",
    "duplicate_row",
    "quoted_empty",
}


# ---------------------------------------------------------------------------- the base package


def read_text(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def write_text(df: pl.DataFrame, path: Path) -> None:
    """The package's own CSV dialect: '\\n', empty for null, quotes only where needed."""
    df.write_csv(path, line_terminator="\n", null_value="", quote_style="necessary")


def resource_paths(package: Path) -> dict[str, Path]:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: package / r["path"] for r in descriptor["resources"]}


def build_base(src: Path, dst: Path) -> Path:
    """The committed package with the big child resources cut down to two councils (observations
    also keep the figures caveats flags)."""
    shutil.copy2(src / "datapackage.json", dst / "datapackage.json")
    shutil.copytree(src / "schemas", dst / "schemas")
    (dst / "datapackage").mkdir()
    paths = resource_paths(src)
    # the figures caveats flags stay too: caveats' composite foreign key names them
    flagged = read_text(paths["caveats"]).select(pl.struct(FLAGGED_KEY)).to_series().implode()
    for name, path in paths.items():
        target = dst / path.relative_to(src)
        if name in TRIMMED:
            keep = pl.col("area_code").is_in(KEEP_AREAS)
            frame = read_text(path)
            if name == "observations":
                keep |= pl.struct(FLAGGED_KEY).is_in(flagged)
                # indicator by indicator, as the cases' rows and lines were chosen (the package
                # itself is ordered council by council, for DuckDB's type guessing)
                frame = frame.sort("indicator_id", "area_code", "period")
            write_text(frame.filter(keep), target)
        else:
            shutil.copy2(path, target)
    return dst


# ---------------------------------------------------------------------------- mutations


@dataclass
class Mutated:
    package: Path
    row_line: int | None  # the CSV line of the mutated row (header = 1)
    last_line: int  # the file's last line after the mutation


def _row_index(df: pl.DataFrame, selector: dict[str, str]) -> int:
    hits = df.with_row_index("_i").filter(
        pl.all_horizontal(pl.col(k) == v for k, v in selector.items())
    )["_i"]
    assert hits.len() == 1, f"selector {selector} matches {hits.len()} rows"
    return int(hits[0])


def _set_cells(df: pl.DataFrame, index: int, values: dict[str, str]) -> pl.DataFrame:
    at = pl.int_range(pl.len()) == index
    return df.with_columns(
        pl.when(at).then(pl.lit(v or None, dtype=pl.String)).otherwise(pl.col(k)).alias(k)
        for k, v in values.items()
    )


def _frame_op(
    case: dict[str, Any], df: pl.DataFrame, index: int | None
) -> tuple[pl.DataFrame, int | None]:
    op, column = case.get("op"), case.get("column")
    if op == "duplicate_row":
        assert index is not None
        df = pl.concat([df.head(index + 1), df.slice(index, 1), df.slice(index + 1)])
        return df, index + 1
    if op == "drop_column":
        return df.drop(column), index
    if op == "quoted_empty":  # "" (a quoted empty string), not an empty cell
        assert index is not None
        at = pl.int_range(pl.len()) == index
        return df.with_columns(
            pl.when(at).then(pl.lit("")).otherwise(pl.col(column)).alias(column)
        ), index
    if op == "add_column":
        return df.with_columns(pl.lit("x").alias(column)), index
    if op == "rename_column":
        return df.rename({column: case["to"]}), index
    if op == "swap_columns":
        order = [
            case["to"] if c == column else column if c == case["to"] else c for c in df.columns
        ]
        return df.select(order), index
    return df, index


def _file_op(case: dict[str, Any], path: Path, index: int | None) -> None:
    op = case.get("op")
    data = path.read_bytes()
    lines = data.split(b"\n")
    row = None if index is None else index + 1  # position in `lines` (header = 0)
    if op == "empty":
        data = b""
    elif op == "header_only":
        data = lines[0] + b"\n"
    elif op == "truncate_last_line":
        last = lines[-2]  # lines[-1] is the empty string after the final newline
        cut = last[: last.index(b",", last.index(b",") + 1)]  # keep the first two fields
        data = b"\n".join([*lines[:-2], cut])
    elif op == "bom":
        data = b"\xef\xbb\xbf" + data
    elif op == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif op == "cr_only":
        data = data.replace(b"\n", b"\r")
    elif op == "cp1252":
        data = data.decode("utf-8").encode("cp1252")
    elif op == "duplicate_header":  # the column named `column` again at the end, header included
        column = case["column"]
        write_text(read_text(path).with_columns(pl.col(column).alias("__repeat__")), path)
        header, rest = path.read_bytes().split(b"\n", 1)
        data = header.replace(b"__repeat__", column.encode()) + b"\n" + rest
    elif op in ("drop_field", "extra_field", "blank_line"):
        assert row is not None
        if op == "drop_field":
            lines[row] = lines[row][: lines[row].rindex(b",")]
        elif op == "extra_field":
            lines[row] += b",stray"
        else:
            lines.insert(row, b"")
        data = b"\n".join(lines)
    if op == "delete_file":
        path.unlink()
    else:
        path.write_bytes(data)


def _special_op(op: str, path: Path) -> None:
    """Put a FIFO, a directory, a device (via a symlink) or a 2 GiB sparse file at ``path``."""
    if op == "sparse_2gib":
        os.truncate(path, 2 * 1024**3)  # no disk space used: the tail is a hole
        return
    path.unlink()
    if op == "fifo":
        os.mkfifo(path)
    elif op == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero" if op == "dev_zero" else "/dev/urandom")


def _last_line(path: Path) -> int:
    """The number of the file's last line (0 when it is not a small regular file: never read a
    FIFO or a device to count its lines)."""
    if not path.is_file() or path.stat().st_size > 1 << 26:
        return 0
    return path.read_bytes().rstrip(b"\n").count(b"\n") + 1


def mutate(case: dict[str, Any], base: Path, dst: Path, server: str = "") -> Mutated:
    """Copy ``base`` to ``dst`` and apply the case's mutation: to one resource's CSV, or to the
    descriptor or a Table Schema (``{server}`` in a value is the test's local HTTP server)."""
    shutil.copytree(base, dst)
    _package_ops(case, dst, server)
    if case["resource"] not in resource_paths(base) or not any(
        key in case for key in ("row", "set", "op")
    ):
        return Mutated(dst, None, 0)
    path = resource_paths(base)[case["resource"]]
    path = dst / path.relative_to(base)
    if case.get("op") in PACKAGE_OPS:
        return Mutated(dst, None, 0)
    df = read_text(path)
    assert path.read_bytes().count(b"\n") == df.height + 1, "base rows must be one line each"
    index = _row_index(df, case["row"]) if "row" in case else None
    if "set" in case:
        assert index is not None
        df = _set_cells(df, index, case["set"])
    if case.get("set") or case.get("op") in FRAME_OPS:
        df, index = _frame_op(case, df, index)
        write_text(df, path)
    if case.get("op") in FILE_OPS:
        _file_op(case, path, index)
    if case.get("op") in SPECIAL_OPS:
        _special_op(case["op"], path)
    return Mutated(dst, None if index is None else index + 2, _last_line(path))


# ---------------------------------------------------------------------------- the descriptor


def _value(spec: dict[str, Any], server: str) -> Any:
    """A TOML value, or ``value_json`` for what TOML cannot write (null, an empty object)."""
    value = json.loads(spec["value_json"]) if "value_json" in spec else spec["value"]
    if isinstance(value, str):
        return value.replace("{server}", server) * spec.get("repeat", 1)
    return value


def _package_ops(case: dict[str, Any], dst: Path, server: str) -> None:
    """The descriptor and schema mutations: ``descriptor`` (one key of one resource),
    ``add_resource`` (a copy of a resource under another name), ``remove_resource`` (a resource's
    entry dropped), ``descriptor_text`` (the whole
    file), ``schema`` (one constraint of one field), ``schema_text`` (a whole schema file), and
    the ops in PACKAGE_OPS."""
    path = dst / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in package["resources"]}
    if "descriptor" in case:
        spec = case["descriptor"]
        by_name[spec["resource"]][spec["key"]] = _value(spec, server)
    if "add_resource" in case:
        spec = case["add_resource"]
        package["resources"].append({**by_name[spec["copy"]], "name": spec["name"]})
    if "remove_resource" in case:
        package["resources"].remove(by_name[case["remove_resource"]])
    path.write_text(json.dumps(package, indent=2), encoding="utf-8")
    if "descriptor_text" in case:
        path.write_text(case["descriptor_text"], encoding="utf-8")
    if "schema" in case:
        spec = case["schema"]
        schema_path = dst / by_name[spec["resource"]]["schema"]
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        field = next(f for f in schema["fields"] if f["name"] == spec["field"])
        field.setdefault("constraints", {})[spec["key"]] = _value(spec, server)
        schema_path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    if "schema_text" in case:
        spec = case["schema_text"]
        (dst / by_name[spec["resource"]]["schema"]).write_text(spec["text"], encoding="utf-8")
    op = case.get("op")
    if op in PACKAGE_OPS:
        _package_file_op(op, dst, by_name.get(case["resource"]))


def _package_file_op(op: str, dst: Path, resource: dict[str, Any] | None) -> None:
    descriptor = dst / "datapackage.json"
    if op == "symlink_outside":  # a secret beside the package, reached through a symlink
        secret = dst.parent / "secret.txt"
        secret.write_text(SECRET + "\n")
        target = dst / resource["path"]
        target.unlink()
        target.symlink_to(secret)
    elif op == "deep_descriptor":  # small but nested 100,000 levels
        descriptor.write_text("[" * 100_000 + "]" * 100_000)
    elif op == "huge_descriptor":  # 50 MB of nesting
        descriptor.write_bytes(b"[" * (25 << 20) + b"]" * (25 << 20))
    elif op == "descriptor_fifo":
        descriptor.unlink()
        os.mkfifo(descriptor)


# ---------------------------------------------------------------------------- expectations


def expected_problem(
    case: dict[str, Any], mutated: Mutated
) -> tuple[str, str, int | None, str | None]:
    exp = case["expect"]
    line = exp.get("line")
    if line == "row":
        line = mutated.row_line
    elif line == "last":
        line = mutated.last_line
    return exp["check"], case["resource"], line, exp.get("column")


def located(p: Problem) -> tuple[str, str, int | None, str | None]:
    return p.check_id, p.resource, p.line, p.column
