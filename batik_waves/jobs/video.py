"""Video for editors: the recording's time becomes the cloth's motion.

:func:`render_video` turns a recording into a clip that drops into Premiere,
DaVinci Resolve or Final Cut: H.264 for previews, ProRes 4444 or QuickTime
Animation with alpha, DNxHR HQ or 444 for Avid (MXF or MOV, no alpha), VP9 WebM with
alpha for the web, or a numbered PNG sequence.

How a frame is made
-------------------
Frame ``n`` shows the recording at ``start + n / fps`` seconds, exactly; a clip
holds :func:`~batik_waves.render.encode.frame_count` frames, so its duration is the
window's. The timeline (:func:`batik_waves.timeline.offline_track`) gives the motif's
parameters at **keyframes**, every few frames (:func:`key_step`), from the band
envelopes smoothed over the mapping's ``smooth`` seconds (or ``smoothing``); a frame
between two keyframes is the cross-fade of their pictures, so the cloth breathes
instead of flickering. The timeline holds a whole-number or named parameter (the
flower count, the polarity) until its new value lasts two seconds and keeps the wax
crackle at the clip's value; the colourway is the mapping's choice for the window.

Only one repeat cell of the cloth (one tile, two for half-drop and half-brick
repeats) is drawn per distinct keyframe, in a pool of worker processes; each task is
a picklable :class:`CellTask`. The main process composes frames from the cells
(:mod:`batik_waves.render.frames`) and pipes them into ffmpeg
(:mod:`batik_waves.render.encode`), which encodes on the other core. The cloth's
tile spans the frame's short side (:data:`TILES_ACROSS`).

ProRes and DNxHR code every frame alone, so their clips are made in segments side by
side (:data:`AUTO_SEGMENTS`): each segment is a forked process that draws its cells,
composes its frames and feeds its own ffmpeg, and the parts are joined by ffmpeg's
concat demuxer without re-encoding; a frame depends only on its number, so the joined
file is the one pass's, packet for packet.

Outputs are written to a temporary name beside the target and renamed at the end;
a PNG sequence writes each frame atomically, so an interrupted sequence can be
continued with ``resume=True``. A sidecar CSV lists, per frame, the time in the
recording, each band's relative power and amplitude per region, and every motif
parameter, so an editor can drive other effects from the same brain.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import json
import math
import multiprocessing
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path, sha256, write_text
from .._procs import close_pool, pool_initializer
from ..errors import ParameterError, RecordingError, RenderError
from ..mapping.extract import features
from ..mapping.rules import family_from_features
from ..motifs import registry
from ..motifs.palette import Palette
from ..render.encode import (
    FORMATS,
    Encoder,
    Feeder,
    Output,
    VideoFormat,
    alpha_formats,
    clean_partial,
    fps_text,
    frame_count,
    frame_times,
    join_segments,
    present_frames,
    read_sequence_record,
    resolve_output,
)
from ..render.frames import (
    CACHE,
    CellStream,
    Motion,
    compose_frames,
    compose_yuv_frames,
    ordered,
    rgba_to_yuv420,
    task_order,
)
from ..render.raster import load_cairo, rasterize
from ..timeline import Policy, Track, band_table, offline_track
from ._common import Progress, check_targets, load, no_progress
from .options import AUTO, Resolved, resolve

__all__ = ["AUTO_SEGMENTS", "TILES_ACROSS", "CellTask", "draw_cell", "key_step", "render_video"]

#: How many tiles of the cloth span the frame's short side (the motif's own
#: ``flowers``/``bands`` parameters then set how many shapes a tile holds).
TILES_ACROSS = 1.0


def key_step(fps: Fraction, smoothing: float) -> int:
    """Frames from one keyframe to the next for this rate and smoothing time.

    Two keyframes per smoothing time (a centred average over that time lets little
    through above one cycle per smoothing time, so two samples of it, joined by
    cross-fades, follow what remains), at most half a second apart; every frame is a
    keyframe without smoothing. Drawing keyframes is most of the work besides the
    encoder, so this rate is what keeps a 1080p render ahead of real time.

    >>> key_step(Fraction(30), 0.25), key_step(Fraction(30), 0.0), key_step(Fraction(30), 1.0)
    (4, 1, 15)
    """
    if smoothing <= 0:
        return 1
    step = round(float(fps) * smoothing / 2.0)
    return int(max(1, min(step, math.floor(float(fps) / 2))))


# ------------------------------------------------------------------- the cells
@dataclass(frozen=True)
class CellTask:
    """One repeat cell to draw: a picklable description, so any worker can draw it."""

    motif: str
    params: Any  # MotifParams
    palette: Palette
    seed: int
    tile: int  # pattern pixels
    scale: float = 1.0  # frame pixels per pattern pixel
    yuv: bool = False  # hand over BT.709 Y'CbCr 4:2:0 planes instead of RGBA


def draw_cell(task: CellTask):
    """The repeat cell of *task* in frame pixels: straight RGBA, or (Y, Cb, Cr)."""
    make = registry.get(task.motif).tile()
    pattern = make(task.params, tile=(task.tile, task.tile), rng=task.seed, palette=task.palette)
    cw, ch = pattern.cell_size
    pw, ph = max(1, round(cw * task.scale)), max(1, round(ch * task.scale))
    cell = rasterize(pattern, width=pw, height=ph, scale=task.scale)
    return rgba_to_yuv420(cell) if task.yuv else cell


# ------------------------------------------------------------------ the sidecar
def _frame_params(track: Track, step: int, n_frames: int) -> list[dict[str, Any]]:
    """The parameters each frame shows: numbers interpolated between its two
    keyframes like the cross-fade, names and counts from the nearer keyframe."""
    key_params = track.params
    names = [n for n in key_params[0].specs() if n != "palette"]  # the clip's own palette rules
    rows = []
    for n in range(n_frames):
        k, r = divmod(n, step)
        w = r / step
        a, b = key_params[k], key_params[min(k + 1, len(key_params) - 1)]
        row = {}
        for name in names:
            va, vb = getattr(a, name), getattr(b, name)
            if isinstance(va, float) and isinstance(vb, float):
                row[name] = va + (vb - va) * w
            else:
                row[name] = va if w < 0.5 else vb
        rows.append(row)
    return rows


def _csv_text(
    times: np.ndarray, bands: dict[str, np.ndarray], params: list[dict[str, Any]], motif: str
) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = list(params[0]) if params else []
    writer.writerow(["frame", "time_s", *bands, *(f"{motif}.{p}" for p in names)])
    cols = list(bands.values())
    for i, t in enumerate(times):
        row: list[Any] = [i, f"{t:.6f}"]
        row += [f"{c[i]:.6g}" for c in cols]
        for name in names:
            v = params[i][name]
            row.append(f"{v:.6g}" if isinstance(v, float) else v)
        writer.writerow(row)
    return buf.getvalue()


# ------------------------------------------------------------------ the plan
@dataclass(frozen=True)
class _Plan:
    """Everything a render needs once the recording is read."""

    n_frames: int
    step: int
    tasks: tuple[CellTask, ...]  # one per distinct keyframe cell
    key_ids: tuple[int, ...]  # keyframe -> task
    motion: Motion
    opaque: bool


def _check(out: str | os.PathLike, opts: Resolved) -> Output:
    """The checks that tie the output to the options: nothing is read yet."""
    output = resolve_output(out, opts.format)
    fmt = output.fmt
    width, height = opts.frame_size
    if fmt.even and (width % 2 or height % 2):
        raise ParameterError(
            f"Invalid value for the 'size' parameter: {fmt.description} needs an even width "
            f"and height (4:2:0 chroma), but got {width}x{height}; try "
            f"{width + width % 2}x{height + height % 2}"
        )
    if opts.transparent and not fmt.alpha:
        raise ParameterError(
            f"{output.path}: {fmt.description} cannot carry transparency; the formats "
            f"with alpha are {alpha_formats()}"
        )
    min_w, min_h = fmt.min_size
    if width < min_w or height < min_h:
        raise ParameterError(
            f"Invalid value for the 'size' parameter: {fmt.description} needs frames of "
            f"at least {min_w}x{min_h}, but got {width}x{height}"
        )
    if opts.segments is not None and opts.segments > 1 and not fmt.intra:
        raise ParameterError(
            f"Invalid value for the 'segments' parameter: only intra-only formats "
            f"({', '.join(f.name for f in FORMATS.values() if f.intra)}) join segments "
            f"without re-encoding; {fmt.name} is written in one piece, so give segments=1"
        )
    if opts.timecode is not None and not fmt.timecode and not fmt.sequence:
        raise ParameterError(
            f"{output.path}: {fmt.description} has no timecode track; a timecode "
            f"needs .mov or .mp4 (a PNG sequence records it in its JSON sidecar)"
        )
    if opts.resume and not fmt.sequence:
        raise ParameterError(
            f"{output.path}: resume continues an interrupted PNG sequence; a "
            f"{fmt.name} file is always written whole"
        )
    return output


def _window(src: Path, opts: Resolved, env) -> tuple[float, float]:
    """The clip's (start, end) in seconds: the window asked for, which must lie within
    the recording (the envelopes, cut to it, end where the recording does)."""
    t_first = float(env.times[0])
    t_end = t_first + env.duration
    tol = 1.0 / env.rate
    lo, hi = opts.window
    start = t_first if lo is None else lo
    end = t_end if hi is None else hi
    if start >= t_end - 1e-9 or end > t_end + tol or start < t_first - tol:
        raise RecordingError(
            f"{src}: the window {start:g}:{end:g} s lies outside the recording "
            f"({t_first:g} to {t_end:.6g} s)"
        )
    return start, end


def _plan(src: Path, opts: Resolved, *, output: Output, env, start: float, end: float):
    n_frames = frame_count(end - start, opts.fps)
    if n_frames < 1:
        raise RenderError(
            f"{src}: the window {start:g}:{end:g} s is shorter than one frame at "
            f"{fps_text(opts.fps)} fps"
        )
    if output.fmt.sequence and n_frames > 10**output.digits:
        raise RenderError(
            f"{output.path / output.pattern}: {n_frames} frames do not fit "
            f"{output.digits}-digit numbers; use a longer %0Nd"
        )
    # keyframes: parameters every `step` frames, one past the end for the last blend
    step = key_step(opts.fps, opts.smoothing)
    n_keys = (n_frames - 1) // step + 2
    key_times = frame_times(start, n_keys, opts.fps / step)
    track = offline_track(
        env,
        key_times,
        motif=opts.motif,
        mapping=opts.mapping,
        variant=opts.variant,
        palette=opts.palette,
        transparent=opts.transparent,
        policy=Policy.video(smooth=opts.smoothing),
    )
    distinct: dict[Any, int] = {}
    key_ids = tuple(distinct.setdefault(p, len(distinct)) for p in track.params)
    width, height = opts.frame_size
    tile_px = max(8, round(min(width, height) / TILES_ACROSS))
    yuv = output.fmt.name == "mp4"
    tasks = tuple(
        CellTask(opts.motif, p, track.palette, opts.seed, tile_px, 1.0, yuv) for p in distinct
    )
    ground = track.palette.ground
    opaque = (
        not opts.transparent
        and ground is not None
        and (len(ground) == 7 or ground.upper().endswith("FF"))
    )
    motion = Motion(opts.fps, step, opts.drift * tile_px / 60.0)
    plan = _Plan(n_frames, step, tasks, key_ids, motion, opaque)
    return plan, track


def render_video(
    path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> Path:
    """Render a recording as a video whose motion follows the brain.

    Parameters
    ----------
    path : path-like
        The recording (any format :func:`batik_waves.read_recording` reads).
    out : path-like
        ``.mp4`` (H.264 preview), ``.mov`` (ProRes 4444 with alpha), ``.mxf`` (DNxHR
        HQ), ``.webm`` (VP9 with alpha), or a folder or ``name_%06d.png`` pattern (PNG
        sequence).
    progress : callable, optional
        Called as ``progress(frames_done, total_frames)``.
    **options
        The video options of :mod:`batik_waves.jobs.options`, each checked before
        any work: ``format`` (mp4, prores, qtrle, webm, png, dnxhr, dnxhr-444:
        overrides the choice by extension), ``fps`` (24, 25, 30, 60, 23.976, 29.97, 59.94, kept as exact
        ratios), ``size`` ("WxH" or a pair), ``motif``, ``variant``, ``palette``
        (default: the mapping's choice for the whole window), ``mapping``, ``seed``,
        ``window`` (the clip lasts exactly as long), ``transparent`` (alpha formats
        only), ``timecode`` (HH:MM:SS:FF for .mov and .mp4), ``smoothing`` (seconds;
        default the mapping's ``smooth``), ``drift`` (tiles per minute, positive
        down), ``resume`` (continue a PNG sequence), ``workers`` (processes that
        draw keyframe cells while ffmpeg encodes; 0: this process) and ``segments``
        (ProRes and DNxHR: parts encoded side by side and joined without
        re-encoding; default :data:`AUTO_SEGMENTS` on two or more cores).

    Returns
    -------
    Path
        The video file, or the folder of the PNG sequence.

    Raises
    ------
    ParameterError
        A bad option (checked before any work).
    RecordingError
        The recording cannot be read, or the window lies outside it.
    RenderError
        An output that cannot be written, ffmpeg failing.
    """
    opts = resolve("video", options)
    output = _check(out, opts)
    src = Path(path)
    targets = [output.csv] + ([output.json] if output.json else [])
    targets.append(output.path if not output.fmt.sequence else output.frame(0))
    check_targets(targets, src)
    report = progress or no_progress

    env = load(src, opts.window)
    family = None
    if opts.motif == AUTO:  # the mapping chooses the family from the window's features
        chosen, why = family_from_features(features(env), opts.mapping)
        family = {"motif": AUTO, "chosen": chosen, **why}
        opts = opts.replace(motif=chosen)
    start, end = _window(src, opts, env)
    plan, track = _plan(src, opts, output=output, env=env, start=start, end=end)
    times = frame_times(start, plan.n_frames, opts.fps)
    # the sidecar (made now: whatever fails, fails before ffmpeg starts)
    csv_text = _csv_text(
        times,
        band_table(env, times, track.smooth),
        _frame_params(track, plan.step, plan.n_frames),
        opts.motif,
    )
    width, height = opts.frame_size
    mapping = opts.mapping
    record = {
        "recording": src.name,
        "window_s": [round(start, 6), round(end, 6)],
        "fps": f"{opts.fps.numerator}/{opts.fps.denominator}",
        "fps_float": float(opts.fps),
        "frames": plan.n_frames,
        "width": width,
        "height": height,
        "format": output.fmt.name,
        "motif": opts.motif,
        "variant": opts.variant,
        "palette": track.palette.as_dict(),
        "mapping": mapping.name,
        "mapping_source": mapping.source,
        "seed": opts.seed,
        "transparent": opts.transparent,
        "timecode": opts.timecode,
        "smoothing_s": track.smooth,
        "drift_tiles_per_min": opts.drift,
        "keyframe_step": plan.step,
        **({"family": family} if family else {}),
    }
    if output.fmt.sequence:
        _render_sequence(
            src, opts, output=output, plan=plan, record=record, csv_text=csv_text, progress=report
        )
        return output.path
    metadata = {
        "title": f"batik_waves {opts.motif} from {src.name}",
        "comment": f"window {start:g}:{end:g} s, mapping {mapping.name}, seed {opts.seed}",
    }
    segments = min(_segments(opts, output.fmt), plan.n_frames)
    with atomic_path(output.path) as tmp:
        if segments > 1:
            _encode_segments(
                tmp, segments, opts, plan, fmt=output.fmt, metadata=metadata, progress=report
            )
        else:
            enc = Encoder(
                output.fmt,
                tmp,
                width=width,
                height=height,
                fps=opts.fps,
                timecode=opts.timecode,
                metadata=metadata,
            )
            _encode(enc, 0, plan.n_frames, opts, plan, report)
    write_text(output.csv, csv_text)
    return output.path


def _encode(
    enc: Encoder,
    n_from: int,
    n_to: int,
    opts: Resolved,
    plan: _Plan,
    progress: Progress,
    *,
    workers: int | None = None,
) -> None:
    """Draw cells in the pool, compose frames n_from..n_to-1 and feed them to *enc*.

    *workers* (default ``opts.workers``) is the size of the pool that draws cells.
    """
    motion = plan.motion
    k_from = motion.keys(n_from)[0]
    k_to = min(len(plan.key_ids) - 1, motion.keys(n_to - 1)[0] + 1)
    order = task_order(plan.key_ids, k_from, k_to, CACHE)
    asked = opts.workers if workers is None else workers
    workers = min(asked, len(order), os.cpu_count() or 1)
    pool = None
    if workers >= 2 or (workers == 1 and len(order) > 1):
        load_cairo()  # imported once here, not by each forked worker for its first cell
        # fork: the workers inherit the imported modules (shapely, cairo) at once
        ctx = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        # the workers ignore Ctrl-C (the main process stops them) and die with it
        initializer, initargs = pool_initializer()
        pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=initializer, initargs=initargs
        )
    width, height = opts.frame_size
    try:
        # The first submissions start the workers, which must exist before ffmpeg
        # does: a worker forked later would inherit ffmpeg's stdin and keep it from
        # ever seeing the end of the stream. They draw the first cells while ffmpeg
        # starts.
        drawn = ordered([plan.tasks[i] for i in order], pool, draw_cell, ahead=2 * workers + 2)
        stream = CellStream(plan.key_ids, k_from, drawn)
        progress(n_from, n_to)
        # the feeder's thread writes frame n while frame n + 1 is composed
        with enc, Feeder(enc) as feeder:
            done = n_from
            size = dict(
                motion=motion, stream=stream, width=width, height=height, buffers=feeder.buffers
            )
            frames = (
                compose_yuv_frames(n_from, n_to, **size)
                if enc.input_pix_fmt == "yuv420p"
                else compose_frames(n_from, n_to, opaque=plan.opaque, **size)
            )
            for frame in frames:
                feeder.put(frame)
                done += 1
                progress(done, n_to)
    finally:
        if pool is not None:
            close_pool(pool)  # a stuck worker is killed, not waited for


# ------------------------------------------------------------------ segments
#: Segments of an intra-only format encoded side by side unless told otherwise. On
#: this 2-core machine two segments rendered ProRes 4444 1.2-2.7x faster than one
#: pass (benchmarks/bench_video.py): one pass composes frames in one Python process,
#: which ffmpeg then waits for.
AUTO_SEGMENTS = 2

#: Seconds between two looks at the segment processes (progress, failures).
_POLL_S = 0.1


def _segments(opts: Resolved, fmt: VideoFormat) -> int:
    """How many segments to encode side by side: as asked, else :data:`AUTO_SEGMENTS`
    for an intra-only format (one for the others)."""
    if opts.segments is not None:
        return int(opts.segments)
    return min(AUTO_SEGMENTS, os.cpu_count() or 1) if fmt.intra else 1


def _segment_bounds(n_frames: int, segments: int) -> list[int]:
    """Frame numbers where the segments start, and the end: as even as can be.

    >>> _segment_bounds(10, 3)
    [0, 3, 7, 10]
    """
    return [round(i * n_frames / segments) for i in range(segments + 1)]


def _segment_main(
    part: Path,
    n_from: int,
    n_to: int,
    opts: Resolved,
    plan: _Plan,
    *,
    fmt: VideoFormat,
    index: int,
    done: Any,
    init: tuple[Any, tuple[Any, ...]],
    workers: int,
) -> None:
    """A segment process: draw, compose and encode frames n_from..n_to-1 into *part*."""
    initializer, initargs = init
    initializer(*initargs)  # die with the parent, leave Ctrl-C to it
    width, height = opts.frame_size

    def progress(i: int, _total: int) -> None:
        done[index] = i - n_from

    try:
        enc = Encoder(fmt, part, width=width, height=height, fps=opts.fps)
        _encode(enc, n_from, n_to, opts, plan, progress, workers=workers)
    except BaseException as err:  # the parent reports it
        part.with_suffix(".err").write_text(f"{err}", encoding="utf-8")
        raise SystemExit(1) from None


def _encode_segments(
    tmp: Path,
    segments: int,
    opts: Resolved,
    plan: _Plan,
    *,
    fmt: VideoFormat,
    metadata: dict[str, str],
    progress: Progress,
) -> None:
    """Encode the clip as *segments* parts side by side, then join them into *tmp*.

    Each part is a forked process that draws its own cells (with ``workers //
    segments`` helpers), composes its frames and feeds its own ffmpeg; the frames are
    the ones a single pass makes (a frame depends only on its number), so the joined
    file is the single pass's, packet for packet. The processes die with this one
    (:func:`batik_waves._procs.pool_initializer`) and are killed if it stops.
    """
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        raise RenderError("segments need the fork start method (Linux, macOS)")
    ctx = multiprocessing.get_context("fork")
    bounds = _segment_bounds(plan.n_frames, segments)
    done = ctx.Array("q", segments, lock=False)
    init = pool_initializer()
    workers = opts.workers // segments
    with tempfile.TemporaryDirectory(prefix=f".{tmp.stem}.parts_", dir=tmp.parent) as folder:
        parts = [Path(folder) / f"part{i:03d}{tmp.suffix}" for i in range(segments)]
        procs: list[Any] = []
        try:
            for i, part in enumerate(parts):
                proc = ctx.Process(
                    target=_segment_main,
                    args=(part, bounds[i], bounds[i + 1], opts, plan),
                    kwargs={
                        "fmt": fmt,
                        "index": i,
                        "done": done,
                        "init": init,
                        "workers": workers,
                    },
                    name=f"batik-segment-{i}",
                    daemon=False,  # it may start its own pool of cell workers
                )
                proc.start()
                procs.append(proc)
            progress(0, plan.n_frames)
            while True:
                alive = [p for p in procs if p.is_alive()]
                progress(min(sum(done), plan.n_frames), plan.n_frames)
                failed = [i for i, p in enumerate(procs) if p.exitcode not in (None, 0)]
                if failed:
                    err = parts[failed[0]].with_suffix(".err")
                    why = err.read_text(encoding="utf-8") if err.is_file() else ""
                    raise RenderError(
                        f"segment {failed[0] + 1} of {segments} failed (exit status "
                        f"{procs[failed[0]].exitcode}){': ' + why if why else ''}"
                    )
                if not alive:
                    break
                alive[0].join(_POLL_S)
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.kill()
                proc.join()
        join_segments(parts, tmp, fmt=fmt, timecode=opts.timecode, metadata=metadata)
    progress(plan.n_frames, plan.n_frames)


# ------------------------------------------------------------------ PNG sequences
def _render_sequence(
    src: Path,
    opts: Resolved,
    *,
    output: Output,
    plan: _Plan,
    record: dict[str, Any],
    csv_text: str,
    progress: Progress,
) -> None:
    folder = output.path
    n_frames = plan.n_frames
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RenderError(f"{folder}: cannot create the output folder: {err.strerror}") from err
    if not folder.is_dir():
        raise RenderError(f"{folder}: not a folder")
    record = {
        **record,
        "pattern": output.pattern,
        "first_frame": 0,
        "recording_sha256": sha256(src),
    }
    regex = output.frame_regex()
    present = present_frames(output)
    first = 0
    if opts.resume:
        previous = read_sequence_record(output.json)
        if previous is not None:
            changed = [k for k in record if k not in ("complete",) and previous.get(k) != record[k]]
            if changed:
                k = changed[0]
                raise RenderError(
                    f"{output.json}: cannot resume: this sequence was rendered with "
                    f"{k} = {previous.get(k)!r}, now {record[k]!r}; render it again without "
                    f"resume, or into another folder"
                )
            while first < n_frames and first in present:
                first += 1
    # frames beyond the new end belong to an older render: they would corrupt the
    # sequence an editor imports
    for i in sorted(present):
        if i >= n_frames:
            output.frame(i).unlink(missing_ok=True)
    clean_partial(folder, regex)
    write_text(output.json, json.dumps({**record, "complete": False}, indent=2) + "\n")
    if first < n_frames:
        width, height = opts.frame_size
        enc = Encoder(
            output.fmt,
            folder / output.pattern,
            width=width,
            height=height,
            fps=opts.fps,
            start_number=first,
        )
        try:
            _encode(enc, first, n_frames, opts, plan, progress)
        finally:
            clean_partial(folder, regex)
    else:
        progress(n_frames, n_frames)
    write_text(output.csv, csv_text)
    write_text(output.json, json.dumps({**record, "complete": True}, indent=2) + "\n")
