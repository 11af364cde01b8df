"""What the still and the video job share: finding the recording, its outputs'
names, and its envelopes for a window."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .._io import check_not_input
from ..eeg.bands import envelopes_from_file
from ..eeg.envelopes import Envelopes
from ..eeg.formats import companions, recording_stem
from ..eeg.simulate import sample_path
from ..errors import RenderError

__all__ = ["Progress", "check_targets", "inputs_of", "load", "recording", "stem"]

#: ``progress(done, total)``.
Progress = Callable[[float, float], None]


def no_progress(done: float, total: float | None = None) -> None:
    """A progress callback that does nothing."""


def recording(path: str | os.PathLike | None) -> Path:
    """*path*, or the bundled sample when None."""
    return Path(sample_path() if path is None else path)


def stem(path: str | os.PathLike) -> str:
    """The recording's name without its extension (``rec.fif.gz`` -> ``rec``), by the
    one table of formats the reader dispatches from."""
    return recording_stem(path)


def inputs_of(path: Path) -> list[Path]:
    """The recording and its companion files (:func:`~batik_waves.eeg.formats.companions`):
    never overwritten."""
    return [path, *companions(path)]


def check_targets(targets: Sequence[Path], source: Path) -> None:
    """Refuse any target that is the recording, one of its companions, or inside a
    folder recording (an ``.mff``, a CTF ``.ds``)."""
    inputs = inputs_of(source)
    for t in targets:
        check_not_input(t, inputs)
        if source.is_dir() and Path(t).resolve().is_relative_to(source.resolve()):
            raise RenderError(f"{t}: refusing to write inside the input recording {source}")


def load(
    path: Path,
    window: tuple[float | None, float | None],
    *,
    progress: Progress | None = None,
) -> Envelopes:
    """The envelopes of *window* of the recording: filtered with a margin of signal
    around the window, then cut, so a window's envelopes are the same whichever job
    asks for them."""
    return envelopes_from_file(
        path, window=None if window == (None, None) else window, progress=progress
    )
