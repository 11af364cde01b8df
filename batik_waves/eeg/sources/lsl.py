"""LSL sources through mne-lsl: any LSL device, and a recording replayed as one.

One :class:`LSLSource` owns one ``StreamLSL`` and is its only reader (two readers on
one stream starve each other, mne-lsl #574). mne-lsl's acquisition thread only logs
its errors and then disconnects, so the source watches ``connected`` and the newest
timestamp, and reports ``stalled`` when either says the data stopped.
"""

from __future__ import annotations

import os
import threading
from itertools import count
from pathlib import Path

import numpy as np

from ...errors import RecordingError, SourceError
from .base import Source, require

__all__ = ["LSLSource", "ReplaySource"]

# distinct stream names for the players one process starts (itertools.count is
# thread-safe and only ever yields new numbers)
_PLAYER_IDS = count(1)


def _quiet(mne_lsl) -> None:
    mne_lsl.set_log_level("ERROR")


class LSLSource(Source):
    """An LSL stream found by name and/or type.

    Parameters
    ----------
    name : str | None
        The stream's name (``"Muse"``, ``"obci_eeg1"``).
    stype : str | None
        The stream's type (``"EEG"``).
    source_id : str | None
        The stream's source id, to pick one of several with the same name.
    timeout : float
        Seconds to look for the stream before giving up.
    bufsize : float
        Seconds of samples the acquisition buffer holds between reads.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        stype: str | None = None,
        source_id: str | None = None,
        timeout: float = 5.0,
        bufsize: float = 5.0,
    ) -> None:
        super().__init__()
        if name is None and stype is None:
            raise SourceError("an LSL source needs a stream name or type, e.g. 'lsl:type=EEG'")
        self.name, self.stype, self.source_id = name, stype, source_id
        self.timeout = float(timeout)
        self.bufsize = float(bufsize)
        self._what = f"named {name!r}" if name else f"of type {stype!r}"
        self.label = f"LSL stream {self._what}"
        self._stream = None
        self._last_ts = -np.inf
        self._lock = threading.Lock()

    def _open(self) -> None:
        mne_lsl = require("mne_lsl", "an LSL source")
        _quiet(mne_lsl)
        from mne_lsl.lsl import resolve_streams
        from mne_lsl.stream import StreamLSL

        found = resolve_streams(
            timeout=self.timeout, name=self.name, stype=self.stype, source_id=self.source_id
        )
        if not found:
            hint = "is muse-lsl (or the device's LSL app) streaming?"
            raise SourceError(f"no LSL stream {self._what} found in {self.timeout:g} s: {hint}")
        sinfo = found[0]
        stream = StreamLSL(
            self.bufsize, name=sinfo.name, stype=sinfo.stype, source_id=sinfo.source_id
        )
        try:
            stream.connect(acquisition_delay=0.001, processing_flags="all", timeout=self.timeout)
        except (RuntimeError, TimeoutError, OSError) as err:
            raise SourceError(
                f"could not connect to {self.label}: {err}; is its outlet still running?"
            ) from err
        self._stream = stream
        self.rate = float(stream.info["sfreq"])
        if self.rate <= 0:
            stream.disconnect()
            self._stream = None
            raise SourceError(f"{self.label} has no regular sampling rate: not an EEG stream")
        self.ch_names = tuple(stream.ch_names)
        self.ch_types = tuple(stream.get_channel_types())
        units = stream.get_channel_units()
        # mne-lsl gives (unit, exponent) per channel; EEG in µV streams as exponent -6.
        self._scale = np.array([10.0 ** float(u[1]) for u in units], dtype=np.float64)[:, None]
        self._last_ts = -np.inf

    def _read(self):
        # one reader per stream: reads from several threads take turns, never
        # interleave (two readers on one buffer starve each other, mne-lsl #574)
        with self._lock:
            return self._read_locked()

    def _read_locked(self):
        stream = self._stream
        if stream is None or not stream.connected:
            return None
        n_new = stream.n_new_samples
        if n_new <= 0:
            return None
        # take a little more than the new samples and keep those past the last read:
        # nothing is lost or repeated when samples arrive between the two calls
        n = min(n_new + 64, int(self.bufsize * self.rate))
        try:
            data, ts = stream.get_data(winsize=n / self.rate, picks="all", exclude=())
        except RuntimeError:  # disconnected between the check and the read
            return None
        keep = ts > max(self._last_ts, 0.0)
        if not keep.any():
            return None
        ts = ts[keep]
        self._last_ts = float(ts[-1])
        return ts.astype(np.float64), np.asarray(data[:, keep], dtype=np.float64) * self._scale

    @property
    def state(self) -> str:
        s = super().state
        if s == "streaming" and (self._stream is None or not self._stream.connected):
            return "stalled"
        return s

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None and stream.connected:
            stream.disconnect()


class ReplaySource(LSLSource):
    """A recording played as a real LSL stream (looping), read back through LSL.

    Parameters
    ----------
    path : path-like | "sample"
        Any recording :func:`batik_waves.read_recording` reads, or ``"sample"`` for
        the bundled sample.
    chunk_size : int
        Samples per pushed chunk (a Muse pushes 12).
    timeout, bufsize
        As for :class:`LSLSource`.
    """

    def __init__(
        self,
        path: str | os.PathLike = "sample",
        *,
        chunk_size: int = 8,
        timeout: float = 5.0,
        bufsize: float = 5.0,
    ) -> None:
        name = f"batik-waves-replay-{os.getpid()}-{next(_PLAYER_IDS)}"
        super().__init__(name, source_id=name, timeout=timeout, bufsize=bufsize)
        self.path = path
        self.chunk_size = int(chunk_size)
        self.label = f"replay of {path}"
        self.player = None

    def _raw(self):
        import mne

        from ..read import read_recording
        from ..simulate import sample_path

        path = sample_path() if str(self.path) == "sample" else Path(self.path)
        try:
            raw = read_recording(path, preload=True)
        except RecordingError as err:
            raise SourceError(f"cannot replay {self.path}: {err}") from err
        picks = mne.pick_types(raw.info, eeg=True, exclude=())
        if len(picks) == 0:
            raise SourceError(f"cannot replay {self.path}: it has no EEG channels")
        raw.pick(picks)
        raw.set_annotations(None)
        return raw

    def _open(self) -> None:
        mne_lsl = require("mne_lsl", "the replay source")
        _quiet(mne_lsl)
        from mne_lsl.player import PlayerLSL

        if self.player is None:
            self.player = PlayerLSL(
                self._raw(),
                chunk_size=self.chunk_size,
                name=self.name,
                source_id=self.source_id,
                annotations=False,
            )
            self.player.start()
        try:
            super()._open()
        except SourceError:
            self._stop_player()
            raise

    def _stop_player(self) -> None:
        player, self.player = self.player, None
        if player is not None:
            player.stop()

    def _close(self) -> None:
        super()._close()
        self._stop_player()
