"""Per-person normalisation: live chunk by chunk equals offline; calibration; new visitors."""

from __future__ import annotations

import numpy as np
import pytest

from batik_waves.eeg.normalise import Normaliser, normalise_series
from batik_waves.errors import ParameterError


def _series(seed=0, seconds=300.0, rate=64.0, gap_at=None, gap=30.0):
    rng = np.random.default_rng(seed)
    t = np.arange(0, seconds, 1 / rate)
    if gap_at is not None:
        t[t > gap_at] += gap
    v = rng.lognormal(-11, 0.5, (5, 4, t.size))
    return t, v


@pytest.mark.parametrize("mode", ["ratio", "range", "doublings"])
def test_chunked_equals_offline(mode):
    t, v = _series(gap_at=150.0)
    whole = normalise_series(t, v, mode=mode)
    norm = Normaliser(mode=mode)
    rng = np.random.default_rng(1)
    parts, i = [], 0
    while i < t.size:
        k = int(rng.integers(1, 80))
        parts.append(norm.update(t[i : i + k], v[..., i : i + k]))
        i += k
    assert np.array_equal(np.concatenate(parts, axis=-1), whole, equal_nan=True)
    assert norm.visitors == 2


def test_matches_a_plain_reference():
    """Each value divided by the median of the history cells up to the last refresh."""
    t, v = _series(seconds=60.0, rate=16.0)
    x = v[0, 0]
    out = normalise_series(t, x[None], calibration=5.0, window=20.0, history_rate=4.0)[0]
    # plain reference: refresh each second at the first sample at or after k s
    cells = np.floor(t * 4.0)
    first = np.r_[True, cells[1:] != cells[:-1]]
    ref = np.empty_like(x)
    stat = None
    next_refresh = 0.0
    for i, ti in enumerate(t):
        if ti >= next_refresh:
            hist = [x[j] for j in range(i + 1) if first[j] and t[j] > ti - 20.0]
            stat = np.median(hist)
            while next_refresh <= ti:
                next_refresh += 1.0
        ref[i] = x[i] / stat
    assert np.allclose(out, ref)


def test_states_calibration_and_a_new_visitor():
    norm = Normaliser(calibration=20.0, window=60.0, dropout=10.0)
    assert norm.state == "waiting"
    t = np.arange(0, 10, 0.25)
    norm.update(t, np.ones((1, t.size)))
    assert norm.state == "calibrating"
    t = np.arange(10, 30, 0.25)
    norm.update(t, np.ones((1, t.size)))
    assert norm.state == "live" and norm.visitors == 1
    # a 30 s dropout: somebody new, three times as "loud"; they are typical for themselves
    t = np.arange(60, 90, 0.25)
    out = norm.update(t, np.full((1, t.size), 3.0))
    assert norm.visitors == 2
    assert np.allclose(out, 1.0)
    assert norm.state == "live"


def test_answers_changes_not_the_skull():
    """Two people with a 4x amplitude difference get the same normalised course."""
    t = np.arange(0, 120, 1 / 16)
    course = 1.0 + 0.5 * (t > 60)
    a = normalise_series(t, (10e-6 * course)[None])
    b = normalise_series(t, (40e-6 * course)[None])
    assert np.allclose(a, b)
    assert a[0, np.searchsorted(t, 70)] == pytest.approx(1.5)


def test_nan_features_stay_nan_without_warnings():
    t = np.arange(0, 5, 0.25)
    v = np.ones((2, t.size))
    v[1] = np.nan
    out = normalise_series(t, v, calibration=1.0)
    assert np.allclose(out[0], 1.0) and np.isnan(out[1]).all()


def test_bad_parameters_and_shapes():
    with pytest.raises(ParameterError, match="'window'"):
        Normaliser(window=0)
    with pytest.raises(ParameterError, match="'mode'"):
        Normaliser(mode="zscore")
    with pytest.raises(ParameterError, match="low < high"):
        Normaliser(percentiles=(90, 10))
    norm = Normaliser()
    norm.update(np.arange(3.0), np.ones((2, 3)))
    with pytest.raises(ParameterError, match="features of shape"):
        norm.update(np.arange(3.0, 6.0), np.ones((3, 3)))
    with pytest.raises(ParameterError, match="must not decrease"):
        norm.update(np.array([9.0, 8.0]), np.ones((2, 2)))


def test_doublings_mode_is_the_mappings_departure_against_the_running_median():
    """One definition of a departure: log2 of the value over the person's median, live
    (the running median) as offline (the recording's, in the mapping)."""
    from batik_waves.eeg.normalise import doublings

    rng = np.random.default_rng(0)
    t = np.arange(0, 120, 0.25)
    v = np.exp(rng.standard_normal((3, t.size)) * 0.5) * np.array([[1e-11], [2.0], [0.3]])
    v[:, t > 80] *= 2.0  # the person's alpha doubles
    kw = dict(calibration=10.0, window=60.0)
    d = normalise_series(t, v, mode="doublings", **kw)
    r = normalise_series(t, v, mode="ratio", **kw)
    np.testing.assert_allclose(d, np.clip(np.log2(r), -4, 4), atol=1e-12)
    # a doubling reads as +1 however loud the signal: the three features agree
    late = (t > 82) & (t < 90)
    assert np.allclose(np.median(d[:, late], axis=1), np.median(d[0, late]), atol=0.35)
    assert 0.6 < np.median(d[0, late]) < 1.4
    assert np.isnan(doublings(np.array([1.0, np.nan]), np.array([0.0, 1.0]))).all()
