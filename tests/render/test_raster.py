from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box
from utils import (
    assert_images_close,
    dense_scene,
    mean_abs_diff,
    mosaic,
    motif_pattern,
    synthetic,
)

from batik_waves.errors import RenderError
from batik_waves.motifs.pattern import Layer, Pattern
from batik_waves.render import rasterize, render_png_array, to_image
from batik_waves.render.raster import FAST_LAYERS_FROM, unpremultiply

REPEATS = ["block", "half-drop", "half-brick"]


@pytest.mark.parametrize("repeat", REPEATS)
@pytest.mark.parametrize("name", ["edges", "transparent", "lines-near-edge"])
def test_rasterize_looks_like_the_cairosvg_png(name, repeat):
    p = synthetic(name, repeat=repeat)
    # a non-integer stretch on purpose: 120×96 → 317×254
    ref = render_png_array(p, width=317)
    got = rasterize(p, width=317, height=ref.shape[0])
    assert_images_close(got, ref, mad=2.0)
    # and much closer than that in practice: same shapes, same antialiasing
    assert mean_abs_diff(got, ref) < 0.3


def test_rasterize_dense_scene_like_cairosvg():
    p = dense_scene(size=(480, 270), pitch=40)
    ref = render_png_array(p)
    got = rasterize(p, width=480, height=270)
    assert_images_close(got, ref, mad=2.0)


@pytest.mark.parametrize("motif,variant", [("kawung", None), ("parang", None)])
def test_rasterize_motifs_like_cairosvg(motif, variant):
    p = motif_pattern(motif, variant, tile=(200, 200))
    ref = render_png_array(p, width=300)
    got = rasterize(p, width=300, height=ref.shape[0])
    assert_images_close(got, ref, mad=2.0)


def test_unpremultiply_matches_a_plain_reference():
    rng = np.random.default_rng(0)
    h, w = 37, 53
    a = rng.integers(0, 256, (h, w)).astype(np.uint8)
    a[0, :5] = 0
    a[1, :5] = 255
    rgb = rng.integers(0, 256, (h, w, 3))
    prem = (rgb * a[..., None] + 127) // 255  # what cairo stores: premultiplied
    bgra = np.empty((h, w, 4), np.uint8)
    bgra[..., 0], bgra[..., 1], bgra[..., 2] = prem[..., 2], prem[..., 1], prem[..., 0]
    bgra[..., 3] = a
    got = unpremultiply(bgra, np.empty_like(bgra))
    # a surface whose stride is wider than its width gives the same
    padded = np.zeros((h, w + 3, 4), np.uint8)
    padded[:, :w] = bgra
    assert np.array_equal(unpremultiply(padded[:, :w], np.empty_like(bgra)), got)
    ref = np.zeros((h, w, 3))
    nz = a > 0
    ref[nz] = prem[nz] * 255.0 / a[nz][:, None]
    assert np.array_equal(got[..., 3], a)
    assert np.abs(got[..., :3].astype(float) - np.minimum(np.round(ref), 255)).max() <= 1
    assert (got[~nz][:, :3] == 0).all()


def test_straight_alpha_on_a_transparent_ground():
    p = Pattern(20, 20, None, (Layer("half", "#FF8000", box(0, 0, 10, 20), opacity=0.5),))
    img = rasterize(p, width=20, height=20)
    assert img[5, 2].tolist() == [255, 128, 0, 128]  # straight colour, half alpha
    assert img[5, 15].tolist() == [0, 0, 0, 0]
    # an 8-digit colour works like opacity
    q = Pattern(20, 20, None, (Layer("half", "#FF800080", box(0, 0, 10, 20)),))
    assert rasterize(q, width=20, height=20)[5, 2].tolist() == [255, 128, 0, 128]


def test_opaque_ground_gives_opaque_pixels():
    img = rasterize(synthetic("edges"), width=200, height=160)
    assert (img[..., 3] == 255).all()


@pytest.mark.parametrize("repeat", REPEATS)
def test_scale_fills_the_frame_with_the_repeat(repeat):
    p = synthetic("edges", repeat=repeat)
    tile = rasterize(p, width=120, height=96)
    got = rasterize(p, width=240, height=192, scale=1.0)
    assert_images_close(got, mosaic(tile, 2, 2, repeat), mad=0.5)


def test_scale_and_whole_pixel_offset_pan_the_cloth():
    p = synthetic("edges", repeat="half-drop")
    base = rasterize(p, width=240, height=192, scale=2.0)
    moved = rasterize(p, width=240, height=192, scale=2.0, offset=(10, 5))
    # offset in tile px, scale 2: the picture moves 20 px left and 10 px up
    assert np.array_equal(moved[:-10, :-20], base[10:, 20:])
    # sub-pixel offsets are allowed (bilinear), and stay close to the neighbours
    half = rasterize(p, width=240, height=192, scale=2.0, offset=(10.25, 5))
    assert mean_abs_diff(half, moved) < 8


def test_scaled_repeat_is_as_sharp_as_a_direct_drawing():
    p = synthetic("edges")
    direct = rasterize(p, width=360, height=288)  # tile stretched ×3
    filled = rasterize(p, width=360, height=288, scale=3.0)
    assert_images_close(filled, direct, mad=0.5)


def test_out_buffer_is_reused_and_checked():
    p = synthetic("edges")
    buf = np.zeros((50, 60, 4), np.uint8)
    got = rasterize(p, width=60, height=50, out=buf)
    assert got is buf and buf.any()
    again = rasterize(p, width=60, height=50)
    assert np.array_equal(again, buf)
    with pytest.raises(RenderError, match="'out'"):
        rasterize(p, width=61, height=50, out=buf)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"width": 0, "height": 10}, "width"),
        ({"width": 10, "height": -1}, "height"),
        ({"width": 10.5, "height": 10}, "width"),
        ({"width": 40000, "height": 10}, "width"),
        ({"width": True, "height": 10}, "width"),
        ({"width": 10, "height": 10, "scale": 0}, "scale"),
        ({"width": 10, "height": 10, "scale": float("nan")}, "scale"),
        ({"width": 10, "height": 10, "scale": -2.0}, "scale"),
        ({"width": 10, "height": 10, "scale": "2"}, "scale"),
        ({"width": 10, "height": 10, "scale": 1, "offset": (1,)}, "offset"),
        ({"width": 10, "height": 10, "scale": 1, "offset": (0, float("inf"))}, "offset"),
    ],
)
def test_bad_sizes_are_render_errors(kwargs, match):
    with pytest.raises(RenderError, match=match):
        rasterize(synthetic("edges"), **kwargs)


def test_to_image_modes():
    assert to_image(synthetic("edges"), width=60, height=48).mode == "RGB"
    im = to_image(synthetic("transparent"), width=60, height=48)
    assert im.mode == "RGBA" and im.size == (60, 48)


def test_same_pattern_same_pixels_and_cache_follows_the_pattern():
    a = synthetic("edges")
    b = synthetic("transparent")
    ra = rasterize(a, width=100, height=80)
    rb = rasterize(b, width=100, height=80)
    assert not np.array_equal(ra, rb)
    assert np.array_equal(rasterize(a, width=100, height=80), ra)


def test_zoomed_in_frames_draw_directly_and_match_the_cell_path():
    p = synthetic("edges", repeat="half-drop")
    # 60×40 frame at scale 4: a 960×384 cell would be far bigger than the frame
    direct = rasterize(p, width=60, height=40, scale=4.0, offset=(100, 20))
    # the same view cut from a frame drawn through the cell
    big = rasterize(p, width=1200, height=600, scale=4.0, offset=(0, 0))
    assert_images_close(direct, big[80 : 80 + 40, 400 : 400 + 60], mad=1.0)


def test_panning_reuses_the_cell_but_follows_a_new_pattern():
    a, b = synthetic("edges"), synthetic("transparent")
    first = rasterize(a, width=200, height=100, scale=1.0, offset=(3, 0))
    other = rasterize(b, width=200, height=100, scale=1.0, offset=(3, 0))
    again = rasterize(a, width=200, height=100, scale=1.0, offset=(3, 0))
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_fast_antialias_is_close_and_bad_values_are_refused():
    p = synthetic("edges")
    best = rasterize(p, width=240, height=192)
    fast = rasterize(p, width=240, height=192, antialias="fast")
    assert not np.array_equal(best, fast)
    assert_images_close(fast, best, mad=2.0)
    with pytest.raises(RenderError, match="Allowed values are 'best' and 'fast'"):
        rasterize(p, width=24, height=19, antialias="none")


def test_layers_marked_fast_antialias_draw_with_fast_antialiasing_only_themselves():
    from shapely.geometry import Point

    dots = Point(20, 20).buffer(7.3)
    disc = Point(60, 20).buffer(13.7)

    def pattern(fast_dots):
        return Pattern(
            80,
            40,
            "#F1E9D8",
            (
                Layer("dots", "#1B2A4A", dots, fast_antialias=fast_dots),
                Layer("disc", "#7E9CC4", disc),
            ),
        )

    # from a megapixel up (smaller frames keep the finest antialiasing everywhere)
    w, h = 2000, 1000
    assert w * h >= FAST_LAYERS_FROM
    best = rasterize(pattern(False), width=w, height=h)
    fast = rasterize(pattern(False), width=w, height=h, antialias="fast")
    mixed = rasterize(pattern(True), width=w, height=h)
    small = rasterize(pattern(True), width=80, height=40)
    assert np.array_equal(small, rasterize(pattern(False), width=80, height=40))
    left, right = np.s_[:, : w // 2], np.s_[:, w // 2 :]
    assert not np.array_equal(best[left], fast[left])  # the two antialiasings differ here
    assert np.array_equal(mixed[left], fast[left])  # the marked layer: fast
    assert np.array_equal(mixed[right], best[right])  # the others: as before
    assert_images_close(mixed, best, mad=2.0)


def test_motif_frames_with_fast_layers_stay_close_to_cairosvg():
    from batik_waves.motifs.kawung import kawung

    p = kawung(tile=(1280, 800), rng=3)  # just over a megapixel
    assert {la.name for la in p.layers if la.fast_antialias} >= {"crackle", "isen", "petals"}
    got = rasterize(p, width=1280, height=800)
    ref = render_png_array(p, width=1280)
    assert_images_close(got, ref, mad=1.0)


@pytest.mark.parametrize("scale", [1.0, 6.0])  # through the cell, and drawn directly
def test_far_offsets_wrap_around(scale):
    p = synthetic("edges", repeat="half-drop")  # repeat cell 240 × 96
    near = rasterize(p, width=64, height=48, scale=scale, offset=(10, 5))
    far = rasterize(p, width=64, height=48, scale=scale, offset=(10 + 240 * 10**6, 5 - 96 * 777))
    assert_images_close(far, near, mad=0.01)


@pytest.mark.parametrize("scale", [None, 1.0, 8.0])
def test_reused_surfaces_keep_nothing_from_the_previous_frame(scale):
    opaque, clear = synthetic("edges"), synthetic("transparent")
    first = rasterize(clear, width=120, height=96, scale=scale).copy()
    rasterize(opaque, width=120, height=96, scale=scale)
    again = rasterize(clear, width=120, height=96, scale=scale)
    assert np.array_equal(first, again)
    assert again[..., 3].min() < 255  # some ground shows through (none left from `opaque`)
