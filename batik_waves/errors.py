"""The error hierarchy of batik_waves, and its warning class.

Every error a user can cause (a bad file, a bad parameter, an output that cannot be
written, a headset that stopped) is a :class:`BatikWavesError`. The command line turns
it into one line on stderr and exit status 2; anything else is a bug and keeps its
traceback.

::

    BatikWavesError
    ├── ParameterError (also a ValueError): an option or parameter out of its range
    │   ├── MotifError: a motif parameter, variant, filler or colourway
    │   └── MappingError: a mapping TOML or a mapping rule
    ├── RecordingError: a recording cannot be read or is unusable
    ├── RenderError: an output cannot be produced or written
    └── SourceError: a live source cannot be opened or has stopped

    BatikWavesWarning (UserWarning): something odd but recoverable
"""

from __future__ import annotations

import warnings

__all__ = [
    "BatikWavesError",
    "BatikWavesWarning",
    "MappingError",
    "MotifError",
    "ParameterError",
    "RecordingError",
    "RenderError",
    "SourceError",
    "warn",
]


class BatikWavesError(Exception):
    """Base class of every error batik_waves raises on purpose."""


class ParameterError(BatikWavesError, ValueError):
    """An option or parameter is unknown or outside its allowed range.

    The same invalid option raises this class (or a subclass) whichever command or
    function it came through.
    """


class MotifError(ParameterError):
    """A motif parameter, variant, filler or colourway is unknown or out of range."""


class MappingError(ParameterError):
    """A mapping (TOML file, preset name or rule) is invalid."""


class RecordingError(BatikWavesError):
    """A recording cannot be read or is unusable (too short, no EEG, all flat)."""


class RenderError(BatikWavesError):
    """An output cannot be produced (unwritable place, encoder failure)."""


class SourceError(BatikWavesError):
    """A live source cannot be opened or has stopped."""


class BatikWavesWarning(UserWarning):
    """Something odd but recoverable: a flat channel, a band above Nyquist, NaNs."""


def warn(message: str, *, stacklevel: int = 3) -> None:
    """Emit a :class:`BatikWavesWarning`."""
    warnings.warn(message, BatikWavesWarning, stacklevel=stacklevel)
