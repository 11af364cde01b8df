"""Fixtures of the kiosk tests (helpers in kiosk_util)."""

from __future__ import annotations

import os
import time

import pytest

pytest.importorskip("starlette", reason="the kiosk extra is not installed")
pytest.importorskip("mne_lsl", reason="the live extra is not installed")

from kiosk_util import Player, Running

from batik_waves.kiosk.session import Session
from batik_waves.kiosk.store import TakeHomeStore


@pytest.fixture
def player():
    """The bundled sample as a real LSL stream the test stops and starts."""
    p = Player(f"kiosk-test-{os.getpid()}-{time.monotonic_ns()}").start()
    yield p
    p.close()


@pytest.fixture
def kiosk(tmp_path):
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
