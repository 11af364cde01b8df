"""From a Pattern's shapely layers to flat coordinate arrays that renderers draw.

Both the SVG writer and the cairo rasteriser draw from the same arrays, so they
agree on what is drawn. This module decides three things once:

- which copies of each shape are needed to paint a rectangle of the endless repeat
  (a stroke near one edge spills into the neighbouring tile; drawing the shape again
  shifted by a lattice vector puts the spill where it belongs: the "3×3
  neighbourhood" of BATIK.md, done per shape instead of per tile);
- polygon rings oriented so exteriors and holes turn opposite ways (even-odd and
  non-zero filling then agree: CairoSVG ignores ``clip-rule``);
- the outline of a polygon cut by the tile edge does not include the cut: the
  segments lying on the tile border are left out of the stroke, so no line is drawn
  along the seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..motifs.pattern import Layer, Pattern

__all__ = ["LayerInk", "Paths", "ink", "split_color"]


@dataclass(frozen=True)
class Paths:
    """Polylines as flat arrays.

    Path ``k`` is ``coords[offsets[k]:offsets[k + 1]]``; a closed path repeats its
    first point at the end.
    """

    coords: np.ndarray  # (n, 2) float64
    offsets: np.ndarray  # (n_paths + 1,) int64
    closed: np.ndarray  # (n_paths,) bool

    @property
    def n_paths(self) -> int:
        return len(self.offsets) - 1

    def __bool__(self) -> bool:
        return self.n_paths > 0

    @staticmethod
    def empty() -> Paths:
        return Paths(np.zeros((0, 2)), np.zeros(1, np.int64), np.zeros(0, bool))

    def bounds(self) -> np.ndarray:
        """Per-path bounding boxes ``(n_paths, 4)``: minx, miny, maxx, maxy."""
        if not self:
            return np.zeros((0, 4))
        starts = self.offsets[:-1]
        x, y = self.coords[:, 0], self.coords[:, 1]
        return np.stack(
            [
                np.minimum.reduceat(x, starts),
                np.minimum.reduceat(y, starts),
                np.maximum.reduceat(x, starts),
                np.maximum.reduceat(y, starts),
            ],
            axis=1,
        )

    @staticmethod
    def concat(items: list[Paths]) -> Paths:
        items = [p for p in items if p]
        if not items:
            return Paths.empty()
        if len(items) == 1:
            return items[0]
        coords = np.concatenate([p.coords for p in items])
        shift = np.cumsum([0] + [len(p.coords) for p in items[:-1]])
        offsets = np.concatenate(
            [[0]] + [p.offsets[1:] + s for p, s in zip(items, shift, strict=True)]
        )
        closed = np.concatenate([p.closed for p in items])
        return Paths(coords, offsets.astype(np.int64), closed)


@dataclass(frozen=True)
class LayerInk:
    """One layer ready to draw: fill rings, stroke paths and the clip rings (if any)."""

    layer: Layer
    fill: Paths  # closed rings, filled even-odd
    stroke: Paths  # open or closed polylines, stroked with round caps and joins
    clip: Paths | None  # closed rings of the clip layer, or None


def split_color(value: str) -> tuple[str, float]:
    """``#RRGGBB[AA]`` → (``#RRGGBB``, alpha in [0, 1])."""
    if len(value) == 9:
        return value[:7], int(value[7:9], 16) / 255.0
    return value, 1.0


def _flat_parts(geom) -> tuple[np.ndarray, np.ndarray]:
    """Polygons and lines (LineString, LinearRing) of any geometry; points are dropped."""
    parts = np.asarray(shapely.get_parts(np.asarray([geom], dtype=object)), dtype=object)
    while True:
        types = shapely.get_type_id(parts)
        multi = types >= 4  # Multi* and GeometryCollection
        if not multi.any():
            break
        parts = np.concatenate(
            [parts[~multi], np.asarray(shapely.get_parts(parts[multi]), dtype=object)]
        )
    keep = ~shapely.is_empty(parts)
    parts = parts[keep]
    types = shapely.get_type_id(parts)
    return parts[types == 3], parts[(types == 1) | (types == 2)]


def _paths_of(lines_or_rings: np.ndarray, closed: np.ndarray) -> Paths:
    if len(lines_or_rings) == 0:
        return Paths.empty()
    coords, index = shapely.get_coordinates(lines_or_rings, return_index=True)
    counts = np.bincount(index, minlength=len(lines_or_rings))
    ok = counts >= 2
    if not ok.all():  # degenerate pieces: drop them
        return _paths_of(lines_or_rings[ok], closed[ok])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Paths(coords.astype(np.float64), offsets, np.asarray(closed, bool))


def _cut_tile_border(paths: Paths, width: float, height: float) -> Paths:
    """Leave out of closed rings the segments lying on the tile border.

    A polygon cut by the tile edge gets new edges along the border; stroking them
    would draw a line along the seam. Rings touching the border become open paths.
    """
    if not paths:
        return paths
    eps = 1e-6 * max(width, height)
    b = paths.bounds()
    touches = (
        (b[:, 0] <= eps) | (b[:, 1] <= eps) | (b[:, 2] >= width - eps) | (b[:, 3] >= height - eps)
    ) & paths.closed
    if not touches.any():
        return paths
    out: list[Paths] = []
    keep = np.nonzero(~touches)[0]
    if len(keep):
        out.append(_select(paths, keep))
    for k in np.nonzero(touches)[0]:
        ring = paths.coords[paths.offsets[k] : paths.offsets[k + 1]]
        x, y = ring[:, 0], ring[:, 1]
        on = np.zeros(len(ring) - 1, bool)
        for v, lim in ((x, 0.0), (x, width), (y, 0.0), (y, height)):
            near = np.abs(v - lim) <= eps
            on |= near[:-1] & near[1:]
        if not on.any():
            out.append(_select(paths, np.array([k])))
            continue
        if on.all():
            continue
        # rotate so the ring starts right after a border segment, then split runs
        start = int(np.nonzero(on)[0][0]) + 1
        pts = np.concatenate([ring[start:-1], ring[:start]])  # n-1 distinct points, rotated
        seg_on = np.roll(on, -start)
        pieces = []
        current = [0]
        for i, s in enumerate(seg_on):
            if s:
                if len(current) >= 2:
                    pieces.append(pts[current])
                current = [(i + 1) % len(pts)]
            else:
                current.append((i + 1) % len(pts))
        if len(current) >= 2:
            pieces.append(pts[current])
        for piece in pieces:
            out.append(Paths(piece.copy(), np.array([0, len(piece)], np.int64), np.array([False])))
    return Paths.concat(out)


def _select(paths: Paths, idx: np.ndarray, shifts: np.ndarray | None = None) -> Paths:
    """Paths ``idx`` (in that order), each translated by the matching row of *shifts*."""
    lengths = paths.offsets[idx + 1] - paths.offsets[idx]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    total = int(offsets[-1])
    gather = np.repeat(paths.offsets[idx] - offsets[:-1], lengths) + np.arange(total)
    coords = paths.coords[gather]
    if shifts is not None:
        coords = coords + np.repeat(shifts, lengths, axis=0)
    return Paths(coords, offsets, paths.closed[idx])


def _translations(pattern: Pattern, reach: np.ndarray, rect) -> np.ndarray:
    """Lattice vectors that may bring something within *reach* bounds into *rect*."""
    (ax, ay), (bx, by) = pattern.lattice
    rx0, ry0, rx1, ry1 = rect
    gx0, gy0, gx1, gy1 = reach
    # translations t with reach + t overlapping rect lie in this box; map its corners
    # to lattice coordinates (i, j) and take every whole (i, j) in their range
    corners = np.array(
        [[x, y] for x in (rx0 - gx1, rx1 - gx0) for y in (ry0 - gy1, ry1 - gy0)], float
    )
    ij = np.linalg.solve(np.array([[ax, bx], [ay, by]], float), corners.T).T
    lo = np.floor(ij.min(axis=0)).astype(int) - 1
    hi = np.ceil(ij.max(axis=0)).astype(int) + 1
    i, j = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1), indexing="ij")
    i, j = i.ravel(), j.ravel()
    t = np.stack([i * ax + j * bx, i * ay + j * by], axis=1).astype(np.float64)
    hit = (
        (gx0 + t[:, 0] < rx1)
        & (gx1 + t[:, 0] > rx0)
        & (gy0 + t[:, 1] < ry1)
        & (gy1 + t[:, 1] > ry0)
    )
    t = t[hit]
    # deterministic order: the tile itself first, then by y, then x
    order = np.lexsort((t[:, 0], t[:, 1], (np.abs(t) > 0).any(axis=1)))
    return t[order]


def _place(paths: Paths, pad: float, pattern: Pattern, rect) -> Paths:
    """Every lattice copy of every path whose (padded) bounds reach into *rect*."""
    if not paths:
        return paths
    b = paths.bounds()
    b = b + np.array([-pad, -pad, pad, pad])
    reach = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
    t = _translations(pattern, reach, rect)
    rx0, ry0, rx1, ry1 = rect
    mask = (
        (b[None, :, 0] + t[:, None, 0] < rx1)
        & (b[None, :, 2] + t[:, None, 0] > rx0)
        & (b[None, :, 1] + t[:, None, 1] < ry1)
        & (b[None, :, 3] + t[:, None, 1] > ry0)
    )
    ti, pi = np.nonzero(mask)
    return _select(paths, pi, t[ti])


def _base(layer: Layer, pattern: Pattern, oriented: bool) -> tuple[Paths, Paths]:
    """The layer's own (unplaced) fill rings and stroke paths."""
    polys, lines = _flat_parts(layer.geometry)
    if len(polys):
        if oriented:
            polys = shapely.orient_polygons(polys, exterior_cw=False)
        rings = np.asarray(shapely.get_rings(polys), dtype=object)
        fill = _paths_of(rings, np.ones(len(rings), bool))
    else:
        fill = Paths.empty()
    stroke = Paths.empty()
    if layer.stroke is not None:
        line_paths = _paths_of(lines, np.asarray(shapely.get_type_id(lines) == 2))
        ring_paths = _cut_tile_border(fill, pattern.width, pattern.height)
        stroke = Paths.concat([ring_paths, line_paths])
    return fill, stroke


def ink(pattern: Pattern, rect=None, *, oriented: bool = True) -> list[LayerInk]:
    """Everything needed to paint *rect* (default: the tile) of the endless repeat.

    *oriented*: turn exteriors and holes opposite ways, so that non-zero filling
    agrees with even-odd (needed in SVG; cairo drawing uses even-odd and skips it).
    """
    if rect is None:
        rect = (0.0, 0.0, float(pattern.width), float(pattern.height))
    bases = {}
    out = []
    for layer in pattern.layers:
        fill, stroke = _base(layer, pattern, oriented)
        bases[layer.name] = fill
        placed_fill = _place(fill, 0.0, pattern, rect) if layer.fill is not None else Paths.empty()
        placed_stroke = (
            _place(stroke, layer.stroke_width / 2 + 1.0, pattern, rect)
            if layer.stroke is not None
            else Paths.empty()
        )
        clip = None
        if layer.clip_to is not None:
            clip = _place(bases[layer.clip_to], 0.0, pattern, rect)
        out.append(LayerInk(layer, placed_fill, placed_stroke, clip))
    return out
