"""NeuroSky MindWave through the ThinkGear Connector's JSON socket.

The client connects to TCP 127.0.0.1:13854 and sends
``{"enableRawOutput": true, "format": "Json"}``; the connector answers with JSON
objects separated by ``\\r``: ``{"rawEeg": n}`` 512 times a second (ADC counts) and,
once a second, ``{"poorSignalLevel": 0..200, "eSense": {...}, "eegPower": {...}}``.
A poorSignalLevel of 200 means the headset is off the head.
"""

from __future__ import annotations

import json
import socket
import threading

from ...errors import SourceError
from .base import SampleBuffer, Source, clock

__all__ = ["COUNT_VOLTS", "NeuroSkySource", "poor_signal_quality"]

#: Volts per raw ADC count: 1.8 V reference, 12 bits, amplifier gain 2000.
COUNT_VOLTS = 1.8 / 4096 / 2000
#: Raw sampling rate of the MindWave.
RATE = 512.0
_GREETING = b'{"enableRawOutput": true, "format": "Json"}\n'
# a line longer than this is not ThinkGear output: drop it rather than grow a buffer
_MAX_PENDING = 1 << 16


def poor_signal_quality(level: float) -> str:
    """``good``/``fair``/``poor`` for a ThinkGear poorSignalLevel (0 best, 200 = off).

    >>> poor_signal_quality(0), poor_signal_quality(51), poor_signal_quality(200)
    ('good', 'fair', 'poor')
    """
    if level <= 25:
        return "good"
    if level < 200 and level <= 100:
        return "fair"
    return "poor"


class NeuroSkySource(Source):
    """The ThinkGear Connector's raw EEG, poor-signal level, eSense and band powers.

    Parameters
    ----------
    host, port
        Where the connector listens (127.0.0.1:13854).
    timeout : float
        Seconds to wait for the connection.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 13854, *, timeout=5.0) -> None:
        super().__init__()
        self.host, self.port, self.timeout = host, int(port), float(timeout)
        self.label = f"ThinkGear Connector at {host}:{self.port}"
        self.rate = RATE
        self.ch_names = ("Fp1",)
        self.ch_types = ("eeg",)
        self._buffer = SampleBuffer(1, RATE)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._report: dict = {}
        self._report_lock = threading.Lock()

    def _open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as err:
            raise SourceError(
                f"no ThinkGear Connector at {self.host}:{self.port} ({err.strerror or err}): "
                "is the ThinkGear Connector running and the headset paired?"
            ) from err
        try:
            sock.sendall(_GREETING)
        except OSError as err:
            sock.close()
            raise SourceError(f"{self.label} closed the connection at once: {err}") from err
        sock.settimeout(0.2)
        self._sock = sock
        self._buffer.clear()
        self._stop.clear()
        with self._report_lock:
            self._report = {}
        self._thread = threading.Thread(
            target=self._receive, args=(sock,), name="batik-waves-neurosky", daemon=True
        )
        self._thread.start()

    def _receive(self, sock: socket.socket) -> None:
        pending = b""
        while not self._stop.is_set():
            try:
                data = sock.recv(8192)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:  # the connector closed the socket
                break
            now = clock()
            pending += data
            *lines, pending = pending.split(b"\r")
            if len(pending) > _MAX_PENDING:
                pending = b""
            for line in lines:
                self._handle(line.strip(), now)
        self._stop.set()

    def _handle(self, line: bytes, now: float) -> None:
        if not line:
            return
        try:
            msg = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return  # a torn or foreign line: skip it, as the connector's own clients do
        if not isinstance(msg, dict):
            return
        raw = msg.get("rawEeg")
        if isinstance(raw, int | float):
            self._buffer.put((float(raw) * COUNT_VOLTS,), now)
        if any(k in msg for k in ("poorSignalLevel", "eSense", "eegPower", "status")):
            with self._report_lock:
                report = dict(self._report)
                for key in ("poorSignalLevel", "eSense", "eegPower", "status"):
                    if key in msg:
                        report[key] = msg[key]
                self._report = report

    def _read(self):
        return self._buffer.take()

    @property
    def state(self) -> str:
        s = super().state
        return "stalled" if s == "streaming" and self._stop.is_set() else s

    def device_quality(self) -> dict[str, str]:
        level = self.device_report().get("poorSignalLevel")
        if not isinstance(level, int | float):
            return {}
        return {"Fp1": poor_signal_quality(float(level))}

    def device_report(self) -> dict:
        with self._report_lock:
            return dict(self._report)

    def _close(self) -> None:
        self._stop.set()
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the other side
            sock.close()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)
