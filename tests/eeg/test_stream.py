"""Causal envelopes: chunking never shows; they match the offline envelopes after the delay."""

from __future__ import annotations

import numpy as np
import pytest

from batik_waves.eeg.bands import band_envelopes
from batik_waves.eeg.clean import clean
from batik_waves.eeg.read import read_recording
from batik_waves.eeg.simulate import sample_path
from batik_waves.eeg.sources import Chunk
from batik_waves.eeg.stream import EnvelopeStream
from batik_waves.errors import SourceError


@pytest.fixture(scope="module")
def muse():
    raw = read_recording(sample_path("muse"), preload=True)
    return raw, raw.get_data(), float(raw.info["sfreq"])


def _run(raw, x, fs, sizes, **kw):
    names = tuple(raw.ch_names)
    types = ("eeg",) * len(names)
    es = EnvelopeStream(names, types, fs, **kw)
    t = np.arange(x.shape[1]) / fs
    out_t, out_e, i = [], [], 0
    for s in sizes:
        if i >= x.shape[1]:
            break
        env = es.push(Chunk(t[i : i + s], x[:, i : i + s], names, types, fs))
        i += s
        if env is not None:
            assert env.rate == 64.0 and env.bands == ("delta", "theta", "alpha", "beta", "gamma")
            out_t.append(env.times)
            out_e.append(env.data)
    return np.concatenate(out_t), np.concatenate(out_e, axis=2), es


@pytest.mark.parametrize("method", ["fir", "iir"])
def test_random_chunk_sizes_give_the_same_envelopes(muse, method):
    raw, x, fs = muse
    x = x[:, : int(30 * fs)]
    ta, ea, es = _run(raw, x, fs, [x.shape[1]], method=method)
    rng = np.random.default_rng(0)
    sizes = [1] * 300 + list(rng.integers(1, 50, x.shape[1]))
    tb, eb, _ = _run(raw, x, fs, sizes, method=method)
    assert np.array_equal(ta, tb)
    assert np.allclose(np.diff(ta), 1 / 64)
    r = np.corrcoef(ea.ravel(), eb.ravel())[0, 1]
    assert r >= 0.999
    assert np.allclose(ea, eb, rtol=1e-4, atol=1e-9)
    assert es.line_freq == 50.0  # the sample carries 50 Hz hum: detected, notched


def test_fir_matches_offline_envelopes_after_the_delay(muse):
    raw, x, fs = muse
    _, ea, es = _run(raw, x, fs, [8] * (x.shape[1] // 8 + 1))
    off = band_envelopes(clean(raw.copy()), rate=64.0)
    skip = 200  # the offline edges and the causal start-up
    for b, band in enumerate(off.bands):
        k = round(es.delay[band] * 64)
        live = ea[b, :, k + skip :]
        ref = off.data[b, :, skip : ea.shape[2] - k]
        for c in range(live.shape[0]):
            r = np.corrcoef(live[c], ref[c])[0, 1]
            assert r >= 0.9, (band, c, r)
        assert np.median(live) == pytest.approx(np.median(ref), rel=0.05)  # volts, same scale


def test_iir_is_faster_and_roughly_agrees(muse):
    raw, x, fs = muse
    _, ea, es = _run(raw, x, fs, [16] * (x.shape[1] // 16 + 1), method="iir")
    fir = EnvelopeStream(raw.ch_names, ["eeg"] * 4, fs)
    assert all(es.delay[b] < fir.delay[b] for b in es.bands)
    off = band_envelopes(clean(raw.copy()), rate=64.0)
    b = off.bands.index("alpha")
    k = round(es.delay["alpha"] * 64)
    r = np.corrcoef(ea[b, 0, k + 200 :], off.data[b, 0, 200 : ea.shape[2] - k])[0, 1]
    assert r >= 0.85


def test_bad_channel_is_left_out_and_comes_back():
    fs = 256.0
    rng = np.random.default_rng(1)
    names = ("Fz", "Cz", "Pz", "Oz")
    x = rng.normal(0, 10e-6, (4, int(20 * fs)))
    x[1, int(4 * fs) : int(10 * fs)] = 0.0  # Cz flat for 6 s
    t = np.arange(x.shape[1]) / fs
    es = EnvelopeStream(names, ("eeg",) * 4, fs, line_freq=None)
    seen = []
    for i in range(0, x.shape[1], 32):
        env = es.push(Chunk(t[i : i + 32], x[:, i : i + 32], names, ("eeg",) * 4, fs))
        if env is not None:
            seen.append((float(env.times[-1]), env.ch_names, dict(es.bad)))
    during = [s for s in seen if 7.0 < s[0] < 9.5]
    after = [s for s in seen if s[0] > 14.0]
    assert during and all(s[1] == ("Fz", "Pz", "Oz") and s[2] == {"Cz": "flat"} for s in during)
    assert after and all(s[1] == names and s[2] == {} for s in after)


def test_mains_dominated_and_railed_channels_are_flagged():
    fs = 256.0
    rng = np.random.default_rng(2)
    names = ("F3", "F4", "C3", "C4")
    t = np.arange(int(6 * fs)) / fs
    x = rng.normal(0, 10e-6, (4, t.size))
    x[0] += 100e-6 * np.sin(2 * np.pi * 60 * t)  # hum
    x[3] = 0.2 + rng.normal(0, 1e-6, t.size)  # a saturated amplifier
    es = EnvelopeStream(names, ("eeg",) * 4, fs, line_freq=None)
    es.push(Chunk(t, x, names, ("eeg",) * 4, fs))
    assert es.bad == {"F3": "mains", "C4": "railed"}
    assert es.good == ("F4", "C3")


def test_non_eeg_channels_are_ignored_and_a_gap_restarts():
    fs = 256.0
    names = ("TP9", "AF7", "AUX")
    rng = np.random.default_rng(3)
    x = rng.normal(0, 10e-6, (3, 512))
    es = EnvelopeStream(names, ("eeg", "eeg", "misc"), fs, line_freq=None)
    env = es.push(Chunk(np.arange(512) / fs, x, names, ("eeg", "eeg", "misc"), fs))
    assert env.ch_names == ("TP9", "AF7")
    later = 100.0 + np.arange(64) / fs  # a dropout: the grid starts again there
    env = es.push(Chunk(later, x[:, :64], names, ("eeg", "eeg", "misc"), fs))
    assert env.times[0] == pytest.approx(100.0)


def test_stream_bad_setup():
    with pytest.raises(SourceError, match="no EEG channel"):
        EnvelopeStream(["AUX"], ["misc"], 256.0)
    with pytest.raises(SourceError, match="out_rate"):
        EnvelopeStream(["Cz"], ["eeg"], 256.0, out_rate=512.0)
    with pytest.raises(SourceError, match="method"):
        EnvelopeStream(["Cz"], ["eeg"], 256.0, method="fft")
