"""Ceplok: one bloom, four- or eight-fold, repeated on a square grid.

Construction (``BATIK.md``, "Ceplok"): "one bloom" (squares, ovals or stars arranged
four-fold like a flower) at the centre of every cell of a square lattice of pitch
``P``; a small mark where four cells meet (a cross, a lozenge, a dot or a small
flower); optionally a frame of lines (the cell edges, a lozenge through the edge
midpoints, or a ring) behind the blooms; and the ground or the petals filled with
isen-isen. The bloom's petals lie on the axes (and the diagonals, for eight), so the
tile has the symmetry of the square (p4m) whatever the parameters.

*Kembang* is a layered flower (a second ring of petals peeking out between the
first), *grompol* clusters four small blooms round the main one (ceplok grompol, the
"gathering" cloth of weddings), *lintang* is an eight-pointed star in a lozenge frame,
*kotak* square petals in a square frame, *ganggong* a slender eight-fold water plant.

Geometry is built once per cell (templates: the bloom, its outline, the corner mark,
the frame and the isen of one cell) and copied to every site in one vectorised call
per layer; the lattice closes on the tile's repeat, so what leaves one edge re-enters
at the other. The canting's wobble is a noise field periodic on the tile.

>>> p = ceplok(CeplokParams(blooms=2), tile=(240, 240), rng=1)
>>> [layer.name for layer in p.layers]  # doctest: +NORMALIZE_WHITESPACE
['crackle', 'frame', 'blooms', 'isen', 'outline', 'centres', 'corners']
>>> p.layer("blooms").geometry.is_valid
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
import shapely.affinity
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

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
from ._square import square_lattice, square_sites
from .isen import FILLERS, MIN_MARK_PX, circle_coords, fill, replicate
from .palette import PALETTES, Palette
from .palette import palette as make_palette
from .pattern import Pattern, lattice_vectors
from .texture import PeriodicNoise, crackle

__all__ = ["CeplokParams", "ceplok", "ceplok_cloth", "ceplok_lattice"]

_SHAPES = ("oval", "lens", "kite", "square")


@dataclass(frozen=True)
class CeplokParams(MotifParams):
    """Every parameter of a ceplok, with its range (``BATIK.md``, "Ceplok").

    Sizes marked "× P" are fractions of the lattice pitch ``P`` (the side of one cell),
    so a tile looks the same at any pixel size.

    >>> CeplokParams.variants()
    ('kembang', 'grompol', 'lintang', 'kotak', 'ganggong')
    >>> CeplokParams.variant("lintang").petal_shape
    'kite'
    >>> CeplokParams(bloom_size=1.2)
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'bloom_size' parameter of CeplokParams. Allowed range is 0.4 to 0.95, but got 1.2 instead.
    """

    blooms: int = param(
        4,
        range=(1, 32),
        unit="blooms across the tile",
        doc="Cells (one bloom each) across the tile width; P = W / n. Rows down are the "
        "nearest whole count (even for half-drop; the lattice is stretched by at most "
        "15 % to close); half-brick needs an even count. Even counts suit every repeat "
        "on square tiles; on 16:9 tiles 4, 7, 8 and 10 or more do.",
        role="structural",
    )
    petals: int = param(
        4, choices=(4, 8), doc="Petals of the bloom: four on the axes, or eight (a star)."
    )
    petal_shape: str = param(
        "oval",
        choices=_SHAPES,
        doc="An oval, a pointed lens, a kite (a star's ray, widest near the centre), or "
        "a square set on its corner.",
    )
    bloom_size: float = param(
        0.8, range=(0.4, 0.95), unit="× P/2", doc="Reach of the petal tips from the centre."
    )
    petal_width: float = param(
        0.7,
        range=(0.3, 1.0),
        unit="× widest",
        doc="Petal width as a fraction of the widest petal that still clears its "
        "neighbours in the ring and keeps its shape (half width at most 0.72 of half "
        "length for an oval, 0.6 a lens, 0.5 a kite, 1 a square), so every value in "
        "range is drawable.",
    )
    petal_base: float = param(
        0.2,
        range=(0.1, 0.6),
        unit="× reach",
        doc="Where the petals start, from the centre: room for the heart of the bloom.",
    )
    second: float = param(
        0.0,
        range=(0.0, 0.9),
        unit="× reach",
        doc="A second ring of petals behind the first, turned half a petal and peeking "
        "out between them (ceplok kembang); its reach (0: none).",
    )
    centre: str = param(
        "dot", choices=("dot", "ring", "star", "none"), doc="The heart of the bloom."
    )
    centre_size: float = param(
        0.9, range=(0.2, 1.0), unit="× room", doc="Heart size, of the room the petals leave."
    )
    cluster: int = param(
        0,
        choices=(0, 4),
        doc="Grompol: small blooms clustered round the main one on its diagonals (0: none).",
    )
    cluster_size: float = param(
        0.8, range=(0.3, 1.0), unit="× room", doc="Size of the clustered blooms, of their room."
    )
    corner: str = param(
        "cross",
        choices=("cross", "lozenge", "dot", "flower", "none"),
        doc="Mark where four cells meet.",
    )
    corner_size: float = param(0.1, range=(0.04, 0.2), unit="× P", doc="Corner mark reach.")
    frame: str = param(
        "none",
        choices=("none", "square", "lozenge", "ring"),
        doc="Lines behind the blooms: the cell edges, a lozenge through the edge "
        "midpoints, or a ring round each bloom (neighbours touch).",
    )
    outline: float = param(
        0.025, range=(0.0, 0.08), unit="× P", doc="Outline (rengreng) width; 0: none."
    )
    polarity: str = param(
        "light",
        choices=("light", "dark"),
        doc="'light': cream ground, soga blooms; 'dark': dark ground, cream blooms.",
        role="structural",
    )
    isen: str = param("cecek", choices=FILLERS, doc="Isen-isen filler kind.")
    isen_where: str = param(
        "ground", choices=("petals", "ground", "both"), doc="Where the filler goes."
    )
    isen_scale: float = param(
        0.06, range=(0.025, 0.15), unit="× P", doc="Spacing of the filler's elements."
    )
    isen_angle: float = param(
        0.0, range=(0.0, 180.0), unit="°", doc="Direction of the filler grid / lines."
    )
    palette: str = param("solo-sogan", choices=PALETTES, doc="Colourway (BATIK.md).")
    crackle: float = param(
        0.3,
        range=(0.0, 1.0),
        doc="Wax crackle density (0: none; 1: about 12 cells per P², never under ~20 px).",
        role="steady",
    )
    wobble: float = param(
        0.3, range=(0.0, 1.0), doc="Canting hand: 1 displaces lines by about 2 % of P."
    )

    _VARIANTS = {  # noqa: RUF012 - read-only by convention (MotifParams)
        # ceplok kembang: a layered flower, four broad petals over four slimmer ones
        "kembang": {
            "blooms": 4,
            "petals": 4,
            "petal_shape": "oval",
            "bloom_size": 0.86,
            "petal_width": 0.8,
            "petal_base": 0.28,
            "second": 0.78,
            "centre": "ring",
            "corner": "flower",
            "corner_size": 0.12,
            "isen": "cecek",
            "isen_where": "both",
        },
        # ceplok grompol: a bloom with four small ones gathered round it
        "grompol": {
            "blooms": 4,
            "petals": 4,
            "petal_shape": "oval",
            "bloom_size": 0.7,
            "petal_width": 0.85,
            "petal_base": 0.2,
            "cluster": 4,
            "cluster_size": 0.9,
            "centre": "dot",
            "corner": "dot",
            "corner_size": 0.06,
            "isen": "cecek-telu",
            "isen_scale": 0.06,
        },
        # a star ceplok (lintang, "star"): eight rays in a lozenge frame
        "lintang": {
            "blooms": 4,
            "petals": 8,
            "petal_shape": "kite",
            "bloom_size": 0.9,
            "petal_width": 0.9,
            "petal_base": 0.18,
            "centre": "star",
            "centre_size": 0.8,
            "corner": "lozenge",
            "corner_size": 0.1,
            "frame": "lozenge",
            "isen": "cecek",
            "polarity": "dark",
            "palette": "indigo",
        },
        # ceplok kotak: square petals in a square frame
        "kotak": {
            "blooms": 6,
            "petals": 4,
            "petal_shape": "square",
            "bloom_size": 0.8,
            "petal_width": 0.9,
            "petal_base": 0.22,
            "centre": "dot",
            "corner": "lozenge",
            "corner_size": 0.07,
            "frame": "square",
            "isen": "galaran",
            "isen_where": "petals",
            "isen_scale": 0.045,
            "palette": "yogya-sogan",
        },
        # ganggong (a water plant): slender eight-fold lenses in a ring, sawut between
        "ganggong": {
            "blooms": 4,
            "petals": 8,
            "petal_shape": "lens",
            "bloom_size": 0.78,
            "petal_width": 0.75,
            "petal_base": 0.25,
            "centre": "ring",
            "centre_size": 0.6,
            "corner": "cross",
            "frame": "ring",
            "isen": "sawut",
            "isen_scale": 0.05,
            "isen_angle": 45.0,
            "palette": "lasem",
        },
    }


def ceplok_lattice(
    blooms: int, width: float, height: float, repeat: str = "block"
) -> tuple[float, int, float]:
    """The pitch, the row count and the vertical stretch for a seamless ceplok tile.

    >>> ceplok_lattice(4, 400, 400)
    (100.0, 4, 1.0)
    >>> ceplok_lattice(3, 300, 300, "half-brick")
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'blooms' parameter of CeplokParams: a half-brick repeat shifts rows by half a tile, so the count across must be even, but got 3.
    """
    return square_lattice(blooms, width, height, repeat, owner="CeplokParams", field="blooms")


# --------------------------------------------------------------------- templates
def _petal(shape: str, r0: float, reach: float, b: float, n: int = 48) -> np.ndarray:
    """One petal along +x from r0 to reach, half width b, counter-clockwise."""
    a = (reach - r0) / 2
    d = (reach + r0) / 2
    if shape in ("oval", "lens"):
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        c, s = np.cos(t), np.sin(t)
        k = 1.0 if shape == "oval" else 1.7  # a lens pinches its tips to points
        return np.stack([d + a * c, b * np.sign(s) * np.abs(s) ** k], -1)
    w = r0 + (0.7 * a if shape == "kite" else a)  # where the petal is widest
    return np.array([[r0, 0.0], [w, -b], [reach, 0.0], [w, b]])


def _widest(shape: str, r0: float, reach: float, n: int) -> float:
    """Half width of the widest petal that clears its neighbours in a ring of n."""
    half = 0.93 * math.pi / n
    a = (reach - r0) / 2
    if shape in ("oval", "lens"):
        # tangents from the centre to an ellipse: tan θ = b / sqrt(d² − a²)
        return math.sqrt(reach * r0) * math.tan(half)
    w = r0 + (0.7 * a if shape == "kite" else a)
    return w * math.tan(half)


def _rot(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


#: The plumpest petal of each shape, as half width over half length (an oval wider
#: than this reads as a disc, a kite as a lozenge).
_PLUMPEST = {"oval": 0.72, "lens": 0.6, "kite": 0.5, "square": 1.0}


def _ring_of(shape: str, r0: float, reach: float, width: float, n: int, turn: float):
    a = (reach - r0) / 2
    b = width * min(_widest(shape, r0, reach, n), _PLUMPEST[shape] * a)
    one = _petal(shape, r0, reach, b)
    return [Polygon(one @ _rot(turn + 360.0 * k / n).T) for k in range(n)]


def _rings(bodies: list[BaseGeometry], hw: float) -> BaseGeometry:
    if hw <= 0:
        return MultiPolygon()
    return shapely.union_all([g.buffer(hw).difference(g.buffer(-hw)) for g in bodies])


def _flower(reach: float, turn: float) -> list[BaseGeometry]:
    """A small four-petal flower (grompol's clustered blooms, the corner flower)."""
    return _ring_of("oval", 0.12 * reach, reach, 0.9, 4, turn)


def _disc(r: float, n: int = 24) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return Polygon(np.stack([r * np.cos(t), r * np.sin(t)], -1))


def _star(reach: float, points: int) -> Polygon:
    t = np.linspace(0, 2 * np.pi, 2 * points, endpoint=False)
    r = np.where(np.arange(2 * points) % 2 == 0, reach, 0.42 * reach)
    return Polygon(np.stack([r * np.cos(t), r * np.sin(t)], -1))


def _plus(reach: float, arm: float) -> Polygon:
    r, w, k = reach, arm, arm * 0.55
    return Polygon(
        [
            [r, -k], [r, k], [w, w], [k, r], [-k, r], [-w, w],
            [-r, k], [-r, -k], [-w, -w], [-k, -r], [k, -r], [w, -w],
        ]
    )  # fmt: skip


@dataclass(frozen=True)
class _Cell:
    """One cell's shapes, centred on its bloom (corner marks centred on the corner)."""

    frame: BaseGeometry
    blooms: BaseGeometry
    outline: BaseGeometry
    centres: BaseGeometry
    corners: BaseGeometry
    isen: BaseGeometry


def _parts(g: BaseGeometry) -> BaseGeometry:
    """Only the polygons of *g*, as one MultiPolygon (unions can leave lines)."""
    parts = shapely.get_parts(shapely.get_parts(g))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-9)]
    return shapely.multipolygons(parts) if len(parts) else MultiPolygon()


def _corner_mark(p: CeplokParams, P: float, hw: float) -> tuple[list[BaseGeometry], float]:
    """The corner mark's bodies (centred at 0) and its reach in px."""
    r = p.corner_size * P
    if p.corner == "cross":
        return [_plus(r, 0.26 * r)], r
    if p.corner == "lozenge":
        return [Polygon([[r, 0], [0, r], [-r, 0], [0, -r]])], r
    if p.corner == "dot":
        return [_disc(0.6 * r)], 0.6 * r
    if p.corner == "flower":
        return _flower(r, 0.0), r
    return [], 0.0


def _segment_strip(a, b, half: float, step: float) -> Polygon:
    """A straight strip from a to b, with vertices every *step* px (for the wobble)."""
    line = shapely.segmentize(LineString([a, b]), step)
    return line.buffer(half, cap_style="flat")


@functools.lru_cache(maxsize=32)
def _cell(p: CeplokParams, P: float, isen_seed: int) -> _Cell:
    hw = 0.5 * p.outline * P if p.outline * P >= 2e-3 else 0.0
    reach = p.bloom_size * P / 2 - hw
    r0 = p.petal_base * reach
    front = _ring_of(p.petal_shape, r0, reach, p.petal_width, p.petals, 0.0)
    back: list[BaseGeometry] = []
    if p.second > 0:
        back = _ring_of(
            p.petal_shape, r0, max(p.second * reach, 1.3 * r0), 0.8, p.petals, 180.0 / p.petals
        )
    front_u = shapely.union_all(front)
    bodies = [front_u, *back]
    outline = _rings(front, hw)
    if back:
        outline = shapely.union_all([outline, _rings(back, hw).difference(front_u)])
    # the heart
    room = max(r0 - 2.5 * hw - 0.01 * P, 0.02 * P)
    rc = p.centre_size * room
    centres: list[BaseGeometry] = []
    if p.centre == "dot":
        centres = [_disc(rc)]
    elif p.centre == "ring":
        wr = max(hw, 0.14 * rc)
        centres = [_disc(rc).difference(_disc(rc - wr)), _disc(0.35 * rc, 16)]
    elif p.centre == "star":
        centres = [_star(rc, p.petals)]
    # the corner mark, and the grompol cluster between bloom and corner
    corner_bodies, corner_reach = _corner_mark(p, P, hw)
    bloom_all = shapely.union_all(bodies).buffer(hw)
    if p.cluster:
        cell_box = shapely.box(-P / 2, -P / 2, P / 2, P / 2).buffer(-hw - 0.01 * P)
        corner_zone = _disc(corner_reach + 2 * hw + 0.03 * P).buffer(0)
        zones = [
            shapely.affinity.translate(corner_zone, sx * P / 2, sy * P / 2)
            for sx in (-1, 1)
            for sy in (-1, 1)
        ]
        block = shapely.union_all([bloom_all.buffer(hw + 0.02 * P), *zones])
        u = np.array([1.0, 1.0]) / math.sqrt(2)
        lo, hi = 0.0, 0.4 * P
        best = None
        for _ in range(16):  # the biggest small bloom that fits on the diagonal
            rho = (lo + hi) / 2
            dist = _first_clear(block, u, rho, P)
            disc = _disc(rho, 16)
            ok = dist is not None and cell_box.contains(
                shapely.affinity.translate(disc, *(dist * u))
            )
            if ok:
                lo, best = rho, (rho, dist)
            else:
                hi = rho
        if best is not None:
            rho, dist = best
            small = _flower(p.cluster_size * rho, 45.0)
            centre_dot = _disc(0.16 * p.cluster_size * rho, 12)
            for k in range(4):
                at = dist * (u @ _rot(90.0 * k).T)
                moved = [shapely.affinity.translate(g, *at) for g in small]
                bodies.extend(moved)
                outline = shapely.union_all([outline, _rings(moved, hw)])
                centres.append(shapely.affinity.translate(centre_dot, *at))
    corner_rings = _rings(corner_bodies, hw) if p.corner == "flower" else MultiPolygon()
    # the frame, behind the blooms
    lw = max(1.2 * hw, 0.006 * P, 0.5)
    step = max(P / 24, 2.0)
    h = P / 2
    if p.frame == "square":  # each cell draws its top and left edges
        frame: BaseGeometry = shapely.union_all(
            [
                _segment_strip((-h, -h), (h, -h), lw, step),
                _segment_strip((-h, -h), (-h, h), lw, step),
            ]
        )
    elif p.frame == "lozenge":  # shared midpoints: neighbours' lozenges touch there
        ring = shapely.segmentize(LineString([(0, -h), (h, 0), (0, h), (-h, 0), (0, -h)]), step)
        frame = ring.buffer(lw, join_style="mitre")
    elif p.frame == "ring":
        circle = _disc(h - lw, max(48, round(2 * math.pi * h / step)))
        frame = circle.buffer(lw).difference(circle.buffer(-lw))
    else:
        frame = MultiPolygon()
    # isen-isen
    gen = np.random.default_rng(isen_seed)
    scale = max(p.isen_scale * P, MIN_MARK_PX)
    margin = hw + 0.15 * scale + 0.5
    isen: list[BaseGeometry] = []
    hearts = shapely.union_all(centres) if centres else MultiPolygon()
    if p.isen != "none" and p.isen_where in ("petals", "ground", "both"):
        if p.isen_where in ("petals", "both"):
            region = shapely.union_all(bodies).buffer(-margin)
            if not hearts.is_empty:
                region = region.difference(hearts.buffer(margin))
            isen.append(fill(p.isen, region, scale=scale, rng=gen, angle=p.isen_angle))
        if p.isen_where in ("ground", "both"):
            cell = shapely.box(-h, -h, h, h)
            holes = [shapely.union_all(bodies).buffer(hw + margin)]
            if corner_bodies:
                mark = shapely.union_all(corner_bodies).buffer(hw + margin)
                holes += [
                    shapely.affinity.translate(mark, sx * h, sy * h)
                    for sx in (-1, 1)
                    for sy in (-1, 1)
                ]
            if not frame.is_empty:
                holes.append(_frame_everywhere(p.frame, frame, P).buffer(margin))
            region = cell.difference(shapely.union_all(holes))
            region = region.intersection(cell.buffer(-0.2 * scale))
            isen.append(fill(p.isen, region, scale=scale, rng=gen, angle=p.isen_angle))
    # the petals' and the ground's isen never meet (the ground keeps off the petals)
    isen_g = (
        _parts(shapely.multipolygons(np.concatenate([shapely.get_parts(g) for g in isen])))
        if isen
        else MultiPolygon()
    )
    return _Cell(
        frame=_parts(frame),
        blooms=_parts(shapely.union_all(bodies)),
        outline=_parts(shapely.union_all([outline, corner_rings])),
        centres=_parts(shapely.union_all(centres)) if centres else MultiPolygon(),
        corners=_parts(shapely.union_all(corner_bodies)) if corner_bodies else MultiPolygon(),
        isen=isen_g,
    )


def _frame_everywhere(kind: str, frame: BaseGeometry, P: float) -> BaseGeometry:
    """The frame lines that cross one cell (a square frame's right and bottom edges
    belong to the neighbours)."""
    if kind != "square":
        return frame
    return shapely.union_all(
        [frame, shapely.affinity.translate(frame, P, 0), shapely.affinity.translate(frame, 0, P)]
    )


def _first_clear(block: BaseGeometry, u: np.ndarray, rho: float, P: float) -> float | None:
    """The nearest distance along *u* at which a disc of radius rho clears *block*."""
    t = np.linspace(0.05 * P, 0.7 * P, 40)
    discs = shapely.polygons(circle_coords(t[:, None] * u[None, :], rho, 16))
    clear = ~shapely.intersects(block, discs)
    return float(t[np.argmax(clear)]) if clear.any() else None


# ----------------------------------------------------------------------- build
_LAYERS = ("frame", "blooms", "isen", "outline", "centres", "corners")


def _build(
    p: CeplokParams,
    P: float,
    sy: float,
    box: tuple[float, float, float, float],
    *,
    noise: PeriodicNoise | None,
    isen_seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Polygons of every layer for the sites touching *box* (not clipped), and the y
    of the site each polygon belongs to."""
    c = _cell(p, P, isen_seed)
    M = np.diag([1.0, sy])
    reach = 0.75 * P
    # blooms on the tile corners: the frame lines (cell edges) then never lie on a seam
    blooms = square_sites(P, sy, box, reach, (0.0, 0.0))
    corners = square_sites(P, sy, box, reach, (0.5, 0.5))
    amount = 0.02 * p.wobble * P
    wobbly = noise is not None and amount > 0

    def displace(xy: np.ndarray) -> np.ndarray:
        return amount * noise(xy)[:, :2]

    def shift(xy: np.ndarray) -> np.ndarray | None:
        return amount * noise(xy)[:, :2] if wobbly and len(xy) else None

    out: dict[str, np.ndarray] = {}
    ys: dict[str, np.ndarray] = {}
    for name, geom, sites, whole in (
        ("frame", c.frame, blooms, False),
        ("blooms", c.blooms, blooms, False),
        ("isen", c.isen, blooms, True),
        ("outline", c.outline, blooms, False),
        ("centres", c.centres, blooms, True),
        ("corners", c.corners, corners, True),
    ):
        if whole:
            polys = replicate(geom, M, sites, shift=shift(sites))
        else:
            polys = replicate(geom, M, sites, displace=displace if wobbly else None)
            if wobbly:
                # a hairline outline round a sharp corner can fold under the hand: mend
                # those few (one geometry per copy stays, so the cloth can place it)
                bad = ~shapely.is_valid(polys)
                if bad.any():
                    polys = polys.copy()
                    polys[bad] = shapely.make_valid(
                        polys[bad], method="structure", keep_collapsed=False
                    )
        n = len(shapely.get_parts(geom)) if not geom.is_empty else 0
        out[name] = polys
        ys[name] = np.repeat(sites[:, 1], n)
    return out, ys


def _colours(p: CeplokParams, pal: Palette) -> dict[str, Any]:
    """Layer colours by polarity (see the module docstring of palette)."""
    wax = pal.ground if pal.ground is not None else "#F7F4EC"
    if p.polarity == "light":
        return {
            "background": pal.ground,
            "frame": pal.ink,
            "blooms": pal.fill,
            "isen": wax if p.isen_where == "petals" else pal.ink,
            "outline": pal.ink,
            "centres": pal.accent,
            "corners": pal.accent,
            "crackle": pal.crackle,
            "crackle-clip": None,
        }
    return {
        "background": None if pal.ground is None else pal.ink,
        "frame": pal.fill,
        "blooms": wax,
        "isen": pal.fill if p.isen_where == "petals" else wax,
        "outline": pal.fill,
        "centres": pal.fill,
        "corners": wax,
        "crackle": pal.crackle,
        "crackle-clip": "blooms",
    }


def ceplok(
    params: CeplokParams | None = None,
    *,
    tile: tuple[int, int] = (1024, 1024),
    repeat: str = "block",
    rng=None,
    palette: Palette | str | None = None,
    transparent: bool = False,
) -> Pattern:
    """One seamless tile of ceplok.

    Parameters
    ----------
    params : CeplokParams, optional
        The motif (default ``CeplokParams()``; ``CeplokParams.variant("kembang")`` etc.).
    tile : (int, int)
        Tile width and height in px. The lattice closes on the tile: ``blooms`` cells
        across, the nearest whole number of rows down (see :func:`ceplok_lattice`).
    repeat : {"block", "half-drop", "half-brick"}
        How tiles are laid; a half-drop tile holds an even number of rows and a
        half-brick tile an even count across, so every repeat is seamless.
    rng : numpy Generator or int, optional
        Seed of the maker's hand: wobble, crackle and filler jitter (0 when None).
    palette : Palette or str, optional
        Colourway; default ``params.palette`` (names or hex lists).
    transparent : bool
        Leave the ground undrawn (``background=None``) for compositing.

    Returns
    -------
    Pattern
        Layers (bottom to top): ``crackle`` (light polarity), ``frame``, ``blooms``,
        (dark polarity: ``crackle`` clipped to the blooms), ``isen``, ``outline``,
        ``centres``, ``corners``.

    Examples
    --------
    >>> p = ceplok(CeplokParams.variant("lintang"), tile=(300, 300), rng=2)
    >>> p.metadata["motif"], p.metadata["variant"], p.background
    ('ceplok', 'lintang', '#1B2A4A')
    """
    p = check_params(CeplokParams, params)
    width, height = tile_size(tile)
    lattice_vectors(width, height, repeat)  # validates repeat
    pal = tile_palette(p.palette, palette, transparent)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    P, rows, sy = ceplok_lattice(p.blooms, width, height, repeat)
    noise = None
    if p.wobble > 0:
        noise = noise_field(width, height, max(0.6 * P, 8.0), wobble_seed, repeat)
    box = (0.0, 0.0, float(width), float(height))
    built, _ = _build(p, P, sy, box, noise=noise, isen_seed=isen_seed)
    polys = {k: clip_to_box(v, box) for k, v in built.items()}
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
    meta = {
        "motif": "ceplok",
        "variant": variant_name(p),
        "palette": pal.name,
        "pitch": f"{P:.3f}",
        "lattice": f"{p.blooms} blooms across, {rows} rows",
        "stretch": f"{sy:.4f}",
    }
    layers = stack_layers(_LAYERS, polys, col, veins, fast=("isen",))
    return Pattern(width, height, col["background"], tuple(layers), repeat, meta)


def ceplok_cloth(
    params_at: Callable[[float], CeplokParams],
    *,
    size: tuple[int, int] = (1100, 2750),
    rng=None,
    palette: Palette | str | None = None,
) -> Pattern:
    """A long cloth (kain panjang) whose blooms change along its length.

    Parameters
    ----------
    params_at : callable
        ``params_at(y) -> CeplokParams`` for ``y`` from 0 (top) to 1 (foot). Each row
        of blooms takes the parameters at its own height. The structural fields
        (``blooms``, ``polarity``) are read from the top only, so the lattice stays
        continuous.
    size : (int, int)
        Cloth width and height in px.
    rng : numpy Generator or int, optional
        Seed of the maker's hand.
    palette : Palette or str, optional
        One colourway for the whole cloth; default: each row's ``params.palette``
        (layers are then split per colourway, ``blooms``, ``blooms@lasem``, ...).

    Returns
    -------
    Pattern
        Not a repeat tile: geometry is clipped to the cloth rectangle.

    Examples
    --------
    >>> c = ceplok_cloth(lambda y: CeplokParams(bloom_size=0.5 + 0.4 * y), size=(200, 480))
    >>> c.size, c.metadata["motif"]
    ((200, 480), 'ceplok-cloth')
    """
    rows = ClothRows(params_at, CeplokParams, size)
    width, height, top = rows.width, rows.height, rows.top
    pal_fixed = None if palette is None else make_palette(palette)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    P = width / top.blooms
    noise = noise_field(width, height, max(0.6 * P, 8.0), wobble_seed, "block")
    # row j of blooms lies at y = j·P and owns the band from half a cell above it to half
    # a cell below (the corner marks between two rows go to the lower one)
    n_rows = math.ceil(height / P) + 1
    eps = 1e-6 * P

    def build(pj: CeplokParams, y0: float, y1: float):
        box = (0.0, max(y0, 0.0), float(width), min(y1, float(height)))
        return _build(pj, P, 1.0, box, noise=noise, isen_seed=isen_seed)

    def keep(ys: np.ndarray, y0: float, y1: float, j0: int, j1: int) -> np.ndarray:
        first, last = j0 == 0, j1 == n_rows - 1
        return ((ys >= y0 - eps) | first) & ((ys < y1 - eps) | last)

    acc = ClothLayers(_LAYERS)
    acc.draw(
        rows.group((j, j * P) for j in range(n_rows)),
        span=lambda j0, j1: ((j0 - 0.5) * P, (j1 + 0.5) * P),
        build=build,
        colours=_colours,
        palette=pal_fixed,
        keep=keep,
    )
    col0 = _colours(top, pal_fixed or make_palette(top.palette))
    veins = thinned_crackle(
        width,
        height,
        *acc.crackle_amounts(),
        density=lambda a: crackle_density(a, P),
        seed=crackle_seed,
        vein_width=max(0.6, 0.008 * P),
    )
    clip = col0["crackle-clip"]
    layers = acc.layers(
        width,
        height,
        col0["background"],
        crackle_layer=crackle_layer(col0["crackle"], veins, clip),
        crackle_after=clip,
        fast=("isen",),
    )
    meta = {
        "motif": "ceplok-cloth",
        "palette": acc.palettes(),
        "pitch": f"{P:.3f}",
        "lattice": f"{top.blooms} blooms across",
    }
    return Pattern(width, height, col0["background"], tuple(layers), "block", meta)
