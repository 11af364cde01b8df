"""A small fake ThinkGear Connector for the tests, on 127.0.0.1.

It follows the documented protocol: it waits for the client's JSON configuration
(``{"enableRawOutput": true, "format": "Json"}``), then sends ``{"rawEeg": n}``
objects at 512 Hz (in batches every 1/32 s) and once a second a
``{"poorSignalLevel", "eSense", "eegPower"}`` object, each terminated by ``\\r``.
``headset_off`` sends poorSignalLevel 200 and flat raw values; ``drop()`` closes
the client's socket, as the connector does when the headset is lost.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time

__all__ = ["FakeThinkGear"]


class FakeThinkGear:
    def __init__(self, port: int = 0, *, rate: float = 512.0) -> None:
        self.rate = rate
        self.headset_off = False
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._client: socket.socket | None = None
        self._lock = threading.Lock()
        self.configs: list[dict] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        deadline = time.monotonic() + 600  # bounded, whatever the test does
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            with self._lock:
                self._client = conn
            try:
                self._talk(conn)
            except OSError:
                pass  # the client went away or drop() closed it
            finally:
                with self._lock:
                    self._client = None
                conn.close()

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(2.0)
        config = conn.recv(4096)
        self.configs.append(json.loads(config.decode().strip()))
        n = 0
        t0 = time.monotonic()
        batch = int(self.rate / 32)
        while not self._stop.is_set():
            lines = []
            for _ in range(batch):
                if self.headset_off:
                    value = 0
                else:
                    value = round(
                        200 * math.sin(2 * math.pi * 10 * n / self.rate) + 50 * math.sin(n)
                    )
                lines.append(json.dumps({"rawEeg": value}))
                n += 1
                if n % int(self.rate) == 0:
                    lines.append(
                        json.dumps(
                            {
                                "poorSignalLevel": 200 if self.headset_off else 0,
                                "eSense": {"attention": 50, "meditation": 60},
                                "eegPower": {"delta": 1000, "theta": 500, "lowAlpha": 300},
                            }
                        )
                    )
            conn.sendall(("\r".join(lines) + "\r").encode())
            wait = t0 + n / self.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def drop(self) -> None:
        """Close the client's socket (the connector losing the headset)."""
        with self._lock:
            conn = self._client
        if conn is not None:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone

    def close(self) -> None:
        self._stop.set()
        self.drop()
        self._listener.close()
        self._thread.join(timeout=3.0)

    def __enter__(self) -> FakeThinkGear:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
