"""Renderers: Patterns and frames in, files and pixels out.

- :mod:`.svg`: :func:`to_svg`, :func:`write_svg`, :func:`save_svg`: layered SVG;
- :mod:`.png`: :func:`save_png`: PNG stills through CairoSVG (exact size, DPI);
- :mod:`.raster`: :func:`rasterize`, :func:`to_image`: fast RGBA frames with cairo;
- :mod:`.frames`: compositing frames from repeat cells (cross-fade, drift, fill,
  Y'CbCr planes);
- :mod:`.encode`: ffmpeg, output naming, frame rates, sizes, timecodes, sequences.

render sees only :class:`~batik_waves.motifs.pattern.Pattern`, palettes and arrays:
it knows nothing of recordings, mappings or jobs. Names are imported lazily.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_API = {
    "rasterize": "raster",
    "to_image": "raster",
    "render_png_array": "png",
    "save_png": "png",
    "save_svg": "svg",
    "to_svg": "svg",
    "write_svg": "svg",
}

__all__ = sorted(_API)


__getattr__, __dir__ = lazy_exports(__name__, _API)
