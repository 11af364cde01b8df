"""Renderers: Pattern → SVG, PNG, raw frames, video."""

from __future__ import annotations

__all__: list[str] = []
