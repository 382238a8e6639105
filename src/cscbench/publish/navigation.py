"""How pages link: where each council's and region's page is, breadcrumbs, the councils' other
names for the search box, the sources each page shows, and alphabetical neighbours.

Every link target comes from here, so a name in any table, the index's search list and the
breadcrumbs all point at the same files, and a test can check that every one of them exists.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from cscbench.core.names import LIST_SEPARATOR, normalise_name
from cscbench.publish import formatting as fmt
from cscbench.publish import layout
from cscbench.publish.context import Context

DEFINITIONS = "definitions"
DEFINITION_TERMS = frozenset({"ofsted"})  # the definitions page's entries that are no indicator
INDICATORS = "indicators"  # the folder of the indicator pages
INDICATOR_ANCHOR = "definition"  # on an indicator's page: its definition
PLAIN_ID = re.compile(r"[a-z0-9][a-z0-9_]*")
SECTION_CRUMBS = {  # a page family -> where the index lists it
    "changes": ("#changes", "What changed"),
    "headline": ("#headline", "Headline comparison"),
    "history": ("#history", "Ofsted history"),
    "claims": ("#claims", "Claims vs statistics"),
    "groups": ("#groups", "Comparison groups"),
    "regions": ("#regions", "Regions"),
    "profiles": ("#find", "Council profiles"),
    "indicators": ("#indicators", "Every council on one indicator"),
}


# ---------------------------------------------------------------------------- where pages are


def councils(ctx: Context) -> pl.DataFrame:
    """The current councils that have a profile: ``area_code``, ``name``, ``region_code``,
    ``stem``, in the order the profiles are listed (by name, then code)."""
    return (
        ctx.areas.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
        .filter(pl.col("level") == "local_authority", pl.col("status") == "current")
        .select("area_code", "name", "region_code")
        .sort("name", "area_code")
        .with_columns(
            (
                "profiles/"
                + pl.col("area_code").str.to_lowercase()
                + "-"
                + pl.col("name").map_elements(fmt.slug, return_dtype=pl.String)
            ).alias("stem")
        )
    )


def profile_stems(ctx: Context) -> dict[str, str]:
    """council code -> its profile's stem."""
    return dict(councils(ctx).select("area_code", "stem").iter_rows())


def region_stems(ctx: Context) -> dict[str, str]:
    """region code -> its page's stem; two regions whose names give the same slug get -2, -3
    (by name, then code), so neither overwrites the other."""
    regions = ctx.areas.filter(pl.col("level") == "regional").sort("name", "area_code")
    rows = regions.select("area_code", "name").rows()
    slugs = fmt.unique_slugs([name for _, name in rows], "region")
    return {code: "regions/" + slug for (code, _), slug in zip(rows, slugs, strict=True)}


@dataclass(frozen=True)
class Places:
    """Where the councils' and regions' pages are, worked out once per publish."""

    councils: pl.DataFrame  # councils(): code, name, region, stem, A to Z
    profiles: dict[str, str]  # council code -> stem
    regions: dict[str, str]  # region code -> stem


def places(ctx: Context) -> Places:
    listed = councils(ctx)
    profiles = dict(listed.select("area_code", "stem").iter_rows())
    return Places(listed, profiles, region_stems(ctx))


def name_links(ctx: Context) -> dict[str, str]:
    """A council's or region's name -> its page's stem, for the names in tables."""
    out = {ctx.names[code]: stem for code, stem in region_stems(ctx).items()}
    out.update({ctx.names[code]: stem for code, stem in profile_stems(ctx).items()})
    return out


def definition(indicator_id: str) -> str:
    """Where an indicator's label links (stem and anchor): its own page, where every council is
    ranked, at its definition (which links on to the definitions page); an entry of the
    definitions page that is no indicator (Ofsted's judgements) stays there."""
    if indicator_id in DEFINITION_TERMS:
        return f"{DEFINITIONS}#{indicator_id}"
    return f"{indicator_stem(indicator_id)}#{INDICATOR_ANCHOR}"


def indicator_stem(indicator_id: str) -> str:
    """An indicator's page: ``indicators/<indicator_id>`` (a stable address), or the id's slug for
    an id that is not lower-case letters, digits and underscores."""
    plain = PLAIN_ID.fullmatch(indicator_id)
    return f"{INDICATORS}/{indicator_id if plain else fmt.slug(indicator_id) or 'indicator'}"


# ---------------------------------------------------------------------------- what pages show


def page_sources(ctx: Context, page: fmt.Page) -> list[str]:
    """The sources of every figure a page shows: the source columns of its tables' data
    (``source_id``, or ``official_source`` beside a claim), the announcements' own sources on a
    page of claims, and those a builder names (``meta["sources"]``: a wide table has no source
    column)."""
    ids = set(filter(None, page.meta.get("sources", "").split("|")))
    for table in (*page.tables, *page.shown):
        for column in ("source_id", "official_source"):
            if column in table.data.columns:
                ids.update(str(s) for s in table.data[column].drop_nulls().unique())
        if "announcement_id" in table.data.columns and ctx.has("announcements"):
            said = ctx.frames["announcements"]["source_id"].drop_nulls().unique()
            ids.update(str(s) for s in said)
    known = ctx.memo.get("known sources")
    if not isinstance(known, frozenset):
        known = frozenset(ctx.sources["source_id"].cast(pl.String).to_list())
        ctx.memo["known sources"] = known
    return sorted(ids & known)


def releases_html(ctx: Context, source_ids: Sequence[str]) -> fmt.Html:
    """Which release of each source the page shows and when the publisher released it (from the
    ``sources`` resource; a date it does not record is said to be unrecorded). Worked out once
    per set of sources in a publish run: the 153 profiles share a handful of sets."""
    memo_key = "releases\0" + "\0".join(source_ids)
    done = ctx.memo.get(memo_key)
    if not isinstance(done, fmt.Html):
        done = _releases_html(ctx, source_ids)
        ctx.memo[memo_key] = done
    return done


def _releases_html(ctx: Context, source_ids: Sequence[str]) -> fmt.Html:
    rows = ctx.sources.filter(pl.col("source_id").is_in(list(source_ids))).sort(
        "publisher", "title", "source_id"
    )
    items = []
    for row in rows.iter_rows(named=True):
        when = row.get("published")
        date = f"published {when:%-d %B %Y}" if when else "publication date not recorded"
        periods = f"; periods {row['periods']}" if row.get("periods") else ""
        text = html.escape(f"{row['publisher']}: {row['title']} ({date}{periods}).")
        url = row.get("publication_url")
        if url and str(url).startswith("https://"):
            text += f" {layout.link(url, 'Publication page')}."
        items.append(f"<li>{text}</li>")
    if not items:
        return fmt.Html("")
    return fmt.Html(
        '<section id="releases" class="releases"><h2>Data on this page</h2>'
        f"<p>The releases of each source the figures above come from.</p><ul>{''.join(items)}</ul>"
        "</section>"
    )


def decorate(ctx: Context, pages: Sequence[fmt.Page]) -> list[fmt.Page]:
    """Every page with breadcrumbs (where its builder gave none), its data releases, and each
    table told which page shows it (for its image's alt text)."""
    out = []
    for page in pages:
        crumbs = page.crumbs or default_crumbs(page)
        tables = tuple(replace(t, page=page.stem) for t in page.tables)
        releases = page.releases or releases_html(ctx, page_sources(ctx, page))
        out.append(replace(page, crumbs=crumbs, tables=tables, releases=releases))
    return out


def default_crumbs(page: fmt.Page) -> tuple[tuple[str, str], ...]:
    """The index's list the page belongs to, as the crumb between the index and the page."""
    where = SECTION_CRUMBS.get(page.section)
    return ((where[0], where[1]),) if where else ()


# ---------------------------------------------------------------------------- search


def other_names(ctx: Context) -> pl.DataFrame:
    """Every current council with its other names: its own variants (``alt_names``), and the
    names of the codes it continues (superseded) or succeeds (abolished councils split in two),
    so "Hull" finds Kingston upon Hull and "Northamptonshire" finds both of its successors.
    ``area_code``, ``name``, ``stem``, ``others`` (a sorted list, the official name left out)."""
    areas = ctx.areas.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
    variants = areas.select(
        "area_code",
        "series_code",
        pl.col("successor_code").str.split(LIST_SEPARATOR).alias("successors"),
        pl.concat_list(
            pl.col("name"), pl.col("alt_names").str.split(LIST_SEPARATOR).fill_null([])
        ).alias("variant"),
    ).explode("variant")
    own = variants.select(pl.col("area_code").alias("council"), "variant")
    continued = variants.filter(pl.col("series_code") != pl.col("area_code")).select(
        pl.col("series_code").alias("council"), "variant"
    )
    succeeded = (
        variants.filter(pl.col("series_code").is_null())
        .explode("successors")
        .select(pl.col("successors").alias("council"), "variant")
    )
    named = councils(ctx)
    names = (
        pl.concat([own, continued, succeeded])
        .drop_nulls()
        .join(named.select(pl.col("area_code").alias("council"), "name"), on="council")
        .filter(normalise_name(pl.col("variant")) != normalise_name(pl.col("name")))
        .unique(["council", "variant"])
        .sort("council", "variant")
        .group_by("council", maintain_order=True)
        .agg(pl.col("variant").alias("others"))
    )
    return named.join(
        names.rename({"council": "area_code"}), on="area_code", how="left", maintain_order="left"
    ).with_columns(pl.col("others").fill_null([]))


# ---------------------------------------------------------------------------- profile links


def pager(code: str, places: Places, depth: int) -> fmt.Html:
    """The previous and next council's profile, alphabetically, and the list of all."""
    listed = places.councils
    names, stems = listed["name"].to_list(), listed["stem"].to_list()
    codes = listed["area_code"].to_list()
    at = codes.index(code)
    before = layout.link(layout.href(stems[at - 1], depth), f"← {names[at - 1]}") if at else ""
    after = (
        layout.link(layout.href(stems[at + 1], depth), f"{names[at + 1]} →")
        if at + 1 < len(codes)
        else ""
    )
    every = layout.link(layout.href("", depth, "find"), "All councils, A to Z")
    return fmt.Html(
        '<nav class="pager" aria-label="Council profiles, A to Z">'
        f"<span>{before}</span><span>{every}</span><span>{after}</span></nav>"
    )


def neighbours_html(ctx: Context, code: str, places: Places, depth: int = 1) -> fmt.Html:
    """The council's 10 DfE statistical neighbours, closest first, named, with their closeness
    and each linked to its profile."""
    stems = places.profiles
    rows = (
        ctx.frames["statistical_neighbours"]
        .with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
        .filter(pl.col("area_code") == code)
        .sort("rank")
    )
    items = []
    for rank, other, closeness in rows.select("rank", "neighbour_code", "closeness").iter_rows():
        name = ctx.names.get(other, other)
        shown = (
            layout.link(layout.href(stems[other], depth), name)
            if other in stems
            else html.escape(name)
        )
        items.append(
            f"<tr><td>{rank}</td><th scope='row'>{shown}</th>"
            f"<td>{html.escape((closeness or '').strip() or 'not given')}</td></tr>"
        )
    if not items:
        return fmt.Html("<p>The DfE model names no statistical neighbours for this council.</p>")
    return fmt.Html(
        "<p>The DfE 2025 statistical neighbour model's 10 councils most like this one, closest "
        "first: the neighbour mean and median in the tables are theirs.</p>"
        '<div class="wide"><table class="index"><caption class="note">Statistical neighbours'
        "</caption><thead><tr><th scope='col'>Rank</th><th scope='col'>Council</th>"
        "<th scope='col'>Closeness</th></tr></thead><tbody>" + "".join(items) + "</tbody></table>"
        "</div>"
    )
