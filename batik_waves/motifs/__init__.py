"""Motif generators and what they share: the registry, Pattern, fillers, palettes.

Names are imported lazily, so importing the palette or the registry (to check an
option) does not import shapely.
"""

from __future__ import annotations

from .._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _API)
