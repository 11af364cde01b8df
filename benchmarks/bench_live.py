"""Benchmark: the live path, from a chunk's arrival to normalised features and motif parameters.

1. Latency. 32 channels at 256 Hz of simulated EEG (the project's simulator, seeded)
   arrive in 8-sample chunks (31 ms each); each chunk goes through
   ``EnvelopeStream.push`` (notch, average reference, bad-channel checks, five band
   envelopes at 64 Hz), region pooling and ``Normaliser.update``. The time per
   chunk is reported as p50 / p95 / max, for both envelope methods; then the whole
   road to the motif's parameters: the same, plus the causal timeline
   (``CausalTimeline.push``: trailing features, the mapping's rules, the hold,
   quantisation) giving the parameters at the chunk's newest envelope sample, for
   kawung and parang. Target: p95 <= 10 ms.
   Baseline, measured in the same run over the same samples: the offline
   ``band_envelopes`` (MNE's filters, zero phase, one FFT per channel), per second
   of signal.
2. CPU share. 8 channels at 256 Hz fed in real time (8-sample chunks on a 31 ms
   clock) for ``--cpu-seconds`` seconds: process CPU time / wall time. Target:
   <= 5 % of one core.
3. Replay delay. ``replay:sample`` (mne-lsl's PlayerLSL, 8-sample chunks) read back
   through LSL: the delay from the player's push (its chunk's last timestamp minus
   the chunk's span: PlayerLSL stamps a chunk with the time its last sample is due)
   to the moment the chunk is in hand, p50 / p95, polling every 5 ms.

Run: ``.venv/bin/python benchmarks/bench_live.py`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _machine import describe


def _simulated(n_ch: int, seconds: float, sfreq: float = 256.0):
    from batik_waves.eeg.simulate import TEN_TWENTY, simulate_eeg

    extra = ("AF3", "AF4", "FC1", "FC2", "FC5", "FC6", "CP1", "CP2", "CP5", "CP6", "PO3")
    extra += ("PO4", "Oz")
    names = (TEN_TWENTY + extra)[:n_ch]
    return simulate_eeg(seconds, sfreq, rng=1, ch_names=names)


def _pct(values, qs=(50, 95)) -> list[float]:
    return [float(np.percentile(values, q)) for q in qs]


def bench_latency(seconds: float, method: str, motif: str | None = None) -> dict:
    from batik_waves.eeg.normalise import Normaliser
    from batik_waves.eeg.sources import Chunk
    from batik_waves.eeg.stream import EnvelopeStream
    from batik_waves.timeline import CausalTimeline

    raw = _simulated(32, seconds)
    x = raw.get_data()
    fs = raw.info["sfreq"]
    names = tuple(raw.ch_names)
    types = ("eeg",) * len(names)
    t = 1000.0 + np.arange(x.shape[1]) / fs
    stream = EnvelopeStream(names, types, fs, method=method)
    norm = Normaliser()
    timeline = None
    lat = []
    for i in range(0, x.shape[1] - 8 + 1, 8):
        chunk = Chunk(t[i : i + 8], x[:, i : i + 8], names, types, fs)
        a = time.perf_counter()
        env = stream.push(chunk)
        if env is not None:
            _, pooled = env.pooled()  # (bands, regions, n): the features' raw material
            norm.update(env.times, pooled)
            if motif is not None:
                if timeline is None:
                    timeline = CausalTimeline(
                        motif=motif, bands=env.bands, ch_names=env.ch_names, rate=env.rate
                    )
                track = timeline.push(env, [float(env.times[-1])])
                assert len(track.params) == 1
        lat.append(time.perf_counter() - a)
    lat = np.array(lat[int(5 * fs / 8) :]) * 1e3  # after the first 5 s (warm-up)
    return {"p50": _pct(lat)[0], "p95": _pct(lat)[1], "max": float(lat.max()), "n": lat.size}


def bench_offline(seconds: float) -> float:
    from batik_waves.eeg.bands import band_envelopes

    raw = _simulated(32, seconds)
    band_envelopes(raw, rate=64.0)  # warm: filter design
    a = time.perf_counter()
    band_envelopes(raw, rate=64.0)
    return (time.perf_counter() - a) / seconds * 1e3  # ms per second of signal


def bench_cpu(seconds: float, method: str) -> float:
    from batik_waves.eeg.normalise import Normaliser
    from batik_waves.eeg.sources import Chunk
    from batik_waves.eeg.stream import EnvelopeStream

    raw = _simulated(8, seconds + 5)
    x = raw.get_data()
    fs = raw.info["sfreq"]
    names = tuple(raw.ch_names)
    types = ("eeg",) * 8
    stream = EnvelopeStream(names, types, fs, method=method)
    norm = Normaliser()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    i = 0
    while time.perf_counter() - wall0 < seconds and i + 8 <= x.shape[1]:
        t = np.arange(i, i + 8) / fs
        env = stream.push(Chunk(t, x[:, i : i + 8], names, types, fs))
        if env is not None:
            norm.update(env.times, env.pooled()[1])
        i += 8
        time.sleep(max(0.0, wall0 + i / fs - time.perf_counter()))
    return (time.process_time() - cpu0) / (time.perf_counter() - wall0) * 100


def bench_replay(seconds: float) -> dict:
    from mne_lsl.lsl import local_clock

    from batik_waves.eeg.sources import open_source

    delays = []
    with open_source("replay:sample", chunk_size=8) as src:
        end = time.monotonic() + 1.0
        while time.monotonic() < end:  # drain the backlog of the connection
            src.read()
            time.sleep(0.005)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            chunk = src.read()
            now = local_clock()
            if chunk is not None:
                # PlayerLSL pushes a chunk at the start of its span, stamped with its
                # last sample's time (one chunk ahead): the push was 8 samples earlier
                pushed = chunk.times[-1] - 8 / src.rate
                delays.append((now - pushed) * 1e3)
            time.sleep(0.005)
    d = np.array(delays)
    return {"p50": _pct(d)[0], "p95": _pct(d)[1], "n": d.size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="signal for the latency run")
    ap.add_argument("--cpu-seconds", type=float, default=20.0)
    ap.add_argument("--replay-seconds", type=float, default=10.0)
    args = ap.parse_args()
    import mne

    mne.set_log_level("ERROR")
    print(f"machine: {describe(f'numpy {np.__version__}')}")
    base = bench_offline(args.seconds)
    print(f"baseline: offline band_envelopes, 32 ch x 256 Hz: {base:.2f} ms per second of signal")
    for method in ("fir", "iir"):
        r = bench_latency(args.seconds, method)
        per_second = r["p50"] * 256 / 8
        print(
            f"latency {method}: chunk -> envelopes -> normalised features, 32 ch x 256 Hz, "
            f"8-sample chunks: p50 {r['p50']:.2f} ms, p95 {r['p95']:.2f} ms, max "
            f"{r['max']:.1f} ms over {r['n']} chunks (target p95 <= 10 ms); "
            f"{per_second:.0f} ms per second of signal vs the offline {base:.1f}"
        )
    for motif in ("kawung", "parang"):
        r = bench_latency(args.seconds, "fir", motif)
        print(
            f"latency fir + timeline ({motif}): chunk -> envelopes -> motif parameters, "
            f"32 ch x 256 Hz, 8-sample chunks: p50 {r['p50']:.2f} ms, p95 {r['p95']:.2f} ms, "
            f"max {r['max']:.1f} ms over {r['n']} chunks (target p95 <= 10 ms)"
        )
    for method in ("fir", "iir"):
        cpu = bench_cpu(args.cpu_seconds, method)
        print(f"cpu {method}: 8 ch x 256 Hz in real time: {cpu:.1f} % of one core (target <= 5 %)")
    rep = bench_replay(args.replay_seconds)
    print(
        f"replay: push -> chunk in hand (LSL loopback, polled every 5 ms): p50 "
        f"{rep['p50']:.1f} ms, p95 {rep['p95']:.1f} ms over {rep['n']} chunks"
    )


if __name__ == "__main__":
    main()
