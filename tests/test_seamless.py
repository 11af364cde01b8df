"""Rendered tiles are seamless: in a 2×2 mosaic the seams do not stand out."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from utils import MOTIF_VARIANTS, assert_seamless, motif_pattern, seam_ratios, synthetic

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


@pytest.mark.parametrize("motif,variant", [*_variants("kawung"), *_variants("parang")])
@pytest.mark.parametrize("repeat", ["block", "half-drop"])
@pytest.mark.slow
def test_motif_variants_are_seamless(motif, variant, repeat):
    p = motif_pattern(motif, variant, tile=(192, 192), repeat=repeat)
    # block through CairoSVG (the PNG path); half-drop through the fast path, which
    # test_raster.py shows draws the same picture (CairoSVG takes ~2 s on the busiest)
    if repeat == "block":
        img = render_png_array(p, width=256)
    else:
        img = rasterize(p, width=256, height=256)
    assert_seamless(img, repeat=repeat)
    assert np.ptp(img[..., :3]) > 30  # not a blank tile
