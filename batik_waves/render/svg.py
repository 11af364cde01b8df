"""Pattern → SVG: named layers for Inkscape and Illustrator, one merged path per layer.

The SVG is plain 1.1 that CairoSVG, resvg and browsers render alike:

- one ``<g>`` per layer with ``inkscape:groupmode="layer"`` and ``inkscape:label``;
- a layer's polygons are one ``<path>`` filled with ``fill-rule="evenodd"`` (holes
  are holes), its lines (and outlines) one stroked ``<path>`` with round caps and joins;
- ``clip_to`` becomes a ``<clipPath>`` holding the clip layer's rings (oriented so
  that the non-zero rule, which CairoSVG always uses for clips, gives the same area);
- metadata (title, motif, recording...) goes into ``<title>`` and ``<desc>``, escaped;
- element ids are deterministic and carry the layer names (``bw-petals``,
  ``bw-clip-crackle``...), which is what Illustrator shows as layer names;
- with ``repeat=(nx, ny)`` the canvas is ``nx·W × ny·H`` and every layer is filled
  with a ``<pattern>`` whose cell is the tile (block), ``2W × H`` (half-drop) or
  ``W × 2H`` (half-brick). ``flatten=True`` writes every repeat out instead, which
  CairoSVG renders sharply (it rasterises ``<pattern>`` at user-space resolution).

Coordinates are written with at most two decimals; the same Pattern gives
byte-identical SVG.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import numpy as np

from .._io import atomic_path
from ..errors import RenderError
from ..motifs.pattern import Pattern
from .paths import LayerInk, Paths, ink, split_color

__all__ = ["check_repeat", "path_data", "save_svg", "to_svg", "write_svg"]

SVG_NS = "http://www.w3.org/2000/svg"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"

# characters XML 1.0 does not allow (EDF headers can hold anything)
_BAD_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(text: object, *, attribute: bool = False) -> str:
    s = _BAD_XML.sub("\ufffd", str(text))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        s = s.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return s


def _num(v: float) -> str:
    """A number with at most two decimals and no trailing zeros ('-0' → '0')."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _nums(values: np.ndarray) -> list[str]:
    """Numbers with at most two decimals, shortest form ('12.5', '3', never '-0').

    ``rint(v·100) / 100`` is the double nearest to a two-decimal number (IEEE division
    is correctly rounded), so its ``repr`` is that number's shortest decimal form.
    """
    rounded = np.rint(np.asarray(values, np.float64).ravel() * 100.0) / 100.0
    rounded += 0.0  # -0.0 → 0.0
    out = list(map(repr, rounded.tolist()))
    return [t[:-2] if t.endswith(".0") else t for t in out]


def path_data(paths: Paths) -> str:
    """SVG path data: ``M x y L x y x y … Z`` per path (closed paths end with Z).

    >>> import numpy as np
    >>> from batik_waves.render.paths import Paths
    >>> sq = np.array([[0, 0], [10, 0], [10, 10.125], [0, 0]], float)
    >>> path_data(Paths(sq, np.array([0, 4]), np.array([True])))
    'M0 0L10 0 10 10.12Z'
    """
    if not paths:
        return ""
    text = _nums(paths.coords)
    parts = []
    offsets = paths.offsets.tolist()
    for k, closed in enumerate(paths.closed.tolist()):
        a, b = offsets[k], offsets[k + 1]
        if closed:
            b -= 1  # the repeated first point: Z closes the ring
        parts.append(f"M{text[2 * a]} {text[2 * a + 1]}")
        if b - a > 1:
            parts.append("L" + " ".join(text[2 * a + 2 : 2 * b]))
        if closed:
            parts.append("Z")
    return "".join(parts)


def check_repeat(repeat) -> tuple[int, int]:
    """Validate ``repeat=(nx, ny)``: two whole numbers >= 1."""
    try:
        nx, ny = repeat
    except (TypeError, ValueError):
        nx = ny = None
    for v in (nx, ny):
        if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < 1:
            raise RenderError(
                f"Invalid value for the 'repeat' parameter: expected two whole numbers >= 1 "
                f"like (2, 3), but got {repeat!r} instead."
            )
    return int(nx), int(ny)


def _paint_attrs(layer, kind: str) -> str:
    if kind == "fill":
        color, alpha = split_color(layer.fill)
        attrs = f'fill="{color}" fill-rule="evenodd"'
        if alpha < 1:
            attrs += f' fill-opacity="{_num3(alpha)}"'
        return attrs
    color, alpha = split_color(layer.stroke)
    attrs = (
        f'fill="none" stroke="{color}" stroke-width="{_num3(layer.stroke_width)}" '
        'stroke-linecap="round" stroke-linejoin="round"'
    )
    if alpha < 1:
        attrs += f' stroke-opacity="{_num3(alpha)}"'
    return attrs


def _num3(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _layer_body(li: LayerInk, key: str, prefix: str, out: list[str], defs: list[str]) -> None:
    """The <path> elements of one layer (and its clipPath, into *defs*)."""
    clip_attr = ""
    if li.clip is not None:
        cid = f"{prefix}-clip-{key}"
        defs.append(
            f'<clipPath id="{cid}" clipPathUnits="userSpaceOnUse">'
            f'<path d="{path_data(li.clip) or "M0 0Z"}" clip-rule="evenodd"/></clipPath>'
        )
        clip_attr = f' clip-path="url(#{cid})"'
    elems = []
    if li.fill:
        elems.append(f'<path d="{path_data(li.fill)}" {_paint_attrs(li.layer, "fill")}/>')
    if li.stroke:
        elems.append(f'<path d="{path_data(li.stroke)}" {_paint_attrs(li.layer, "stroke")}/>')
    if clip_attr and len(elems) > 1:
        out.append(f"<g{clip_attr}>")
        out.extend(elems)
        out.append("</g>")
    else:
        out.extend(e.replace("<path ", f"<path{clip_attr} ", 1) for e in elems)


def _id_keys(names: list[str]) -> list[str]:
    """Unique id-safe keys from layer names ('wax' → 'wax', a second 'wax' → 'wax-2').

    Illustrator names layers after the group ids, so the ids carry the names.
    """
    keys: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "layer"
        key, n = base, 1
        while key in seen:
            n += 1
            key = f"{base}-{n}"
        seen.add(key)
        keys.append(key)
    return keys


def _desc(metadata: Mapping[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in metadata.items())


def write_svg(
    stream: TextIO,
    pattern: Pattern,
    *,
    repeat: tuple[int, int] = (1, 1),
    flatten: bool = False,
    id_prefix: str = "bw",
) -> None:
    """Write *pattern* as SVG text to *stream*.

    Parameters
    ----------
    stream : text stream
        Where the SVG goes (anything with ``write(str)``).
    pattern : Pattern
        The tile.
    repeat : (int, int)
        Repeats across and down; the canvas is ``nx·W × ny·H`` pixels.
    flatten : bool
        Write every repeat explicitly instead of using ``<pattern>`` elements.
    id_prefix : str
        Prefix of every element id, so several SVGs can share one HTML page.
    """
    if not isinstance(pattern, Pattern):
        raise RenderError(f"expected a Pattern to render, but got {type(pattern).__name__}")
    nx, ny = check_repeat(repeat)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise RenderError(
            f"Invalid value for the 'id_prefix' parameter: expected a letter followed by "
            f"letters, digits, '-' or '_', but got {id_prefix!r} instead."
        )
    W, H = pattern.width, pattern.height
    cw, ch = W * nx, H * ny
    repeating = (nx, ny) != (1, 1) and not flatten
    if repeating:
        pw, ph = pattern.cell_size
        rect = (0.0, 0.0, float(pw), float(ph))
    else:
        rect = (0.0, 0.0, float(cw), float(ch))
    inks = ink(pattern, rect)
    md = dict(pattern.metadata)
    title = (
        md.get("title")
        or " ".join(str(md[k]) for k in ("motif", "variant") if md.get(k))
        or "batik_waves tile"
    )

    defs: list[str] = []
    body: list[str] = []
    keys = _id_keys(["ground"] + [li.layer.name for li in inks])
    if pattern.background is not None:
        color, alpha = split_color(pattern.background)
        op = f' fill-opacity="{_num3(alpha)}"' if alpha < 1 else ""
        body.append(
            f'<g id="{id_prefix}-{keys[0]}" data-name="ground" inkscape:groupmode="layer" '
            f'inkscape:label="ground"><rect x="0" y="0" width="{cw}" height="{ch}" '
            f'fill="{color}"{op}/></g>'
        )
    for key, li in zip(keys[1:], inks, strict=True):
        layer = li.layer
        op = f' opacity="{_num3(layer.opacity)}"' if layer.opacity < 1 else ""
        body.append(
            f'<g id="{id_prefix}-{key}" data-name="{_escape(layer.name, attribute=True)}" '
            'inkscape:groupmode="layer" '
            f'inkscape:label="{_escape(layer.name, attribute=True)}"{op}>'
        )
        if repeating:
            inner: list[str] = []
            _layer_body(li, key, id_prefix, inner, defs)
            tid = f"{id_prefix}-tile-{key}"
            defs.append(
                f'<pattern id="{tid}" patternUnits="userSpaceOnUse" x="0" y="0" '
                f'width="{pw}" height="{ph}">' + "".join(inner) + "</pattern>"
            )
            body.append(f'<rect x="0" y="0" width="{cw}" height="{ch}" fill="url(#{tid})"/>')
        else:
            _layer_body(li, key, id_prefix, body, defs)
        body.append("</g>")

    w = stream.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w(
        f'<svg xmlns="{SVG_NS}" xmlns:inkscape="{INKSCAPE_NS}" version="1.1" '
        f'width="{cw}" height="{ch}" viewBox="0 0 {cw} {ch}">\n'
    )
    w(f"<title>{_escape(title)}</title>\n")
    if md:
        w(f"<desc>{_escape(_desc(md))}</desc>\n")
    if defs:
        w("<defs>\n" + "\n".join(defs) + "\n</defs>\n")
    w("\n".join(body))
    w("\n</svg>\n")


def to_svg(
    pattern: Pattern,
    *,
    repeat: tuple[int, int] = (1, 1),
    flatten: bool = False,
    id_prefix: str = "bw",
) -> str:
    """The SVG of *pattern* as a string (see :func:`write_svg`).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> from batik_waves.motifs.pattern import Layer, Pattern
    >>> p = Pattern(40, 40, "#F1E9D8", (Layer("dots", "#4A2E1F", Point(20, 20).buffer(8)),))
    >>> svg = to_svg(p)
    >>> 'inkscape:label="dots"' in svg and 'fill-rule="evenodd"' in svg
    True
    >>> "<pattern" in to_svg(p, repeat=(2, 2))
    True
    """
    buf = io.StringIO()
    write_svg(buf, pattern, repeat=repeat, flatten=flatten, id_prefix=id_prefix)
    return buf.getvalue()


def save_svg(
    pattern: Pattern,
    path: str | os.PathLike,
    *,
    repeat: tuple[int, int] = (1, 1),
    flatten: bool = False,
    id_prefix: str = "bw",
) -> Path:
    """Write the SVG of *pattern* to *path* atomically (UTF-8) and return the path."""
    text = to_svg(pattern, repeat=repeat, flatten=flatten, id_prefix=id_prefix)
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
