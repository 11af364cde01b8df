"""Regenerate the sample recordings in this folder (deterministic: same bytes every run).

Usage (from the project root)::

    .venv/bin/python sample_recordings/generate.py

Each recording is simulated by :func:`batik_waves.eeg.simulate.simulate_eeg` from a
fixed recipe in :data:`batik_waves.eeg.simulate.SAMPLES` and written as EDF+ (with
its annotations) by MNE's exporter. Two band-power recordings are derived from the
``muse`` sample, once a second, as the devices compute them (power in each band of a
1 s Hann-windowed spectrum): ``neurosky-bandpower.csv`` (a ThinkGear log of Fp1-like
TP9, in the chip's units, with attention, meditation and poorSignal) and
``mindmonitor-bandpower.csv`` (Mind Monitor without RAW columns: log10 µV²).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from batik_waves.eeg.bandpower import MIND_MONITOR_BANDS, NEUROSKY_BANDS
from batik_waves.eeg.simulate import SAMPLES, write_sample

__all__ = ["main", "write_band_power_samples"]

_COUNT_VOLTS = 1.8 / 4096 / 2000


def _band_powers(x: np.ndarray, sfreq: float, bands: dict) -> np.ndarray:
    """Power per band (bands, channels, seconds) of 1 s Hann-windowed spectra."""
    n = int(sfreq)
    k = x.shape[1] // n
    seg = x[:, : k * n].reshape(x.shape[0], k, n) * np.hanning(n)
    spec = np.abs(np.fft.rfft(seg, axis=2)) ** 2 / n
    f = np.fft.rfftfreq(n, 1 / sfreq)
    return np.stack([spec[:, :, (f >= lo) & (f <= hi)].sum(axis=2) for lo, hi in bands.values()])


def write_band_power_samples(folder: Path) -> list[Path]:
    """Write the NeuroSky and Mind Monitor band-power samples into *folder*."""
    sim = SAMPLES["muse"].simulate()
    x = sim.get_data()
    sfreq = SAMPLES["muse"].sfreq
    rng = np.random.default_rng(5)
    ns = _band_powers(x[:1] / _COUNT_VOLTS, sfreq, NEUROSKY_BANDS)[:, 0]  # counts²
    names = ["Time", "Delta", "Theta", "Low Alpha", "High Alpha", "Low Beta", "High Beta"]
    names += ["Low Gamma", "Mid Gamma", "Attention", "Meditation", "Poor Signal"]
    lines = [",".join(names)]
    for i in range(ns.shape[1]):
        att, med = rng.integers(20, 90, 2)
        cells = [f"{i:.1f}", *(str(round(float(v))) for v in ns[:, i]), str(att), str(med), "0"]
        lines.append(",".join(cells))
    nsk = folder / "neurosky-bandpower.csv"
    nsk.write_text("\n".join(lines) + "\n", encoding="utf-8")

    mm = _band_powers(x * 1e6, sfreq, MIND_MONITOR_BANDS)  # µV²
    chans = ["TP9", "AF7", "AF8", "TP10"]
    header = ["TimeStamp"] + [f"{b.capitalize()}_{c}" for b in MIND_MONITOR_BANDS for c in chans]
    header += ["HSI_TP9", "HSI_AF7", "HSI_AF8", "HSI_TP10", "HeadBandOn", "Elements"]
    lines = [",".join(header)]
    for i in range(mm.shape[2]):
        stamp = f"2024-05-01 10:00:{i:02d}.000" if i < 60 else f"2024-05-01 10:01:{i - 60:02d}.000"
        vals = [f"{np.log10(max(v, 1e-12)):.5f}" for v in mm[:, :, i].ravel()]
        lines.append(",".join([stamp, *vals, "1", "1", "1", "1", "1", ""]))
    mmp = folder / "mindmonitor-bandpower.csv"
    mmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [nsk, mmp]


def main(folder: Path | None = None) -> list[Path]:
    """Write every sample recording (EDF) into *folder* (default: beside this script)."""
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent
    return [write_sample(name, folder / f"{name}.edf") for name in SAMPLES]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in main(target) + write_band_power_samples(target):
        print(path)
