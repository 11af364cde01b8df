"""The motif registry: every motif family, named once.

A family is a module holding a params class (a :class:`~._params.MotifParams`), a tile
function ``f(params, *, tile, rng, palette, repeat) -> Pattern`` and a cloth function
``f(params_at, *, size, rng, palette) -> Pattern`` whose ``params_at(y)`` gives the
parameters at the fraction ``y`` down the cloth. Registering it here makes ``-m NAME``
work everywhere a motif is named: render, cloth, video, kiosk and the mapping's rules.

Entries import their module on first use, so naming or checking a motif needs no
geometry library.

>>> names()
('kawung', 'parang', 'mega-mendung', 'truntum', 'ceplok', 'nitik')
>>> get("parang").params_class().__name__
'ParangParams'
>>> get("kwaung")
Traceback (most recent call last):
...
batik_waves.errors.MotifError: Invalid value for the 'motif' parameter. Allowed values are 'kawung', 'parang', 'mega-mendung', 'truntum', 'ceplok' and 'nitik', but got 'kwaung' instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._check import allowed_text
from ..errors import MotifError

__all__ = ["MOTIFS", "MotifEntry", "get", "names"]


@dataclass(frozen=True)
class MotifEntry:
    """One motif family: where its params class and its drawing functions live."""

    name: str
    module: str
    params: str
    tile_function: str
    cloth_function: str
    summary: str = ""

    def _module(self):
        return importlib.import_module(self.module)

    def params_class(self) -> type:
        """The family's params class (``KawungParams``, ...)."""
        return getattr(self._module(), self.params)

    def tile(self) -> Callable[..., Any]:
        """``f(params, *, tile, rng, palette, repeat) -> Pattern``."""
        return getattr(self._module(), self.tile_function)

    def cloth(self) -> Callable[..., Any]:
        """``f(params_at, *, size, rng, palette) -> Pattern``."""
        return getattr(self._module(), self.cloth_function)


def _entry(name: str, params: str, summary: str) -> MotifEntry:
    ident = name.replace("-", "_")
    return MotifEntry(
        name=name,
        module=f"{__package__}.{ident}",
        params=params,
        tile_function=ident,
        cloth_function=f"{ident}_cloth",
        summary=summary,
    )


#: Every registered family, by name.
MOTIFS: dict[str, MotifEntry] = {
    e.name: e
    for e in (
        _entry("kawung", "KawungParams", "four petals around a node on a 45° lattice"),
        _entry("parang", "ParangParams", "diagonal bands of interlocking S-blades"),
        _entry(
            "mega-mendung",
            "MegaMendungParams",
            "Cirebon clouds of nested bands, dark outside to light inside, rolled ends",
        ),
        _entry("truntum", "TruntumParams", "small star flowers on a dark ground, cecek between"),
        _entry("ceplok", "CeplokParams", "one four- or eight-fold bloom per cell of a square grid"),
        _entry("nitik", "NitikParams", "a design set in small squares and bars on a fine grid"),
    )
}


def names() -> tuple[str, ...]:
    """The registered motif names, in registry order."""
    return tuple(MOTIFS)


def get(name: str) -> MotifEntry:
    """The entry of motif *name*; an unknown name raises :class:`MotifError`."""
    try:
        return MOTIFS[name]
    except (KeyError, TypeError):
        raise MotifError(
            f"Invalid value for the 'motif' parameter. Allowed values are "
            f"{allowed_text(MOTIFS)}, but got {name!r} instead."
        ) from None
