"""Motif generators (kawung, parang) and what they share: Pattern, fillers, palettes."""

from __future__ import annotations

from .isen import FILLERS, fill
from .palette import PALETTES, Palette, palette
from .pattern import REPEATS, Layer, Pattern, lattice_vectors, wrap_on_torus
from .texture import crackle, wobble

__all__ = [
    "FILLERS",
    "PALETTES",
    "REPEATS",
    "Layer",
    "Palette",
    "Pattern",
    "crackle",
    "fill",
    "lattice_vectors",
    "palette",
    "wobble",
    "wrap_on_torus",
]
