"""The maker's hand: wax crackle (remukan) and the wobble of a canting line.

Both are seeded and both are periodic on the repeat's lattice, so a tile stays
seamless: the crackle is the Voronoi network of seed points replicated by the
lattice vectors (broken, bent and tapered so it reads as cracked wax, not as cells),
and the wobble is smooth value noise sampled on the torus of the tile.

>>> import numpy as np
>>> veins = crackle(200, 200, density=2.0, rng=3)
>>> veins.geom_type, veins.is_valid, 0 < veins.area < 0.1 * 200 * 200
('MultiPolygon', True, True)
"""

from __future__ import annotations

import functools
import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from ..errors import MotifError
from .isen import _rng, stroke_coords
from .pattern import disjoint_polygons, lattice_vectors

__all__ = ["PeriodicNoise", "crackle", "seed_of", "wobble"]


def seed_of(rng) -> int:
    """A whole-number seed from an int seed, a numpy Generator (draws one) or None (0)."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**31 - 1))
    _rng(rng)  # validates
    return 0 if rng is None else int(rng)


def _check_size(width, height) -> tuple[float, float]:
    for name, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not v > 0:
            raise MotifError(
                f"Invalid value for the {name!r} parameter: expected a size in px > 0, but got "
                f"{v!r} instead."
            )
    return float(width), float(height)


# ------------------------------------------------------------------ periodic noise
_BSPLINE_STD = 151 / 315  # mean of the squared cubic B-spline weights, per axis


class PeriodicNoise:
    """Smooth 2-D value noise, periodic on a tile's repeat lattice.

    Random values on a grid in lattice coordinates are blended with cubic B-spline
    weights (C² smooth); the grid wraps, so ``noise(p) == noise(p + a)`` for each
    lattice vector ``a``. Each of the ``channels`` outputs has standard deviation ≈ 1.

    Parameters
    ----------
    width, height : float
        Tile size in px.
    cell : float
        Feature size of the noise in px (the grid spacing).
    rng : Generator or int
        Seed of the grid values.
    repeat : str
        ``"block"``, ``"half-drop"`` or ``"half-brick"``.
    channels : int
        Number of independent outputs (2 for a displacement field).

    Examples
    --------
    >>> n = PeriodicNoise(100, 60, cell=20, rng=1, repeat="half-drop")
    >>> p = np.array([[12.5, 7.0]])
    >>> bool(np.allclose(n(p), n(p + [100, 30])))
    True
    """

    def __init__(self, width, height, *, cell, rng, repeat="block", channels=2):
        width, height = _check_size(width, height)
        if not cell > 0:
            raise MotifError(f"PeriodicNoise: cell must be > 0 px, got {cell!r}")
        a1, a2 = lattice_vectors(width, height, repeat)
        basis = np.array([[a1[0], a2[0]], [a1[1], a2[1]]], dtype=float)  # columns a1, a2
        self._inv = np.linalg.inv(basis)
        self._n = (
            max(3, round(math.hypot(*a1) / cell)),
            max(3, round(math.hypot(*a2) / cell)),
        )
        gen = _rng(rng)
        self._grid = gen.standard_normal((channels, *self._n)) / _BSPLINE_STD
        # the B-spline sampled 4× finer, looked up bilinearly: 4 taps instead of 16
        n1, n2 = self._n
        fu, fv = np.meshgrid(np.arange(4 * n1) / 4, np.arange(4 * n2) / 4, indexing="ij")
        table = self._spline(fu.ravel(), fv.ravel()).reshape(4 * n1, 4 * n2, channels)
        self._table = table
        self._flat = np.ascontiguousarray(table.reshape(-1, channels).T)

    def _spline(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Exact cubic B-spline at grid coordinates (u, v) → (N, channels)."""
        n1, n2 = self._n
        iu = np.floor(u).astype(np.int64)
        iv = np.floor(v).astype(np.int64)
        wu = _bspline(u - iu)  # (4, N)
        wv = _bspline(v - iv)
        out = np.zeros((len(u), self._grid.shape[0]))
        for a in range(4):
            ia = (iu + a - 1) % n1
            for b in range(4):
                ib = (iv + b - 1) % n2
                out += (wu[a] * wv[b])[:, None] * self._grid[:, ia, ib].T
        return out

    @property
    def peak(self) -> float:
        """The largest absolute value the noise takes anywhere (a bound on a shift).

        >>> n = PeriodicNoise(100, 60, cell=20, rng=1)
        >>> pts = np.random.default_rng(0).uniform(0, 100, (5000, 2))
        >>> bool(np.abs(n(pts)).max() <= n.peak)
        True
        """
        return float(np.abs(self._flat).max())

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        """Noise at points ``(..., 2)`` → values ``(..., channels)``."""
        xy = np.asarray(xy, dtype=float)
        shape = xy.shape[:-1]
        uv = xy.reshape(-1, 2) @ self._inv.T
        m1, m2 = self._table.shape[:2]
        u = uv[:, 0] * m1
        v = uv[:, 1] * m2
        iu = np.floor(u)
        iv = np.floor(v)
        fu = u - iu
        fv = v - iv
        i0 = np.mod(iu.astype(np.int64), m1)
        j0 = np.mod(iv.astype(np.int64), m2)
        i1 = np.where(i0 == m1 - 1, 0, i0 + 1) * m2
        j1 = np.where(j0 == m2 - 1, 0, j0 + 1)
        i0 *= m2
        flat = self._flat  # (channels, m1 * m2)
        a = np.take(flat, i0 + j0, axis=1)
        b = np.take(flat, i0 + j1, axis=1)
        c = np.take(flat, i1 + j0, axis=1)
        d = np.take(flat, i1 + j1, axis=1)
        left = a + (b - a) * fv
        out = (left + (c + (d - c) * fv - left) * fu).T
        return out.reshape(*shape, -1)


def _bspline(t: np.ndarray) -> np.ndarray:
    t2, t3 = t * t, t * t * t
    return np.stack(
        [
            (1 - t) ** 3 / 6,
            (3 * t3 - 6 * t2 + 4) / 6,
            (-3 * t3 + 3 * t2 + 3 * t + 1) / 6,
            t3 / 6,
        ]
    )


def _on_edges(c: np.ndarray, width: float, height: float, eps: float = 1e-7):
    return (
        (np.abs(c[:, 0]) < eps) | (np.abs(c[:, 0] - width) < eps),
        (np.abs(c[:, 1]) < eps) | (np.abs(c[:, 1] - height) < eps),
    )


def wobble(
    geom: BaseGeometry,
    width: float,
    height: float,
    *,
    amount: float,
    rng=None,
    repeat: str = "block",
    cell: float | None = None,
) -> BaseGeometry:
    """Displace every vertex of *geom* by smooth noise that is periodic on the tile.

    Best applied before :func:`~batik_waves.motifs.pattern.wrap_on_torus`. When *geom*
    is already wrapped, vertices lying on a tile edge slide only along that edge, so
    the seam stays closed.

    Parameters
    ----------
    geom : shapely geometry
    width, height : float
        Tile size in px.
    amount : float
        Standard deviation of the displacement in px (0 returns *geom* unchanged).
    rng : Generator or int, optional
    repeat : str
        The repeat kind whose lattice the noise follows.
    cell : float, optional
        Feature size of the wobble in px (default ``max(12, 12 × amount)``).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> g = wobble(Point(50, 50).buffer(20), 100, 100, amount=1.5, rng=2)
    >>> g.is_valid, 0 < g.hausdorff_distance(Point(50, 50).buffer(20)) < 6
    (True, True)
    """
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise MotifError(
            f"Invalid value for the 'amount' parameter of wobble: expected px >= 0, but got "
            f"{amount!r} instead."
        )
    if amount == 0 or geom.is_empty:
        return geom
    noise = PeriodicNoise(
        width, height, cell=cell or max(12.0, 12.0 * amount), rng=rng, repeat=repeat
    )

    def move(c: np.ndarray) -> np.ndarray:
        d = amount * noise(c)
        on_x, on_y = _on_edges(c, width, height)
        d[on_x, 0] = 0.0
        d[on_y, 1] = 0.0
        return c + d

    out = shapely.transform(geom, move)
    if not out.is_valid:
        out = shapely.make_valid(out)
    return out


# ------------------------------------------------------------------ crackle
def _hash01(*keys: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) values from integer keys (splitmix64 mixing), vectorised."""
    with np.errstate(over="ignore"):
        h = np.full(np.broadcast(*keys).shape, 0x9E3779B97F4A7C15, dtype=np.uint64)
        for k in keys:
            h ^= np.asarray(k).astype(np.int64).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
            h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            h ^= h >> np.uint64(31)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def crackle(
    width: float,
    height: float,
    *,
    density: float,
    rng=None,
    repeat: str = "block",
    vein_width: float = 1.0,
) -> BaseGeometry:
    """A periodic network of fine veins, like dye in cracked wax (remukan).

    The network covers the whole tile, wrapped on its torus; it is *not* clipped to the
    wax. Put it in a layer with ``clip_to=<the wax layer>`` so renderers clip it while
    drawing. Results are cached by (size, repeat, density, seed, vein width), so
    regenerating a frame with the same seed costs nothing.

    Parameters
    ----------
    width, height : float
        Tile size in px.
    density : float
        Crack cells per 100 × 100 px (0 gives an empty network; 1 is sparse, 4 dense).
    rng : Generator or int, optional
        A Generator draws one seed from itself; an int is the seed.
    repeat : str
        Repeat kind; the network is periodic on its lattice vectors.
    vein_width : float
        Typical vein width in px (veins taper towards their ends).

    Returns
    -------
    MultiPolygon
        Thin vein polygons that never overlap each other, inside ``[0, W] × [0, H]``.
    """
    width, height = _check_size(width, height)
    if isinstance(density, bool) or not isinstance(density, int | float) or not density >= 0:
        raise MotifError(
            f"Invalid value for the 'density' parameter of crackle: expected cells per "
            f"100×100 px >= 0, but got {density!r} instead."
        )
    if not vein_width > 0:
        raise MotifError(
            f"Invalid value for the 'vein_width' parameter of crackle: expected px > 0, but "
            f"got {vein_width!r} instead."
        )
    lattice_vectors(width, height, repeat)
    if density == 0:
        return MultiPolygon()
    return _crackle(width, height, repeat, float(density), seed_of(rng), float(vein_width))


@functools.lru_cache(maxsize=16)
def _crackle(width, height, repeat, density, seed, vein_width) -> BaseGeometry:
    from scipy.spatial import Voronoi

    gen = np.random.default_rng(seed)
    n = max(4, round(density * width * height / 1e4))
    a1, a2 = (np.array(v, dtype=float) for v in lattice_vectors(width, height, repeat))
    # seeds in lattice coordinates, stretched along a slanted grain for long cracks
    uv = gen.random((n, 2))
    base = uv[:, :1] * a1 + uv[:, 1:] * a2
    reach = 2 if repeat != "block" else 1
    offs = [(i, j) for i in range(-reach, reach + 1) for j in range(-reach, reach + 1)]
    ij = np.array(offs)
    shift = ij[:, :1] * a1 + ij[:, 1:] * a2  # (c, 2)
    pts = (base[None, :, :] + shift[:, None, :]).reshape(-1, 2)
    sid = np.tile(np.arange(n), len(offs))
    cid = np.repeat(np.arange(len(offs)), n)
    margin = 0.6
    keep = (
        (pts[:, 0] > -margin * width)
        & (pts[:, 0] < (1 + margin) * width)
        & (pts[:, 1] > -margin * height)
        & (pts[:, 1] < (1 + margin) * height)
    )
    pts, sid, cid = pts[keep], sid[keep], cid[keep]
    grain = gen.uniform(0, math.pi)
    rot = np.array([[math.cos(grain), -math.sin(grain)], [math.sin(grain), math.cos(grain)]])
    stretch = rot @ np.diag([1.0, 0.55]) @ rot.T  # cells elongated along the grain
    vor = Voronoi(pts @ stretch.T)
    ridges = np.asarray(vor.ridge_vertices)
    pairs = np.asarray(vor.ridge_points)
    finite = (ridges >= 0).all(axis=1)
    ridges, pairs = ridges[finite], pairs[finite]
    verts = vor.vertices @ np.linalg.inv(stretch).T
    # translation-invariant key of each ridge: (seed a, seed b, lattice offset b - a)
    sa, sb = sid[pairs[:, 0]], sid[pairs[:, 1]]
    da = ij[cid[pairs[:, 1]]] - ij[cid[pairs[:, 0]]]
    swap = (sa > sb) | ((sa == sb) & ((da[:, 0] < 0) | ((da[:, 0] == 0) & (da[:, 1] < 0))))
    lo, hi = np.where(swap, sb, sa), np.where(swap, sa, sb)
    d = np.where(swap[:, None], -da, da)
    pa = np.where(swap, pairs[:, 1], pairs[:, 0])
    pb = np.where(swap, pairs[:, 0], pairs[:, 1])

    def h(k: int) -> np.ndarray:
        return _hash01(np.full(len(lo), seed), lo, hi, d[:, 0], d[:, 1], np.full(len(lo), k))

    keep = h(0) > 0.22  # broken network: some cracks never formed
    v0, v1 = verts[ridges[:, 0]], verts[ridges[:, 1]]
    across = pts[pb] - pts[pa]
    flip = (across[:, 0] * (v1 - v0)[:, 1] - across[:, 1] * (v1 - v0)[:, 0]) < 0
    v0, v1 = np.where(flip[:, None], v1, v0), np.where(flip[:, None], v0, v1)
    length = np.linalg.norm(v1 - v0, axis=1)
    keep &= length > 1.5 * vein_width
    x0 = np.minimum(v0[:, 0], v1[:, 0])
    x1 = np.maximum(v0[:, 0], v1[:, 0])
    y0 = np.minimum(v0[:, 1], v1[:, 1])
    y1 = np.maximum(v0[:, 1], v1[:, 1])
    pad = 0.2 * length + vein_width
    keep &= (x1 + pad > 0) & (x0 - pad < width) & (y1 + pad > 0) & (y0 - pad < height)
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        return MultiPolygon()
    v0, v1, length = v0[idx], v1[idx], length[idx]
    # gaps where cracks meet (at least a few vein widths), so veins rarely touch
    floor = np.minimum(2.0 * vein_width / length, 0.3)
    g0 = np.maximum(0.025 + 0.15 * h(1)[idx] ** 2, floor)
    g1 = np.maximum(0.025 + 0.15 * h(2)[idx] ** 2, floor)
    bend1 = (h(3)[idx] - 0.5) * 0.07
    bend2 = (h(4)[idx] - 0.5) * 0.04
    thick = 0.55 + 0.9 * h(5)[idx]
    k = 7
    s = np.linspace(0.0, 1.0, k)[None, :]
    t = g0[:, None] + (1 - g0 - g1)[:, None] * s
    direction = (v1 - v0) / length[:, None]
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    bend = length[:, None] * (
        bend1[:, None] * np.sin(np.pi * t) + bend2[:, None] * np.sin(2 * np.pi * t)
    )
    line = (
        v0[:, None, :] + t[..., None] * (v1 - v0)[:, None, :] + bend[..., None] * normal[:, None, :]
    )
    hw = 0.5 * vein_width * thick[:, None] * (0.3 + 0.7 * np.sin(np.pi * s) ** 0.6)
    rings = stroke_coords(line, hw, cap=1)
    closed = np.concatenate([rings, rings[:, :1]], axis=1)
    polys = shapely.polygons(closed)
    rx0, ry0 = rings[..., 0].min(1), rings[..., 1].min(1)
    rx1, ry1 = rings[..., 0].max(1), rings[..., 1].max(1)
    inside = (rx0 >= 0) & (ry0 >= 0) & (rx1 <= width) & (ry1 <= height)
    cut = shapely.clip_by_rect(polys[~inside], 0, 0, width, height)
    parts = shapely.get_parts(np.concatenate([polys[inside], cut]))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-9)]
    bad = ~shapely.is_valid(parts)
    if bad.any():
        parts[bad] = shapely.buffer(parts[bad], 0)
        parts = shapely.get_parts(parts)
        parts = parts[shapely.get_type_id(parts) == 3]
    # rare: two veins meeting at a sharp angle overlap; merge just those
    return disjoint_polygons(parts)
