"""read_recording: every real recording in ../shared/eeg, our own text formats, XDF."""

from __future__ import annotations

from datetime import UTC, datetime

import mne
import numpy as np
import pytest
from conftest import shared_file

import batik_waves
from batik_waves.eeg.read import SUPPORTED_EXTENSIONS, infer_channel_types, read_recording
from batik_waves.eeg.simulate import sample_path

EEGMAT = "physionet_eegmat/Subject00_1.edf"
CONVERTED = [
    "converted/eegmat_Subject00_1_rest60s_raw.fif",
    "converted/eegmat_Subject00_1_rest60s.bdf",
    "converted/eegmat_Subject00_1_rest60s.vhdr",
    "converted/eegmat_Subject00_1_rest60s.xdf",
]

# file -> (n EEG channels, rate, seconds, {channel: type} that must hold)
REAL = {
    EEGMAT: (19, 500.0, 182.0, {"EEG O1": "eeg", "EEG A2-A1": "misc", "ECG ECG": "ecg"}),
    "physionet_eegmat/Subject04_2.edf": (19, 500.0, 62.0, {"ECG ECG": "ecg"}),
    "physionet_eegmmidb/S001R01.edf": (64, 160.0, 61.0, {"O1..": "eeg", "Iz..": "eeg"}),
    "mne_testdata/test.bdf": (
        64,
        2048.0,
        1.0,
        {"Status": "stim", "LEOG": "eog", "EXG1": "misc", "M1": "misc", "Fp1": "eeg"},
    ),
    "openbci/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt": (
        8,
        250.0,
        90.0,
        {"EXG Channel 0": "eeg", "Accel Channel 2": "misc", "Marker Channel": "stim"},
    ),
    "muse_lsl/data_2017-09-14-21.20.04.csv": (
        4,
        256.0,
        120.0,
        {"TP9": "eeg", "AF8": "eeg", "Right AUX": "misc", "Marker0": "stim"},
    ),
    **{f: (19, 500.0, 60.0, {"EEG O1" if "xdf" not in f else "O1": "eeg"} | {}) for f in CONVERTED},
}


@pytest.mark.shared
@pytest.mark.parametrize("name", list(REAL))
def test_reads_every_real_recording(name):
    n_eeg, rate, seconds, types = REAL[name]
    raw = read_recording(shared_file(name))
    assert isinstance(raw, mne.io.BaseRaw)
    assert raw.info["sfreq"] == rate
    assert raw.n_times / rate == pytest.approx(seconds, abs=0.1)
    got = dict(zip(raw.ch_names, raw.get_channel_types(), strict=True))
    assert sum(t == "eeg" for t in got.values()) == n_eeg
    for ch, kind in types.items():
        assert got[ch] == kind, ch
    # volts: scalp EEG is tens of µV, never volts or raw µV numbers
    data = raw.get_data(picks="eeg", start=0, stop=min(raw.n_times, int(rate * 5)))
    spread = np.median(np.std(data, axis=1))
    assert 1e-7 < spread < 5e-3


@pytest.mark.shared
def test_mne_formats_stay_on_disk_by_default():
    raw = read_recording(shared_file(EEGMAT))
    assert not raw.preload
    assert read_recording(shared_file(EEGMAT), preload=True).preload


@pytest.mark.shared
def test_top_level_reexport():
    assert batik_waves.read_recording is read_recording


@pytest.mark.shared
@pytest.mark.parametrize("name", CONVERTED)
def test_converted_files_hold_the_edf_signal(name):
    edf = read_recording(shared_file(EEGMAT))
    other = read_recording(shared_file(name))
    n = other.n_times
    assert n == 30000
    ref = edf.get_data(start=0, stop=n)
    got = other.get_data()
    assert got.shape == ref.shape
    # channel order and types agree (names differ in the XDF: no "EEG " prefix)
    assert other.get_channel_types() == edf.get_channel_types()
    assert np.max(np.abs(got - ref)) < 1e-9


@pytest.mark.shared
@pytest.mark.parametrize("name", CONVERTED)
def test_converted_files_give_the_edf_envelopes(name):
    import batik_waves.eeg.bands as bands

    edf = read_recording(shared_file(EEGMAT)).crop(0, 60.0, include_tmax=False)
    other = read_recording(shared_file(name))
    a = bands.band_envelopes(edf.copy().pick("eeg"))
    b = bands.band_envelopes(other.copy().pick("eeg"))
    assert a.data.shape == b.data.shape
    edge = int(2 * a.rate)
    for k in range(a.data.shape[0]):
        x = a.data[k, :, edge:-edge].ravel()
        y = b.data[k, :, edge:-edge].ravel()
        assert np.corrcoef(x, y)[0, 1] >= 0.99, a.bands[k]


@pytest.mark.shared
def test_openbci_values_dates_and_markers():
    raw = read_recording(shared_file("openbci/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"))
    # first row: 0, 61379.36, 49492.89, ... µV
    first = raw.get_data(picks=["EXG Channel 0", "EXG Channel 1"], start=0, stop=1)[:, 0]
    np.testing.assert_allclose(first, [61379.36e-6, 49492.89e-6])
    accel = raw.get_data(picks=["Accel Channel 1"], start=0, stop=1)[0, 0]
    assert accel == pytest.approx(0.420)  # g, not scaled
    # Timestamp column 1557936053329 ms
    assert raw.info["meas_date"] == datetime.fromtimestamp(1557936053.329, tz=UTC)


@pytest.mark.shared
def test_muse_lsl_values_rate_and_markers():
    raw = read_recording(shared_file("muse_lsl/data_2017-09-14-21.20.04.csv"))
    assert raw.ch_names == ["TP9", "AF7", "AF8", "TP10", "Right AUX", "Marker0"]
    first = raw.get_data(picks=["TP9", "TP10"], start=0, stop=1)[:, 0]
    np.testing.assert_allclose(first, [10.742e-6, 15.137e-6])
    ann = raw.annotations
    assert len(ann) == 32
    assert set(ann.description) == {"1", "2"}
    # first marker row: 213545.940 s, the recording starts at 213542.918 s
    assert ann.onset[0] == pytest.approx(213545.940 - 213542.918, abs=0.05)
    assert raw.info["meas_date"] is None  # LSL clock, not a wall-clock date


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_csv(tmp_path):
    rate = 200.0
    t = np.arange(400) / rate
    fz = 20 * np.sin(2 * np.pi * 10 * t)
    lines = ["time,Fz,Cz,ECG,Trigger"]
    for k, tk in enumerate(t):
        trig = 3 if k == 100 else 0
        lines.append(f"{tk:.4f},{fz[k]:.4f},{-fz[k]:.4f},{500.0:.1f},{trig}")
    raw = read_recording(_write(tmp_path / "rec.csv", "\n".join(lines) + "\n"))
    assert raw.info["sfreq"] == rate
    assert raw.get_channel_types() == ["eeg", "eeg", "ecg", "stim"]
    np.testing.assert_allclose(raw.get_data(picks="Fz")[0], fz * 1e-6, atol=1e-10)
    np.testing.assert_allclose(raw.get_data(picks="ECG")[0], 500e-6)
    assert list(raw.annotations.description) == ["3"]
    assert raw.annotations.onset[0] == pytest.approx(0.5)


def test_plain_csv_in_milliseconds_without_a_round_rate(tmp_path):
    t_ms = np.arange(300) * (1000 / 333.0)
    text = "time_ms;O1;O2\n" + "".join(f"{x:.3f};{k % 7};{-(k % 5)}\n" for k, x in enumerate(t_ms))
    raw = read_recording(_write(tmp_path / "rec.csv", text))
    assert raw.info["sfreq"] == pytest.approx(333.0, rel=1e-3)
    assert raw.ch_names == ["O1", "O2"]
    assert raw.get_data(picks="O1")[0, 3] == pytest.approx(3e-6)


def test_plain_csv_with_a_gap_warns(tmp_path):
    t = np.r_[np.arange(100), np.arange(200, 300)] / 100.0
    text = "time,Cz\n" + "".join(f"{x},{k % 3}\n" for k, x in enumerate(t))
    path = _write(tmp_path / "gap.csv", text)
    with pytest.warns(batik_waves.BatikWavesWarning, match=rf"^{path}: 1 gap\(s\) in the time"):
        raw = read_recording(path)
    assert raw.n_times == 200


MIND_MONITOR_HEADER = (
    "TimeStamp,Delta_TP9,Delta_AF7,Delta_AF8,Delta_TP10,Theta_TP9,Theta_AF7,Theta_AF8,"
    "Theta_TP10,Alpha_TP9,Alpha_AF7,Alpha_AF8,Alpha_TP10,Beta_TP9,Beta_AF7,Beta_AF8,"
    "Beta_TP10,Gamma_TP9,Gamma_AF7,Gamma_AF8,Gamma_TP10,RAW_TP9,RAW_AF7,RAW_AF8,RAW_TP10,"
    "AUX_RIGHT,Accelerometer_X,Accelerometer_Y,Accelerometer_Z,Gyro_X,Gyro_Y,Gyro_Z,"
    "HeadBandOn,HSI_TP9,HSI_AF7,HSI_AF8,HSI_TP10,Battery,Elements"
)


def test_mind_monitor_csv(tmp_path):
    """A synthetic file in Mind Monitor's documented layout (constant-rate recording)."""
    rate = 256.0
    n = 768
    start = datetime(2021, 6, 5, 14, 30, 0, tzinfo=UTC).timestamp()
    rows = [MIND_MONITOR_HEADER]
    for k in range(n):
        t = datetime.fromtimestamp(start + k / rate, tz=UTC)
        stamp = t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        bands = ",".join(["0.5"] * 20)
        raw_uv = f"{800 + k % 10},{810.5},{790},{805}"
        rows.append(f"{stamp},{bands},{raw_uv},0,0.01,0.02,0.98,1,2,3,1,1,1,2,4,88,")
        if k == 300:  # marker rows carry only the time and the element
            rows.append(f"{stamp}" + "," * 38 + "/muse/elements/blink")
    path = _write(tmp_path / "mindMonitor_2021-06-05--14-30-00.csv", "\n".join(rows) + "\n")
    raw = read_recording(path)
    assert raw.info["sfreq"] == rate
    assert raw.n_times == n
    types = dict(zip(raw.ch_names, raw.get_channel_types(), strict=True))
    assert [c for c, t in types.items() if t == "eeg"] == ["TP9", "AF7", "AF8", "TP10"]
    assert types["HSI_AF8"] == "misc" and types["Accelerometer_Z"] == "misc"
    assert "Alpha_TP9" not in types  # derived band powers are not signals
    np.testing.assert_allclose(raw.get_data(picks="AF7")[0], 810.5e-6)
    assert raw.get_data(picks="TP9")[0, 3] == pytest.approx(803e-6)
    assert list(raw.annotations.description) == ["/muse/elements/blink"]
    assert raw.annotations.onset[0] == pytest.approx(300 / rate, abs=2e-3)
    assert raw.info["meas_date"] == datetime(2021, 6, 5, 14, 30, 0, tzinfo=UTC)


def test_openbci_text_synthetic(tmp_path):
    header = (
        "%OpenBCI Raw EXG Data\n%Number of channels = 4\n%Sample Rate = 200 Hz\n"
        "%Board = OpenBCI_GUI$BoardGanglionBLE\n"
        "Sample Index, EXG Channel 0, EXG Channel 1, EXG Channel 2, EXG Channel 3, "
        "Accel Channel 0, Accel Channel 1, Accel Channel 2, Timestamp, Marker Channel\n"
    )
    body = "".join(
        f"{k % 256}, {k}.5, {-k}, 1.0, 2.0, 0.0, 0.1, 0.9, {1600000000000 + 5 * k}, "
        f"{7 if k == 50 else 0}\n"
        for k in range(400)
    )
    raw = read_recording(_write(tmp_path / "OpenBCI-RAW-x.txt", header + body))
    assert raw.info["sfreq"] == 200.0
    assert raw.get_channel_types()[:4] == ["eeg"] * 4
    assert raw.get_data(picks="EXG Channel 0")[0, 2] == pytest.approx(2.5e-6)
    assert list(raw.annotations.description) == ["7"]
    assert raw.annotations.onset[0] == pytest.approx(50 / 200.0)
    assert raw.info["meas_date"] == datetime.fromtimestamp(1600000000, tz=UTC)


def _fake_xdf(monkeypatch, tmp_path, streams, header=None):
    import pyxdf

    path = tmp_path / "rec.xdf"
    path.write_bytes(b"XDF:" + bytes(64))
    monkeypatch.setattr(pyxdf, "load_xdf", lambda *a, **k: (streams, header or {"info": {}}))
    return path


def _stream(name, kind, rate, ts, series, channels=None, fmt="float32"):
    info = {
        "name": [name],
        "type": [kind],
        "nominal_srate": [str(rate)],
        "channel_format": [fmt],
        "desc": [{"channels": [{"channel": channels}]}] if channels else [None],
    }
    return {"info": info, "time_stamps": np.asarray(ts), "time_series": series}


def test_xdf_resamples_irregular_stamps_and_reads_markers(monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    rate = 250.0
    n = 2500
    ts = 100.0 + np.arange(n) / rate + rng.uniform(-0.4, 0.4, n) / rate  # jittered
    ts.sort()
    signal = lambda t: 50 * np.sin(2 * np.pi * 3 * t)  # noqa: E731 - µV, slow enough to interpolate
    series = np.column_stack([signal(ts), 2 * signal(ts), np.full(n, 0.5)]).astype(np.float32)
    channels = [
        {"label": ["Cz"], "type": ["EEG"], "unit": ["microvolts"]},
        {"label": ["Pz"], "type": ["EEG"], "unit": ["microvolts"]},
        {"label": ["AccX"], "type": ["ACC"], "unit": ["g"]},
    ]
    eeg = _stream("amp", "EEG", rate, ts, series, channels)
    markers = _stream("cues", "Markers", 0, [101.0, 105.5], [["go"], ["stop"]], fmt="string")
    path = _fake_xdf(
        monkeypatch,
        tmp_path,
        [markers, eeg],
        {"info": {"datetime": ["2022-02-03T10:00:00+0100"]}},
    )
    raw = read_recording(path)
    assert raw.info["sfreq"] == rate
    assert raw.get_channel_types() == ["eeg", "eeg", "misc"]
    grid = ts[0] + np.arange(raw.n_times) / rate
    np.testing.assert_allclose(raw.get_data(picks="Cz")[0], signal(grid) * 1e-6, atol=0.3e-6)
    np.testing.assert_allclose(raw.get_data(picks="AccX")[0], 0.5)
    assert list(raw.annotations.description) == ["go", "stop"]
    np.testing.assert_allclose(raw.annotations.onset, [101.0 - ts[0], 105.5 - ts[0]], atol=1e-5)
    assert raw.info["meas_date"] == datetime(2022, 2, 3, 9, 0, tzinfo=UTC)


@pytest.mark.shared
def test_brainvision_data_file_path_reads_through_its_header():
    raw = read_recording(shared_file("converted/eegmat_Subject00_1_rest60s.eeg"))
    assert raw.n_times == 30000 and "EEG O1" in raw.ch_names


def test_sample_recording_reads():
    raw = read_recording(sample_path())
    assert raw.info["sfreq"] == 256.0
    assert len(raw.ch_names) == 19


def test_supported_extensions_cover_ours_and_mne():
    for ext in (".edf", ".bdf", ".vhdr", ".set", ".fif", ".gdf", ".cnt", ".csv", ".txt", ".xdf"):
        assert ext in SUPPORTED_EXTENSIONS
        assert SUPPORTED_EXTENSIONS[ext]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("EEG Fz", "eeg"),
        ("Fp1-REF", "eeg"),
        ("EKG", "ecg"),
        ("ECG ECG", "ecg"),
        ("HEOG", "eog"),
        ("EOG left", "eog"),
        ("EMG1", "emg"),
        ("Chin EMG", "emg"),
        ("STI 014", "stim"),
        ("Status", "stim"),
        ("TRIGGER", "stim"),
        ("Accel Channel 1", "misc"),
        ("Right AUX", "misc"),
        ("A1-A2", "misc"),
        ("EEG A2-A1", "misc"),
        ("M2", "misc"),
        ("EXG7", "misc"),
        ("T7", "eeg"),
        ("O1..", "eeg"),
        ("Photic", "misc"),
    ],
)
def test_channel_type_from_name(name, kind):
    assert infer_channel_types([name]) == [kind]


def test_plain_csv_units_in_the_header(tmp_path):
    text = "Time (ms),Fz [uV],Cz (mV),O1 (V)\n" + "".join(
        f"{4 * k},{k},{k},{k}\n" for k in range(100)
    )
    raw = read_recording(_write(tmp_path / "units.csv", text))
    assert raw.ch_names == ["Fz", "Cz", "O1"]
    assert raw.info["sfreq"] == 250.0
    np.testing.assert_allclose(raw.get_data(start=10, stop=11)[:, 0], [10e-6, 10e-3, 10.0])


def test_plain_csv_latin1_header(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("time;Fz (µV)\n0;1\n0.004;2\n".encode("latin-1"))
    raw = read_recording(path)
    assert raw.ch_names == ["Fz"]
    assert raw.get_data()[0, 1] == pytest.approx(2e-6)


def test_mne_warnings_come_back_as_ours_naming_the_file(tmp_path):
    import edfio

    signals = [
        edfio.EdfSignal(np.zeros(2560) + k, sampling_frequency=256, label="Fz") for k in range(2)
    ]
    path = tmp_path / "dupes.edf"
    edfio.Edf(signals).write(path)
    with pytest.warns(batik_waves.BatikWavesWarning, match=rf"^{path}: .*not unique"):
        raw = read_recording(path)
    assert len(set(raw.ch_names)) == 2
