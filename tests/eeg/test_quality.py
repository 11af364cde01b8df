"""Sensor quality from the data and from the device."""

from __future__ import annotations

import numpy as np

from batik_waves.eeg.quality import channel_checks, sensor_quality, worst
from batik_waves.eeg.sources.neurosky import poor_signal_quality
from batik_waves.eeg.sources.osc import horseshoe_quality

FS = 256.0


def _window(seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(2 * FS)) / FS
    x = rng.normal(0, 10e-6, (6, t.size)) + 5e-6 * np.sin(2 * np.pi * 10 * t)
    return t, x


def test_each_fault_is_named():
    t, x = _window()
    x[1] = 3e-3  # flat (a constant offset, still below the saturation level)
    x[2] = np.clip(x[2] * 40, -200e-6, 200e-6)  # pinned at the rails
    x[3] += 80e-6 * np.sin(2 * np.pi * 50 * t)  # mains hum
    x[4] *= 40  # 400 µV: a loose electrode
    reasons = channel_checks(x, FS, line_freq=50.0).reasons
    assert reasons == (None, "flat", "railed", "mains", "too large", None)


def test_quality_levels_and_device_reports():
    t, x = _window(1)
    x[1] += 6e-6 * np.sin(2 * np.pi * 60 * t)  # noticeable hum: fair
    x[2] = 0.0  # flat: poor
    names = ["TP9", "AF7", "AF8", "TP10", "Fp1", "Fp2"]
    q = sensor_quality(x, FS, names, device={"TP10": "poor", "Fp1": "fair", "TP9": "good"})
    assert q == {
        "TP9": "good",
        "AF7": "fair",
        "AF8": "poor",
        "TP10": "poor",
        "Fp1": "fair",
        "Fp2": "good",
    }


def test_a_linear_drift_is_not_amplitude():
    t, x = _window(2)
    x[0] += 2e-3 * t  # a slow electrode drift of 4 mV over the window
    assert sensor_quality(x, FS, list("abcdef"))["a"] == "good"


def test_device_scales():
    assert [poor_signal_quality(v) for v in (0, 25, 26, 100, 101, 200)] == [
        "good",
        "good",
        "fair",
        "fair",
        "poor",
        "poor",
    ]
    assert [horseshoe_quality(v) for v in (1, 2, 4)] == ["good", "fair", "poor"]
    assert worst() == "good" and worst("fair", "poor", None) == "poor"
