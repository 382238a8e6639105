"""Render Vega-Lite charts to SVG (and PNG) with vl-convert: the chart worker process.

``python -m cscbench.core.chartworker`` reads one job per line on standard input (a JSON list: stem,
Vega-Lite specification as JSON text, whether a PNG is wanted) and writes each result to standard
output as a JSON header line (stem and byte lengths) followed by the SVG and PNG bytes.

It sits outside :mod:`cscbench.publish` on purpose: a worker imports only this module and
vl-convert, not polars, great-tables or the page builders, so starting one costs a fraction of a
second; and it is a plain subprocess, not :mod:`multiprocessing`, so it never re-imports the
caller's main script and never forks a process that runs polars' threads. vl-convert needs no
browser.

A worker draws its text with the Liberation Sans that vl-convert carries in memory, not the
system's fonts (see :func:`own_fonts_env`): the images no longer depend on the fonts a machine
has installed, and the text costs a third of the time it did.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import signal
import sys
from pathlib import Path

# What the key of a chart's images says about the fonts they were drawn with (see own_fonts_env).
FONTS = "fonts: vl-convert's own Liberation Sans"


def die_with_parent() -> None:
    """Ask Linux to kill this worker when publish dies, so none outlives a killed run; Ctrl-C
    reaches publish, which stops its workers itself (no traceback from each)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def own_fonts_env(folder: Path) -> dict[str, str]:
    """The environment of a worker that sees no system font, so every text is set in the
    Liberation Sans vl-convert holds in memory: ``folder`` (empty, the caller's to remove) gets a
    fontconfig file naming only itself as a font folder.

    vl-convert's font database (fontdb) reads its system fonts from the folders fontconfig names,
    and opens and maps a system font's file again for every glyph it measures or draws (about
    10,000 times a chart, a third of a chart's time); its own copy is already in memory. Where
    there is no fontconfig (macOS, Windows) the variable is ignored and the system fonts are
    used as before.
    """
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<fontconfig>\n'
        f"  <dir>{html.escape(str(folder.resolve()), quote=False)}</dir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def render(spec: str, png: bool) -> tuple[bytes, bytes]:
    """One chart's SVG and PNG (empty when not wanted).

    The specification carries its data inline; ``allowed_base_urls=[]`` makes vl-convert refuse
    any URL, so a chart can never fetch anything.
    """
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    image = vl_convert.svg_to_png(svg, scale=1.0) if png else b""
    return svg.encode("utf-8"), image


def main() -> None:
    """Render each job read on standard input; an error ends the worker with a traceback on its
    standard error, which publish reports."""
    die_with_parent()
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        stem, spec, png = json.loads(line)
        svg, image = render(spec, png)
        header = json.dumps({"stem": stem, "svg": len(svg), "png": len(image)})
        out.write(header.encode("utf-8") + b"\n" + svg + image)
    out.flush()


if __name__ == "__main__":
    main()
