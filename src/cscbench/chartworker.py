"""Render Vega-Lite charts to SVG (and PNG) with vl-convert: the chart worker process.

``python -m cscbench.chartworker`` reads one job per line on standard input (a JSON list: stem,
Vega-Lite specification as JSON text, whether a PNG is wanted) and writes each result to standard
output as a JSON header line (stem and byte lengths) followed by the SVG and PNG bytes.

It sits outside :mod:`cscbench.publish` on purpose: a worker imports only this module and
vl-convert, not polars, great-tables or the page builders, so starting one costs a fraction of a
second; and it is a plain subprocess, not :mod:`multiprocessing`, so it never re-imports the
caller's main script and never forks a process that runs polars' threads. vl-convert needs no
browser.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys


def die_with_parent() -> None:
    """Ask Linux to kill this worker when publish dies, so none outlives a killed run; Ctrl-C
    reaches publish, which stops its workers itself (no traceback from each)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


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
