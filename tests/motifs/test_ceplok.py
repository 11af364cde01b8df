"""Ceplok: parameters, geometry, seams, colourways and the cloth."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from strategies import motif_params
from utils import assert_seamless, seam_excess, shifted

from batik_waves.errors import MotifError
from batik_waves.motifs import registry
from batik_waves.motifs.ceplok import CeplokParams, ceplok, ceplok_cloth, ceplok_lattice
from batik_waves.motifs.palette import PALETTES
from batik_waves.render import rasterize, to_svg

TILE = (240, 240)


def wkb(pattern):
    return {layer.name: shapely.to_wkb(layer.geometry) for layer in pattern.layers}


def assert_valid_in_tile(p, size):
    tile = box(0, 0, *size).buffer(1e-6)
    for layer in p.layers:
        g = layer.geometry
        assert g.is_valid, layer.name
        assert g.is_empty or tile.contains(g), layer.name


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("bloom_size", 1.2, r"'bloom_size'.*0\.4 to 0\.95.*1\.2"),
        ("petal_width", 0.1, r"'petal_width'.*0\.3 to 1\.0.*0\.1"),
        ("blooms", 2.5, r"'blooms'.*whole number.*2\.5"),
        ("blooms", 0, r"'blooms'.*1 to 32.*0"),
        ("petals", 6, r"'petals'.*4, 8.*6"),
        ("petal_shape", "heart", r"'petal_shape'.*'oval'.*'heart'"),
        ("frame", "grid", r"'frame'.*'lozenge'.*'grid'"),
        ("palette", "sogan", r"'palette'.*'yogya-sogan'.*'sogan'"),
        ("crackle", float("nan"), r"'crackle'.*0\.0 to 1\.0"),
    ],
)
def test_bad_values_name_the_field_range_and_value(field, value, match):
    with pytest.raises(MotifError, match=match):
        CeplokParams(**{field: value})


def test_every_field_declares_range_or_choices_and_a_role():
    specs = CeplokParams.specs()
    for name, spec in specs.items():
        assert spec.doc, name
        assert spec.range is not None or spec.choices is not None or isinstance(spec.default, bool)
    assert specs["palette"].choices == PALETTES
    assert CeplokParams.names_with_role("structural") == ("blooms", "polarity")
    assert CeplokParams.names_with_role("steady") == ("crackle",)
    assert specs["blooms"].count


def test_variants_and_registry():
    names = CeplokParams.variants()
    assert {"kembang", "grompol", "lintang"} <= set(names) and len(names) >= 3
    assert CeplokParams.variant("grompol").cluster == 4
    assert CeplokParams.variant("kembang").second > 0
    assert CeplokParams.variant("lintang").petals == 8
    with pytest.raises(MotifError, match=r"'variant'.*'kembang'.*'kawung'"):
        CeplokParams.variant("kawung")
    entry = registry.get("ceplok")
    assert entry.params_class() is CeplokParams
    assert entry.tile() is ceplok and entry.cloth() is ceplok_cloth
    p = CeplokParams.variant("kotak").replace(palette="indigo")
    assert CeplokParams.from_dict(p.to_dict()) == p


def test_lattice_closes_on_the_tile():
    assert ceplok_lattice(4, 400, 400) == (100.0, 4, 1.0)
    P, rows, sy = ceplok_lattice(6, 1920, 1080)
    assert rows * P * sy == pytest.approx(1080)
    assert ceplok_lattice(3, 300, 400, "half-drop")[1] % 2 == 0
    with pytest.raises(MotifError, match=r"'blooms'.*half-brick.*even.*3"):
        ceplok_lattice(3, 300, 300, "half-brick")
    with pytest.raises(MotifError, match=r"'blooms'.*stretch.*fit within 15 %"):
        ceplok_lattice(1, 1920, 400)


# ------------------------------------------------------------------ geometry
@pytest.mark.parametrize("variant", [None, *CeplokParams.variants()])
def test_every_variant_draws(variant):
    params = CeplokParams.variant(variant) if variant else CeplokParams()
    p = ceplok(params, tile=TILE, rng=1)
    assert p.metadata["variant"] == (variant or "default")
    assert_valid_in_tile(p, TILE)
    blooms = p.layer("blooms").geometry
    assert 0.05 < blooms.area / (TILE[0] * TILE[1]) < 0.7
    # blooms never overlap (even-odd fill would punch holes)
    parts = shapely.get_parts(blooms)
    assert shapely.area(parts).sum() == pytest.approx(shapely.union_all(parts).area, rel=1e-6)
    assert not p.layer("outline").geometry.is_empty
    assert not p.layer("isen").geometry.is_empty


def test_blooms_have_the_symmetry_of_the_square():
    # no hand: the tile is p4m about a bloom centre (a quarter turn and a mirror)
    params = CeplokParams(blooms=2, wobble=0.0, crackle=0.0, petals=8, second=0.6)
    p = ceplok(params, tile=(200, 200), rng=0)
    g = p.layer("blooms").geometry
    c = (100, 100)  # a bloom
    for moved in (
        shapely.affinity.rotate(g, 90, origin=c),
        shapely.affinity.scale(g, -1, 1, origin=c),
    ):
        cell = box(50, 50, 150, 150)
        a, b = g.intersection(cell), moved.intersection(cell)
        assert a.symmetric_difference(b).area < 1e-3 * a.area


def test_bloom_count_and_petals():
    params = CeplokParams(blooms=3, wobble=0.0, cluster=0)

    def parts(p, name):
        # blooms sit on the tile corners: move the window by half a cell to count them whole
        return len(shifted(p, 50, 50).layer(name).geometry.geoms)

    p = ceplok(params, tile=(300, 300), rng=0)
    assert parts(p, "centres") == 9
    assert parts(p, "blooms") == 9 * 4
    eight = ceplok(params.replace(petals=8), tile=(300, 300), rng=0)
    assert parts(eight, "blooms") == 9 * 8
    # grompol gathers four small blooms round each main one
    grompol = ceplok(params.replace(cluster=4), tile=(300, 300), rng=0)
    assert parts(grompol, "blooms") == 9 * (4 + 4 * 4)


def test_determinism_and_the_hand():
    params = CeplokParams.variant("kembang")
    a = to_svg(ceplok(params, tile=TILE, rng=7))
    assert a == to_svg(ceplok(params, tile=TILE, rng=7))
    assert a != to_svg(ceplok(params, tile=TILE, rng=8))
    # without a hand the motif itself does not depend on the seed
    still = params.replace(wobble=0.0)
    a, b = wkb(ceplok(still, tile=TILE, rng=1)), wkb(ceplok(still, tile=TILE, rng=2))
    assert a["blooms"] == b["blooms"] and a["outline"] == b["outline"]


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
@pytest.mark.parametrize("variant", ["kembang", "lintang", "kotak"])
def test_seamless_by_construction(variant, repeat):
    params = CeplokParams.variant(variant).replace(blooms=2, wobble=1.0)
    p = ceplok(params, tile=(192, 192), repeat=repeat, rng=3)
    img = rasterize(p, width=256, height=256)
    assert_seamless(img, repeat=repeat)
    if repeat == "block":
        assert seam_excess(p, lambda q: rasterize(q, width=256, height=256)) < 1.0


@pytest.mark.parametrize("name", [*PALETTES, "#101820, #F2AA4C", "#FFFFFF"])
@pytest.mark.parametrize("polarity", ["light", "dark"])
def test_every_colourway(name, polarity):
    p = ceplok(CeplokParams(blooms=2, polarity=polarity), tile=(120, 120), palette=name)
    fills = {lyr.fill for lyr in p.layers if lyr.name in ("blooms", "outline")}
    assert len(fills) == 2 and p.background not in fills
    t = ceplok(CeplokParams(blooms=2), tile=(120, 120), palette=name, transparent=True)
    assert t.background is None


def test_bad_arguments():
    with pytest.raises(MotifError, match=r"'params'.*CeplokParams"):
        ceplok("kembang")
    with pytest.raises(MotifError, match="'tile'"):
        ceplok(tile=(4, 4))
    with pytest.raises(MotifError, match="'repeat'"):
        ceplok(repeat="mirror")
    with pytest.raises(MotifError, match="'rng'"):
        ceplok(rng="seed")


def test_a_1024_tile_is_fast_enough():
    import time

    params = CeplokParams.variant("kembang")
    ceplok(params, tile=(1024, 1024), rng=0)  # templates cached from here on
    t0 = time.perf_counter()
    ceplok(params.replace(petal_width=0.71), tile=(1024, 1024), rng=1)
    assert time.perf_counter() - t0 < 2.0  # well under a second on a quiet machine


# ------------------------------------------------------------------ properties
@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    params=motif_params(CeplokParams, max_count=10),
    repeat=st.sampled_from(("block", "half-drop", "half-brick")),
    seed=st.integers(0, 2**16),
)
# found by a long run: a hairline outline round square petals folded under a strong hand
@example(
    params=CeplokParams(
        blooms=6,
        petal_shape="square",
        petal_width=1.0,
        petal_base=0.125,
        second=0.5,
        outline=0.00390625,
        wobble=1.0,
    ),
    repeat="half-brick",
    seed=0,
).via("a long run")
def test_any_params_give_valid_geometry_in_the_tile(params, repeat, seed):
    params = dataclasses.replace(params, blooms=max(2, min(6, params.blooms) // 2 * 2))
    size = (180, 180)
    p = ceplok(params, tile=size, repeat=repeat, rng=seed)
    assert_valid_in_tile(p, size)
    blooms = p.layer("blooms").geometry
    # the smallest bloom in range (short, slim, far-based petals) covers about 0.4 % of a cell
    assert not blooms.is_empty and 0.002 < blooms.area / (size[0] * size[1]) < 0.8
    for name in ("blooms", "outline", "frame"):
        parts = shapely.get_parts(p.layer(name).geometry)
        if len(parts):
            union = shapely.union_all(parts).area
            assert shapely.area(parts).sum() == pytest.approx(union, rel=1e-6), name


# ------------------------------------------------------------------ the cloth
def test_cloth_follows_params_down_its_length():
    def at(y):
        return CeplokParams(
            blooms=3, bloom_size=0.45 + 0.45 * y, palette="indigo" if y > 0.5 else "lasem"
        )

    c = ceplok_cloth(at, size=(240, 600), rng=1)
    assert c.size == (240, 600) and c.metadata["motif"] == "ceplok-cloth"
    assert_valid_in_tile(c, (240, 600))
    names = [lyr.name for lyr in c.layers]
    assert "blooms" in names and any(n.startswith("blooms@") for n in names)
    blooms = shapely.union_all([lyr.geometry for lyr in c.layers if lyr.name.startswith("blooms")])
    top = blooms.intersection(box(0, 0, 240, 160)).area
    foot = blooms.intersection(box(0, 440, 240, 600)).area
    assert foot > 2 * top  # blooms grow down the cloth
    # the lattice is the top's: a row in the middle has blooms=3 cells across
    centres = [lyr.geometry for lyr in c.layers if lyr.name.startswith("centres")]
    mid = shapely.union_all(centres).intersection(box(0, 280, 240, 360))
    # three blooms across: two whole, two halves on the selvedges
    one = max(shapely.area(shapely.get_parts(mid)))
    assert mid.area == pytest.approx(3 * one, rel=0.02)
    assert math.isclose(float(c.metadata["pitch"]), 80.0)


def test_cloth_checks_what_params_at_returns():
    with pytest.raises(MotifError, match="CeplokParams"):
        ceplok_cloth(lambda y: {"blooms": 3}, size=(100, 200))
    with pytest.raises(MotifError, match=r"params_at\(0\.\d+\)"):
        ceplok_cloth(lambda y: CeplokParams() if y == 0 else None, size=(100, 300))


def test_cloth_keeps_the_structure_of_its_top():
    # polarity is structural: the cloth keeps the top's ground all the way down
    c = ceplok_cloth(
        lambda y: CeplokParams(blooms=2, polarity="dark" if y > 0.5 else "light"),
        size=(160, 400),
        palette="indigo",
    )
    assert_valid_in_tile(c, (160, 400))
    assert c.background == "#F1E9D8"
    assert not any(lyr.name.startswith("ground@") for lyr in c.layers)
    assert np.ptp(rasterize(c, width=80, height=200)[..., :3]) > 30
