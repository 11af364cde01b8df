"""Benchmark: ``render_video`` on the bundled sample, against real time.

Rows:

(a) H.264 (.mp4): 60 s of the bundled sample at 1920×1080, 30 fps, the default
    settings (two workers draw keyframe cells while ffmpeg encodes). Target: at least
    2× faster than real time, i.e. 60 s of video in under 30 s of wall time.
(b) ProRes 4444 (.mov) and a PNG sequence: frames per second over a shorter window
    (the encoders, not the frames, set their pace: ffmpeg's prores_ks alone took 6.4 fps
    of real 1080p kawung frames fed as RGBA, ~12 fps of its own test pattern; PNG ~89
    fps at 1080p on this machine).
(c) Where the time goes: the envelopes, and the frames alone (composed but not
    encoded), so a slow run can be blamed on the right stage.

Run: ``.venv/bin/python benchmarks/bench_video.py`` (``--runs N``, ``--quick``).
Every row prints the median of its runs and the ratio to real time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

from batik_waves.eeg.bands import envelopes_from_file
from batik_waves.eeg.simulate import sample_path
from batik_waves.jobs import video as V
from batik_waves.render import encode as E
from batik_waves.render.encode import ffmpeg_exe, probe


def machine() -> str:
    model = platform.processor() or "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return (
        f"{model}, {cores} cores, {load}; Python {platform.python_version()}, "
        f"numpy {np.__version__}; ffmpeg {Path(ffmpeg_exe()).name}"
    )


def run(label: str, fn, runs: int, *, frames: int, video_s: float) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(
        f"{label:<44} median {med:7.2f} s of {runs} "
        f"({', '.join(f'{t:.2f}' for t in times)}) = {frames / med:6.1f} fps, "
        f"{video_s / med:5.2f}× real time"
    )
    return med


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per row (median reported)")
    ap.add_argument("--quick", action="store_true", help="one run each, shorter windows")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--h264-only", action="store_true", help="only row (a), the target")
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    src = sample_path()
    print(f"machine: {machine()}")
    print(f"recording: {src.name}; frames 1920x1080")
    tmp = Path(tempfile.mkdtemp(prefix="bench_video_"))
    try:
        t = time.perf_counter()
        envelopes_from_file(src)
        print(f"{'envelopes of the whole recording':<44} {time.perf_counter() - t:7.2f} s")

        # (a) the target row
        window = "30:90" if not args.quick else "30:50"
        dur = 60.0 if not args.quick else 20.0
        n = E.frame_count(dur, Fraction(30))
        out = tmp / "clip.mp4"
        med = run(
            f"(a) H.264 {dur:g} s @ 30 fps",
            lambda: V.render_video(src, out, window=window, workers=args.workers),
            runs,
            frames=n,
            video_s=dur,
        )
        info = probe(out)
        print(
            f"    {info.codec} {info.pix_fmt} {info.frames} frames at {info.rate}; "
            f"{out.stat().st_size / 1e6:.1f} MB"
        )
        verdict = "MET" if med < dur / 2 else "NOT MET"
        print(f"    target: {dur:g} s of video in < {dur / 2:g} s: {verdict} ({med:.1f} s)")

        if args.h264_only:
            return
        # (b) other formats
        short = 10.0 if not args.quick else 4.0
        win = f"40:{40 + short:g}"
        m = E.frame_count(short, Fraction(30))
        run(
            f"(b) ProRes 4444 {short:g} s @ 30 fps",
            lambda: V.render_video(src, tmp / "clip.mov", window=win, workers=args.workers),
            runs,
            frames=m,
            video_s=short,
        )

        def png():
            shutil.rmtree(tmp / "seq", ignore_errors=True)
            V.render_video(src, tmp / "seq", window=win, workers=args.workers)

        run(f"(b) PNG sequence {short:g} s @ 30 fps", png, runs, frames=m, video_s=short)

        # (c) frames alone: everything but the encoder (a null sink)
        class Null:
            input_pix_fmt = "yuv420p"  # what the H.264 encoder takes

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def write(self, frame):
                pass

        real = V.Encoder
        V.Encoder = lambda *a, **k: Null()  # type: ignore[assignment]
        try:
            run(
                f"(c) frames only, no encoder, {dur:g} s",
                lambda: V.render_video(src, tmp / "null.mp4", window=window, workers=args.workers),
                runs,
                frames=n,
                video_s=dur,
            )
        finally:
            V.Encoder = real  # type: ignore[assignment]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
