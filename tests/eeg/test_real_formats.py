"""Real recordings in the formats the README claims (MNE's own test files, ../shared).

For each file of ``../shared/eeg/mne_testing`` that needs it: read where MNE reads
it, with the same samples MNE gives, and band shares close to a Welch reference
over the same cleaned channels; a clean one-line refusal where MNE cannot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from conftest import shared_file

from batik_waves.eeg.bands import envelopes_from_file
from batik_waves.eeg.clean import clean
from batik_waves.eeg.read import read_recording
from batik_waves.errors import BatikWavesWarning, RecordingError

pytestmark = pytest.mark.shared

BASE = "mne_testing/"


def _quietly_named(fn, path):
    """Run fn(path); every warning must be ours and name the path the user gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(path)
    for w in caught:
        assert issubclass(w.category, BatikWavesWarning), w
        assert str(w.message).startswith(str(path)), w.message
    return out


def _welch_shares(raw, env) -> np.ndarray:
    """Each band's share of power: Welch PSD weighted by the band's own MNE filter.

    Over the same cleaned channels and the same core (the envelopes' settling edge
    left out at both ends, when the recording is long enough to have a core).
    """
    import mne
    from scipy.signal import freqz, welch

    x = raw.get_data()
    fs = raw.info["sfreq"]
    k = round(env.edge * fs)
    core = x[:, k : x.shape[1] - k] if x.shape[1] > 4 * k else x
    freqs, psd = welch(core, fs=fs, nperseg=int(min(core.shape[1], 2 * fs)), axis=-1)
    power = []
    for lo, hi in env.edges:
        h = mne.filter.create_filter(None, fs, lo, hi, fir_design="firwin", verbose=False)
        _, response = freqz(h, worN=freqs, fs=fs)
        power.append(np.trapezoid(psd * np.abs(response) ** 2, freqs, axis=-1).mean())
    power = np.array(power)
    return power / power.sum()


def _check_shares(path):
    env, plan = _quietly_named(lambda p: envelopes_from_file(p, return_plan=True), path)
    raw = _quietly_named(lambda p: clean(read_recording(p, preload=True)), path)
    assert list(raw.ch_names) == list(plan.ch_names) == list(env.ch_names)
    summary = env.summary()
    ours = np.array([summary.relative[b] for b in env.bands])
    ref = _welch_shares(raw, env)
    # measured: <= 0.021 where there is a core; up to 0.10 in 4.6-5 s recordings
    # that are all filter edge (delta's FIR alone is 3.3 s long)
    has_core = env.n_times > 4 * round(env.edge * env.rate)
    np.testing.assert_allclose(ours, ref, atol=0.035 if has_core else 0.12)
    return env, plan


def _same_samples(ours, theirs, seconds: float = 4.0):
    names = [n for n, t in zip(ours.ch_names, ours.get_channel_types(), strict=True) if t == "eeg"]
    assert names
    stop = min(ours.n_times, int(seconds * ours.info["sfreq"]))
    assert ours.n_times == theirs.n_times
    np.testing.assert_array_equal(
        ours.get_data(picks=names, stop=stop), theirs.get_data(picks=names, stop=stop)
    )


def test_nedf_reads_whole_where_block_reads_crash():
    import mne

    path = shared_file(BASE + "nedf/testdata.nedf")
    raw = _quietly_named(read_recording, path)
    assert raw.get_channel_types().count("eeg") == 32
    assert raw.n_times / raw.info["sfreq"] == pytest.approx(65.1, abs=0.1)
    _same_samples(raw, mne.io.read_raw_nedf(path, preload=True, verbose="error"))
    _check_shares(path)


def test_vamp_is_not_truncated_and_its_flat_channels_are_refused_cleanly():
    import mne

    path = shared_file(BASE + "Brainvision/test_VAmp.ahdr")
    raw = read_recording(path)
    assert raw.get_channel_types().count("eeg") == 6
    assert raw.n_times == 4352  # every sample MNE reads: 8.7 s at 500 Hz
    _same_samples(raw, mne.io.read_raw_brainvision(path, verbose="error"))
    with pytest.raises(RecordingError) as info:
        envelopes_from_file(path)
    assert str(info.value) == f"{path}: all EEG channels are flat"


def test_vamp_data_file_names_the_header_given(tmp_path):
    src = shared_file(BASE + "Brainvision/test_VAmp.ahdr")
    for suffix in (".ahdr", ".amrk"):
        (tmp_path / f"v{suffix}").write_bytes(src.with_suffix(suffix).read_bytes())
    data = src.with_suffix(".eeg").read_bytes()
    (tmp_path / "v.eeg").write_bytes(data[:-5])  # a partial last sample
    header = tmp_path / "v.ahdr"
    text = header.read_text(encoding="utf-8").replace("DataFile=test_VAmp.eeg", "DataFile=v.eeg")
    header.write_text(text, encoding="utf-8")
    for given in (header, tmp_path / "v.eeg"):
        with pytest.raises(RecordingError, match="truncated") as info:
            read_recording(given)
        assert str(info.value).startswith(f"{given}: its data file v.eeg is truncated")


def test_ant_cnt_reads():
    import mne

    path = shared_file(BASE + "antio/NA_271/test-na-271.cnt")
    raw = _quietly_named(read_recording, path)
    assert raw.get_channel_types().count("eeg") == 128
    _same_samples(raw, mne.io.read_raw_ant(path, verbose="error"))
    _check_shares(path)


def test_neuroscan_cnt_never_reaches_the_ant_reader_and_reads_as_int16():
    import mne

    path = shared_file(BASE + "CNT/scan41_short.cnt")
    # in a child first: with antio installed, MNE's generic reader crashed the process
    code = (
        "import sys, warnings; warnings.simplefilter('ignore');"
        "from batik_waves.eeg.read import read_recording;"
        "r = read_recording(sys.argv[1]); print(r.n_times, len(r.ch_names))"
    )
    child = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr[-500:]
    assert child.stdout.split() == ["3070", "128"]
    raw = _quietly_named(read_recording, path)
    int16 = mne.io.read_raw_cnt(path, data_format="int16", verbose="error")
    _same_samples(raw, int16)
    env, _ = _check_shares(path)
    assert env.duration == pytest.approx(7.7, abs=0.1)


def test_neuroscan_cnt_garbage_is_refused(tmp_path):
    bad = tmp_path / "x.cnt"
    bad.write_bytes(b"Version 3.0\0" + bytes(range(256)) * 40)
    with pytest.raises(RecordingError) as info:
        read_recording(bad)
    assert str(info.value).startswith(f"{bad}: ") and "\n" not in str(info.value)
    neither = tmp_path / "y.cnt"
    neither.write_bytes(b"hello" * 100)
    with pytest.raises(RecordingError, match="neither a Neuroscan CNT"):
        read_recording(neither)


def test_eeglab_hdf5_without_its_fdt_is_refused_naming_it():
    path = shared_file(BASE + "EEGLAB/test_raw_h5.set")
    with pytest.raises(RecordingError) as info:
        read_recording(path)
    assert str(info.value) == (
        f"{path}: its data file is missing: EEGLAB keeps the samples beside the .set "
        "in test_raw.fdt or test_raw_h5.fdt"
    )


def test_eeglab_hdf5_reads_with_its_fdt(tmp_path):
    """The same MATLAB v7.3 header with a .fdt beside it: h5py and pymatreader at work."""
    src = shared_file(BASE + "EEGLAB/test_raw_h5.set")
    path = tmp_path / "test_raw_h5.set"
    path.write_bytes(src.read_bytes())
    n_ch, n_times = 32, 30504  # the header's nbchan and pnts
    x = np.random.default_rng(0).normal(0.0, 20.0, (n_ch, n_times)).astype("<f4")  # µV
    (tmp_path / "test_raw.fdt").write_bytes(x.tobytes(order="F"))  # sample after sample
    raw = _quietly_named(read_recording, path)
    assert raw.info["sfreq"] == 128.0 and raw.n_times == n_times
    eeg = [n for n, t in zip(raw.ch_names, raw.get_channel_types(), strict=True) if t == "eeg"]
    assert len(eeg) == n_ch
    np.testing.assert_allclose(raw.get_data(picks=eeg), x * 1e-6, rtol=1e-6)


def test_egi_mff_folder_is_a_recording_and_messages_name_the_folder():
    import mne

    path = shared_file(BASE + "EGI/test_egi_pns.mff")
    assert path.is_dir()
    raw = _quietly_named(read_recording, path)
    assert raw.get_channel_types().count("eeg") == 257
    _same_samples(raw, mne.io.read_raw_egi(path, verbose="error"))
    _check_shares(path)  # its warnings name the .mff, not the signal1.bin inside


def test_curry7_reads():
    import mne

    path = shared_file(BASE + "curry/Ref_channel_omitted Curry7.dat")
    raw = _quietly_named(read_recording, path)
    assert raw.get_channel_types().count("eeg") == 3
    _same_samples(raw, mne.io.read_raw_curry(path, verbose="error"))
    env, _ = _check_shares(path)
    assert env.duration == pytest.approx(20.0, abs=0.1)


def test_fieldtrip_reads_its_eeg():
    path = shared_file(BASE + "fieldtrip/ft_test_data/neuromag306/raw_v7.mat")
    raw = _quietly_named(read_recording, path)
    assert raw.get_channel_types().count("eeg") == 60
    env, _ = _check_shares(path)
    assert len(env.ch_names) == 60


def test_edf_channel_types_from_names():
    path = shared_file(BASE + "EDF/chtypes_edf.edf")
    raw = _quietly_named(read_recording, path)
    types = dict(zip(raw.ch_names, raw.get_channel_types(), strict=True))
    assert types["SaO2 X9"] == types["SaO2 X10"] == "bio"
    assert {types[f"POL DC0{i}"] for i in range(1, 5)} == {"misc"}
    assert types["ECG ECG1"] == "ecg" and types["EEG Fp1-Ref"] == "eeg"
    env, plan = _check_shares(path)
    for name in ("SaO2 X9", "SaO2 X10", "POL DC02"):
        assert name not in env.ch_names
        assert plan.not_eeg[name] in ("bio", "misc")


def test_bands_table_says_which_channels_are_not_eeg(capsys):
    from batik_waves.cli import main

    path = shared_file(BASE + "EDF/chtypes_edf.edf")
    with warnings.catch_warnings():  # the CLI shows its warnings on stderr
        warnings.simplefilter("always", BatikWavesWarning)
        assert main(["bands", str(path), "-q"]) == 0
    captured = capsys.readouterr()
    assert f"warning: {path}: leaving out 2 bad EEG channel(s)" in captured.err
    out = captured.out
    line = next(x for x in out.splitlines() if "not EEG" in x)
    for name in ("SaO2 X9 (bio)", "SaO2 X10 (bio)", "POL DC02 (misc)", "ECG ECG1 (ecg)"):
        assert name in line


def test_reader_failure_while_reading_samples_names_the_file(monkeypatch):
    """An exception inside a reader library during a data read becomes one line."""
    import mne

    path = shared_file(BASE + "curry/Ref_channel_omitted Curry7.dat")
    raw = read_recording(path)

    def broken(self, *args, **kwargs):
        raise AssertionError((2000, 1999))  # what MNE's NEDF reader raised

    monkeypatch.setattr(type(raw), "_read_segment_file", broken)
    with pytest.raises(RecordingError) as info:
        clean(raw)
    assert str(info.value) == (
        f"{path}: cannot read the samples: malformed content (AssertionError)"
    )
    assert isinstance(raw, mne.io.BaseRaw)


@pytest.mark.skipif(not hasattr(os, "pipe"), reason="needs os.pipe")
def test_bands_into_a_closed_pipe_ends_quietly(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` that has already gone
    try:
        child = subprocess.run(
            [sys.executable, "-m", "batik_waves", "bands", "--json", "-q"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert child.stderr == b""
    assert child.returncode == 141


def test_mff_folder_through_the_command_line(tmp_path, capsys):
    """bands (its JSON stays JSON: mffpy prints on every read) and render take the folder."""
    import json

    from batik_waves.cli import main

    path = shared_file(BASE + "EGI/test_egi_pns.mff")
    with warnings.catch_warnings():  # the CLI shows its warnings on stderr
        warnings.simplefilter("always", BatikWavesWarning)
        assert main(["bands", str(path), "--json", "-q"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["file"] == str(path) and len(summary["channels"]) == 93
        assert summary["not_eeg"]["ECG"] == "ecg"
        out = tmp_path / "out"
        assert main(["render", str(path), "-o", str(out), "--size", "96", "-m", "kawung"]) == 0
    record = json.loads((out / "test_egi_pns.json").read_text(encoding="utf-8"))
    from batik_waves._io import sha256

    assert record["source"]["sha256"] == sha256(path)  # of the folder's files
    assert len(record["source"]["sha256"]) == 64
    assert sorted(p.name for p in out.glob("*.svg")) == [
        "test_egi_pns-kawung-cloth.svg",
        "test_egi_pns-kawung.svg",
    ]
