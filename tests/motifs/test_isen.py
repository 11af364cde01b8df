from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, box

from batik_waves.errors import MotifError
from batik_waves.motifs.isen import FILLERS, fill, replicate, stroke_coords

REGION = shapely.affinity.scale(Point(100, 80).buffer(60), 1.0, 0.6)
TWO = MultiPolygon([box(0, 0, 50, 50), box(70, 0, 120, 40)])


@pytest.mark.parametrize("kind", [k for k in FILLERS if k != "none"])
@pytest.mark.parametrize("region", [REGION, TWO], ids=["oval", "two-boxes"])
def test_each_filler_lies_inside_its_region(kind, region):
    g = fill(kind, region, scale=8.0, rng=np.random.default_rng(1), angle=30)
    assert not g.is_empty
    assert g.is_valid
    assert region.buffer(1e-6).contains(g)
    # a filler covers part of the region, never all of it
    assert 0.01 < g.area / region.area < 0.6


@pytest.mark.parametrize("kind", FILLERS)
def test_fillers_are_deterministic_and_seeded(kind):
    a = fill(kind, REGION, scale=8, rng=3)
    b = fill(kind, REGION, scale=8, rng=3)
    assert shapely.to_wkb(a) == shapely.to_wkb(b)
    if kind not in ("none", "galaran"):
        assert shapely.to_wkb(a) != shapely.to_wkb(fill(kind, REGION, scale=8, rng=4))


def test_scale_sets_the_spacing():
    fine = fill("cecek", REGION, scale=5, rng=0)
    coarse = fill("cecek", REGION, scale=10, rng=0)
    ratio = len(fine.geoms) / len(coarse.geoms)
    assert 3.0 < ratio < 5.0  # hexagonal grid: count goes with 1 / scale²


def test_none_and_tiny_regions_are_empty():
    assert fill("none", REGION, scale=8).is_empty
    assert fill("cecek", box(0, 0, 1, 1), scale=8).is_empty
    assert fill("ukel", Point(0, 0).buffer(1).difference(Point(0, 0).buffer(1)), scale=8).is_empty


def test_bad_arguments_are_named():
    with pytest.raises(MotifError, match=r"Allowed values are 'none', 'cecek'.*'dots'"):
        fill("dots", REGION, scale=8)
    with pytest.raises(MotifError, match="'scale'"):
        fill("cecek", REGION, scale=0)
    with pytest.raises(MotifError, match="'rng'"):
        fill("cecek", REGION, scale=8, rng="seed")


def test_stroke_coords_match_shapely_buffer():
    line = np.array([[[0.0, 0.0], [10.0, 2.0], [20.0, 0.0], [30.0, 5.0]]])
    ours = shapely.Polygon(stroke_coords(line, 1.5, cap=8)[0])
    ref = shapely.LineString(line[0]).buffer(1.5)
    assert ours.is_valid
    assert ours.symmetric_difference(ref).area / ref.area < 0.05


def test_replicate_matches_affine_transform():
    template = MultiPolygon(
        [box(0, 0, 2, 1), Point(5, 5).buffer(1).difference(Point(5, 5).buffer(0.5))]
    )
    mats = np.array([[[0.0, -1.0], [1.0, 0.0]], [[2.0, 0.0], [0.0, 2.0]]])
    offs = np.array([[10.0, 0.0], [0.0, 10.0]])
    out = replicate(template, mats, offs)
    assert len(out) == 4
    for n in range(2):
        a, b, c, d = mats[n].ravel()
        ref = shapely.affinity.affine_transform(template, [a, b, c, d, *offs[n]])
        got = shapely.union_all(out[2 * n : 2 * n + 2])
        assert got.symmetric_difference(ref).area < 1e-9
    assert len(out[1].interiors) == 1
