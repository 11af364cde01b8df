"""What the square-grid families (ceplok, nitik) share: the lattice that closes on a
tile and its sites (what every family shares is in :mod:`._common`).

A square lattice of pitch ``P = W / n`` closes on the tile's width exactly; rows down
are the nearest whole count, the lattice stretched vertically by ``sy`` (at most 15 %)
to close. A half-drop tile needs an even row count (the half-tile shift then lands on
the lattice) and a half-brick tile an even count across.

>>> square_lattice(6, 1920, 1080, owner="CeplokParams", field="blooms")
(320.0, 3, 1.125)
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import MotifError

__all__ = ["square_lattice", "square_sites"]


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
