"""Bad input to read_recording: one RecordingError "<path>: <reason>", never a traceback."""

from __future__ import annotations

import gc
import shutil

import numpy as np
import pytest
from conftest import shared_file

from batik_waves.eeg.read import SUPPORTED_EXTENSIONS, read_recording
from batik_waves.eeg.simulate import write_sample
from batik_waves.errors import RecordingError

# Extensions whose garbage must be refused (folders and formats needing companions aside).
GARBAGE_EXTENSIONS = [
    e for e in SUPPORTED_EXTENSIONS if e not in (".mff", ".ds", ".mefd", ".nxe", ".data")
]
CONTENTS = {
    "random": np.random.default_rng(0).bytes(5000),
    "text": b"hello world\nthis is not an EEG recording\n",
    "zeros": bytes(3000),
}


def _refused(path, match: str | None = None) -> RecordingError:
    with pytest.raises(RecordingError) as info:
        read_recording(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: "), msg
    assert "\n" not in msg
    if match is not None:
        assert match in msg, msg
    gc.collect()  # an unclosed file in a reader would surface here as an error
    return info.value


def test_missing_path(tmp_path):
    _refused(tmp_path / "nope.edf", "no such file")


def test_a_folder(tmp_path):
    folder = tmp_path / "recordings.edf"
    folder.mkdir()
    _refused(folder, "is a folder")


@pytest.mark.parametrize("ext", [".edf", ".bdf", ".vhdr", ".fif", ".csv", ".txt", ".xdf", ".set"])
def test_empty_file(tmp_path, ext):
    path = tmp_path / f"empty{ext}"
    path.touch()
    _refused(path, "the file is empty")


def test_unknown_extension_lists_the_supported_ones(tmp_path):
    path = tmp_path / "rec.wav"
    path.write_bytes(b"RIFF....WAVE")
    err = _refused(path, "unknown extension '.wav'")
    for ext in (".edf", ".bdf", ".vhdr", ".csv", ".txt", ".xdf"):
        assert ext in str(err)


def test_no_extension(tmp_path):
    path = tmp_path / "recording"
    path.write_bytes(b"0,1\n")
    _refused(path, "no file extension")


@pytest.mark.parametrize("ext", GARBAGE_EXTENSIONS)
@pytest.mark.parametrize("content", list(CONTENTS))
def test_garbage_under_any_extension(tmp_path, ext, content):
    path = tmp_path / f"{content}{ext}"
    path.write_bytes(CONTENTS[content])
    _refused(path)


def test_reader_errors_are_chained(tmp_path):
    path = tmp_path / "x.set"
    path.write_bytes(CONTENTS["random"])
    err = _refused(path, "not a readable EEGLAB file")
    assert err.__cause__ is not None


@pytest.fixture(scope="module")
def sample_edf(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "muse.edf"
    return write_sample("muse", path)


@pytest.mark.parametrize("fraction", [0.001, 0.02, 0.5, 0.999])
def test_truncated_edf(tmp_path, sample_edf, fraction):
    data = sample_edf.read_bytes()
    path = tmp_path / "cut.edf"
    path.write_bytes(data[: int(len(data) * fraction)])
    _refused(path, "truncated")


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("converted/eegmat_Subject00_1_rest60s.bdf", "truncated"),
        ("converted/eegmat_Subject00_1_rest60s_raw.fif", "not a readable FIF file"),
        ("converted/eegmat_Subject00_1_rest60s.xdf", "truncated or corrupt XDF"),
        ("muse_lsl/data_2017-09-14-21.20.04.csv", "looks truncated"),
        ("openbci/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt", "looks truncated"),
    ],
)
@pytest.mark.parametrize("fraction", [0.01, 0.5])
def test_truncated_real_files(tmp_path, name, match, fraction):
    src = shared_file(name)
    data = src.read_bytes()
    path = tmp_path / src.name
    path.write_bytes(data[: int(len(data) * fraction) + 3])
    _refused(path, match)


@pytest.mark.shared
def test_brainvision_header_without_its_data_file(tmp_path):
    src = shared_file("converted/eegmat_Subject00_1_rest60s.vhdr")
    shutil.copy(src, tmp_path)
    shutil.copy(src.with_suffix(".vmrk"), tmp_path)
    _refused(tmp_path / src.name, "its data file eegmat_Subject00_1_rest60s.eeg is missing")


@pytest.mark.shared
def test_brainvision_data_cut_inside_a_sample(tmp_path):
    src = shared_file("converted/eegmat_Subject00_1_rest60s.vhdr")
    shutil.copy(src, tmp_path)
    shutil.copy(src.with_suffix(".vmrk"), tmp_path)
    data = src.with_suffix(".eeg").read_bytes()
    (tmp_path / f"{src.stem}.eeg").write_bytes(data[:100_001])
    _refused(tmp_path / src.name, "is truncated")


def test_brainvision_header_that_is_not_one(tmp_path):
    path = tmp_path / "x.vhdr"
    path.write_text("[Common Infos]\nDataFile=x.eeg\n")
    _refused(path, "not a BrainVision header")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("time,Fz,Cz\n", "no rows of data"),
        ("time,Fz,Cz\na,b,c\nd,e,f\n", "no numbers"),
        ("time,Fz,Cz\n0,,\n0.01,,\n", "no numbers in the channel columns"),
        ("just one column\n1\n2\n", "a time column and at least one channel"),
        ("time,Fz\n0,1\n0,2\n", "does not increase"),
        ("time,Fz\n0,1\n5,2\n1,3\n", "goes backwards"),
        ("time,Fz,Cz\n0,1,2\n0.01,1\n0.02,1,2\n", "row 3 has 2 of 3 fields"),
        ("time,Fz,Cz\n0,1,2\n0.01,1,2\n0.02,1\n", "the last row has 2 of 3 fields"),
        ("time,Fz\n0,1\n", "too few samples"),
        ("time,ECG,Trigger\n0,1,0\n0.01,2,0\n", "no EEG channels"),
    ],
)
def test_bad_csv(tmp_path, text, match):
    path = tmp_path / "rec.csv"
    path.write_text(text)
    _refused(path, match)


def test_csv_that_is_binary(tmp_path):
    path = tmp_path / "rec.csv"
    path.write_bytes(b"time,Fz\n\x00\x01\x02")
    _refused(path, "not a text file")


def test_openbci_without_exg_columns(tmp_path):
    path = tmp_path / "OpenBCI-RAW.txt"
    path.write_text("%OpenBCI Raw EXG Data\n%Sample Rate = 250 Hz\nSample Index, Foo\n0, 1\n")
    _refused(path, "no 'EXG Channel' columns")


def test_edf_without_eeg_channels(tmp_path):
    import mne

    info = mne.create_info(["ECG", "Resp"], 128.0, ["ecg", "misc"])
    raw = mne.io.RawArray(np.random.default_rng(0).normal(0, 1e-4, (2, 1280)), info, verbose=False)
    path = tmp_path / "ecg_only.edf"
    mne.export.export_raw(path, raw, fmt="edf", verbose="error")
    _refused(path, "no EEG channels (found ECG (ecg), Resp (resp))")


def test_xdf_without_eeg_stream(monkeypatch, tmp_path):
    import pyxdf

    path = tmp_path / "rec.xdf"
    path.write_bytes(b"XDF:" + bytes(16))
    stream = {
        "info": {"name": ["cues"], "type": ["Markers"], "nominal_srate": ["0"]},
        "time_stamps": np.array([1.0]),
        "time_series": [["go"]],
    }
    monkeypatch.setattr(pyxdf, "load_xdf", lambda *a, **k: ([stream], {"info": {}}))
    _refused(path, "no EEG stream in the XDF file (streams: cues (Markers))")


def test_cli_prints_one_line_and_exits_2(tmp_path, capsys):
    """The command line reports a bad recording in one line, exit status 2."""
    from batik_waves.cli import build_parser, main

    sub = build_parser()._subparsers._group_actions[0].choices
    if "bands" not in sub:
        pytest.skip("the bands command is not there")
    cases = {
        tmp_path / "missing.edf": "no such file",
        tmp_path / "rec.wav": "unknown extension",
        tmp_path / "garbage.edf": "not an EDF/BDF header",
        tmp_path / "empty.csv": "the file is empty",
    }
    (tmp_path / "rec.wav").write_bytes(b"RIFF")
    (tmp_path / "garbage.edf").write_bytes(CONTENTS["random"])
    (tmp_path / "empty.csv").touch()
    for path, match in cases.items():
        status = main(["bands", str(path)])
        out, err = capsys.readouterr()
        assert status == 2
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith(f"batik-waves: error: {path}: ")
        assert match in lines[0]
        assert "Traceback" not in err


def test_plain_csv_unknown_units(tmp_path):
    path = tmp_path / "rec.csv"
    path.write_text("time (min),Fz\n0,1\n1,2\n")
    _refused(path, "unknown time unit 'min'")
    path.write_text("time,Fz (furlongs)\n0,1\n1,2\n")
    _refused(path, "unknown unit 'furlongs' for channel 'Fz'")


@pytest.mark.parametrize("ext", [".mff", ".ds"])
def test_empty_folder_format(tmp_path, ext):
    folder = tmp_path / f"rec{ext}"
    folder.mkdir()
    _refused(folder)


def test_mind_monitor_recorded_once_a_second(tmp_path):
    header = "TimeStamp,RAW_TP9,RAW_AF7,RAW_AF8,RAW_TP10,Elements\n"
    rows = "".join(f"2021-06-05 14:30:{k:02d}.000,800,801,802,803,\n" for k in range(30))
    path = tmp_path / "mindMonitor.csv"
    path.write_text(header + rows)
    _refused(path, "'Recording Interval' set to 'Constant'")


def test_cli_flat_and_headless_brainvision(tmp_path, capsys):
    import mne

    from batik_waves.cli import main

    info = mne.create_info(["Fz", "Cz", "Pz"], 256.0, "eeg")
    flat = tmp_path / "flat.edf"
    raw = mne.io.RawArray(np.full((3, 256 * 10), 1e-6), info, verbose=False)
    mne.export.export_raw(flat, raw, fmt="edf", physical_range=(-1e-4, 1e-4), verbose="error")
    vhdr = tmp_path / "x.vhdr"
    vhdr.write_text(
        "Brain Vision Data Exchange Header File Version 1.0\n[Common Infos]\nDataFile=x.eeg\n"
    )
    for path, match in ((flat, "all EEG channels are flat"), (vhdr, "data file x.eeg is missing")):
        assert main(["bands", str(path)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == f"batik-waves: error: {path}: {match}\n" or (
            err.startswith(f"batik-waves: error: {path}: ") and match in err
        ), err
        assert err.count("\n") == 1
