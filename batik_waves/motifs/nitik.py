"""Nitik: a design set in small squares and short bars on a fine square grid.

Construction (``BATIK.md``, "Nitik"): the canting's spout is split in four, so every
mark is a small square or a short bar, never a round dot. The design (a bloom of four
or eight petals, the marks between blooms, an optional lozenge or square frame) is
mapped onto a square grid of ``grid`` cells per repeat, imitating woven patola
(cinde) cloth; one repeat is 5 to 7 cm at print size. Each grid cell holds at most
one mark:

- on a petal's edge, a **bar** along the edge where it runs with the grid, a square
  where it runs slantwise (the staircase of a woven diagonal);
- inside a petal, squares in the fill colour (every cell, or a checker);
- the heart of the bloom, a block, a cross or a ring of squares;
- between blooms, where four repeats meet, **cecek pitu** (seven small squares),
  **cecek telu** (three), chicken claws (*cakar ayam*) or a small flower.

The design is sampled once per repeat (cached) and copied to every repeat as numpy
arrays: one ``shapely.polygons`` call per layer, one MultiPolygon each, so a 1024 px
tile of ten thousand marks draws in milliseconds and stays small in SVG. Marks keep
inside their cells under the maker's hand, so nothing ever overlaps.

>>> p = nitik(NitikParams(repeats=2), tile=(240, 240), rng=1)
>>> [layer.name for layer in p.layers]
['fill', 'marks', 'crackle', 'centres', 'clusters']
>>> p.background
'#4A2E1F'
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
    variant_of,
)
from ._params import MotifParams, param
from ._square import square_lattice, square_sites
from .palette import PALETTES, Palette, mix
from .palette import palette as make_palette
from .pattern import Pattern, lattice_vectors
from .texture import PeriodicNoise, crackle

__all__ = ["NitikParams", "nitik", "nitik_cloth", "nitik_design", "nitik_lattice"]

# mark kinds in the design grid
_EMPTY, _SQUARE, _HBAR, _VBAR, _FILL, _HEART, _DOT = range(7)


@dataclass(frozen=True)
class NitikParams(MotifParams):
    """Every parameter of a nitik, with its range (``BATIK.md``, "Nitik").

    Sizes marked "× cell" are fractions of one grid cell, "× repeat" of one repeat of
    the design (``grid`` cells), so a tile looks the same at any pixel size.

    >>> NitikParams.variants()
    ('kembang-kenthang', 'sekar-kemuning', 'cakar-ayam', 'jonggrang')
    >>> NitikParams.variant("cakar-ayam").corner
    'cakar'
    >>> NitikParams(grid=25)
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'grid' parameter of NitikParams. Allowed values are 12, 16, 20, 24, 28, 32, 40, but got 25 instead.
    """

    repeats: int = param(
        4,
        range=(1, 16),
        unit="repeats across the tile",
        doc="Repeats of the design across the tile width (one repeat is 5–7 cm at print "
        "size). Rows down are the nearest whole count (even for half-drop; stretched by "
        "at most 15 % to close); half-brick needs an even count. Even counts suit every "
        "repeat on square tiles; on 16:9 tiles 4, 7, 8 and 10 or more do.",
        role="structural",
    )
    grid: int = param(
        24,
        choices=(12, 16, 20, 24, 28, 32, 40),
        unit="cells per repeat",
        doc="Grid cells across one repeat: finer grids draw smoother petals with more "
        "marks. Even, so the bloom and the corner both fall on a cell.",
        role="structural",
    )
    mark: float = param(0.55, range=(0.35, 0.75), unit="× cell", doc="Side of a square mark.")
    bar: float = param(
        0.6,
        range=(0.0, 1.0),
        doc="How far the marks on a petal's edge stretch into bars along it: 0 squares "
        "only, 1 bars across 95 % of the cell.",
    )
    petals: int = param(4, choices=(4, 8), doc="Petals of the bloom.")
    petal_length: float = param(
        0.42, range=(0.2, 0.46), unit="× repeat", doc="Reach of the petal tips from the centre."
    )
    petal_width: float = param(
        0.55,
        range=(0.2, 0.8),
        unit="b/a",
        doc="Petal half width over half length (narrower when eight petals would touch).",
    )
    petal_fill: str = param(
        "checker",
        choices=("full", "checker", "none"),
        doc="Squares inside the petals: every cell, every other cell, or none.",
    )
    centre: str = param(
        "square", choices=("square", "cross", "ring", "none"), doc="The heart of the bloom."
    )
    corner: str = param(
        "cecek-pitu",
        choices=("cecek-pitu", "cecek-telu", "cakar", "flower", "none"),
        doc="Where four repeats meet: seven or three small squares, four chicken claws "
        "(cakar ayam), or a small flower of squares.",
    )
    frame: str = param(
        "none",
        choices=("none", "lozenge", "square"),
        doc="A line of marks round each bloom: a lozenge through the repeat's edge "
        "midpoints, or the repeat's edges.",
    )
    ground: int = param(
        0,
        choices=(0, 2, 3, 4),
        doc="A small square on every n-th cell of the empty ground (0: none).",
    )
    polarity: str = param(
        "dark",
        choices=("dark", "light"),
        doc="'dark' (usual): marks in the cloth colour on a dark ground; 'light': dark "
        "marks on the cloth.",
        role="structural",
    )
    palette: str = param("yogya-sogan", choices=PALETTES, doc="Colourway (BATIK.md).")
    crackle: float = param(
        0.15,
        range=(0.0, 1.0),
        doc="Wax crackle density (0: none; 1: about 12 cells per repeat²).",
        role="steady",
    )
    wobble: float = param(
        0.3,
        range=(0.0, 1.0),
        doc="Canting hand: 1 moves each mark within its cell by up to the room it has and "
        "varies its size by ±12 %.",
    )

    _VARIANTS = {  # noqa: RUF012 - read-only by convention (MotifParams)
        # kembang kenthang (potato flower): a broad four-petal flower, cecek pitu between
        "kembang-kenthang": {
            "repeats": 4,
            "grid": 24,
            "petals": 4,
            "petal_length": 0.44,
            "petal_width": 0.7,
            "petal_fill": "checker",
            "centre": "square",
            "corner": "cecek-pitu",
            "ground": 3,
        },
        # sekar kemuning (orange jasmine): eight slim petals round a ring, cecek telu
        "sekar-kemuning": {
            "repeats": 4,
            "grid": 28,
            "petals": 8,
            "petal_length": 0.4,
            "petal_width": 0.45,
            "petal_fill": "full",
            "centre": "ring",
            "corner": "cecek-telu",
            "ground": 4,
            "palette": "solo-sogan",
        },
        # cakar ayam (chicken claw): a small flower, four claws where the repeats meet
        "cakar-ayam": {
            "repeats": 4,
            "grid": 20,
            "petals": 4,
            "petal_length": 0.24,
            "petal_width": 0.5,
            "petal_fill": "none",
            "centre": "cross",
            "corner": "cakar",
            "bar": 0.8,
        },
        # jonggrang: a geometric field: a lozenge frame, a cross-hearted bloom, flowers
        "jonggrang": {
            "repeats": 4,
            "grid": 24,
            "petals": 4,
            "petal_length": 0.3,
            "petal_width": 0.42,
            "petal_fill": "full",
            "centre": "cross",
            "corner": "flower",
            "frame": "lozenge",
            "palette": "indigo",
        },
    }


def nitik_lattice(
    repeats: int, width: float, height: float, repeat: str = "block"
) -> tuple[float, int, float]:
    """The repeat's size in px, the rows of repeats and the vertical stretch.

    >>> nitik_lattice(3, 960, 960)
    (320.0, 3, 1.0)
    """
    return square_lattice(repeats, width, height, repeat, owner="NitikParams", field="repeats")


# ------------------------------------------------------------------------ design
@dataclass(frozen=True)
class _Design:
    """One repeat of the design in cell units: marks on cells (``(u, v)`` from the
    bloom at 0; ``kind`` one of the module's kinds) and small squares off the grid
    (``(x, y)`` in cells)."""

    uv: np.ndarray  # (n, 2) int
    kind: np.ndarray  # (n,) int
    dots: np.ndarray  # (m, 2) float: cecek clusters, small squares


def _design_key(p: NitikParams) -> tuple:
    return (
        p.grid,
        p.petals,
        p.petal_length,
        p.petal_width,
        p.petal_fill,
        p.centre,
        p.corner,
        p.frame,
        p.ground,
    )


def nitik_design(p: NitikParams) -> np.ndarray:
    """The design of one repeat as a ``(grid, grid)`` array of mark kinds, row ``v``,
    column ``u``, the bloom at the centre (for looking at, and for tests).

    0 empty, 1 square, 2 bar along x, 3 bar along y, 4 fill square, 5 heart square.

    The design is p4m on the torus of the repeat: a mirror (``u -> -u``) keeps it.

    >>> d = nitik_design(NitikParams(grid=12))
    >>> d.shape, bool((d == np.roll(d[:, ::-1], 1, axis=1)).all())
    ((12, 12), True)
    """
    d = _design(_design_key(p))
    R = p.grid
    out = np.zeros((R, R), int)
    out[d.uv[:, 1] + R // 2, d.uv[:, 0] + R // 2] = d.kind
    return out


def _petal_shape(R: int, n: int, length: float, width: float):
    L = length * R
    r0 = max(2.2, 0.24 * L)
    a, dist = (L - r0) / 2, (L + r0) / 2
    b = width * a
    b = min(b, 0.9 * math.sqrt(L * r0) * math.tan(math.pi / n))
    t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    one = np.stack([dist + a * c, b * np.sign(s) * np.abs(s) ** 1.4], -1)
    polys = []
    for k in range(n):
        ang = 2 * math.pi * k / n
        rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
        polys.append(Polygon(one @ rot.T))
    return shapely.union_all(polys), r0


@functools.lru_cache(maxsize=64)
def _design(key: tuple) -> _Design:
    R, n, length, width, petal_fill, centre, corner, frame, ground = key
    h = R // 2
    u, v = np.meshgrid(np.arange(-h, h), np.arange(-h, h), indexing="xy")
    u, v = u.ravel().astype(float), v.ravel().astype(float)
    K = np.zeros(len(u), int)
    shape, r0 = _petal_shape(R, n, length, width)
    shapely.prepare(shape)
    edge = shape.boundary

    def sd(x, y):
        d = shapely.distance(edge, shapely.points(x, y))
        return np.where(shapely.contains_xy(shape, x, y), -d, d)

    s0 = sd(u, v)
    e = 0.3
    gx = sd(u + e, v) - sd(u - e, v)
    gy = sd(u, v + e) - sd(u, v - e)
    on_edge = np.abs(s0) < 0.5
    flat_x = np.abs(gy) > 2.0 * np.abs(gx)  # the edge runs along x
    flat_y = np.abs(gx) > 2.0 * np.abs(gy)
    K[on_edge] = np.where(flat_x[on_edge], _HBAR, np.where(flat_y[on_edge], _VBAR, _SQUARE))
    inside = s0 <= -0.5
    if petal_fill == "full":
        K[inside] = _FILL
    elif petal_fill == "checker":
        K[inside & ((u + v) % 2 == 0)] = _FILL
    # the heart, in the room the petals leave
    c = max(1, math.floor(r0 - 1.2))
    ring = np.maximum(np.abs(u), np.abs(v))
    free = K == _EMPTY
    if centre == "square":
        K[free & (ring <= c)] = _HEART
    elif centre == "cross":
        K[free & (((u == 0) & (np.abs(v) <= c)) | ((v == 0) & (np.abs(u) <= c)))] = _HEART
    elif centre == "ring":
        K[free & (ring == c)] = _SQUARE
        K[free & (ring == 0)] = _HEART
    # where four repeats meet: the cell (-h, -h), with offsets a, b from it
    a = np.mod(u + h, R)
    a = np.where(a > h, a - R, a)
    b = np.mod(v + h, R)
    b = np.where(b > h, b - R, b)
    free = K == _EMPTY
    dots = np.empty((0, 2))
    if corner == "cecek-pitu":
        t = np.arange(6) * np.pi / 3 + np.pi / 6
        dots = np.concatenate([[[0.0, 0.0]], 1.05 * np.stack([np.cos(t), np.sin(t)], -1)])
    elif corner == "cecek-telu":
        # a cecek telu in each of the four quarters, pointing at the corner
        tri = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]) + 0.9
        dots = np.concatenate([tri * (sx, sy) for sx in (-1, 1) for sy in (-1, 1)])
    elif corner == "cakar":
        heart = (a == 0) & (b == 0)
        K[free & heart] = _HEART
        aa, bb = np.abs(a), np.abs(b)
        leg = (aa == bb) & (aa >= 1) & (aa <= 4)  # heel, joint and middle toe
        toe_x = (bb == 2) & (aa >= 3) & (aa <= 4)  # side toes off the joint at (2, 2)
        toe_y = (aa == 2) & (bb >= 3) & (bb <= 4)
        K[free & leg] = _SQUARE
        K[free & toe_x] = _HBAR
        K[free & toe_y] = _VBAR
    elif corner == "flower":
        aa, bb = np.abs(a), np.abs(b)
        K[free & (aa == 0) & (bb == 0)] = _HEART
        K[free & (aa + bb == 1)] = _SQUARE
        K[free & (aa == 2) & (bb == 0)] = _HBAR
        K[free & (bb == 2) & (aa == 0)] = _VBAR
        K[free & (aa == 1) & (bb == 1)] = _FILL
    # the frame, kept clear of what is drawn
    occupied = K != _EMPTY
    grid_k = K.reshape(R, R)
    near = _dilate(grid_k != _EMPTY, 1).ravel()
    clear = ~occupied & ~near & (s0 > 1.0)
    if len(dots):
        clear &= (np.abs(a) > 2.5) | (np.abs(b) > 2.5)
    if frame == "lozenge":
        K[clear & (np.abs(u) + np.abs(v) == h)] = _SQUARE
    elif frame == "square":
        K[clear & (a == 0) & (b != 0)] = _VBAR
        K[clear & (b == 0) & (a != 0)] = _HBAR
    if ground:
        near = _dilate(K.reshape(R, R) != _EMPTY, 1).ravel()
        spot = (np.mod(u, ground) == 0) & (np.mod(v, ground) == 0)
        far = ~near & (s0 > 1.5)
        if len(dots):
            far &= (np.abs(a) > 2.5) | (np.abs(b) > 2.5)
        K[spot & far & (K == _EMPTY)] = _DOT
    keep = K != _EMPTY
    uv = np.stack([u[keep], v[keep]], -1).astype(int)
    # the cecek clusters sit on the corner, at (-h, -h) from the bloom
    return _Design(uv, K[keep], dots - h)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Cells within *r* (Chebyshev) of a True cell, on the torus of the repeat."""
    out = mask.copy()
    for dx in range(-r, r + 1):
        for dy in range(-r, r + 1):
            out |= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out


# ----------------------------------------------------------------------- build
_LAYERS = ("fill", "marks", "centres", "clusters")
_LAYER_OF = {
    _SQUARE: "marks",
    _HBAR: "marks",
    _VBAR: "marks",
    _DOT: "marks",
    _FILL: "fill",
    _HEART: "centres",
}


def _build(
    p: NitikParams,
    P: float,
    sy: float,
    box: tuple[float, float, float, float],
    *,
    size: tuple[int, int],
    repeat: str,
    noise: PeriodicNoise | None,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Polygons of every layer for the repeats touching *box*, and each one's repeat y."""
    d = _design(_design_key(p))
    R = p.grid
    g, gy = P / R, P * sy / R
    cellmin = min(g, gy)
    s = p.mark * cellmin
    long_x = s + p.bar * (0.95 * g - s)
    long_y = s + p.bar * (0.95 * gy - s)
    thin = s * (1 - 0.3 * p.bar)
    half = {  # half extents (x, y) of each kind
        _SQUARE: (s / 2, s / 2),
        _FILL: (s / 2, s / 2),
        _HEART: (s / 2, s / 2),
        _HBAR: (long_x / 2, thin / 2),
        _VBAR: (thin / 2, long_y / 2),
        _DOT: (0.3 * s, 0.3 * s),
    }
    dot_half = 0.36 * s
    sites = square_sites(P, sy, box, P, (0.5, 0.5)) + np.array([g / 2, gy / 2])
    ns = len(sites)
    centres = (sites[:, None, :] + (d.uv * (g, gy))[None]).reshape(-1, 2)
    kinds = np.tile(d.kind, ns)
    site_y = np.repeat(sites[:, 1], len(d.kind))
    hx = np.array([half.get(k, (0, 0))[0] for k in range(7)])
    hy = np.array([half.get(k, (0, 0))[1] for k in range(7)])
    ex, ey = hx[kinds], hy[kinds]
    dot_c = (sites[:, None, :] + (d.dots * (g, gy))[None]).reshape(-1, 2)
    dot_y = np.repeat(sites[:, 1], len(d.dots))
    out: dict[str, np.ndarray] = {}
    ys: dict[str, np.ndarray] = {}
    for name, cxy, hxv, hyv, yv, is_dot in (
        ("cells", centres, ex, ey, site_y, False),
        (
            "clusters",
            dot_c,
            np.full(len(dot_c), dot_half),
            np.full(len(dot_c), dot_half),
            dot_y,
            True,
        ),
    ):
        if len(cxy) == 0:
            out[name] = np.empty(0, dtype=object)
            ys[name] = np.empty(0)
            continue
        cxy = cxy.copy()
        if p.wobble > 0 and noise is not None:
            u = variant_of(cxy, size[0], size[1], repeat, 4096, seed) / 4096.0
            grow = 1.0 + 0.12 * p.wobble * (2 * u - 1)
            # a mark never outgrows its cell (a full-length bar only shrinks)
            hxv, hyv = np.minimum(hxv * grow, 0.485 * g), np.minimum(hyv * grow, 0.485 * gy)
            room_x = np.maximum(0.5 * (g if not is_dot else g * 0.5) - hxv, 0.0)
            room_y = np.maximum(0.5 * (gy if not is_dot else gy * 0.5) - hyv, 0.0)
            nz = np.clip(noise(cxy)[:, :2] / 2.0, -1.0, 1.0)
            cxy += p.wobble * 0.8 * nz * np.stack([room_x, room_y], -1)
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], float)
        ring = cxy[:, None, :] + corners[None] * np.stack([hxv, hyv], -1)[:, None, :]
        out[name] = shapely.polygons(ring)
        ys[name] = yv
    polys, cy = out.pop("cells"), ys.pop("cells")
    for kind, name in _LAYER_OF.items():
        sel = kinds == kind
        out[name] = np.concatenate([out.get(name, np.empty(0, dtype=object)), polys[sel]])
        ys[name] = np.concatenate([ys.get(name, np.empty(0)), cy[sel]])
    for name in _LAYERS:
        out.setdefault(name, np.empty(0, dtype=object))
        ys.setdefault(name, np.empty(0))
    return out, ys


def _colours(p: NitikParams, pal: Palette) -> dict[str, Any]:
    wax = pal.ground if pal.ground is not None else "#F7F4EC"
    if p.polarity == "dark":
        return {
            "background": None if pal.ground is None else pal.ink,
            "marks": wax,
            "fill": mix(pal.fill, wax, 0.3),
            "centres": mix(pal.fill, wax, 0.6),
            "clusters": wax,
            "crackle": mix(pal.ink, wax, 0.35),
            "crackle-clip": "marks",
        }
    return {
        "background": pal.ground,
        "marks": pal.ink,
        "fill": pal.fill,
        "centres": pal.accent,
        "clusters": pal.ink,
        "crackle": pal.crackle,
        "crackle-clip": None,
    }


def nitik(
    params: NitikParams | None = None,
    *,
    tile: tuple[int, int] = (1024, 1024),
    repeat: str = "block",
    rng=None,
    palette: Palette | str | None = None,
    transparent: bool = False,
) -> Pattern:
    """One seamless tile of nitik.

    Parameters
    ----------
    params : NitikParams, optional
        The motif (default ``NitikParams()``; ``NitikParams.variant("jonggrang")`` etc.).
    tile : (int, int)
        Tile width and height in px: ``repeats`` repeats of the design across, the
        nearest whole number down (see :func:`nitik_lattice`).
    repeat : {"block", "half-drop", "half-brick"}
        How tiles are laid (a half-drop tile holds an even number of rows of repeats,
        a half-brick tile an even count across).
    rng : numpy Generator or int, optional
        Seed of the maker's hand: wobble and crackle (0 when None).
    palette : Palette or str, optional
        Colourway; default ``params.palette`` (names or hex lists).
    transparent : bool
        Leave the ground undrawn (``background=None``) for compositing.

    Returns
    -------
    Pattern
        Layers (bottom to top): ``crackle`` (light polarity), ``fill``, ``marks``,
        (dark polarity: ``crackle`` clipped to the marks), ``centres``, ``clusters``.

    Examples
    --------
    >>> p = nitik(NitikParams.variant("jonggrang"), tile=(300, 300), rng=2)
    >>> p.metadata["motif"], p.metadata["variant"], p.background
    ('nitik', 'jonggrang', '#1B2A4A')
    """
    p = check_params(NitikParams, params)
    width, height = tile_size(tile)
    lattice_vectors(width, height, repeat)
    pal = tile_palette(p.palette, palette, transparent)
    wobble_seed, crackle_seed, mark_seed = rng_seeds(rng)
    P, rows, sy = nitik_lattice(p.repeats, width, height, repeat)
    noise = None
    if p.wobble > 0:
        noise = noise_field(width, height, max(P / 3, 8.0), wobble_seed, repeat)
    box = (0.0, 0.0, float(width), float(height))
    built, _ = _build(
        p, P, sy, box, size=(width, height), repeat=repeat, noise=noise, seed=mark_seed
    )
    polys = {k: clip_to_box(v, box) for k, v in built.items()}
    veins = MultiPolygon()
    if p.crackle > 0:
        veins = crackle(
            width,
            height,
            density=crackle_density(p.crackle, P / 3),
            rng=crackle_seed,
            repeat=repeat,
            vein_width=max(0.5, 0.1 * P / p.grid),
        )
    col = _colours(p, pal)
    meta = {
        "motif": "nitik",
        "variant": variant_name(p),
        "palette": pal.name,
        "pitch": f"{P:.3f}",
        "lattice": f"{p.repeats} repeats across, {rows} rows, {p.grid} cells each",
        "stretch": f"{sy:.4f}",
    }
    layers = stack_layers(_LAYERS, polys, col, veins, fast=_LAYERS)
    return Pattern(width, height, col["background"], tuple(layers), repeat, meta)


def nitik_cloth(
    params_at: Callable[[float], NitikParams],
    *,
    size: tuple[int, int] = (1100, 2750),
    rng=None,
    palette: Palette | str | None = None,
) -> Pattern:
    """A long cloth whose design changes, row of repeats by row, along its length.

    Parameters
    ----------
    params_at : callable
        ``params_at(y) -> NitikParams`` for ``y`` from 0 (top) to 1 (foot). Each row of
        repeats takes the parameters at its own height; the structural fields
        (``repeats``, ``grid``, ``polarity``) are read from the top only, so the grid
        runs unbroken down the cloth.
    size : (int, int)
        Cloth width and height in px.
    rng : numpy Generator or int, optional
        Seed of the maker's hand.
    palette : Palette or str, optional
        One colourway for the whole cloth; default: each row's ``params.palette``.

    Returns
    -------
    Pattern
        Not a repeat tile: geometry is clipped to the cloth rectangle.

    Examples
    --------
    >>> c = nitik_cloth(lambda y: NitikParams(petal_length=0.2 + 0.2 * y), size=(200, 480))
    >>> c.size, c.metadata["motif"]
    ((200, 480), 'nitik-cloth')
    """
    rows = ClothRows(params_at, NitikParams, size)
    width, height, top = rows.width, rows.height, rows.top
    pal_fixed = None if palette is None else make_palette(palette)
    wobble_seed, crackle_seed, mark_seed = rng_seeds(rng)
    P = width / top.repeats
    noise = noise_field(width, height, max(P / 3, 8.0), wobble_seed, "block")
    n_rows = math.ceil(height / P)

    def build(pj: NitikParams, y0: float, y1: float):
        box = (0.0, y0, float(width), y1)
        size = (width, height)
        return _build(pj, P, 1.0, box, size=size, repeat="block", noise=noise, seed=mark_seed)

    # row j of repeats runs from j·P to (j + 1)·P and takes the params at its middle
    acc = ClothLayers(_LAYERS)
    acc.draw(
        rows.group((j, (j + 0.5) * P) for j in range(n_rows)),
        span=lambda j0, j1: (j0 * P, (j1 + 1) * P),
        build=build,
        colours=_colours,
        palette=pal_fixed,
    )
    col0 = _colours(top, pal_fixed or make_palette(top.palette))
    veins = thinned_crackle(
        width,
        height,
        *acc.crackle_amounts(),
        density=lambda a: crackle_density(a, P / 3),
        seed=crackle_seed,
        vein_width=max(0.5, 0.1 * P / top.grid),
    )
    clip = col0["crackle-clip"]
    layers = acc.layers(
        width,
        height,
        col0["background"],
        crackle_layer=crackle_layer(col0["crackle"], veins, clip),
        crackle_after=clip,
        fast=_LAYERS,
    )
    meta = {
        "motif": "nitik-cloth",
        "palette": acc.palettes(),
        "pitch": f"{P:.3f}",
        "lattice": f"{top.repeats} repeats across, {top.grid} cells each",
    }
    return Pattern(width, height, col0["background"], tuple(layers), "block", meta)
