"""Isen-isen: the small fillers a batik maker sets inside and around the motif.

Every filler is made of polygons: dots are small discs, lines are thin strokes with
round ends, curls are stroked spirals. They are built as numpy coordinate arrays and
turned into shapely geometry in one vectorised call, so filling hundreds of petals
stays fast. :func:`replicate` copies a filled template to many places at once.

>>> from shapely.geometry import Point
>>> import numpy as np
>>> region = Point(0, 0).buffer(50)
>>> dots = fill("cecek", region, scale=10, rng=np.random.default_rng(0))
>>> region.contains(dots), len(dots.geoms) > 40
(True, True)
>>> fill("none", region, scale=10, rng=0).is_empty
True
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from ..errors import MotifError

__all__ = [
    "FILLERS",
    "MIN_MARK_PX",
    "circle_coords",
    "disc_vertices",
    "fill",
    "replicate",
    "stroke_coords",
]

#: Filler kinds accepted by :func:`fill` (BATIK.md, "Isen-isen").
#: Isen-isen are never laid out finer than this many pixels (their scale: the spacing
#: of the marks; a cecek is about a third of it). Finer ones would only blur, and on a
#: small tile of many parang bands they would number in the hundreds of thousands (a
#: 190 px tile of 19 bands held 250 000 marks before this floor).
MIN_MARK_PX = 2.5

FILLERS: tuple[str, ...] = (
    "none",
    "cecek",
    "cecek-telu",
    "cecek-pitu",
    "sawut",
    "cecek-sawut",
    "ukel",
    "galaran",
)


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        return np.random.default_rng(0 if rng is None else int(rng))
    raise MotifError(
        f"Invalid value for the 'rng' parameter: expected a numpy Generator or an int seed, "
        f"but got {rng!r} instead."
    )


# ------------------------------------------------------------------ coordinates
def disc_vertices(radius: float, most: int = 16) -> int:
    """Enough vertices for a disc of *radius* px to look round (chords of ~1.5 px)."""
    return int(min(most, max(6, round(2 * math.pi * float(radius) / 1.5))))


def circle_coords(centres: np.ndarray, radius, n: int = 10) -> np.ndarray:
    """Discs as polygon coordinates: ``(len(centres), n, 2)``.

    *radius* is a scalar or one radius per centre.
    """
    centres = np.asarray(centres, dtype=float).reshape(-1, 2)
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    ring = np.stack([np.cos(t), np.sin(t)], axis=-1)  # (n, 2)
    r = np.broadcast_to(np.asarray(radius, dtype=float), (len(centres),))
    return centres[:, None, :] + r[:, None, None] * ring[None, :, :]


def stroke_coords(lines: np.ndarray, half_width, cap: int = 3) -> np.ndarray:
    """Polylines of equal length as stroke outlines with round caps.

    Parameters
    ----------
    lines : ndarray, shape (m, k, 2)
        *m* polylines of *k* points each (k >= 2).
    half_width : float or ndarray broadcastable to (m, k)
        Half the stroke width at each point (a canting line may swell and thin).
    cap : int
        Extra points on each round end cap.

    Returns
    -------
    ndarray, shape (m, 2 k + 2 cap, 2)
        One polygon ring per polyline (not closed; shapely closes it).
    """
    p = np.asarray(lines, dtype=float)
    m, k, _ = p.shape
    hw = np.broadcast_to(np.asarray(half_width, dtype=float), (m, k))[..., None]
    tan = np.gradient(p, axis=1)
    tan /= np.maximum(np.linalg.norm(tan, axis=-1, keepdims=True), 1e-12)
    nrm = np.stack([-tan[..., 1], tan[..., 0]], axis=-1)
    left = p + nrm * hw
    right = p - nrm * hw
    th = np.linspace(0, np.pi, cap + 2)[1:-1]  # (cap,)
    c, s = np.cos(th)[None, :, None], np.sin(th)[None, :, None]
    end = p[:, -1:, :] + hw[:, -1:, :] * (c * nrm[:, -1:, :] + s * tan[:, -1:, :])
    start = p[:, :1, :] + hw[:, :1, :] * (-c * nrm[:, :1, :] - s * tan[:, :1, :])
    return np.concatenate([left, end, right[:, ::-1], start], axis=1)


def _polygons(coords: np.ndarray) -> np.ndarray:
    """Array of shapely Polygons from ``(m, k, 2)`` rings."""
    if len(coords) == 0:
        return np.empty(0, dtype=object)
    closed = np.concatenate([coords, coords[:, :1]], axis=1)
    return shapely.polygons(closed)


def _frame(angle: float) -> np.ndarray:
    a = math.radians(angle)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def _grid(bounds, spacing: float, angle: float, rng, *, row: float | None = None, jitter=0.0):
    """Centres of a (rotated, hexagonal) grid covering *bounds*, with their frame."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    radius = math.hypot(x1 - x0, y1 - y0) / 2 + spacing
    row = spacing * math.sqrt(3) / 2 if row is None else row
    nu = int(radius / spacing) + 1
    nv = int(radius / row) + 1
    iv = np.arange(-nv, nv + 1)
    iu = np.arange(-nu, nu + 1)
    u = iu[None, :] * spacing + (iv[:, None] % 2) * spacing / 2
    v = np.broadcast_to(iv[:, None] * row, u.shape)
    local = np.stack([u.ravel(), v.ravel()], axis=-1)
    rot = _frame(angle)
    pts = local @ rot.T + (cx, cy)
    if jitter:
        pts = pts + rng.normal(0.0, jitter, pts.shape)
    return pts, rot


def _keep_inside(region: BaseGeometry, coords: np.ndarray) -> np.ndarray:
    """Elements (m, k, 2) whose every vertex lies inside *region*."""
    if len(coords) == 0:
        return coords
    inside = shapely.contains_xy(region, coords[..., 0], coords[..., 1])
    return coords[inside.all(axis=1)]


def _elements(kind: str, region: BaseGeometry, s: float, rng, angle: float) -> list[np.ndarray]:
    """Coordinate groups (m, k, 2) of one filler kind, not yet clipped."""
    b = region.bounds
    if kind == "cecek":
        c, _ = _grid(b, s, angle, rng, jitter=0.05 * s)
        return [
            circle_coords(c, 0.2 * s * rng.uniform(0.85, 1.15, len(c)), disc_vertices(0.2 * s, 10))
        ]
    if kind in ("cecek-telu", "cecek-pitu"):
        c, _ = _grid(b, s, angle, rng, jitter=0.04 * s)
        if kind == "cecek-telu":
            ring_r, dot_r, t = 0.2 * s, 0.11 * s, np.arange(3) * 2 * np.pi / 3 - np.pi / 2
        else:
            ring_r, dot_r, t = 0.27 * s, 0.085 * s, np.arange(6) * np.pi / 3
        spin = math.radians(angle) + rng.normal(0.0, 0.15, len(c))
        off = np.stack([np.cos(t[None] + spin[:, None]), np.sin(t[None] + spin[:, None])], -1)
        centres = c[:, None, :] + ring_r * off
        if kind == "cecek-pitu":
            centres = np.concatenate([centres, c[:, None, :]], axis=1)
        return [circle_coords(centres.reshape(-1, 2), dot_r, disc_vertices(dot_r, 8))]
    if kind in ("sawut", "cecek-sawut"):
        c, rot = _grid(b, 0.32 * s, angle, rng, row=s, jitter=0.02 * s)
        length = (0.7 if kind == "sawut" else 0.5) * s
        d = rot[:, 1]  # lines run across the rows
        tilt = rng.normal(0.0, 0.06, len(c))
        dd = d[None, :] + tilt[:, None] * rot[:, 0][None, :]
        dd /= np.linalg.norm(dd, axis=1, keepdims=True)
        t = np.linspace(-0.5, 0.5, 4)
        lines = c[:, None, :] + (length * t)[None, :, None] * dd[:, None, :]
        groups = [stroke_coords(lines, 0.045 * s, cap=2)]
        if kind == "cecek-sawut":
            groups = [stroke_coords(lines, 0.04 * s, cap=2)]
            tips = c + dd * (0.5 * length + 0.17 * s)
            groups.append(circle_coords(tips, 0.085 * s, disc_vertices(0.085 * s, 8)))
        return groups
    if kind == "ukel":
        c, _ = _grid(b, s, angle, rng, jitter=0.05 * s)
        th = np.linspace(0.0, 2.6 * np.pi, 22)
        r = 0.34 * s * (0.3 + 0.7 * th / th[-1])
        phase = math.radians(angle) + rng.uniform(-0.4, 0.4, len(c))
        ang = th[None, :] + phase[:, None]
        spiral = np.stack([np.cos(ang), np.sin(ang)], -1) * r[None, :, None]
        return [stroke_coords(c[:, None, :] + spiral, 0.045 * s, cap=2)]
    raise AssertionError(kind)  # pragma: no cover - checked by fill()


def fill(
    kind: str,
    region: BaseGeometry,
    *,
    scale: float,
    rng=None,
    angle: float = 0.0,
) -> BaseGeometry:
    """Fill *region* with the isen-isen *kind*.

    Parameters
    ----------
    kind : str
        One of :data:`FILLERS`: ``"cecek"`` dots, ``"cecek-telu"`` / ``"cecek-pitu"``
        clusters of three / seven dots, ``"sawut"`` short parallel lines,
        ``"cecek-sawut"`` lines ending in a dot, ``"ukel"`` small curls, ``"galaran"``
        slanted parallel lines, ``"none"``.
    region : shapely Polygon or MultiPolygon
        Where the filler goes; every element lies inside it.
    scale : float
        Spacing of the filler's elements in px (a dot's radius is 0.2 × scale).
    rng : numpy Generator or int, optional
        Jitter of the hand (seed 0 when None).
    angle : float
        Direction of the grid / lines in degrees (``galaran`` slants 45° from it).

    Returns
    -------
    MultiPolygon
        Possibly empty (a region too small for one element).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = fill("galaran", box(0, 0, 40, 40), scale=8, rng=1)
    >>> box(0, 0, 40, 40).contains(g), round(g.area / 1600, 1)
    (True, 0.1)
    >>> fill("cecek", box(0, 0, 1, 1), scale=8, rng=1).is_empty
    True
    """
    if kind not in FILLERS:
        allowed = ", ".join(repr(f) for f in FILLERS)
        raise MotifError(
            f"Invalid value for the 'kind' parameter of fill. Allowed values are {allowed}, "
            f"but got {kind!r} instead."
        )
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
        raise MotifError(
            f"Invalid value for the 'scale' parameter of fill: expected a spacing in px > 0, "
            f"but got {scale!r} instead."
        )
    if not isinstance(region, BaseGeometry):
        raise MotifError(f"fill: region must be a shapely geometry, got {type(region).__name__}")
    if kind == "none" or region.is_empty or region.area == 0:
        return MultiPolygon()
    rng = _rng(rng)
    scale = float(scale)
    shapely.prepare(region)
    if kind == "galaran":
        x0, y0, x1, y1 = region.bounds
        c, rot = _grid((x0, y0, x1, y1), scale, angle + 45.0, rng, row=scale)
        # one long line per row, through the row's centre
        radius = math.hypot(x1 - x0, y1 - y0) / 2 + scale
        rows = np.unique(np.round((c - c.mean(0)) @ rot[:, 1], 6))
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        t = np.linspace(-radius, radius, 2)
        lines = (
            centre[None, None, :]
            + rows[:, None, None] * rot[:, 1][None, None, :]
            + t[None, :, None] * rot[:, 0][None, None, :]
        )
        strokes = shapely.multipolygons(_polygons(stroke_coords(lines, 0.07 * scale, cap=0)))
        shapely.prepare(region)
        out = shapely.intersection(strokes, region)
        parts = shapely.get_parts(out)
        parts = parts[shapely.get_type_id(parts) == 3]
        return shapely.multipolygons(parts) if len(parts) else MultiPolygon()
    polys = []
    for group in _elements(kind, region, scale, rng, angle):
        group = _keep_inside(region, group)
        if len(group):
            p = _polygons(group)
            polys.append(p[shapely.contains(region, p)])
    polys = np.concatenate(polys) if polys else np.empty(0, dtype=object)
    if len(polys) == 0:
        return MultiPolygon()
    return shapely.multipolygons(polys)


def replicate(
    geom: BaseGeometry,
    matrices: np.ndarray,
    offsets: np.ndarray,
    *,
    displace=None,
    shift: np.ndarray | None = None,
) -> np.ndarray:
    """Copies of the polygons of *geom* under many affine maps, in one vectorised step.

    Parameters
    ----------
    geom : Polygon or MultiPolygon
        The template (holes are kept).
    matrices : ndarray, shape (n, 2, 2) or (2, 2)
        Linear part of each copy's map (``x' = M @ x + t``).
    offsets : ndarray, shape (n, 2)
        Translation of each copy.
    displace : callable, optional
        ``f(points (N, 2)) -> (N, 2)`` added to the mapped points (a periodic wobble).
    shift : ndarray, shape (n, 2), optional
        One extra translation per copy (a cheap wobble for small rigid shapes).

    Returns
    -------
    ndarray of Polygon, shape (n * len(parts),)
        Copy-major order: all parts of copy 0, then copy 1, ...
    """
    parts = shapely.get_parts(geom)
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    t = np.asarray(offsets, dtype=float).reshape(-1, 2)
    n = len(t)
    if n == 0 or len(parts) == 0:
        return np.empty(0, dtype=object)
    m = np.broadcast_to(np.asarray(matrices, dtype=float), (n, 2, 2))
    ring_geoms, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of = shapely.get_coordinates(ring_geoms, return_index=True)
    # x' = M @ x + t for every copy, as two multiply-adds per axis: the numbers of
    # np.einsum("nij,kj->nki") bit for bit, several times faster (einsum's generic
    # loop was a sixth of a ceplok keyframe)
    x, y = coords[:, 0], coords[:, 1]
    moved = np.empty((n, len(coords), 2))  # (n, c, 2)
    moved[..., 0] = m[:, 0, 0, None] * x + m[:, 0, 1, None] * y
    moved[..., 1] = m[:, 1, 0, None] * x + m[:, 1, 1, None] * y
    moved += t[:, None, :]
    if displace is not None:
        moved = moved + displace(moved.reshape(-1, 2)).reshape(moved.shape)
    if shift is not None:
        moved = moved + np.asarray(shift, dtype=float).reshape(n, 1, 2)
    n_rings = len(ring_geoms)
    ring_index = (np.arange(n)[:, None] * n_rings + ring_of[None, :]).ravel()
    new_rings = shapely.linearrings(moved.reshape(-1, 2), indices=ring_index).reshape(n, n_rings)
    is_shell = np.r_[True, ring_part[1:] != ring_part[:-1]]
    n_holes = np.bincount(ring_part, minlength=len(parts)) - 1
    shells = new_rings[:, is_shell].ravel()
    if n_holes.max() == 0:
        return shapely.polygons(shells)
    # holes as a rectangular (copies * parts, max holes) array padded with None
    h = int(n_holes.max())
    holes = np.full((n, len(parts), h), None, dtype=object)
    slot = np.arange(len(ring_part)) - np.searchsorted(ring_part, ring_part) - 1
    hole_cols = np.flatnonzero(~is_shell)
    holes[:, ring_part[hole_cols], slot[hole_cols]] = new_rings[:, hole_cols]
    return shapely.polygons(shells, holes=holes.reshape(n * len(parts), h))
