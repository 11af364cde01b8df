"""Pattern → RGBA pixels, fast: the frame path of video and the kiosk.

Draws directly with cairo (cairocffi, which CairoSVG brings along): no SVG text, no
parsing. Paths go to cairo in one call per layer, built as a ``cairo_path_t`` array
with numpy. The picture is the same as CairoSVG's rendering of :func:`to_svg`
(same shapes, same copies across the tile edges, same fill rule, same antialiasing).

Two ways to fill a frame:

- ``scale=None``: the tile is stretched onto ``width × height`` (what
  :func:`~batik_waves.render.png.save_png` writes at that size);
- ``scale=s``: the frame is filled with the endless repeat of the tile, ``s`` output
  pixels per tile pixel, starting at tile point ``offset`` (pan by changing it). The
  repeat cell (the tile, or two tiles for half-drop and half-brick) is drawn once and
  repeated by cairo as a surface pattern.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np

from ..errors import RenderError
from ..motifs.pattern import Pattern
from .paths import LayerInk, Paths, ink, split_color

__all__ = ["MAX_SIZE", "load_cairo", "rasterize", "to_image", "unpremultiply"]

#: Largest width or height cairo's image surfaces accept.
MAX_SIZE = 32767

_MOVE_TO, _LINE_TO, _CLOSE_PATH = 0, 1, 3
_ANTIALIAS = {"best": "ANTIALIAS_DEFAULT", "fast": "ANTIALIAS_FAST"}
_local = threading.local()


def _cairo():
    import cairocffi

    return cairocffi


def load_cairo() -> None:
    """Import cairo now (a fifth of a second), so that processes forked afterwards,
    such as a video's cell workers, inherit it instead of each importing it again."""
    _cairo()


def _check_size(value, name: str) -> int:
    if (
        not isinstance(value, int | np.integer)
        or isinstance(value, bool)
        or not 1 <= value <= MAX_SIZE
    ):
        raise RenderError(
            f"Invalid value for the {name!r} parameter: expected a whole number of pixels "
            f"from 1 to {MAX_SIZE}, but got {value!r} instead."
        )
    return int(value)


def _path_array(paths: Paths) -> np.ndarray:
    """*paths* as cairo_path_data_t entries: a (n, 2) float64 array (16 bytes each)."""
    offs = paths.offsets
    counts = np.diff(offs)
    closed = paths.closed
    npts = counts - closed  # a closed ring drops its repeated first point
    # entries per path: one header + one point per point, plus CLOSE_PATH header
    n_entries = 2 * npts + closed
    total = int(n_entries.sum())
    data = np.zeros((total, 2), np.float64)
    header = data.view(np.int32).reshape(total, 4)
    starts = np.concatenate([[0], np.cumsum(n_entries)[:-1]])
    # point k of path p sits at entry starts[p] + 2k + 1, its header at starts[p] + 2k
    path_of_pt = np.repeat(np.arange(len(npts)), npts)
    first_pt = np.concatenate([[0], np.cumsum(npts)[:-1]])
    k = np.arange(int(npts.sum())) - np.repeat(first_pt, npts)
    entry = starts[path_of_pt] + 2 * k
    src = offs[:-1][path_of_pt] + k
    data[entry + 1] = paths.coords[src]
    header[entry, 0] = np.where(k == 0, _MOVE_TO, _LINE_TO)
    header[entry, 1] = 2
    close_at = (starts + n_entries - 1)[closed]
    header[close_at, 0] = _CLOSE_PATH
    header[close_at, 1] = 1
    return data


def _append(ctx, paths: Paths) -> None:
    """Append *paths* to the context's current path in one cairo call."""
    if not paths:
        return
    cairo = _cairo()
    data = _path_array(paths)
    path = cairo.ffi.new("cairo_path_t *")
    path.status = 0
    path.data = cairo.ffi.cast("cairo_path_data_t *", data.ctypes.data)
    path.num_data = len(data)
    cairo.cairo.cairo_append_path(ctx._pointer, path)
    del data  # kept alive until here: cairo copied the points


#: Surfaces of at least this many pixels draw ``fast_antialias`` layers with cairo's
#: fast antialiasing. Smaller ones keep the finest: there the marks are a pixel or two
#: across, where coverage steps would show (the cecek of a 480×270 kawung differ from
#: CairoSVG's by 1.3 grey levels on average, against 0.4 at 1080p), and small frames
#: are cheap anyway.
FAST_LAYERS_FROM = 1_000_000


def _draw_layers(ctx, inks: list[LayerInk], pixels: int) -> None:
    """Draw the layers in order. On a surface of *pixels* ≥ :data:`FAST_LAYERS_FROM`,
    layers marked ``fast_antialias`` (small marks, thin veins, hidden edges) use cairo's
    fast antialiasing, which looks the same there at a fraction of the cost."""
    cairo = _cairo()
    fast_ok = pixels >= FAST_LAYERS_FROM
    for li in inks:
        layer = li.layer
        if not li.fill and not li.stroke:
            continue
        ctx.save()
        if fast_ok and layer.fast_antialias:
            ctx.set_antialias(cairo.ANTIALIAS_FAST)
        if li.clip is not None:
            # clipping to a complex path makes every stroke slow (~3x here); drawing the
            # layer into a group and filling the clip shape with it paints the same pixels
            ctx.push_group()
        both = bool(li.fill) and bool(li.stroke)
        group = layer.opacity < 1 and both
        alpha_mult = 1.0 if group else layer.opacity
        if group:
            ctx.push_group()
        if li.fill:
            color, alpha = split_color(layer.fill)
            ctx.set_source_rgba(*_rgb(color), alpha * alpha_mult)
            ctx.new_path()
            _append(ctx, li.fill)
            ctx.set_fill_rule(cairo.FILL_RULE_EVEN_ODD)
            ctx.fill()
        if li.stroke:
            color, alpha = split_color(layer.stroke)
            ctx.set_source_rgba(*_rgb(color), alpha * alpha_mult)
            ctx.new_path()
            _append(ctx, li.stroke)
            ctx.set_line_width(layer.stroke_width)
            ctx.set_line_cap(cairo.LINE_CAP_ROUND)
            ctx.set_line_join(cairo.LINE_JOIN_ROUND)
            ctx.stroke()
        if group:
            ctx.pop_group_to_source()
            ctx.paint_with_alpha(layer.opacity)
        if li.clip is not None:
            ctx.pop_group_to_source()
            ctx.new_path()
            _append(ctx, li.clip)
            ctx.set_fill_rule(cairo.FILL_RULE_EVEN_ODD)
            ctx.fill()
        ctx.restore()


def _rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i : i + 2], 16) / 255.0 for i in (1, 3, 5))


def _surface(key: str, width: int, height: int):
    """A reusable ARGB32 surface of this size (per thread); its old pixels remain."""
    cairo = _cairo()
    cache = getattr(_local, "surfaces", None)
    if cache is None:
        cache = _local.surfaces = {}
    surf = cache.get(key)
    if surf is None or surf.get_width() != width or surf.get_height() != height:
        surf = cairo.ImageSurface(cairo.FORMAT_ARGB32, width, height)
        cache[key] = surf
    return surf, cairo.Context(surf)


def _paint_ground(ctx, background: str | None) -> None:
    """Replace every pixel with the ground colour (transparent when None)."""
    cairo = _cairo()
    ctx.set_operator(cairo.OPERATOR_SOURCE)
    if background is None:
        ctx.set_source_rgba(0, 0, 0, 0)
    else:
        color, alpha = split_color(background)
        ctx.set_source_rgba(*_rgb(color), alpha)
    ctx.paint()
    ctx.set_operator(cairo.OPERATOR_OVER)


#: Flattened rectangles kept per pattern (a pan over one pattern reuses them).
_INK_MEMO = 4


def _cached_ink(pattern: Pattern, rect) -> list[LayerInk]:
    """ink() of the pattern's most recent few rectangles: panning redraws nothing new."""
    memo = pattern.memo
    key = ("raster-ink", rect)
    hit = memo.get(key)
    if hit is not None:
        return hit
    value = ink(pattern, rect, oriented=False)
    inks = [k for k in memo if k[0] == "raster-ink"]
    if len(inks) >= _INK_MEMO:
        memo.pop(inks[0], None)
    memo[key] = value
    return value


def _cell(pattern: Pattern, pw: int, ph: int, antialias):
    """The repeat cell drawn at pw × ph px (kept while the same pattern pans)."""
    cw, ch = pattern.cell_size
    sx, sy = pw / cw, ph / ch  # whole-pixel cell: the scale may differ by < 1 px per cell
    key = getattr(_local, "cell_key", None)
    surfaces = getattr(_local, "surfaces", {})
    if (
        key is not None
        and key[0] is pattern
        and key[1:] == (pw, ph, antialias)
        and "cell" in surfaces
    ):
        return surfaces["cell"], sx, sy
    _local.cell_key = None
    cell, cctx = _surface("cell", pw, ph)
    cctx.set_antialias(antialias)
    cctx.scale(sx, sy)
    _paint_ground(cctx, pattern.background)
    _draw_layers(cctx, _cached_ink(pattern, (0.0, 0.0, float(cw), float(ch))), pw * ph)
    cell.flush()
    _local.cell_key = (pattern, pw, ph, antialias)
    return cell, sx, sy


def unpremultiply(data: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Cairo ARGB32 pixels (premultiplied, native endian) → straight RGBA uint8 in *out*.

    *data* is a ``(H, W, 4)`` uint8 view of the surface (memory order B, G, R, A on
    little-endian machines). The byte shuffle runs on 32-bit words; only partly
    transparent pixels need a division.
    """
    h, w = data.shape[:2]
    if not (data.strides[1] == 4 and data.strides[2] == 1):
        data = np.ascontiguousarray(data)
    words = data.view(np.uint32)[..., 0]  # (H, W) words, strided like the surface
    if not out.flags.c_contiguous:
        raise RenderError("unpremultiply needs a C-contiguous output array")
    dst = out.view(np.uint32).reshape(h, w)
    tmp = np.empty((h, w), np.uint32)
    if sys.byteorder == "little":  # word 0xAARRGGBB → bytes R, G, B, A = word 0xAABBGGRR
        np.bitwise_and(words, 0xFF00FF00, out=dst)
        np.right_shift(words, 16, out=tmp)
        np.bitwise_and(tmp, 0xFF, out=tmp)
        np.bitwise_or(dst, tmp, out=dst)
        np.bitwise_and(words, 0xFF, out=tmp)
        np.left_shift(tmp, 16, out=tmp)
        np.bitwise_or(dst, tmp, out=dst)
    else:  # bytes R, G, B, A = word 0xRRGGBBAA: rotate left by 8
        np.left_shift(words, 8, out=dst)
        np.right_shift(words, 24, out=tmp)
        np.bitwise_or(dst, tmp, out=dst)
    a = out[..., 3]
    if a.min() == 255:
        return out
    part = np.nonzero((a - np.uint8(1)) < 254)  # 0 < a < 255 (a - 1 wraps for a = 0)
    if len(part[0]):
        px = out[part]
        aa = px[:, 3].astype(np.uint32)[:, None]
        rgb = px[:, :3].astype(np.uint32)
        px[:, :3] = np.minimum((rgb * 255 + aa // 2) // aa, 255).astype(np.uint8)
        out[part] = px
    return out


def _surface_view(surf) -> np.ndarray:
    surf.flush()
    h, w, stride = surf.get_height(), surf.get_width(), surf.get_stride()
    buf = np.frombuffer(surf.get_data(), np.uint8).reshape(h, stride // 4, 4)
    return buf[:, :w]


def rasterize(
    pattern: Pattern,
    *,
    width: int,
    height: int,
    scale: float | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
    out: np.ndarray | None = None,
    antialias: str = "best",
) -> np.ndarray:
    """Draw *pattern* into a ``(height, width, 4)`` uint8 RGBA array (straight alpha).

    Parameters
    ----------
    pattern : Pattern
        The tile.
    width, height : int
        Frame size in pixels.
    scale : float or None
        None: the tile is stretched onto the frame. A number: output pixels per tile
        pixel; the frame is filled with the endless repeat of the tile.
    offset : (float, float)
        With *scale*: the tile point (in tile pixels) shown at the frame's top-left
        corner. Moving it pans across the cloth.
    antialias : {"best", "fast"}
        ``"best"`` draws edges like CairoSVG, except that from a megapixel up
        (:data:`FAST_LAYERS_FROM`) layers marked ``fast_antialias`` (small marks, thin
        veins, edges hidden under a later layer, where the difference cannot be seen)
        use cairo's fast antialiasing. ``"fast"`` uses it for every layer: about half
        the time, with slightly coarser edges.
    out : ndarray, optional
        A ``(height, width, 4)`` uint8 array to write into (reused between frames).

    Returns
    -------
    ndarray
        RGBA pixels; alpha is 255 everywhere when the ground is opaque.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> from batik_waves.motifs.pattern import Layer, Pattern
    >>> p = Pattern(40, 40, "#F1E9D8", (Layer("dot", "#1B2A4A", Point(20, 20).buffer(10)),))
    >>> img = rasterize(p, width=80, height=80)
    >>> img.shape, img.dtype, img[40, 40].tolist(), img[0, 0].tolist()
    ((80, 80, 4), dtype('uint8'), [27, 42, 74, 255], [241, 233, 216, 255])
    >>> rasterize(p, width=100, height=60, scale=0.5).shape   # 5 × 3 repeats of a 20 px tile
    (60, 100, 4)
    """
    if not isinstance(pattern, Pattern):
        raise RenderError(f"expected a Pattern to render, but got {type(pattern).__name__}")
    width = _check_size(width, "width")
    height = _check_size(height, "height")
    if out is not None and (
        out.shape != (height, width, 4) or out.dtype != np.uint8 or not out.flags.c_contiguous
    ):
        raise RenderError(
            f"Invalid value for the 'out' parameter: expected a C-contiguous ({height}, "
            f"{width}, 4) uint8 array, but got {out.shape} {out.dtype} instead."
        )
    cairo = _cairo()
    if not isinstance(antialias, str) or antialias not in _ANTIALIAS:
        raise RenderError(
            f"Invalid value for the 'antialias' parameter. Allowed values are 'best' and "
            f"'fast', but got {antialias!r} instead."
        )
    aa = getattr(cairo, _ANTIALIAS[antialias])
    surf, ctx = _surface("frame", width, height)
    ctx.set_antialias(aa)
    if scale is None:
        ctx.scale(width / pattern.width, height / pattern.height)
        _paint_ground(ctx, pattern.background)
        _draw_layers(ctx, _cached_ink(pattern, None), width * height)
    else:
        if not isinstance(scale, int | float | np.number) or not (
            math.isfinite(scale) and scale > 0
        ):
            raise RenderError(
                f"Invalid value for the 'scale' parameter: expected a positive number of "
                f"output pixels per tile pixel, but got {scale!r} instead."
            )
        try:
            ox, oy = (float(v) for v in offset)
        except (TypeError, ValueError):
            ox = oy = math.nan
        if not (math.isfinite(ox) and math.isfinite(oy)):
            raise RenderError(
                f"Invalid value for the 'offset' parameter: expected two finite numbers "
                f"(tile pixels), but got {offset!r} instead."
            )
        cw, ch = pattern.cell_size
        ox, oy = ox % cw, oy % ch  # the cloth repeats every cell
        pw, ph = max(1, round(cw * scale)), max(1, round(ch * scale))
        if pw * ph > 2 * width * height:
            # the frame shows less than a cell: draw just the copies it shows
            rect = (ox, oy, ox + width / scale, oy + height / scale)
            ctx.scale(scale, scale)
            ctx.translate(-ox, -oy)
            _paint_ground(ctx, pattern.background)
            _draw_layers(ctx, ink(pattern, rect, oriented=False), width * height)
        else:
            if pw > MAX_SIZE or ph > MAX_SIZE:
                raise RenderError(
                    f"Invalid value for the 'scale' parameter: a {cw}×{ch} repeat cell at "
                    f"scale {scale} would be {pw}×{ph} px, more than cairo's {MAX_SIZE} px."
                )
            cell, sx, sy = _cell(pattern, pw, ph, aa)
            src = cairo.SurfacePattern(cell)
            src.set_extend(cairo.EXTEND_REPEAT)
            tx, ty = (ox * sx) % pw, (oy * sy) % ph
            src.set_matrix(cairo.Matrix(x0=tx, y0=ty))
            whole = abs(tx - round(tx)) < 1e-9 and abs(ty - round(ty)) < 1e-9
            src.set_filter(cairo.FILTER_NEAREST if whole else cairo.FILTER_BILINEAR)
            ctx.set_source(src)
            ctx.set_operator(cairo.OPERATOR_SOURCE)
            ctx.paint()
    if out is None:
        out = np.empty((height, width, 4), np.uint8)
    return unpremultiply(_surface_view(surf), out)


def to_image(
    pattern: Pattern,
    *,
    width: int,
    height: int,
    scale: float | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
):
    """:func:`rasterize` as a Pillow image: RGB when the ground is opaque, else RGBA."""
    from PIL import Image

    rgba = rasterize(pattern, width=width, height=height, scale=scale, offset=offset)
    if pattern.background is not None and len(pattern.background) == 7:
        return Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
    return Image.fromarray(rgba, "RGBA")
