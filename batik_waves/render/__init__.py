"""Renderers: Pattern → SVG, PNG, raw frames, video.

- :func:`to_svg`, :func:`write_svg`, :func:`save_svg`: layered SVG (Inkscape layers).
- :func:`save_png`: PNG stills through CairoSVG (exact size, DPI, seamless).
- :func:`rasterize`, :func:`to_image`: fast RGBA frames drawn directly with cairo.
"""

from __future__ import annotations

from .png import render_png_array, save_png
from .raster import rasterize, to_image
from .svg import save_svg, to_svg, write_svg

__all__ = [
    "rasterize",
    "render_png_array",
    "save_png",
    "save_svg",
    "to_image",
    "to_svg",
    "write_svg",
]
