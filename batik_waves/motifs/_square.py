"""What the square-grid families (ceplok, nitik) share: the lattice that closes on a
tile, its sites, and the assembly of a long cloth from rows of sites.

A square lattice of pitch ``P = W / n`` closes on the tile's width exactly; rows down
are the nearest whole count, the lattice stretched vertically by ``sy`` (at most 15 %)
to close. A half-drop tile needs an even row count (the half-tile shift then lands on
the lattice) and a half-brick tile an even count across.

>>> square_lattice(6, 1920, 1080, owner="CeplokParams", field="blooms")
(320.0, 3, 1.125)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from ..errors import MotifError
from .pattern import Layer

__all__ = ["ClothRows", "square_lattice", "square_sites", "thinned_crackle"]


def _rows(count: int, width: float, height: float, repeat: str) -> tuple[int, float]:
    pitch = width / count
    exact = height / pitch
    rows = max(1, round(exact))
    if repeat == "half-drop" and rows % 2:
        rows = max(2, 2 * round(exact / 2))
    return rows, height / (rows * pitch)


def square_lattice(
    count: int, width: float, height: float, repeat: str = "block", *, owner: str, field: str
) -> tuple[float, int, float]:
    """The pitch, the row count and the vertical stretch of a seamless square lattice.

    Parameters
    ----------
    count : int
        Cells across the tile.
    width, height : float
        Tile size in px.
    repeat : str
        The tile's repeat kind.
    owner, field : str
        The params class and field named in errors.

    Returns
    -------
    (P, rows, sy)
        ``P = width / count``; ``rows`` down; the cell height is ``P · sy``.

    Raises
    ------
    MotifError
        When closing the rows would stretch the lattice by more than 15 %, or a
        half-brick tile gets an odd count.
    """
    rows, sy = _rows(count, width, height, repeat)
    if abs(sy - 1.0) > 0.15:
        fits = [
            n
            for n in range(max(1, count - 6), count + 7)
            if abs(_rows(n, width, height, repeat)[1] - 1) <= 0.15
        ]
        hint = (
            f" Counts that fit within 15 % near {count} are {', '.join(map(str, fits))}."
            if fits
            else ""
        )
        raise MotifError(
            f"Invalid value for the {field!r} parameter of {owner}: {count} across a "
            f"{width:g}×{height:g} tile would stretch the lattice by {abs(sy - 1) * 100:.0f} % "
            f"(rows must be whole to be seamless).{hint}"
        )
    if repeat == "half-brick" and count % 2:
        raise MotifError(
            f"Invalid value for the {field!r} parameter of {owner}: a half-brick repeat shifts "
            f"rows by half a tile, so the count across must be even, but got {count}."
        )
    return width / count, rows, sy


def square_sites(
    pitch: float,
    sy: float,
    box: tuple[float, float, float, float],
    margin: float,
    offset: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Centres ``((i + ox)·P, (j + oy)·P·sy)`` of the sites that can touch *box* grown by
    *margin* px, as an ``(n, 2)`` array in row-major order."""
    x0, y0, x1, y1 = box
    ox, oy = offset
    py = pitch * sy
    i = np.arange(math.floor((x0 - margin) / pitch - ox), math.ceil((x1 + margin) / pitch - ox) + 1)
    j = np.arange(math.floor((y0 - margin) / py - oy), math.ceil((y1 + margin) / py - oy) + 1)
    jj, ii = np.meshgrid(j, i, indexing="ij")
    xy = np.stack([(ii.ravel() + ox) * pitch, (jj.ravel() + oy) * py], -1).astype(float)
    keep = (
        (xy[:, 0] > x0 - margin)
        & (xy[:, 0] < x1 + margin)
        & (xy[:, 1] > y0 - margin)
        & (xy[:, 1] < y1 + margin)
    )
    return xy[keep]


class ClothRows:
    """Collects a cloth's polygons by (layer, colour, colourway) and its grounds, then
    lays them out as layers in a fixed order (the way ``kawung_cloth`` does).

    Parameters
    ----------
    order : iterable of str
        Layer names, bottom to top.
    """

    def __init__(self, order: Iterable[str]) -> None:
        self.order = tuple(order)
        self.polys: dict[tuple[str, str | None, str], list[np.ndarray]] = {}
        self.grounds: list[tuple[float, float, str | None, str]] = []
        self.crackle: list[tuple[float, float, float]] = []

    def add(self, name: str, colour: str | None, palette: str, polys: np.ndarray) -> None:
        if len(polys):
            self.polys.setdefault((name, colour, palette), []).append(polys)

    def ground(self, y0: float, y1: float, colour: str | None, palette: str) -> None:
        self.grounds.append((y0, y1, colour, palette))

    def layers(
        self,
        width: int,
        height: int,
        background: str | None,
        clip: Callable[[np.ndarray, tuple[float, float, float, float]], Any],
        *,
        crackle_layer: Layer | None = None,
        crackle_after: str | None = None,
        fast: Iterable[str] = (),
    ) -> list[Layer]:
        """The cloth's layers: grounds where the cloth colour changes, then each named
        layer split per colour (``name``, ``name@palette``, ``name@palette/#colour``).

        *crackle_layer* goes first, or right after the layer *crackle_after*.
        """
        fast = set(fast)
        out: list[Layer] = []
        for colour in sorted({g[2] for g in self.grounds if g[2] not in (None, background)}):
            spans = [g for g in self.grounds if g[2] == colour]
            rects = [shapely.box(0, max(y0, 0.0), width, min(y1, height)) for y0, y1, _, _ in spans]
            rects = [r for r in rects if r.area > 0]
            if rects:
                name = sorted({g[3] for g in spans})[0]
                out.append(Layer(f"ground@{name}/{colour}", colour, shapely.union_all(rects)))
        if crackle_layer is not None and crackle_after is None:
            out.append(crackle_layer)
        box = (0.0, 0.0, float(width), float(height))
        seen: set[str] = set()
        for name in self.order:
            for key in sorted(
                (k for k in self.polys if k[0] == name), key=lambda k: (str(k[1]), k[2])
            ):
                _, colour, pal_name = key
                lname = name if name not in seen else f"{name}@{pal_name}"
                if lname in seen:
                    lname = f"{name}@{pal_name}/{colour}"
                seen.add(lname)
                geom = clip(np.concatenate(self.polys[key]), box)
                out.append(Layer(lname, colour, geom, fast_antialias=name in fast))
            if crackle_layer is not None and name == crackle_after:
                out.append(crackle_layer)
        if crackle_layer is not None and crackle_after is not None:
            if not any(lyr is crackle_layer for lyr in out):
                # nothing of the clip layer was drawn: the veins have nothing to show in
                out.append(
                    Layer(
                        crackle_layer.name,
                        crackle_layer.fill,
                        MultiPolygon(),
                        opacity=crackle_layer.opacity,
                    )
                )
        return out


def thinned_crackle(
    width: int,
    height: int,
    spans: list[tuple[float, float, float]],
    *,
    density: Callable[[float], float],
    seed: int,
    vein_width: float,
):
    """One crackle network at the densest setting of *spans* ``(y0, y1, amount)``,
    thinned where the cloth asks for less (veins kept by a hash of their index)."""
    from .texture import _hash01, crackle

    dmax = max((c for _, _, c in spans), default=0.0)
    if dmax <= 0:
        return MultiPolygon()
    net = crackle(width, height, density=density(dmax), rng=seed, vein_width=vein_width)
    parts = shapely.get_parts(net)
    if len(parts) == 0:
        return MultiPolygon()
    cy = shapely.get_coordinates(shapely.centroid(parts))[:, 1]
    local = np.zeros(len(parts))
    for y0, y1, c in spans:
        local[(cy >= y0) & (cy < y1)] = c
    u = _hash01(np.full(len(parts), seed), np.arange(len(parts)))
    kept = parts[u < local / dmax]
    return shapely.multipolygons(kept) if len(kept) else MultiPolygon()
