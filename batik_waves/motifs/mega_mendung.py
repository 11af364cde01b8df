"""Mega mendung (Cirebon): clouds of nested bands, dark outside to light inside.

A mega mendung cloud is a horizontal oval with a lobed top whose two ends narrow into
pointed tails that roll up into spirals. Its colour is laid in *bands*: wax lines set
side by side, with a dye bath after each, so the outermost band took every bath and
is darkest and each band inside is a shade lighter, in one hue (``BATIK.md``: seven
gradations is the master's rule, three to five on market cloth, nine also seen). The
cloud is ringed by the wax line, the cloth's own colour, outermost. Clouds tile in
staggered rows, each row partly covering the one above it. *Wadasan*, the Cirebon
rock (``form="rock"``), is drawn the same way from another outline: a mass of cut
stone rising in peaks, its flanks in straight facets that step in at ledges, every
corner filleted so the wax lines stay smooth; its bands follow every facet, like
strata, and its rows stack the other way, the lower row in front with the peaks of
the row behind rising over it.

Construction. One cloud is built once per parameter set (and cached): its silhouette
is the union of a base ellipse, a row of lobes over it and the two tails, closed by a
small radius so every join is a fillet. A tail is a stroke along a centre line
integrated from its curvature, which rises smoothly from zero (a tangent lead-out of
the body) and grows as the spiral winds in, so the curl is C¹ (tangent-continuous)
by construction; its width tapers to a point and never exceeds the curvature radius,
so its inner edge does not fold. Everything is sampled at chords under a pixel and a
half (thinned only where a line is straight to within a twentieth of a pixel), so no
facet shows even when the tile is drawn at twice its size. The bands are inward
offsets of the silhouette, ``band_spacing`` apart; an offset deeper than a tail is
wide ends in a point inside it, as the inner lines of a drawn cloud do.

The clouds sit on a lattice with vectors ``a = (W / clouds, 0)`` and ``b = (a / 2,
H / rows)``: rows are staggered by half a cloud. Which cloud covers which is decided
locally (a cloud higher up, or to the right in its row, is in front; for rock, lower
down or to the left), so the cover
is consistent on the torus and the same for every cloud: the visible part of each
band is computed once, on the prototype, and copied to every site in one vectorised
step; copies that cross the tile edge are clipped and re-enter from the other side.
The row count is the nearest to ``overlap`` that closes on the tile's repeat (even
for block, a multiple of four for half-drop, of the cloud count's parity for
half-brick), so every repeat is seamless without stretching a cloud.

>>> p = mega_mendung(MegaMendungParams(clouds=2), tile=(256, 256), rng=1)
>>> [layer.name for layer in p.layers][:4]
['crackle', 'wax-line', 'band-0', 'band-1']
>>> p.layer("band-0").geometry.is_valid
True
"""

from __future__ import annotations

import colorsys
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ._common import (
    ClothRows,
    check_params,
    clip_to_box,
    crackle_density,
    crackle_layer,
    noise_field,
    rng_seeds,
    thinned_crackle,
    tile_palette,
    tile_size,
    variant_name,
)
from ._params import MotifParams, param
from .isen import FILLERS, MIN_MARK_PX, fill
from .palette import PALETTES, Palette, mix
from .palette import palette as make_palette
from .pattern import Layer, Pattern, lattice_vectors
from .texture import crackle

__all__ = ["MegaMendungParams", "mega_mendung", "mega_mendung_cloth", "mega_mendung_rows"]

_CHORD = 1.2  # px: longest chord of a sampled curve
_SIMPLIFY = 0.06  # px: gentle curves are thinned to within this


@dataclass(frozen=True)
class MegaMendungParams(MotifParams):
    """Every parameter of a mega mendung, with its range (``BATIK.md``, "Mega mendung").

    Sizes marked "× H" are fractions of a cloud's height, so a tile looks the same at
    any pixel size.

    >>> MegaMendungParams.variants()
    ('classic', 'cirebonan', 'wadasan')
    >>> MegaMendungParams(bands=4)
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'bands' parameter of MegaMendungParams. Allowed range is 5 to 9, but got 4 instead.
    """

    clouds: int = param(
        2,
        range=(1, 12),
        unit="clouds across the tile",
        doc="Clouds per row across the tile width; the cloud width follows "
        "(span × W / clouds). Rows are staggered by half a cloud.",
        role="structural",
    )
    bands: int = param(
        7,
        range=(5, 9),
        unit="bands",
        doc="Gradations from the dark outer band to the light core (seven is the "
        "master's rule; band power can move it).",
    )
    band_spacing: float = param(
        0.05,
        range=(0.03, 0.075),
        unit="× H",
        doc="Width of each band. Deep offsets end in points inside the tails and lobes.",
    )
    span: float = param(
        0.94,
        range=(0.7, 1.15),
        unit="× horizontal pitch",
        doc="Cloud width over the distance between neighbours in a row (over 1: they "
        "overlap, the right one in front).",
    )
    aspect: float = param(
        0.6,
        range=(0.3, 1.1),
        unit="H / width",
        doc="Cloud height over its width: a horizontal oval under 1, a rock (wadasan) near 1.",
    )
    overlap: float = param(
        0.12,
        range=(0.0, 0.6),
        unit="× H",
        doc="How much each row hides of the row above it (the row count is the nearest "
        "that closes on the tile).",
    )
    lobes: int = param(3, range=(1, 6), unit="lobes", doc="Rounded lobes along the top of a cloud.")
    lobe_height: float = param(
        0.8, range=(0.0, 1.0), doc="How far the lobes rise above the body (0: a smooth oval)."
    )
    curl: float = param(
        0.85,
        range=(0.5, 1.3),
        unit="turns",
        doc="How far each tail winds into its spiral.",
    )
    curl_size: float = param(
        0.42, range=(0.3, 0.6), unit="× H", doc="Radius of the spiral where it starts."
    )
    tip_angle: float = param(
        15.0,
        range=(0.0, 90.0),
        unit="°",
        doc="Where the tails head before they curl: 0 straight out along the cloud, 90 "
        "straight up.",
    )
    wax_line: float = param(
        0.035, range=(0.0, 0.08), unit="× H", doc="The light wax line round each cloud."
    )
    form: str = param(
        "cloud",
        choices=("cloud", "rock"),
        doc="cloud: the mega mendung; rock: the wadasan, stacked rock with faceted, "
        "stepped contours rising to peaks (one per lobe; curl leans them outward and "
        "curl_size deepens the steps; the tails are the cloud's alone)",
        role="structural",
    )
    ramp: str = param(
        "ink",
        choices=("ink", "fill", "accent"),
        doc="The palette colour whose shades make the bands (one hue, darkened outside, "
        "lightened inside).",
    )
    lightest: float = param(
        0.82,
        range=(0.4, 0.95),
        doc="How far the core is lightened towards white (the darkest band is the ramp "
        "colour darkened by a quarter).",
    )
    ground: str = param(
        "cloth",
        choices=("cloth", "fill", "accent", "ink"),
        doc="The ground between clouds: the plain cloth, or a palette colour for a "
        "contrasting ground (blue clouds on red: bang-biru with 'fill').",
        role="structural",
    )
    isen: str = param("none", choices=FILLERS, doc="Isen-isen filler kind.")
    isen_where: str = param(
        "ground",
        choices=("ground", "core"),
        doc="Where the filler goes: between the clouds, or in each cloud's light core.",
    )
    isen_scale: float = param(
        0.07, range=(0.03, 0.2), unit="× H", doc="Spacing of the filler's elements."
    )
    palette: str = param("indigo", choices=PALETTES, doc="Colourway (BATIK.md).")
    crackle: float = param(
        0.25,
        range=(0.0, 1.0),
        doc="Wax crackle density (in the light ground, or in the light cores on a dyed ground).",
        role="steady",
    )
    wobble: float = param(
        0.25,
        range=(0.0, 1.0),
        doc="Canting hand: 1 moves the lines by about 1.5 % of H, smoothly.",
    )

    _VARIANTS = {  # noqa: RUF012 - read-only by convention (MotifParams)
        # blue on red, seven bands (BATIK.md: "classic colours are blue on red")
        "classic": {"palette": "bang-biru", "ground": "fill", "bands": 7},
        # red Cirebonan: red clouds, pale cores, on the cream cloth
        "cirebonan": {
            "palette": "lasem",
            "ramp": "ink",
            "ground": "cloth",
            "bands": 7,
            "lightest": 0.75,
            "isen": "cecek",
            "isen_where": "ground",
            "isen_scale": 0.06,
        },
        # wadasan: the Cirebon rock: faceted, stepped stone in three peaks, six bands
        # graded in soga, the rows stacked deep so each row's peaks rise over the last
        "wadasan": {
            "palette": "solo-sogan",
            "ramp": "ink",
            "ground": "cloth",
            "form": "rock",
            "bands": 6,
            "band_spacing": 0.05,
            "aspect": 0.8,
            "overlap": 0.45,
            "span": 0.94,
            "lobes": 3,
            "lobe_height": 0.8,
            "curl": 0.8,
            "curl_size": 0.4,
            "lightest": 0.8,
        },
    }


# ------------------------------------------------------------------ one cloud
def _ellipse(cx: float, cy: float, rx: float, ry: float) -> Polygon:
    n = int(max(24, math.ceil(math.pi * (rx + ry) / _CHORD)))
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return Polygon(np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], -1))


def _tail(
    start: np.ndarray,
    heading: float,
    half0: float,
    r0: float,
    turns: float,
    turn_sign: float,
    straight: float = 0.0,
) -> Polygon:
    """A tapering stroke that leaves *start* along *heading* (radians) and winds into
    a spiral of starting radius *r0*; its curvature rises smoothly from zero, so the
    lead-out and the spiral join without a kink. ``turn_sign`` +1 turns left (towards
    +angle), -1 right. The first *straight* px run straight (buried in the body, so
    the stroke's flat start never shows)."""
    theta = 2 * np.pi * turns
    shrink = 0.3  # the spiral's radius at its tip, over r0
    g = math.log(1 / shrink)
    lead = 0.6 * half0
    spiral = r0 * theta * (1 - math.exp(-g)) / g
    total = straight + lead + spiral
    n = int(max(200, math.ceil(total / (0.5 * _CHORD))))
    s = np.linspace(0.0, total, n)
    ramp = np.clip((s - straight) / lead, 0.0, 1.0)
    ramp = ramp * ramp * (3 - 2 * ramp)
    kappa = ramp * np.exp(g * np.clip(s - straight - lead, 0, None) / spiral) / r0
    # scale so the total turn is exactly theta (trapezoid rule)
    ds = np.diff(s)
    kappa *= theta / float(np.sum(0.5 * (kappa[1:] + kappa[:-1]) * ds))
    ang = heading + turn_sign * np.concatenate(
        [[0.0], np.cumsum(0.5 * (kappa[1:] + kappa[:-1]) * ds)]
    )
    step = np.stack([np.cos(ang), np.sin(ang)], -1)
    pts = start + np.concatenate(
        [[[0.0, 0.0]], np.cumsum(0.5 * (step[1:] + step[:-1]) * ds[:, None], axis=0)]
    )
    u = np.clip((s - straight) / (total - straight), 0.0, 1.0)
    half = half0 * (1 - u) ** 0.9
    half = np.minimum(half, 0.8 / np.maximum(kappa, 1e-9))  # never wider than the bend
    half[0] = half0
    nrm = turn_sign * np.stack([-np.sin(ang), np.cos(ang)], -1)  # towards the turn
    inner = pts + nrm * half[:, None]
    outer = pts - nrm * half[:, None]
    ring = np.concatenate([inner, outer[::-1]])
    poly = Polygon(ring)
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
    return poly


@dataclass(frozen=True)
class _Cloud:
    """One cloud, centred at the origin (y down): its nested outlines, outside first.

    ``outlines[0]`` is the silhouette with the wax line, ``outlines[1]`` the cloud
    itself, then one inward offset per band boundary; ``height`` and ``width`` in px.
    """

    outlines: tuple[BaseGeometry, ...]
    width: float
    height: float
    extent: float  # drawn height, lobes to tails


_SHAPE = (
    "bands", "band_spacing", "aspect", "lobes", "lobe_height", "curl", "curl_size",
    "tip_angle", "wax_line", "form",
)  # fmt: skip
_STEPS = 1024  # a float shape parameter is drawn to 1/1024 of its range


def _shape_key(p: MegaMendungParams) -> tuple:
    """The parameters that shape one cloud, floats snapped to 1/1024 of their range.

    A video's parameters drift a little every frame; snapped, neighbouring frames share
    one cached cloud (a step of 1/1024 of the band spacing's range is 0.004 % of H)."""
    specs = MegaMendungParams.specs()
    out = []
    for name in _SHAPE:
        v = getattr(p, name)
        if isinstance(v, float):
            lo, hi = specs[name].range
            step = (hi - lo) / _STEPS
            v = lo + round((v - lo) / step) * step
        out.append(v)
    return tuple(out)


@functools.lru_cache(maxsize=32)
def _extent(key: tuple) -> tuple[float, float, float, float]:
    """The drawn cloud's bounds (with its wax line) for a nominal width of 1."""
    x0, y0, x1, y1 = _silhouette(key, 400.0, coarse=True).bounds
    return x0 / 400, y0 / 400, x1 / 400, y1 / 400


@functools.lru_cache(maxsize=32)
def _cloud(key: tuple, width: float) -> _Cloud:
    """The cloud whose drawn width (tails and wax line included) is *width* px,
    centred on its bounds."""
    bands, spacing, aspect, *_, wax, _form = key
    x0, y0, x1, y1 = _extent(key)
    W = width / (x1 - x0)
    H = aspect * W
    sil = shapely.simplify(_silhouette(key, W), 0.5 * _SIMPLIFY)
    sil = shapely.affinity.translate(sil, -0.5 * (x0 + x1) * W, -0.5 * (y0 + y1) * W)
    q = 64
    outlines = [sil.buffer(wax * H, quad_segs=q) if wax > 0 else sil, sil]
    d = spacing * H
    for k in range(1, bands):
        inner = sil.buffer(-k * d, quad_segs=q)
        if _form == "rock":  # the facets' offsets meet in needles: trim them
            e = 0.01 * H
            inner = inner.buffer(-e, quad_segs=8).buffer(e, quad_segs=8)
        outlines.append(inner)
    outlines = [shapely.simplify(_polys(o), _SIMPLIFY) for o in outlines]
    return _Cloud(tuple(outlines), float(width), float(H), float((y1 - y0) * W))


def _silhouette(key: tuple, W: float, coarse: bool = False) -> BaseGeometry:
    """The cloud's outline for nominal width *W* px (y down, body centred at 0)."""
    _, _, aspect, lobes, lobe_h, turns, curl_size, tip_angle, wax, form = key
    H = aspect * W
    if form == "rock":
        return _rock(key, W, coarse)
    # the body: a base ellipse and a row of lobes rising over it (y down: up is -y)
    body_rx, body_ry = 0.34 * W, 0.3 * H
    body_y = 0.16 * H
    parts: list[BaseGeometry] = [_ellipse(0.0, body_y, body_rx, body_ry)]
    xs = np.linspace(-0.22 * W, 0.22 * W, lobes) if lobes > 1 else np.zeros(1)
    lobe_rx = min(0.17 * W, 0.5 * W / (lobes + 0.9))
    for i, x in enumerate(xs):
        middle = 1 - (x / (0.3 * W)) ** 2  # middle lobes stand higher
        ry = (0.17 + 0.12 * lobe_h) * H
        cy = body_y - (0.1 + 0.36 * lobe_h * (0.6 + 0.4 * middle)) * H
        rx = lobe_rx * (1.0 + 0.12 * middle) * (1.0 if i % 2 == 0 or lobes < 3 else 0.92)
        parts.append(_ellipse(float(x), float(cy), float(rx), float(ry)))
    # the tails: leave the body's ends and wind up into spirals
    half0 = 0.25 * H
    r0 = curl_size * H
    lift = math.radians(tip_angle)
    for side in (1, -1):
        start = np.array([side * 0.16 * W, body_y])
        # heading out along the cloud, lifted by tip_angle (up is -y on screen)
        heading = math.atan2(-math.sin(lift), side * math.cos(lift))
        # the right tail rolls down and back under the cloud: clockwise on screen
        parts.append(_tail(start, heading, half0, r0, turns, side, straight=0.12 * W))
    sil = shapely.union_all(parts)
    q = 4 if coarse else 64
    close = 0.08 * H
    sil = sil.buffer(close, quad_segs=q).buffer(-close, quad_segs=q)
    sil = _largest(sil)
    if coarse and wax > 0:
        sil = sil.buffer(wax * H, quad_segs=q)
    return sil


def _rock(key: tuple, W: float, coarse: bool = False) -> BaseGeometry:
    """The wadasan's outline for nominal width *W* px (y down, base at 0).

    A mass of rock whose top rises in ``lobes`` peaks, one of them (left of the
    middle) highest, the others lower by ``lobe_height``, each peak a point whose
    flanks step in at a ledge on the way up (``curl_size`` sets how deep), the outer
    peaks leaning outward (``curl``), and whose sides come down in two facets to the
    foot, which the row in front hides. Every corner is rounded by a small fillet, so
    the wax lines run smooth while the facets read as cut stone; the bands, inward
    offsets of this outline, follow every facet and step as the strata of a Cirebon
    rock do.
    """
    _, _, aspect, lobes, lobe_h, turns, curl_size, _, wax, _ = key
    H = aspect * W
    step = 0.1 + 0.6 * (curl_size - 0.3) / 0.3  # how deep a ledge steps in
    lean = 0.06 * W * (turns - 0.5) / 0.8
    t = np.linspace(0.0, 1.0, lobes) if lobes > 1 else np.full(1, 0.4)
    xs = (t - 0.5) * 0.76 * W
    hw = 0.38 * W / lobes  # half the room of one peak
    heights = H * (1.0 - lobe_h * 0.4 * np.clip(np.abs(t - 0.4) / 0.6, 0, 1) ** 0.8)
    heights = np.minimum(heights, H * (1.0 - 0.05 * np.arange(lobes) % 2))
    valleys = (
        [0.42 * H]
        + [0.45 * min(heights[k], heights[k + 1]) + 0.25 * H for k in range(lobes - 1)]
        + [0.36 * H]
    )
    pts = [(-0.5 * W, 0.0), (-0.53 * W, 0.18 * H), (-0.47 * W, 0.3 * H)]
    for k, (x, h) in enumerate(zip(xs, heights, strict=True)):
        vl, vr = valleys[k], valleys[k + 1]
        s = lean * (t[k] - 0.5) * 2 if lobes > 1 else 0.0
        pts += [
            (x - hw, vl),
            (x - 0.72 * hw, vl + 0.45 * (h - vl)),
            (x - (0.72 - 0.4 * step) * hw, vl + (0.45 + 0.12 * step) * (h - vl)),  # ledge
            (x - 0.3 * hw + 0.5 * s, vl + 0.85 * (h - vl)),
            (x + s, h),  # the point
            (x + 0.4 * hw + 0.5 * s, vr + 0.7 * (h - vr)),
            (x + (0.62 - 0.4 * step) * hw, vr + (0.55 - 0.1 * step) * (h - vr)),  # ledge
            (x + 0.62 * hw, vr + 0.42 * (h - vr)),
        ]
    pts += [(0.5 * W, valleys[-1]), (0.46 * W, 0.2 * H), (0.52 * W, 0.08 * H), (0.44 * W, 0.0)]
    pts += [(0.18 * W, -0.07 * H), (0.08 * W, -0.02 * H), (-0.24 * W, -0.08 * H)]  # the foot
    sil = _valid_polygon(Polygon([(px, -py) for px, py in pts]))
    q = 4 if coarse else 64
    r = 0.025 * H  # the fillet at every corner
    sil = sil.buffer(r, quad_segs=q).buffer(-2 * r, quad_segs=q)
    sil = _largest(sil.buffer(r, quad_segs=q))
    sil = shapely.affinity.translate(sil, 0.0, 0.5 * H)
    if coarse and wax > 0:
        sil = sil.buffer(wax * H, quad_segs=q)
    return sil


def _valid_polygon(poly: Polygon) -> BaseGeometry:
    return poly if poly.is_valid else _largest(shapely.make_valid(poly))


def _polys(g: BaseGeometry) -> BaseGeometry:
    parts = shapely.get_parts(g)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-6)]
    return shapely.multipolygons(parts) if len(parts) else MultiPolygon()


def _largest(g: BaseGeometry) -> BaseGeometry:
    parts = shapely.get_parts(g)
    parts = parts[shapely.get_type_id(parts) == 3]
    return parts[int(np.argmax(shapely.area(parts)))]


# ---------------------------------------------------------------------- lattice
def mega_mendung_rows(
    params: MegaMendungParams, width: int, height: int, repeat: str = "block"
) -> int:
    """The row count of a seamless tile: the nearest to the asked overlap that closes.

    A row is spaced ``(1 - overlap)`` of a cloud's drawn height (lobes to rolled
    tails) below the one before. Rows are staggered by half a cloud, so a block tile
    needs an even count, a half-drop tile a multiple of four, and a half-brick tile a
    count of the cloud count's parity.

    >>> mega_mendung_rows(MegaMendungParams(), 1024, 1024)
    4
    >>> mega_mendung_rows(MegaMendungParams(clouds=3), 1024, 1024, "half-brick")
    7
    """
    lattice_vectors(width, height, repeat)
    pitch = max(_row_pitch(params, width / params.clouds), 1e-9)
    ideal = height / pitch
    clouds = params.clouds
    step, first = {"block": (2, 2), "half-drop": (4, 4), "half-brick": (2, 2 - clouds % 2)}[repeat]
    candidates = np.arange(first, max(first, int(ideal) + 3 * step) + 1, step)
    return int(candidates[np.argmin(np.abs(candidates - ideal))])


def _row_pitch(p: MegaMendungParams, pitch_x: float) -> float:
    x0, y0, x1, y1 = _extent(_shape_key(p))
    drawn_h = p.span * pitch_x * (y1 - y0) / (x1 - x0)
    return drawn_h * (1 - p.overlap)


def _front_offsets(a: np.ndarray, b: np.ndarray, reach: float) -> np.ndarray:
    """Lattice offsets of the neighbours in front of a cloud (higher up, or right in
    its row) within *reach* px."""
    out = []
    for j in range(-5, 1):
        for i in range(-8, 9):
            if j == 0 and i <= 0:
                continue
            v = i * a + j * b
            if abs(v[0]) < reach and abs(v[1]) < reach:
                out.append(v)
    return np.array(out).reshape(-1, 2)


def _visible(own: _Cloud, front: list[tuple[_Cloud, np.ndarray]]) -> list[BaseGeometry]:
    """What shows of each ring of *own* (wax line, bands, core) under the clouds in
    front (each a cloud and its offset)."""
    covers = [shapely.affinity.translate(c.outlines[0], float(v[0]), float(v[1])) for c, v in front]
    cover = shapely.union_all(covers) if covers else MultiPolygon()
    rings = []
    outs = own.outlines
    for k in range(len(outs)):
        ring = outs[k] if k == len(outs) - 1 else outs[k].difference(outs[k + 1])
        if not cover.is_empty:
            ring = ring.difference(cover)
        rings.append(_polys(ring))
    return rings


# ----------------------------------------------------------------------- colours
def _ramp(base: str, n: int, lightest: float) -> list[str]:
    """*n* shades of *base*'s hue, dark to light: the lightness runs from a quarter
    below the base's to *lightest*, the saturation stays that of a dyed cloth (a grey
    ink stays grey).

    >>> _ramp("#1B2A4A", 5, 0.85)
    ['#131F39', '#2D4986', '#4970C2', '#88A2D7', '#C6D2EC']
    """
    r, g, b = (int(base[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, sat = colorsys.rgb_to_hls(r, g, b)
    if sat > 0.08:
        sat = min(0.75, max(sat, 0.5))
    lo = 0.75 * min(lum, 0.4)
    out = []
    for k in range(n):
        t = k / (n - 1)
        li = lo + (lightest - lo) * t**0.9
        rr, gg, bb = colorsys.hls_to_rgb(h, li, sat)
        out.append("#" + "".join(f"{round(255 * c):02X}" for c in (rr, gg, bb)))
    return out


def _colours(p: MegaMendungParams, pal: Palette) -> dict[str, Any]:
    base = getattr(pal, p.ramp)
    cloth = pal.ground if pal.ground is not None else "#F7F4EC"
    ramp = _ramp(base, p.bands, p.lightest)
    if p.ground == "cloth":
        ground = pal.ground
    else:
        ground = getattr(pal, p.ground)
        if pal.ground is None:
            ground = None
    light_ground = p.ground == "cloth"
    return {
        "background": ground,
        "wax-line": cloth,
        "bands": ramp,
        "isen-ground": mix(base, "#000000", 0.1) if light_ground else cloth,
        "isen-core": mix(base, "#000000", 0.1),
        "crackle": pal.crackle if light_ground else mix(base, "#000000", 0.1),
        "crackle-clip": None if light_ground else "core",
    }


# -------------------------------------------------------------------------- tile
@dataclass(frozen=True)
class _Layout:
    cloud_w: float
    a: np.ndarray
    b: np.ndarray
    rows: int


def _layout(p: MegaMendungParams, width: int, height: int, repeat: str) -> _Layout:
    pitch = width / p.clouds
    rows = mega_mendung_rows(p, width, height, repeat)
    return _Layout(
        p.span * pitch, np.array([pitch, 0.0]), np.array([pitch / 2, height / rows]), rows
    )


def _sites(lay: _Layout, box: tuple[float, float, float, float], reach: float) -> np.ndarray:
    x0, y0, x1, y1 = box
    j = np.arange(math.floor((y0 - reach) / lay.b[1]) - 1, math.ceil((y1 + reach) / lay.b[1]) + 2)
    span = math.ceil((x1 - x0 + 2 * reach) / lay.a[0]) + 4
    out = []
    for jj in j:
        sx = jj * lay.b[0]
        i0 = math.floor((x0 - reach - sx) / lay.a[0]) - 1
        i = np.arange(i0, i0 + span)
        xy = np.stack([sx + i * lay.a[0], np.full(len(i), jj * lay.b[1])], -1)
        keep = (xy[:, 0] > x0 - reach) & (xy[:, 0] < x1 + reach)
        keep &= (xy[:, 1] > y0 - reach) & (xy[:, 1] < y1 + reach)
        out.append(xy[keep])
    return np.concatenate(out) if out else np.zeros((0, 2))


def _copies(geom: BaseGeometry, sites: np.ndarray, displace=None) -> np.ndarray:
    """Copies of the polygons of *geom* moved to every site (a translation only, so
    cheaper than :func:`~.isen.replicate`'s general affine map), then displaced."""
    parts = shapely.get_parts(geom)
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    n = len(sites)
    if n == 0 or len(parts) == 0:
        return np.empty(0, dtype=object)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    moved = coords[None, :, :] + np.asarray(sites, dtype=float)[:, None, :]
    if displace is not None:
        moved += displace(moved.reshape(-1, 2)).reshape(moved.shape)
    n_rings = len(rings)
    index = (np.arange(n)[:, None] * n_rings + ring_of[None, :]).ravel()
    new = shapely.linearrings(moved.reshape(-1, 2), indices=index).reshape(n, n_rings)
    shell = np.r_[True, ring_part[1:] != ring_part[:-1]]
    n_holes = np.bincount(ring_part, minlength=len(parts)) - 1
    if n_holes.max() == 0:
        return _mended(shapely.polygons(new[:, shell].ravel()))
    h = int(n_holes.max())
    holes = np.full((n, len(parts), h), None, dtype=object)
    slot = np.arange(len(ring_part)) - np.searchsorted(ring_part, ring_part) - 1
    cols = np.flatnonzero(~shell)
    holes[:, ring_part[cols], slot[cols]] = new[:, cols]
    return _mended(shapely.polygons(new[:, shell].ravel(), holes=holes.reshape(n * len(parts), h)))


def _mended(polys: np.ndarray) -> np.ndarray:
    """*polys* with any the hand's displacement folded (a thin point of a deep band
    pushed across itself) made valid again, as polygons."""
    bad = ~shapely.is_valid(polys)
    if not bad.any():
        return polys
    fixed = shapely.get_parts(shapely.make_valid(polys[bad]))
    fixed = fixed[(shapely.get_type_id(fixed) == 3) & (shapely.area(fixed) > 1e-9)]
    return np.concatenate([polys[~bad], fixed])


def _ground_cell(
    cell: BaseGeometry, covers: list[BaseGeometry], scale: float, kind: str, seed: int
) -> BaseGeometry:
    region = cell.difference(shapely.union_all(covers)) if covers else cell
    region = region.intersection(cell.buffer(-0.25 * scale))
    if region.is_empty:
        return MultiPolygon()
    return fill(kind, region, scale=scale, rng=seed)


def _crackle_density(amount: float, cloud_h: float) -> float:
    """Crack cells per 100×100 px: about 8 per H² at full, never finer than ~20 px."""
    return crackle_density(amount, cloud_h, per=8.0, floor=60.0)


def _layers(
    polys: dict[str, BaseGeometry],
    veins: BaseGeometry,
    col: dict[str, Any],
    names: list[tuple[str, str]],
) -> list[Layer]:
    """Layers bottom to top; *names* are (layer name, colour) of the bands in order."""
    out = []
    veins_layer = crackle_layer(col["crackle"], veins, col["crackle-clip"], opacity=0.8)
    if col["crackle-clip"] is None:
        out.append(veins_layer)
    if "isen-ground" in polys:
        out.append(
            Layer("isen-ground", col["isen-ground"], polys["isen-ground"], fast_antialias=True)
        )
    out.append(Layer("wax-line", col["wax-line"], polys["wax-line"]))
    for name, colour in names:
        out.append(Layer(name, colour, polys[name]))
    if col["crackle-clip"] is not None:
        out.append(veins_layer)
    if "isen-core" in polys:
        out.append(Layer("isen-core", col["isen-core"], polys["isen-core"], fast_antialias=True))
    return out


def mega_mendung(
    params: MegaMendungParams | None = None,
    *,
    tile: tuple[int, int] = (1024, 1024),
    repeat: str = "block",
    rng=None,
    palette: Palette | str | None = None,
    transparent: bool = False,
) -> Pattern:
    """One seamless tile of mega mendung.

    Parameters
    ----------
    params : MegaMendungParams, optional
        The motif (default ``MegaMendungParams()``; ``.variant("wadasan")`` etc.).
    tile : (int, int)
        Tile width and height in px. ``clouds`` clouds across; the row count down is
        the nearest to the asked overlap that closes on the repeat (see
        :func:`mega_mendung_rows`).
    repeat : {"block", "half-drop", "half-brick"}
        How tiles are laid; every kind is seamless.
    rng : numpy Generator or int, optional
        Seed of the maker's hand: wobble, crackle and filler jitter (0 when None).
    palette : Palette or str, optional
        Colourway; default ``params.palette`` (names or hex lists).
    transparent : bool
        Leave the ground undrawn (``background=None``) for compositing.

    Returns
    -------
    Pattern
        Layers (bottom to top): ``crackle`` (on a cloth ground), ``isen-ground``,
        ``wax-line``, ``band-0`` (darkest, outside) … ``band-<n-2>``, ``core``
        (lightest), ``crackle`` (on a dyed ground: in the cores), ``isen-core``.

    Examples
    --------
    >>> p = mega_mendung(MegaMendungParams.variant("wadasan"), tile=(300, 300), rng=2)
    >>> p.metadata["motif"], p.metadata["variant"], p.layers[-1].name
    ('mega-mendung', 'wadasan', 'core')
    """
    p = check_params(MegaMendungParams, params)
    width, height = tile_size(tile)
    lattice_vectors(width, height, repeat)
    pal = tile_palette(p.palette, palette, transparent)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    lay = _layout(p, width, height, repeat)
    cloud = _cloud(_shape_key(p), lay.cloud_w)
    H = cloud.height
    reach = 0.75 * lay.cloud_w + 2
    # rock stands the other way: the lower row in front, the peaks behind rising over it
    ahead = -1.0 if p.form == "rock" else 1.0
    front = [(cloud, ahead * v) for v in _front_offsets(lay.a, lay.b, 2 * reach)]
    rings = _visible(cloud, front)
    names = _band_names(p.bands)
    col = _colours(p, pal)
    box = (0.0, 0.0, float(width), float(height))
    sites = _sites(lay, box, reach)
    displace = None
    if p.wobble > 0:
        noise = noise_field(width, height, max(0.5 * H, 12.0), wobble_seed, repeat, 2)
        amount = 0.015 * p.wobble * H

        def displace(xy):
            return amount * noise(xy)

    polys: dict[str, BaseGeometry] = {}
    polys["wax-line"] = clip_to_box(_copies(rings[0], sites, displace), box)
    for (name, _), ring in zip(names, rings[1:], strict=True):
        polys[name] = clip_to_box(_copies(ring, sites, displace), box)
    if p.isen != "none":
        scale = max(p.isen_scale * H, MIN_MARK_PX)
        if p.isen_where == "core":
            region = rings[-1].buffer(-0.3 * scale)
            marks = (
                fill(p.isen, region, scale=scale, rng=isen_seed)
                if not region.is_empty
                else MultiPolygon()
            )
            polys["isen-core"] = clip_to_box(_copies(marks, sites, displace), box)
        else:
            cell = shapely.Polygon([(0, 0), tuple(lay.a), tuple(lay.a + lay.b), tuple(lay.b)])
            offs = [i * lay.a + j * lay.b for i in range(-3, 4) for j in range(-6, 7)]
            covers = [
                shapely.affinity.translate(cloud.outlines[0].buffer(0.15 * scale), *v)
                for v in offs
                if abs(v[0]) < 3 * reach and abs(v[1]) < 3 * reach
            ]
            marks = _ground_cell(cell, covers, scale, p.isen, isen_seed)
            polys["isen-ground"] = clip_to_box(_copies(marks, sites, displace), box)
    if p.form == "rock":  # facets meet at near-touching points: snap them apart
        polys = {k: _polys(shapely.set_precision(v, 1e-3)) for k, v in polys.items()}
    veins = MultiPolygon()
    if p.crackle > 0:
        veins = crackle(
            width, height, density=_crackle_density(p.crackle, H), rng=crackle_seed,
            repeat=repeat, vein_width=max(0.6, 0.006 * H),
        )  # fmt: skip
    layers = _layers(polys, veins, col, list(zip([n for n, _ in names], col["bands"], strict=True)))
    meta = {
        "motif": "mega-mendung",
        "variant": variant_name(p),
        "palette": pal.name,
        "lattice": f"{p.clouds} clouds across, {lay.rows} rows, staggered by half",
        "cloud": f"{lay.cloud_w:.1f}×{H:.1f} px",
    }
    return Pattern(width, height, col["background"], tuple(layers), repeat, meta)


def _band_names(n: int) -> list[tuple[str, int]]:
    return [(f"band-{k}" if k < n - 1 else "core", k) for k in range(n)]


# ------------------------------------------------------------------------- cloth
def mega_mendung_cloth(
    params_at: Callable[[float], MegaMendungParams],
    *,
    size: tuple[int, int] = (1100, 2750),
    rng=None,
    palette: Palette | str | None = None,
) -> Pattern:
    """A long cloth (kain panjang) whose clouds change along its length.

    Parameters
    ----------
    params_at : callable
        ``params_at(y) -> MegaMendungParams`` for ``y`` from 0 (top) to 1 (foot). Each
        row of clouds takes the parameters at its own height; ``clouds`` and ``ground``
        (the structural ones) are read from the top, so the cloud width and the ground
        stay one across the cloth. Each row covers the row below it (rock: the row
        above it), whatever that row's parameters. Isen-isen are drawn in the cores only (``isen_where="ground"``
        is a tile feature).
    size : (int, int)
        Cloth width and height in px.
    rng : numpy Generator or int, optional
        Seed of the maker's hand.
    palette : Palette or str, optional
        One colourway for the whole cloth; default: the top row's ``params.palette``.

    Returns
    -------
    Pattern
        Not a repeat tile: geometry is clipped to the cloth rectangle. Band layers are
        split by colour where the band count or the ramp changes (``band-0``,
        ``band-0@#RRGGBB``, ...).

    Examples
    --------
    >>> c = mega_mendung_cloth(lambda y: MegaMendungParams(bands=5 + round(4 * y)),
    ...                        size=(240, 600))
    >>> c.size, c.metadata["motif"]
    ((240, 600), 'mega-mendung-cloth')
    """
    rows = ClothRows(params_at, MegaMendungParams, size)
    width, height, top = rows.width, rows.height, rows.top
    pal = make_palette(top.palette if palette is None else palette)
    wobble_seed, crackle_seed, isen_seed = rng_seeds(rng)
    pitch = width / top.clouds
    cloud_w = top.span * pitch
    h0 = top.aspect * cloud_w
    row_h = max(_row_pitch(top, pitch), 4.0)
    n_rows = math.ceil(height / row_h) + 3
    reach = 0.75 * cloud_w * 1.3 + 2
    # row j (from -1, above the cloth) at y = j·row_h; row_params[j + 1] are its params
    row_params = [rows.at(j * row_h) for j in range(-1, n_rows)]
    box = (0.0, 0.0, float(width), float(height))
    noise = noise_field(width, height, max(0.5 * h0, 12.0), wobble_seed, "block", 2)
    by_layer: dict[tuple[int, str, str], list[np.ndarray]] = {}
    isen_parts: dict[str, list[np.ndarray]] = {}
    col0 = _colours(row_params[1], pal)
    for idx, pj in enumerate(row_params):
        j = idx - 1
        cw = pj.span * pitch
        cloud = _cloud(_shape_key(pj), cw)
        # in front: the right neighbours in the row and the clouds of the two rows
        # above (as on the tile), each with its own row's parameters
        # (for rock, the other way: the left neighbours and the two rows below)
        d = -1 if top.form == "rock" else 1
        front = [(cloud, np.array([d * i * pitch, 0.0])) for i in (1, 2) if i * pitch < 2 * reach]
        for k in (1, 2):
            above = row_params[min(max(idx - d * k, 0), len(row_params) - 1)]
            cloud_a = _cloud(_shape_key(above), above.span * pitch)
            for i in range(-4, 5):
                v = np.array([(i + 0.5 * k) * pitch, -d * k * row_h])
                if abs(v[0]) < 2 * reach and k * row_h < 2 * reach:
                    front.append((cloud_a, v))
        rings = _visible(cloud, front)
        col = _colours(pj, pal)
        xs = (j * 0.5 * pitch) % pitch + np.arange(-2, top.clouds + 3) * pitch
        sites = np.stack([xs, np.full(len(xs), j * row_h)], -1)
        amount = 0.015 * pj.wobble * cloud.height

        def displace(xy, amount=amount):
            return amount * noise(xy)

        disp = displace if amount > 0 else None
        by_layer.setdefault((-1, "wax-line", col["wax-line"]), []).append(
            _copies(rings[0], sites, disp)
        )
        for (name, k), ring in zip(_band_names(pj.bands), rings[1:], strict=True):
            rank = 99 if name == "core" else k
            by_layer.setdefault((rank, name, col["bands"][k]), []).append(
                _copies(ring, sites, disp)
            )
        if pj.isen != "none" and pj.isen_where == "core":
            scale = max(pj.isen_scale * cloud.height, MIN_MARK_PX)
            region = rings[-1].buffer(-0.3 * scale)
            if not region.is_empty:
                marks = fill(pj.isen, region, scale=scale, rng=isen_seed)
                isen_parts.setdefault("isen-core", []).append(_copies(marks, sites, disp))

    def amount_at(cy: np.ndarray) -> np.ndarray:
        at = np.clip(np.round(cy / row_h).astype(int) + 1, 0, len(row_params) - 1)
        return np.array([row_params[r].crackle for r in at])

    veins = thinned_crackle(
        width,
        height,
        amount_at,
        max(pj.crackle for pj in row_params),
        density=lambda a: _crackle_density(a, h0),
        seed=crackle_seed,
        vein_width=max(0.6, 0.006 * h0),
    )
    clip = None if col0["crackle-clip"] is None else "core"
    veins_layer = crackle_layer(col0["crackle"], veins, clip, opacity=0.8)
    layers: list[Layer] = [] if clip else [veins_layer]
    seen: set[str] = set()
    for key in sorted(by_layer):
        _, base, colour = key
        name = base if base not in seen else f"{base}@{colour}"
        seen.add(base)
        layers.append(Layer(name, colour, clip_to_box(np.concatenate(by_layer[key]), box)))
        if name == "core" and clip is not None:
            layers.append(veins_layer)
    for name, arrs in isen_parts.items():
        layers.append(
            Layer(
                name, col0["isen-core"], clip_to_box(np.concatenate(arrs), box), fast_antialias=True
            )
        )
    meta = {
        "motif": "mega-mendung-cloth",
        "palette": pal.name,
        "lattice": f"{top.clouds} clouds across, rows {row_h:.1f} px apart",
    }
    return Pattern(width, height, col0["background"], tuple(layers), "block", meta)
