"""Nitik: parameters, the design grid, seams, colourways and the cloth."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from strategies import motif_params
from utils import assert_seamless, seam_excess

from batik_waves.errors import MotifError
from batik_waves.motifs import registry
from batik_waves.motifs.nitik import NitikParams, nitik, nitik_cloth, nitik_design, nitik_lattice
from batik_waves.motifs.palette import PALETTES
from batik_waves.render import rasterize, to_svg

TILE = (240, 240)


def assert_valid_in_tile(p, size):
    tile = box(0, 0, *size).buffer(1e-6)
    for layer in p.layers:
        g = layer.geometry
        assert g.is_valid, layer.name
        assert g.is_empty or tile.contains(g), layer.name


def marks(p):
    """Every mark of the tile (not the crackle) as an array of polygons."""
    return np.concatenate(
        [shapely.get_parts(lyr.geometry) for lyr in p.layers if lyr.name != "crackle"]
    )


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("mark", 0.9, r"'mark'.*0\.35 to 0\.75.*0\.9"),
        ("petal_length", 0.1, r"'petal_length'.*0\.2 to 0\.46.*0\.1"),
        ("repeats", 1.5, r"'repeats'.*whole number.*1\.5"),
        ("repeats", 17, r"'repeats'.*1 to 16.*17"),
        ("grid", 25, r"'grid'.*12, 16.*25"),
        ("corner", "dot", r"'corner'.*'cecek-pitu'.*'dot'"),
        ("petal_fill", "solid", r"'petal_fill'.*'full'.*'solid'"),
        ("palette", "sogan", r"'palette'.*'yogya-sogan'.*'sogan'"),
        ("wobble", -0.1, r"'wobble'.*0\.0 to 1\.0.*-0\.1"),
    ],
)
def test_bad_values_name_the_field_range_and_value(field, value, match):
    with pytest.raises(MotifError, match=match):
        NitikParams(**{field: value})


def test_every_field_declares_range_or_choices_and_a_role():
    specs = NitikParams.specs()
    for name, spec in specs.items():
        assert spec.doc, name
        assert spec.range is not None or spec.choices is not None or isinstance(spec.default, bool)
    assert specs["palette"].choices == PALETTES
    assert NitikParams.names_with_role("structural") == ("repeats", "grid", "polarity")
    assert NitikParams.names_with_role("steady") == ("crackle",)
    assert specs["repeats"].count and not specs["grid"].count


def test_variants_and_registry():
    names = NitikParams.variants()
    assert len(names) >= 3
    assert {"kembang-kenthang", "cakar-ayam", "jonggrang", "sekar-kemuning"} == set(names)
    assert NitikParams.variant("cakar-ayam").corner == "cakar"
    assert NitikParams.variant("jonggrang").frame == "lozenge"
    with pytest.raises(MotifError, match=r"'variant'.*'kembang-kenthang'.*'truntum'"):
        NitikParams.variant("truntum")
    entry = registry.get("nitik")
    assert entry.params_class() is NitikParams
    assert entry.tile() is nitik and entry.cloth() is nitik_cloth
    p = NitikParams.variant("jonggrang").replace(palette="lasem")
    assert NitikParams.from_dict(p.to_dict()) == p


def test_lattice_closes_on_the_tile():
    assert nitik_lattice(3, 960, 960) == (320.0, 3, 1.0)
    P, rows, sy = nitik_lattice(5, 1920, 1080)
    assert rows * P * sy == pytest.approx(1080)
    with pytest.raises(MotifError, match=r"'repeats'.*half-brick.*even.*3"):
        nitik_lattice(3, 300, 300, "half-brick")


# ------------------------------------------------------------------ the design
@pytest.mark.parametrize("variant", NitikParams.variants())
@pytest.mark.parametrize("grid", [12, 24, 40])
def test_design_is_p4m_on_the_grid(variant, grid):
    d = nitik_design(NitikParams.variant(variant).replace(grid=grid))
    assert d.shape == (grid, grid) and (d > 0).sum() > 10
    # mirrors in x and y on the torus of the repeat (cell -R/2 is its own mirror)
    assert (d == np.roll(d[:, ::-1], 1, axis=1)).all()
    assert (d == np.roll(d[::-1], 1, axis=0)).all()
    # the diagonal mirror swaps bars along x with bars along y
    t = d.T.copy()
    t[d.T == 2], t[d.T == 3] = 3, 2
    assert (d == t).all()


def test_marks_are_squares_and_bars_in_their_cells():
    p = NitikParams(repeats=2, grid=16, wobble=1.0, bar=1.0)
    pat = nitik(p, tile=(320, 320), rng=3)
    parts = marks(pat)
    # axis-aligned rectangles (some cut by the tile edge): no round dots
    assert np.allclose(shapely.area(parts), shapely.area(shapely.envelope(parts)))
    b = shapely.bounds(parts)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    cell = 320 / 2 / 16
    assert (np.maximum(w, h) <= 0.96 * cell * 1.12 + 1e-9).all()
    # bars are longer than squares are wide; the longest are twice as long as thin
    assert (np.maximum(w, h) / np.minimum(w, h)).max() > 2
    # nothing overlaps, even under a strong hand
    assert shapely.area(parts).sum() == pytest.approx(shapely.union_all(parts).area, rel=1e-9)


@pytest.mark.parametrize("variant", [None, *NitikParams.variants()])
def test_every_variant_draws(variant):
    params = NitikParams.variant(variant) if variant else NitikParams()
    p = nitik(params, tile=TILE, rng=1)
    assert p.metadata["variant"] == (variant or "default")
    assert_valid_in_tile(p, TILE)
    assert not p.layer("marks").geometry.is_empty
    assert p.background != p.layer("marks").fill


def test_cluster_marks_follow_the_corner():
    base = NitikParams(repeats=2, wobble=0.0)
    pitu = nitik(base.replace(corner="cecek-pitu"), tile=(200, 200), rng=0)
    telu = nitik(base.replace(corner="cecek-telu"), tile=(200, 200), rng=0)
    none = nitik(base.replace(corner="none"), tile=(200, 200), rng=0)
    one = max(shapely.area(shapely.get_parts(pitu.layer("clusters").geometry)))
    # 2 × 2 repeats: 7 squares each for pitu, 4 × 3 for telu (cut ones add up)
    assert pitu.layer("clusters").geometry.area == pytest.approx(4 * 7 * one, rel=1e-6)
    assert telu.layer("clusters").geometry.area == pytest.approx(4 * 12 * one, rel=1e-6)
    assert none.layer("clusters").geometry.is_empty


def test_determinism_and_the_hand():
    params = NitikParams.variant("sekar-kemuning")
    a = to_svg(nitik(params, tile=TILE, rng=7))
    assert a == to_svg(nitik(params, tile=TILE, rng=7))
    assert a != to_svg(nitik(params, tile=TILE, rng=8))
    still = params.replace(wobble=0.0)
    a, b = nitik(still, tile=TILE, rng=1), nitik(still, tile=TILE, rng=2)
    assert shapely.to_wkb(a.layer("marks").geometry) == shapely.to_wkb(b.layer("marks").geometry)


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
@pytest.mark.parametrize("variant", NitikParams.variants())
def test_seamless_by_construction(variant, repeat):
    params = NitikParams.variant(variant).replace(repeats=2, wobble=1.0)
    p = nitik(params, tile=(192, 192), repeat=repeat, rng=3)
    img = rasterize(p, width=384, height=384)
    assert_seamless(img, repeat=repeat)
    if repeat == "block":
        assert seam_excess(p, lambda q: rasterize(q, width=384, height=384)) < 1.0


@pytest.mark.parametrize("name", [*PALETTES, "#101820, #F2AA4C", "#FFFFFF"])
@pytest.mark.parametrize("polarity", ["light", "dark"])
def test_every_colourway(name, polarity):
    p = nitik(NitikParams(repeats=1, polarity=polarity), tile=(120, 120), palette=name)
    assert p.background not in (p.layer("marks").fill, p.layer("fill").fill)
    t = nitik(NitikParams(repeats=1), tile=(120, 120), palette=name, transparent=True)
    assert t.background is None


def test_bad_arguments():
    with pytest.raises(MotifError, match=r"'params'.*NitikParams"):
        nitik("jonggrang")
    with pytest.raises(MotifError, match="'tile'"):
        nitik(tile=(1024,))
    with pytest.raises(MotifError, match="'repeat'"):
        nitik(repeat="mirror")


def test_a_1024_tile_is_fast_and_small():
    import time

    params = NitikParams.variant("sekar-kemuning")
    nitik(params, tile=(1024, 1024), rng=0)  # the design is cached from here on
    t0 = time.perf_counter()
    p = nitik(params.replace(mark=0.5), tile=(1024, 1024), rng=1)
    assert time.perf_counter() - t0 < 2.0  # well under a second on a quiet machine
    # one MultiPolygon per layer
    assert all(lyr.geometry.geom_type in ("MultiPolygon", "GeometryCollection") for lyr in p.layers)
    assert len(to_svg(p)) < 1_500_000


# ------------------------------------------------------------------ properties
@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    params=motif_params(NitikParams, max_count=10),
    repeat=st.sampled_from(("block", "half-drop", "half-brick")),
    seed=st.integers(0, 2**16),
)
def test_any_params_give_valid_geometry_in_the_tile(params, repeat, seed):
    params = dataclasses.replace(params, repeats=max(2, min(6, params.repeats) // 2 * 2))
    size = (180, 180)
    p = nitik(params, tile=size, repeat=repeat, rng=seed)
    assert_valid_in_tile(p, size)
    parts = marks(p)
    assert len(parts) > 20
    assert shapely.area(parts).sum() == pytest.approx(shapely.union_all(parts).area, rel=1e-9)


# ------------------------------------------------------------------ the cloth
def test_cloth_follows_params_down_its_length():
    def at(y):
        return NitikParams(
            repeats=2,
            petal_length=0.2 + 0.26 * y,
            petal_fill="full",
            palette="indigo" if y > 0.5 else "yogya-sogan",
        )

    c = nitik_cloth(at, size=(200, 600), rng=1)
    assert c.size == (200, 600) and c.metadata["motif"] == "nitik-cloth"
    assert_valid_in_tile(c, (200, 600))
    names = [lyr.name for lyr in c.layers]
    assert any(n.startswith("ground@") for n in names)  # indigo's ground lower down
    fill = shapely.union_all([lyr.geometry for lyr in c.layers if lyr.name.startswith("fill")])
    top = fill.intersection(box(0, 0, 200, 200)).area
    foot = fill.intersection(box(0, 400, 200, 600)).area
    assert foot > 2 * top  # the petals grow down the cloth
    parts = np.concatenate(
        [shapely.get_parts(lyr.geometry) for lyr in c.layers if lyr.name[:4] in ("fill", "mark")]
    )
    assert shapely.area(parts).sum() == pytest.approx(shapely.union_all(parts).area, rel=1e-9)


def test_cloth_checks_what_params_at_returns():
    with pytest.raises(MotifError, match="NitikParams"):
        nitik_cloth(lambda y: None, size=(100, 200))


def test_vectorised_marks_match_a_plain_loop_over_the_design():
    """The array-built marks equal boxes drawn cell by cell from :func:`nitik_design`."""
    p = NitikParams.variant("jonggrang").replace(repeats=2, grid=16, wobble=0.0, crackle=0.0)
    size = 256
    pat = nitik(p, tile=(size, size), rng=0)
    d = nitik_design(p)
    R, g = p.grid, size / 2 / p.grid
    s = p.mark * g
    long = s + p.bar * (0.95 * g - s)
    thin = s * (1 - 0.3 * p.bar)
    half = {
        1: (s, s),
        2: (long, thin),
        3: (thin, long),
        4: (s, s),
        5: (s, s),
        6: (0.6 * s, 0.6 * s),
    }
    layer = {1: "marks", 2: "marks", 3: "marks", 6: "marks", 4: "fill", 5: "centres"}
    want: dict[str, list] = {"marks": [], "fill": [], "centres": []}
    for ry in range(-1, 3):
        for rx in range(-1, 3):
            for row in range(R):
                for col in range(R):
                    kind = int(d[row, col])
                    if kind == 0:
                        continue
                    # the bloom's cell (row, col = R/2) sits half a cell past the repeat centre
                    cx = (rx + 0.5) * R * g + (col - R // 2 + 0.5) * g
                    cy = (ry + 0.5) * R * g + (row - R // 2 + 0.5) * g
                    w, h = half[kind]
                    want[layer[kind]].append(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    tile = box(0, 0, size, size)
    for name, boxes in want.items():
        ref = shapely.union_all(boxes).intersection(tile)
        got = pat.layer(name).geometry
        assert got.symmetric_difference(ref).area < 1e-6 * max(ref.area, 1.0), name
