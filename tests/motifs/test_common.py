"""The families' shared code (motifs/_common.py): checks, seeds, clipping, layer stacking
and the assembly of a long cloth, each against a plain reference or an invariant."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from batik_waves.errors import MotifError
from batik_waves.motifs import _common, registry
from batik_waves.motifs._common import (
    ClothLayers,
    ClothRows,
    clip_to_box,
    runs,
    stack_layers,
    thinned_crackle,
    variant_of,
)
from batik_waves.motifs.kawung import KawungParams
from batik_waves.motifs.palette import palette
from batik_waves.motifs.pattern import lattice_vectors
from batik_waves.motifs.texture import crackle

MOTIFS = pathlib.Path(_common.__file__).parent
FAMILIES = [registry.get(n).module.rsplit(".", 1)[1] for n in registry.names()]


# ------------------------------------------------------------------ one home
@pytest.mark.parametrize("family", FAMILIES)
def test_no_family_reaches_into_another(family):
    """A family imports shared code from _common (or _square), never another family's
    module, and no underscored name from any sibling module."""
    tree = ast.parse((MOTIFS / f"{family}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            assert node.module not in FAMILIES, f"{family} imports {node.module}"
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{family} imports {private} from {node.module}"


# ------------------------------------------------------------------ inputs, alike
@pytest.mark.parametrize("name", registry.names())
def test_every_cloth_checks_params_at_alike(name):
    entry = registry.get(name)
    cls = entry.params_class()
    cloth = entry.cloth()
    with pytest.raises(MotifError, match=rf"'params_at'.*returning {cls.__name__}"):
        cloth(cls(), size=(100, 250))
    with pytest.raises(
        MotifError, match=rf"params_at\(0\.0\) must return {cls.__name__}, but got dict"
    ):
        cloth(lambda y: {}, size=(100, 250))
    with pytest.raises(MotifError, match=rf"params_at\([01]\.\d{{4}}\) must return {cls.__name__}"):
        cloth(lambda y: cls() if y == 0 else None, size=(100, 250))
    with pytest.raises(MotifError, match=r"'size'.*height.*whole number.*250\.5"):
        cloth(lambda y: cls(), size=(100, 250.5))


@pytest.mark.parametrize("name", registry.names())
def test_every_tile_checks_its_inputs_alike(name):
    entry = registry.get(name)
    tile = entry.tile()
    with pytest.raises(MotifError, match=r"'tile'.*height.*whole number.*7\.5"):
        tile(None, tile=(100, 7.5))
    with pytest.raises(MotifError, match=r"'tile'.*expected \(width, height\)"):
        tile(None, tile=100)
    with pytest.raises(MotifError, match=rf"'params'.*expected {entry.params}"):
        tile(3, tile=(100, 100))
    with pytest.raises(MotifError, match="'rng'"):
        tile(None, tile=(160, 160), rng="seven")


# ------------------------------------------------------------------ cloth rows
def test_cloth_rows_keep_the_tops_structure_and_group_rows_in_order():
    asked = []

    def params_at(y):
        asked.append(y)
        return KawungParams(flowers=4 + round(4 * y), petal_width=0.5 if y < 0.5 else 0.7)

    rows = ClothRows(params_at, KawungParams, (100, 200), fixed=("flowers",))
    assert rows.top.flowers == 4
    groups = rows.group((j, 40.0 * j) for j in (-1, 0, 1, 2, 3, 4, 5, 6))
    # rows above and below the cloth ask for the ends; every row keeps the top's lattice
    assert asked[1:] == [0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    assert [(p.petal_width, js) for p, js in groups.items()] == [
        (0.5, [-1, 0, 1, 2]),
        (0.7, [3, 4, 5, 6]),
    ]
    assert {p.flowers for p in groups} == {4}
    # by default the structural fields are the fixed ones (kawung's include polarity)
    dark = ClothRows(
        lambda y: KawungParams(polarity="dark" if y > 0.5 else "light"), KawungParams, (100, 200)
    )
    assert dark.at(190.0).polarity == "light"


def test_runs_are_consecutive_integers():
    assert runs([]) == []
    assert runs([5, -1, 0, 1, 3, 4]) == [(-1, 1), (3, 5)]


# ------------------------------------------------------------------ clipping
def test_clip_to_box_equals_a_plain_intersection():
    """The fast clip (bounds test, clip_by_rect, mend, merge) covers what a plain
    shapely intersection of the union with the box covers."""
    gen = np.random.default_rng(0)
    centres = gen.uniform(-20, 120, size=(300, 2))
    radii = gen.uniform(1, 12, size=300)
    polys = shapely.buffer(shapely.points(centres), radii, quad_segs=4)
    # thin slivers and rings that touch the edges exactly
    polys = np.concatenate([polys, [box(-5, 10, 0, 20), box(0, 0, 100, 0.5), box(40, 99, 60, 100)]])
    area = (0.0, 0.0, 100.0, 100.0)
    fast = clip_to_box(polys, area)
    plain = shapely.intersection(shapely.union_all(polys), box(*area))
    assert fast.is_valid and fast.geom_type == "MultiPolygon"
    assert fast.symmetric_difference(plain).area < 1e-6 * plain.area
    # no two parts overlap (even-odd fill would punch holes there)
    parts = shapely.get_parts(fast)
    assert shapely.area(parts).sum() == pytest.approx(fast.area, rel=1e-9)
    assert clip_to_box(polys[:0], area).is_empty


# ------------------------------------------------------------------ the hand
@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
def test_variant_of_is_periodic_on_the_repeat(repeat):
    gen = np.random.default_rng(1)
    xy = gen.uniform(0, 200, size=(50, 2))
    a1, a2 = lattice_vectors(200, 120, repeat)
    here = variant_of(xy, 200, 120, repeat, 5, 3)
    assert set(here) <= set(range(5)) and len(set(here)) > 1
    for v in (a1, a2):
        assert (variant_of(xy + np.asarray(v), 200, 120, repeat, 5, 3) == here).all()


def test_thinned_crackle_keeps_a_share_of_the_densest_network():
    size, seed, density = (300, 600), 4, 0.8
    full = crackle(*size, density=density, rng=seed, vein_width=1.0)
    veins = shapely.get_parts(full)
    cy = shapely.get_coordinates(shapely.centroid(veins))[:, 1]

    def thinned(amount_at, most=0.8):
        return thinned_crackle(
            *size, amount_at, most, density=lambda a: a, seed=seed, vein_width=1.0
        )

    # asked for the densest everywhere: the whole network
    everywhere = thinned(lambda y: np.full(len(y), 0.8))
    assert everywhere.equals(full)
    # nothing in the lower half, half as much in the upper half
    half = thinned(lambda y: np.where(y < 300, 0.4, 0.0))
    kept = shapely.get_parts(half)
    ky = shapely.get_coordinates(shapely.centroid(kept))[:, 1]
    assert (ky < 300).all()
    share = len(kept) / (cy < 300).sum()
    assert 0.35 < share < 0.65
    # every kept vein is one of the network's, unchanged
    assert shapely.covers(full.buffer(1e-9), half)
    assert thinned(lambda y: np.zeros(len(y)), most=0.0).is_empty


# ------------------------------------------------------------------ layers
def test_stack_layers_puts_the_crackle_where_the_wax_is():
    polys = {n: box(0, 0, 1, 1) for n in ("a", "b", "c")}
    col = {"a": "#111111", "b": "#222222", "c": "#333333", "crackle": "#444444"}
    under = stack_layers("abc", polys, col | {"crackle-clip": None}, MultiPolygon(), fast="c")
    assert [lyr.name for lyr in under] == ["crackle", "a", "b", "c"]
    assert under[0].clip_to is None and [lyr.fast_antialias for lyr in under[1:]] == [
        False,
        False,
        True,
    ]
    inside = stack_layers("abc", polys, col | {"crackle-clip": "b"}, MultiPolygon(), opacity=0.8)
    assert [lyr.name for lyr in inside] == ["a", "b", "crackle", "c"]
    assert inside[2].clip_to == "b" and inside[2].opacity == 0.8


def test_cloth_layers_split_by_colourway_and_lay_changed_grounds():
    """Two colourways down a cloth: one layer per colour in the fixed order, the second
    named after its colourway, and the second ground laid where it changes."""
    width, height = 100, 200
    sogan, indigo = palette("yogya-sogan"), palette("indigo")

    def colours(p, pal):
        return {"background": pal.ink, "petals": pal.fill, "nodes": pal.accent}

    def build(p, y0, y1):
        xy = np.array([[50.0, y] for y in np.arange(y0 - 10, y1 + 10, 10.0)])
        sq = shapely.buffer(shapely.points(xy), 3.0, quad_segs=2)
        return {"petals": sq, "nodes": sq}, {"petals": xy[:, 1], "nodes": xy[:, 1]}

    rows = ClothRows(
        lambda y: KawungParams(palette="yogya-sogan" if y < 0.5 else "indigo"),
        KawungParams,
        (width, height),
    )
    acc = ClothLayers(("petals", "nodes"))
    acc.draw(
        rows.group((j, j * 50.0 + 25.0) for j in range(4)),
        span=lambda j0, j1: (j0 * 50.0, (j1 + 1) * 50.0),
        build=build,
        colours=colours,
    )
    assert acc.crackle == [(0.0, 100.0, 0.35), (100.0, 200.0, 0.35)]
    veins = MultiPolygon()
    layers = acc.layers(
        width,
        height,
        sogan.ink,
        crackle_layer=_common.crackle_layer("#000000", veins, "petals"),
        crackle_after="petals",
    )
    # a layer per colour, in colour order; the second takes its colourway's name
    first = {
        n: min(("yogya-sogan", "indigo"), key=lambda k: colours(0, palette(k))[n])
        for n in ("petals", "nodes")
    }
    second = {n: ({"yogya-sogan", "indigo"} - {k}).pop() for n, k in first.items()}
    assert [lyr.name for lyr in layers] == [
        f"ground@indigo/{indigo.ink}",
        "petals",
        f"petals@{second['petals']}",
        "crackle",
        "nodes",
        f"nodes@{second['nodes']}",
    ]
    assert layers[1].fill == colours(0, palette(first["petals"]))["petals"]
    assert layers[1].fill < layers[2].fill
    assert layers[0].geometry.equals(box(0, 100, 100, 200))
    # each site once, in the run that owns it: 10 marks per run of two rows
    for lyr in layers[1:3]:
        assert len(shapely.get_parts(lyr.geometry)) == 10
    assert acc.palettes() == "indigo, yogya-sogan"
