"""Cleaning: bad channels, NaN, mains notch, average reference; planned from a few blocks."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from conftest import shared_file
from scipy.signal import welch

import batik_waves
from batik_waves.eeg.clean import CleaningPlan, clean, describe, fill_nans, plan_cleaning
from batik_waves.eeg.read import read_recording
from batik_waves.eeg.simulate import simulate_eeg
from batik_waves.errors import BatikWavesWarning, RecordingError


def _fill_reference(row):
    """Plain loop: linear interpolation between the finite neighbours, nearest at the ends."""
    row = row.copy()
    idx = np.flatnonzero(np.isfinite(row))
    if idx.size == 0:
        return np.zeros_like(row)
    for i in np.flatnonzero(~np.isfinite(row)):
        left = idx[idx < i]
        right = idx[idx > i]
        if left.size == 0:
            row[i] = row[right[0]]
        elif right.size == 0:
            row[i] = row[left[-1]]
        else:
            a, b = left[-1], right[0]
            row[i] = row[a] + (row[b] - row[a]) * (i - a) / (b - a)
    return row


def test_fill_nans_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(5, 300))
    data[0, 10:40] = np.nan
    data[1, :7] = np.nan
    data[1, -3:] = np.nan
    data[2, ::5] = np.nan
    data[4] = np.nan
    before = data.copy()
    out, n = fill_nans(data)
    assert n == int(np.isnan(before).sum())
    np.testing.assert_array_equal(data, before, strict=True)  # input untouched
    for k in range(5):
        np.testing.assert_allclose(out[k], _fill_reference(before[k]))
    assert not np.isnan(out).any()


def test_fill_nans_without_nans_returns_the_input():
    data = np.arange(6.0).reshape(2, 3)
    out, n = fill_nans(data)
    assert n == 0 and out is data
    out1, n1 = fill_nans(np.array([np.nan, 1.0, np.nan, 3.0], dtype=np.float32))
    assert n1 == 2 and out1.dtype == np.float32
    np.testing.assert_allclose(out1, [1.0, 1.0, 2.0, 3.0])


def _sim(**kw):
    kw.setdefault("rng", 0)
    kw.setdefault("segments", [("eyes open", 10.0), ("eyes closed", 20.0)])
    return simulate_eeg(30.0, **kw)


def test_plan_of_a_clean_recording():
    raw = _sim()
    plan = plan_cleaning(raw)
    assert isinstance(plan, CleaningPlan)
    assert plan.ch_names == tuple(raw.ch_names)
    assert plan.bad == {}
    assert plan.line_freq == 50.0
    assert plan.reference is True
    assert plan.notch_freqs(256.0) == [50.0, 100.0]
    assert "19 EEG channel(s); notch 50 Hz; average reference" == describe(plan)


@pytest.mark.parametrize(("given", "expected"), [(60.0, 60.0), (None, None), (50, 50.0)])
def test_line_freq_given(given, expected):
    assert plan_cleaning(_sim(), line_freq=given).line_freq == expected


def test_line_freq_detected_60_and_none():
    assert plan_cleaning(_sim(line_freq=60.0)).line_freq == 60.0
    assert plan_cleaning(_sim(line_freq=None)).line_freq is None


def test_line_freq_at_nyquist_warns_and_skips():
    raw = _sim(sfreq=100.0, line_freq=None)
    with pytest.warns(BatikWavesWarning, match="at or above Nyquist"):
        assert plan_cleaning(raw, line_freq=50.0).line_freq is None
    assert plan_cleaning(raw).line_freq is None


def test_bad_line_freq_value():
    with pytest.raises(RecordingError, match="'line_freq' parameter"):
        plan_cleaning(_sim(), line_freq="mains")
    with pytest.raises(RecordingError, match="must be positive"):
        plan_cleaning(_sim(), line_freq=-50)


def _with_bad_channels():
    raw = _sim()
    data = raw.get_data()
    data[raw.ch_names.index("T7")] = 0.0  # disconnected
    data[raw.ch_names.index("T8")] = 0.1875  # OpenBCI railed: +187500 µV, constant
    c3 = raw.ch_names.index("C3")
    data[c3] = np.clip(data[c3] * 40, -50e-6, 50e-6)  # saturating amplifier
    p3 = raw.ch_names.index("P3")
    data[p3, : int(0.7 * raw.n_times)] = np.nan
    pz = raw.ch_names.index("Pz")
    data[pz, 1000:1100] = np.nan  # a short gap: kept, filled
    out = mne.io.RawArray(data, raw.info, verbose="error")
    out.set_annotations(raw.annotations)
    out.info["bads"] = ["F8"]
    return out


def test_plan_leaves_out_bad_channels_with_a_warning_naming_them():
    raw = _with_bad_channels()
    with pytest.warns(BatikWavesWarning, match=r"leaving out 5 bad EEG channel\(s\)") as rec:
        plan = plan_cleaning(raw)
    assert plan.bad == {
        "F8": "marked bad in the file",
        "T7": "flat",
        "C3": "railed",
        "T8": "railed",
        "P3": "mostly NaN",
    }
    msg = str(rec[0].message)
    for name in plan.bad:
        assert name in msg
    assert plan.ch_names == tuple(n for n in raw.ch_names if n not in plan.bad)
    assert plan.line_freq == 50.0


def test_all_flat_and_no_eeg_are_errors():
    raw = _sim()
    flat = mne.io.RawArray(np.zeros((19, raw.n_times)), raw.info, verbose="error")
    with pytest.raises(RecordingError, match="recording: all EEG channels are flat"):
        plan_cleaning(flat)
    info = mne.create_info(["ECG", "STI"], 256.0, ["ecg", "stim"])
    other = mne.io.RawArray(np.zeros((2, 512)), info, verbose="error")
    with pytest.raises(RecordingError, match="recording: no EEG channels"):
        plan_cleaning(other)
    with pytest.raises(RecordingError, match="no EEG channels"):
        clean(other)


def test_error_names_the_file(tmp_path):
    raw = _sim()
    flat = mne.io.RawArray(np.zeros((19, raw.n_times)), raw.info, verbose="error")
    path = tmp_path / "flat.fif"
    flat.save(path, verbose="error")
    with pytest.raises(RecordingError, match=rf"^{path}: all EEG channels are flat$"):
        plan_cleaning(read_recording(path))


def test_mixed_bad_reasons():
    raw = _sim(ch_names=("Fz", "Cz"))
    data = raw.get_data()
    data[0] = 0.0
    data[1] = np.nan
    mixed = mne.io.RawArray(data, raw.info, verbose="error")
    with pytest.raises(
        RecordingError, match=r"no usable EEG channel: Fz \(flat\), Cz \(mostly NaN\)"
    ):
        plan_cleaning(mixed)


def test_two_good_channels_keep_their_reference():
    raw = _sim(ch_names=("Fz", "O1"))
    plan = plan_cleaning(raw)
    assert plan.reference is False
    cleaned = clean(raw)
    assert np.abs(cleaned.get_data().mean(axis=0)).max() > 1e-6  # not re-referenced


def _power(x, sfreq, f):
    freqs, p = welch(x, fs=sfreq, nperseg=int(2 * sfreq))
    return p[..., np.argmin(np.abs(freqs - f))]


def test_clean_is_a_copy_notched_referenced_and_filled():
    raw = _with_bad_channels()
    original = raw.get_data().copy()
    with pytest.warns(BatikWavesWarning) as rec:
        out = clean(raw)
    messages = " | ".join(str(w.message) for w in rec)
    assert "leaving out 5 bad EEG channel(s)" in messages
    assert "filled 100 NaN sample(s)" in messages and "Pz" in messages
    # the input is untouched
    np.testing.assert_array_equal(raw.get_data(), original)
    assert len(raw.ch_names) == 19 and raw.info["bads"] == ["F8"]
    # only good EEG, in order
    assert out.ch_names == [n for n in raw.ch_names if n not in ("F8", "T7", "T8", "C3", "P3")]
    data = out.get_data()
    assert not np.isnan(data).any()
    # average reference: channels sum to zero at every sample
    assert np.max(np.abs(data.mean(axis=0))) < 1e-12
    # mains gone (>20 dB below the raw channel), alpha kept (within 10 %)
    sfreq = out.info["sfreq"]
    o1_raw = original[raw.ch_names.index("O1")]
    o1_after = data[out.ch_names.index("O1")]
    assert _power(o1_after, sfreq, 50.0) < 0.01 * _power(o1_raw, sfreq, 50.0)
    good = [raw.ch_names.index(n) for n in out.ch_names]
    o1_referenced = o1_raw - np.nanmean(original[good], axis=0)
    assert _power(o1_after, sfreq, 10.0) == pytest.approx(
        _power(o1_referenced, sfreq, 10.0), rel=0.1
    )


def test_clean_without_reference_and_without_notch():
    raw = _sim()
    out = clean(raw, line_freq=None, reference=None)
    np.testing.assert_allclose(out.get_data(), raw.get_data())


def test_clean_bad_reference_value():
    with pytest.raises(RecordingError, match="'reference' parameter"):
        clean(_sim(), reference="mastoids")


def test_clean_a_short_recording_without_mne_warnings():
    raw = simulate_eeg(3.0, rng=1, segments=[("eyes open", 3.0)])
    out = clean(raw)  # IIR notch: the default FIR would be longer than the data
    assert _power(out.get_data(picks="Cz")[0], 256.0, 50.0) < 0.05 * _power(
        raw.get_data(picks="Cz")[0], 256.0, 50.0
    )


def test_top_level_reexport():
    assert batik_waves.clean is clean


@pytest.mark.shared
def test_real_recordings():
    muse = read_recording(shared_file("muse_lsl/data_2017-09-14-21.20.04.csv"))
    plan = plan_cleaning(muse)
    assert plan.ch_names == ("TP9", "AF7", "AF8", "TP10")
    assert plan.line_freq == 60.0  # recorded in North America
    eegmat = read_recording(shared_file("physionet_eegmat/Subject00_1.edf"))
    plan = plan_cleaning(eegmat)
    assert len(plan.ch_names) == 19 and "ECG ECG" not in plan.ch_names
    assert plan.line_freq is None  # already notched at 50 Hz by the amplifier
    assert not eegmat.preload  # planning did not load the file


def test_plan_reads_only_a_few_blocks_of_a_long_lazy_file(tmp_path):
    """30 minutes × 32 channels on disk: planning touches under a minute of it."""
    import edfio

    sfreq, minutes, n_ch = 256, 30, 32
    rng = np.random.default_rng(0)
    names = [f"E{k}" for k in range(n_ch)]
    block = rng.normal(0, 20, (n_ch, sfreq * 60))  # one minute of µV, repeated
    signals = [
        edfio.EdfSignal(
            np.tile(block[k], minutes),
            sampling_frequency=sfreq,
            label=names[k],
            physical_dimension="uV",
            physical_range=(-200, 200),
        )
        for k in range(n_ch)
    ]
    path = tmp_path / "long.edf"
    edfio.Edf(signals).write(path)
    raw = read_recording(path)
    assert not raw.preload
    read = []
    original = raw.get_data

    def counting(*args, **kwargs):
        out = original(*args, **kwargs)
        read.append(out.shape[-1])
        return out

    raw.get_data = counting
    plan = plan_cleaning(raw)
    assert not raw.preload
    assert len(plan.ch_names) == n_ch
    assert sum(read) <= 60 * sfreq
