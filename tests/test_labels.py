"""Labels and vocabularies live once, in the Table Schemas' ``categories`` (see cscbench.package.labels).

The enums frictionless and pandera enforce are written from the categories, and no source file or
registry/config file states a vocabulary or a label a second time: a label as a string literal, a
literal collection holding a whole vocabulary, or a dict putting words to a vocabulary's values.
"""

from __future__ import annotations

import ast
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscbench.core.domain import GRADE_SCALES
from cscbench.core.paths import ROOT
from cscbench.package import labels
from cscbench.package.limits import Limits
from cscbench.package.table_schema import field_issues

SCHEMAS = ROOT / "schemas"

# A second home that is not one: where a rule (not the vocabulary) names every value. Each entry
# is (file, the name assigned) -> why it may stay.
ALLOWED: dict[tuple[str, str], str] = {
    ("src/cscbench/core/domain.py", "CURRENT_SCALE"): "the grades SIF and ILACS give: a validation "
    "rule (inspections.grade_scale); test_grade_scales_are_the_schema_vocabularies checks it",
    (
        "src/cscbench/ingest/ofsted_files.py",
        "ILACS_COLUMNS",
    ): "the 2025 file's column headers, read "
    "as Ofsted published them (one is also the overall judgement's label)",
    (
        "src/cscbench/ingest/ofsted_files.py",
        "BLOCKS_2023",
    ): "which column of Ofsted's 2023 sheet holds "
    "each judgement: reading the input, not words for the judgements",
    ("src/cscbench/publish/claims_match.py", "NO_MATCH"): "why a claim of each kind has no "
    "official counterpart: an explanation per kind, not the kind's label",
}


def vocabularies() -> dict[str, list[tuple[str, str]]]:
    """``resource.field`` -> its (value, label) pairs, for every categorised field."""
    out = {}
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        resource = path.name.removesuffix(".schema.json")
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            if labels.pairs(field):
                out[f"{resource}.{field['name']}"] = labels.pairs(field)
    return out


VOCABULARIES = vocabularies()
# Words a reader sees that are not the value itself, long enough not to be a common word.
LABELS = {
    label: name
    for name, pairs in VOCABULARIES.items()
    for value, label in pairs
    if label != value and len(label) >= 4
}


# ------------------------------------------------------------------ enum written from categories


def test_every_enumerated_field_has_categories_and_its_enum_is_written_from_them() -> None:
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            if "enum" in field.get("constraints", {}):
                assert labels.pairs(field), f"{path.name}: {field['name']} has no categories"
            assert labels.categories_issues(field) == [], (path.name, field["name"])
    assert labels.stale(SCHEMAS) == {}, "run: python -m cscbench.package.labels"


def test_vocabularies_page_is_generated_from_the_schemas() -> None:
    page = (ROOT / labels.DOCS_PAGE).read_text(encoding="utf-8")
    assert page == labels.markdown(SCHEMAS), "run: python -m cscbench.package.labels"
    assert labels.main(["--check"]) == 0


def test_order_where_it_matters() -> None:
    grade = labels.field("inspections", "grade")
    assert grade["categoriesOrdered"] is True
    assert labels.values("inspections", "grade")[0] == "Outstanding"
    assert labels.field("statistical_neighbours", "closeness")["categoriesOrdered"] is True
    # the themes in reading order: a child's case from the front door to leaving care
    assert list(labels.labels("indicators", "theme"))[:2] == ["front_door", "children_in_need"]


def test_grade_scales_are_the_schema_vocabularies() -> None:
    on_scale = set(labels.values("inspections", "grade_on_framework_scale"))
    for frameworks, scale in GRADE_SCALES.items():
        assert set(frameworks) <= set(labels.values("inspections", "framework"))
        assert set(scale) <= on_scale
    assert max(GRADE_SCALES.values(), key=lambda s: "Adequate" not in s) == labels.values(
        "inspections", "grade"
    )


def test_loader_enum_order_is_the_categories_order() -> None:
    from cscbench.package.schema import load_table_schema, polars_dtypes

    dtypes = polars_dtypes(load_table_schema(SCHEMAS / "indicators.schema.json"))
    assert list(dtypes["theme"].categories) == list(labels.values("indicators", "theme"))


words = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8)


@given(st.lists(words, min_size=1, max_size=6, unique=True), st.data())
def test_the_enum_written_is_accepted_and_any_other_enum_refused(
    values: list[str], data: st.DataObject
) -> None:
    field = {"name": "f", "categories": [{"value": v, "label": v.upper()} for v in values]}
    written = labels.with_enum({"fields": [field]})["fields"][0]
    assert written["constraints"]["enum"] == values
    assert labels.categories_issues(written) == []
    other = data.draw(st.lists(words, min_size=1, max_size=6))
    if other != values:
        wrong = {**field, "constraints": {"enum": other}}
        assert [w for w, _, _ in labels.categories_issues(wrong)] == ["constraints.enum"]


@pytest.mark.parametrize(
    "categories",
    [[], "a", [1], [{"label": "no value"}], ["a", "a"], [{"value": "a", "label": 3}]],
)
def test_the_package_reader_refuses_bad_categories(categories: Any) -> None:
    item = {"name": "f", "type": "string", "categories": categories}
    issues = field_issues(item, "res", "res.schema.json: fields[0]", [], Limits())
    assert [i.check_id for i in issues] == ["schema.shape"]
    assert issues[0].where == "res.schema.json: fields[0].categories"


def test_the_package_reader_refuses_an_enum_that_is_not_the_categories() -> None:
    item = {"name": "f", "categories": ["a", "b"], "constraints": {"enum": ["b", "a"]}}
    (issue,) = field_issues(item, "res", "res.schema.json: fields[0]", [], Limits())
    assert (issue.check_id, issue.where) == (
        "schema.shape",
        "res.schema.json: fields[0].constraints.enum",
    )


# ------------------------------------------------------------------ one home per label


@dataclass(frozen=True)
class Home:
    file: str
    line: int
    name: str  # the name assigned at that place ("" when none)
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.name or '(no name)'}: {self.what}"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (documentation may mention values and words)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _strings(nodes: list[ast.expr | None]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def collection_homes(items: list[str], keys: list[str], mapped: list[Any]) -> Iterator[str]:
    """What a literal collection (its items; or a dict's keys and values) states a second time: a
    whole vocabulary, or words for a vocabulary's values (a dict reading raw text into values, or
    values into values, is a reading, not a label)."""
    for name, pairs in VOCABULARIES.items():
        vocabulary = {value for value, _ in pairs}
        if len(vocabulary) < 2:
            continue
        for found in (items, keys):
            if vocabulary <= set(found):
                yield f"restates the vocabulary of {name}"
        named = [k for k in keys if k in vocabulary]
        words = [v for v in mapped if isinstance(v, str) and v not in vocabulary]
        if len(named) >= 2 and len(named) == len(keys) and len(words) == len(mapped):
            yield f"puts words to values of {name}: labels belong in its categories"


def python_homes(path: Path, root: Path = ROOT) -> Iterator[Home]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    names: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = next((t.id for t in targets if isinstance(t, ast.Name)), "")
            for inner in ast.walk(node.value):
                names.setdefault(id(inner), name)
    file = str(path.relative_to(root))
    for node in ast.walk(tree):
        name = names.get(id(node), "")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if node.value in LABELS:
                what = f"the label {node.value!r} of {LABELS[node.value]}"
                yield Home(file, node.lineno, name, what)
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            for what in collection_homes(_strings(node.elts), [], []):
                yield Home(file, node.lineno, name, what)
        elif isinstance(node, ast.Dict):
            mapped = [v.value if isinstance(v, ast.Constant) else v for v in node.values]
            for what in collection_homes([], _strings(node.keys), mapped):
                yield Home(file, node.lineno, name, what)


def _line(text: str, word: str) -> int:
    at = text.find(f'"{word}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else 0


def toml_homes(path: Path) -> Iterator[Home]:
    text = path.read_text(encoding="utf-8")
    file = str(path.relative_to(ROOT))

    def walk(node: Any, where: str) -> Iterator[Home]:
        if isinstance(node, dict):
            for what in collection_homes([], list(node), list(node.values())):
                yield Home(file, _line(text, next(iter(node))), where, what)
            for key, value in node.items():
                yield from walk(value, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for what in collection_homes(_strings_of(node), [], []):
                yield Home(file, 0, where, what)
            for item in node:
                yield from walk(item, where)
        elif isinstance(node, str) and node in LABELS:
            what = f"the label {node!r} of {LABELS[node]}"
            yield Home(file, _line(text, node), where, what)

    yield from walk(tomllib.loads(text), "")


def _strings_of(items: list[Any]) -> list[str]:
    return [i for i in items if isinstance(i, str)]


def second_homes() -> list[Home]:
    found: list[Home] = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        if path.name != "labels.py":
            found += python_homes(path)
    for folder in ("config", "registry"):
        for path in sorted((ROOT / folder).rglob("*.toml")):
            found += toml_homes(path)
    return found


def test_no_label_or_vocabulary_has_a_second_home() -> None:
    homes = [h for h in second_homes() if (h.file, h.name) not in ALLOWED]
    assert not homes, "stated outside schemas/*.schema.json categories:\n" + "\n".join(
        map(str, homes)
    )


def test_every_allowance_is_still_needed() -> None:
    used = {(h.file, h.name) for h in second_homes()}
    assert set(ALLOWED) <= used, set(ALLOWED) - used


def test_the_scan_finds_a_second_home(tmp_path: Path) -> None:
    """The scanner itself: a label dictionary, a restated vocabulary and a stray label."""
    polarity = dict(VOCABULARIES["indicators.polarity"])
    source = tmp_path / "src" / "x.py"
    source.parent.mkdir()
    source.write_text(
        f"WORDS = {polarity!r}\n"
        f"ALL = {tuple(polarity)!r}\n"
        f"ONE = {polarity['neutral']!r}\n"
        "SOME = ('neutral', 'low_is_good')\n",
        encoding="utf-8",
    )
    homes = sorted((h.line, h.name) for h in python_homes(source, tmp_path))
    assert {name for _, name in homes} == {"WORDS", "ALL", "ONE"}
