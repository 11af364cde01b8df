"""`batik-waves live`: status once a second, JSON lines, Ctrl-C stops cleanly."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import time

import brainflow  # noqa: F401  (the [live] extra, which make test installs)
import pytest
from utils import default_sigint

from batik_waves.cli import main
from batik_waves.eeg.monitor import monitor, status_line


def test_monitor_yields_status_once_a_second():
    statuses = list(monitor("brainflow:synthetic", seconds=3.5))
    assert len(statuses) == 3
    times = [s["time_s"] for s in statuses]
    # once a second (loose bounds: the machine may be busy; the pace is what matters)
    assert all(0.6 < b - a < 2.0 for a, b in itertools.pairwise(times))
    last = statuses[-1]
    assert last["state"] == "streaming" and last["newest_age_s"] < 1.0
    assert last["rate_hz"] == 250.0 and 150 < last["samples"] < 400
    assert list(last["quality"]) == [
        "Fz",
        "C3",
        "Cz",
        "C4",
        "Pz",
        "PO7",
        "Oz",
        "PO8",
        "F5",
        "F7",
        "F3",
        "F1",
        "F2",
        "F4",
        "F6",
        "F8",
    ]
    assert set(last["quality"].values()) <= {"good", "fair", "poor"}
    assert set(last["band_shares"]) == {"delta", "theta", "alpha", "beta", "gamma"}
    assert sum(last["band_shares"].values()) == pytest.approx(1.0, abs=1e-3)
    assert "streaming" in status_line(last)


def test_live_json_lines(capsys):
    assert main(["live", "brainflow:synthetic", "--json", "--seconds", "2.5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        status = json.loads(line)
        assert status["source"] == "brainflow:synthetic" and "quality" in status


def test_ctrl_c_stops_cleanly():
    proc = subprocess.Popen(
        [sys.executable, "-m", "batik_waves", "live", "brainflow:synthetic", "--seconds", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    try:
        deadline = time.monotonic() + 30
        first = proc.stdout.readline()
        assert "s  " in first and time.monotonic() < deadline
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0
    assert "Traceback" not in err


def test_live_bad_seconds(capsys):
    assert main(["live", "brainflow:synthetic", "--seconds", "-1"]) == 2
    assert "'seconds'" in capsys.readouterr().err
