"""The two registries (``registry/sources.toml`` and ``registry/indicators.toml``), read and checked.

They are where a maintainer declares facts once: which raw files exist, where each came from and its
checksum, every indicator's metadata, and which figures are flagged (``registry/caveats.toml``). Ingest reads nothing about a source or an indicator from
anywhere else, so a new release is a registry edit (plus a reader change only when a publisher changes
its layout). Every key is checked on load, so a typo fails here with the file, the entry and the key
rather than as a missing figure later.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core.paths import ROOT
from cscbench.ingest.registry_fields import (
    CAVEAT_COMMON,
    CAVEAT_ID,
    CAVEAT_KEYS,
    CAVEAT_OPTIONAL,
    CAVEAT_PLACEHOLDERS,
    COMPUTED_FROM,
    CURATED,
    INDICATOR_KEYS,
    INDICATOR_REQUIRED,
    JUMP,
    SMALL_BASE,
    SOURCE_KEYS,
    SOURCE_REQUIRED,
    ZERO,
    RegistryError,
    _checked,
    _published,
    _read_toml,
    _texts,
    checked_pattern,
    raw_path_problem,
    source_id_problem,
)
from cscbench.package import labels
from cscbench.package.boundary import describe

REGISTRY_DIR = "registry"
SOURCES_FILE = "sources.toml"
INDICATORS_FILE = "indicators.toml"
CAVEATS_FILE = "caveats.toml"
COMPUTED = "computed"  # the dataset of figures cscbench computes itself
COMPUTE_KINDS = ("per_population", "change", "percent_change")
# How a small-base rule finds its base: the same period as the figure, or the child-population
# year that a rate or per-child figure of that period is computed on (ingest/derived.py).
BASE_PERIODS = ("same", "population")


@dataclass(frozen=True)
class Caveat:
    """One entry of ``caveats.toml``: a curated list of flagged figures or a rule that flags them.

    Which fields an entry has depends on ``kind`` (see the file's header): a curated entry names
    its ``source``, an ``indicators`` pattern, ``areas``, ``periods`` and optionally the ``value``
    each figure must have; a small-base rule names its ratio ``indicators`` (ids), the ``base`` ids
    summed and the threshold ``below`` (and ``base_period``); a zero rule names its ``indicators``,
    the ``base`` and the size ``at_least`` from which a zero is flagged; a jump rule names its
    ``indicators``, the ``factor`` and ``min_periods``; a computed-from rule has only its ``reason``
    template. A curated entry gives ``periods`` or ``since`` (every period from that one on, so a
    next year's copy of the same fact stays flagged).
    """

    caveat_id: str
    kind: str
    reason: str
    source: str | None = None
    pattern: str | None = None  # curated: a regular expression on indicator ids
    areas: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    value: float | None = None
    indicators: tuple[str, ...] = ()  # small_base: the ratios, by id
    base: tuple[str, ...] = ()
    below: float | None = None
    base_period: str = "same"
    at_least: float | None = None  # zero: the base from which a zero is implausible
    factor: float | None = None  # jump: how many times the council's own median
    min_periods: int = 0  # jump: the figures a series needs before it is judged
    since: str | None = None  # curated: every period from this one on


@dataclass(frozen=True)
class Source:
    """One raw file (or cscbench's own computed figures), as declared in ``sources.toml``."""

    source_id: str
    dataset: str
    publisher: str
    title: str
    licence: str
    description: str
    reader: str | None = None
    published: str | None = None
    published_unknown: str | None = None  # why no publication date is known (instead of one)
    periods: tuple[str, str] | None = None
    snapshot: str | None = None  # "MM-DD": the day a reporting year ends (EES files)
    publication_url: str | None = None
    download_url: str | None = None
    repository: str | None = None
    repository_path: str | None = None
    commit: str | None = None
    raw_path: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    etag: str | None = None  # the download URL's validators when the file was last verified
    last_modified: str | None = None

    @property
    def snapshot_day(self) -> tuple[int, int]:
        """(month, day) a reporting year ends on; only EES sources declare it."""
        if self.snapshot is None:
            raise RegistryError(f"source {self.source_id}: no snapshot (MM-DD) declared")
        month, day = self.snapshot.split("-")
        return int(month), int(day)


@dataclass(frozen=True)
class Indicator:
    """One indicator, as declared in ``indicators.toml``."""

    indicator_id: str
    label: str
    theme: str
    unit: str
    decimals: int
    polarity: str
    dataset: str
    definition: str
    # where a published figure is: the column, and the rows of a long file (``where``)
    column: str | None = None
    where: tuple[tuple[str, str], ...] = ()
    # how a computed one is computed
    compute: str | None = None
    inputs: tuple[str, ...] = ()
    scale: float | None = None
    formula: str | None = None
    # how it is shown and checked
    short_label: str | None = None
    headline_order: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    caveats: str | None = None


@dataclass(frozen=True)
class Registry:
    sources: tuple[Source, ...]
    indicators: tuple[Indicator, ...]
    directory: Path = field(default=ROOT / REGISTRY_DIR)
    caveats: tuple[Caveat, ...] = ()

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.source_id == source_id:
                return s
        raise RegistryError(f"{self.directory / SOURCES_FILE}: no source with id {source_id!r}")

    def by_reader(self, reader: str) -> tuple[Source, ...]:
        """The sources a reader takes, oldest release first (by periods, then id)."""
        chosen = [s for s in self.sources if s.reader == reader]
        return tuple(sorted(chosen, key=lambda s: (s.periods or ("", ""), s.source_id)))

    def only(self, reader: str) -> Source:
        """The one source a single-file reader takes; fails clearly on none or several."""
        chosen = self.by_reader(reader)
        if len(chosen) != 1:
            ids = [s.source_id for s in chosen]
            raise RegistryError(
                f"{self.directory / SOURCES_FILE}: reader {reader!r} takes exactly one source, "
                f"found {len(chosen)} {ids}"
            )
        return chosen[0]

    def of_dataset(self, dataset: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.dataset == dataset)

    def newest_source(self, dataset: str) -> Source:
        """The newest release of a dataset: the source id an indicator of it names."""
        chosen = [s for s in self.sources if s.dataset == dataset]
        if not chosen:
            raise RegistryError(
                f"{self.directory / SOURCES_FILE}: no source of dataset {dataset!r}"
            )
        return max(chosen, key=lambda s: (s.periods or ("", ""), s.source_id))

    def with_files(self, changes: Mapping[str, tuple[str, int]]) -> Registry:
        """A copy recording new (sha256, bytes) for the given source ids (accepted new releases)."""
        sources = tuple(
            replace(s, sha256=changes[s.source_id][0], bytes=changes[s.source_id][1])
            if s.source_id in changes
            else s
            for s in self.sources
        )
        return replace(self, sources=sources)


INDICATOR_REQUIRED += ("definition",)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _source(entry: Any, where: str) -> Source:
    e = _checked(entry, SOURCE_KEYS, SOURCE_REQUIRED, where)
    where = f"{where} ({e['id']})"  # (_checked added it to its own messages)
    file_keys = ("raw_path", "sha256", "bytes", "reader")
    present = [k for k in file_keys if k in e]
    if present and len(present) != len(file_keys):
        raise RegistryError(f"{where}: a raw file needs all of {list(file_keys)}, got {present}")
    if "sha256" in e and not SHA256.match(e["sha256"]):
        raise RegistryError(f"{where}: sha256 {e['sha256']!r} is not 64 lower-case hex digits")
    if "raw_path" in e and (problem := raw_path_problem(e["raw_path"])):
        raise RegistryError(
            f"{where}: key 'raw_path' is {problem} ({describe(e['raw_path'])}); expected a "
            "relative path to a file inside the raw folder, like 'dfe/file.csv'"
        )
    for key in ("download_url", "publication_url"):
        if key in e and not re.match(r"^https?://[^\s/?#]+[^\s]*$", e[key]):
            raise RegistryError(
                f"{where}: key {key!r} should be an http(s) URL with a host, got "
                f"{describe(e[key])!r}"
            )
    if "bytes" in e and e["bytes"] < 0:
        raise RegistryError(f"{where}: key 'bytes' should be 0 or more, got {e['bytes']!r}")
    _published(e, where)
    periods = e.get("periods")
    if periods is not None and (len(periods) != 2 or not all(isinstance(p, str) for p in periods)):
        raise RegistryError(f"{where}: periods should be [first, last], got {periods!r}")
    if problem := source_id_problem(e["id"], e["dataset"], periods):
        raise RegistryError(f"{where}: {problem}")
    plain = {k: v for k, v in e.items() if k not in ("id", "periods")}
    return Source(source_id=e["id"], periods=(periods[0], periods[1]) if periods else None, **plain)


def _caveat(entry: Any, where: str) -> Caveat:
    """One ``[[caveat]]``: its kind's keys, each of its type; a pattern that compiles; a reason
    whose placeholders its kind fills in."""
    kind = entry.get("kind") if isinstance(entry, dict) else None
    if kind not in CAVEAT_KEYS:
        raise RegistryError(f"{where}: 'kind' should be one of {sorted(CAVEAT_KEYS)}, got {kind!r}")
    keys = CAVEAT_COMMON | CAVEAT_KEYS[kind]
    e = _checked(entry, keys, tuple(k for k in keys if k not in CAVEAT_OPTIONAL), where)
    where = f"{where} ({e['id']})"
    if not CAVEAT_ID.match(e["id"]):
        raise RegistryError(f"{where}: id should be lower-case letters, digits and _")
    used = set(re.findall(r"\{(\w*)\}", e["reason"]))
    if used - CAVEAT_PLACEHOLDERS[kind]:
        raise RegistryError(
            f"{where}: reason uses {sorted(used - CAVEAT_PLACEHOLDERS[kind])}; a {kind} reason "
            f"may use {sorted(CAVEAT_PLACEHOLDERS[kind]) or 'no placeholder'}"
        )
    if kind == CURATED:
        return _curated(e, where)
    if kind == SMALL_BASE:
        base_period = e.get("base_period", "same")
        if base_period not in BASE_PERIODS:
            raise RegistryError(
                f"{where}: 'base_period' should be one of {list(BASE_PERIODS)}, got {base_period!r}"
            )
        return Caveat(
            e["id"],
            kind,
            e["reason"],
            indicators=_texts(e["indicators"], "indicators", where),
            base=_texts(e["base"], "base", where),
            below=float(e["below"]),
            base_period=base_period,
        )
    if kind == ZERO:
        return Caveat(
            e["id"],
            kind,
            e["reason"],
            indicators=_texts(e["indicators"], "indicators", where),
            base=_texts(e["base"], "base", where),
            at_least=float(e["at_least"]),
        )
    if kind == JUMP:
        if not (e["factor"] > 1 and e["min_periods"] >= 3):
            raise RegistryError(
                f"{where}: a jump rule needs 'factor' above 1 and 'min_periods' of 3 or more, got "
                f"{e['factor']!r} and {e['min_periods']!r}"
            )
        return Caveat(
            e["id"],
            kind,
            e["reason"],
            indicators=_texts(e["indicators"], "indicators", where),
            factor=float(e["factor"]),
            min_periods=e["min_periods"],
        )
    return Caveat(e["id"], kind, e["reason"])


def _curated(e: dict[str, Any], where: str) -> Caveat:
    """A curated entry: its pattern checked, and exactly one of ``periods`` and ``since``."""
    if ("periods" in e) == ("since" in e):
        raise RegistryError(
            f"{where}: give either 'periods' (a list) or 'since' (every period from one on)"
        )
    since = e.get("since")
    if since is not None and not re.fullmatch(r"\d{4}(-\d{2})?", since):
        raise RegistryError(f"{where}: 'since' should be a period such as 2021 or 2021-22")
    value = e.get("value")
    return Caveat(
        e["id"],
        CURATED,
        e["reason"],
        source=e["source"],
        pattern=checked_pattern(e["indicators"], where),
        areas=_texts(e["areas"], "areas", where),
        periods=_texts(e["periods"], "periods", where) if "periods" in e else (),
        value=float(value) if value is not None else None,
        since=since,
    )


def _indicator(entry: Any, caveats: Mapping[str, str], where: str) -> Indicator:
    e = _checked(entry, INDICATOR_KEYS, INDICATOR_REQUIRED, where)
    where = f"{where} ({e['id']})"
    unknown = [c for c in e.get("caveats", []) if c not in caveats]
    if unknown:
        raise RegistryError(f"{where}: caveat name(s) {unknown} not in [caveats]")
    computed = e["dataset"] == COMPUTED
    if computed != ("compute" in e) or computed == ("column" in e):
        raise RegistryError(
            f"{where}: a computed indicator (dataset {COMPUTED!r}) gives compute and inputs; "
            "any other gives the published column it is read from"
        )
    if computed and (e["compute"] not in COMPUTE_KINDS or not e.get("inputs")):
        raise RegistryError(f"{where}: compute should be one of {COMPUTE_KINDS}, with inputs")
    for key in ("theme", "unit", "polarity"):  # the indicators schema's categories
        if e[key] not in labels.values("indicators", key):
            allowed = list(labels.values("indicators", key))
            raise RegistryError(f"{where}: {key} {e[key]!r} is not one of {allowed}")
    where_rows = e.get("where", {})
    if not all(isinstance(v, str) for v in where_rows.values()):
        raise RegistryError(f"{where}: 'where' values should be text, as published")
    return Indicator(
        indicator_id=e["id"],
        label=e["label"],
        theme=e["theme"],
        unit=e["unit"],
        decimals=e["decimals"],
        polarity=e["polarity"],
        dataset=e["dataset"],
        definition=e["definition"],
        short_label=e.get("short_label"),
        min_value=float(e["min"]) if "min" in e else None,
        max_value=float(e["max"]) if "max" in e else None,
        column=e.get("column"),
        where=tuple(where_rows.items()),
        compute=e.get("compute"),
        inputs=tuple(e.get("inputs", [])),
        scale=float(e["scale"]) if "scale" in e else None,
        formula=e.get("formula"),
        headline_order=e.get("headline_order"),
        caveats=" ".join(caveats[c] for c in e.get("caveats", [])) or None,
    )


def _unique(ids: list[str], what: str, path: Path) -> None:
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if repeated:
        raise RegistryError(f"{path}: {what} id(s) declared twice: {repeated}")


def _cross_check(registry: Registry) -> None:
    """Facts that span entries: datasets exist, inputs exist, headline order has no gaps."""
    path = registry.directory
    datasets = {s.dataset for s in registry.sources}
    ids = {i.indicator_id for i in registry.indicators}
    for i in registry.indicators:
        if i.dataset not in datasets:
            raise RegistryError(
                f"{path / INDICATORS_FILE}: indicator {i.indicator_id}: dataset {i.dataset!r} has "
                f"no source in {SOURCES_FILE}"
            )
        missing = [x for x in i.inputs if x not in ids]
        if missing:
            raise RegistryError(
                f"{path / INDICATORS_FILE}: indicator {i.indicator_id}: inputs {missing} are not "
                "indicators"
            )
    order = sorted(i.headline_order for i in registry.indicators if i.headline_order is not None)
    if order != list(range(1, len(order) + 1)):
        raise RegistryError(
            f"{path / INDICATORS_FILE}: headline_order should run 1, 2, 3... once each, got {order}"
        )
    paths = [s.raw_path for s in registry.sources if s.raw_path]
    _unique(paths, "raw_path", path / SOURCES_FILE)
    _check_caveats(registry)


def _check_caveats(registry: Registry) -> None:
    """Every caveat names sources and indicators that exist, so a typo fails here, not as a caveat
    that quietly flags nothing."""
    where = registry.directory / CAVEATS_FILE
    ids = {i.indicator_id for i in registry.indicators}
    sources = {s.source_id for s in registry.sources}
    for c in registry.caveats:
        if c.source is not None and c.source not in sources:
            raise RegistryError(
                f"{where}: caveat {c.caveat_id}: source {c.source!r} not in sources"
            )
        if c.pattern is not None and not pl.Series(sorted(ids)).str.contains(c.pattern).any():
            raise RegistryError(
                f"{where}: caveat {c.caveat_id}: indicators {c.pattern!r} matches no indicator id"
            )
        unknown = sorted(set(c.indicators + c.base) - ids)
        if unknown:
            raise RegistryError(f"{where}: caveat {c.caveat_id}: unknown indicator(s) {unknown}")
    if sum(c.kind == COMPUTED_FROM for c in registry.caveats) > 1:
        raise RegistryError(f"{where}: at most one caveat of kind {COMPUTED_FROM!r}")


def read_registry(directory: Path = ROOT / REGISTRY_DIR) -> Registry:
    """The three registries, every entry checked."""
    sources_doc = _read_toml(directory / SOURCES_FILE)
    indicators_doc = _read_toml(directory / INDICATORS_FILE)
    caveats_doc = _read_toml(directory / CAVEATS_FILE)
    sources_path, indicators_path = directory / SOURCES_FILE, directory / INDICATORS_FILE
    sources = tuple(
        _source(e, f"{sources_path} [[source]] {n + 1}")
        for n, e in enumerate(sources_doc.get("source", []))
    )
    caveats = indicators_doc.get("caveats", {})
    indicators = tuple(
        _indicator(e, caveats, f"{indicators_path} [[indicator]] {n + 1}")
        for n, e in enumerate(indicators_doc.get("indicator", []))
    )
    caveats_path = directory / CAVEATS_FILE
    figure_caveats = tuple(
        _caveat(e, f"{caveats_path} [[caveat]] {n + 1}")
        for n, e in enumerate(caveats_doc.get("caveat", []))
    )
    _unique([s.source_id for s in sources], "source", sources_path)
    _unique([i.indicator_id for i in indicators], "indicator", indicators_path)
    _unique([c.caveat_id for c in figure_caveats], "caveat", caveats_path)
    registry = Registry(sources, indicators, directory, figure_caveats)
    _cross_check(registry)
    return registry


@cache
def default_registry() -> Registry:
    """This checkout's registries, read once per process."""
    return read_registry()
