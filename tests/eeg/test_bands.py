"""Band envelopes: MNE's filter + Hilbert on real recordings, known signals, bad input."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from conftest import shared_file

import batik_waves.eeg.bands as bands_mod
from batik_waves.eeg.bands import (
    band_envelopes,
    check_bands,
    envelopes_from_file,
    filter_length,
    parse_bands,
)
from batik_waves.eeg.envelopes import DEFAULT_BANDS
from batik_waves.errors import BatikWavesWarning, RecordingError

REAL = [
    "physionet_eegmat/Subject00_1.edf",
    "physionet_eegmat/Subject04_2.edf",
    "physionet_eegmmidb/S001R01.edf",
]


def _raw(data: np.ndarray, sfreq: float, names=None) -> mne.io.RawArray:
    names = names or [f"EEG{i:02d}" for i in range(len(data))]
    info = mne.create_info(list(names), sfreq, "eeg")
    return mne.io.RawArray(data, info, verbose="error")


def _mne_envelope(raw, lo: float, hi: float) -> np.ndarray:
    """MNE's offline recipe: filter with defaults, then the Hilbert envelope."""
    filt = raw.copy().filter(lo, hi, verbose="error")
    return filt.apply_hilbert(envelope=True, verbose="error").get_data()


def _coincident(env, sfreq: float) -> tuple[np.ndarray, np.ndarray]:
    """Output samples that fall exactly on input samples, away from the edges."""
    pos = env.times * sfreq
    exact = np.abs(pos - np.round(pos)) < 1e-6
    k = int(np.ceil(2 * env.edge * env.rate))
    exact[:k] = exact[-k:] = False
    return exact, np.round(pos[exact]).astype(int)


def _min_r(a: np.ndarray, b: np.ndarray) -> float:
    return min(float(np.corrcoef(x, y)[0, 1]) for x, y in zip(a, b, strict=True))


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL)
def test_matches_mne_on_real_recordings(name):
    raw = mne.io.read_raw_edf(shared_file(name), preload=True, verbose="error")
    raw.pick("eeg")
    sfreq = raw.info["sfreq"]
    env = band_envelopes(raw)
    assert env.bands == tuple(DEFAULT_BANDS)
    assert env.rate == 64.0
    assert env.data.dtype == np.float32
    assert env.data.shape == (5, len(raw.ch_names), len(env.times))
    assert env.times[-1] <= raw.times[-1] < env.times[-1] + 1 / 64
    # half MNE's delta filter: 3.3 s at any rate
    assert env.edge == pytest.approx(filter_length(sfreq, 1, 4) / (2 * sfreq))
    exact, idx = _coincident(env, sfreq)
    assert exact.sum() > 100
    for i, (lo, hi) in enumerate(env.edges):
        ref = _mne_envelope(raw, lo, hi)[:, idx]
        ours = env.data[i][:, exact]
        r = _min_r(ours, ref)
        assert r >= 0.98, (name, env.bands[i], r)
        # and not merely correlated: the same amplitude (µV), within a few %
        ratio = np.median(ours) / np.median(ref)
        assert 0.97 < ratio < 1.03, (env.bands[i], ratio)


def test_amplitude_modulated_sinusoid():
    sfreq, dur = 256.0, 40.0
    t = np.arange(int(sfreq * dur)) / sfreq
    amp = 20e-6 * (1 + 0.5 * np.sin(2 * np.pi * 0.25 * t))
    rng = np.random.default_rng(0)
    x = amp * np.sin(2 * np.pi * 10.0 * t) + 0.2e-6 * rng.standard_normal(t.size)
    raw = _raw(np.vstack([x, 0.5 * x]), sfreq, ["O1", "O2"])
    env = band_envelopes(raw)
    alpha = env.data[env.band_index("alpha")]
    core = env._core()
    truth = 20e-6 * (1 + 0.5 * np.sin(2 * np.pi * 0.25 * env.times))
    err = np.abs(alpha[0, core] - truth[core]) / truth[core]
    assert err.max() < 0.03
    assert np.allclose(alpha[1, core], 0.5 * alpha[0, core], rtol=1e-3)
    # the other bands see (almost) nothing of a 10 Hz tone
    for band in ("delta", "gamma"):
        assert np.median(env.data[env.band_index(band)][0, core]) < 0.02 * 20e-6


def test_output_rate_that_does_not_divide_the_sample_rate():
    sfreq = 500.0
    rng = np.random.default_rng(1)
    raw = _raw(1e-5 * rng.standard_normal((3, int(sfreq * 30))), sfreq)
    env = band_envelopes(raw, rate=64.0)
    assert env.rate == 64.0
    assert np.allclose(np.diff(env.times), 1 / 64)
    exact, idx = _coincident(env, sfreq)
    ref = _mne_envelope(raw, 8, 13)[:, idx]
    assert _min_r(env.data[2][:, exact], ref) > 0.999


def test_custom_bands_and_picks():
    rng = np.random.default_rng(2)
    sfreq = 200.0
    raw = _raw(1e-5 * rng.standard_normal((4, int(sfreq * 30))), sfreq, ["Fz", "Cz", "Pz", "Oz"])
    custom = {"slow": (3, 7), "mu": (9, 11.5)}
    env = band_envelopes(raw, bands=custom, rate=50.0, picks=["Cz", "Oz"])
    assert env.bands == ("slow", "mu")
    assert env.edges == ((3.0, 7.0), (9.0, 11.5))
    assert env.ch_names == ("Cz", "Oz")
    exact, idx = _coincident(env, sfreq)
    assert exact.sum() > 0.8 * len(exact)  # at 50 Hz every output sample is an input one
    for i, (lo, hi) in enumerate(env.edges):
        ref = _mne_envelope(raw, lo, hi)[[1, 3]][:, idx]
        assert _min_r(env.data[i][:, exact], ref) > 0.999


def test_band_at_or_above_nyquist_is_dropped_with_a_warning():
    rng = np.random.default_rng(3)
    raw = _raw(1e-5 * rng.standard_normal((2, 80 * 20)), 80.0)
    with pytest.warns(BatikWavesWarning, match=r"band 'gamma' \(30-45 Hz\).*Nyquist"):
        env = band_envelopes(raw)
    assert env.bands == ("delta", "theta", "alpha", "beta")
    with (
        pytest.warns(BatikWavesWarning, match="Nyquist"),
        pytest.raises(RecordingError, match="every band reaches the Nyquist"),
    ):
        band_envelopes(raw, bands={"high": (40, 60)})


@pytest.mark.parametrize(
    ("bands", "match"),
    [
        ({"bad": (8, 4)}, r"Invalid band 'bad': 8-4 Hz"),
        ({"neg": (-1, 4)}, r"Invalid band 'neg'"),
        ({"nan": (float("nan"), 4)}, r"Invalid band 'nan'"),
        ({"one": (4,)}, r"Invalid band 'one'"),
        ({}, "no frequency bands"),
    ],
)
def test_invalid_bands(bands, match):
    with pytest.raises(RecordingError, match=match):
        check_bands(bands, 256.0)


def test_parse_bands():
    assert parse_bands("a=1-4,b = 8-12.5") == {"a": (1.0, 4.0), "b": (8.0, 12.5)}
    for text in ("alpha", "alpha=8", "=1-2", "alpha=x-3", " , "):
        with pytest.raises(RecordingError, match="Invalid band"):
            parse_bands(text)


def test_too_short():
    raw = _raw(np.zeros((2, 512)) + 1e-6, 256.0)
    with pytest.raises(
        RecordingError, match=r"recording: too short: 2 s, the delta band needs at least 3.3 s"
    ):
        band_envelopes(raw)
    # without delta the bar is theta's 1.65 s
    env = band_envelopes(raw, bands={"alpha": (8, 13)})
    assert env.data.shape[0] == 1


def test_nan_is_refused_not_propagated():
    rng = np.random.default_rng(4)
    x = 1e-5 * rng.standard_normal((2, 256 * 10))
    x[1, 100:120] = np.nan
    with pytest.raises(RecordingError, match=r"EEG01 hold NaN.*clean"):
        band_envelopes(_raw(x, 256.0))


def test_invalid_rate():
    raw = _raw(1e-5 * np.random.default_rng(5).standard_normal((1, 2560)), 256.0)
    with pytest.raises(RecordingError, match="'rate' parameter"):
        band_envelopes(raw, rate=0)
    with pytest.raises(RecordingError, match="'rate' parameter"):
        band_envelopes(raw, rate=300)


def test_blocks_equal_one_pass_and_progress_reaches_the_end(monkeypatch):
    rng = np.random.default_rng(6)
    sfreq = 250.0
    x = np.cumsum(rng.standard_normal((6, int(sfreq * 240))), axis=1) * 1e-7
    x += 1e-5 * np.sin(2 * np.pi * 10 * np.arange(x.shape[1]) / sfreq)
    raw = _raw(x, sfreq)
    whole = band_envelopes(raw)
    monkeypatch.setattr(bands_mod, "_BLOCK_BYTES", 6 * 12 * 20_000)
    calls = []
    blocks = band_envelopes(raw, progress=lambda d, t: calls.append((d, t)))
    assert len(calls) >= 4  # really went through several blocks (plus the call at 0)
    assert calls[-1] == (x.shape[1], x.shape[1])
    assert blocks.data.shape == whole.data.shape
    np.testing.assert_allclose(blocks.times, whole.times)
    core = whole._core()
    for b in range(len(whole.bands)):
        ours, ref = blocks.data[b][:, core], whole.data[b][:, core]
        assert _min_r(ours, ref) > 0.9999, whole.bands[b]
        assert np.median(np.abs(ours - ref) / ref) < 1e-3, whole.bands[b]


def test_lazy_raw_equals_preloaded(tmp_path):
    rng = np.random.default_rng(7)
    raw = _raw(1e-5 * rng.standard_normal((3, 256 * 20)), 256.0, ["C3", "Cz", "C4"])
    path = tmp_path / "x_raw.fif"
    raw.save(path, verbose="error")
    lazy = mne.io.read_raw_fif(path, preload=False, verbose="error")
    a = band_envelopes(lazy)
    b = band_envelopes(mne.io.read_raw_fif(path, preload=True, verbose="error"))
    np.testing.assert_array_equal(a.data, b.data)


def _write_edf(path, data, sfreq, names):
    raw = _raw(data, sfreq, names)
    mne.export.export_raw(path, raw, fmt="edf", overwrite=True, verbose="error")


@pytest.mark.slow
def test_streamed_file_equals_load_clean_and_envelopes(tmp_path):
    """envelopes_from_file in many blocks == clean(read_recording(...)) + band_envelopes."""
    from batik_waves.eeg.clean import clean
    from batik_waves.eeg.read import read_recording

    rng = np.random.default_rng(8)
    sfreq = 256.0
    n = int(sfreq * 600)
    t = np.arange(n) / sfreq
    names = ["Fp1", "Fz", "C3", "Cz", "P3", "Pz", "O1", "O2"]
    common = np.cumsum(rng.standard_normal(n)) * 2e-7
    x = np.cumsum(rng.standard_normal((len(names), n)), axis=1) * 2e-7 + common
    x += 15e-6 * np.sin(2 * np.pi * 10.2 * t) * (1 + np.sin(2 * np.pi * t / 60))
    x += 8e-6 * np.sin(2 * np.pi * 50.0 * t)  # mains, inside gamma's upper transition band
    x -= x.mean(axis=1, keepdims=True)
    path = tmp_path / "long.edf"
    _write_edf(path, x, sfreq, names)

    streamed = envelopes_from_file(path, _block_bytes=len(names) * 12 * 40_000)
    cleaned = clean(read_recording(path, preload=True))
    whole = band_envelopes(cleaned)
    assert streamed.ch_names == whole.ch_names == tuple(names)
    assert streamed.data.shape == whole.data.shape
    core = whole._core()
    for b, band in enumerate(whole.bands):
        r = _min_r(streamed.data[b][:, core], whole.data[b][:, core])
        assert r > 0.999, (band, r)
    # the mains was notched in the streamed path too: gamma is not 50 Hz
    gamma = streamed.data[streamed.band_index("gamma")]
    assert np.median(gamma) < 2e-6


def test_envelopes_from_file_window_and_errors(tmp_path):
    rng = np.random.default_rng(9)
    names = ["F3", "F4", "C3", "C4", "O1", "O2"]
    x = 1e-5 * rng.standard_normal((len(names), 256 * 60))
    path = tmp_path / "w.edf"
    _write_edf(path, x, 256.0, names)
    env = envelopes_from_file(path, window=(10, 40), line_freq=None)
    assert env.times[0] == pytest.approx(10.0)
    assert env.duration == pytest.approx(30.0, abs=1 / 64)
    with pytest.raises(RecordingError, match="invalid window"):
        envelopes_from_file(path, window=(50, 20))
    # a window is filtered with a margin of signal around it, then cut: its envelopes
    # are the whole recording's there (not those of a recording that starts there)
    whole = envelopes_from_file(path, line_freq=None).window(10, 40)
    assert whole.times[0] == env.times[0] and whole.n_times == env.n_times
    assert np.abs(env.data - whole.data).max() < 1e-2 * np.abs(whole.data).max()
    short = envelopes_from_file(path, window=(0, 2), line_freq=None)
    assert short.duration == pytest.approx(2.0, abs=1 / 64)
    tiny = tmp_path / "tiny.edf"
    _write_edf(tiny, x[:, : 256 * 2], 256.0, names)
    with pytest.raises(RecordingError, match="too short: 2 s, the delta band"):
        envelopes_from_file(tiny)


def test_envelopes_from_file_fills_a_nan_stretch_with_a_warning(tmp_path):
    from batik_waves.eeg.clean import clean
    from batik_waves.eeg.read import read_recording

    rng = np.random.default_rng(10)
    names = ["F3", "F4", "C3", "C4", "O1", "O2"]
    x = 1e-5 * rng.standard_normal((len(names), 256 * 40))
    x[4, 3000:3100] = np.nan
    path = tmp_path / "gap_raw.fif"
    _raw(x, 256.0, names).save(path, verbose="error")
    with pytest.warns(BatikWavesWarning, match=r"filled 100 NaN sample\(s\).*O1"):
        env = envelopes_from_file(path, line_freq=None)
    assert np.isfinite(env.data).all()
    with pytest.warns(BatikWavesWarning, match="filled 100 NaN"):
        ref = band_envelopes(clean(read_recording(path, preload=True), line_freq=None))
    core = ref._core()
    for b in range(len(ref.bands)):
        assert _min_r(env.data[b][:, core], ref.data[b][:, core]) > 0.9999


def test_band_wider_than_the_output_rate():
    """60-120 Hz at 25 Hz output: the inverse transform is oversampled, then sampled."""
    rng = np.random.default_rng(11)
    sfreq = 500.0
    raw = _raw(1e-5 * rng.standard_normal((2, int(sfreq * 20))), sfreq)
    env = band_envelopes(raw, bands={"high": (60, 120)}, rate=25.0)
    assert env.rate == 25.0
    exact, idx = _coincident(env, sfreq)
    ref = _mne_envelope(raw, 60, 120)[:, idx]
    assert _min_r(env.data[0][:, exact], ref) > 0.999


def test_a_large_dc_offset_changes_nothing():
    """Unreferenced amplifiers (BioSemi) record tens of mV of offset: float32 must cope."""
    rng = np.random.default_rng(12)
    x = 1e-5 * rng.standard_normal((3, 256 * 30))
    plain = band_envelopes(_raw(x, 256.0))
    offset = band_envelopes(_raw(x + np.array([[0.03], [-0.02], [0.001]]), 256.0))
    core = plain._core()
    np.testing.assert_allclose(
        offset.data[:, :, core], plain.data[:, :, core], rtol=5e-3, atol=2e-3 * plain.data.mean()
    )
