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


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
def test_crackle_continues_across_the_edges(repeat):
    g = crackle(W, H, density=3.0, rng=7, repeat=repeat, vein_width=2.0)
    (ax, ay), (bx, by) = lattice_vectors(W, H, repeat)
    # the left edge x = 0 must match the right edge x = W shifted by the first lattice vector
    eps = 1e-6
    right = g.intersection(box(W - eps, -H, W + eps, 2 * H))
    left = g.intersection(box(-eps, -H, eps, 2 * H))
    r = shapely.affinity.translate(right, -ax, -ay)

    # compare the covered y-intervals on the shared edge, modulo the tile height
    def ys(geom):
        c = shapely.get_coordinates(geom)
        return np.sort(np.mod(np.round(c[:, 1], 4), H))

    assert len(ys(left)) > 0
    assert right.is_empty is False
    assert shapely.equals_exact(
        shapely.multipoints(np.c_[np.zeros(len(ys(r))), ys(r)]),
        shapely.multipoints(np.c_[np.zeros(len(ys(left))), ys(left)]),
        tolerance=1e-3,
    ) or np.allclose(np.unique(ys(r)), np.unique(ys(left)), atol=1e-3)
    # top and bottom edges: the second lattice vector
    bottom = shapely.affinity.translate(g.intersection(box(-W, H - eps, 2 * W, H + eps)), -bx, -by)
    top = g.intersection(box(-W, -eps, 2 * W, eps))
    xs = lambda geom: np.unique(np.mod(np.round(shapely.get_coordinates(geom)[:, 0], 4), W))  # noqa: E731
    assert len(xs(top)) > 0
    assert np.allclose(xs(top), xs(bottom), atol=1e-3)


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
