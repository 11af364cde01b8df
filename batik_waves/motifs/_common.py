"""What every motif family shares: input checks, seeds, the hand's noise, clipping to the
tile, the stacking of layers round the crackle, and the assembly of a long cloth.

A family module (``kawung``, ``parang``, ``mega_mendung``, ``truntum``, ``ceplok``,
``nitik``) keeps only what is its own: its params class, its lattice, its templates and
their colour roles. These helpers are public within the package (no family imports
another's private names) and not part of the library's API.

A cloth runs the recording's time down the fabric. :class:`ClothRows` asks the caller's
``params_at(y)`` for the parameters of each row (or blade, or site) at its height, keeps
the structural fields of the top so the lattice stays continuous, and groups the rows
that share their parameters, so each group is drawn in one vectorised pass:

>>> from batik_waves.motifs.kawung import KawungParams
>>> rows = ClothRows(lambda y: KawungParams(petal_width=0.5 if y < 0.5 else 0.7),
...                  KawungParams, (100, 200), fixed=("flowers",))
>>> groups = rows.group((j, 50.0 * j) for j in range(4))
>>> [(p.petal_width, js) for p, js in groups.items()]
[(0.5, [0, 1]), (0.7, [2, 3])]
>>> runs([3, 1, 2, 7])
[(1, 3), (7, 7)]
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from ..errors import MotifError
from .palette import Palette
from .palette import palette as make_palette
from .pattern import Layer, disjoint_polygons, lattice_vectors
from .texture import PeriodicNoise, _hash01, crackle

__all__ = [
    "ClothLayers",
    "ClothRows",
    "check_params",
    "clip_to_box",
    "crackle_density",
    "crackle_layer",
    "noise_field",
    "rng_seeds",
    "runs",
    "stack_layers",
    "thinned_crackle",
    "tile_palette",
    "tile_size",
    "variant_name",
    "variant_of",
]

P = TypeVar("P")
Box = tuple[float, float, float, float]


# ------------------------------------------------------------------------ inputs
def tile_size(tile, name: str = "tile") -> tuple[int, int]:
    """``(width, height)`` in whole pixels, each at least 8, or a :class:`MotifError`.

    >>> tile_size((300, 200))
    (300, 200)
    >>> tile_size((300, 7.5))
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'tile' parameter: the height must be a whole number of pixels >= 8, but got 7.5 instead.
    """
    try:
        w, h = tile
    except (TypeError, ValueError):
        raise MotifError(
            f"Invalid value for the {name!r} parameter: expected (width, height) in whole "
            f"pixels, but got {tile!r} instead."
        ) from None
    for side, v in (("width", w), ("height", h)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 8:
            raise MotifError(
                f"Invalid value for the {name!r} parameter: the {side} must be a whole number "
                f"of pixels >= 8, but got {v!r} instead."
            )
    return int(w), int(h)


def check_params(cls: type[P], params, *, names: bool = False) -> P:
    """*params* if it is a *cls*, ``cls()`` for None, or (with *names*) the variant of
    that name; anything else raises :class:`MotifError` naming what was expected."""
    if params is None:
        return cls()
    if names and isinstance(params, str):
        return cls.variant(params)
    if not isinstance(params, cls):
        wanted = f"{cls.__name__}, a variant name or None" if names else cls.__name__
        raise MotifError(
            f"Invalid value for the 'params' parameter: expected {wanted}, but got "
            f"{type(params).__name__} instead."
        )
    return params


def variant_name(p) -> str:
    """The name of the variant *p* equals, ``"default"`` or ``"custom"`` (for the
    ``variant`` entry of a tile's metadata)."""
    cls = type(p)
    for name in cls.variants():
        if p == cls.variant(name):
            return name
    return "default" if p == cls() else "custom"


def tile_palette(default: str, palette: Palette | str | None, transparent: bool) -> Palette:
    """The tile's colourway: *palette* if given, else the params' *default*; with
    *transparent*, its ground left undrawn."""
    pal = make_palette(default if palette is None else palette)
    return pal.transparent() if transparent else pal


def rng_seeds(rng) -> tuple[int, int, int]:
    """Independent seeds for wobble, crackle and fillers from an int, Generator or None.

    >>> rng_seeds(None) == rng_seeds(0)
    True
    """
    if isinstance(rng, np.random.Generator):
        gen = rng
    elif rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        gen = np.random.default_rng(0 if rng is None else int(rng))
    else:
        raise MotifError(
            f"Invalid value for the 'rng' parameter: expected a numpy Generator or an int "
            f"seed, but got {rng!r} instead."
        )
    s = gen.integers(0, 2**31 - 1, size=3)
    return int(s[0]), int(s[1]), int(s[2])


# ---------------------------------------------------------------- the maker's hand
@functools.lru_cache(maxsize=16)
def noise_field(
    width: float, height: float, cell: float, seed: int, repeat: str, channels: int = 3
) -> PeriodicNoise:
    """The wobble's noise field on the tile's repeat, kept while frames reuse the same
    seed and tile (the field is read-only once made)."""
    return PeriodicNoise(width, height, cell=cell, rng=seed, repeat=repeat, channels=channels)


def variant_of(xy: np.ndarray, width: float, height: float, repeat: str, k: int, seed: int):
    """A periodic choice among *k* per site: the same on every copy of the site.

    >>> xy = np.array([[10.0, 20.0], [110.0, 20.0]])
    >>> a, b = variant_of(xy, 100, 100, "block", 7, 1)
    >>> bool(a == b)
    True
    """
    a1, a2 = lattice_vectors(width, height, repeat)
    inv = np.linalg.inv(np.array([[a1[0], a2[0]], [a1[1], a2[1]]], dtype=float))
    uv = xy @ inv.T
    q = np.mod(np.round(uv * 4096), 4096).astype(np.int64)
    return (_hash01(np.full(len(q), seed), q[:, 0], q[:, 1]) * k).astype(int)


def crackle_density(amount: float, size: float, *, per: float = 12.0, floor: float = 80.0):
    """Crack cells per 100×100 px: about *per* cells per *size*² at full *amount*,
    never finer than cells of ~*floor*/4 px (for the family's unit *size*: the pitch of
    a lattice, the height of a cloud)."""
    return amount * per * 1e4 / max(size, floor) ** 2


# -------------------------------------------------------------------- clipping
def _valid_cut(cut: np.ndarray) -> np.ndarray:
    """clip_by_rect is fast but not always valid: a ring that touches the edge can
    come out self-intersecting there. Mend those few (only cut parts are checked)."""
    bad = ~shapely.is_valid(cut)
    if bad.any():
        cut = cut.copy()
        cut[bad] = shapely.make_valid(cut[bad], method="structure", keep_collapsed=False)
    return cut


def clip_to_box(polys: np.ndarray, box: Box) -> BaseGeometry:
    """Polygons clipped to *box* ``(x0, y0, x1, y1)`` as one valid MultiPolygon.

    Parts that overlap are merged (:func:`~.pattern.disjoint_polygons`), since they
    would punch holes under even-odd fill. It happens at the edges of the parameter
    space: thick outlines round short petals reach their neighbours' rings, a small
    kawung moved by the hand as a whole touches the wobbled outline of a big petal, and
    a strong hand moves close marks (a cecek beside a sawut stroke) into each other.

    >>> sq = shapely.box(-5, -5, 5, 5)
    >>> clip_to_box(np.array([sq]), (0, 0, 10, 10)).area
    25.0
    >>> clip_to_box(np.empty(0, dtype=object), (0, 0, 10, 10)).is_empty
    True
    """
    if len(polys) == 0:
        return MultiPolygon()
    x0, y0, x1, y1 = box
    b = shapely.bounds(polys)
    inside = (b[:, 0] >= x0) & (b[:, 1] >= y0) & (b[:, 2] <= x1) & (b[:, 3] <= y1)
    outside = (b[:, 2] <= x0) | (b[:, 0] >= x1) | (b[:, 3] <= y0) | (b[:, 1] >= y1)
    cross = ~inside & ~outside
    cut = shapely.get_parts(_valid_cut(shapely.clip_by_rect(polys[cross], x0, y0, x1, y1)))
    whole = polys[inside]
    if not (shapely.get_type_id(whole) == 3).all():  # mostly polygons already: no copies
        whole = shapely.get_parts(whole)
    parts = np.concatenate([whole, cut])
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-9)]
    if len(parts) == 0:
        return MultiPolygon()
    return disjoint_polygons(parts)


# ----------------------------------------------------------------------- layers
def crackle_layer(
    colour: str | None, veins: BaseGeometry, clip: str | None, opacity: float = 0.85
) -> Layer:
    """The wax crackle: veins under the motif (*clip* None, on a waxed ground) or
    clipped to the waxed layer named *clip*."""
    return Layer("crackle", colour, veins, opacity=opacity, clip_to=clip, fast_antialias=True)


def stack_layers(
    order: Iterable[str],
    polys: dict[str, BaseGeometry],
    col: dict[str, Any],
    veins: BaseGeometry,
    *,
    fast: Iterable[str] = (),
    opacity: float = 0.85,
) -> list[Layer]:
    """A tile's layers, bottom to top in *order*, with the crackle where the wax is.

    ``col`` holds each layer's colour, the veins' colour under ``"crackle"`` and under
    ``"crackle-clip"`` the layer that is waxed: None when the ground is (the veins then
    lie first, under everything), else a layer name (the veins follow it, clipped to
    it). Layers named in *fast* have antialiasing nobody can see (see :class:`Layer`).
    """
    clip = col["crackle-clip"]
    veins_layer = crackle_layer(col["crackle"], veins, clip, opacity)
    fast = set(fast)
    out = [] if clip else [veins_layer]
    for name in order:
        out.append(Layer(name, col[name], polys[name], fast_antialias=name in fast))
        if name == clip:
            out.append(veins_layer)
    return out


# ------------------------------------------------------------------------ cloth
def runs(ks: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs of the sorted integers *ks* as ``(first, last)``."""
    out: list[tuple[int, int]] = []
    for k in sorted(ks):
        if out and k == out[-1][1] + 1:
            out[-1] = (out[-1][0], k)
        else:
            out.append((k, k))
    return out


class ClothRows:
    """The parameters down a long cloth: ``params_at(y)`` at each row's height.

    Parameters
    ----------
    params_at : callable
        ``params_at(y) -> cls`` for ``y`` from 0 (the top of the cloth) to 1 (its foot).
    cls : type
        The family's params class; ``params_at`` must return one.
    size : (int, int)
        The cloth's width and height in px (checked as by :func:`tile_size`).
    fixed : iterable of str, optional
        Fields read from the top only (default: the class's structural fields), so the
        lattice runs unbroken down the cloth.

    Attributes
    ----------
    width, height : int
        The cloth's size.
    top : cls
        ``params_at(0.0)``.
    """

    def __init__(
        self,
        params_at: Callable[[float], Any],
        cls: type,
        size: tuple[int, int],
        *,
        fixed: Iterable[str] | None = None,
    ) -> None:
        if not callable(params_at):
            raise MotifError(
                f"Invalid value for the 'params_at' parameter: expected a function of the "
                f"position along the cloth returning {cls.__name__}, but got {params_at!r} "
                f"instead."
            )
        self.width, self.height = tile_size(size, "size")
        self.cls = cls
        self.params_at = params_at
        top = params_at(0.0)
        if not isinstance(top, cls):
            raise MotifError(
                f"params_at(0.0) must return {cls.__name__}, but got {type(top).__name__} instead."
            )
        self.top = top
        names = cls.names_with_role("structural") if fixed is None else tuple(fixed)
        self.fixed = {k: getattr(top, k) for k in names}

    def at(self, y: float):
        """The parameters at *y* px down the cloth (clamped to the cloth), with the
        top's fixed fields."""
        f = min(1.0, max(0.0, float(y) / self.height))
        p = self.params_at(f)
        if not isinstance(p, self.cls):
            raise MotifError(
                f"params_at({f:.4f}) must return {self.cls.__name__}, but got "
                f"{type(p).__name__} instead."
            )
        return dataclasses.replace(p, **self.fixed)

    def group(self, rows: Iterable[tuple[Any, float]]) -> dict[Any, list[Any]]:
        """Rows ``(key, y px)`` grouped by their parameters, in the order first met."""
        groups: dict[Any, list[Any]] = {}
        for key, y in rows:
            groups.setdefault(self.at(y), []).append(key)
        return groups


Built = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]


class ClothLayers:
    """Collects a cloth's polygons by (layer, colour, colourway), its grounds and its
    crackle, then lays them out as layers in a fixed order.

    The families whose colourway may change along the cloth (kawung, ceplok, nitik)
    fill it by :meth:`draw`; where the cloth colour changes, :meth:`layers` lays that
    ground first, and each layer is split per colour.

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
        """Polygons of layer *name* in *colour* (of colourway *palette*)."""
        if len(polys):
            self.polys.setdefault((name, colour, palette), []).append(polys)

    def ground(self, y0: float, y1: float, colour: str | None, palette: str) -> None:
        """The cloth colour from *y0* to *y1* px."""
        self.grounds.append((y0, y1, colour, palette))

    def draw(
        self,
        groups: dict[Any, list[int]],
        *,
        span: Callable[[int, int], tuple[float, float]],
        build: Callable[[Any, float, float], Built],
        colours: Callable[[Any, Palette], dict[str, Any]],
        palette: Palette | None = None,
        keep: Callable[[np.ndarray, float, float, int, int], np.ndarray] | None = None,
    ) -> None:
        """Draw every run of consecutive rows that share their parameters.

        For each group of :meth:`ClothRows.group` (parameters → row numbers) and each
        run ``k0..k1`` of its rows, ``span(k0, k1)`` gives the run's ``(y0, y1)`` px;
        ``build(params, y0, y1)`` the polygons of every layer near it and the y of the
        site each polygon belongs to; a polygon is kept when its site lies in
        ``[y0, y1)`` (or where ``keep(ys, y0, y1, k0, k1)`` says). The colours are
        ``colours(params, pal)``, *pal* being *palette* or the params' own.
        """
        for params, ks in groups.items():
            pal = palette or make_palette(params.palette)
            col = colours(params, pal)
            for k0, k1 in runs(ks):
                y0, y1 = span(k0, k1)
                built, ys = build(params, y0, y1)
                for name, polys in built.items():
                    if keep is None:
                        mask = (ys[name] >= y0) & (ys[name] < y1)
                    else:
                        mask = keep(ys[name], y0, y1, k0, k1)
                    self.add(name, col[name], pal.name, polys[mask])
                self.crackle.append((y0, y1, params.crackle))
                self.ground(y0, y1, col["background"], pal.name)

    def crackle_amounts(self) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
        """The crackle asked for at each y (the spans' amounts) and the most asked."""
        spans = list(self.crackle)

        def amount_at(cy: np.ndarray) -> np.ndarray:
            local = np.zeros(len(cy))
            for y0, y1, c in spans:
                local[(cy >= y0) & (cy < y1)] = c
            return local

        return amount_at, max((c for _, _, c in spans), default=0.0)

    def palettes(self) -> str:
        """The colourways drawn, for the cloth's metadata."""
        return ", ".join(sorted({k[2] for k in self.polys}))

    def layers(
        self,
        width: int,
        height: int,
        background: str | None,
        *,
        crackle_layer: Layer | None = None,
        crackle_after: str | None = None,
        fast: Iterable[str] = (),
    ) -> list[Layer]:
        """The cloth's layers: grounds where the cloth colour changes, then each named
        layer split per colour (``name``, ``name@palette``, ``name@palette/#colour``),
        clipped to the cloth.

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
                geom = clip_to_box(np.concatenate(self.polys[key]), box)
                out.append(Layer(lname, colour, geom, fast_antialias=name in fast))
            if crackle_layer is not None and name == crackle_after:
                out.append(crackle_layer)
        return out


def thinned_crackle(
    width: int,
    height: int,
    amount_at: Callable[[np.ndarray], np.ndarray],
    most: float,
    *,
    density: Callable[[float], float],
    seed: int,
    vein_width: float,
) -> BaseGeometry:
    """One crackle network at the densest setting *most*, thinned where the cloth asks
    for less: a vein whose centroid lies at ``y`` is kept with the chance
    ``amount_at(y) / most`` (by a hash of its index, so the same seed keeps the same
    veins)."""
    if most <= 0:
        return MultiPolygon()
    net = crackle(width, height, density=density(most), rng=seed, vein_width=vein_width)
    parts = shapely.get_parts(net)
    if len(parts) == 0:
        return MultiPolygon()
    cy = shapely.get_coordinates(shapely.centroid(parts))[:, 1]
    u = _hash01(np.full(len(parts), seed), np.arange(len(parts)))
    kept = parts[u < amount_at(cy) / most]
    return shapely.multipolygons(kept) if len(kept) else MultiPolygon()
