"""The Chunk station and the Source interface every live source implements.

A source delivers the newest samples since the last read as a :class:`Chunk`: times
in seconds on one clock (the machine's monotonic clock, which is also LSL's
``local_clock``), data in volts, channel names and types, and the sampling rate. It
reports its :attr:`Source.state` and the age of its newest sample, and, where the
device judges its own contact (Muse horseshoe, NeuroSky poorSignalLevel), a
per-sensor :meth:`Source.device_quality`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...errors import SourceError

__all__ = [
    "STATES",
    "Chunk",
    "SampleBuffer",
    "Source",
    "clock",
    "require",
]

#: The states a source can be in.
STATES: tuple[str, ...] = ("connecting", "streaming", "stalled", "closed")

#: Which extra provides which module.
_EXTRA = "pip install 'batik-waves[live]'"


def clock() -> float:
    """Seconds on the clock every Chunk's times use (monotonic, = LSL ``local_clock``)."""
    return time.monotonic()


def require(module: str, what: str):
    """Import *module* for *what*, or raise SourceError saying how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise SourceError(
            f"{what} needs the live extra ({module.split('.')[0]} is not installed): {_EXTRA}"
        ) from err


@dataclass(frozen=True)
class Chunk:
    """The newest samples of a live source.

    Attributes
    ----------
    times : ndarray of float64, shape (n_samples,)
        Sample times in seconds on :func:`clock`'s clock, increasing.
    data : ndarray of float64, shape (n_channels, n_samples)
        Samples in volts.
    ch_names : tuple of str
    ch_types : tuple of str
        MNE channel types (``"eeg"``, ``"misc"``, ...).
    rate : float
        Nominal sampling rate in Hz.
    """

    times: np.ndarray
    data: np.ndarray
    ch_names: tuple[str, ...]
    ch_types: tuple[str, ...]
    rate: float

    def __post_init__(self) -> None:
        times = np.asarray(self.times, dtype=np.float64)
        data = np.asarray(self.data, dtype=np.float64)
        if data.ndim != 2 or times.shape != (data.shape[1],):
            raise ValueError(
                f"a Chunk needs data (n_channels, n_samples) and times (n_samples,), got "
                f"{data.shape} and {times.shape}"
            )
        if len(self.ch_names) != data.shape[0] or len(self.ch_types) != data.shape[0]:
            raise ValueError(
                f"{data.shape[0]} channels in data but {len(self.ch_names)} names and "
                f"{len(self.ch_types)} types"
            )
        if not (np.isfinite(self.rate) and self.rate > 0):
            raise ValueError(f"a Chunk needs a positive rate, got {self.rate!r}")
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "ch_names", tuple(self.ch_names))
        object.__setattr__(self, "ch_types", tuple(self.ch_types))
        object.__setattr__(self, "rate", float(self.rate))

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[1])


class Source:
    """A live source of EEG samples.

    Subclasses implement ``_open()``, ``_read() -> (times, data) | None`` and
    ``_close()``, and set ``ch_names``, ``ch_types`` and ``rate`` in ``_open``.
    ``read()`` must be called from one thread (one reader per stream).

    Examples
    --------
    ::

        with open_source("replay:sample") as src:
            chunk = src.read()  # None until samples arrive
    """

    #: the source's own stall limit (s): newer than this is "streaming"
    stall_after: float = 2.0
    #: what the source is, for messages ("LSL stream 'Muse'")
    label: str = "source"

    def __init__(self) -> None:
        self.ch_names: tuple[str, ...] = ()
        self.ch_types: tuple[str, ...] = ()
        self.rate: float = 0.0
        self._newest: float | None = None
        self._opened_at: float | None = None
        self._closed = True

    # ------------------------------------------------------------- interface
    def open(self) -> Source:
        """Connect; raise :class:`SourceError` saying what to check when that fails."""
        if not self._closed:
            return self
        self._newest = None
        self._opened_at = clock()
        self._open()
        self._closed = False
        return self

    def read(self) -> Chunk | None:
        """The samples that arrived since the last read, or None."""
        if self._closed:
            raise SourceError(f"{self.label}: read() after close(); open it again first")
        got = self._read()
        if got is None:
            return None
        times, data = got
        if len(times) == 0:
            return None
        self._newest = float(times[-1])
        return Chunk(times, data, self.ch_names, self.ch_types, self.rate)

    def close(self) -> None:
        """Disconnect and release threads and sockets (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        self._close()

    @property
    def state(self) -> str:
        """One of :data:`STATES`."""
        if self._closed:
            return "closed"
        if self._newest is None:
            age = clock() - (self._opened_at or clock())
            return "connecting" if age <= self.stall_after else "stalled"
        return "streaming" if self.newest_age <= self.stall_after else "stalled"

    @property
    def newest_age(self) -> float:
        """Seconds since the newest sample read (since opening when none yet)."""
        ref = self._newest if self._newest is not None else self._opened_at
        if ref is None:
            return float("inf")
        return max(0.0, clock() - ref)

    def device_quality(self) -> dict[str, str]:
        """Contact per sensor as the device reports it (``good``/``fair``/``poor``).

        Empty when the device reports nothing (LSL, BrainFlow).
        """
        return {}

    def device_report(self) -> dict:
        """The device's latest own values (NeuroSky eSense and band powers, ...)."""
        return {}

    def __enter__(self) -> Source:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label} {self.state}>"

    # ----------------------------------------------------------- subclassing
    def _open(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _read(self) -> tuple[np.ndarray, np.ndarray] | None:  # pragma: no cover
        raise NotImplementedError

    def _close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SampleBuffer:
    """A bounded, thread-safe queue of samples filled by a receiving thread.

    Samples that arrive in bursts (a socket's packets, OSC messages) are put on a
    regular grid at the nominal *rate*, anchored at their arrival time; the anchor is
    reset when the grid falls more than *slack* seconds behind arrival (a gap, a
    reconnect), so times stay increasing and on the clock without jitter.

    Parameters
    ----------
    n_channels : int
    rate : float
    seconds : float
        How much is kept when nobody reads (the oldest samples are dropped).
    """

    def __init__(self, n_channels: int, rate: float, *, seconds: float = 10.0, slack=0.25):
        self.n_channels = n_channels
        self.rate = float(rate)
        self.slack = float(slack)
        self._q: deque[tuple[float, Sequence[float]]] = deque(maxlen=int(seconds * rate))
        self._lock = threading.Lock()
        self._anchor: float | None = None
        self._count = 0

    def put(self, values: Sequence[float], arrival: float | None = None) -> None:
        """Add one sample (one value per channel) that arrived at *arrival*."""
        now = clock() if arrival is None else arrival
        with self._lock:
            if self._anchor is not None:
                t = self._anchor + self._count / self.rate
                # behind the clock by more than the slack: a gap; start a new grid.
                # (Ahead of it is a burst of samples that were held up: keep going.)
                if now - t > self.slack:
                    self._anchor = None
            if self._anchor is None:
                self._anchor, self._count = now, 0
            t = self._anchor + self._count / self.rate
            self._count += 1
            self._q.append((t, values))

    def take(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Everything queued, as (times, data (n_channels, n)), or None."""
        with self._lock:
            if not self._q:
                return None
            items = list(self._q)
            self._q.clear()
        times = np.fromiter((t for t, _ in items), dtype=np.float64, count=len(items))
        data = np.array([v for _, v in items], dtype=np.float64).T
        return times, data.reshape(self.n_channels, len(items))

    def clear(self) -> None:
        with self._lock:
            self._q.clear()
            self._anchor = None
            self._count = 0
