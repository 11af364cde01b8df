"""Mind Monitor (the Muse phone app) streaming OSC over UDP.

Mind Monitor sends ``/muse/eeg`` (4 to 6 floats in µV: TP9, AF7, AF8, TP10, then
AUX) at 256 Hz and ``/muse/elements/horseshoe`` (4 floats: 1 good, 2 medium, 4 bad)
and the absolute band powers (``/muse/elements/alpha_absolute``, log10 of power).
"""

from __future__ import annotations

import errno
import threading

from ...errors import SourceError
from .base import SampleBuffer, Source, clock, require

__all__ = ["MUSE_CHANNELS", "OSCSource", "horseshoe_quality"]

#: Mind Monitor's EEG channels, in the order of /muse/eeg's floats.
MUSE_CHANNELS = ("TP9", "AF7", "AF8", "TP10")
RATE = 256.0
_BANDS = ("delta", "theta", "alpha", "beta", "gamma")


def horseshoe_quality(value: float) -> str:
    """``good``/``fair``/``poor`` for one horseshoe value (1 good, 2 medium, 4 bad).

    >>> [horseshoe_quality(v) for v in (1, 2, 4)]
    ['good', 'fair', 'poor']
    """
    if value <= 1.5:
        return "good"
    if value <= 3.0:
        return "fair"
    return "poor"


class OSCSource(Source):
    """An OSC receiver for Mind Monitor.

    Parameters
    ----------
    port : int
        The UDP port Mind Monitor sends to (its default is 5000).
    host : str
        The address to listen on: ``"0.0.0.0"`` (every interface, for a phone on
        the network) or ``"127.0.0.1"``.
    """

    def __init__(self, port: int = 5000, *, host: str = "0.0.0.0") -> None:
        super().__init__()
        self.port, self.host = int(port), host
        self.label = f"OSC receiver on UDP {host}:{self.port}"
        self.rate = RATE
        self.ch_names = MUSE_CHANNELS
        self.ch_types = ("eeg",) * 4
        self._buffer = SampleBuffer(4, RATE)
        self._server = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._report: dict = {}

    def _open(self) -> None:
        require("pythonosc", "the OSC (Mind Monitor) source")
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        disp = Dispatcher()
        disp.map("/muse/eeg", self._on_eeg)
        disp.map("/muse/elements/horseshoe", self._on_report, "horseshoe")
        for band in _BANDS:
            disp.map(f"/muse/elements/{band}_absolute", self._on_report, band)
        try:
            server = BlockingOSCUDPServer((self.host, self.port), disp)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise SourceError(
                    f"UDP port {self.port} is in use: is another OSC receiver (or a second "
                    "batik-waves) running? Close it or pick another port, e.g. 'osc:5001'"
                ) from err
            raise SourceError(f"cannot listen on UDP {self.host}:{self.port}: {err}") from err
        self._buffer.clear()
        with self._lock:
            self._report = {}
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="batik-waves-osc",
            daemon=True,
        )
        self._thread.start()

    def _on_eeg(self, address: str, *values) -> None:
        if len(values) < 4:
            return
        try:
            sample = tuple(float(v) * 1e-6 for v in values[:4])
        except (TypeError, ValueError):
            return  # not Mind Monitor's floats
        self._buffer.put(sample, clock())

    def _on_report(self, address: str, fixed: list, *values) -> None:
        key = fixed[0]
        try:
            vals = [float(v) for v in values]
        except (TypeError, ValueError):
            return
        with self._lock:
            report = dict(self._report)
            report[key] = vals
            self._report = report

    def _read(self):
        return self._buffer.take()

    def device_quality(self) -> dict[str, str]:
        shoe = self.device_report().get("horseshoe")
        if not shoe or len(shoe) < 4:
            return {}
        return {ch: horseshoe_quality(v) for ch, v in zip(MUSE_CHANNELS, shoe[:4], strict=True)}

    def device_report(self) -> dict:
        with self._lock:
            return dict(self._report)

    def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)
