"""Pattern → PNG still through CairoSVG, the reference for what our SVG looks like.

The PNG has exactly the size asked for, carries its DPI (``pHYs``) when asked, is
RGBA when the ground is transparent (RGB otherwise, as print shops want), and has no
hairline seams: shapes near a tile edge are drawn again from the neighbouring tiles
(see :mod:`batik_waves.render.paths`), and repeats are written out in full instead of
as ``<pattern>``, which CairoSVG would rasterise at user-space resolution.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..errors import RenderError
from ..motifs.pattern import Pattern
from .raster import MAX_SIZE, _check_size, _surface_view, unpremultiply
from .svg import check_repeat, to_svg

__all__ = ["render_png_array", "save_png"]


def _check_dpi(dpi) -> float | None:
    if dpi is None:
        return None
    if (
        not isinstance(dpi, int | float | np.number)
        or isinstance(dpi, bool)
        or not (math.isfinite(dpi) and dpi > 0)
    ):
        raise RenderError(
            f"Invalid value for the 'dpi' parameter: expected a positive number like 300, "
            f"but got {dpi!r} instead."
        )
    return float(dpi)


def _output_size(pattern: Pattern, width, repeat) -> tuple[int, int, int, int]:
    nx, ny = check_repeat(repeat)
    cw, ch = pattern.width * nx, pattern.height * ny
    if width is None:
        w = cw
    else:
        w = _check_size(width, "width")
    h = max(1, round(w * ch / cw))
    if w > MAX_SIZE or h > MAX_SIZE:
        raise RenderError(
            f"the PNG would be {w}×{h} px, more than cairo's {MAX_SIZE} px: "
            f"ask for a smaller 'width' or fewer repeats"
        )
    return nx, ny, w, h


def render_png_array(
    pattern: Pattern, *, width: int | None = None, repeat: tuple[int, int] = (1, 1)
) -> np.ndarray:
    """What :func:`save_png` writes, as a ``(H, W, 4)`` uint8 RGBA array (CairoSVG)."""
    from cairosvg.parser import Tree
    from cairosvg.surface import PNGSurface

    nx, ny, w, h = _output_size(pattern, width, repeat)
    svg = to_svg(pattern, repeat=(nx, ny), flatten=True)
    # stretch exactly onto w × h even when the aspect ratio moves by a rounding pixel
    svg = svg.replace(' viewBox="', ' preserveAspectRatio="none" viewBox="', 1)
    tree = Tree(bytestring=svg.encode("utf-8"))
    surface = PNGSurface(tree, None, 96, output_width=w, output_height=h)
    data = _surface_view(surface.cairo)
    if data.shape[:2] != (h, w):  # CairoSVG rounds sizes itself: never trust, check
        raise RenderError(f"CairoSVG drew {data.shape[1]}×{data.shape[0]} px instead of {w}×{h}")
    return unpremultiply(data, np.empty((h, w, 4), np.uint8))


def save_png(
    pattern: Pattern,
    path: str | os.PathLike,
    *,
    width: int | None = None,
    dpi: float | None = None,
    repeat: tuple[int, int] = (1, 1),
    compress_level: int = 6,
) -> Path:
    """Render *pattern* to a PNG file through CairoSVG, atomically.

    Parameters
    ----------
    pattern : Pattern
        The tile.
    path : path-like
        The PNG to write (replaced atomically).
    width : int, optional
        Output width in pixels (default: the canvas width, ``nx · pattern.width``);
        the height follows the canvas's aspect ratio, rounded to whole pixels.
    dpi : float, optional
        Resolution written into the file (``pHYs``), e.g. 300 for textile printing.
        It does not change the pixel size.
    repeat : (int, int)
        Repeats across and down.
    compress_level : int
        zlib level 0–9 (1 is ~3× faster to write, a little larger).

    Returns
    -------
    Path
        *path*.
    """
    from PIL import Image

    dpi = _check_dpi(dpi)
    if not isinstance(compress_level, int) or not 0 <= compress_level <= 9:
        raise RenderError(
            f"Invalid value for the 'compress_level' parameter: expected 0 to 9, "
            f"but got {compress_level!r} instead."
        )
    rgba = render_png_array(pattern, width=width, repeat=repeat)
    opaque = pattern.background is not None and len(pattern.background) == 7
    if opaque:
        image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
    else:
        image = Image.fromarray(rgba, "RGBA")
    options = {"compress_level": compress_level}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)
    target = Path(path)
    with atomic_path(target, suffix=".png") as tmp:
        try:
            image.save(tmp, format="PNG", **options)
        except OSError as err:
            raise RenderError(f"{target}: cannot write the PNG: {err}") from err
    return target
