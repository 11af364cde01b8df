"""Recordings of band powers: NeuroSky logs and Mind Monitor CSVs without RAW columns."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from batik_waves.cli import main
from batik_waves.eeg.bandpower import band_power_kind, read_band_powers
from batik_waves.eeg.bands import envelopes_from_file
from batik_waves.errors import RecordingError

SAMPLES = Path(__file__).resolve().parents[2] / "sample_recordings"
NEUROSKY = SAMPLES / "neurosky-bandpower.csv"
MIND_MONITOR = SAMPLES / "mindmonitor-bandpower.csv"


def test_generated_samples_are_current(tmp_path):
    sys.path.insert(0, str(SAMPLES))
    try:
        import generate
    finally:
        sys.path.remove(str(SAMPLES))
    for made in generate.write_band_power_samples(tmp_path):
        assert made.read_bytes() == (SAMPLES / made.name).read_bytes()


def test_neurosky_log_pools_eight_bands_into_five():
    env = read_band_powers(NEUROSKY)
    assert env.origin == "band_power"
    assert env.bands == ("delta", "theta", "alpha", "beta", "gamma")
    assert env.edges[2] == (7.5, 11.75) and env.edges[4] == (31.0, 49.75)
    assert env.ch_names == ("Fp1",) and env.rate == 1.0 and env.n_times == 60
    # plain reference: sqrt of the summed columns, in volts per count
    rows = np.genfromtxt(NEUROSKY, delimiter=",", names=True)
    alpha = np.sqrt(rows["Low_Alpha"] + rows["High_Alpha"]) * 1.8 / 4096 / 2000
    assert np.allclose(env.data[2, 0], alpha, rtol=1e-6)
    assert 1e-6 < float(np.median(env.data)) < 100e-6  # tens of µV, like scalp EEG


def test_mind_monitor_log_powers():
    env = read_band_powers(MIND_MONITOR)
    assert env.origin == "band_power"
    assert env.ch_names == ("TP9", "AF7", "AF8", "TP10")
    assert env.edges[2] == (7.5, 13.0) and env.rate == pytest.approx(1.0)
    rows = np.genfromtxt(MIND_MONITOR, delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert np.allclose(env.data[0, 1], np.sqrt(10.0 ** rows["Delta_AF7"]) * 1e-6, rtol=1e-5)
    # eyes closed (20-40 s) has more alpha than eyes open (0-20 s), as simulated
    rel = env.relative_power()[2].mean(axis=0)
    assert rel[22:38].mean() > 1.5 * rel[2:18].mean()


@pytest.mark.parametrize(
    "header",
    [
        "time,DELTA,Theta,low-alpha,High Alpha,lowBeta,high_beta,Low Gamma,midGamma,poorSignal",
        "Timestamp;delta;theta;lowalpha;highalpha;lowbeta;highbeta;lowgamma;highGamma",
    ],
)
def test_neurosky_spellings(tmp_path, header):
    delim = ";" if ";" in header else ","
    n = len(header.split(delim))
    rows = [delim.join([str(i)] + [str(100 * (i + 1))] * (n - 1)) for i in range(5)]
    path = tmp_path / "log.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    assert band_power_kind(path) == "neurosky"
    env = read_band_powers(path)
    assert env.n_times == 5 and len(env.bands) == 5


def test_envelopes_from_file_and_the_bands_command(capsys):
    env = envelopes_from_file(NEUROSKY, window=(10.0, 20.0))
    assert env.origin == "band_power" and env.n_times == 10
    assert main(["bands", str(MIND_MONITOR), "--json"]) == 0
    assert '"channels"' in capsys.readouterr().out


def test_raw_mind_monitor_is_not_band_power(tmp_path):
    path = tmp_path / "mm.csv"
    path.write_text("TimeStamp,RAW_TP9,RAW_AF7,Delta_TP9,Delta_AF7,Theta_TP9,Theta_AF7\n")
    assert band_power_kind(path) is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("time,foo,bar\n0,1,2\n1,2,3\n", "no band-power columns"),
        ("delta,theta,lowAlpha,highAlpha\n1,2,3,4\n", "1 row"),
        ("delta,theta,lowAlpha,highAlpha\n", "0 row"),
    ],
)
def test_bad_band_power_files_give_one_line(tmp_path, capsys, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(RecordingError, match=match):
        read_band_powers(path)
    if match != "no band-power columns":  # that one is a (bad) raw CSV to `bands`
        assert main(["bands", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and match in err[0]
