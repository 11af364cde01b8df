"""Motif generators (kawung, parang, ceplok, nitik) and what they share: Pattern,
fillers, palettes."""

from __future__ import annotations

from .ceplok import CeplokParams, ceplok, ceplok_cloth
from .isen import FILLERS, fill
from .kawung import KawungParams, kawung, kawung_cloth
from .nitik import NitikParams, nitik, nitik_cloth
from .palette import PALETTES, Palette, make_palette
from .parang import DIRECTIONS, ParangParams, parang, parang_cloth
from .pattern import REPEATS, Layer, Pattern, lattice_vectors, wrap_on_torus
from .texture import crackle, wobble

__all__ = [
    "DIRECTIONS",
    "FILLERS",
    "PALETTES",
    "REPEATS",
    "CeplokParams",
    "KawungParams",
    "Layer",
    "NitikParams",
    "Palette",
    "ParangParams",
    "Pattern",
    "ceplok",
    "ceplok_cloth",
    "crackle",
    "fill",
    "kawung",
    "kawung_cloth",
    "lattice_vectors",
    "make_palette",
    "nitik",
    "nitik_cloth",
    "parang",
    "parang_cloth",
    "wobble",
    "wrap_on_torus",
]
