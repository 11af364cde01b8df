"""Benchmark: a batch of 8 recordings at 1024 px, three ways, in the same run.

(a) one after another: ``render_recording`` in a loop, in this process;
(b) ``render_batch`` on the local process pool with 2 workers. Target: at least
    1.8× the speed of (a);
(c) ``render_batch`` on a 2-worker dask ``LocalCluster`` (processes, one thread each,
    bound to 127.0.0.1, no dashboard), started beforehand and passed as the executor;
    and ``scheduler="local:2"``, which also starts and stops the cluster. Target:
    (c) within 15 % of (b).

The 8 recordings are simulated (``batik_waves.eeg.simulate.simulate_eeg``, a minute
each, different seeds) into a temporary folder as FIF files. Every run renders
everything again (``force=True``). The three ways run in turn in each round, so they
see the same machine load; medians over the rounds are printed side by side.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--runs N] [--size PX]``
(needs the dask extra for (c): ``pip install -e '.[dask]'``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _machine import describe

N_RECORDINGS = 8
DURATION = 60.0


def machine() -> str:
    return describe()


def make_recordings(folder: Path) -> list[Path]:
    from batik_waves.eeg.simulate import simulate_eeg

    paths = []
    for i in range(N_RECORDINGS):
        raw = simulate_eeg(DURATION, rng=100 + i)
        path = folder / f"sub-{i + 1:02d}" / f"sub-{i + 1:02d}_raw.fif"
        path.parent.mkdir(parents=True)
        raw.save(path, verbose="error")
        paths.append(path)
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--size", type=int, default=1024, help="tile side in px (default 1024)")
    args = parser.parse_args(argv)

    import mne

    from batik_waves import render_batch, render_recording

    mne.set_log_level("ERROR")
    try:
        import distributed
    except ImportError:
        distributed = None
    print(f"machine: {machine()}")
    print("(a shared machine: other engineers' jobs run on the same cores)")
    opts = {"size": args.size}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        recordings = make_recordings(data)
        print(f"{N_RECORDINGS} recordings of {DURATION:g} s, {args.size} px, all motifs")

        def serial():
            for p in recordings:
                render_recording(p, out=tmp / "serial" / p.parent.name / p.stem, **opts)

        def pool():
            report = render_batch(data, tmp / "pool", jobs=2, force=True, **opts)
            assert report.ok, report.summary()

        cluster = client = None
        if distributed is not None:
            cluster = distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = distributed.Client(cluster)

        def dask_cluster():
            report = render_batch(data, tmp / "dask", executor=client, force=True, **opts)
            assert report.ok, report.summary()

        def dask_local():
            report = render_batch(data, tmp / "local2", scheduler="local:2", force=True, **opts)
            assert report.ok, report.summary()

        ways = [("one after another", serial), ("local pool, 2 workers", pool)]
        if client is not None:
            ways += [
                ("LocalCluster(2), started before", dask_cluster),
                ("scheduler='local:2' (with start-up)", dask_local),
            ]
        times: dict[str, list[float]] = {name: [] for name, _ in ways}
        try:
            for r in range(args.runs):
                for name, fn in ways:
                    t = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t)
                    print(f"  round {r + 1}: {name}: {times[name][-1]:.1f} s", flush=True)
        finally:
            if client is not None:
                client.close()
                cluster.close()
    med = {name: statistics.median(ts) for name, ts in times.items()}
    base = med["one after another"]
    pool_t = med["local pool, 2 workers"]
    print(f"\nmedians over {args.runs} rounds ({N_RECORDINGS} recordings, {args.size} px):")
    print(f"  {'way':<38}{'seconds':>9}{'vs serial':>11}{'vs pool':>9}")
    for name, t in med.items():
        print(f"  {name:<38}{t:>9.1f}{base / t:>10.2f}×{t / pool_t:>8.2f}")
    print(f"\ntarget: local pool ≥ 1.8× serial: {base / pool_t:.2f}×")
    if client is not None:
        c = med["LocalCluster(2), started before"]
        print(
            f"target: LocalCluster within 15 % of the local pool: {100 * (c / pool_t - 1):+.1f} %"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
