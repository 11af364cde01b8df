"""Benchmark: ``render_video`` on the bundled sample, each row beside its floor.

Every row is the median of ``--runs`` runs (three by default) of a whole render
(envelopes cached, so the rows time drawing, composing and encoding), and beside it
the **floor**: ffmpeg alone encoding the same frames, captured from the same render
and fed from memory through the same :class:`~batik_waves.render.encode.Encoder`
arguments. A render can never beat its floor; the ratio render / floor says how much
of the machine the drawing and composing leave to the encoder.

Rows:

- ProRes 4444 with alpha at 1920×1080, 30 fps, every way measured: the format
  (``prores_ks`` with a fixed quantiser, ``-q:v 4``: no quantiser search per slice) in
  two segments (the default: two processes side by side, each drawing, composing and
  encoding its half, joined by the concat demuxer) and in one pass; ``prores_aw`` and
  ``prores_ks`` as before (with its search), each in one pass and in two segments.
  Target: ≥ 15 fps. ``--prores-only`` runs these rows alone.
- H.264 at 1920×1080, 30 fps, against real time. Target: ≥ 3× real time. Beside it
  the same render as before this change, for the ratio: each frame written by the
  composing thread itself (a :class:`~batik_waves.render.encode.Feeder` of depth 0) into a
  64 KiB pipe. ``--h264-only`` runs the H.264 rows alone (1080p and 4K, a few
  minutes with ``--quick``).
- H.264 and ProRes at 3840×2160. Target for H.264: ≥ 0.5× real time. Peak memory of
  this process (the frames held for the floor are counted after the render rows).
- DNxHR HQ (8-bit 4:2:2, MXF) and DNxHR 444 at 1920×1080.
- Frames alone (composed, not encoded) for the 1080p H.264 row: where the time goes.
- A PNG sequence at 1080p.

The machine is shared with other engineers running tests: absolute speeds move with
their load (printed at the start and end), ratios between rows of one run move less.

Run: ``.venv/bin/python benchmarks/bench_video.py`` (``--runs N``, ``--quick``,
``--h264-only``, ``--prores-only``). ``--quick`` runs each row once on shorter windows
(the 1080p H.264 rows keep their 10 s: a short clip measures the start, not the pace).
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from _machine import describe, load_average

from batik_waves.eeg.simulate import sample_path
from batik_waves.jobs import _common
from batik_waves.jobs import video as V
from batik_waves.render import encode as E
from batik_waves.render.encode import ffmpeg_exe, probe

FPS = Fraction(30)


def machine() -> str:
    return describe(f"numpy {np.__version__}", f"ffmpeg {Path(ffmpeg_exe()).name}")


def peak_memory() -> str:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"this process {peak:.0f} MB, largest child {kids:.0f} MB"


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


class Grab:
    """An encoder stand-in that keeps the frames (for the floor) or drops them."""

    def __init__(self, fmt, *_a, keep: list | None = None, **_k):
        self.input_pix_fmt = "yuv420p" if fmt.name == "mp4" else "rgba"
        self.keep = keep

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def abort(self):
        pass

    def write(self, frame):
        if self.keep is not None:
            self.keep.append(np.array(frame, copy=True))


def capture(src, out: Path, *, keep: bool, **kw) -> list[np.ndarray]:
    frames: list[np.ndarray] = []
    real = V.Encoder
    V.Encoder = lambda fmt, *a, **k: Grab(fmt, keep=frames if keep else None)  # type: ignore
    try:
        V.render_video(src, out, **kw)
    finally:
        V.Encoder = real  # type: ignore[assignment]
    return frames


def floor(fmt: E.VideoFormat, frames: list[np.ndarray], out: Path, size) -> None:
    w, h = size
    with E.Encoder(fmt, out, width=w, height=h, fps=FPS) as enc:
        for f in frames:
            enc.write(f)


def h264_rows(row, args, src, tmp: Path, runs: int, h_s: float, k_s: float | None) -> None:
    """H.264 1080p30 now and as before, its frames alone, and 4K when *k_s* is given."""
    hd, uhd = (1920, 1080), (3840, 2160)
    mp4 = E.FORMATS["mp4"]
    row("H.264 1080p30", "mp4", mp4, h_s, hd, compare=True, reps=runs)
    _common.load(src, (40.0, 40.0 + h_s))
    med = median_time(lambda: capture(src, tmp / "n.mp4", keep=False, window=f"40:{40 + h_s:g}",
                                      workers=args.workers), runs)[0]  # fmt: skip
    print(f"{'  frames only (no encoder), 1080p30':<46} {E.frame_count(h_s, FPS) / med:6.1f} fps")
    if k_s is not None:
        row("H.264 2160p30", "mp4", mp4, k_s, uhd, compare=True, reps=runs)
        print(f"end: {load_average()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per row (median reported)")
    ap.add_argument("--quick", action="store_true", help="one run each, shorter windows")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--prores-only", action="store_true", help="only the 1080p ProRes rows")
    ap.add_argument("--h264-only", action="store_true", help="only the H.264 rows (1080p, 4K)")
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    src = sample_path()
    print(f"machine: {machine()}")
    print("the machine is shared with other engineers running tests: compare ratios")
    tmp = Path(tempfile.mkdtemp(prefix="bench_video_"))
    real_env = _common.envelopes_from_file
    cache: dict = {}

    def cached(path, **kw):
        key = (str(path), tuple(sorted(kw.items())))
        if key not in cache:
            cache[key] = real_env(path, **kw)
        return cache[key]

    _common.envelopes_from_file = cached  # type: ignore[assignment]
    prores = E.FORMATS["prores"]
    ks = dataclasses.replace(prores, codec=E.PRORES_KS)
    aw = dataclasses.replace(prores, codec=E.PRORES_AW)
    results: list[tuple[str, float]] = []

    def row(
        label, fmt_name, variant, seconds, size, *, segments=None, transparent=False, fl=True,
        compare=False, reps=None,
    ):  # fmt: skip
        """Median render time of one row, its floor, and the lines that say so.

        *compare*: also time the render as before the feeder thread (frames written
        inline into a 64 KiB pipe), run for run alternating with this one, so that
        the ratio of the two meets the same load."""
        start = 40.0
        window = f"{start:g}:{start + seconds:g}"
        ext = ".mp4" if fmt_name == "mp4" else (".mxf" if "dnxhr" in fmt_name else ".mov")
        out = tmp / f"clip{ext}"
        n = E.frame_count(seconds, FPS)
        kw = dict(
            window=window,
            size=size,
            format=fmt_name,
            transparent=transparent,
            workers=args.workers,
            segments=segments,
        )
        _common.load(src, (start, start + seconds))  # read before the clock starts
        saved = E.FORMATS[fmt_name], V.Feeder.DEPTH, E.PIPE_BYTES
        E.FORMATS[fmt_name] = variant  # the job's choice of codec arguments

        def timed(before: bool) -> float:
            V.Feeder.DEPTH, E.PIPE_BYTES = (0, 1 << 16) if before else saved[1:]
            try:
                t = time.perf_counter()
                V.render_video(src, out, **kw)
                return time.perf_counter() - t
            finally:
                V.Feeder.DEPTH, E.PIPE_BYTES = saved[1:]

        def describe(text: str, times: list[float]) -> str:
            med = statistics.median(times)
            return (
                f"{text:<46} {n / med:6.1f} fps  {seconds / med:5.2f}x real time  "
                f"(median of {', '.join(f'{t:.1f}' for t in times)} s)"
            )

        try:
            times, then = [], []
            reps = reps or runs
            for i in range(reps):
                if compare and i % 2:
                    then.append(timed(True))
                times.append(timed(False))
                if compare and not i % 2:
                    then.append(timed(True))
            med = statistics.median(times)
            info = probe(out)
            line = describe(label, times)
            if fl:
                frames = capture(src, tmp / f"grab{ext}", keep=True, **{**kw, "segments": 1})
                fmed, _ = median_time(
                    lambda: floor(variant, frames, tmp / f"floor{ext}", size), reps
                )
                del frames
                line += f"; floor {n / fmed:6.1f} fps, render/floor {fmed / med:4.2f}"
        finally:
            E.FORMATS[fmt_name], V.Feeder.DEPTH, E.PIPE_BYTES = saved
        print(line, flush=True)
        if compare:
            print(describe("  as before (inline writes, 64 KiB pipe)", then), flush=True)
            print(f"    now / before: {statistics.median(then) / med:.2f}x the speed")
        print(
            f"    {info.codec} {info.profile} {info.tag} {info.pix_fmt} {info.frames} frames "
            f"at {info.rate}; {out.stat().st_size / 1e6 / seconds:.1f} MB/s of video",
            flush=True,
        )
        results.append((label, n / med))
        return med

    try:
        hd = (1920, 1080)
        uhd = (3840, 2160)
        p_s = 1.0 if args.quick else 2.0
        h_s = 10.0
        k_s = 4.0  # the window's first 2 s hold one cell: a still picture, not a clip
        if args.h264_only:  # three runs even with --quick: the comparison alternates
            h264_rows(row, args, src, tmp, max(runs, 3), h_s, k_s)
            return
        # 4K first: the peak memory of a render, before any frames are held for a floor
        if not args.prores_only:
            row("H.264 2160p30", "mp4", E.FORMATS["mp4"], k_s, uhd, fl=False)
            print(f"    peak memory: {peak_memory()}")
            row("ProRes 4444 2160p30 (2 segments)", "prores", prores, 1.0, uhd,
                transparent=True, fl=False)  # fmt: skip
            print(f"    peak memory: {peak_memory()}")
        # ProRes 4444 with alpha, every way
        row("ProRes 4444 the format (ks -q:v 4), 2 segments", "prores", prores, p_s, hd,
            transparent=True)  # fmt: skip
        row("ProRes 4444 the format (ks -q:v 4), one pass", "prores", prores, p_s, hd,
            segments=1, transparent=True, fl=False)  # fmt: skip
        row("ProRes 4444 prores_aw, one pass", "prores", aw, p_s, hd, segments=1,
            transparent=True)  # fmt: skip
        row("ProRes 4444 prores_aw, 2 segments", "prores", aw, p_s, hd, segments=2,
            transparent=True, fl=False)  # fmt: skip
        row("ProRes 4444 prores_ks, one pass (before)", "prores", ks, p_s, hd, segments=1,
            transparent=True)  # fmt: skip
        row("ProRes 4444 prores_ks, 2 segments", "prores", ks, p_s, hd, segments=2,
            transparent=True, fl=False)  # fmt: skip
        if args.prores_only:
            return
        # H.264 against real time
        h264_rows(row, args, src, tmp, runs, h_s, None)

        # a PNG sequence (no floor: its encoder is zlib)
        _common.load(src, (40.0, 40.0 + p_s))

        def png():
            shutil.rmtree(tmp / "seq", ignore_errors=True)
            V.render_video(src, tmp / "seq", window=f"40:{40 + p_s:g}", workers=args.workers)

        med = median_time(png, runs)[0]
        print(f"{'PNG sequence 1080p30':<46} {E.frame_count(p_s, FPS) / med:6.1f} fps", flush=True)
        # DNxHR
        row("DNxHR HQ 1080p30 (.mxf), 2 segments", "dnxhr", E.FORMATS["dnxhr"], p_s, hd)
        row("DNxHR HQ 1080p30 (.mxf), one pass", "dnxhr", E.FORMATS["dnxhr"], p_s, hd,
            segments=1, fl=False)  # fmt: skip
        row("DNxHR 444 1080p30 (.mxf)", "dnxhr-444", E.FORMATS["dnxhr-444"], 1.0, hd)
        # 4K
        row("H.264 2160p30 (with floor)", "mp4", E.FORMATS["mp4"], k_s, uhd)
        print(f"end: {load_average()}")
    finally:
        _common.envelopes_from_file = real_env  # type: ignore[assignment]
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
