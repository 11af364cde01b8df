from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from batik_waves.errors import MotifError
from batik_waves.motifs.pattern import lattice_vectors
from batik_waves.motifs.texture import PeriodicNoise, crackle, wobble

W, H = 300, 200


def _edge_profile(g, line):
    """Where *g* meets a line: the covered intervals, as a sorted array of endpoints."""
    hit = g.intersection(line)
    if hit.is_empty:
        return np.empty(0)
    return np.sort(shapely.get_coordinates(hit).ravel())


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
def test_crackle_is_valid_inside_the_tile_and_sparse(repeat):
    g = crackle(W, H, density=2.0, rng=1, repeat=repeat, vein_width=1.5)
    assert g.geom_type == "MultiPolygon" and g.is_valid and not g.is_empty
    assert box(0, 0, W, H).buffer(1e-6).contains(g)
    assert 0.003 < g.area / (W * H) < 0.1
    # veins never overlap: the sum of parts equals the union
    assert sum(p.area for p in g.geoms) == pytest.approx(shapely.union_all(g.geoms).area, rel=1e-6)


def seam_cover(g, edge: str, at: float, length: float, shift: float) -> np.ndarray:
    """Which samples (every 0.05 px) along a tile edge *g* covers, shifted along it."""
    if edge == "x":
        line = LineString([(at, -1), (at, length + 1)])
    else:
        line = LineString([(-1, at), (length + 1, at)])
    segs = [
        q
        for q in shapely.get_parts(g.intersection(line))
        if q.geom_type == "LineString" and q.length > 0
    ]
    t = np.arange(0, length, 0.05) + 0.025
    cover = np.zeros(len(t), dtype=bool)
    k = 1 if edge == "x" else 0
    for q in segs:
        lo, hi = np.sort(np.asarray(q.coords)[:, k]) + shift
        for off in (-length, 0, length):
            cover |= (t >= lo + off) & (t <= hi + off)
    return cover


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
def test_crackle_continues_across_the_edges(repeat):
    g = crackle(W, H, density=3.0, rng=7, repeat=repeat, vein_width=2.0)
    (_, ay), (bx, _) = lattice_vectors(W, H, repeat)
    # the right edge moved back by the first lattice vector is the left edge
    left = seam_cover(g, "x", 0.0, H, 0.0)
    assert left.any()
    assert np.mean(left != seam_cover(g, "x", W, H, -ay)) < 0.002
    top = seam_cover(g, "y", 0.0, W, 0.0)
    assert top.any()
    assert np.mean(top != seam_cover(g, "y", H, W, -bx)) < 0.002


def test_crackle_tiled_neighbourhood_has_no_seam_gaps():
    # the 3x3 mosaic of the tile must continue veins through the seam: the union of
    # neighbouring tiles has no vein ending exactly on the seam line
    g = crackle(W, H, density=3.0, rng=2, vein_width=2.0)
    mosaic = shapely.union_all(
        [shapely.affinity.translate(g, i * W, j * H) for i in (0, 1) for j in (0, 1)]
    )
    pieces_in_tile = len(g.geoms)
    merged = len(shapely.get_parts(mosaic))
    # pieces crossing a seam merge: fewer parts than 4 separate tiles
    assert merged < 4 * pieces_in_tile


def test_crackle_seeds_and_density():
    a = crackle(W, H, density=2.0, rng=1)
    assert shapely.to_wkb(a) == shapely.to_wkb(crackle(W, H, density=2.0, rng=1))
    assert shapely.to_wkb(a) != shapely.to_wkb(crackle(W, H, density=2.0, rng=2))
    # vein length per area grows with the square root of the cell count
    assert crackle(W, H, density=8.0, rng=1).area > 1.6 * a.area
    assert crackle(W, H, density=0, rng=1).is_empty
    gen = np.random.default_rng(5)
    b = crackle(W, H, density=2.0, rng=gen)
    assert shapely.to_wkb(b) == shapely.to_wkb(
        crackle(W, H, density=2.0, rng=np.random.default_rng(5))
    )


def test_crackle_bad_arguments():
    with pytest.raises(MotifError, match="'density'"):
        crackle(W, H, density=-1, rng=1)
    with pytest.raises(MotifError, match="'width'"):
        crackle(0, H, density=1, rng=1)
    with pytest.raises(MotifError, match="'repeat'"):
        crackle(W, H, density=1, rng=1, repeat="mirror")
    with pytest.raises(MotifError, match="'vein_width'"):
        crackle(W, H, density=1, rng=1, vein_width=0)


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
def test_noise_is_periodic_and_smooth(repeat):
    n = PeriodicNoise(W, H, cell=25, rng=3, repeat=repeat)
    pts = np.random.default_rng(0).uniform(0, W, (200, 2))
    for a in lattice_vectors(W, H, repeat):
        assert np.allclose(n(pts), n(pts + np.array(a)), atol=1e-9)
    v = n(pts)
    assert v.shape == (200, 2)
    assert 0.4 < v.std() < 2.5
    # smooth: a 0.5 px step changes the value a little
    assert np.abs(n(pts + 0.5) - v).max() < 0.3


def test_wobble_moves_vertices_a_little_and_keeps_the_seam():
    disc = Point(150, 100).buffer(30)
    g = wobble(disc, W, H, amount=1.5, rng=1)
    assert g.is_valid and 0.2 < g.hausdorff_distance(disc) < 8
    assert wobble(disc, W, H, amount=0, rng=1) is disc
    assert shapely.to_wkb(g) == shapely.to_wkb(wobble(disc, W, H, amount=1.5, rng=1))
    assert shapely.to_wkb(g) != shapely.to_wkb(wobble(disc, W, H, amount=1.5, rng=2))
    # a wrapped stripe crossing the left/right edge keeps its edge vertices on the edges
    stripe = box(0, 90, W, 110)
    w = wobble(stripe.segmentize(5), W, H, amount=2.0, rng=1)
    left = w.intersection(LineString([(0, 0), (0, H)]))
    right = w.intersection(LineString([(W, 0), (W, H)]))
    assert left.length == pytest.approx(right.length, abs=1e-6)
    assert left.length > 15
    with pytest.raises(MotifError, match="'amount'"):
        wobble(disc, W, H, amount=-1)
