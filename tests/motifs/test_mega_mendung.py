"""Mega mendung: parameters, variants, determinism, seams, smooth curls, the cloth."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from utils import assert_seamless, seam_excess

from batik_waves.errors import MotifError
from batik_waves.motifs.mega_mendung import (
    MegaMendungParams,
    _cloud,
    _shape_key,
    mega_mendung,
    mega_mendung_cloth,
    mega_mendung_rows,
)
from batik_waves.motifs.palette import PALETTES
from batik_waves.motifs.registry import get
from batik_waves.render import rasterize, to_svg

VARIANTS = [None, *MegaMendungParams.variants()]


@pytest.mark.parametrize(
    "field,value,allowed",
    [("bands", 10, "5 to 9"), ("band_spacing", 0.2, "0.03 to 0.075"), ("curl", 3.0, "0.5 to 1.3")],
)
def test_a_bad_value_names_the_field_the_range_and_the_value(field, value, allowed):
    with pytest.raises(MotifError, match=rf"'{field}'.*{allowed}.*{value}"):
        MegaMendungParams(**{field: value})


def test_bad_choices_and_params_are_refused():
    with pytest.raises(MotifError, match=r"'ground'.*'cloth'.*'sky'"):
        MegaMendungParams(ground="sky")
    with pytest.raises(MotifError, match="expected MegaMendungParams"):
        mega_mendung(object(), tile=(64, 64))


def test_registered_with_its_roles():
    entry = get("mega-mendung")
    assert entry.params_class() is MegaMendungParams
    assert entry.tile() is mega_mendung and entry.cloth() is mega_mendung_cloth
    assert MegaMendungParams.names_with_role("structural") == ("clouds", "form", "ground")
    assert MegaMendungParams.names_with_role("steady") == ("crackle",)
    assert MegaMendungParams.specs()["clouds"].count


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_draws_its_bands_dark_outside_to_light_inside(variant):
    p = MegaMendungParams.variant(variant) if variant else MegaMendungParams()
    pat = mega_mendung(p, tile=(256, 256), rng=1)
    names = [layer.name for layer in pat.layers]
    bands = [n for n in names if n.startswith("band-")] + ["core"]
    assert len(bands) == p.bands
    for name in bands:
        g = pat.layer(name).geometry
        assert g.is_valid and not g.is_empty
        assert box(0, 0, 256, 256).buffer(1e-6).contains(g)
    lum = [_luminance(pat.layer(n).fill) for n in bands]
    assert lum == sorted(lum) and lum[-1] - lum[0] > 0.3


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_band_count_and_spacing_change_the_cloud():
    a = mega_mendung(MegaMendungParams(bands=5), tile=(200, 200))
    b = mega_mendung(MegaMendungParams(bands=9), tile=(200, 200))
    assert len(b.layers) - len(a.layers) == 4
    thin = mega_mendung(MegaMendungParams(band_spacing=0.03), tile=(200, 200))
    wide = mega_mendung(MegaMendungParams(band_spacing=0.07), tile=(200, 200))
    assert wide.layer("core").geometry.area < 0.7 * thin.layer("core").geometry.area


@pytest.mark.parametrize("palette", [*PALETTES, "#102030,#F0E0D0"])
def test_every_colourway_draws(palette):
    pat = mega_mendung(MegaMendungParams(clouds=1), tile=(96, 96), palette=palette)
    assert not pat.layer("core").geometry.is_empty
    assert mega_mendung(tile=(96, 96), palette=palette, transparent=True).background is None


def test_the_same_seed_gives_the_same_svg_and_another_seed_another_hand():
    p = MegaMendungParams.variant("cirebonan")
    a = to_svg(mega_mendung(p, tile=(160, 160), rng=5))
    assert a == to_svg(mega_mendung(p, tile=(160, 160), rng=5))
    assert a != to_svg(mega_mendung(p, tile=(160, 160), rng=6))


def _facets(g, facet: float | None = None) -> tuple[float, int]:
    """The largest segment length × turning angle (px·rad) at a smooth vertex, and the
    count of corners (turns over 20° at one vertex: cusps where two curves meet).

    With *facet* (px), a vertex between two straight runs both longer than that is a
    corner of the design (the wadasan's cut facets), counted as a corner, not a facet.
    """
    worst, corners = 0.0, 0
    for poly in shapely.get_parts(g):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:-1]
            d = np.roll(xy, -1, 0) - xy
            a = np.arctan2(d[:, 1], d[:, 0])
            turn = np.abs(np.angle(np.exp(1j * (a - np.roll(a, 1)))))
            seg = np.minimum(np.linalg.norm(d, axis=1), np.linalg.norm(np.roll(d, 1, 0), axis=1))
            smooth = turn < np.radians(20)
            if facet is not None:
                smooth &= seg < facet
            corners += int((~smooth).sum())
            worst = max(worst, float((seg * turn)[smooth].max()))
    return worst, corners


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_curls_are_smooth_at_twice_the_tile_size(variant):
    # a chord of s px on a curve that turns by t rad over it strays s·t/8 px from the
    # curve: under 0.2 px (0.4 px at 4K from a 1920 tile); the wax line's only corners
    # are where a curl's tip touches its own cloud
    p = MegaMendungParams.variant(variant) if variant else MegaMendungParams()
    cloud = _cloud(_shape_key(p), 600.0)
    if p.form == "rock":
        # cut stone: straight facets meet at filleted corners; the wax line and the
        # rock's outline have no other corner, and every curve is as smooth as a cloud's
        for outline in cloud.outlines[:2]:
            worst, corners = _facets(outline, facet=6.0)
            assert worst < 1.6 and corners <= 8 * (p.lobes + 2)
        for outline in cloud.outlines[2:]:
            worst, corners = _facets(outline, facet=6.0)
            assert worst < 2.5 and corners <= 16 * (p.lobes + 2)
        return
    worst, corners = _facets(cloud.outlines[0])
    assert worst < 1.6 and corners <= 4
    worst, corners = _facets(cloud.outlines[1])
    assert worst < 1.6 and corners <= 6  # the tips, and where a tip touches the body
    for outline in cloud.outlines[2:]:
        # inner offsets meet themselves in points (the medial axis), which GEOS bevels
        # over two or three vertices of up to ~20°: corners, not facets
        worst, corners = _facets(outline)
        assert worst < 2.5 and corners <= 12


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
@pytest.mark.parametrize("variant", ["classic", "wadasan"])
def test_seamless_for_every_repeat(variant, repeat):
    pat = mega_mendung(MegaMendungParams.variant(variant), tile=(192, 192), repeat=repeat)
    img = rasterize(pat, width=192, height=192)
    assert_seamless(img, repeat=repeat)
    if repeat == "block":
        assert seam_excess(pat, lambda q: rasterize(q, width=192, height=192)) < 1.0


def test_row_counts_close_on_each_repeat():
    p = MegaMendungParams(clouds=3)
    assert mega_mendung_rows(p, 600, 600) % 2 == 0
    assert mega_mendung_rows(p, 600, 600, "half-drop") % 4 == 0
    assert mega_mendung_rows(p, 600, 600, "half-brick") % 2 == 1


def _params():
    def field(spec):
        if spec.choices is not None:
            return st.sampled_from(spec.choices)
        lo, hi = spec.range
        if spec.count:  # the cloud count sets the work, not the validity
            return st.integers(int(lo), min(int(hi), 4))
        if isinstance(spec.default, int):
            return st.integers(int(lo), int(hi))
        return st.floats(lo, hi, allow_nan=False)

    return st.builds(
        MegaMendungParams, **{k: field(s) for k, s in MegaMendungParams.specs().items()}
    )


@settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    p=_params(),
    repeat=st.sampled_from(("block", "half-drop", "half-brick")),
    seed=st.integers(0, 99),
)
def test_any_params_in_range_give_valid_geometry_inside_the_tile(p, repeat, seed):
    pat = mega_mendung(p, tile=(160, 160), repeat=repeat, rng=seed)
    tile = box(0, 0, 160, 160).buffer(1e-6)
    drawn = 0.0
    for layer in pat.layers:
        assert layer.geometry.is_valid, layer.name
        assert tile.contains(layer.geometry) or layer.geometry.is_empty
        drawn += layer.geometry.area if layer.name != "crackle" else 0.0
    assert drawn > 0.2 * 160 * 160


def test_the_cloth_follows_its_params_down_the_length():
    def at(y):
        return MegaMendungParams(bands=5 if y < 0.5 else 9, clouds=3 if y == 0 else 1)

    cloth = mega_mendung_cloth(at, size=(240, 600), rng=1)
    assert cloth.size == (240, 600) and cloth.metadata["motif"] == "mega-mendung-cloth"
    assert "3 clouds across" in cloth.metadata["lattice"]  # structural: from the top
    names = [layer.name for layer in cloth.layers]
    assert "band-7" in names and "core" in names
    band7 = cloth.layer("band-7").geometry
    assert band7.bounds[1] > 0.4 * 600  # nine bands only in the lower half
    for layer in cloth.layers:
        assert layer.geometry.is_valid
    with pytest.raises(MotifError, match="MegaMendungParams"):
        mega_mendung_cloth(lambda y: None, size=(100, 200))


def _top_envelope(g, n: int = 240) -> np.ndarray:
    """The highest point (smallest y, y down) of *g* over *n* columns across it."""
    x0, y0, x1, y1 = g.bounds
    xs = np.linspace(x0, x1, n + 2)[1:-1]
    out = []
    for x in xs:
        cut = g.intersection(shapely.LineString([(x, y0 - 1), (x, y1 + 1)]))
        out.append(cut.bounds[1] if not cut.is_empty else y1)
    return np.array(out)


def _peaks(envelope: np.ndarray, prominence: float, w: int = 20) -> list[int]:
    """Tops of an envelope (minima, y down) that stand *prominence* above the envelope
    *w* columns to either side (or the end of the envelope)."""
    n = []
    for i in range(len(envelope)):
        left, right = envelope[max(0, i - w) : i + 1], envelope[i : i + w + 1]
        if envelope[i] > min(left.min(), right.min()):
            continue
        if left.max() - envelope[i] > prominence and right.max() - envelope[i] > prominence:
            n.append(i)
    return n


def test_wadasan_is_faceted_rock_peaked_upward_and_stacked_row_on_row():
    mega_mendung_mod = importlib.import_module("batik_waves.motifs.mega_mendung")
    rock = MegaMendungParams.variant("wadasan")
    assert rock.form == "rock"
    cloud = _cloud(_shape_key(MegaMendungParams()), 600.0)
    stone = _cloud(_shape_key(rock), 600.0)

    def straight(g):  # the share of the outline that runs in straight facets (> 10 px)
        xy = np.asarray(shapely.get_parts(g)[0].exterior.coords)
        seg = np.linalg.norm(np.diff(xy, axis=0), axis=1)
        return seg[seg > 10].sum() / seg.sum()

    # cut stone, not a cloud's curves (the cloud has hardly a straight run), and the
    # bands follow the facets: each offset is as straight as the outline
    assert straight(stone.outlines[1]) > 0.6 > 0.15 > straight(cloud.outlines[1])
    assert all(straight(o) > 0.4 for o in stone.outlines[2:4])
    # the tips point up: as many peaks on the top as lobes, and the highest point of
    # the rock is a peak (no tail curling up above it, no bat's wings)
    top = _top_envelope(stone.outlines[1])
    assert len(_peaks(top, 0.05 * stone.height)) == rock.lobes
    # stacked: the row below stands in front, so every peak of a rock shows above it
    # (were the row above in front, its bands would cover the outer peaks)
    pat = mega_mendung(rock.replace(wobble=0.0, crackle=0.0), tile=(512, 512))
    lay = mega_mendung_mod._layout(rock, 512, 512, "block")
    small = _cloud(_shape_key(rock), lay.cloud_w)
    own = small.outlines[1]
    x0, _, x1, _ = own.bounds
    top = _top_envelope(own)
    xs = np.linspace(x0, x1, len(top) + 2)[1:-1]
    wax = pat.layer("wax-line").geometry
    for j in (1, 2, 3):
        site = j * lay.b + lay.a
        peaks = _peaks(top, 0.05 * small.height)
        assert len(peaks) == rock.lobes
        for i in peaks:
            # just above the point: this rock's own wax line, not the bands of another
            peak = shapely.Point((site[0] + xs[i]) % 512, (site[1] + top[i] - 2.0) % 512)
            assert wax.contains(peak), (j, i)
