"""Charts drawn: Vega-Lite specifications rendered to accessible SVG (and PNG) by the chart worker
processes, a chart unchanged since the previous site reused, and the phone layout's panels read
back from the drawn SVG.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from cscbench.core import chartworker
from cscbench.publish import formatting as fmt
from cscbench.publish import output_names, png_export
from cscbench.publish.charts import (
    HEIGHT,
    WIDTH,
    X_EXTENT,
    Y_EXTENT,
)

ID = re.compile(r'\bid="([^"]+)"')
# Vega gives its groups and marks ARIA roles; inside an image (the root's role="img", named and
# described) they are noise a checker reports as unnamed graphics, so they are taken off.
INNER_ARIA = re.compile(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"')
REFERENCE = re.compile(r'(url\(#|href="#)([^")]+)')

MAX_WORKERS = 2
MIN_POOLED = 4  # fewer charts than this render in one worker


def chart_id(stem: str) -> str:
    return stem.replace("/", "-")


def accessible_svg(svg: str, chart: fmt.Chart, key: str) -> str:
    """The SVG as an image with a name and a description (``role="img"``, ``<title>``,
    ``<desc>``), its internal ids prefixed by the chart's so two charts on a page never share one,
    and the content key it was rendered from (``data-key``: see :func:`content_key`)."""
    cid = chart_id(chart.stem)
    svg = ID.sub(lambda m: f'id="{cid}-{m[1]}"', svg)
    svg = REFERENCE.sub(lambda m: f"{m[1]}{cid}-{m[2]}", svg)
    head_end = svg.index(">", svg.index("<svg")) + 1
    opening = svg[:head_end].replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" '
        f'focusable="false" data-key="{key}" ',
        1,
    )
    title = f'<title id="{cid}-title">{html.escape(chart.title)}</title>'
    desc = f'<desc id="{cid}-desc">{html.escape(chart.description)}</desc>'
    inner = INNER_ARIA.sub("", svg[head_end:])
    end = inner.rindex("</svg>")
    # one group holding the drawing, so the phone layout can show each panel of it (<use>)
    drawing = f'<g id="{cid}-all">{inner[:end]}</g>{inner[end:]}'
    return opening + title + desc + drawing


GROUP_TAG = re.compile(r"<(/?)g\b([^>]*)>")
TRANSLATE = re.compile(r'transform="translate\(([-\d.e]+),([-\d.e]+)\)"')


def panel_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """Each panel's box (x, y, width, height) in the chart's coordinates, in panel order: the
    plot, its axes (whose room is fixed: :data:`Y_EXTENT`, :data:`X_EXTENT`) and its heading.

    Read from the SVG vl-convert drew: the root group's offset, then each facet cell's offset
    and its heading's; nothing is measured or guessed from text."""
    start = svg.find("role-scope cell")
    root = TRANSLATE.search(svg)
    if start < 0 or root is None:
        return []
    ox, oy = float(root[1]), float(root[2])
    depth = 0  # inside the cells' scope group: its children (depth 1) are the cells
    boxes: list[tuple[float, float, float]] = []
    for tag in GROUP_TAG.finditer(svg, start):
        if tag[1] == "/":
            depth -= 1
            if depth < 0:
                break
            continue
        if tag[2].rstrip().endswith("/"):
            continue
        depth += 1
        move = TRANSLATE.search(tag[2])
        if move is None:
            continue
        if depth == 1:
            boxes.append((float(move[1]), float(move[2]), 0.0))
        elif depth == 4 and boxes and "role-title" in svg[svg.rfind("<g", 0, tag.start()) :][:80]:
            x, y, _ = boxes[-1]
            boxes[-1] = (x, y, float(move[2]))  # the heading sits above the plot
    out = []
    for x, y, heading in boxes:
        top = min(heading, 0.0) - 2
        out.append(
            (
                ox + x - Y_EXTENT,
                oy + y + top,
                Y_EXTENT + WIDTH + 4,
                -top + HEIGHT + X_EXTENT,
            )
        )
    return out


def legend_html(spec: dict) -> str:
    """The chart's legend as a list (a line sample in the series' colour and dash, and its
    name), for the phone layout, where the drawn legend would be too small to read."""
    encoding = spec.get("spec", {}).get("encoding", {})
    colour = encoding.get("color", {}).get("scale", {})
    dash = encoding.get("strokeDash", {}).get("scale", {})
    items = []
    for name, stroke, pattern in zip(
        colour.get("domain", []), colour.get("range", []), dash.get("range", []), strict=False
    ):
        dasharray = " ".join(str(n) for n in pattern)
        items.append(
            '<li><svg width="28" height="8" aria-hidden="true" focusable="false">'
            f'<line x1="0" y1="4" x2="28" y2="4" stroke="{html.escape(stroke, quote=True)}" '
            f'stroke-width="2" stroke-dasharray="{html.escape(dasharray, quote=True)}"/></svg> '
            f"{html.escape(name)}</li>"
        )
    return f'<ul class="legend">{"".join(items)}</ul>'


def phone_html(chart: fmt.Chart, svg: str) -> str | None:
    """The chart's panels one under another for a narrow screen, each a window onto the same
    drawing (``<use>``: nothing is rendered twice) at a size that keeps its axis text at least
    11 CSS px on a 390 px phone. Hidden from screen readers: the chart itself (named and
    described) is still in the page, only out of sight on a phone."""
    boxes = panel_boxes(svg)
    if not boxes:
        return None
    cid = chart_id(chart.stem)
    panels = "".join(
        f'<svg class="panel" viewBox="{x:g} {y:g} {w:g} {h:g}" focusable="false">'
        f'<use href="#{cid}-all"/></svg>'
        for x, y, w, h in boxes
    )
    return f'<div class="phone" aria-hidden="true">{legend_html(chart.spec)}{panels}</div>'


def content_key(chart: fmt.Chart) -> str:
    """What a chart's images are made from: its specification (data, words and style), the
    renderer's version and its fonts. The same key means byte-identical images, so a rebuild can
    reuse them."""
    import vl_convert

    spec = json.dumps(chart.spec, sort_keys=True)
    renderer = f"vl-convert {vl_convert.__version__}, {chartworker.FONTS}"
    text = f"{renderer}\n{chart.title}\n{chart.description}\n{spec}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reused(previous: Path | None, chart: fmt.Chart, key: str, png: bool) -> Images | None:
    """The chart's images from the previous build of the site, if they were made from the same
    content (its SVG file carries the key; a PNG is reused only when there is one)."""
    if previous is None:
        return None
    svg_file = previous / f"{chart.stem}.svg"
    png_file = previous / f"{chart.stem}.png"
    try:
        svg = svg_file.read_text(encoding="utf-8") if svg_file.is_file() else ""
        if f'data-key="{key}"' not in svg[:2000] or (png and not png_file.is_file()):
            return None
        return svg, png_file.read_bytes() if png else None
    except (OSError, UnicodeDecodeError):
        return None


def workers(count: int) -> int:
    """Worker processes for ``count`` charts: at most two (the machine's cores are shared with
    the main process, which writes the tables meanwhile), one for a handful of charts. Every
    chart renders in a worker, so every chart is drawn with the same fonts
    (:func:`chartworker.own_fonts_env`)."""
    if count == 0:
        return 0
    if count < MIN_POOLED:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


Images = tuple[str, bytes | None]  # the accessible SVG, and the PNG (title and text inside)
Rendered = dict[str, Images]


class Rendering:
    """Charts being rendered by worker processes (:mod:`cscbench.core.chartworker`) while the caller
    goes on; :meth:`collect` waits for them.

    A chart whose images the previous build made from the same content (``previous``: the site
    being replaced) is not rendered again. The others are dealt out in turn to each worker as one
    batch on its standard input; a thread per worker feeds it and reads its results, so neither
    side ever blocks on a full pipe. Used as a context manager: leaving it, also on an error or
    Ctrl-C, kills every worker and removes the workers' (empty) font folder.
    """

    def __init__(
        self, charts: Sequence[fmt.Chart], png: bool, previous: Path | None = None
    ) -> None:
        self.charts = {c.stem: c for c in charts}
        self.keys = {c.stem: content_key(c) for c in charts}
        self.done: Rendered = {}
        jobs = []
        for c in charts:
            old = reused(previous, c, self.keys[c.stem], png)
            if old is not None:
                self.done[c.stem] = old
            else:
                jobs.append(json.dumps([c.stem, json.dumps(c.spec, sort_keys=True), png]))
        count = workers(len(jobs))
        self.procs: list[subprocess.Popen[bytes]] = []
        self.outputs: list[tuple[bytes, bytes]] = []
        self.threads: list[threading.Thread] = []
        self.fonts = Path(tempfile.mkdtemp(prefix="cscbench-fonts-")) if count else None
        for n in range(count):
            self.start("".join(j + "\n" for j in jobs[n::count]).encode("utf-8"))

    def start(self, batch: bytes) -> None:
        assert self.fonts is not None
        proc = subprocess.Popen(
            [sys.executable, "-m", "cscbench.core.chartworker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=chartworker.own_fonts_env(self.fonts),
        )
        slot = len(self.outputs)
        self.outputs.append((b"", b""))

        def feed() -> None:
            self.outputs[slot] = proc.communicate(batch)

        thread = threading.Thread(target=feed, daemon=True)
        thread.start()
        self.procs.append(proc)
        self.threads.append(thread)

    def __enter__(self) -> Rendering:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for thread in self.threads:
            thread.join()
        for proc in self.procs:
            proc.wait()
        if self.fonts is not None:
            shutil.rmtree(self.fonts, ignore_errors=True)
            self.fonts = None

    def collect(self) -> Rendered:
        """stem -> (accessible SVG, PNG or None), for every chart."""
        results: list[tuple[str, bytes, bytes]] = []
        for proc, thread, slot in zip(
            self.procs, self.threads, range(len(self.procs)), strict=True
        ):
            thread.join()
            out, err = self.outputs[slot]
            if proc.returncode != 0:
                tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
                raise RuntimeError(f"a chart worker failed (exit {proc.returncode}): {tail}")
            results += frames(out)
        out = dict(self.done)
        for stem, svg, png in results:
            chart = self.charts[stem]
            texts = {"Title": chart.title, "Description": chart.description}
            out[stem] = (
                accessible_svg(svg.decode("utf-8"), chart, self.keys[stem]),
                png_export.png_with_text(png, texts) if png else None,
            )
        missing = sorted(set(self.charts) - set(out))
        if missing:
            raise RuntimeError(f"charts not rendered: {missing[:5]}")
        self.close()
        return dict(sorted(out.items()))


def frames(output: bytes) -> list[tuple[str, bytes, bytes]]:
    """A worker's output read back: (stem, SVG, PNG) per chart."""
    out, at = [], 0
    while at < len(output):
        end = output.index(b"\n", at)
        header = json.loads(output[at:end])
        svg_end = end + 1 + header["svg"]
        png_end = svg_end + header["png"]
        out.append((header["stem"], output[end + 1 : svg_end], output[svg_end:png_end]))
        at = png_end
    return out


def render(charts: Sequence[fmt.Chart], png: bool, previous: Path | None = None) -> Rendered:
    with Rendering(charts, png, previous) as rendering:
        return rendering.collect()


def with_svgs(pages: Sequence[fmt.Page], rendered: Rendered) -> list[fmt.Page]:
    """The pages with each chart's SVG in place (and whether its PNG was written)."""
    out = []
    for page in pages:
        if not page.charts:
            out.append(page)
            continue
        sections = tuple(
            replace(
                section,
                parts=tuple(
                    replace(
                        p,
                        svg=rendered[p.stem][0],
                        png=rendered[p.stem][1] is not None,
                        phone=phone_html(p, rendered[p.stem][0]),
                    )
                    if isinstance(p, fmt.Chart)
                    else p
                    for p in section.parts
                ),
            )
            for section in page.sections
        )
        out.append(replace(page, sections=sections))
    return out


def write_files(root: Path, charts: Sequence[fmt.Chart], rendered: Rendered) -> int:
    """Each chart's CSV and SVG, and its PNG where rendered; returns the number of PNGs."""
    written = 0
    for c in charts:
        svg, png = rendered[c.stem]
        fmt.write_csv(c.data, output_names.safe_file(root, c.stem, ".csv"))
        output_names.safe_file(root, c.stem, ".svg").write_text(svg, encoding="utf-8", newline="\n")
        if png is not None:
            output_names.safe_file(root, c.stem, ".png").write_bytes(png)
            written += 1
    return written
