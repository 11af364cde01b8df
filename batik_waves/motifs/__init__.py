"""Motif generators and what they share: the registry, Pattern, fillers, palettes.

Names are imported lazily, so importing the palette or the registry (to check an
option) does not import shapely.
"""

from __future__ import annotations

import importlib

_API = {
    "MOTIFS": "registry",
    "CeplokParams": "ceplok",
    "MegaMendungParams": "mega_mendung",
    "NitikParams": "nitik",
    "TruntumParams": "truntum",
    "ceplok": "ceplok",
    "ceplok_cloth": "ceplok",
    "mega_mendung": "mega_mendung",
    "mega_mendung_cloth": "mega_mendung",
    "nitik": "nitik",
    "nitik_cloth": "nitik",
    "truntum": "truntum",
    "truntum_cloth": "truntum",
    "MotifEntry": "registry",
    "DIRECTIONS": "parang",
    "FILLERS": "isen",
    "PALETTES": "palette",
    "REPEATS": "pattern",
    "KawungParams": "kawung",
    "Layer": "pattern",
    "MotifParams": "_params",
    "Palette": "palette",
    "ParangParams": "parang",
    "Pattern": "pattern",
    "crackle": "texture",
    "fill": "isen",
    "kawung": "kawung",
    "kawung_cloth": "kawung",
    "lattice_vectors": "pattern",
    "make_palette": "palette",
    "parang": "parang",
    "parang_cloth": "parang",
    "wobble": "texture",
    "wrap_on_torus": "pattern",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
