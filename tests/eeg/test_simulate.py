"""The simulated EEG shows what the sample README says, and the bundled samples are reproducible."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import welch

import batik_waves.eeg.simulate as sim
from batik_waves.eeg.read import read_recording
from batik_waves.eeg.simulate import SAMPLES, TEN_TWENTY, sample_path, simulate_eeg
from batik_waves.errors import RecordingError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "sample_recordings"


def _segment_psd(raw, description, channel):
    """Welch PSD (1 s windows) of *channel* over the annotated segment, skipping 3 s ramps."""
    sfreq = raw.info["sfreq"]
    x = raw.get_data(picks=channel)[0]
    pieces = []
    for a in raw.annotations:
        if a["description"] == description:
            start = int((a["onset"] + 3.0) * sfreq)
            stop = int((a["onset"] + a["duration"] - 1.0) * sfreq)
            pieces.append(x[start:stop])
    freqs, p = welch(np.concatenate(pieces), fs=sfreq, nperseg=int(2 * sfreq))
    return freqs, p


def _rel(freqs, p, lo, hi):
    band = (freqs >= lo) & (freqs < hi)
    total = (freqs >= 1) & (freqs < 45)
    return p[band].sum() / p[total].sum()


@pytest.fixture(scope="module")
def sample_raw():
    return read_recording(SAMPLE_DIR / "meditation.edf", preload=True)


@pytest.mark.parametrize("channel", ["O1", "O2"])
def test_alpha_rises_when_the_eyes_close(sample_raw, channel):
    alpha = {
        state: _rel(*_segment_psd(sample_raw, state, channel), 8, 13)
        for state in ("eyes open", "eyes closed", "meditation")
    }
    assert alpha["eyes closed"] > 2.0 * alpha["eyes open"]
    assert alpha["eyes open"] < alpha["meditation"] < alpha["eyes closed"]
    freqs, p = _segment_psd(sample_raw, "eyes closed", channel)
    peak = freqs[(freqs >= 4) & (freqs <= 30)][np.argmax(p[(freqs >= 4) & (freqs <= 30)])]
    assert 9.0 <= peak <= 11.0


def test_frontal_midline_theta_rises_in_meditation(sample_raw):
    theta = {
        state: _rel(*_segment_psd(sample_raw, state, "Fz"), 4, 8)
        for state in ("eyes open", "eyes closed", "meditation")
    }
    assert theta["meditation"] > 2.0 * theta["eyes open"]
    assert theta["meditation"] > 2.0 * theta["eyes closed"]
    # frontal-midline: stronger at Fz than at O1 during meditation
    assert theta["meditation"] > 2.0 * _rel(*_segment_psd(sample_raw, "meditation", "O1"), 4, 8)


def test_blinks_are_large_frontal_and_only_with_open_eyes(sample_raw):
    sfreq = sample_raw.info["sfreq"]
    fp1 = sample_raw.get_data(picks="Fp1")[0] * 1e6
    o1 = sample_raw.get_data(picks="O1")[0] * 1e6
    blinks = [a for a in sample_raw.annotations if a["description"] == "blink"]
    assert len(blinks) >= 8
    segments = [a for a in sample_raw.annotations if a["description"] != "blink"]
    for b in blinks:
        state = next(
            s["description"]
            for s in segments
            if s["onset"] <= b["onset"] < s["onset"] + s["duration"]
        )
        assert state == "eyes open"
        i = int(b["onset"] * sfreq)
        window = slice(i, i + int(0.4 * sfreq))
        baseline = np.median(fp1[max(0, i - int(sfreq)) : i])
        assert fp1[window].max() - baseline > 60.0  # µV, large
        assert np.ptp(o1[window]) < 0.5 * (fp1[window].max() - baseline)  # frontal
    # no blink-sized deflections while the eyes are closed
    closed = next(s for s in segments if s["description"] == "eyes closed")
    a, b = int(closed["onset"] * sfreq), int((closed["onset"] + closed["duration"]) * sfreq)
    assert np.max(np.abs(fp1[a:b] - np.median(fp1[a:b]))) < 60.0


def test_background_is_one_over_f_with_mains(sample_raw):
    freqs, p = _segment_psd(sample_raw, "eyes open", "Cz")
    low = p[(freqs >= 2) & (freqs < 4)].mean()
    high = p[(freqs >= 20) & (freqs < 30)].mean()
    assert low > 10 * high
    line = p[np.argmin(np.abs(freqs - 50))]
    around = np.median(p[(np.abs(freqs - 50) > 2) & (np.abs(freqs - 50) < 6)])
    assert line > 20 * around


def test_same_seed_same_signal_other_seed_other_signal():
    a = simulate_eeg(8.0, rng=3).get_data()
    b = simulate_eeg(8.0, rng=np.random.default_rng(3)).get_data()
    c = simulate_eeg(8.0, rng=4).get_data()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_options_and_annotations():
    raw = simulate_eeg(
        12.0,
        sfreq=200.0,
        rng=0,
        ch_names=("Fz", "Cz", "O1"),
        segments=[("eyes closed", 5.0), ("meditation", 7.0)],
        line_freq=None,
    )
    assert raw.ch_names == ["Fz", "Cz", "O1"]
    assert raw.info["sfreq"] == 200.0 and raw.n_times == 2400
    ann = [(a["onset"], a["duration"], a["description"]) for a in raw.annotations]
    assert ann == [(0.0, 5.0, "eyes closed"), (5.0, 7.0, "meditation")]
    assert raw.get_montage() is not None
    freqs, p = welch(raw.get_data(picks="Cz")[0], fs=200.0, nperseg=400)
    assert p[np.argmin(np.abs(freqs - 50))] < 5 * np.median(p[(freqs > 40) & (freqs < 60)])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"segments": [("asleep", 10.0)]}, "Invalid state 'asleep'"),
        ({"segments": [("eyes open", 4.0)]}, "they last 4 s, but the duration is 10 s"),
        ({"ch_names": ("Fz", "Q7")}, "Q7 not on the 10-20"),
        ({"sfreq": 50.0}, "at least 100 Hz"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(RecordingError, match=match):
        simulate_eeg(10.0, rng=0, **kwargs)


def _generator():
    spec = importlib.util.spec_from_file_location("generate", SAMPLE_DIR / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_samples_are_what_the_script_generates(tmp_path):
    written = _generator().main(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{n}.edf" for n in SAMPLES)
    for path in written:
        committed = SAMPLE_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), path.name


def test_committed_samples_are_small():
    total = sum(p.stat().st_size for p in SAMPLE_DIR.iterdir() if p.is_file())
    assert total <= 3 * 1024 * 1024


@pytest.mark.parametrize("name", list(SAMPLES))
def test_samples_read_back_as_documented(name):
    recipe = SAMPLES[name]
    raw = read_recording(sample_path(name))
    assert raw.ch_names == list(recipe.ch_names)
    assert set(raw.get_channel_types()) == {"eeg"}
    assert raw.info["sfreq"] == recipe.sfreq
    assert raw.n_times == recipe.duration * recipe.sfreq
    stretches = [
        (a["description"], a["duration"]) for a in raw.annotations if a["description"] != "blink"
    ]
    assert stretches == list(recipe.segments)


def test_main_sample_is_the_ten_twenty_meditation():
    assert sample_path() == SAMPLE_DIR / "meditation.edf"
    assert SAMPLES["meditation"].ch_names == TEN_TWENTY
    assert SAMPLES["meditation"].segments[1:3] == (("eyes closed", 45.0), ("meditation", 50.0))


def test_sample_path_without_the_repo_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(sim, "_REPO_SAMPLES", tmp_path / "absent")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = sample_path("muse")
    assert path == tmp_path / "cache" / "batik_waves" / "samples" / "muse.edf"
    assert path.read_bytes() == (SAMPLE_DIR / "muse.edf").read_bytes()
    stamp = path.stat().st_mtime_ns
    assert sample_path("muse") == path and path.stat().st_mtime_ns == stamp  # not regenerated


def test_unknown_sample_name():
    with pytest.raises(RecordingError, match="Allowed values are 'meditation' and 'muse'"):
        sample_path("nap")


def test_sample_command_prints_the_path(capsys):
    from batik_waves.cli import main

    assert main(["sample"]) == 0
    assert capsys.readouterr().out.strip() == str(SAMPLE_DIR / "meditation.edf")
