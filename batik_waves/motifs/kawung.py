"""Kawung: four plump petals around a node, on a square lattice turned 45°.

Construction (``BATIK.md``): a square lattice of pitch ``P``. Every lattice edge holds
one petal (a cut aren palm fruit) whose tips point at the two nodes it joins; four
petal tips meet at each **node** (marked with a small cross or dot): the petals are
plump in the middle and pointed at the ends, so they reach nearly into the node and
the four around it read as one flower (an ellipse would stop short, leaving rows of
ovals, see :func:`_petal_shape`); and four petal
flanks enclose a concave four-pointed **star cell** between flowers (holding a dot,
a small star, or a small kawung for *geger*). The classic look turns the lattice 45°.

Geometry is built from templates (one petal, one seed, one node mark, one star
filler, the fillers of one petal and one ground cell) copied to every lattice site
with a single vectorised shapely call per layer; the copies that cross the tile edge
are clipped, and because the lattice is periodic on the tile's repeat, what leaves on
one side re-enters on the other. A 1920×1080 tile takes a few tens of milliseconds.

>>> p = kawung(KawungParams(flowers=3), tile=(240, 240), rng=1)
>>> [layer.name for layer in p.layers]  # doctest: +NORMALIZE_WHITESPACE
['crackle', 'petals', 'isen', 'seeds', 'split-lines', 'outline', 'nodes',
 'star-fillers']
>>> p.layer("petals").geometry.is_valid
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..errors import MotifError
from ._common import (
    ClothLayers,
    ClothRows,
    check_params,
    clip_to_box,
    crackle_density,
    crackle_layer,
    noise_field,
    rng_seeds,
    stack_layers,
    thinned_crackle,
    tile_palette,
    tile_size,
    variant_name,
)
from ._params import MotifParams, param
from .isen import FILLERS, MIN_MARK_PX, circle_coords, disc_vertices, fill, replicate
from .palette import PALETTES, Palette
from .palette import palette as make_palette
from .pattern import Pattern, lattice_vectors
from .texture import PeriodicNoise, crackle

__all__ = ["KawungParams", "kawung", "kawung_cloth", "kawung_lattice"]

_N = 64  # most vertices per petal outline


@dataclass(frozen=True)
class KawungParams(MotifParams):
    """Every parameter of a kawung, with its range (``BATIK.md``, "Kawung").

    Sizes marked "× P" are fractions of the lattice pitch ``P`` (the distance between
    two nodes joined by a petal), so a tile looks the same at any pixel size.

    >>> KawungParams.variants()
    ('picis', 'bribil', 'sen', 'beton', 'sari', 'kopi', 'geger', 'sekar-ageng')
    >>> KawungParams.variant("sari").split
    True
    >>> KawungParams(petal_width=0.9)
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'petal_width' parameter of KawungParams. Allowed range is 0.45 to 0.85, but got 0.9 instead.
    """

    flowers: int = param(
        6,
        range=(1, 64),
        unit="flowers across the tile",
        doc="Flowers (nodes) per row across the tile width; the pitch follows: "
        "P = W / (n·√2) at 45°, P = W / n at 0°. Rows down the tile are the nearest "
        "whole count (even for half-drop; the lattice is stretched by at most 15 % to "
        "close). Even counts suit every repeat on square tiles; on 16:9 tiles 7, 9 and "
        "16 close almost exactly.",
        role="structural",
    )
    rotation: int = param(
        45, choices=(45, 0), unit="°", doc="Lattice rotation; 45° is classic.", role="structural"
    )
    petal_width: float = param(
        0.65, range=(0.45, 0.85), unit="b/a", doc="Petal width over length (1 would be round)."
    )
    petal_length: float = param(
        0.98,
        range=(0.5, 1.0),
        unit="× touching length",
        doc="Petal length 2a as a fraction of the longest petal that still clears its "
        "neighbours (its tips then nearly meet the other three petals of the flower at "
        "the node, less the outline), so every value in range is drawable.",
    )
    tip_sharpness: float = param(
        2.0,
        range=(1.6, 2.5),
        unit="exponent",
        doc="Tip shape: 1.6 is a pointed lens whose tips run into the node; higher "
        "rounds the tips, which then stop a little shorter of the node.",
    )
    seed_oval: float = param(
        0.5, range=(0.0, 0.7), unit="× petal", doc="Inner seed size (0: none)."
    )
    seed_shape: str = param(
        "oval",
        choices=("oval", "lens", "two-dots"),
        doc="The seed: an oval like the petal, a pointed lens, or two small squares (beton).",
    )
    split: bool = param(False, doc="Kopi / sari: a central line splits each petal.")
    split_length: float = param(
        0.7, range=(0.5, 0.9), unit="× petal length", doc="Length of the split line."
    )
    node: str = param(
        "cross", choices=("cross", "dot", "none"), doc="Mark where four petal tips meet."
    )
    node_size: float = param(0.07, range=(0.04, 0.12), unit="× P", doc="Node mark reach.")
    star: str = param(
        "dot",
        choices=("dot", "star", "kawung", "none"),
        doc="Filler of the star cell between flowers ('kawung': a small flower, geger).",
    )
    star_size: float = param(
        0.1,
        range=(0.05, 0.2),
        unit="× P",
        doc="Star-cell filler diameter (for 'kawung', 0.05…0.2 spans 55…100 % of the room).",
    )
    outline: float = param(
        0.035, range=(0.0, 0.125), unit="× P", doc="Petal outline (rengreng) width; 0: none."
    )
    polarity: str = param(
        "light",
        choices=("light", "dark"),
        doc="'light': cream ground, soga petals; 'dark': soga ground, cream petals.",
        role="structural",
    )
    isen: str = param("cecek", choices=FILLERS, doc="Isen-isen filler kind.")
    isen_where: str = param(
        "petals", choices=("petals", "ground", "both"), doc="Where the filler goes."
    )
    isen_scale: float = param(
        0.075, range=(0.04, 0.2), unit="× P", doc="Spacing of the filler's elements."
    )
    isen_angle: float = param(
        0.0, range=(0.0, 180.0), unit="°", doc="Direction of the filler grid / lines."
    )
    palette: str = param("yogya-sogan", choices=PALETTES, doc="Colourway (BATIK.md).")
    crackle: float = param(
        0.35,
        range=(0.0, 1.0),
        doc="Wax crackle density (0: none; 1: about 12 cells per P², cells never under ~20 px).",
        role="steady",
    )
    wobble: float = param(
        0.3,
        range=(0.0, 1.0),
        doc="Canting hand: 1 displaces lines by about 2.5 % of P and varies the outline "
        "width by ±25 %.",
    )

    _VARIANTS = {  # noqa: RUF012 - read-only by convention (MotifParams)
        # the coin names: oval size grows picis < bribil < sen
        "picis": {"flowers": 10, "petal_width": 0.62, "seed_oval": 0.45, "node": "dot"},
        "bribil": {"flowers": 8, "petal_width": 0.66, "seed_oval": 0.5, "isen": "cecek"},
        "sen": {
            "flowers": 6,
            "petal_width": 0.7,
            "seed_oval": 0.55,
            "star": "star",
            "star_size": 0.14,
            "isen": "cecek-telu",
        },
        # beton (= picis): round ovals, two small square dots, crossing lines
        "beton": {
            "flowers": 10,
            "petal_width": 0.85,
            "tip_sharpness": 2.3,
            "seed_oval": 0.45,
            "seed_shape": "two-dots",
            "node": "cross",
            "node_size": 0.1,
            "isen": "none",
        },
        # sari / kopi: each petal split by a central line like a coffee bean
        "sari": {
            "flowers": 8,
            "petal_width": 0.6,
            "tip_sharpness": 1.8,
            "seed_oval": 0.0,
            "split": True,
            "split_length": 0.8,
            "isen": "none",
        },
        "kopi": {
            "flowers": 8,
            "petal_width": 0.58,
            "tip_sharpness": 1.7,
            "seed_oval": 0.0,
            "split": True,
            "split_length": 0.85,
            "isen": "cecek",
            "polarity": "dark",
        },
        # geger: a large kawung holding a smaller one in its star cells
        "geger": {
            "flowers": 4,
            "petal_width": 0.58,
            "petal_length": 0.92,
            "seed_oval": 0.45,
            "star": "kawung",
            "star_size": 0.2,
            "isen": "none",
        },
        # sekar ageng ("big flower"): four large petals meeting at a bold cross, each
        # filled with cecek sawut laid across it, so that opposite petals' strokes
        # form diagonal diamonds; no seed, a star between the flowers
        "sekar-ageng": {
            "flowers": 2,
            "petal_width": 0.58,
            "tip_sharpness": 1.8,
            "seed_oval": 0.0,
            "node_size": 0.1,
            "isen": "cecek-sawut",
            "isen_where": "petals",
            "isen_scale": 0.06,
            "isen_angle": 90.0,
            "star": "star",
            "star_size": 0.16,
        },
    }


# ---------------------------------------------------------------------- lattice
@dataclass(frozen=True)
class _Lattice:
    """Index space (i, j) → px: ``x = F @ (i, j) + origin``."""

    pitch: float
    rotation: int
    sy: float
    F: np.ndarray  # (2, 2)
    origin: np.ndarray  # (2,)
    counts: tuple[int, int]  # flowers across, node rows down (in half-cells at 45°)

    def to_px(self, ij: np.ndarray) -> np.ndarray:
        return ij @ self.F.T + self.origin

    def frame(self, angle: float) -> np.ndarray:
        """The 2×2 map from a local frame turned by *angle* (deg) into px."""
        a = math.radians(self.rotation + angle)
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        return np.diag([1.0, self.sy]) @ rot

    def cover(self, x0: float, y0: float, x1: float, y1: float, margin: float):
        """Integer index ranges whose sites can touch the box grown by *margin* px."""
        inv = np.linalg.inv(self.F)
        corners = np.array(
            [
                [x0 - margin, y0 - margin],
                [x1 + margin, y0 - margin],
                [x0 - margin, y1 + margin],
                [x1 + margin, y1 + margin],
            ]
        )
        ij = (corners - self.origin) @ inv.T
        lo = np.floor(ij.min(0)).astype(int) - 1
        hi = np.ceil(ij.max(0)).astype(int) + 1
        return lo, hi


def kawung_lattice(
    flowers: int, rotation: int, width: float, height: float, repeat: str = "block"
) -> tuple[float, int, float]:
    """The pitch, the row count and the vertical stretch for a seamless kawung tile.

    Returns ``(P, rows, sy)``: at 45° the tile holds ``flowers`` nodes across and
    ``rows`` down per row pair, ``P = W / (flowers·√2)``; at 0°, ``P = W / flowers``.
    ``sy`` is the vertical stretch (1 when the tile's aspect fits exactly).

    >>> kawung_lattice(16, 45, 1920, 1080)
    (84.8528137423857, 9, 1.0)
    >>> kawung_lattice(3, 45, 1920, 1080)
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'flowers' parameter of KawungParams: 3 flowers across a 1920×1080 tile would stretch the lattice by 16 % (rows must be whole to be seamless). Flower counts that fit within 15 % near 3 are 2, 4, 5, 6, 7, 8, 9.
    """
    rows, sy = _rows(flowers, rotation, width, height, repeat)
    if abs(sy - 1.0) > 0.15:
        fits = [
            n
            for n in range(max(1, flowers - 6), flowers + 7)
            if abs(_rows(n, rotation, width, height, repeat)[1] - 1) <= 0.15
        ]
        hint = (
            f" Flower counts that fit within 15 % near {flowers} are {', '.join(map(str, fits))}."
            if fits
            else ""
        )
        raise MotifError(
            f"Invalid value for the 'flowers' parameter of KawungParams: {flowers} flowers "
            f"across a {width:g}×{height:g} tile would stretch the lattice by "
            f"{abs(sy - 1) * 100:.0f} % (rows must be whole to be seamless).{hint}"
        )
    if repeat == "half-brick" and flowers % 2:
        raise MotifError(
            f"Invalid value for the 'flowers' parameter of KawungParams: a half-brick repeat "
            f"shifts rows by half a tile, so the flower count across must be even, but got "
            f"{flowers}."
        )
    step = width / (2 * flowers) if rotation == 45 else width / flowers
    pitch = step * math.sqrt(2) if rotation == 45 else step
    return pitch, rows, sy


def _rows(flowers: int, rotation: int, width: float, height: float, repeat: str):
    step = width / (2 * flowers) if rotation == 45 else width / flowers
    per = 2 if rotation == 45 else 1  # at 45° a row pair is 2·step tall
    exact = height / (per * step)
    rows = max(1, round(exact))
    if repeat == "half-drop" and rows % 2:
        # the half-tile shift must land on the lattice: an even row count
        rows = max(2, 2 * round(exact / 2))
    return rows, height / (rows * per * step)


def _make_lattice(p: KawungParams, width: float, height: float, repeat: str) -> _Lattice:
    pitch, rows, sy = kawung_lattice(p.flowers, p.rotation, width, height, repeat)
    a = math.radians(p.rotation)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    F = np.diag([1.0, sy]) @ (pitch * rot)
    # a node at the tile centre keeps a whole flower in the middle of the tile
    origin = np.array([0.0, 0.0])
    return _Lattice(pitch, p.rotation, sy, F, origin, (p.flowers, rows))


# --------------------------------------------------------------------- templates
def _reach(rho: float, e: float, a: float) -> float:
    """Reach of the superellipse body (half length *a*, half width ``rho·a``, exponent
    *e*) towards a 45° line, as the half diagonal of the smallest square around it."""
    t = np.linspace(0, np.pi / 2, 361)
    return a * float(np.max(np.cos(t) + rho * np.sin(t) ** (2 / e)))


@functools.lru_cache(maxsize=64)
def _petal_shape(rho: float, e: float, n: int) -> tuple[np.ndarray, float, float]:
    """The petal in a unit square turned 45°: a closed CCW curve of *n* vertices.

    The petal lies on the diagonal of the square whose corners are its two nodes (at
    ``u = ±1``) and two star cells (at ``v = ±1``). Its half width is
    ``v(t) = rho·(1 − |t|^m)^(1/q)`` along its half length ``t``: ``m`` falls from about
    2 (a lens) for slim petals to 1.4 for plump ones, so the tips stay pointed and
    their flanks open away from the square's sides (the neighbouring petals of a
    flower meet at the node and part towards the star cells, as in batik); ``q`` (1 to
    1.4, from the tip sharpness *e*) rounds the tips. The petal is then scaled to
    just fit the square, so the four petals of a flower nearly touch at their node.
    Returns the curve (starting at the +u tip), its half length and its half width.
    """
    q = 1.0 + 0.4 * (e - 1.6) / 0.9
    t = np.linspace(0.0, 1.0, 2001)
    v = rho * (1.0 - t**2) ** (1.0 / q)
    k = 1.0 / float(np.max(t + v))  # the largest petal inside the square
    # vertices spread by arc length, from the +u tip round the petal
    th = np.linspace(0.0, 2 * np.pi, 1024, endpoint=False)
    c, s = np.cos(th), np.sin(th)
    ring = np.stack([c, np.sign(s) * rho * (1.0 - c**2) ** (1.0 / q)], -1) * k
    seg = np.linalg.norm(np.diff(np.vstack([ring, ring[:1]]), axis=0), axis=1)
    s_at = np.r_[0.0, np.cumsum(seg)]
    at = np.arange(n) / n * s_at[-1]
    closed = np.vstack([ring, ring[:1]])
    curve = np.stack([np.interp(at, s_at, closed[:, i]) for i in (0, 1)], -1)
    return curve, k, rho * k


def _petal_room(p: KawungParams, pitch: float) -> float:
    """Half the diagonal of the square a petal may fill, in px: half the pitch less the
    outline and the hand's reach, so neighbouring petals never meet."""
    w = p.outline * pitch
    wob = 0.025 * p.wobble * pitch
    room = pitch / 2 - w * (1 + 0.25 * p.wobble) / math.sqrt(2) - 0.5 - 1.5 * wob
    return max(room, 0.15 * pitch)


def _petal(p: KawungParams, pitch: float, n: int) -> tuple[np.ndarray, float, float]:
    """The petal curve ``(n, 2)`` in px, its half length and half width."""
    curve, a, b = _petal_shape(p.petal_width, p.tip_sharpness, n)
    k = p.petal_length * _petal_room(p, pitch)
    return curve * k, a * k, b * k


def _petal_ab(p: KawungParams, pitch: float) -> tuple[float, float]:
    """Half length and half width of a petal in px."""
    _, a, b = _petal(p, pitch, 8)
    return a, b


def _lens(a: float, half_width: float, n: int = 24) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    return np.stack([a * c, half_width * np.sign(s) * np.abs(s) ** 1.6], axis=-1)


def _plus(reach: float, arm: float) -> np.ndarray:
    """A pinched plus: four tapered arms along the axes, one polygon."""
    r, w, k = reach, arm, arm * 0.55
    return np.array(
        [
            [r, -k], [r, k], [w, w], [k, r], [-k, r], [-w, w],
            [-r, k], [-r, -k], [-w, -w], [-k, -r], [k, -r], [w, -w],
        ]
    )  # fmt: skip


def _astroid_star(reach: float, n: int = 32) -> np.ndarray:
    """A concave four-pointed star with its points on the axes."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    k = 2.2
    return reach * np.stack([np.sign(c) * np.abs(c) ** k, np.sign(s) * np.abs(s) ** k], -1)


def _rot(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


@dataclass(frozen=True)
class _Templates:
    """Local-frame shapes: petals along +u centred at 0; nodes / stars centred at 0."""

    petal: np.ndarray  # (N, 2)
    seeds: BaseGeometry
    split: BaseGeometry
    node: BaseGeometry
    star: BaseGeometry
    isen_petal: BaseGeometry
    isen_ground: BaseGeometry  # star-cell frame (lattice axes), centred at the star
    star_outline: BaseGeometry  # outline of a small kawung in the star cell (geger)


@functools.lru_cache(maxsize=64)
def _templates(p: KawungParams, pitch: float, isen_seed: int) -> _Templates:
    a, b = _petal_ab(p, pitch)
    # chords of about 2.5 px, a multiple of 4 (the wobble samples every 4th vertex)
    n = int(min(_N, max(24, 4 * round(math.pi * (a + b) / 2.5 / 4))))
    petal = _petal(p, pitch, n)[0]
    hw = _half_outline(p, pitch)
    # seeds
    f = p.seed_oval
    if f == 0:
        seeds: BaseGeometry = MultiPolygon()
    elif p.seed_shape == "oval":
        seeds = Polygon(_petal(p, pitch, 40)[0] * f)  # the petal's shape, smaller
    elif p.seed_shape == "lens":
        seeds = Polygon(_lens(a * f, b * f * 0.8))
    else:  # two-dots: two small squares on the axis
        side = max(b * f * 0.45, 0.6)
        sq = np.array([[side, 0], [0, side], [-side, 0], [0, -side]])
        seeds = MultiPolygon([Polygon(np.add(sq, (d * a * 0.42, 0))) for d in (-1, 1)])
    # split line: a slim lens along the petal axis
    if p.split:
        half = max(0.45 * hw, 0.012 * pitch, 0.5)
        split: BaseGeometry = Polygon(_lens(a * p.split_length, half, 32))
    else:
        split = MultiPolygon()
    # node mark, in the lattice frame (petals along the axes): arms on the diagonals
    r = p.node_size * pitch
    if p.node == "cross":
        node: BaseGeometry = Polygon(_plus(r, 0.26 * r) @ _rot(45).T)
    elif p.node == "dot":
        node = Polygon(circle_coords(np.zeros((1, 2)), 0.6 * r, 16)[0])
    else:
        node = MultiPolygon()
    # the four petals around a star cell (lattice frame, star at the origin)
    cell_petals = _cell_petals(petal, pitch, hw)
    star = _star(p, pitch, cell_petals, hw)
    # isen-isen
    gen = np.random.default_rng(isen_seed)
    scale = max(p.isen_scale * pitch, MIN_MARK_PX)
    margin = hw + 0.15 * scale + 0.5
    isen_petal: BaseGeometry = MultiPolygon()
    isen_ground: BaseGeometry = MultiPolygon()
    if p.isen != "none" and p.isen_where in ("petals", "both"):
        region = Polygon(petal).buffer(-margin)
        if not seeds.is_empty:
            region = region.difference(seeds.buffer(margin))
        if not split.is_empty:
            region = region.difference(split.buffer(margin))
        if p.isen == "cecek":
            # cecek line the inside of the outline, the way a maker dots a petal
            isen_petal = _contour_dots(petal, b, hw, p.seed_oval, scale, gen, region)
        else:
            isen_petal = fill(p.isen, region, scale=scale, rng=gen, angle=p.isen_angle)
    if p.isen != "none" and p.isen_where in ("ground", "both"):
        cell = shapely.box(-pitch / 2, -pitch / 2, pitch / 2, pitch / 2)
        holes = [cell_petals.buffer(margin)]
        if not node.is_empty:
            corners = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]]) * pitch / 2
            holes.append(replicate(node, np.eye(2), corners))
        if not star.is_empty:
            holes.append(star.buffer(margin))
        region = cell.difference(shapely.union_all(np.hstack([np.atleast_1d(h) for h in holes])))
        # fillers stay off the cell border, so neighbouring cells never overlap
        region = region.intersection(cell.buffer(-0.2 * scale))
        isen_ground = fill(p.isen, region, scale=scale, rng=gen, angle=p.isen_angle)
    star_outline: BaseGeometry = MultiPolygon()
    if p.star == "kawung" and hw > 0:
        ring_w = 0.6 * hw
        star_outline = star.buffer(ring_w).difference(star.buffer(-ring_w))
    return _Templates(petal, seeds, split, node, star, isen_petal, isen_ground, star_outline)


def _contour_dots(
    petal: np.ndarray,
    b: float,
    hw: float,
    seed: float,
    scale: float,
    gen: np.random.Generator,
    region: BaseGeometry,
) -> BaseGeometry:
    """A row of dots following the petal's outline, between outline and seed."""
    band = b * (1 - seed) - hw if seed > 0 else b * 0.45
    r = min(0.2 * scale, 0.32 * band)
    if r < 0.5:
        return MultiPolygon()
    inset = hw + (0.5 * band if seed > 0 else r + 0.3 * scale)
    ring = Polygon(petal).buffer(-inset)
    if ring.is_empty or ring.geom_type != "Polygon":
        return MultiPolygon()
    line = ring.exterior
    n = max(6, round(line.length / max(2.6 * r, 0.9 * scale)))
    at = (np.arange(n) + gen.uniform(0, 1)) * line.length / n
    pts = shapely.get_coordinates(shapely.line_interpolate_point(line, at))
    pts = pts + gen.normal(0.0, 0.04 * r, pts.shape)
    discs = shapely.polygons(
        circle_coords(pts, r * gen.uniform(0.9, 1.1, len(pts)), disc_vertices(r, 10))
    )
    discs = discs[shapely.contains(region.buffer(r * 0.5), discs)]
    return shapely.multipolygons(discs) if len(discs) else MultiPolygon()


def _cell_petals(petal: np.ndarray, pitch: float, hw: float) -> BaseGeometry:
    """The four petals (with their outline) around a star cell at the origin."""
    body = Polygon(petal).buffer(hw) if hw > 0 else Polygon(petal)
    h = pitch / 2
    return shapely.union_all(
        [
            shapely.affinity.translate(body, 0, -h),
            shapely.affinity.translate(body, 0, h),
            shapely.affinity.translate(shapely.affinity.rotate(body, 90, origin=(0, 0)), -h, 0),
            shapely.affinity.translate(shapely.affinity.rotate(body, 90, origin=(0, 0)), h, 0),
        ]
    )


def _star(p: KawungParams, pitch: float, cell_petals: BaseGeometry, hw: float) -> BaseGeometry:
    """The star-cell filler, centred at the origin, points towards the nodes."""
    size = p.star_size * pitch
    if p.star == "none":
        return MultiPolygon()
    if p.star == "dot":
        return Polygon(circle_coords(np.zeros((1, 2)), size / 2, 20)[0])
    if p.star == "star":
        return Polygon(_astroid_star(0.75 * size) @ _rot(45).T)
    # "kawung": a small four-petal flower pointing at the nodes, as large as fits
    e, rho = p.tip_sharpness, p.petal_width

    curve = _petal_shape(rho, e, 32)[0]

    def flower(reach: float) -> BaseGeometry:
        # petals that nearly meet at the small flower's heart, like the big ones
        small = np.add(curve * (0.45 * reach), (reach / 2, 0))
        return MultiPolygon([Polygon(small @ _rot(45 + 90 * k).T) for k in range(4)])

    room = cell_petals.buffer(max(hw, 0.02 * pitch))
    lo, hi = 0.05 * pitch, 0.75 * pitch
    for _ in range(18):  # largest reach that keeps clear of the big petals
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if not flower(mid).intersects(room) else (lo, mid)
    fit = 0.55 + 0.45 * (p.star_size - 0.05) / 0.15
    return flower(lo * fit)


# ----------------------------------------------------------------------- build
_LAYERS = ("petals", "isen", "seeds", "split-lines", "outline", "nodes", "star-fillers")


def _sites(lat: _Lattice, box: tuple[float, float, float, float], reach: float):
    """Lattice sites touching *box*: node, star and the two petal sets (px, index)."""
    lo, hi = lat.cover(*box, margin=reach)
    i, j = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1), indexing="ij")
    ij = np.stack([i.ravel(), j.ravel()], -1).astype(float)
    x0, y0, x1, y1 = box
    out = {}
    for name, off in (
        ("nodes", (0.0, 0.0)),
        ("stars", (0.5, 0.5)),
        ("petals-u", (0.5, 0.0)),
        ("petals-v", (0.0, 0.5)),
    ):
        xy = lat.to_px(ij + off)
        keep = (
            (xy[:, 0] > x0 - reach)
            & (xy[:, 0] < x1 + reach)
            & (xy[:, 1] > y0 - reach)
            & (xy[:, 1] < y1 + reach)
        )
        out[name] = xy[keep]
    return out


def _half_outline(p: KawungParams, pitch: float) -> float:
    """Half the outline's width in px; an outline under a thousandth of a pixel is none
    (a width like 1e-170 would only make degenerate rings)."""
    hw = 0.5 * p.outline * pitch
    return hw if hw >= 1e-3 else 0.0


def _outline_rings(centre: np.ndarray, hw: float, width_var: np.ndarray | None) -> np.ndarray:
    """Outline rings (polygons with a hole) around closed curves ``(n, N, 2)``."""
    tan = np.roll(centre, -1, axis=1) - np.roll(centre, 1, axis=1)
    tan /= np.maximum(np.linalg.norm(tan, axis=-1, keepdims=True), 1e-12)
    out_n = np.stack([tan[..., 1], -tan[..., 0]], axis=-1)
    # make the normal point outwards whatever the ring's orientation
    area = np.sum(
        centre[..., 0] * np.roll(centre[..., 1], -1, 1)
        - np.roll(centre[..., 0], -1, 1) * centre[..., 1],
        axis=1,
    )
    out_n *= np.where(area > 0, 1.0, -1.0)[:, None, None]
    w = np.full(centre.shape[:2], hw)
    if width_var is not None:
        w = w * width_var
    outer = centre + out_n * w[..., None]
    inner = centre - out_n * w[..., None]
    shells = shapely.linearrings(np.concatenate([outer, outer[:, :1]], 1))
    holes = shapely.linearrings(np.concatenate([inner, inner[:, :1]], 1))
    rings = shapely.polygons(shells, holes=holes[:, None])
    bad = ~shapely.is_valid(rings)
    if bad.any():
        # a thick line round a sharp tip folds its inner edge: let shapely untangle it
        # (one geometry per ring stays in place: the cloth maps rings to their sites)
        for i in np.flatnonzero(bad):
            parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(rings[i])))
            parts = parts[shapely.get_type_id(parts) == 3]
            rings[i] = shapely.multipolygons(parts)
    return rings


def _build(
    p: KawungParams,
    lat: _Lattice,
    box: tuple[float, float, float, float],
    *,
    noise: PeriodicNoise | None,
    isen_seed: int,
    site_y: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Polygons of every layer for the lattice sites touching *box* (not clipped).

    When *site_y* is a dict it receives, per layer, the unwobbled y of the lattice site
    each polygon belongs to (the cloth assigns sites to bands by it).
    """
    P = lat.pitch
    t = _templates(p, P, isen_seed)
    reach = 0.75 * P
    sites = _sites(lat, box, reach)
    amount = 0.025 * p.wobble * P
    wobbly = noise is not None and amount > 0

    def shift(xy: np.ndarray) -> np.ndarray | None:
        # small shapes move as a whole: the hand's drift at their centre
        return amount * noise(xy)[:, :2] if wobbly and len(xy) else None

    fu, fv = lat.frame(0.0), lat.frame(90.0)
    petal_xy = np.concatenate([sites["petals-u"], sites["petals-v"]])
    petal_m = np.concatenate(
        [
            np.broadcast_to(fu, (len(sites["petals-u"]), 2, 2)),
            np.broadcast_to(fv, (len(sites["petals-v"]), 2, 2)),
        ]
    )
    out: dict[str, np.ndarray] = {}
    centre = np.einsum("nij,kj->nki", petal_m, t.petal) + petal_xy[:, None, :]
    width_var = None
    if wobbly:
        nz = _ring_noise(noise, centre)  # (n, N, 3): drift x, drift y, line width
        centre = centre + amount * nz[..., :2]
        width_var = 1.0 + 0.25 * p.wobble * np.clip(nz[..., 2], -2.0, 2.0)
    out["petals"] = shapely.polygons(np.concatenate([centre, centre[:, :1]], 1))
    hw = _half_outline(p, P)
    out["outline"] = np.concatenate(
        [
            _outline_rings(centre, hw, width_var) if hw > 0 else np.empty(0, dtype=object),
            replicate(t.star_outline, fu, sites["stars"], shift=shift(sites["stars"])),
        ]
    )
    petal_shift = shift(petal_xy)
    out["seeds"] = replicate(t.seeds, petal_m, petal_xy, shift=petal_shift)
    out["split-lines"] = replicate(t.split, petal_m, petal_xy, shift=petal_shift)
    isen = [replicate(t.isen_petal, petal_m, petal_xy, shift=petal_shift)]
    out["nodes"] = replicate(t.node, fu, sites["nodes"], shift=shift(sites["nodes"]))
    star_shift = shift(sites["stars"])
    out["star-fillers"] = replicate(t.star, fu, sites["stars"], shift=star_shift)
    isen.append(replicate(t.isen_ground, fu, sites["stars"], shift=star_shift))
    out["isen"] = np.concatenate(isen)
    if site_y is not None:

        def ys(geom: BaseGeometry, xy: np.ndarray) -> np.ndarray:
            n = len(shapely.get_parts(geom)) if not geom.is_empty else 0
            return np.repeat(xy[:, 1], n)

        site_y["petals"] = petal_xy[:, 1]
        site_y["outline"] = np.concatenate(
            [petal_xy[:, 1] if hw > 0 else np.empty(0), ys(t.star_outline, sites["stars"])]
        )
        site_y["seeds"] = ys(t.seeds, petal_xy)
        site_y["split-lines"] = ys(t.split, petal_xy)
        site_y["nodes"] = ys(t.node, sites["nodes"])
        site_y["star-fillers"] = ys(t.star, sites["stars"])
        site_y["isen"] = np.concatenate(
            [ys(t.isen_petal, petal_xy), ys(t.isen_ground, sites["stars"])]
        )
    return out


def _ring_noise(noise: PeriodicNoise, rings: np.ndarray, every: int = 4) -> np.ndarray:
    """Noise along closed rings ``(n, N, 2)``, sampled every few vertices and blended.

    The noise is smooth on the scale of a petal, so a quarter of the samples suffice.
    """
    n, N, _ = rings.shape
    if N % every:
        return noise(rings)
    coarse = noise(rings[:, ::every])  # (n, N / every, 3)
    nxt = np.roll(coarse, -1, axis=1)
    f = (np.arange(every) / every)[None, None, :, None]
    fine = coarse[:, :, None, :] * (1 - f) + nxt[:, :, None, :] * f
    return fine.reshape(n, N, -1)


def _colours(p: KawungParams, pal: Palette) -> dict[str, Any]:
    """Layer colours by polarity (see the module docstring of palette)."""
    if p.polarity == "light":
        wax = pal.ground if pal.ground is not None else "#F7F4EC"
        return {
            "background": pal.ground,
            "petals": pal.fill,
            "isen": wax if p.isen_where == "petals" else pal.ink,
            "seeds": pal.ink,
            "split-lines": pal.ink,
            "outline": pal.ink,
            "nodes": pal.ink,
            # a small kawung (geger) wears the big petals' colour; dots and stars the accent
            "star-fillers": pal.fill if p.star == "kawung" else pal.accent,
            "crackle": pal.crackle,
            "crackle-clip": None,
        }
    cloth = pal.ground if pal.ground is not None else "#F7F4EC"
    return {
        "background": None if pal.ground is None else pal.ink,
        "petals": cloth,
        "isen": pal.fill if p.isen_where == "petals" else cloth,
        "seeds": pal.fill,
        "split-lines": pal.ink,
        "outline": pal.fill,
        "nodes": cloth,
        "star-fillers": cloth,
        "crackle": pal.crackle,
        "crackle-clip": "petals",
    }


def _layers(polys: dict[str, BaseGeometry], veins: BaseGeometry, p: KawungParams, col):
    # layers whose antialiasing cannot be seen (see Layer): the cecek, a few px across,
    # and the petals when an opaque outline is drawn over their edges
    hidden = p.outline > 0 and col["outline"] is not None and len(col["outline"]) == 7
    fast = ("isen", "petals") if hidden else ("isen",)
    return stack_layers(_LAYERS, polys, col, veins, fast=fast)


def kawung(
    params: KawungParams | None = None,
    *,
    tile: tuple[int, int] = (1024, 1024),
    repeat: str = "block",
    rng=None,
    palette: Palette | str | None = None,
    transparent: bool = False,
) -> Pattern:
    """One seamless tile of kawung.

    Parameters
    ----------
    params : KawungParams, optional
        The motif (default ``KawungParams()``; ``KawungParams.variant("picis")`` etc.).
    tile : (int, int)
        Tile width and height in px. The lattice closes on the tile: ``flowers`` nodes
        across, the nearest whole number of rows down (see :func:`kawung_lattice`).
    repeat : {"block", "half-drop", "half-brick"}
        How tiles are laid. Kawung is a regular lattice, so a half-drop tile holds an
        even number of rows (and a half-brick tile an even flower count): the half
        shift then lands on the lattice and every repeat is seamless.
    rng : numpy Generator or int, optional
        Seed of the maker's hand: wobble, crackle and filler jitter (0 when None). The
        motif itself does not depend on it.
    palette : Palette or str, optional
        Colourway; default ``params.palette``. Strings go through
        :func:`~batik_waves.motifs.palette.palette` (names or hex lists).
    transparent : bool
        Leave the ground undrawn (``background=None``) for compositing.

    Returns
    -------
    Pattern
        Layers (bottom to top): ``crackle`` (light polarity: veins in the waxed ground),
        ``petals``, (dark polarity: ``crackle`` clipped to the petals), ``isen``,
        ``seeds``, ``split-lines``, ``outline``, ``nodes``, ``star-fillers``.

    Examples
    --------
    >>> p = kawung(KawungParams.variant("picis"), tile=(300, 300), rng=2)
    >>> p.metadata["motif"], p.metadata["variant"], p.background
    ('kawung', 'picis', '#F7F4EC')
    >>> kawung(tile=(300, 300), palette="indigo", transparent=True).background is None
    True
    """
    p = check_params(KawungParams, params)
    width, height = tile_size(tile)
    lattice_vectors(width, height, repeat)  # validates repeat
    pal = tile_palette(p.palette, palette, transparent)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    lat = _make_lattice(p, width, height, repeat)
    P = lat.pitch
    noise = None
    if p.wobble > 0:
        noise = noise_field(width, height, max(0.6 * P, 8.0), wobble_seed, repeat)
    box = (0.0, 0.0, float(width), float(height))
    polys = {
        k: clip_to_box(v, box)
        for k, v in _build(p, lat, box, noise=noise, isen_seed=isen_seed).items()
    }
    veins = MultiPolygon()
    if p.crackle > 0:
        veins = crackle(
            width,
            height,
            density=crackle_density(p.crackle, P),
            rng=crackle_seed,
            repeat=repeat,
            vein_width=max(0.6, 0.008 * P),
        )
    col = _colours(p, pal)
    layers = _layers(polys, veins, p, col)
    meta = {
        "motif": "kawung",
        "variant": variant_name(p),
        "palette": pal.name,
        "pitch": f"{P:.3f}",
        "lattice": f"{lat.counts[0]} flowers across, {lat.counts[1]} rows, {p.rotation}°",
        "stretch": f"{lat.sy:.4f}",
    }
    return Pattern(width, height, col["background"], tuple(layers), repeat, meta)


def kawung_cloth(
    params_at: Callable[[float], KawungParams],
    *,
    size: tuple[int, int] = (1100, 2750),
    rng=None,
    palette: Palette | str | None = None,
) -> Pattern:
    """A long cloth (kain panjang) whose flowers change along its length.

    Parameters
    ----------
    params_at : callable
        ``params_at(y) -> KawungParams`` for ``y`` from 0 (top of the cloth) to 1 (its
        foot). Each flower, petal, seed and filler takes the parameters at its own
        height. The lattice (``flowers``, ``rotation``) comes from ``params_at(0)`` so
        the pitch stays constant and the lattice continuous; those two fields are read
        from the top only.
    size : (int, int)
        Cloth width and height in px (a kain panjang is about 1 : 2.4).
    rng : numpy Generator or int, optional
        Seed of the maker's hand.
    palette : Palette or str, optional
        One colourway for the whole cloth; default: each flower's ``params.palette``
        (layers are then split per colourway, named ``petals``, ``petals@lasem``, ...;
        where the cloth colour changes, ``ground@<palette>/<colour>`` layers lie first).

    Returns
    -------
    Pattern
        Not a repeat tile: geometry is clipped to the cloth rectangle.

    Examples
    --------
    >>> c = kawung_cloth(lambda y: KawungParams(petal_width=0.5 + 0.3 * y), size=(200, 480))
    >>> c.size, c.metadata["motif"]
    ((200, 480), 'kawung-cloth')
    """
    rows = ClothRows(params_at, KawungParams, size, fixed=("flowers", "rotation"))
    width, height, top = rows.width, rows.height, rows.top
    pal_fixed = None if palette is None else make_palette(palette)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    # the lattice: flowers across the width, rows as many as fit (no closing needed)
    step = width / (2 * top.flowers) if top.rotation == 45 else width / top.flowers
    P = step * math.sqrt(2) if top.rotation == 45 else step
    a = math.radians(top.rotation)
    F = P * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    lat = _Lattice(P, top.rotation, 1.0, F, np.zeros(2), (top.flowers, 0))
    noise = noise_field(width, height, max(0.6 * P, 8.0), wobble_seed, "block")
    # one band per half row: every site in the band shares the params at its height
    # (site centres lie on multiples of half a step: band k is centred on k·band);
    # polarity may change along the cloth, the lattice may not
    band = step / 2
    groups = rows.group((k, k * band) for k in range(-1, math.ceil(height / band) + 2))

    def build(pk: KawungParams, y0: float, y1: float):
        site_y: dict[str, np.ndarray] = {}
        box = (0.0, max(y0, 0.0), float(width), min(y1, float(height)))
        built = _build(pk, lat, box, noise=noise, isen_seed=isen_seed, site_y=site_y)
        return built, site_y

    acc = ClothLayers(_LAYERS)
    acc.draw(
        groups,
        span=lambda k0, k1: ((k0 - 0.5) * band, (k1 + 0.5) * band),
        build=build,
        colours=_colours,
        palette=pal_fixed,
    )
    col0 = _colours(top, pal_fixed or make_palette(top.palette))
    # crackle: one network at the densest setting, thinned where the cloth asks for less
    veins = thinned_crackle(
        width,
        height,
        *acc.crackle_amounts(),
        density=lambda c: crackle_density(c, P),
        seed=crackle_seed,
        vein_width=max(0.6, 0.008 * P),
    )
    clip = "petals" if col0["crackle-clip"] is not None else None
    if len({pk.polarity for pk in groups}) > 1:
        clip = None  # mixed polarity: veins stay under the petals everywhere
    layers = acc.layers(
        width,
        height,
        col0["background"],
        crackle_layer=crackle_layer(col0["crackle"], veins, clip),
        crackle_after=clip,
        fast=("isen",),
    )
    meta = {
        "motif": "kawung-cloth",
        "palette": acc.palettes(),
        "pitch": f"{P:.3f}",
        "lattice": f"{top.flowers} flowers across, {top.rotation}°",
    }
    return Pattern(width, height, col0["background"], tuple(layers), "block", meta)
