"""Truntum: small star flowers scattered on a dark ground, with cecek between them.

Truntum ("to bloom again", the motif of a love that grows back) is a member of the
ceplok family: one small face-on flower per square field, drawn in wax white on a
blue-black or sogan ground, and little cecek dots in the dark between the flowers
(``BATIK.md``, "Truntum"). A calm motif: no band, no direction, only the stars.

The flower is an eight-point star of four large and four small petals (``"star"``),
a five-petalled jasmine (``"jasmine"``, *melati*), or a closed jasmine bud in its calyx
on a short stem (``"bud"``, *kuntum*). Its heart is a ring of stamens round a small
disc. The fields lie on a square grid, or with every other column dropped by half a field
(``grid="half-drop"``). Between the flowers, at the corners of the fields, stand the
cecek: one dot, a cluster of three or of seven, or a scatter of fine dots.

Construction: a field is ``W / fields`` px square (rows: the nearest whole count,
even for half-drop grids and half-drop repeats; the field is stretched down by what
closes the grid, under half a row over the tile: 12.5 % for 8 fields on 1920 × 1080). One flower, one heart and one corner mark are built
once per parameter set, then copied to every field in one vectorised step; copies
that cross the tile edge are clipped and re-enter from the other side.

>>> p = truntum(TruntumParams(fields=3), tile=(240, 240), rng=1)
>>> [layer.name for layer in p.layers]
['petals', 'crackle', 'veins', 'heart', 'stamens', 'cecek']
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
    ClothRows,
    check_params,
    clip_to_box,
    crackle_density,
    noise_field,
    rng_seeds,
    stack_layers,
    tile_palette,
    tile_size,
    variant_name,
)
from ._params import MotifParams, param
from .isen import MIN_MARK_PX, circle_coords, disc_vertices, fill, replicate, stroke_coords
from .palette import PALETTES, Palette, mix
from .palette import palette as make_palette
from .pattern import Pattern, lattice_vectors
from .texture import crackle

__all__ = ["TruntumParams", "truntum", "truntum_cloth", "truntum_rows"]


@dataclass(frozen=True)
class TruntumParams(MotifParams):
    """Every parameter of a truntum, with its range (``BATIK.md``, "Truntum").

    Sizes marked "× F" are fractions of the field (the square one flower stands in).

    >>> TruntumParams.variants()
    ('truntum', 'truntum-melati', 'truntum-kuntum', 'truntum-rapet')
    >>> TruntumParams(flower_size=1.2)
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'flower_size' parameter of TruntumParams. Allowed range is 0.3 to 0.85, but got 1.2 instead.
    """

    fields: int = param(
        8,
        range=(2, 48),
        unit="fields across the tile",
        doc="Flowers per row across the tile width (one per square field).",
        role="structural",
    )
    grid: str = param(
        "square",
        choices=("square", "half-drop"),
        doc="Fields in a square grid, or every other column dropped by half a field.",
        role="structural",
    )
    flower: str = param(
        "star",
        choices=("star", "jasmine", "bud"),
        doc="An eight-point star (4 large, 4 small petals), a five-petalled jasmine "
        "(melati), or a closed jasmine bud in its calyx on a short stem (kuntum; veins: "
        "the seams of its wrapped petals).",
    )
    flower_size: float = param(
        0.62, range=(0.3, 0.85), unit="× F", doc="Flower diameter, tip to tip."
    )
    petal_width: float = param(
        0.5, range=(0.2, 0.6), unit="× petal length", doc="How broad the petals are."
    )
    small_petals: float = param(
        0.6,
        range=(0.0, 0.85),
        unit="× large petal",
        doc="Length of the four small petals between the large ones (star; 0: none).",
    )
    turn: float = param(
        0.0, range=(0.0, 45.0), unit="°", doc="How the flowers are turned in their fields."
    )
    heart: float = param(
        0.16, range=(0.0, 0.35), unit="× flower", doc="The heart's diameter (0: none)."
    )
    stamens: int = param(8, range=(0, 16), unit="dots", doc="Stamen dots round the heart.")
    veins: bool = param(True, doc="A thin dark midrib down each large petal.")
    cecek: str = param(
        "single",
        choices=("none", "single", "telu", "pitu", "scatter"),
        doc="The dots between the flowers, at the corners of the fields: one, a "
        "cluster of three or seven, or a scatter of fine dots over the ground.",
    )
    cecek_size: float = param(
        0.05, range=(0.02, 0.1), unit="× F", doc="Dot diameter (scatter: the spacing is 3×)."
    )
    polarity: str = param(
        "dark",
        choices=("dark", "light"),
        doc="'dark': wax-white flowers on the dark dye (classic); 'light': dark flowers on "
        "the cloth.",
        role="structural",
    )
    palette: str = param("yogya-sogan", choices=PALETTES, doc="Colourway (BATIK.md).")
    crackle: float = param(
        0.3, range=(0.0, 1.0), doc="Wax crackle density, in the flowers.", role="steady"
    )
    wobble: float = param(
        0.3,
        range=(0.0, 1.0),
        doc="Canting hand: 1 moves each flower by about 3 % of F and turns it a little.",
    )

    _VARIANTS = {  # noqa: RUF012 - read-only by convention (MotifParams)
        # classic: eight-point stars, one per field, a dot at each corner, on sogan
        "truntum": {},
        # melati: jasmine flowers on indigo-black, half-drop, cecek telu between
        "truntum-melati": {
            "flower": "jasmine",
            "grid": "half-drop",
            "petal_width": 0.5,
            "flower_size": 0.6,
            "cecek": "telu",
            "palette": "indigo",
        },
        # kuntum: larger closed buds, fewer fields
        "truntum-kuntum": {
            "flower": "bud",
            "fields": 6,
            "flower_size": 0.7,
            "petal_width": 0.45,
            "stamens": 0,
            "heart": 0.0,
            "cecek": "pitu",
            "grid": "half-drop",
        },
        # rapet ("close-set"): many small stars, the ground strewn with fine cecek
        "truntum-rapet": {
            "fields": 14,
            "flower_size": 0.68,
            "small_petals": 0.7,
            "stamens": 0,
            "veins": False,
            "cecek": "scatter",
            "cecek_size": 0.04,
            "grid": "half-drop",
        },
    }


# ------------------------------------------------------------------- templates
def _petal(length: float, width: float, base: float = 0.0, n: int = 48) -> np.ndarray:
    """A pointed petal along +x from ``base`` to ``base + length``: round near the heart,
    pointed at the tip (a lens with a fuller belly), closed ring (n, 2)."""
    t = np.linspace(0.0, np.pi, n // 2 + 1)
    u = (1 - np.cos(t)) / 2  # 0 … 1 along the petal, dense at both ends
    half = 0.5 * width * np.sin(np.pi * u) ** 0.8 * (1 - 0.35 * u)
    x = base + length * u
    upper = np.stack([x, half], -1)
    lower = np.stack([x[::-1], -half[::-1]], -1)[1:-1]
    return np.concatenate([upper, lower])


def _bud(R: float, pw: float, n: int, turn: float, veins: bool):
    """A closed jasmine bud (*kuntum*, kuncup melati) within radius *R*, tip up (y down).

    A slender bud drawn to a point above and full below, its petals still wrapped
    (the veins, when asked, are the two seams where they overlap, winding up to the
    tip); under it the calyx, a small cup with two pointed sepals flaring up at its
    sides, parted from the bud by a thin line of the ground; and a short stem curving
    down from the cup. Returns the parts (polygons) and the seam lines.
    """
    m = _rot(turn)
    gap = 0.045 * R
    # the bud: along -y from its base (y = 0.12 R) to its point (y = -0.95 R)
    t = np.linspace(0.0, np.pi, n // 2 + 1)
    u = (1 - np.cos(t)) / 2  # 0 at the base, 1 at the point
    half = (0.3 + 0.35 * pw) * R * np.sin(np.pi * (0.08 + 0.92 * u)) ** 0.7 * (1 - 0.55 * u)
    y = 0.12 * R - 1.07 * R * u
    bud = np.concatenate([np.stack([half, y], -1), np.stack([-half[::-1], y[::-1]], -1)[1:-1]])
    body = Polygon(bud).buffer(0.02 * R, quad_segs=6)
    # the calyx: a cup under the bud, and a sepal flaring up on each side
    cup_t = np.linspace(0.0, np.pi, 25)
    cw = 0.75 * float(half.max())
    cup = Polygon(
        np.stack([cw * np.cos(cup_t), 0.06 * R + 0.3 * R * np.sin(cup_t) ** 1.3], -1)
    ).union(shapely.box(-cw, -0.02 * R, cw, 0.06 * R))
    parts = [body]
    for side in (-1.0, 1.0):
        sepal = _petal(0.58 * R, 0.2 * R, 0.0, n) @ _rot(-90 + side * 40).T
        parts.append(Polygon(sepal + np.array([side * 0.55 * cw, 0.2 * R])))
    calyx = shapely.union_all([cup, *parts[1:]]).difference(body.buffer(gap, quad_segs=6))
    # the stem: a short stroke curving down and a little aside from the cup
    s = np.linspace(0.0, 1.0, 12)
    stem = np.stack([0.12 * R * s**2, 0.3 * R + 0.55 * R * s], -1)
    stem = Polygon(stroke_coords(stem[None], 0.055 * R, cap=3)[0])
    pieces = [body, calyx, stem]
    seams = []
    if veins:  # where the wrapped petals overlap: two seams winding up to the point
        for x0, x1, bow in ((-0.55, 0.1, 0.18), (0.5, 0.05, -0.12)):
            v = np.linspace(0.0, 1.0, 8)
            yy = 0.02 * R - 0.9 * R * v * (0.95 if x0 < 0 else 0.6)
            w = np.interp(-yy, -y, half)
            xx = (x0 + (x1 - x0) * v + bow * np.sin(np.pi * v)) * w
            seams.append(np.stack([xx, yy], -1))
    out = [shapely.affinity.affine_transform(g, [*m.ravel(), 0.0, 0.0]) for g in pieces]
    return out, [line @ m.T for line in seams]


def _rot(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


@dataclass(frozen=True)
class _Templates:
    petals: BaseGeometry
    veins: BaseGeometry
    heart: BaseGeometry
    stamens: BaseGeometry
    cecek: BaseGeometry  # at a field corner (origin)


def _shape_key(p: TruntumParams) -> tuple:
    names = (
        "flower", "flower_size", "petal_width", "small_petals", "heart", "stamens",
        "veins", "cecek", "cecek_size", "turn",
    )  # fmt: skip
    return tuple(getattr(p, k) for k in names)


@functools.lru_cache(maxsize=32)
def _templates(key: tuple, field: float, seed: int) -> _Templates:
    kind, size, pw, small, heart, stamens, veins, cecek, cecek_size, turn = key
    R = 0.5 * size * field  # tip radius
    hr = 0.5 * heart * 2 * R  # heart radius
    n = int(max(24, min(96, 4 * round(math.pi * R / 3))))
    petals: list[BaseGeometry] = []
    vein_lines = []
    if kind == "star":
        inner = 0.35 * hr - 0.05 * R  # the petals overlap at the heart: one flower
        L = R - inner
        for k in range(4):
            petals.append(Polygon(_petal(L, pw * L, inner, n) @ _rot(90 * k + turn).T))
            if veins:
                vein_lines.append(
                    np.array([[inner + 0.25 * L, 0], [inner + 0.7 * L, 0]]) @ _rot(90 * k + turn).T
                )
        if small > 0:
            Ls = small * L
            for k in range(4):
                petals.append(
                    Polygon(_petal(Ls, pw * Ls * 1.1, inner, n) @ _rot(90 * k + 45 + turn).T)
                )
    elif kind == "jasmine":
        inner = 0.2 * hr - 0.05 * R
        L = R - inner
        for k in range(5):
            # jasmine petals are round-tipped ovals, overlapping at the heart
            th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
            ring = np.stack(
                [inner + 0.5 * L * (1 + np.cos(th)), 0.5 * pw * 1.3 * L * np.sin(th)], -1
            )
            petals.append(Polygon(ring @ _rot(72 * k - 90 + turn).T))
            if veins:
                vein = np.array([[inner + 0.3 * L, 0], [inner + 0.7 * L, 0]])
                vein_lines.append(vein @ _rot(72 * k - 90 + turn).T)
    else:  # bud: a closed jasmine bud, tip up, in its calyx on a short stem
        petals, vein_lines = _bud(R, pw, n, turn, veins)
    flower = shapely.union_all(petals)
    hw = max(0.018 * R, 0.35)
    vg: BaseGeometry = MultiPolygon()
    if vein_lines:
        if kind == "bud":  # the bud's seams are curves already
            seams = [shapely.LineString(v).buffer(hw, quad_segs=3) for v in vein_lines]
            vg = shapely.union_all(seams)
        else:
            lines = np.stack([np.linspace(v[0], v[1], 6) for v in vein_lines])
            vg = shapely.multipolygons(shapely.polygons(stroke_coords(lines, hw, cap=3)))
        vg = vg.intersection(flower.buffer(-hw))
    if heart > 0 and kind != "bud":
        hg: BaseGeometry = Polygon(circle_coords(np.zeros((1, 2)), hr, disc_vertices(hr, 32))[0])
        ring_r = hr * 1.6
    else:
        hg = MultiPolygon()
        ring_r = 0.3 * R
    st: BaseGeometry = MultiPolygon()
    if stamens > 0 and kind != "bud":
        a = np.arange(stamens) * 2 * np.pi / stamens + math.radians(turn + 22.5)
        pts = ring_r * np.stack([np.cos(a), np.sin(a)], -1)
        r = max(0.18 * hr, 0.045 * R, 0.5)
        st = shapely.multipolygons(shapely.polygons(circle_coords(pts, r, disc_vertices(r, 12))))
    # the cecek at a field corner (origin)
    d = max(cecek_size * field, 2 * MIN_MARK_PX / 3)
    if cecek == "single":
        cg: BaseGeometry = Polygon(
            circle_coords(np.zeros((1, 2)), d / 2, disc_vertices(d / 2, 16))[0]
        )
    elif cecek in ("telu", "pitu"):
        k = 3 if cecek == "telu" else 6
        a = np.arange(k) * 2 * np.pi / k + math.radians(turn - 90)
        pts = 1.1 * d * np.stack([np.cos(a), np.sin(a)], -1)
        if cecek == "pitu":
            pts = np.concatenate([pts, np.zeros((1, 2))])
        r = 0.42 * d
        cg = shapely.multipolygons(shapely.polygons(circle_coords(pts, r, disc_vertices(r, 12))))
    else:
        cg = MultiPolygon()
    return _Templates(flower, vg, hg, st, cg)


@functools.lru_cache(maxsize=16)
def _scatter(key: tuple, field: float, seed: int, grid: str) -> BaseGeometry:
    """Fine cecek over one field's ground, clear of the flowers (field centred at 0)."""
    t = _templates(key, field, seed)
    scale = max(3 * key[8] * field, MIN_MARK_PX)
    cell = shapely.box(-field / 2, -field / 2, field / 2, field / 2)
    region = cell.difference(t.petals.buffer(0.5 * scale)).intersection(cell.buffer(-0.25 * scale))
    if region.is_empty:
        return MultiPolygon()
    return fill("cecek", region, scale=scale, rng=seed)


# ---------------------------------------------------------------------- lattice
def truntum_rows(fields: int, grid: str, width: int, height: int, repeat: str = "block"):
    """The row count and the vertical stretch of a seamless truntum tile.

    A half-drop grid, or a half-drop repeat, needs an even row count; a half-brick
    repeat needs an even field count (a half-drop grid on a half-brick repeat: both).

    >>> truntum_rows(8, "square", 1920, 1080)
    (4, 1.125)
    >>> truntum_rows(8, "square", 1024, 1024, "half-brick")
    (8, 1.0)
    """
    lattice_vectors(width, height, repeat)
    field = width / fields
    exact = height / field
    rows = max(1, round(exact))
    if grid == "half-drop" or repeat == "half-drop":
        rows = max(2, 2 * round(exact / 2))
    if repeat == "half-brick" and fields % 2:
        raise MotifError(
            f"Invalid value for the 'fields' parameter of TruntumParams: a half-brick repeat "
            f"shifts rows by half a tile, so the field count across must be even, but got "
            f"{fields}."
        )
    if repeat == "half-drop" and grid == "half-drop" and fields % 2:
        raise MotifError(
            f"Invalid value for the 'fields' parameter of TruntumParams: a half-drop grid on "
            f"a half-drop repeat needs an even field count across, but got {fields}."
        )
    return rows, height / (rows * field)


def _sites(fields: int, rows: int, grid: str, width: int, height: int, box, reach: float):
    """Field centres (flowers) and corners (cecek) touching *box* grown by *reach*."""
    fx = width / fields
    fy = height / rows
    x0, y0, x1, y1 = box
    i = np.arange(math.floor((x0 - reach) / fx) - 1, math.ceil((x1 + reach) / fx) + 2)
    j = np.arange(math.floor((y0 - reach) / fy) - 2, math.ceil((y1 + reach) / fy) + 2)
    ii, jj = np.meshgrid(i, j, indexing="ij")
    drop = 0.5 * (ii % 2) if grid == "half-drop" else 0.0
    centres = np.stack([(ii + 0.5) * fx, (jj + 0.5 + drop) * fy], -1).reshape(-1, 2)
    corners = np.stack([ii * fx, (jj + drop) * fy], -1).reshape(-1, 2)

    def keep(xy):
        m = (xy[:, 0] > x0 - reach) & (xy[:, 0] < x1 + reach)
        m &= (xy[:, 1] > y0 - reach) & (xy[:, 1] < y1 + reach)
        return xy[m]

    return keep(centres), keep(corners), fx, fy


# ----------------------------------------------------------------------- colours
def _colours(p: TruntumParams, pal: Palette) -> dict[str, Any]:
    cloth = pal.ground if pal.ground is not None else "#F7F4EC"
    if p.polarity == "dark":
        return {
            "background": None if pal.ground is None else pal.ink,
            "petals": cloth,
            "veins": pal.ink,
            "heart": pal.fill,
            "stamens": pal.ink,  # dark dots ringing the heart, on the wax-white petals
            "cecek": cloth,
            "crackle": mix(pal.ink, cloth, 0.35),
            "crackle-clip": "petals",
        }
    return {
        "background": pal.ground,
        "petals": pal.ink,
        "veins": cloth,
        "heart": pal.fill,
        "stamens": cloth,
        "cecek": pal.ink,
        "crackle": pal.crackle,
        "crackle-clip": None,
    }


def _place(geom: BaseGeometry, xy: np.ndarray, sy: float, hand) -> np.ndarray:
    """Copies of *geom* at *xy* (stretched by *sy* down), each moved and turned a
    little by the hand."""
    if geom.is_empty or len(xy) == 0:
        return np.empty(0, dtype=object)
    m = np.broadcast_to(np.diag([1.0, sy]), (len(xy), 2, 2))
    shift = None
    if hand is not None:
        nz = hand(xy)  # (n, 3)
        shift = nz[:, :2]
        ang = nz[:, 2]
        c, s = np.cos(ang), np.sin(ang)
        rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
        m = np.einsum("ij,njk->nik", np.diag([1.0, sy]), rot)
    return replicate(geom, m, xy, shift=shift)


def _crackle_density(amount: float, field: float) -> float:
    """Crack cells per 100×100 px: about 6 per field at full, never finer than ~12 px."""
    return crackle_density(amount, field, per=6.0, floor=40.0)


def _build(p, t, scatter, centres, corners, sy, hand, box) -> dict[str, BaseGeometry]:
    out = {
        "petals": _place(t.petals, centres, sy, hand),
        "veins": _place(t.veins, centres, sy, hand),
        "heart": _place(t.heart, centres, sy, hand),
        "stamens": _place(t.stamens, centres, sy, hand),
    }
    if p.cecek == "scatter":
        out["cecek"] = _place(scatter, centres, sy, None)
    else:
        out["cecek"] = _place(t.cecek, corners, sy, hand)
    return out


def _layers(polys: dict[str, BaseGeometry], veins: BaseGeometry, col: dict[str, Any]):
    order = ("petals", "veins", "heart", "stamens", "cecek")
    fast = ("veins", "stamens", "cecek")
    return tuple(stack_layers(order, polys, col, veins, fast=fast, opacity=0.8))


def truntum(
    params: TruntumParams | None = None,
    *,
    tile: tuple[int, int] = (1024, 1024),
    repeat: str = "block",
    rng=None,
    palette: Palette | str | None = None,
    transparent: bool = False,
) -> Pattern:
    """One seamless tile of truntum.

    Parameters
    ----------
    params : TruntumParams, optional
        The motif (default ``TruntumParams()``; ``.variant("truntum-melati")`` etc.).
    tile : (int, int)
        Tile width and height in px: ``fields`` across, the nearest whole number of
        rows down (see :func:`truntum_rows`).
    repeat : {"block", "half-drop", "half-brick"}
        How tiles are laid; every kind is seamless (half-brick needs an even field
        count).
    rng : numpy Generator or int, optional
        Seed of the maker's hand: wobble, crackle and the scattered cecek.
    palette : Palette or str, optional
        Colourway; default ``params.palette``. The dark ground is the palette's ink.
    transparent : bool
        Leave the ground undrawn for compositing.

    Returns
    -------
    Pattern
        Layers (bottom to top): ``petals``, ``crackle`` (clipped to the petals),
        ``veins``, ``heart``, ``stamens``, ``cecek``.

    Examples
    --------
    >>> p = truntum(TruntumParams.variant("truntum-melati"), tile=(300, 300))
    >>> p.metadata["motif"], p.metadata["variant"], p.background
    ('truntum', 'truntum-melati', '#1B2A4A')
    """
    p = check_params(TruntumParams, params)
    width, height = tile_size(tile)
    lattice_vectors(width, height, repeat)
    pal = tile_palette(p.palette, palette, transparent)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    rows, sy = truntum_rows(p.fields, p.grid, width, height, repeat)
    field = width / p.fields
    box = (0.0, 0.0, float(width), float(height))
    centres, corners, _, _ = _sites(p.fields, rows, p.grid, width, height, box, 0.6 * field)
    key = _shape_key(p)
    t = _templates(key, field, isen_seed)
    scatter = _scatter(key, field, isen_seed, p.grid) if p.cecek == "scatter" else None
    hand = _hand(p, width, height, field, wobble_seed, repeat)
    raw = _build(p, t, scatter, centres, corners, 1.0, hand, box)
    polys = {k: clip_to_box(v, box) for k, v in raw.items()}
    veins = MultiPolygon()
    if p.crackle > 0:
        veins = crackle(
            width, height, density=_crackle_density(p.crackle, field), rng=crackle_seed,
            repeat=repeat, vein_width=max(0.5, 0.006 * field),
        )  # fmt: skip
    col = _colours(p, pal)
    meta = {
        "motif": "truntum",
        "variant": variant_name(p),
        "palette": pal.name,
        "lattice": f"{p.fields} fields across, {rows} rows, {p.grid}",
        "stretch": f"{sy:.4f}",
    }
    return Pattern(width, height, col["background"], _layers(polys, veins, col), repeat, meta)


def _hand(p: TruntumParams, width, height, field, seed, repeat):
    if p.wobble <= 0:
        return None
    noise = noise_field(width, height, max(1.5 * field, 12.0), seed, repeat)
    amount = 0.03 * p.wobble * field

    def hand(xy: np.ndarray) -> np.ndarray:
        nz = noise(xy)
        return np.concatenate([amount * nz[:, :2], 0.08 * p.wobble * nz[:, 2:3]], -1)

    return hand


def truntum_cloth(
    params_at: Callable[[float], TruntumParams],
    *,
    size: tuple[int, int] = (1100, 2750),
    rng=None,
    palette: Palette | str | None = None,
) -> Pattern:
    """A long cloth (kain panjang) whose flowers change along its length.

    Parameters
    ----------
    params_at : callable
        ``params_at(y) -> TruntumParams`` for ``y`` from 0 (top) to 1 (foot). Each row
        of fields takes the parameters at its own height; ``fields``, ``grid`` and
        ``polarity`` (the structural ones) are read from the top.
    size : (int, int)
        Cloth width and height in px.
    rng : numpy Generator or int, optional
        Seed of the maker's hand.
    palette : Palette or str, optional
        One colourway for the whole cloth; default: the top row's ``params.palette``.

    Returns
    -------
    Pattern
        Not a repeat tile: geometry is clipped to the cloth rectangle.

    Examples
    --------
    >>> c = truntum_cloth(lambda y: TruntumParams(flower_size=0.4 + 0.4 * y), size=(200, 480))
    >>> c.size, c.metadata["motif"]
    ((200, 480), 'truntum-cloth')
    """
    rows = ClothRows(params_at, TruntumParams, size)
    width, height, top = rows.width, rows.height, rows.top
    pal = make_palette(top.palette if palette is None else palette)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    field = width / top.fields
    n_rows = math.ceil(height / field) + 1
    box = (0.0, 0.0, float(width), float(height))
    centres, corners, _, _ = _sites(top.fields, n_rows, top.grid, width, n_rows * field, box, field)
    parts: dict[str, list[np.ndarray]] = {}
    # every flower and every cecek takes the parameters at its own height
    sites = [(("c", i), y) for i, (_, y) in enumerate(centres)]
    sites += [(("k", i), y) for i, (_, y) in enumerate(corners)]
    by_row = {
        pk: ([i for w, i in keys if w == "c"], [i for w, i in keys if w == "k"])
        for pk, keys in rows.group(sites).items()
    }
    crack_max = 0.0
    for pk, (ci, ki) in by_row.items():
        key = _shape_key(pk)
        t = _templates(key, field, isen_seed)
        scatter = _scatter(key, field, isen_seed, top.grid) if pk.cecek == "scatter" else None
        hand = _hand(pk, width, height, field, wobble_seed, "block")
        raw = _build(pk, t, scatter, centres[ci], corners[ki], 1.0, hand, box)
        for k, v in raw.items():
            parts.setdefault(k, []).append(v)
        crack_max = max(crack_max, pk.crackle)
    polys = {k: clip_to_box(np.concatenate(v), box) for k, v in parts.items()}
    veins = MultiPolygon()
    if crack_max > 0:
        veins = crackle(
            width, height, density=_crackle_density(crack_max, field), rng=crackle_seed,
            vein_width=max(0.5, 0.006 * field),
        )  # fmt: skip
    col = _colours(top, pal)
    meta = {
        "motif": "truntum-cloth",
        "palette": pal.name,
        "lattice": f"{top.fields} fields across, {top.grid}",
    }
    return Pattern(width, height, col["background"], _layers(polys, veins, col), "block", meta)
