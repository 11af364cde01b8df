"""The ``batik-waves bands`` command: table, JSON, plot, and one-line errors."""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest
from conftest import shared_file

from batik_waves.cli import main

REGION_ROWS = ("all", "frontal", "central", "temporal", "parietal", "occipital")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["bands", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _edf(path, seconds: float, sfreq: float = 256.0, names=("Fz", "Cz", "Pz", "O1", "O2")):
    rng = np.random.default_rng(0)
    data = 1e-5 * rng.standard_normal((len(names), int(seconds * sfreq)))
    raw = mne.io.RawArray(data, mne.create_info(list(names), sfreq, "eeg"), verbose="error")
    mne.export.export_raw(path, raw, fmt="edf", overwrite=True, verbose="error")
    return path


def test_table_on_the_bundled_sample(capsys):
    code, out, err = _run(capsys, "-q")
    assert code == 0, err
    assert "meditation" in out
    for band in ("delta", "theta", "alpha", "beta", "gamma"):
        assert band in out
    rows = [line.split()[0] for line in out.splitlines() if line.startswith("  ") and "%" in line]
    assert rows[0] == "all" and set(rows) <= set(REGION_ROWS) and "occipital" in rows


def test_json_plot_and_custom_bands(capsys, tmp_path):
    plot = tmp_path / "out" / "bands.png"
    code, out, err = _run(capsys, "--json", "--plot", str(plot), "--bands", "theta=4-8,alpha=8-13")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["bands"] == ["theta", "alpha"]
    assert doc["edges_hz"] == {"theta": [4.0, 8.0], "alpha": [8.0, 13.0]}
    assert doc["duration_s"] > 60 and doc["channels"] and isinstance(doc["left_out"], dict)
    assert sum(doc["relative_power"].values()) == pytest.approx(1.0, abs=1e-3)
    assert set(doc["regions"]) <= set(REGION_ROWS) and "occipital" in doc["regions"]
    assert all(v > 0 for v in doc["amplitude_uV"].values())
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in plot.parent.iterdir()] == ["bands.png"]  # no temporary left


@pytest.mark.shared
def test_real_recording_json_shows_occipital_alpha(capsys):
    path = shared_file("physionet_eegmat/Subject00_1.edf")
    code, out, err = _run(capsys, str(path), "--json", "-q")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["file"] == str(path)
    occ = doc["regions"]["occipital"]
    # resting baseline with strong occipital alpha
    assert occ["alpha"]["relative_power"] == max(v["relative_power"] for v in occ.values())
    assert "ECG" not in " ".join(doc["channels"])


def _file(path, content: bytes):
    path.write_bytes(content)
    return path


def _one_line_error(err: str, what: str) -> str:
    lines = err.strip().splitlines()
    assert lines, "no error message"
    assert "Traceback" not in err
    last = lines[-1]
    assert last.startswith(f"batik-waves: error: {what}"), last
    assert len([line for line in lines if "error" in line]) == 1
    return last


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: d / "missing.edf", r"(not found|no such file|does not exist)"),
        (lambda d: d, "(director|folder)"),
        (lambda d: _file(d / "empty.edf", b""), "empty"),
        (lambda d: _file(d / "junk.edf", b"\x00garbage" * 100), ""),
        (lambda d: _file(d / "notes.xyz", b"1,2,3\n"), r"\.edf"),
        (lambda d: _edf(d / "short.edf", 2.0), r"too short: 2 s, the delta band needs"),
    ],
    ids=["missing", "directory", "empty", "garbage", "unknown-extension", "too-short"],
)
def test_bad_input_is_one_line_and_writes_nothing(capsys, tmp_path, make, reason):
    import re

    src = tmp_path / "in"
    src.mkdir()
    path = make(src)
    plot = tmp_path / "plot.png"
    code, _out, err = _run(capsys, str(path), "--plot", str(plot), "-q")
    assert code == 2
    last = _one_line_error(err, str(path))
    assert re.search(reason, last, re.IGNORECASE), last
    assert not plot.exists()
    assert list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--bands", "alpha"], "Invalid band 'alpha'"),
        (["--bands", "alpha=13-8"], "Invalid band 'alpha': 13-8 Hz"),
        (["--plot", "x.gif"], "unsupported plot format '.gif'"),
        (["--line-freq", "fifty"], "--line-freq"),
    ],
)
def test_bad_options(capsys, tmp_path, monkeypatch, argv, match):
    monkeypatch.chdir(tmp_path)
    code, _out, err = _run(capsys, *argv, "-q")
    assert code == 2
    assert match in _one_line_error(err, "")
    assert list(tmp_path.iterdir()) == []


def test_plot_must_not_overwrite_the_recording(capsys, tmp_path):
    rec = _edf(tmp_path / "rec.edf", 10.0)
    before = rec.read_bytes()
    code, _, err = _run(capsys, str(rec), "--plot", str(tmp_path / "rec.edf"), "-q")
    assert "refusing to overwrite" in err
    assert code == 2
    assert rec.read_bytes() == before


def test_plot_envelopes_into_given_axes():
    from matplotlib.figure import Figure

    from batik_waves.eeg.envelopes import Envelopes
    from batik_waves.report.plots import plot_envelopes

    rng = np.random.default_rng(1)
    env = Envelopes.from_arrays(
        np.abs(rng.standard_normal((5, 3, 640))) * 1e-5, rate=64.0, ch_names=["O1", "Fz", "C3"]
    )
    fig = Figure()
    axes = fig.subplots(5, 1)
    assert plot_envelopes(env, axes=list(axes)) is fig
    assert len(axes[0].lines) == 3  # a line per region
    fig2 = Figure()
    ax = fig2.add_subplot()
    plot_envelopes(env, ax=ax, title="overview")
    assert len(ax.lines) == 5  # a line per band


def test_progress_reaches_the_end_and_quiet_is_passed(capsys, monkeypatch):
    import contextlib

    import batik_waves.cli as cli

    calls, quiet = [], []

    @contextlib.contextmanager
    def recorder(total, *, desc, unit="it", quiet=False):
        quiet_flag.append(quiet)
        yield lambda done, total=None: calls.append((done, total))

    quiet_flag = quiet
    monkeypatch.setattr(cli, "progress_bar", recorder)
    code, _, err = _run(capsys, "--quiet")
    assert code == 0, err
    assert quiet == [True]
    assert calls[0][0] == 0 and calls[-1] == (100.0, 100.0)
