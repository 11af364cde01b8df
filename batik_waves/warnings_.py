"""The warning category of batik_waves: recoverable oddities in the input."""

from __future__ import annotations

import warnings

__all__ = ["BatikWavesWarning", "warn"]


class BatikWavesWarning(UserWarning):
    """Something odd but recoverable: a flat channel, a band above Nyquist, NaNs."""


def warn(message: str, *, stacklevel: int = 3) -> None:
    """Emit a :class:`BatikWavesWarning`."""
    warnings.warn(message, BatikWavesWarning, stacklevel=stacklevel)
