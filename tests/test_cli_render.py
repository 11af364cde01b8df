"""`batik-waves render` end to end: the sample, every format, bad input, several recordings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED_EEG, shared_file
from test_job import check_outputs

from batik_waves.cli import main
from batik_waves.eeg.read import SUPPORTED_EXTENSIONS
from batik_waves.mapping import MOTIFS

SIZE = "128"


def _sample(name=None):
    from batik_waves.eeg.simulate import sample_path

    return sample_path(name)


@pytest.mark.slow
def test_render_the_bundled_samples(tmp_path, capsys):
    for name in ("meditation", "muse"):
        src = _sample(name)
        out = tmp_path / name
        assert main(["render", str(src), "-o", str(out), "--size", SIZE, "--quiet"]) == 0
        paths = sorted(out.iterdir())
        check_outputs(paths, out, src.stem, tuple(MOTIFS), int(SIZE))
    assert capsys.readouterr().out == ""  # --quiet


def test_no_recording_renders_the_sample_and_says_where(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["render", "-o", str(out), "--size", SIZE, "-m", "kawung"]) == 0
    said = capsys.readouterr().out
    assert f"wrote 6 files to {out}/" in said
    assert (out / f"{_sample().stem}-kawung.png").exists()


# One recording of every format the readers support, from ../shared/eeg.
FORMATS = [
    "physionet_eegmat/Subject04_2.edf",
    "converted/eegmat_Subject00_1_rest60s.bdf",
    "converted/eegmat_Subject00_1_rest60s_raw.fif",
    "converted/eegmat_Subject00_1_rest60s.vhdr",
    "converted/eegmat_Subject00_1_rest60s.xdf",
    "openbci/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt",
    "muse_lsl/data_2017-09-14-21.20.04.csv",
]


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("relative", FORMATS)
def test_every_supported_format(relative, tmp_path):
    src = shared_file(relative)
    out = tmp_path / "out"
    code = main(["render", str(src), "-o", str(out), "--size", SIZE, "--quiet", "-m", "kawung"])
    assert code == 0
    stem = src.name[: -len(".txt")] if src.suffix == ".txt" else src.stem
    check_outputs(sorted(out.iterdir()), out, stem, ("kawung",), int(SIZE))


def test_formats_cover_the_readers():
    exts = {Path(r).suffix for r in FORMATS} | {".txt"}
    assert {".edf", ".bdf", ".fif", ".vhdr", ".xdf", ".csv"} <= exts
    assert set(exts) - {".txt"} <= set(SUPPORTED_EXTENSIONS)


def test_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys):
    bad = tmp_path / "broken.edf"
    bad.write_bytes(b"0" * 300)
    out = tmp_path / "out"
    assert main(["render", str(bad), "-o", str(out), "--size", SIZE]) == 2
    err = capsys.readouterr().err
    assert err.startswith("batik-waves: error: ") and err.count("\n") == 1
    assert "broken.edf" in err
    assert not out.exists()


def run(args) -> int:
    """main(), with argparse's own exits turned into the exit status."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code)


@pytest.mark.parametrize(
    "args",
    [
        ["--motif", "kwaung"],
        ["--size", "big"],
        ["--size", "100", "--cm", "10"],
        ["--palette", "sogan"],
        ["--mapping", "nope"],
        ["--window", "9:3"],
        ["--variant", "nope"],
        ["--repeat", "zigzag"],
        ["--dpi", "0"],
    ],
)
def test_bad_options_one_line(args, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["render", "-o", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("batik-waves: error: ") and err.count("\n") == 1, err
    assert not out.exists()


def test_several_recordings_one_failing(tmp_path, capsys):
    bad = tmp_path / "bad.edf"
    bad.write_bytes(b"0" * 300)
    good = _sample("muse")
    out = tmp_path / "out"
    code = main(["render", str(bad), str(good), "-o", str(out), "--size", SIZE, "-m", "parang"])
    assert code == 2
    captured = capsys.readouterr()
    assert "bad.edf" in captured.err and "1 of 2 recordings failed" in captured.err
    assert f"wrote 6 files to {out}/" in captured.out
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{good.stem}-parang{s}" for s in (".svg", ".png", "-cloth.svg", "-cloth.png")]
        + [f"{good.stem}-sheet.png", f"{good.stem}.json"]
    )


def test_same_stem_twice_into_one_folder_is_refused(tmp_path, capsys):
    a = tmp_path / "a" / "rec.edf"
    b = tmp_path / "b" / "rec.edf"
    for p in (a, b):
        p.parent.mkdir()
        shutil.copy(_sample("muse"), p)
    assert main(["render", str(a), str(b), "-o", str(tmp_path / "out")]) == 2
    assert "same name" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_out_in_the_inputs_folder_leaves_it_alone(tmp_path):
    edf = tmp_path / "x.edf"
    shutil.copy(_sample("muse"), edf)
    assert main(["render", str(edf), "-o", str(tmp_path), "--size", SIZE, "-m", "kawung"]) == 0
    assert edf.read_bytes() == _sample("muse").read_bytes()
    assert (tmp_path / "x-kawung.png").exists()
    # a recording named like one of its own outputs is refused before anything is written
    clash = tmp_path / "y.json"
    shutil.copy(_sample("muse"), clash)
    before = sorted(tmp_path.iterdir())
    assert main(["render", str(clash), "-o", str(tmp_path), "--size", SIZE]) == 2
    assert sorted(tmp_path.iterdir()) == before
    assert clash.read_bytes() == edf.read_bytes()


@pytest.mark.slow
def test_python_dash_m_runs_the_command(tmp_path):
    out = tmp_path / "o"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "batik_waves",
            "render",
            "-o",
            str(out),
            "--size",
            "64",
            "-m",
            "parang",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and (out / f"{_sample().stem}.json").exists()


def test_shared_folder_exists_or_skips():
    if not SHARED_EEG.exists():
        pytest.skip("../shared/eeg is absent")
    assert (SHARED_EEG / "README.md").exists()
