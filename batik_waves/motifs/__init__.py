"""Motif generators (kawung, parang) and what they share: Pattern, fillers, palettes."""

from __future__ import annotations

from .pattern import REPEATS, Layer, Pattern, lattice_vectors, wrap_on_torus

__all__ = ["REPEATS", "Layer", "Pattern", "lattice_vectors", "wrap_on_torus"]
