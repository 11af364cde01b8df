"""The Pattern station: one tile of batik as ordered, named layers of shapely geometry.

Geometry lives on the torus of the tile. A shape that crosses an edge is continued
from the opposite edge (shifted by the repeat's lattice vectors), so every tile is
seamless by construction. Renderers consume a Pattern and nothing else.

Coordinates are pixels, x to the right and y downwards (as in SVG), the tile
spanning ``[0, width] × [0, height]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from ..errors import MotifError
from ._params import REPEATS as _REPEATS

__all__ = [
    "REPEATS",
    "Layer",
    "Pattern",
    "check_color",
    "disjoint_polygons",
    "lattice_vectors",
    "wrap_on_torus",
]

#: Repeat kinds: how tiles are laid next to each other.
REPEATS = _REPEATS

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def check_color(value: str | None, name: str = "color", *, allow_none: bool = True) -> str | None:
    """Validate a ``#RRGGBB`` or ``#RRGGBBAA`` colour and return it upper-cased."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or not _HEX.match(value):
        raise MotifError(
            f"Invalid value for the {name!r} parameter: expected a hex colour like '#F1E9D8', "
            f"but got {value!r} instead."
        )
    return value.upper()


def lattice_vectors(width: float, height: float, repeat: str = "block"):
    """The two translation vectors under which a tile of this repeat kind is periodic.

    >>> lattice_vectors(100, 80, "half-drop")
    ((100, 40.0), (0, 80))
    """
    if repeat == "block":
        return (width, 0), (0, height)
    if repeat == "half-drop":
        return (width, height / 2), (0, height)
    if repeat == "half-brick":
        return (width, 0), (width / 2, height)
    raise MotifError(
        f"Invalid value for the 'repeat' parameter. Allowed values are "
        f"{', '.join(map(repr, REPEATS))}, but got {repeat!r} instead."
    )


def disjoint_polygons(parts) -> BaseGeometry:
    """Polygons as one valid MultiPolygon: parts that overlap or share an edge are merged.

    Overlapping parts would punch holes under even-odd fill (and make the MultiPolygon
    invalid). Finding the pairs with an STR tree costs a fraction of ``is_valid`` (about
    0.7 ms against 3.7 ms for the 1584 cecek of a 1080p kawung), so generators can
    afford it on every frame; validity is checked, and the union run, only when some
    pair does meet.

    >>> from shapely.geometry import Point
    >>> a, b, c = Point(0, 0).buffer(1), Point(1, 0).buffer(1), Point(5, 0).buffer(1)
    >>> g = disjoint_polygons([a, b, c])
    >>> g.geom_type, len(g.geoms), g.is_valid
    ('MultiPolygon', 2, True)
    """
    parts = np.asarray(parts, dtype=object)
    if not (shapely.get_type_id(parts) == 3).all():
        parts = shapely.get_parts(parts)
        parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return shapely.MultiPolygon()
    out = shapely.multipolygons(parts)
    i, j = shapely.STRtree(parts).query(parts, predicate="intersects")
    meet = i != j
    # parts that meet only at points (petal tips at a node) are valid as they are
    if meet.any() and not out.is_valid:
        # union only the parts that meet (a handful among tens of thousands of marks)
        clash = np.zeros(len(parts), bool)
        clash[i[meet]] = True
        merged = shapely.get_parts(shapely.union_all(parts[clash]))
        merged = merged[shapely.get_type_id(merged) == 3]
        out = shapely.multipolygons(np.concatenate([parts[~clash], merged]))
    return out


def wrap_on_torus(
    geom: BaseGeometry, width: float, height: float, repeat: str = "block"
) -> BaseGeometry:
    """Fold *geom* into the tile: every part outside is moved in by lattice vectors.

    The result is what one tile of an endless repeat of *geom* shows: the union of
    *geom* translated by every lattice vector that brings some of it into the tile,
    clipped to the tile. Geometry may stick out by up to one tile on any side.

    >>> from shapely.geometry import Point
    >>> g = wrap_on_torus(Point(0, 0).buffer(10), 100, 100)
    >>> round(g.area / Point(0, 0).buffer(10).area, 3)   # four quarter-discs
    1.0
    """
    if geom.is_empty:
        return geom
    (ax, ay), (bx, by) = lattice_vectors(width, height, repeat)
    tile = box(0, 0, width, height)
    pieces = []
    for i in (-1, 0, 1):
        for j in (-2, -1, 0, 1, 2) if repeat != "block" else (-1, 0, 1):
            dx, dy = i * ax + j * bx, i * ay + j * by
            if abs(dx) > width * 1.6 or abs(dy) > height * 1.6:
                continue
            moved = shapely.affinity.translate(geom, dx, dy)
            part = moved.intersection(tile)
            if not part.is_empty:
                pieces.append(part)
    if not pieces:
        return shapely.geometry.GeometryCollection()
    out = shapely.union_all(pieces)
    return out


@dataclass(frozen=True)
class Layer:
    """One layer of a pattern: a name, a fill, an optional stroke, and its geometry.

    Polygons are filled with the even-odd rule (holes are holes); lines are only
    stroked. ``stroke_width`` is in pixels. ``clip_to`` names an earlier layer whose
    geometry clips this one (crackle veins drawn only inside the wax, say): renderers
    clip while drawing, which is far cheaper than intersecting geometry.

    ``fast_antialias`` says the layer's antialiasing cannot be seen: small marks and
    thin veins (isen-isen dots, crackle), or edges that an opaque layer drawn later
    covers (kawung petals under their outline). On frames of a megapixel and more the
    rasterizer draws such layers with cairo's 4 × 4 antialiasing instead of its finest,
    which looks the same there and saves about a fifth of a 1080p kawung frame; SVG and
    PNG files ignore it.
    """

    name: str
    fill: str | None
    geometry: BaseGeometry
    stroke: str | None = None
    stroke_width: float = 0.0
    opacity: float = 1.0
    clip_to: str | None = None
    fast_antialias: bool = False

    def __post_init__(self) -> None:
        check_color(self.fill, f"{self.name}.fill")
        check_color(self.stroke, f"{self.name}.stroke")
        if not isinstance(self.geometry, BaseGeometry):
            raise MotifError(f"layer {self.name!r}: geometry must be a shapely geometry")
        if self.stroke is not None and not self.stroke_width > 0:
            raise MotifError(f"layer {self.name!r}: a stroke needs a positive stroke_width")
        if not 0.0 <= self.opacity <= 1.0:
            raise MotifError(
                f"layer {self.name!r}: opacity must be within [0, 1], got {self.opacity!r}"
            )


@dataclass(frozen=True)
class Pattern:
    """One seamless tile of batik.

    Attributes
    ----------
    width, height : int
        Tile size in whole pixels.
    background : str or None
        Ground colour ``#RRGGBB``; None for a transparent ground (compositing).
    layers : tuple of Layer
        Drawn in order, first at the bottom.
    repeat : str
        How tiles are laid: ``"block"``, ``"half-drop"`` or ``"half-brick"``.
    metadata : mapping
        Free text carried to outputs (title, motif, variant...). Renderers escape it.
    """

    width: int
    height: int
    background: str | None
    layers: tuple[Layer, ...]
    repeat: str = "block"
    metadata: Mapping[str, str] = field(default_factory=dict)
    # What renderers derive from the pattern (flattened paths for a rectangle), kept
    # with it so a pattern drawn again (a pan, a second frame) is not flattened again,
    # and gone with it. Bounded by the renderers (a few entries).
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise MotifError(
                    f"Invalid value for the {name!r} parameter: expected a whole number of "
                    f"pixels >= 1, but got {v!r} instead."
                )
        check_color(self.background, "background")
        lattice_vectors(self.width, self.height, self.repeat)
        object.__setattr__(self, "layers", tuple(self.layers))
        seen: set[str] = set()
        for lyr in self.layers:
            if lyr.clip_to is not None and lyr.clip_to not in seen:
                raise MotifError(
                    f"layer {lyr.name!r} clips to {lyr.clip_to!r}, which is not an earlier layer"
                )
            seen.add(lyr.name)
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def cell_size(self) -> tuple[int, int]:
        """The smallest axis-aligned rectangle that repeats the pattern by plain tiling:
        one tile, or two for half-drop (side by side) and half-brick (stacked)."""
        if self.repeat == "half-drop":
            return 2 * self.width, self.height
        if self.repeat == "half-brick":
            return self.width, 2 * self.height
        return self.width, self.height

    @property
    def lattice(self):
        """The repeat's two lattice vectors (see :func:`lattice_vectors`)."""
        return lattice_vectors(self.width, self.height, self.repeat)

    def layer(self, name: str) -> Layer:
        for lyr in self.layers:
            if lyr.name == name:
                return lyr
        raise KeyError(
            f"No layer {name!r}. Layers are {', '.join(repr(x.name) for x in self.layers)}."
        )

    def with_layers(self, layers: Iterable[Layer]) -> Pattern:
        return Pattern(
            self.width,
            self.height,
            self.background,
            tuple(layers),
            self.repeat,
            dict(self.metadata),
        )
