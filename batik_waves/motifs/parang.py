"""Parang: S-blades nested into one chain along 45° bands, the mlinjon strip between.

A parang cloth is drawn on parallel diagonal bands. Inside each band the S-shaped
blades (*lidah api*, flame tongues) interlock into one unbroken chain ("jalin-menjalin
tidak terputus"): each blade's belly lies in its neighbour's hollow and each of its
ends curls into a hook, so the band reads as a single twisted rope, not a row of
letters. Between the bands runs a narrow strip of small lozenges, the *mlinjon*, which
sets parang apart from lereng, bordered on both sides by thin continuous lines (the
*garis miring*), so the eye reads strong parallel 45° stripes first. Every band is the
same band shifted (wallpaper group p2: the blade is symmetric under a half turn).

Construction (``BATIK.md``): with ``n`` bands and ``m`` blades per band across a square
tile of side ``W`` the band period is ``D = W / (n·√2)`` and the blade spacing
``q = W / (m·√2)``, so the tile is seamless. One blade is built once per parameter set
in band units (``D = 1``) and cached. One S-curve runs from band edge to band edge: it
crosses the band at ``lean`` from the across-band direction and bows one way in the
upper half and the other in the lower (``bend``, ``sway``). Stepped along the band by
``q``, its copies part the blades: every blade is the strip between two neighbouring
copies, inset by a thin parting line, so neighbours nest by construction (a blade of
``thickness`` 0.2 or more fills its share of the band; a thinner one slims and stands
apart, as in slobog). The parting line curls into a spiral of ``hook`` radius winding
``curl`` degrees at the head of each blade, and (turned by a half turn) at its foot.
The rusak break cuts across the body only. The barong's eye (an ink almond with a
light white and an ink pupil) and the kusumo flower sit on the blade's upper body; one
mlinjon sits at the foot of each parting curve. A keris (curigo) lies along its band,
slanted a little from the band's line with its hilt low at the back and its point high
at the front, fitted between the garis miring and clear of the next keris: a blade of
seven luk drawn off its axis's normal (so the waves never fold) with the gandik and its
kembang kacang, the greneng, the ganja, and the hilt, in a row along the band. Copies are
placed with one vectorised affine map per blade, the hand of the maker (line wobble,
crackle) is added in tile coordinates from periodic noise, and the result is clipped
to the tile: what crosses an edge re-enters on the opposite side, exactly as
:func:`~batik_waves.motifs.pattern.wrap_on_torus` would fold it. When blades of
extreme parameters touch their neighbours, the layer is unioned so it stays valid.

On a tile that is not square, the bands keep 45° when the height is a whole number
of band periods ``W / n``; otherwise the tile is stretched vertically by the least
amount that makes it seamless (a 1920 × 1080 frame with ``n = 8``: 12.5 %), and the
``"parang:stretch"`` metadata entry says by how much; a stretch that tilts the bands
more than 10° off 45° also warns (:class:`~batik_waves.errors.BatikWavesWarning`).

>>> p = parang(ParangParams.variant("rusak"), tile=(400, 400), rng=1)
>>> [layer.name for layer in p.layers][:3]
['ground', 'crackle', 'blades']
>>> p.layer("blades").geometry.is_valid
True
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import shapely
from shapely.geometry import MultiLineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from ..errors import MotifError, warn
from ._common import (
    ClothRows,
    check_params,
    clip_to_box,
    noise_field,
    tile_palette,
    tile_size,
    variant_name,
)
from ._params import MotifParams, param
from .isen import FILLERS, MIN_MARK_PX, fill, replicate
from .palette import PALETTES, Palette, mix
from .pattern import REPEATS, Layer, Pattern, lattice_vectors
from .texture import crackle, seed_of

__all__ = ["DIRECTIONS", "ParangParams", "parang", "parang_cloth"]

#: Directions of the bands: Yogyakarta runs top-right → bottom-left, Surakarta
#: (Solo) top-left → bottom-right.
DIRECTIONS: tuple[str, ...] = ("yogyakarta", "surakarta")

_C = math.sqrt(0.5)


@dataclass(frozen=True)
class ParangParams(MotifParams):
    """Every parameter of a parang tile (``BATIK.md``, "Parang").

    Lengths are in units of the band period ``D`` (the distance between the centre
    lines of two neighbouring mlinjon strips) unless the unit says otherwise.

    Examples
    --------
    >>> ParangParams.variants()
    ('rusak', 'barong', 'klitik', 'curigo', 'slobog', 'kusumo', 'gendreh')
    >>> ParangParams.variant("barong").bands
    2
    >>> ParangParams(thickness=0.5)
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'thickness' parameter of ParangParams. Allowed range is 0.06 to 0.3, but got 0.5 instead.
    """

    bands: int = param(
        4,
        range=(1, 24),
        unit="per tile",
        doc="bands n across the tile's width; band period D = W / (n·√2)",
        role="structural",
    )
    blades: int = param(
        6,
        range=(1, 48),
        unit="per band per tile",
        doc="blades m along one band per tile width; blade spacing W / (m·√2) = (n/m)·D",
        role="structural",
    )
    strip: float = param(
        0.22,
        range=(0.1, 0.3),
        unit="× D",
        doc="width of the mlinjon strip between bands",
        role="structural",
    )
    bend: float = param(
        0.35,
        range=(0.2, 0.6),
        unit="× 0.6 D",
        doc="S-curve bend: how far the parting S bows, its upper half one way and its lower "
        "half the other; a keris's luk wave deeper with it",
    )
    sway: float = param(0.05, range=(0.0, 0.35), unit="× 0.5 D", doc="extra sideways bow of the S")
    lean: float = param(
        35.0,
        range=(20.0, 60.0),
        unit="°",
        doc="slant of the blades from the across-band direction (the S bows about it); a "
        "keris lies at half this slant from the band's line",
    )
    hook: float = param(
        0.14,
        range=(0.08, 0.25),
        unit="× D",
        doc="radius of the curl at each blade's head and foot (a keris: the size of its "
        "kembang kacang)",
    )
    curl: float = param(
        300.0,
        range=(120.0, 360.0),
        unit="°",
        doc="how far each curl winds in (a keris's kembang kacang winds three quarters of it)",
    )
    thickness: float = param(
        0.28,
        range=(0.06, 0.3),
        unit="× D",
        doc="blade thickness: S-blades of 0.2 or more fill their share of the band and "
        "nest into one chain, thinner ones slim in proportion and stand apart; a keris is "
        "1.2 × this wide at its base, slimmer where the row is crowded",
    )
    taper: float = param(
        0.35,
        range=(0.15, 1.0),
        unit="× line",
        doc="how thin the curl's parting line runs out at its end (it also insets the inner "
        "line from the blade's edge)",
    )
    notch: float = param(
        0.0,
        range=(0.0, 30.0),
        unit="°",
        doc="broken-blade (rusak) cut through the middle of each blade: its slant; the "
        "gap widens with the angle (0: unbroken)",
    )
    blade: str = param(
        "s", choices=("s", "keris"), doc="blade shape: the S of parang, or a keris (curigo)"
    )
    inner: str = param(
        "line",
        choices=("none", "line", "dots", "double"),
        doc="what follows the S inside each blade: a thin line, a row of cecek, two lines",
    )
    ornament: str = param(
        "none",
        choices=("none", "barong", "kusumo"),
        doc="extra ornament between blades: barong eyes, or kusumo flowers",
    )
    garis: float = param(
        0.014,
        range=(0.0, 0.04),
        unit="× D",
        doc="width of the garis miring, the two thin lines along each band edge that "
        "border the mlinjon strip; 0: none",
    )
    mlinjon: float = param(
        0.8, range=(0.6, 1.0), unit="× strip", doc="size of the mlinjon lozenges"
    )
    mlinjon_dot: float = param(
        0.35, range=(0.0, 0.6), unit="× lozenge", doc="dot inside each mlinjon (0: none)"
    )
    direction: str = param(
        "yogyakarta",
        choices=DIRECTIONS,
        doc="yogyakarta: bands from top-right to bottom-left; surakarta: top-left to bottom-right",
        role="structural",
    )
    isen: str = param("none", choices=FILLERS, doc="isen-isen filler kind")
    isen_where: str = param("ground", choices=("ground", "blades"), doc="where the filler goes")
    isen_scale: float = param(
        0.06, range=(0.03, 0.2), unit="× D", doc="spacing of the filler's elements"
    )
    outline: float = param(
        0.012, range=(0.0, 0.04), unit="× D", doc="outline (rengreng) width; 0: none"
    )
    polarity: str = param(
        "dark",
        choices=("dark", "light"),
        doc="dark: dyed blades on the light cloth; light: waxed (light) blades on a dyed ground",
        role="structural",
    )
    palette: str = param("yogya-sogan", choices=PALETTES, doc="colourway")
    crackle: float = param(
        0.6,
        range=(0.0, 4.0),
        unit="cells / 100² px",
        doc="wax crackle density (0: none)",
        role="steady",
    )
    wobble: float = param(
        0.5, range=(0.0, 3.0), unit="px", doc="canting line wobble (standard deviation)"
    )

    _VARIANTS: ClassVar[dict[str, dict[str, Any]]] = {
        "rusak": {"notch": 18.0},
        "barong": {
            "bands": 2,
            "blades": 3,
            "thickness": 0.3,
            "hook": 0.15,
            "sway": 0.0,
            "taper": 0.45,
            "inner": "double",
            "ornament": "barong",
            "notch": 10.0,
        },
        "klitik": {
            "bands": 8,
            "blades": 12,
            "thickness": 0.16,
            "inner": "none",
            "mlinjon_dot": 0.0,
            "outline": 0.0,
        },
        "curigo": {
            "blade": "keris",
            "blades": 6,
            "lean": 40.0,
            "hook": 0.1,
            "sway": 0.0,
            "thickness": 0.27,
        },
        "slobog": {
            "bands": 3,
            "blades": 3,
            "thickness": 0.12,
            "lean": 30.0,
            "sway": 0.1,
            "inner": "none",
            "isen": "cecek",
            "isen_scale": 0.07,
        },
        "kusumo": {"ornament": "kusumo", "inner": "dots"},
        "gendreh": {"bands": 3, "blades": 5, "thickness": 0.28, "hook": 0.13, "sway": 0.0},
    }

    def _check(self) -> None:
        ratio = self.bands / self.blades
        if not 0.25 <= ratio <= 2.5:
            raise MotifError(
                f"Invalid values for the 'bands' and 'blades' parameters of ParangParams: "
                f"the blade spacing bands/blades must be 0.25 to 2.5 band periods, but got "
                f"{self.bands}/{self.blades} = {ratio:.3g} instead."
            )
        body = (1.0 - self.strip) / 2 - self.hook - self.thickness / 2
        if body < 0.05:
            raise MotifError(
                f"Invalid values for the 'strip', 'hook' and 'thickness' parameters of "
                f"ParangParams: the blade does not fit its band ((1 - strip)/2 - hook - "
                f"thickness/2 must be at least 0.05), but got strip={self.strip}, "
                f"hook={self.hook}, thickness={self.thickness} ({body:.3g})."
            )

    def mix(self, other: ParangParams, t: float) -> ParangParams:
        """Parameters *t* of the way from these to *other* (for tumurun cloths).

        Numbers are interpolated (whole numbers rounded); choices switch at ``t = 0.5``.

        >>> a, b = ParangParams.variant("rusak"), ParangParams.variant("barong")
        >>> round(a.mix(b, 0.5).thickness, 3)
        0.29
        """
        if not 0.0 <= t <= 1.0:
            raise MotifError(f"Invalid value for the 't' parameter of mix: 0 to 1, got {t!r}.")
        out = {}
        for name, spec in self.specs().items():
            a, b = getattr(self, name), getattr(other, name)
            if spec.range is not None:
                v = a + (b - a) * t
                out[name] = round(v) if isinstance(spec.default, int) else v
            else:
                out[name] = a if t < 0.5 else b
        return type(self)(**out)


# ====================================================================== geometry
# Local blade frame, band units (D = 1): x runs along the band, y across it.


def _cubic(p: np.ndarray, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (
        (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2] + t**3 * p[3]
    )


def _spiral(
    start: np.ndarray,
    heading: np.ndarray,
    radius: float,
    sweep: float,
    n: int,
    shrink: float = 0.5,
):
    """A clockwise hook leaving *start* along *heading*, its radius shrinking by *shrink*."""
    phi = np.linspace(0.0, sweep, n)
    r = radius * (1.0 - shrink * phi / max(sweep, 1e-9))
    h = heading / np.linalg.norm(heading)
    centre = start + radius * np.array([h[1], -h[0]])  # on the right of the heading
    a0 = math.atan2(start[1] - centre[1], start[0] - centre[0])
    ang = a0 - phi
    return centre + np.stack([np.cos(ang), np.sin(ang)], -1) * r[:, None]


#: blades this thick (× D) or more fill their share of the band and nest
_FULL = 0.2


def _divider(pr: ParangParams, y: np.ndarray, height: float) -> np.ndarray:
    """The S-curve that parts neighbouring blades: its along-band position at *y*.

    It crosses the band at ``lean`` from the across-band direction and bows one way in
    the band's upper half and the other way in its lower half (``bend``, ``sway``), so
    it is odd in *y* and every blade between two of its copies is an S turned by a half
    turn into itself (p2).
    """
    bow = -(0.6 * pr.bend + 0.5 * pr.sway)
    return y * math.tan(math.radians(pr.lean)) + bow * np.sin(np.pi * y / height)


def _nested_s(pr: ParangParams, half_band: float, q: float):
    """One S-blade of a nesting band: the strip between two neighbouring dividers.

    Returns the blade (band units, centred on the blade), its midline and the half
    width across the midline. BATIK.md's drawing recipe: one S-curve from band edge to
    band edge is stepped along the band at the blade spacing ``q`` and every blade is
    the strip between two neighbouring curves, inset by a thin gap, so each belly
    lies in the next blade's hollow and the band reads as one chain. A blade of
    ``thickness`` 0.2 or more fills its share of the band and touches its neighbours
    along that thin gap; a thinner one slims in proportion and leaves ground between
    them (slobog). The gap curls into
    the head of the blade at its upper left, and (turned by a half turn) at its lower
    right: a spiral of ``hook`` radius winding ``curl`` degrees, so every blade ends in
    a hook that curls into its neighbour's hollow.
    """
    height = half_band - 0.01 - pr.garis / 2  # clear of the garis miring
    width = min(q - 0.03, q * pr.thickness / _FULL)  # along the band
    gap = q - width
    y = np.linspace(-height, height, 97)
    mid = _divider(pr, y, height)
    left = np.stack([mid - width / 2, y], -1)
    right = np.stack([mid + width / 2, y], -1)
    blade = _valid(Polygon(np.concatenate([left, right[::-1]])))
    # across the midline the blade is narrower than along the band by the slope's cosine
    slope = np.gradient(mid, y)
    cos = 1.0 / np.sqrt(1.0 + slope**2)
    half = 0.5 * width * cos
    line = np.stack([mid, y], -1)
    # the curl's line (half width): as wide as the parting between blades, but always
    # visible and never a trench
    groove = float(np.clip(0.5 * gap * cos.mean(), 0.012, 0.022))
    radius = min(pr.hook, 0.4 * float(half.min()) * 2, 0.3 * height)
    rc = min(0.04, 0.3 * float(half.min()))
    blade = blade.buffer(-rc, quad_segs=6).buffer(rc, quad_segs=6)  # round the corners
    cuts = []
    curls = np.empty((0, 2))
    if radius > 2.5 * groove:
        yc = height - 1.6 * radius
        xc = float(_divider(pr, np.array([yc]), height)[0]) - width / 2
        k = float(np.interp(yc, y, slope))
        heading = np.array([k, 1.0])
        n = max(24, int(pr.curl / 6))
        start = np.array([xc - groove, yc])
        lead = np.stack([np.linspace(xc - 2.5 * groove, start[0], 3), np.full(3, yc)], -1)
        spiral = _spiral(start, heading, radius, math.radians(pr.curl), n, 0.55)
        path = np.concatenate([lead[:-1], spiral])
        taper = np.r_[np.full(len(lead) - 1, groove), groove * np.linspace(1.0, pr.taper, n)]
        head = _valid(Polygon(_stroke_ring(path, taper)))
        cuts = [head, shapely.affinity.rotate(head, 180, origin=(0, 0))]
        h = heading / np.linalg.norm(heading)
        eye = start + radius * np.array([h[1], -h[0]])  # the spiral's centre
        curls = np.stack([eye, -eye])
        blade = _polys(blade.difference(shapely.union_all(cuts)))
        if len(blade.geoms) > 1:  # a curl that cut a sliver off: keep the blade
            blade = max(blade.geoms, key=lambda g: g.area)
    return _polys(blade), line, half, (shapely.union_all(cuts) if cuts else None), curls


def _almond(length: float, width: float, n: int = 33) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n)[:-1]
    return np.stack([length * np.cos(a), width * np.sin(a) * np.abs(np.sin(a)) ** 0.2], -1)


def _blade_ornament(
    pr: ParangParams, line: np.ndarray, half: np.ndarray, blade: BaseGeometry
) -> tuple[BaseGeometry, BaseGeometry]:
    """The barong's eye or the kusumo flower, set on the body of a nested S-blade.

    Both sit on the upper body, clear of the rusak break in the middle, along the
    blade's midline. The eye is an almond in the ink with a light white and an ink
    pupil (the ``ornament`` layer under ``ornament-dots``, which holds the white with
    a hole for the pupil), so it reads as an eye on either polarity.
    """
    i = int(0.64 * len(line))
    c, h = line[i], float(half[i])
    t = line[min(i + 1, len(line) - 1)] - line[max(i - 1, 0)]
    turn = math.degrees(math.atan2(t[1], t[0]))
    room = blade.buffer(-0.15 * h)
    if pr.ornament == "barong":
        outer = Polygon(_rotate(_almond(1.25 * h, 0.55 * h), turn) + c)
        white = Polygon(_rotate(_almond(1.0 * h, 0.38 * h), turn) + c)
        pupil = shapely.Point(*c).buffer(0.26 * h, quad_segs=6)
        ornament, dots = outer, white.difference(pupil)
    else:
        petals = []
        for k in range(4):
            ang = math.radians(turn + 45 + 90 * k)
            d = np.array([math.cos(ang), math.sin(ang)])
            petals.append(
                Polygon(
                    _rotate(_almond(0.42 * h, 0.2 * h, 17), math.degrees(ang)) + c + d * 0.42 * h
                )
            )
        ornament = shapely.union_all([*petals, shapely.Point(*c).buffer(0.2 * h, quad_segs=4)])
        dots = shapely.Point(*c).buffer(0.13 * h, quad_segs=4)
    for k in (1.0, 0.85, 0.7, 0.55):  # shrink about its centre until it sits on the blade
        o = shapely.affinity.scale(ornament, k, k, origin=tuple(c))
        if room.contains(o) or k == 0.55:
            ornament = o.intersection(room)
            dots = shapely.affinity.scale(dots, k, k, origin=tuple(c)).intersection(room)
            break
    return _polys(ornament), _polys(dots)


def _keris_rings(length: float, half: float, pr: ParangParams) -> tuple[dict, np.ndarray]:
    """One keris in its own frame: the blade along +x from its base (x = 0) to the tip.

    Returns the outlines of its pieces (numpy rings: ``blade``, ``curl``, ``ganja``,
    ``mendak``, ``handle``), the blade's centre line and its half width along it. The
    blade waves in seven luk off a straight axis (edges drawn off the axis's normal, so
    the waves never fold), narrowing slowly and then to a sharp point. The gandik (the
    thick front of the base) carries the kembang kacang, a trunk that curls back over
    the base (``curl``, and ``hook`` for its size); :func:`_keris_shape` bites the
    greneng out of the back of the base. The ganja is the cross-piece under the blade,
    full at the front (*sirah cecak*) and drawn to a point at the back (*buntut
    cecak*); the hilt (a collar, the *mendak*, and the handle) bows a little forward.
    """
    u = np.linspace(0.0, 1.0, 161)
    x = u * length
    # luk: 7 bends after the gandik, their depth set by bend, fading towards the point
    s = np.clip((u - 0.2) / 0.8, 0.0, 1.0)
    ramp = np.clip((u - 0.12) / 0.12, 0.0, 1.0) ** 2
    amp = (0.15 + 0.4 * pr.bend) * half
    luk = amp * ramp * np.sin(3.5 * 2 * math.pi * s) * (1.0 - 0.5 * s)
    width = half * (1.0 - 0.45 * u) * np.sqrt(np.clip(1.0 - u**5, 0.0, 1.0)) + 1e-4
    gandik = 0.28 * half * np.exp(-(((u - 0.05) / 0.07) ** 4))  # the thick front of the base
    line = np.stack([x, luk], -1)
    top = np.stack([x, luk + width + gandik], -1)  # front edge (the gandik side)
    bottom = np.stack([x, luk - width], -1)  # back edge (the greneng side)
    rings = {"blade": np.concatenate([top, bottom[::-1]])}
    # kembang kacang: a trunk off the gandik's front, curling over and back to the hilt
    kk = 0.55 * half * (0.7 + 0.6 * (pr.hook - 0.08) / 0.17)
    foot = np.array([0.12 * length, 1.1 * half])
    centre = foot + np.array([-kk, 0.9 * kk])
    phi = np.linspace(0.0, math.radians(0.75 * pr.curl), 40)
    r = kk * (1.0 - 0.4 * phi / phi[-1])
    arc = centre + np.stack([np.cos(phi), np.sin(phi)], -1) * r[:, None]
    trunk = np.concatenate([np.linspace(foot, arc[0], 5)[:-1], arc])
    rings["curl"] = _stroke_ring(trunk, 0.16 * half * np.linspace(1.0, 0.45, len(trunk)))
    # the ganja: thin along the axis, longer than the base is wide
    g = 0.32 * half
    front, back = 1.55 * half, -1.45 * half
    yy = np.linspace(back, front, 40)
    f = (yy - back) / (front - back)  # 0 at the tail, 1 at the head
    depth = g * np.sqrt(f) * (0.55 + 0.45 * f)  # pointed tail, full head
    rings["ganja"] = np.concatenate(
        [np.stack([np.zeros(40), yy[::-1]], -1), np.stack([-depth, yy], -1)]
    )
    # the hilt: a collar (mendak) and the handle, bowing a little to the front
    m = 0.22 * half
    a = np.linspace(0.0, 2 * math.pi, 33)[:-1]
    rings["mendak"] = np.stack(
        [-g - 0.9 * m + m * np.cos(a), 0.05 * half + 0.78 * half * np.sin(a)], -1
    )
    hu = np.linspace(0.0, 1.0, 25)
    grip = np.stack([-g - 1.6 * m - hu * 0.2 * length, 0.05 * half + 0.45 * half * hu**2], -1)
    hw = half * (0.4 + 0.1 * hu + 0.12 * np.exp(-(((hu - 0.8) / 0.2) ** 2)))
    rings["handle"] = _stroke_ring(grip, hw)
    return rings, line, width


def _keris_shape(rings: dict, half: float) -> BaseGeometry:
    """The keris's pieces as polygons, each parted from the next by a thin line of the
    ground, as the wax draws them, with the greneng's bites out of the blade's back."""
    blade = shapely.union_all([_valid(Polygon(rings["blade"])), _valid(Polygon(rings["curl"]))])
    line = rings["blade"]
    base = line[len(line) // 2 :][::-1]  # the back edge from the base
    length = float(line[len(line) // 2 - 1, 0])
    bites = []
    for f in (0.05, 0.1):
        y = float(np.interp(f * length, base[:, 0], base[:, 1]))
        bites.append(shapely.Point(f * length, y - 0.04 * half).buffer(0.14 * half, quad_segs=4))
    blade = blade.difference(shapely.union_all(bites))
    part = 0.1 * half
    ganja = Polygon(rings["ganja"]).buffer(0.04 * half, quad_segs=4)
    ganja = ganja.difference(blade.buffer(part, quad_segs=4))
    mendak = Polygon(rings["mendak"]).difference(ganja.buffer(part, quad_segs=4))
    handle = _valid(Polygon(rings["handle"])).difference(mendak.buffer(part, quad_segs=4))
    return _polys(shapely.union_all([blade, ganja, mendak, handle]))


def _keris(pr: ParangParams, half_band: float, q: float):
    """A keris laid along its band: slanted by half the ``lean`` from the band's line,
    the hilt low at the back and the point high at the front, fitted to the band.

    Its length is what fills the band's height between the garis miring at that slant;
    its half width at the base is 0.6 ``thickness`` (never more than a keris's
    proportions allow), slimmed, and if need be stood steeper, until it clears the next
    keris along the band by the blades' gap, so each keris keeps its own place in the
    row. The fit works on the outlines' points; the polygons are built once.
    Returns the keris, its centre line and half width (band units, centred).
    """
    target = half_band - 0.01 - pr.garis / 2  # clear of the garis miring
    gap = _GAP * max(0.5, min(1.0, pr.thickness / 0.2))
    half = 0.6 * pr.thickness
    alpha = math.radians(pr.lean / 2)

    def place(length: float, half: float, alpha: float):
        rings, line, width = _keris_rings(length, half, pr)
        c, s = -math.cos(alpha), -math.sin(alpha)  # the point runs back along the band
        rot = np.array([[c, s], [-s, c]])
        pts = np.concatenate(list(rings.values())) @ rot
        lo, hi = pts.min(axis=0) - 0.04 * half, pts.max(axis=0) + 0.04 * half
        shift = -(lo + hi) / 2
        placed = {k: v @ rot + shift for k, v in rings.items()}
        return rings, placed, (rot, shift), line @ rot + shift, width, float(hi[1] - lo[1])

    for _ in range(32):
        a, b = 0.5, 3.0
        ea, eb = place(a, half, alpha)[-1], place(b, half, alpha)[-1]
        length = a + (2 * target - ea) * (b - a) / (eb - ea)
        for _ in range(2):
            e = place(length, half, alpha)[-1]
            length += (2 * target - e) * (b - a) / (eb - ea)
        rings, placed, (rot, shift), line, width, extent = place(max(length, 0.05), half, alpha)
        if half > length / 11:  # never stubbier than a keris
            half = length / 11
            continue
        pieces = [_valid(Polygon(v)) for v in placed.values()]
        keris = shapely.union_all(pieces)
        if keris.distance(shapely.affinity.translate(keris, q, 0.0)) >= gap:
            break
        if half > 0.35 * pr.thickness or alpha >= math.radians(60):
            half *= 0.85  # slimmer first; at the steepest, slimmer still
        else:
            alpha += math.radians(4)
    keris = shapely.affinity.affine_transform(_keris_shape(rings, half), [*rot.T.ravel(), *shift])
    if extent > 2 * target:  # the slimmest keris at its steepest: shrink it into the band
        k = 2 * target / extent
        keris = shapely.affinity.scale(keris, k, k, origin=(0, 0))
        line, width = line * k, width * k
    return keris, line, width


def _rotate(xy: np.ndarray, degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    m = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return xy @ m.T


def _normals(line: np.ndarray) -> np.ndarray:
    t = np.gradient(line, axis=0)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    return np.stack([-t[:, 1], t[:, 0]], -1)


def _curvature_limit(line: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Half-widths no larger than 0.9 × the local radius of curvature (no folds)."""
    d1 = np.gradient(line, axis=0)
    d2 = np.gradient(d1, axis=0)
    cross = np.abs(d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0])
    speed = np.linalg.norm(d1, axis=1)
    with np.errstate(divide="ignore"):
        radius = np.where(cross > 1e-12, speed**3 / np.maximum(cross, 1e-12), np.inf)
    return np.minimum(half, 0.9 * radius)


def _stroke_ring(line: np.ndarray, half: np.ndarray, cap: int = 8) -> np.ndarray:
    """Outline ring of a variable-width stroke with round ends."""
    nrm = _normals(line)
    left = line + nrm * half[:, None]
    right = line - nrm * half[:, None]
    phi = np.linspace(0.0, math.pi, cap + 2)[1:-1]

    def end_cap(c, n, h, sign):
        a = math.atan2(n[1], n[0])
        ang = a - phi if sign > 0 else a + math.pi - phi
        return c + h * np.stack([np.cos(ang), np.sin(ang)], -1)

    ring = np.concatenate(
        [
            left,
            end_cap(line[-1], nrm[-1], half[-1], +1),
            right[::-1],
            end_cap(line[0], nrm[0], half[0], -1),
        ]
    )
    return np.vstack([ring, ring[:1]])


def _valid(poly: BaseGeometry) -> BaseGeometry:
    if poly.is_valid:
        return poly
    return _polys(shapely.make_valid(poly, method="structure"))


def _stroke(line: np.ndarray, half: np.ndarray) -> BaseGeometry:
    return _valid(Polygon(_stroke_ring(line, _curvature_limit(line, half))))


def _polys(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of *geom*, as a MultiPolygon."""
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_type_id(parts) == 3]
    return MultiPolygon(list(parts)) if len(parts) else MultiPolygon()


def _shape_key(pr: ParangParams) -> tuple:
    names = (
        "bands blades strip bend sway lean hook curl thickness taper notch blade inner "
        "ornament mlinjon mlinjon_dot garis"
    ).split()
    return tuple(getattr(pr, n) for n in names)


@dataclass(frozen=True)
class _Proto:
    """One blade and its companions in band units, centred on the blade."""

    blade: BaseGeometry  # the blade (MultiPolygon)
    centre: np.ndarray  # its centre line (for outlines)
    inner: BaseGeometry  # inner line / dots in the ground colour
    near: BaseGeometry  # this blade and two neighbours each way along the band
    half_band: float
    ornament: BaseGeometry  # barong eyes / kusumo flowers (accent)
    ornament_dots: BaseGeometry
    mlinjon: BaseGeometry  # lozenge of the strip below the blade's band, in blade coords
    mlinjon_dot: BaseGeometry
    spacing: float  # blade spacing along the band (band units)
    radius: float  # reach of everything from the blade's centre
    overlaps: bool  # True when a blade touches its neighbours (union needed)
    curls: np.ndarray = dataclasses.field(default_factory=lambda: np.empty((0, 2)))
    # the centres of the S-blade's head curls (band units; none for the keris)
    thickness: float = 0.0

    @functools.cached_property
    def cell(self) -> BaseGeometry:
        """The ground between this blade and the next (for fillers), made when a filler
        asks for it: a buffer of five blades, 1-2 ms a prototype that most never need."""
        cell_box = box(0.0, -self.half_band, self.spacing, self.half_band)
        return _polys(cell_box.difference(self.near.buffer(0.35 * self.thickness)))


@functools.lru_cache(maxsize=64)
def _proto_cached(key: tuple) -> _Proto:
    pr = ParangParams(**dict(zip(_SHAPE_NAMES, key, strict=True)))
    return _build_proto(pr)


#: the narrow gap between neighbouring blades along a band (band units)
_GAP = 0.035

_SHAPE_NAMES = (
    "bands blades strip bend sway lean hook curl thickness taper notch blade inner "
    "ornament mlinjon mlinjon_dot garis"
).split()


def _proto(pr: ParangParams) -> _Proto:
    return _proto_cached(_shape_key(pr))


def _build_proto(pr: ParangParams) -> _Proto:
    half_band = (1.0 - pr.strip) / 2
    q = pr.bands / pr.blades
    grooves = None
    curls = np.empty((0, 2))
    if pr.blade == "s":
        blade, line, half, grooves, curls = _nested_s(pr, half_band, q)
    else:
        blade, line, half = _keris(pr, half_band, q)
    gap = _GAP * max(0.5, min(1.0, pr.thickness / 0.2))

    def neighbours(b: BaseGeometry) -> BaseGeometry:
        return shapely.union_all([shapely.affinity.translate(b, k * q, 0) for k in (-1, 1)])

    near = neighbours(blade)
    if pr.blade == "keris" and blade.distance(near) < gap:
        blade = _polys(blade.difference(near.buffer(gap, quad_segs=6)))
        blade = max(blade.geoms, key=lambda g: g.area) if len(blade.geoms) > 1 else blade

    # the rusak break: a slanted gap through the middle of the blade
    gap_geom = None
    if pr.notch > 0:
        mid = len(line) // 2 if pr.blade == "s" else int(len(line) * 0.62)
        t = np.gradient(line, axis=0)[mid]
        t /= np.linalg.norm(t)
        d = _rotate(np.array([[-t[1], t[0]]]), pr.notch)[0]  # across the blade, slanted
        g = pr.thickness * (0.03 + 0.05 * pr.notch / 30.0)  # half the gap
        c = line[mid]
        long = 1.3 * half[mid] / math.cos(math.radians(pr.notch))  # across the body only
        if pr.blade == "s":
            # the S bends: reach the blade's edges wherever they are, slanting the way
            # that crosses the body the shortest (not lengthwise along a curved blade)
            best = None
            for sign in (1.0, -1.0):
                dd = _rotate(np.array([[-t[1], t[0]]]), sign * pr.notch)[0]
                seg = shapely.LineString([c - 4 * dd * long, c + 4 * dd * long])
                point = shapely.Point(*c)
                parts = [
                    s
                    for s in shapely.get_parts(seg.intersection(blade))
                    if s.distance(point) < 1e-9
                ]
                if parts:
                    a, b = np.asarray(parts[0].coords)[[0, -1]]
                    reach = 0.03 + max(float(np.linalg.norm(a - c)), float(np.linalg.norm(b - c)))
                    if best is None or reach < best[0]:
                        best = (reach, dd)
            if best is not None:
                long, d = best
        gap_geom = Polygon(
            [c + d * long + t * g, c - d * long + t * g, c - d * long - t * g, c + d * long - t * g]
        )
        blade = _polys(blade.difference(gap_geom))
    blade = _polys(shapely.simplify(blade, 0.001))

    # inner line / dots following the S (ground colour on the blade)
    n = len(line)
    lo, hi = int(0.06 * n), int(0.94 * n)
    if pr.blade == "s":  # clear of the curls at both ends
        lo, hi = int(0.16 * n), int(0.84 * n)
    if pr.blade == "keris":
        lo, hi = int(0.08 * n), int(0.8 * n)
    inner: BaseGeometry = MultiPolygon()
    if pr.inner == "line":
        inner = _stroke(line[lo:hi], np.minimum(0.09 * half[lo:hi], 0.018))
    elif pr.inner == "double":
        nrm = _normals(line)[lo:hi]
        off = 0.5 * half[lo:hi, None] * nrm
        w = np.maximum(0.07 * half[lo:hi], 0.008)
        inner = shapely.union_all([_stroke(line[lo:hi] + off, w), _stroke(line[lo:hi] - off, w)])
    elif pr.inner == "dots":
        seg = np.linalg.norm(np.diff(line, axis=0), axis=1)
        s = np.r_[0.0, np.cumsum(seg)]
        step = 1.15 * pr.thickness * 0.5
        at = np.arange(s[lo], s[hi], step)
        idx = np.searchsorted(s, at).clip(0, n - 1)
        r = 0.2 * half[idx]
        inner = shapely.union_all(
            [shapely.Point(line[i]).buffer(ri, quad_segs=3) for i, ri in zip(idx, r, strict=True)]
        )
    if gap_geom is not None and not inner.is_empty:
        inner = inner.difference(gap_geom.buffer(0.1 * pr.thickness))
    if grooves is not None and not inner.is_empty:
        inner = inner.difference(grooves.buffer(0.03))
    inner = inner.intersection(blade.buffer(-0.1 * pr.taper * pr.thickness))
    inner = _polys(shapely.simplify(inner, 0.001))

    # this blade and two neighbours each way: what the ground cell (fillers) and the
    # ornaments' room are cut from
    near = shapely.union_all(
        [shapely.affinity.translate(blade, k * q, 0) for k in (-2, -1, 0, 1, 2)]
    )
    overlaps = blade.intersects(shapely.affinity.translate(blade, q, 0))

    # ornaments set in the ground cell, where it is roomiest
    ornament: BaseGeometry = MultiPolygon()
    ornament_dots: BaseGeometry = MultiPolygon()

    def room() -> BaseGeometry:  # the ground cell clear of the blades and the garis miring
        inset = pr.garis / 2 + 0.03
        room_box = box(0.0, -half_band + inset, q, half_band - inset)
        return _polys(room_box.difference(near.buffer(0.06 * pr.thickness)))

    if pr.blade == "s" and pr.ornament != "none":
        ornament, ornament_dots = _blade_ornament(pr, line, half, blade)
        if not inner.is_empty:
            inner = _polys(inner.difference(ornament.buffer(0.02)))
    elif pr.ornament != "none" and not (space := room()).is_empty:
        biggest = max(space.geoms, key=lambda g: g.area)
        centre = polylabel(biggest, tolerance=0.002)
        room = biggest.exterior.distance(centre)
        cx, cy = centre.x, centre.y
        if pr.ornament == "barong" and room > 0.02:
            # the barong's eye: an almond along the ground it sits in, a pupil inside
            a = np.linspace(0, 2 * np.pi, 33)[:-1]
            length, width = 2.4 * room, 0.8 * room
            eye = np.stack([length * np.cos(a), width * np.sin(a) * np.abs(np.sin(a)) ** 0.2], -1)
            best = None
            for turn in range(0, 180, 15):  # the direction that holds the largest eye
                cand = Polygon(_rotate(eye, turn) + np.array([cx, cy]))
                inside = cand.intersection(biggest).area / cand.area
                if best is None or inside > best[0] + 1e-9:
                    best = (inside, cand)
            ornament = best[1]
            ornament_dots = shapely.Point(cx, cy).buffer(0.3 * width, quad_segs=4)
        elif pr.ornament == "kusumo" and room > 0.02:
            petals = []
            rr = 1.6 * room
            for k in range(4):
                ang = math.radians(45 + 90 * k - pr.lean)
                d = np.array([math.cos(ang), math.sin(ang)])
                petals.append(
                    shapely.affinity.rotate(
                        shapely.affinity.scale(
                            shapely.Point(0, 0).buffer(1, quad_segs=6), 0.5, 0.26
                        ),
                        math.degrees(ang),
                        origin=(0, 0),
                    )
                )
                petals[-1] = shapely.affinity.translate(
                    shapely.affinity.scale(petals[-1], rr, rr, origin=(0, 0)),
                    cx + d[0] * 0.5 * rr,
                    cy + d[1] * 0.5 * rr,
                )
            heart = shapely.Point(cx, cy).buffer(0.2 * rr, quad_segs=4)
            flower = shapely.get_parts(shapely.union_all([*petals, heart]))
            ornament = shapely.union_all([Polygon(g.exterior) for g in flower])  # no slivers
            ornament_dots = shapely.Point(cx, cy).buffer(0.16 * rr, quad_segs=4)
        # shrink about its centre until it sits in the ground, clear of the blades
        fits = biggest.buffer(-0.01)
        for k in (1.0, 0.85, 0.7, 0.55, 0.4):
            o = shapely.affinity.scale(ornament, k, k, origin=(cx, cy))
            if fits.contains(o) or k == 0.4:
                ornament = o
                ornament_dots = shapely.affinity.scale(ornament_dots, k, k, origin=(cx, cy))
                break
        ornament = _polys(ornament)
        ornament_dots = _polys(ornament_dots)

    # the mlinjon lozenge on the strip below this band, midway between blade tips
    sh = pr.strip * pr.mlinjon / 2
    sl = sh * 1.35
    lozenge = Polygon([(sl, 0.0), (0.0, sh), (-sl, 0.0), (0.0, -sh)])
    y0 = -half_band - pr.strip / 2
    # at the foot of the curve that parts this blade from the next (S-blades)
    x0 = q / 2 - (half_band * math.tan(math.radians(pr.lean)) if pr.blade == "s" else 0.0)
    mlinjon = shapely.affinity.translate(lozenge, x0, y0)
    mdot = MultiPolygon()
    if pr.mlinjon_dot > 0:
        mdot = _polys(shapely.Point(x0, y0).buffer(pr.mlinjon_dot * sh, quad_segs=4))
    reach = float(np.max(np.abs(line)) + pr.thickness + q + 1.0)
    reach = max(reach, float(np.max(np.abs(blade.bounds))) + q + 0.5)
    return _Proto(
        blade=blade,
        centre=line,
        inner=inner,
        near=near,
        half_band=half_band,
        ornament=ornament,
        ornament_dots=ornament_dots,
        mlinjon=_polys(mlinjon),
        mlinjon_dot=mdot,
        spacing=q,
        radius=reach,
        overlaps=bool(overlaps),
        curls=curls,
        thickness=pr.thickness,
    )


# ====================================================================== layout
@dataclass(frozen=True)
class _Layout:
    """Where the blades go: the tile's lattice in band units and the map to pixels."""

    width: float
    height: float
    design_height: float  # the height before the vertical stretch
    stretch: float  # design → tile vertical scale
    band: float  # band period D in px
    shift: float  # along-band shift between neighbouring bands (band units)
    mirror: bool

    @property
    def matrix(self) -> np.ndarray:
        """Linear part of the map from band units to tile px."""
        m = self.band * _C * np.array([[1.0, 1.0], [1.0, -1.0]])
        flip = np.diag([-1.0 if self.mirror else 1.0, self.stretch])
        return flip @ m

    def to_tile(self, tw: np.ndarray) -> np.ndarray:
        """Band coordinates (t along, w across; band units) → tile px."""
        xy = tw @ (self.band * _C * np.array([[1.0, 1.0], [1.0, -1.0]])).T
        if self.mirror:
            xy[:, 0] = self.width - xy[:, 0]
        xy[:, 1] *= self.stretch
        return xy


def _layout(pr: ParangParams, width: int, height: int, repeat: str) -> _Layout:
    n, m = pr.bands, pr.blades
    p = width / n  # band period along x (u = x + y units); D = p / √2
    q = width / m
    k = max(1, round(height / p))
    if repeat == "half-drop" and k % 2:
        k = k + 1 if abs(height / p - (k + 1)) <= abs(height / p - (k - 1)) or k == 1 else k - 1
    if repeat == "half-brick" and n % 2:
        raise MotifError(
            f"parang: a half-brick repeat needs an even number of bands, but got "
            f"bands={n}; use bands={n + 1} or the block / half-drop repeat."
        )
    hd = k * p
    vectors = lattice_vectors(width, hd, repeat)
    shift = _band_shift(vectors, p, q)
    if shift is None:
        raise MotifError(
            f"parang: cannot make a seamless {repeat} tile of {width:g} × {height:g} px with "
            f"bands={n} and blades={m}; try the block repeat or another blade count."
        )
    stretch = height / hd
    angle = math.degrees(math.atan(stretch))
    if abs(angle - 45.0) > 10.0:
        warn(
            f"parang: a {width} × {height} px tile with bands={n} cannot hold 45° bands "
            f"seamlessly; they run at {angle:.0f}° instead (the tile's height is "
            f"{height / p:.2f} band periods, {k} fit). Choose a height that is a multiple of "
            f"{p:g} px or another band count for true 45°."
        )
    return _Layout(
        width=float(width),
        height=float(height),
        design_height=hd,
        stretch=stretch,
        band=p * _C,
        shift=shift / p,
        mirror=pr.direction == "yogyakarta",
    )


@functools.lru_cache(maxsize=64)
def _band_shift(vectors, p: float, q: float) -> float | None:
    """The along-band shift s (px, in u = x + y) between bands that makes the lattice fit.

    Blade (a, b) sits at ``u = a·s + b·q, v = a·p``; each tile vector (X, Y) must be one
    of those: ``a = (X - Y)/p`` whole and ``(X + Y - a·s)/q`` whole. The first vector
    with ``a != 0`` allows ``|a|`` shifts modulo q; the smallest that suits every vector
    wins.
    """
    need = []
    for x, y in vectors:
        a = (x - y) / p
        if abs(a - round(a)) > 1e-6:
            return None
        need.append((round(a), x + y))

    def fits(s: float) -> bool:
        for a, u in need:
            r = (u - a * s) / q
            if abs(r - round(r)) > 1e-6:
                return False
        return True

    lead = next(((a, u) for a, u in need if a != 0), None)
    if lead is None:
        return 0.0 if fits(0.0) else None
    a, u = lead
    best = None
    for i in range(abs(a)):
        s = (u - i * q) / a
        s = (s + q / 2) % q - q / 2  # the smallest shift modulo q
        if fits(s) and (best is None or abs(s) < abs(best) - 1e-12):
            best = s
    return best


def _places(lay: _Layout, proto: _Proto) -> np.ndarray:
    """Band coordinates (t, w) of every blade centre whose reach touches the tile."""
    d = lay.band
    corners = np.array(
        [[0, 0], [lay.width, 0], [0, lay.design_height], [lay.width, lay.design_height]]
    )
    t = (corners[:, 0] + corners[:, 1]) * _C / d
    w = (corners[:, 0] - corners[:, 1]) * _C / d
    r = proto.radius * max(1.0, lay.stretch)
    ks = np.arange(math.floor(w.min() - r - 1), math.ceil(w.max() + r + 1))
    q = proto.spacing
    js = np.arange(
        math.floor((t.min() - r - abs(lay.shift) * len(ks)) / q) - 1,
        math.ceil((t.max() + r + abs(lay.shift) * len(ks)) / q) + 1,
    )
    kk, jj = np.meshgrid(ks, js, indexing="ij")
    tt = jj * q + kk * lay.shift
    ww = kk + 0.5
    tw = np.stack([tt.ravel(), ww.ravel()], -1)
    xy = tw @ (d * _C * np.array([[1.0, 1.0], [1.0, -1.0]])).T
    reach = r * d
    keep = (
        (xy[:, 0] > -reach)
        & (xy[:, 0] < lay.width + reach)
        & (xy[:, 1] > -reach)
        & (xy[:, 1] < lay.design_height + reach)
    )
    return tw[keep]


# ====================================================================== assembly
def _copies(geom: BaseGeometry, matrix: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Copies of the polygons of *geom* (band units) at *offsets* (tile px).

    Every copy shares one linear map, so the template is mapped once and only the
    translations are added per copy (templates with holes go through
    :func:`~batik_waves.motifs.isen.replicate`).
    """
    if geom.is_empty or len(offsets) == 0:
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return np.empty(0, dtype=object)
    if shapely.get_num_interior_rings(parts).any():
        return replicate(geom, np.broadcast_to(matrix, (len(offsets), 2, 2)), offsets)
    coords, part = shapely.get_coordinates(shapely.get_exterior_ring(parts), return_index=True)
    local = coords @ np.asarray(matrix).T
    moved = (local[None, :, :] + np.asarray(offsets)[:, None, :]).reshape(-1, 2)
    index = (np.arange(len(offsets))[:, None] * len(parts) + part[None, :]).ravel()
    return shapely.polygons(shapely.linearrings(moved, indices=index))


def _clip(geoms: np.ndarray, width: float, height: float, kind: int = 3) -> BaseGeometry:
    """Clip an array of geometries to the tile: polygons (*kind* 3) as one valid
    MultiPolygon, as every family's layers are (:func:`._common.clip_to_box`: GEOS's
    rectangle clipper, mended where it is not valid, and overlapping parts merged,
    since even-odd fill would punch holes where marks the hand moved meet), or lines
    (*kind* 1) as one MultiLineString.
    """
    if len(geoms) == 0:
        return MultiPolygon() if kind == 3 else MultiLineString()
    geoms = shapely.get_parts(geoms)
    if kind == 3:
        return clip_to_box(geoms, (0.0, 0.0, float(width), float(height)))
    b = shapely.bounds(geoms)
    inside = (b[:, 0] >= 0) & (b[:, 1] >= 0) & (b[:, 2] <= width) & (b[:, 3] <= height)
    outside = (b[:, 2] <= 0) | (b[:, 3] <= 0) | (b[:, 0] >= width) | (b[:, 1] >= height)
    cut = shapely.get_parts(shapely.clip_by_rect(geoms[~inside & ~outside], 0, 0, width, height))
    parts = np.concatenate([geoms[inside], cut])
    parts = parts[(shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)]
    return shapely.multilinestrings(parts) if len(parts) else MultiLineString()


def _garis(lay: _Layout, pr: ParangParams) -> np.ndarray:
    """The garis miring: two thin lines along every band edge, bordering the mlinjon
    strip (centred on ``w = k`` in band coordinates), as long thin polygons in tile px,
    long enough to cross the tile and densely noded so the canting's wobble bends them.
    """
    if pr.garis <= 0:
        return np.empty(0, dtype=object)
    d = lay.band
    corners = np.array(
        [[0, 0], [lay.width, 0], [0, lay.design_height], [lay.width, lay.design_height]]
    )
    t = (corners[:, 0] + corners[:, 1]) * _C / d
    w = (corners[:, 0] - corners[:, 1]) * _C / d
    t0, t1 = math.floor(t.min()) - 1.0, math.ceil(t.max()) + 1.0
    n = max(2, int((t1 - t0) / 0.08) + 1)  # a node every 0.08 D
    ts = np.linspace(t0, t1, n)
    half, lw = pr.strip / 2, pr.garis / 2
    rings = []
    for k in range(math.floor(w.min()) - 1, math.ceil(w.max()) + 2):
        for c in (k - half, k + half):
            lo = np.stack([ts, np.full(n, c - lw)], -1)
            hi = np.stack([ts[::-1], np.full(n, c + lw)], -1)
            rings.append(lay.to_tile(np.concatenate([lo, hi, lo[:1]])))
    return shapely.polygons(rings)


def _merge(arrays: list[np.ndarray]) -> np.ndarray:
    arrays = [a for a in arrays if len(a)]
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=object)


class _Hand:
    """The canting's wobble: one periodic noise field displaces every layer alike.

    Long lines (blades, inner lines) are displaced vertex by vertex; small marks
    (dots, lozenges, fillers) move whole, by the noise at their centre, which keeps
    them round and costs one noise sample per mark.
    """

    def __init__(self, lay: _Layout, amount: float, seed: int, repeat: str) -> None:
        self.amount = amount
        self.noise = None
        self.reach = 0.0  # px: no vertex moves further
        if amount > 0:
            cell = max(12.0, 12.0 * amount)
            self.noise = noise_field(lay.width, lay.height, cell, seed, repeat, 2)
            self.reach = amount * self.noise.peak

    def lines(self, geoms: np.ndarray) -> np.ndarray:
        if self.noise is None or len(geoms) == 0:
            return geoms
        coords = shapely.get_coordinates(geoms)
        geoms = shapely.set_coordinates(geoms, coords + self.amount * self.noise(coords))
        bad = ~shapely.is_valid(geoms)
        if bad.any():
            geoms = geoms.copy()
            geoms[bad] = [_valid(g) for g in geoms[bad]]
            geoms = shapely.get_parts(geoms)
        return geoms

    def marks(self, geoms: np.ndarray, scale: float = 1.0) -> np.ndarray:
        if self.noise is None or len(geoms) == 0:
            return geoms
        centres = shapely.get_coordinates(shapely.centroid(geoms))
        shift = scale * self.amount * self.noise(centres)
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        return shapely.set_coordinates(geoms, coords + shift[index])


def _near(geoms: np.ndarray, lay: _Layout, margin: float) -> np.ndarray:
    """The geometries that come within *margin* px of the tile (the rest, most of the
    copies placed around it, would be clipped away whatever the hand does to them)."""
    if len(geoms) == 0:
        return geoms
    b = shapely.bounds(geoms)
    m = margin + 1.0
    keep = (b[:, 2] > -m) & (b[:, 3] > -m) & (b[:, 0] < lay.width + m) & (b[:, 1] < lay.height + m)
    return geoms if keep.all() else geoms[keep]


def _unite(polys: np.ndarray) -> np.ndarray:
    """Union overlapping blades (extreme parameters only) so the layer stays valid."""
    if len(polys) == 0:
        return polys
    return shapely.get_parts(shapely.union_all(polys))


def _roles(pal: Palette, polarity: str) -> dict[str, str | None]:
    """Colours of the parang layers from the palette roles."""
    if polarity == "dark":
        ground = pal.ground
        light = pal.ground if pal.ground is not None else mix(pal.fill, "#FFFFFF", 0.85)
        return {
            "ground": ground,
            "blades": pal.fill,
            "blade-inner": light,
            "isen-ground": pal.ink,
            "isen-blades": light,
            "outline": pal.ink,
            "garis": pal.ink,
            "mlinjon": pal.ink,
            "mlinjon-dots": light,
            "ornament": pal.ink,
            "ornament-dots": light,
            "crackle": pal.crackle,
        }
    light = pal.ground if pal.ground is not None else mix(pal.fill, "#FFFFFF", 0.85)
    return {
        "ground": pal.ink if pal.ground is not None else None,
        "blades": light,
        "blade-inner": pal.fill,
        "isen-ground": light,
        "isen-blades": pal.fill,
        "outline": pal.fill,
        "garis": light,  # waxed lines on the dyed ground, like the blades
        "mlinjon": light,
        "mlinjon-dots": pal.ink,
        "ornament": pal.fill,
        "ornament-dots": light,
        "crackle": mix(pal.crackle, pal.ink, 0.3),
    }


def _isen_proto(pr: ParangParams, seed: int, band_px: float) -> BaseGeometry:
    floor = round(MIN_MARK_PX / band_px, 4)  # in band widths; rounded for the cache
    return _isen_cached(_shape_key(pr), pr.isen, pr.isen_where, pr.isen_scale, seed, floor)


@functools.lru_cache(maxsize=64)
def _isen_cached(
    key: tuple, kind: str, where: str, scale: float, seed: int, floor: float
) -> BaseGeometry:
    proto = _proto_cached(key)
    if kind == "none":
        return MultiPolygon()
    pr = ParangParams(**dict(zip(_SHAPE_NAMES, key, strict=True)))
    scale = max(scale, floor)
    if where == "ground":
        region = proto.cell
    else:
        if 0.6 * pr.thickness < floor:  # blades too thin to hold a visible mark
            return MultiPolygon()
        region = proto.blade.buffer(-0.12 * pr.thickness)
        scale = min(scale, 0.6 * pr.thickness)
    if region.is_empty:
        return MultiPolygon()
    return _polys(fill(kind, region, scale=scale, rng=seed, angle=-pr.lean))


def _layers(
    geoms: dict[str, BaseGeometry], roles: dict, pr: ParangParams, band_px: float
) -> list[Layer]:
    """The ordered layers of a parang cloth from its clipped geometries."""
    layers: list[Layer] = []
    ground = roles["ground"]
    w, h = geoms["_size"]
    if ground is not None:
        layers.append(Layer("ground", ground, box(0, 0, w, h)))
    wax = "ground" if pr.polarity == "dark" else "blades"
    crack = Layer(
        "crackle",
        roles["crackle"],
        geoms["crackle"],
        clip_to=wax if (wax != "ground" or ground is not None) else None,
        fast_antialias=True,
    )
    isen = Layer("isen", roles[f"isen-{pr.isen_where}"], geoms["isen"], fast_antialias=True)
    on_ground = pr.isen != "none" and pr.isen_where == "ground"
    if pr.polarity == "dark":
        layers.append(crack)
        if on_ground:
            layers.append(isen)
        layers.append(Layer("blades", roles["blades"], geoms["blades"]))
    else:
        if on_ground:
            layers.append(isen)
        layers.append(Layer("blades", roles["blades"], geoms["blades"]))
        layers.append(crack)
    if pr.isen != "none" and pr.isen_where == "blades":
        layers.append(isen)
    layers.append(Layer("blade-inner", roles["blade-inner"], geoms["blade-inner"]))
    if pr.outline > 0:
        layers.append(
            Layer(
                "outline",
                None,
                geoms["outline"],
                stroke=roles["outline"],
                stroke_width=max(0.25, pr.outline * band_px),
            )
        )
    if pr.garis > 0:
        layers.append(Layer("garis", roles["garis"], geoms["garis"]))
    layers.append(Layer("mlinjon", roles["mlinjon"], geoms["mlinjon"]))
    layers.append(
        Layer("mlinjon-dots", roles["mlinjon-dots"], geoms["mlinjon-dots"], fast_antialias=True)
    )
    if pr.ornament != "none":
        layers.append(Layer("ornament", roles["ornament"], geoms["ornament"]))
        layers.append(
            Layer(
                "ornament-dots", roles["ornament-dots"], geoms["ornament-dots"], fast_antialias=True
            )
        )
    return layers


def _build_geoms(
    items: list[tuple[ParangParams, np.ndarray]],
    lay: _Layout,
    *,
    seed: int,
    repeat: str,
    first: ParangParams,
) -> dict[str, BaseGeometry]:
    """Place blades (params, band coordinates) and clip every layer to the tile."""
    m = lay.matrix
    acc: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "blades",
            "outline",
            "blade-inner",
            "isen",
            "mlinjon",
            "mlinjon-dots",
            "ornament",
            "ornament-dots",
        )
    }
    overlaps = False
    for pr, tw in items:
        proto = _proto(pr)
        offsets = lay.to_tile(tw)
        overlaps |= proto.overlaps
        acc["blades"].append(_copies(proto.blade, m, offsets))
        acc["blade-inner"].append(_copies(proto.inner, m, offsets))
        acc["mlinjon"].append(_copies(proto.mlinjon, m, offsets))
        acc["mlinjon-dots"].append(_copies(proto.mlinjon_dot, m, offsets))
        acc["ornament"].append(_copies(proto.ornament, m, offsets))
        acc["ornament-dots"].append(_copies(proto.ornament_dots, m, offsets))
        if pr.isen != "none":
            acc["isen"].append(_copies(_isen_proto(pr, seed + 1, lay.band), m, offsets))
    hand = _Hand(lay, first.wobble, seed, repeat)

    def near(name: str) -> np.ndarray:
        return _near(_merge(acc[name]), lay, hand.reach)

    out: dict[str, BaseGeometry] = {"_size": (lay.width, lay.height)}
    blades = hand.lines(near("blades"))
    if overlaps:
        blades = _unite(blades)
    out["blades"] = _clip(blades, lay.width, lay.height)
    if first.outline > 0:
        out["outline"] = _clip(shapely.boundary(blades), lay.width, lay.height, kind=1)
    inner = hand.lines(near("blade-inner"))
    isen = hand.marks(near("isen"))
    if overlaps:  # neighbours' inner lines and fillers may overlap too
        inner, isen = _unite(inner), _unite(isen)
    out["blade-inner"] = _clip(inner, lay.width, lay.height)
    out["isen"] = _clip(isen, lay.width, lay.height)
    for name in ("ornament", "ornament-dots"):
        out[name] = _clip(hand.marks(near(name)), lay.width, lay.height)
    for name in ("mlinjon", "mlinjon-dots"):
        out[name] = _clip(hand.marks(near(name), 0.6), lay.width, lay.height)
    out["garis"] = _clip(hand.lines(_garis(lay, first)), lay.width, lay.height)
    return out


def parang(
    params: ParangParams | str | None = None,
    *,
    tile: tuple[int, int] = (1024, 1024),
    repeat: str = "block",
    rng=None,
    palette=None,
    transparent: bool = False,
) -> Pattern:
    """One seamless tile of parang.

    Parameters
    ----------
    params : ParangParams, str or None
        The parameters, a variant name (``"rusak"``, ``"barong"``...) or None for the
        defaults.
    tile : (int, int)
        Tile width and height in px. ``params.bands`` bands cross the width.
    repeat : str
        ``"block"``, ``"half-drop"`` or ``"half-brick"`` (half-brick needs an even band
        count).
    rng : numpy Generator or int, optional
        The maker's hand: line wobble, crackle and filler jitter (seed 0 when None). The
        motif itself does not depend on it.
    palette : str, list of str or Palette, optional
        Overrides ``params.palette`` (a custom list of hex colours, say).
    transparent : bool
        Leave the ground undrawn (for compositing).

    Returns
    -------
    Pattern
        Layers ``ground`` (absent when transparent), ``crackle`` (clipped to the wax:
        the ground for dark blades, the blades for light ones), ``isen`` (when a filler
        is chosen), ``blades``, ``blade-inner``, ``outline`` (stroked), ``garis`` (the
        garis miring, filled thin strips in the ink, or in the wax colour on a dyed
        ground; absent when ``garis=0``), ``mlinjon``, ``mlinjon-dots`` and, with an ornament, ``ornament``
        and ``ornament-dots``.

    Raises
    ------
    MotifError
        Bad parameters, tile size or repeat, or a repeat that cannot be seamless.

    Examples
    --------
    >>> p = parang("klitik", tile=(300, 300), rng=2)
    >>> p.width, p.metadata["motif"], p.metadata["variant"]
    (300, 'parang', 'klitik')
    >>> parang(tile=(300, 300), repeat="mirror")
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'repeat' parameter. Allowed values are 'block', 'half-drop', 'half-brick', but got 'mirror' instead.
    """
    variant = params if isinstance(params, str) else None
    pr = check_params(ParangParams, params, names=True)
    width, height = tile_size(tile)
    if repeat not in REPEATS:
        lattice_vectors(width, height, repeat)  # raises the standard message
    pal = tile_palette(pr.palette, palette, transparent)
    seed = seed_of(rng)
    lay = _layout(pr, width, height, repeat)
    proto = _proto(pr)
    places = _places(lay, proto)
    geoms = _build_geoms([(pr, places)], lay, seed=seed, repeat=repeat, first=pr)
    geoms["crackle"] = crackle(
        width,
        height,
        density=pr.crackle,
        rng=seed + 2,
        repeat=repeat,
        vein_width=max(0.6, 0.006 * lay.band),
    )
    layers = _layers(geoms, _roles(pal, pr.polarity), pr, lay.band)
    meta = {
        "motif": "parang",
        "variant": variant or variant_name(pr),
        "direction": pr.direction,
        "palette": pal.name,
        "parang:stretch": f"{lay.stretch:.4f}",
    }
    return Pattern(width, height, pal.ground, tuple(layers), repeat, meta)


def parang_cloth(
    params_at: Callable[[float], ParangParams],
    *,
    size: tuple[int, int] = (1100, 2750),
    rng=None,
    palette=None,
    transparent: bool = False,
) -> Pattern:
    """A long cloth (kain panjang) whose blades change along its length.

    The bands (count, direction, strip) come from ``params_at(0.0)`` and stay
    continuous; every blade takes its shape (thickness, hook, bend, notch, lean...)
    from ``params_at(y)`` at its own position, ``y`` running from 0 at the top to 1
    at the bottom: the traditional *parang rusak barong tumurun*, whose blades grow
    and shrink along the cloth. The cloth is clipped to its rectangle, not wrapped.

    Parameters
    ----------
    params_at : callable
        ``y_fraction -> ParangParams``.
    size : (int, int)
        Cloth width and height in px (a kain panjang is about 1 : 2.5).
    rng, palette, transparent
        As for :func:`parang`.

    Returns
    -------
    Pattern
        Same layers as :func:`parang`; ``repeat`` is ``"block"`` but the cloth is not
        meant to repeat.

    Examples
    --------
    >>> a, b = ParangParams.variant("rusak"), ParangParams.variant("rusak").replace(thickness=0.2)
    >>> cloth = parang_cloth(lambda y: a.mix(b, y), size=(200, 500), rng=1)
    >>> cloth.size, cloth.layer("blades").geometry.is_valid
    ((200, 500), True)
    """
    # the bands stay continuous; every blade takes its shape at its own height
    rows = ClothRows(params_at, ParangParams, size, fixed=("bands", "blades", "strip", "direction"))
    width, height, first = rows.width, rows.height, rows.top
    pal = tile_palette(first.palette, palette, transparent)
    seed = seed_of(rng)
    # free layout: no lattice to fit, bands exactly at 45°, aligned blades
    lay = _Layout(
        width=float(width),
        height=float(height),
        design_height=float(height),
        stretch=1.0,
        band=width / first.bands * _C,
        shift=0.0,
        mirror=first.direction == "yogyakarta",
    )
    places = _places(lay, _proto(first))
    groups = rows.group(enumerate(lay.to_tile(places)[:, 1]))
    items = [(pr, places[idx]) for pr, idx in groups.items()]
    geoms = _build_geoms(items, lay, seed=seed, repeat="block", first=first)
    geoms["crackle"] = crackle(
        width, height, density=first.crackle, rng=seed + 2, vein_width=max(0.6, 0.006 * lay.band)
    )
    layers = _layers(geoms, _roles(pal, first.polarity), first, lay.band)
    meta = {
        "motif": "parang",
        "variant": "cloth",
        "direction": first.direction,
        "palette": pal.name,
    }
    return Pattern(width, height, pal.ground, tuple(layers), "block", meta)
