"""Benchmark: band envelopes against MNE's reference, and the memory of a long file.

1. Speed. 64 channels x 10 minutes x 512 Hz of synthetic, realistic EEG (1/f
   background, alpha bursts, mains; seeded). The project's ``band_envelopes`` and
   MNE's recipe (``raw.copy().filter(lo, hi).apply_hilbert(envelope=True)`` for each
   of the five default bands) are timed in the same process, on the same Raw: the
   first call of each (filter design, FFT set-up) and the median of several warm
   calls, then the ratio. Target: the project at least 8x faster than MNE.
2. Memory. An 8-hour, 32-channel, 256 Hz EDF (about 470 MB) is written in chunks
   to ``benchmarks/_work/`` (gitignored; reused when already there) and
   ``batik-waves bands`` runs on it in a subprocess; its peak RSS and wall time are
   reported. Target: peak RSS under 1 GB.

Run: ``.venv/bin/python benchmarks/bench_bands.py`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _machine import describe

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
BANDS = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}


# ------------------------------------------------------------------- machine
def machine() -> str:
    import mne
    import scipy

    return describe(
        f"numpy {np.__version__}",
        f"scipy {scipy.__version__}",
        f"mne {mne.__version__}",
        memory=True,
    )


# ------------------------------------------------------------ synthetic EEG
def synthetic_eeg(n_channels: int, n_times: int, sfreq: float, seed: int) -> np.ndarray:
    """Realistic-looking EEG in volts: 1/f background, waxing alpha, a little mains."""
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(n_times, 1 / sfreq)
    shape = 1.0 / np.maximum(freqs, 0.5)
    shape[0] = 0.0
    out = np.empty((n_channels, n_times))
    t = np.arange(n_times) / sfreq
    wax = 1.0 + 0.8 * np.sin(2 * np.pi * t / 23.0) ** 2
    for c in range(n_channels):
        spec = shape * (rng.standard_normal(freqs.size) + 1j * rng.standard_normal(freqs.size))
        x = np.fft.irfft(spec, n_times)
        x *= 10e-6 / x.std()
        x += 8e-6 * (0.3 + (c % 8) / 8) * wax * np.sin(2 * np.pi * 10.2 * t + c)
        x += 1e-6 * np.sin(2 * np.pi * 50.0 * t)
        out[c] = x
    return out


# ------------------------------------------------------------------- speed
def bench_speed(runs: int, seed: int) -> dict:
    import mne
    import scipy.signal  # noqa: F401  (both sides design filters with it: import it for neither)

    from batik_waves.eeg.bands import band_envelopes

    mne.set_log_level("ERROR")
    n_ch, sfreq, minutes = 64, 512.0, 10
    data = synthetic_eeg(n_ch, int(minutes * 60 * sfreq), sfreq, seed)
    info = mne.create_info([f"EEG{i:03d}" for i in range(n_ch)], sfreq, "eeg")
    raw = mne.io.RawArray(data, info, verbose="error")
    del data

    def ours():
        return band_envelopes(raw)

    def reference():
        return [
            raw.copy().filter(lo, hi).apply_hilbert(envelope=True).get_data()
            for lo, hi in BANDS.values()
        ]

    def timed(fn):
        t = time.perf_counter()
        res = fn()
        return time.perf_counter() - t, res

    first_ours, env = timed(ours)
    first_mne, ref = timed(reference)
    # agreement on the samples where both grids meet (every 8th input sample at 64 Hz)
    idx = np.round(env.times * sfreq).astype(int)
    k = int(np.ceil(2 * env.edge * env.rate))
    rs = {}
    for i, band in enumerate(env.bands):
        a = env.data[i][:, k:-k]
        b = ref[i][:, idx][:, k:-k]
        rs[band] = min(float(np.corrcoef(x, y)[0, 1]) for x, y in zip(a, b, strict=True))
    del ref
    warm_ours, warm_mne = [], []
    for _ in range(runs):  # interleaved, so both see the same background load
        warm_ours.append(timed(ours)[0])
        warm_mne.append(timed(reference)[0])
    return {
        "shape": f"{n_ch} ch x {minutes} min x {sfreq:g} Hz, 5 bands, output {env.rate:g} Hz",
        "first_ours": first_ours,
        "first_mne": first_mne,
        "warm_ours": warm_ours,
        "warm_mne": warm_mne,
        "r_min": rs,
    }


# ------------------------------------------------------------------ big EDF
def write_long_edf(
    path: Path, *, hours: float, n_channels: int = 32, sfreq: int = 256, seed: int = 0
) -> Path:
    """Write an EDF of *hours* record by record (constant memory, int16 samples)."""
    from scipy.signal import lfilter

    names = [
        "Fp1", "Fp2", "AF3", "AF4", "F7", "F3", "Fz", "F4", "F8", "FC5", "FC1", "FC2",
        "FC6", "T7", "C3", "Cz", "C4", "T8", "CP5", "CP1", "CP2", "CP6", "P7", "P3",
        "Pz", "P4", "P8", "PO3", "PO4", "O1", "Oz", "O2",
    ][:n_channels]  # fmt: skip
    names += [f"E{i}" for i in range(len(names), n_channels)]
    n_records = round(hours * 3600)  # one-second records
    phys = 500.0  # ±500 µV
    dig = 32767

    def field(value, width: int) -> bytes:
        return str(value).encode("ascii")[:width].ljust(width)

    ns = n_channels
    header = b"".join(
        [
            field(0, 8),
            field("X X X X", 80),
            field("Startdate 01-JAN-2024 X bench_bands synthetic", 80),
            field("01.01.24", 8),
            field("22.00.00", 8),
            field(256 * (ns + 1), 8),
            field("", 44),
            field(n_records, 8),
            field(1, 8),
            field(ns, 4),
        ]
        + [field(f"EEG {n}", 16) for n in names]
        + [field("AgAgCl electrode", 80)] * ns
        + [field("uV", 8)] * ns
        + [field(-phys, 8)] * ns
        + [field(phys, 8)] * ns
        + [field(-dig, 8)] * ns
        + [field(dig, 8)] * ns
        + [field("HP:0.1Hz LP:100Hz", 80)] * ns
        + [field(sfreq, 8)] * ns
        + [field("", 32)] * ns
    )
    assert len(header) == 256 * (ns + 1)
    rng = np.random.default_rng(seed)
    chunk = 60  # records per write
    tmp = path.with_suffix(".part")
    zi = np.zeros((ns, 1))
    gain = np.linspace(0.2, 1.0, ns)[:, None]
    phase = np.linspace(0, np.pi, ns)[:, None]
    b, a = [1.0], [1.0, -0.985]  # red-ish background, continuous across chunks
    with open(tmp, "wb") as fh:
        fh.write(header)
        for r0 in range(0, n_records, chunk):
            n_rec = min(chunk, n_records - r0)
            n = n_rec * sfreq
            t = (r0 * sfreq + np.arange(n)) / sfreq
            x, zi = lfilter(b, a, rng.standard_normal((ns, n)), axis=1, zi=zi)
            x *= 2.0  # µV
            wax = 1.0 + np.sin(2 * np.pi * t / 300.0) ** 2
            # alpha strongest at the back, with a phase per channel (so that the
            # average reference does not cancel it)
            x += (12.0 * gain * wax) * np.sin(2 * np.pi * 10.0 * t[None, :] + phase)
            x += 1.5 * np.sin(2 * np.pi * 50.0 * t)[None, :]
            d = np.clip(np.round(x / phys * dig), -dig, dig).astype("<i2")
            # records: (record, channel, sample)
            d = d.reshape(ns, n_rec, sfreq).transpose(1, 0, 2)
            fh.write(np.ascontiguousarray(d).tobytes())
    os.replace(tmp, path)
    return path


def bench_memory(hours: float, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"long_{hours:g}h_32ch_256Hz_v2.edf"
    plot = work / f"long_{hours:g}h_32ch_256Hz.png"
    expected = 256 * 33 + round(hours * 3600) * 32 * 256 * 2
    t = time.perf_counter()
    if not path.exists() or path.stat().st_size != expected:
        write_long_edf(path, hours=hours)
        wrote = time.perf_counter() - t
    else:
        wrote = None
    # A small launcher runs the command and reports its child's peak RSS. (Measuring
    # from this process would be wrong: Linux charges a child, at exec, with the peak
    # RSS of the memory it was forked from, and this process holds the speed test.)
    cmd = [sys.executable, "-m", "batik_waves", "bands", str(path), "--quiet", "--plot", str(plot)]
    launcher = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "sys.stderr.write(p.stderr)\n"
        "sys.stdout.write(p.stdout)\n"
        "print(f'@@ {p.returncode} {wall} {peak}')\n"
    )
    proc = subprocess.run([sys.executable, "-c", launcher, *cmd], capture_output=True, text=True)
    stdout, _, tail = proc.stdout.rpartition("@@ ")
    code, wall, peak_kb = tail.split()
    return {
        "file": str(path),
        "size_mb": path.stat().st_size / 1e6,
        "write_s": wrote,
        "returncode": int(code),
        "stdout": stdout,
        "stderr": proc.stderr,
        "wall_s": float(wall),
        "peak_rss_mb": int(peak_kb) / 1024,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="warm runs of each (default 5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hours", type=float, default=8.0, help="length of the long EDF")
    ap.add_argument("--work", type=Path, default=WORK, help="where the long EDF goes")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args(argv)

    print("machine:", machine())
    if not args.no_speed:
        s = bench_speed(args.runs, args.seed)
        mo, mm = statistics.median(s["warm_ours"]), statistics.median(s["warm_mne"])
        print(f"\nspeed: {s['shape']}")
        print(f"  project first call   {s['first_ours']:7.3f} s")
        print(
            f"  MNE     first call   {s['first_mne']:7.3f} s   ratio {s['first_mne'] / s['first_ours']:5.1f}x"
        )
        print(
            f"  project warm median  {mo:7.3f} s   (runs: {', '.join(f'{v:.3f}' for v in s['warm_ours'])})"
        )
        print(
            f"  MNE     warm median  {mm:7.3f} s   (runs: {', '.join(f'{v:.3f}' for v in s['warm_mne'])})"
        )
        print(
            f"  ratio (warm medians) {mm / mo:5.1f}x   target >= 8x: {'met' if mm / mo >= 8 else 'NOT met'}"
        )
        print(
            "  min r vs MNE over channels, away from edges: "
            + ", ".join(f"{b} {r:.5f}" for b, r in s["r_min"].items())
        )
    if not args.no_memory:
        m = bench_memory(args.hours, args.work)
        print(f"\nmemory: batik-waves bands on {m['file']} ({m['size_mb']:.0f} MB)")
        if m["write_s"] is not None:
            print(f"  wrote the file in {m['write_s']:.1f} s")
        print(f"  exit status {m['returncode']}, wall {m['wall_s']:.1f} s")
        print(
            f"  peak RSS {m['peak_rss_mb']:.0f} MB   target < 1024 MB: "
            f"{'met' if m['peak_rss_mb'] < 1024 else 'NOT met'}"
        )
        if m["returncode"] != 0 or m["stderr"].strip():
            print("  stderr:", m["stderr"].strip()[-2000:])
        print("  output:\n    " + "\n    ".join(m["stdout"].strip().splitlines()[:12]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
