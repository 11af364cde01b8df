"""Benchmark: drawing a 1920×1080 frame of batik, against CairoSVG and Skia.

Scene: a 1920×1080 frame of kawung with fillers and crackle (falls back to a
synthetic kawung-like scene of a few thousand elements, from tests/utils.py, while
batik_waves.motifs.kawung does not exist). Rows:

(a) generating the Pattern + ``rasterize``: median of N runs. Target ≤ 60 ms on the
    2-core machine (two workers then render 25 fps video faster than real time).
(b) ``rasterize`` against CairoSVG on the same SVG (``to_svg`` of the same Pattern):
    CairoSVG to PNG bytes, and CairoSVG's drawing alone (no PNG encoding). Target:
    ``rasterize`` ≥ 4× faster than CairoSVG.
(c) Skia's SVG DOM on the same SVG (``pip install -e '.[bench]'``, skia-python), the
    floor to compare against; resvg (resvg-py) too when installed. Skipped with a
    message when missing.
(d) The kiosk / video pan case: a smaller tile filling the frame with
    ``rasterize(scale=...)`` (the repeat cell is drawn once).

Run: ``.venv/bin/python benchmarks/bench_render.py`` (``--help`` for options).
Other sections (``batik-waves render`` on the bundled sample, say) plug in by
appending a function to ``SECTIONS``: it receives the parsed options and a
``report(label, seconds_list, note="")`` callable.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _machine import describe

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))  # the synthetic scene lives with the tests

from batik_waves.errors import BatikWavesError  # noqa: E402
from batik_waves.render import rasterize, to_svg  # noqa: E402

FRAME = (1920, 1080)


# ------------------------------------------------------------------- machine
def machine() -> str:
    import cairocffi

    return describe(f"cairo {cairocffi.cairo_version_string()}", f"numpy {np.__version__}")


def timed(fn: Callable[[], object], runs: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def interleaved(fa: Callable, fb: Callable, runs: int) -> tuple[list[float], list[float]]:
    """Time *fa* and *fb* alternately, so that both see the same machine load."""
    fa(), fb()
    ta, tb = [], []
    for _ in range(runs):
        for fn, acc in ((fa, ta), (fb, tb)):
            t = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t)
    return ta, tb


def ratio(slow: list[float], fast: list[float]) -> str:
    """'x× (y× best)': ratio of medians, and of the fastest runs (closest to a quiet machine)."""
    return f"{ms(slow) / ms(fast):.1f}× ({min(slow) / min(fast):.1f}× on the fastest runs)"


def ms(seconds: list[float] | float) -> float:
    v = statistics.median(seconds) if isinstance(seconds, list) else seconds
    return 1000.0 * v


# --------------------------------------------------------------------- scene
def kawung_maker(tile):
    """A callable making the kawung Pattern with fillers and crackle, or None."""
    try:
        mod = importlib.import_module("batik_waves.motifs.kawung")
    except ImportError:
        return None, "batik_waves.motifs.kawung not importable yet"
    params = mod.KawungParams()
    fields = {f.name for f in dataclasses.fields(params)}
    # switch on whatever "fillers" and "crackle" the params offer (names may evolve)
    tweaks = {}
    for name in fields:
        low = name.lower()
        if "crackle" in low or "remukan" in low:
            tweaks[name] = _on_value(params, name)
        if "filler" in low or "isen" in low:
            tweaks[name] = _on_value(params, name)
    tweaks = {k: v for k, v in tweaks.items() if v is not None}
    try:
        params = params.replace(**tweaks) if hasattr(params, "replace") else params
    except BatikWavesError:
        pass  # keep the defaults if a guess is out of range
    desc = f"kawung {tweaks or '(defaults)'}"

    def make(seed=0):
        return mod.kawung(params, tile=tile, rng=seed)

    return make, desc


def _on_value(params, name):
    v = getattr(params, name)
    if isinstance(v, bool):
        return True
    if isinstance(v, int | float) and not isinstance(v, bool):
        return v if v else None
    return None


def scene(args):
    """(make_pattern(seed), description, frame_kwargs) for the 1920×1080 frame."""
    make, why = kawung_maker(FRAME)
    if make is not None:
        try:
            make(0)
            return make, why + f", tile {FRAME[0]}×{FRAME[1]}", {}
        except BatikWavesError as err:  # non-square tiles refused: fill the frame instead
            side = FRAME[1]
            make, why = kawung_maker((side, side))
            return make, why + f", {side}² tile filling the frame ({err})", {"scale": 1.0}
    from utils import dense_scene

    pattern = dense_scene(size=FRAME, pitch=48)
    print(f"note: {why}; using the synthetic dense scene from tests/utils.py")
    return (lambda seed=0: pattern), "synthetic kawung-like scene (generation not timed)", {}


def count_elements(pattern) -> int:
    import shapely

    return int(sum(shapely.get_num_geometries(lyr.geometry) for lyr in pattern.layers))


# ------------------------------------------------------------------ sections
def section_frame(args, report):
    make, desc, kw = scene(args)
    pattern = make(0)
    w, h = FRAME
    print(f"scene: {desc}; {count_elements(pattern)} elements in {len(pattern.layers)} layers")

    seeds = iter(range(1, 10**9))  # a new seed every run: no cached Pattern
    gen = timed(lambda: make(next(seeds)), args.runs)
    report("generate Pattern (new seed each run)", gen)
    out = np.empty((h, w, 4), np.uint8)

    def fresh_raster(antialias="best"):
        from batik_waves.render import raster

        pattern.memo.clear()  # a new Pattern every frame: no cached geometry prep
        raster._local.cell_key = None
        rasterize(pattern, width=w, height=h, out=out, antialias=antialias, **kw)

    ras = timed(fresh_raster, args.runs)
    report("rasterize (fresh pattern)", ras)
    fast = timed(lambda: fresh_raster(antialias="fast"), args.runs)
    report("rasterize, antialias='fast'", fast)
    both = timed(lambda: rasterize(make(next(seeds)), width=w, height=h, out=out, **kw), args.runs)
    report(
        "(a) generate + rasterize",
        both,
        f"target ≤ 60 ms: {(ms(both) <= 60 and 'met') or 'NOT met'}",
    )

    svg = to_svg(pattern, flatten=True)
    data = svg.encode("utf-8")
    print(f"SVG: {len(data) / 1e6:.2f} MB")

    import cairosvg
    from cairosvg.parser import Tree
    from cairosvg.surface import PNGSurface

    n = max(3, args.runs // 2)
    ras_b, cs = interleaved(
        fresh_raster,
        lambda: cairosvg.svg2png(bytestring=data, output_width=w, output_height=h),
        n,
    )
    report("(b) CairoSVG → PNG bytes", cs, f"rasterize faster by {ratio(cs, ras_b)}; target ≥ 4×")
    ras_d, cs_draw = interleaved(
        fresh_raster,
        lambda: PNGSurface(Tree(bytestring=data), None, 96, output_width=w, output_height=h),
        n,
    )
    report("    CairoSVG parse + draw, no PNG", cs_draw, ratio(cs_draw, ras_d))

    try:
        import skia
    except ImportError:
        print("(c) Skia: skipped: skia-python is not installed (pip install -e '.[bench]')")
    else:
        surface = skia.Surface(w, h)

        def skia_parse():
            dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(data))
            dom.setContainerSize(skia.Size(w, h))
            return dom

        dom = skia_parse()
        parse = timed(skia_parse, max(3, args.runs // 2))

        def skia_draw():
            canvas = surface.getCanvas()
            canvas.clear(skia.ColorTRANSPARENT)
            dom.render(canvas)
            surface.flushAndSubmit() if hasattr(surface, "flushAndSubmit") else None
            surface.toarray()

        ras_s, draw = interleaved(fresh_raster, skia_draw, args.runs)
        report("(c) Skia SVG DOM, raster only", draw, f"rasterize / Skia = {ratio(ras_s, draw)}")
        report("    Skia SVG DOM, parse", parse)
    try:
        import resvg_py
    except ImportError:
        print("    resvg: skipped (pip install resvg-py)")
    else:
        ras_r, rv = interleaved(
            fresh_raster,
            lambda: resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True),
            max(3, args.runs // 2),
        )
        report("    resvg → PNG bytes", rv, ratio(rv, ras_r))


def section_pan(args, report):
    make, why = kawung_maker((480, 480))
    if make is None:
        from utils import dense_scene

        pattern = dense_scene(size=(480, 480), pitch=40)
        why = "synthetic 480² tile"
    else:
        pattern = make(0)
        why = "kawung 480² tile"
    w, h = FRAME
    out = np.empty((h, w, 4), np.uint8)
    offsets = iter(range(10**9))
    pan = timed(
        lambda: rasterize(
            pattern, width=w, height=h, scale=1.5, offset=(next(offsets) * 0.7, 0), out=out
        ),
        args.runs,
    )
    report("(d) pan a 480² tile ×1.5 over 1080p", pan, why + ", same Pattern, sub-pixel offsets")


def section_render_command(args, report):
    """(e) ``batik-waves render`` on the bundled sample: both motifs, default 2048 px tile."""
    import subprocess
    import tempfile

    exe = Path(sys.executable).with_name("batik-waves")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "batik_waves"]
    runs = max(1, min(3, args.runs // 3))
    with tempfile.TemporaryDirectory() as tmp:

        def once():
            subprocess.run([*cmd, "render", "--out", tmp, "--quiet"], check=True)

        t = timed(once, runs, warmup=0)
    report("(e) batik-waves render (sample, all, 2048)", t, f"whole command, {runs} run(s)")


#: Benchmark sections, run in order. Append ``fn(args, report)`` to add one.
SECTIONS: list[Callable] = [section_frame, section_pan]
SECTIONS.append(section_render_command)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per row (median)")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print("(numbers from a shared machine are noisy: rerun on a quiet one before quoting)")

    def report(label: str, seconds: list[float], note: str = "") -> None:
        spread = f"[{ms(min(seconds)):.1f}–{ms(max(seconds)):.1f}]"
        print(f"{label:40s} {ms(seconds):8.1f} ms  {spread:>16s}  {note}")

    for section in SECTIONS:
        section(args, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
