from __future__ import annotations

import numpy as np
import pytest

from batik_waves.eeg.envelopes import Envelopes, channel_region
from batik_waves.errors import RecordingError


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("O1", "occipital"),
        ("O1..", "occipital"),
        ("EEG O1-REF", "occipital"),
        ("o1", "occipital"),
        ("Fp1", "frontal"),
        ("Fpz.", "frontal"),
        ("AF7", "frontal"),
        ("FC3", "central"),
        ("Cz", "central"),
        ("T3", "temporal"),
        ("TP9", "temporal"),
        ("FT7", "temporal"),
        ("P4", "parietal"),
        ("POz", "parietal"),
        ("Oz..", "occipital"),
        ("EXG Channel 0", None),
        ("ECG", None),
        ("EMG1", None),
        ("A2-A1", None),
        ("Status", None),
        ("Right AUX", None),
    ],
)
def test_channel_region(name, region):
    assert channel_region(name) == region


def _env(data, names=("O1", "O2", "Fz"), rate=10.0):
    return Envelopes.from_arrays(np.asarray(data, dtype=np.float32), rate=rate, ch_names=names)


def test_relative_power_sums_to_one_and_follows_the_power():
    rng = np.random.default_rng(0)
    data = rng.uniform(1e-6, 5e-6, size=(5, 3, 40))
    data[2] *= 4  # alpha four times the amplitude: sixteen times the power
    env = _env(data)
    rel = env.relative_power()
    np.testing.assert_allclose(rel.sum(axis=0), 1.0, rtol=1e-6)
    s = env.summary()
    assert abs(sum(s.relative.values()) - 1) < 1e-9
    assert max(s.relative, key=s.relative.get) == "alpha"
    assert set(s.regions) == {"frontal", "occipital"}
    # composition of a window equals the summary's composition, up to averaging order
    comp = env.composition().mean(axis=1)
    assert comp.argmax() == 2


def test_window_and_summary_times():
    env = _env(np.ones((5, 3, 100)))
    w = env.window(2.0, 5.0)
    assert w.n_times == 30
    assert w.times[0] == pytest.approx(2.0)
    s = env.summary(2.0, 5.0)
    assert (s.start, s.end) == pytest.approx((2.0, 5.0))
    with pytest.raises(RecordingError, match="outside"):
        env.window(50, 60)


def test_normalized_is_one_at_the_median():
    data = np.tile(np.arange(1, 12, dtype=np.float64), (5, 3, 1)) * 1e-6
    n = _env(data).normalized()
    np.testing.assert_allclose(np.median(n, axis=2), 1.0)


def test_pooled_without_1020_names_is_one_region():
    env = _env(np.ones((5, 2, 10)), names=("EXG Channel 0", "EXG Channel 1"))
    regions, pooled = env.pooled()
    assert regions == ("all",)
    assert pooled.shape == (5, 1, 10)


def test_shape_mismatch_is_rejected():
    with pytest.raises(ValueError, match="channels"):
        Envelopes.from_arrays(np.ones((5, 2, 10)), rate=1.0, ch_names=("a",))
