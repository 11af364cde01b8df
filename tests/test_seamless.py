"""Rendered tiles are seamless: in a 2×2 mosaic the seams do not stand out."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from utils import (
    MOTIF_VARIANTS,
    assert_images_close,
    assert_seamless,
    motif_pattern,
    seam_excess,
    seam_ratios,
    synthetic,
)

from batik_waves.motifs.pattern import Layer, Pattern
from batik_waves.render import rasterize, render_png_array

REPEATS = ["block", "half-drop", "half-brick"]


def _variants(motif: str) -> list:
    """(motif, variant) params for every variant, or one param that skips if absent."""
    try:
        mod = importlib.import_module(f"batik_waves.motifs.{motif}")
        names = list(getattr(mod, MOTIF_VARIANTS[motif]).variants())
    except ImportError:
        return [pytest.param(motif, None, id=f"{motif}-missing")]
    return [pytest.param(motif, None, id=f"{motif}-default")] + [
        pytest.param(motif, name, id=f"{motif}-{name}") for name in names
    ]


@pytest.mark.parametrize("repeat", REPEATS)
@pytest.mark.parametrize("name", ["edges", "transparent", "lines-near-edge"])
def test_synthetic_tiles_are_seamless(name, repeat):
    p = synthetic(name, repeat=repeat)
    assert_seamless(render_png_array(p, width=240), repeat=repeat)
    assert_seamless(rasterize(p, width=240, height=192), repeat=repeat)


def test_the_criterion_catches_a_hairline_seam():
    # a 1 px dark line along the left edge of every tile: a visible seam
    from shapely.geometry import box

    p = Pattern(60, 60, "#F1E9D8", (Layer("line", "#1B2A4A", box(0, 0, 1, 60)),))
    img = render_png_array(p)
    cx, cy = seam_ratios(img)
    assert cx > 1.5 and cy <= 1.5
    with pytest.raises(AssertionError, match="seam stands out"):
        assert_seamless(img)


def test_the_criterion_catches_a_missing_stroke_spill():
    # without the neighbour copies, a thick stroke near the right edge is cut at the seam
    p = synthetic("lines-near-edge")
    img = render_png_array(p, width=240)
    cut = img.copy()
    cut[:, :4] = img[:, 100:104]  # wipe the spill that should show at the left edge
    assert seam_ratios(img)[0] <= 1.5 and seam_ratios(cut)[0] > 1.5


@pytest.mark.parametrize(
    "motif,variant",
    [*_variants("kawung"), *_variants("parang"), *_variants("ceplok"), *_variants("nitik")],
)
@pytest.mark.parametrize("repeat", ["block", "half-drop"])
@pytest.mark.slow
def test_motif_variants_are_seamless(motif, variant, repeat):
    p = motif_pattern(motif, variant, tile=(192, 192), repeat=repeat)
    # block through CairoSVG (the PNG path); half-drop through the fast path, which
    # test_raster.py shows draws the same picture (CairoSVG takes ~2 s on the busiest)
    if repeat == "block":
        img = render_png_array(p, width=256)
        assert seam_excess(p, lambda q: rasterize(q, width=256, height=256)) < 1.0
    else:
        img = rasterize(p, width=256, height=256)
    assert_seamless(img, repeat=repeat)
    assert np.ptp(img[..., :3]) > 30  # not a blank tile


def _random_pattern(seed: int, repeat: str, transparent: bool) -> Pattern:
    import shapely
    from shapely.geometry import LineString, MultiLineString, Point

    from batik_waves.motifs.pattern import wrap_on_torus

    rng = np.random.default_rng(seed)
    w, h = 64, 48
    discs = shapely.union_all(
        [Point(*(rng.uniform(-0.2, 1.2, 2) * (w, h))).buffer(rng.uniform(3, 12)) for _ in range(5)]
    )
    lines = MultiLineString([LineString(rng.uniform(-0.2, 1.2, (3, 2)) * (w, h)) for _ in range(3)])
    layers = (
        Layer("discs", "#4A2E1F", wrap_on_torus(discs, w, h, repeat)),
        Layer(
            "lines",
            None,
            wrap_on_torus(lines, w, h, repeat),
            stroke="#9E1B1E",
            stroke_width=float(rng.uniform(0.5, 5)),
        ),
    )
    return Pattern(w, h, None if transparent else "#F1E9D8", layers, repeat)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    repeat=st.sampled_from(REPEATS),
    transparent=st.booleans(),
)
def test_random_patterns_draw_alike_and_block_seams_vanish(seed, repeat, transparent):
    p = _random_pattern(seed, repeat, transparent)
    fast = rasterize(p, width=128, height=96)
    ref = render_png_array(p, width=128)
    assert_images_close(fast, ref, mad=2.0)
    if repeat == "block":
        assert seam_excess(p, lambda q: rasterize(q, width=128, height=96)) < 1.0
        assert seam_excess(p, lambda q: render_png_array(q, width=128)) < 1.0


@pytest.mark.parametrize("name", ["edges", "transparent", "lines-near-edge"])
def test_seams_match_the_same_cloth_drawn_whole(name):
    p = synthetic(name)
    assert seam_excess(p, lambda q: render_png_array(q, width=240)) < 1.0
    assert seam_excess(p, lambda q: rasterize(q, width=240, height=192)) < 1.0


def test_seam_excess_catches_a_cut_stroke():
    p = synthetic("lines-near-edge")

    def broken(q):
        img = rasterize(q, width=240, height=192).copy()
        if q is p:  # the spill of the thick line into the next tile is lost
            img[:, :4] = img[:, 100:104]
        return img

    assert seam_excess(p, broken) > 20
