"""Helpers of the kiosk tests: an LSL player the test can stop and restart, a kiosk
served from a background thread on a free loopback port, an SSE reader."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

pytest.importorskip("starlette", reason="the kiosk extra is not installed")
pytest.importorskip("mne_lsl", reason="the live extra is not installed")

from batik_waves.kiosk.server import KioskServer, bind, create_app
from batik_waves.kiosk.session import Session
from batik_waves.kiosk.store import TakeHomeStore

HOST = "127.0.0.1"


_PLAYER = r"""
import sys
import mne
from mne_lsl.player import PlayerLSL
from batik_waves.eeg.read import read_recording
from batik_waves.eeg.simulate import sample_path

mne.set_log_level("ERROR")
name = sys.argv[1]
raw = read_recording(sample_path(), preload=True).pick("eeg")
raw.set_annotations(None)
player = None
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "start" and player is None:
        player = PlayerLSL(raw, chunk_size=8, name=name, source_id=name, annotations=False)
        player.start()
    elif cmd == "stop" and player is not None:
        player.stop()
        player = None
    elif cmd == "quit":
        break
    print("ok", flush=True)
if player is not None:
    player.stop()
"""


class Player:
    """The bundled sample as a real LSL stream named *name*, played by a child process
    (so that the kiosk's own threads and descriptors can be counted on their own);
    stop() and start() again."""

    def __init__(self, name: str) -> None:
        import subprocess
        import sys

        from batik_waves._procs import popen_kwargs

        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _PLAYER, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            **popen_kwargs(),
        )

    #: Seconds the player gets to answer a command (a stuck player fails the test
    #: instead of hanging it).
    ANSWER_WITHIN = 30.0

    def _say(self, cmd: str) -> None:
        import select

        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], self.ANSWER_WITHIN)
        if not ready or self.proc.stdout.readline().strip() != "ok":
            raise RuntimeError(f"the LSL player did not {cmd} within {self.ANSWER_WITHIN} s")

    def start(self) -> Player:
        self._say("start")
        return self

    def stop(self) -> None:
        self._say("stop")

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess_timeout()):
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def subprocess_timeout():
    import subprocess

    return subprocess.TimeoutExpired


class Running:
    """A started session served on a loopback port."""

    def __init__(self, session: Session, store: TakeHomeStore | None, **app_kw) -> None:
        self.session = session
        sock = bind(HOST, 0)
        self.port = sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        session.start()
        try:
            self.server = KioskServer(create_app(session, store=store, **app_kw), sock).start()
        except BaseException:
            session.stop()
            sock.close()
            raise

    def wait_state(self, states, timeout: float) -> float:
        """Seconds until the session's state is one of *states* (fails after *timeout*)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.session.state in states:
                return time.monotonic() - t0
            time.sleep(0.02)
        raise AssertionError(
            f"state {self.session.state!r} (reason {self.session.reason!r}) after {timeout} s, "
            f"wanted {states}; source {self.session.status()}, "
            f"watchdog {getattr(self.session.source, 'failures', None)} failures, last "
            f"{getattr(self.session.source, 'last_error', None)}, errors {list(self.session.errors)}"
        )

    def close(self) -> None:
        self.server.stop()
        self.session.stop()


def sse_frames(port: int, n: int, timeout: float) -> list[dict]:
    """The first *n* keyframe events of ``/events`` (JSON payloads), read over a socket."""
    import json

    out: list[dict] = []
    end = time.monotonic() + timeout
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(f"GET /events HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        buf = b""
        while len(out) < n and time.monotonic() < end:
            chunk = s.recv(262144)
            if not chunk:
                break
            buf += chunk
            while b"\n\n" in buf:
                event, buf = buf.split(b"\n\n", 1)
                lines = event.split(b"\n")
                if b"event: frame" in lines:
                    data = next(line for line in lines if line.startswith(b"data: "))
                    out.append(json.loads(data[6:]))
    return out


def counts() -> dict[str, int]:
    """This process's threads, open file descriptors and RSS (bytes)."""
    from batik_waves.kiosk.session import rss_bytes

    return {
        "threads": threading.active_count(),
        "os_threads": len(os.listdir("/proc/self/task")),
        "fds": len(os.listdir("/proc/self/fd")),
        "rss": rss_bytes(),
    }


# ------------------------------------------------------------------ fixtures
@pytest.fixture(name="player")
def player_fixture():
    """The bundled sample as a real LSL stream the test stops and starts."""
    p = Player(f"kiosk-test-{os.getpid()}-{time.monotonic_ns()}").start()
    yield p
    p.close()


@pytest.fixture(name="kiosk")
def kiosk_fixture(tmp_path):
    """``kiosk(spec, **session_kw)`` starts one; all are stopped at the end."""
    started: list[Running] = []

    def make(spec="replay:sample", *, app_kw=None, **kw) -> Running:
        kw.setdefault("calibration", 1.0)
        kw.setdefault("attract_frames", 8)
        store = TakeHomeStore(tmp_path / "take-home", max_visitors=5)
        r = Running(Session(spec, **kw), store, **(app_kw or {}))
        started.append(r)
        return r

    yield make
    for r in started:
        r.close()
