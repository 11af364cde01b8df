"""The error hierarchy of batik_waves.

Every error a user can cause (a bad file, a bad parameter, an output that cannot be
written) is a :class:`BatikWavesError`. The command line turns it into one line on
stderr and exit status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "BatikWavesError",
    "MotifError",
    "RecordingError",
    "RenderError",
    "SourceError",
]


class BatikWavesError(Exception):
    """Base class of every error batik_waves raises on purpose."""


class RecordingError(BatikWavesError):
    """A recording cannot be read or is unusable (too short, no EEG, all flat)."""


class MotifError(BatikWavesError, ValueError):
    """A motif parameter is unknown or outside its allowed range."""


class RenderError(BatikWavesError):
    """An output cannot be produced (bad size, bad format, unwritable place)."""


class SourceError(BatikWavesError):
    """A live source cannot be opened or has stopped."""
