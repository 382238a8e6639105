"""Reading untrusted files within bounds, and the rules that keep text, dates and periods honest.

The corpus (tests/corpus/cases.toml) holds one case per hostile file; these tests pin the general
rules behind them with properties: every invalid UTF-8 byte is found wherever it falls, markup is
exactly what a browser would parse as markup, ISO dates are exactly YYYY-MM-DD, and a financial
year's second part is the following year.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscbench.package import csvfile, limits
from cscbench.package import schema as sch
from cscbench.package.csvfile import invalid_utf8, read_table
from cscbench.validate.checks.observations import period_rule
from cscbench.validate.checks.text import HTML

# ---------------------------------------------------------------------------- limits


def test_limits_default_and_environment() -> None:
    assert limits.from_env({}).file_bytes == limits.GIB
    env = {"CSCBENCH_MAX_FILE_BYTES": "64k", "CSCBENCH_FRICTIONLESS_TIMEOUT": "2.5"}
    chosen = limits.from_env(env)
    assert chosen.file_bytes == 64 * 1024 and chosen.frictionless_seconds == 2.5
    for bad in ("-1", "lots", "0", "1T"):
        with pytest.raises(limits.LimitError, match="CSCBENCH_MAX_FILE_BYTES"):
            limits.from_env({"CSCBENCH_MAX_FILE_BYTES": bad})


def test_a_file_over_the_limit_is_never_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 100)
    table = read_table(path, limit=10, max_bytes=100)
    assert [p.check_id for p in table.problems] == ["file.too_large"] and table.frame is None
    assert read_table(path, limit=10, max_bytes=1000).frame is not None


def test_a_header_without_a_line_break_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    with path.open("wb") as handle:  # a sparse file of NUL bytes: no header line at all
        handle.truncate(csvfile.HEAD_BYTES * 4)
    (problem,) = read_table(path, limit=10).problems
    assert (problem.check_id, problem.line) == ("file.malformed", 1)


def test_unreadable_file_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permission bits do not stop root (CI), so the refusal is injected at os.open."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"a\n1\n")

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    (problem,) = read_table(path, limit=10).problems
    assert (problem.check_id, problem.value) == ("file.unreadable", "Permission denied")


# ---------------------------------------------------------------------------- encodings


def test_every_bad_byte_is_reported_up_to_the_limit_with_the_exact_count(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"a,b,c\n1,caf\xe9,3\n4,5,\xff\xfe\n\xe96,7,8\n")
    table = read_table(path, limit=3)
    bad = [(p.line, p.column, p.value) for p in table.problems if p.check_id == "file.encoding"]
    assert bad == [(2, "b", "byte 0xE9"), (3, "c", "byte 0xFF"), (3, "c", "byte 0xFE")]
    assert table.totals["file.encoding"] == 4
    assert table.frame is not None and table.frame.height == 3  # the rest is still checked


def reference_bad_bytes(data: bytes) -> list[tuple[int, int]]:
    """(line, byte) of every byte Python's strict decoder rejects, found one error at a time."""
    out, start = [], 0
    while True:
        try:
            data[start:].decode("utf-8")
            return out
        except UnicodeDecodeError as err:
            position = start + err.start
            for offset in range(position, start + err.end):
                out.append((data.count(b"\n", 0, offset) + 1, data[offset]))
            start += err.end


@given(
    st.lists(
        st.one_of(
            st.sampled_from([b"a", b",", b"\n", b'"', "é".encode(), "€".encode(), "😀".encode()]),
            st.binary(min_size=1, max_size=3),
        ),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=9),
)
def test_bad_bytes_are_found_wherever_blocks_split_them(parts: list[bytes], block: int) -> None:
    """Decoding block by block (here blocks of a few bytes) finds exactly the bytes a whole-file
    decode rejects, on the right lines, even when a character is split across two blocks."""
    data = b"".join(parts)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"cscbench-utf8-{os.getpid()}.csv"
    path.write_bytes(data)
    try:
        found, total = invalid_utf8(path, limit=10_000, header=["a", "b"], block=block)
    finally:
        path.unlink()
    expected = reference_bad_bytes(data)
    assert total == len(expected)
    assert [(p.line, p.value) for p in found] == [(line, f"byte 0x{b:02X}") for line, b in expected]


# ---------------------------------------------------------------------------- markup


def is_markup(text: str) -> bool:
    return pl.select(pl.lit(text).str.contains(HTML)).item()


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<svg/onload=alert(1)>",
        "<img src=x onerror=alert(1)",
        "<IMG SRC=x>",
        "</b>",
        "</ hidden until a greater-than sign",
        "<!-- hidden -->",
        "<!doctype html>",
        "<?php echo 1 ?>",
        "a<b>c",
    ],
)
def test_markup_a_browser_would_parse_is_caught(payload: str) -> None:
    assert is_markup(payload)


@pytest.mark.parametrize(
    "text", ["< 5", "a <> b", "<= 3", "<3 Leeds", "caseload < 20 and > 15", "x < y", "<<<", "1<2"]
)
def test_comparison_signs_are_text(text: str) -> None:
    assert not is_markup(text)


TEXT = st.text(alphabet=st.characters(blacklist_characters="<"), max_size=40)


@given(TEXT)
def test_text_without_a_less_than_sign_is_never_markup(text: str) -> None:
    assert not is_markup(text)


@given(TEXT, st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ/!?"), TEXT)
def test_less_than_before_a_letter_slash_bang_or_question_mark_is_markup(
    before: str, opener: str, after: str
) -> None:
    assert is_markup(f"{before}<{opener}{after}")


@given(TEXT, st.characters(blacklist_characters="<"), TEXT)
def test_less_than_before_anything_else_is_text(before: str, follower: str, after: str) -> None:
    if re.match(r"[A-Za-z/!?]", follower):
        return
    assert not is_markup(f"{before}<{follower}{after}")


# ---------------------------------------------------------------------------- ISO dates


def is_date(text: str) -> bool:
    return pl.select(sch.typed(pl.lit(text), "date").is_not_null()).item()


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_every_iso_date_is_a_date_and_no_variant_is(day: dt.date) -> None:
    iso = day.isoformat()
    assert is_date(iso)
    unpadded = f"{day.year}-{day.month}-{day.day}"
    variants = [f" {iso}", f"{iso} ", f"+{iso}", f"0{iso}", iso.replace("-", "")]
    if unpadded != iso:
        variants.append(unpadded)
    for variant in variants:
        assert not is_date(variant), variant


def test_expanded_years_are_not_dates() -> None:
    assert not is_date("+12345-01-01") and not is_date("-0001-01-01")


# ---------------------------------------------------------------------------- periods


def period_ok(period: str) -> bool:
    return bool(pl.DataFrame({"period": [period]}).select(period_rule().fill_null(True)).item())


@given(st.integers(min_value=1900, max_value=2200), st.integers(min_value=0, max_value=99))
def test_a_financial_year_ends_in_the_following_year(year: int, second: int) -> None:
    period = f"{year}-{second:02d}"
    assert period_ok(period) == (second == (year + 1) % 100)
    assert period_ok(str(year))


def test_periods_the_schema_pattern_rejects_are_left_to_it() -> None:
    """One bad cell, one problem: field.pattern reports these, obs.period does not."""
    for period in ("25", "2025-2026", "FY2025", ""):
        assert period_ok(period)
    assert not period_ok("２０２５")  # the schema's \d accepts full-width digits; the contract not
