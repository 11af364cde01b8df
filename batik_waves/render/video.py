"""Video for editors: the recording's time becomes the cloth's motion.

:func:`render_video` turns a recording into a clip that drops into Premiere,
DaVinci Resolve or Final Cut: H.264 for previews, ProRes 4444 or QuickTime
Animation with alpha, VP9 WebM with alpha for the web, or a numbered PNG sequence.

How a frame is made
-------------------
Frame ``n`` shows the recording at ``start + n / fps`` seconds, exactly; a clip
holds :func:`frame_count` frames, so its duration is the window's. The band
envelopes are smoothed over *smoothing* seconds (a centred window: offline, the
cloth may look ahead) and mapped to motif parameters at **keyframes**, every few
frames (:func:`key_step`); a frame between two keyframes is the cross-fade of their
pictures, so the cloth breathes instead of flickering. A whole-number or named
parameter (the flower count, the polarity) changes only when its new value lasts
two seconds, by a short dissolve; the wax crackle keeps the clip's value (any change
lays its veins out afresh).

A frame is a periodic pattern, so only one repeat cell of the cloth (one tile, two
for half-drop and half-brick repeats) is drawn per keyframe, in a pool of worker
processes, with :func:`~batik_waves.render.raster.rasterize`. The main process
blends the two cells around a frame, shifts the result for the slow *drift*, fills
the frame by copying it, and pipes raw frames into ffmpeg, which encodes on the
other core: RGBA, or for H.264 the cells' BT.709 Y'CbCr 4:2:0 planes (blending is
linear, so blending planes equals converting the blend, at 1.5 bytes a pixel).
Keyframes whose (finely quantised) parameters repeat reuse their cell. The cloth's
tile spans the frame's short side (:data:`TILES_ACROSS`).

Outputs are written to a temporary name beside the target and renamed at the end;
a PNG sequence writes each frame atomically, so an interrupted sequence can be
continued with ``resume=True``. A sidecar CSV lists, per frame, the time in the
recording, each band's relative power and amplitude per region, and every motif
parameter, so an editor can drive other effects from the same brain.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import functools
import io
import itertools
import json
import math
import multiprocessing
import os
import re
import signal
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_path, check_not_input, write_text
from ..errors import MotifError, RenderError
from ._ffmpeg import FORMATS, Encoder, VideoFormat

__all__ = [
    "FPS_CHOICES",
    "TILES_ACROSS",
    "frame_count",
    "frame_times",
    "key_step",
    "parse_fps",
    "parse_size",
    "parse_timecode",
    "render_video",
]

Progress = Callable[[float, float], None]

#: The frame rates editors use, as ``--fps`` accepts them.
FPS_CHOICES: tuple[str, ...] = ("24", "25", "30", "60", "23.976", "29.97", "59.94")
_NTSC = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}
_MAX_FPS = 240

#: How many tiles of the cloth span the frame's short side (the motif's own
#: ``flowers``/``bands`` parameters then set how many shapes a tile holds).
TILES_ACROSS = 1.0
#: Cells kept in memory by the main process (and simulated for the work order).
_CACHE = 8
#: Largest frame side.
_MAX_SIDE = 8192
#: Each float parameter is rounded to this fraction of its range before drawing,
#: so keyframes with indistinguishable parameters share one cell.
_QUANT = 1.0 / 1000.0
#: Seconds a new whole-number or named parameter value (a flower count, a filler
#: kind) must hold before the cloth takes it, so a value hovering at a boundary
#: does not flick back and forth and the lattice re-forms at a calm pace.
_HOLD = 2.0
#: Parameters held at the whole clip's value: any change to them draws a new random
#: texture (the wax crackle is laid out afresh), which would make the veins boil.
_STEADY = ("crackle",)


def _allowed(values: Iterable[Any]) -> str:
    return ", ".join(repr(v) for v in values)


# ------------------------------------------------------------------ parsing options
def parse_fps(value: str | int | float | Fraction) -> Fraction:
    """A frame rate as an exact ratio.

    ``"29.97"`` is NTSC's 30000/1001 (likewise 23.976 and 59.94); whole numbers and
    ratios like ``"30000/1001"`` are taken as they are.

    >>> parse_fps("29.97"), parse_fps("25"), parse_fps("24000/1001")
    (Fraction(30000, 1001), Fraction(25, 1), Fraction(24000, 1001))
    >>> parse_fps("29.9")
    Traceback (most recent call last):
    ...
    batik_waves.errors.RenderError: Invalid value for the 'fps' parameter. Allowed values are 24, 25, 30, 60, 23.976, 29.97, 59.94 (or a whole number up to 240, or a ratio like 30000/1001), but got '29.9' instead.
    """
    err = RenderError(
        f"Invalid value for the 'fps' parameter. Allowed values are {', '.join(FPS_CHOICES)} "
        f"(or a whole number up to {_MAX_FPS}, or a ratio like 30000/1001), but got "
        f"{value!r} instead."
    )
    rate: Fraction
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, bool):
        raise err
    elif isinstance(value, int):
        rate = Fraction(value)
    elif isinstance(value, float):
        if value.is_integer():
            rate = Fraction(int(value))
        else:
            match = [f for k, f in _NTSC.items() if abs(float(k) - value) < 1e-9]
            if not match:
                raise err
            rate = match[0]
    elif isinstance(value, str):
        text = value.strip()
        if text in _NTSC:
            rate = _NTSC[text]
        elif re.fullmatch(r"\d+", text):
            rate = Fraction(int(text))
        elif re.fullmatch(r"\d+/\d+", text) and int(text.split("/")[1]) > 0:
            rate = Fraction(text)
        else:
            raise err
    else:
        raise err
    if not 0 < rate <= _MAX_FPS:
        raise err
    return rate


def parse_size(value: str | Sequence[int]) -> tuple[int, int]:
    """``"1920x1080"`` or ``(1920, 1080)`` -> (width, height).

    >>> parse_size("1080x1920")
    (1080, 1920)
    """
    err = RenderError(
        f"Invalid value for the 'size' parameter: expected WIDTHxHEIGHT in pixels (like "
        f"1920x1080, 3840x2160 or 1080x1920), each from 16 to {_MAX_SIDE}, but got "
        f"{value!r} instead."
    )
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", value)
        if not m:
            raise err
        w, h = int(m.group(1)), int(m.group(2))
    else:
        try:
            w, h = value
        except (TypeError, ValueError):
            raise err from None
        if any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in (w, h)):
            raise err
    if not (16 <= w <= _MAX_SIDE and 16 <= h <= _MAX_SIDE):
        raise err
    return int(w), int(h)


_TC = re.compile(r"^(\d{2}):(\d{2}):(\d{2})([:;.])(\d{2})$")


def parse_timecode(value: str, fps: Fraction) -> str:
    """Check a start timecode ``HH:MM:SS:FF`` (``;`` before FF: drop-frame).

    Drop-frame exists only at 29.97 and 59.94 fps, and skips the first two (four)
    frame numbers of every minute except each tenth.

    >>> parse_timecode("01:00:00:00", Fraction(25))
    '01:00:00:00'
    >>> parse_timecode("00:00:00:25", Fraction(25))
    Traceback (most recent call last):
    ...
    batik_waves.errors.RenderError: Invalid value for the 'timecode' parameter: frame 25 does not exist at 25 fps (frames run 00 to 24), got '00:00:00:25'.
    """
    m = _TC.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise RenderError(
            f"Invalid value for the 'timecode' parameter: expected HH:MM:SS:FF (like "
            f"01:00:00:00; HH:MM:SS;FF for drop-frame), but got {value!r} instead."
        )
    hh, mm, ss, sep, ff = m.groups()
    h, mi, s, f = int(hh), int(mm), int(ss), int(ff)
    nominal = math.ceil(fps)
    fps_text = _fps_text(fps)
    if h > 23 or mi > 59 or s > 59:
        raise RenderError(
            f"Invalid value for the 'timecode' parameter: hours run 00 to 23, minutes and "
            f"seconds 00 to 59, got {value!r}."
        )
    if f >= nominal:
        raise RenderError(
            f"Invalid value for the 'timecode' parameter: frame {f} does not exist at "
            f"{fps_text} fps (frames run 00 to {nominal - 1:02d}), got {value!r}."
        )
    drop = sep in ";."
    if drop:
        if fps not in (Fraction(30000, 1001), Fraction(60000, 1001)):
            raise RenderError(
                f"Invalid value for the 'timecode' parameter: drop-frame timecode (';') "
                f"exists only at 29.97 and 59.94 fps, not at {fps_text} fps; got {value!r}."
            )
        dropped = 2 if nominal == 30 else 4
        if s == 0 and mi % 10 != 0 and f < dropped:
            raise RenderError(
                f"Invalid value for the 'timecode' parameter: drop-frame timecode skips "
                f"frames 00 to {dropped - 1:02d} at the start of minute {mi}, got {value!r}."
            )
    return f"{h:02d}:{mi:02d}:{s:02d}{';' if drop else ':'}{f:02d}"


def _fps_text(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{float(fps):.3f}".rstrip("0")


def frame_count(duration: float, fps: Fraction) -> int:
    """Frames in a clip of *duration* seconds: ``round(duration × fps)``, halves up.

    The clip's frames then start at ``n / fps`` for n = 0 … count − 1, and its
    duration (count / fps) is within half a frame of *duration*.

    >>> frame_count(60.0, Fraction(30)), frame_count(60.0, Fraction(30000, 1001))
    (1800, 1798)
    >>> frame_count(1.0, Fraction(24000, 1001))   # 23.976: 23.98 frames
    24
    """
    exact = Fraction(duration) * fps
    return math.floor(exact + Fraction(1, 2))


def frame_times(start: float, n: int, fps: Fraction, first: int = 0) -> np.ndarray:
    """Recording time (s) shown by frames *first* … *first* + *n* − 1: ``start + k / fps``.

    >>> frame_times(10.0, 3, Fraction(30000, 1001)).tolist()
    [10.0, 10.033366666666666, 10.066733333333334]
    """
    k = np.arange(first, first + n, dtype=np.float64)
    return start + k * fps.denominator / fps.numerator


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


# ----------------------------------------------------------------------- the output
@dataclass(frozen=True)
class _Output:
    fmt: VideoFormat
    path: Path  # the video file, or the folder that holds the sequence
    pattern: str | None = None  # "name_%06d.png" for a sequence
    name: str = ""
    digits: int = 0

    @property
    def csv(self) -> Path:
        if self.fmt.sequence:
            return self.path / f"{self.name}.csv"
        return self.path.with_suffix(".csv")

    @property
    def json(self) -> Path | None:
        return self.path / f"{self.name}.json" if self.fmt.sequence else None

    def frame(self, i: int) -> Path:
        assert self.pattern is not None
        return self.path / (self.pattern % i)

    def frame_regex(self) -> re.Pattern:
        assert self.pattern is not None
        head, tail = re.split(r"%0\dd", self.pattern)
        return re.compile(rf"^{re.escape(head)}(\d{{{self.digits}}}){re.escape(tail)}$")


def _resolve_output(out: str | os.PathLike, format: str | None) -> _Output:
    text = os.fspath(out)
    path = Path(text)
    suffix = path.suffix.lower()
    if format is not None and format not in FORMATS:
        raise RenderError(
            f"Invalid value for the 'format' parameter. Allowed values are "
            f"{_allowed(FORMATS)}, but got {format!r} instead."
        )
    is_pattern = "%" in path.name
    looks_dir = text.endswith(("/", os.sep)) or path.is_dir() or (suffix == "" and not is_pattern)
    if format is None:
        if is_pattern or looks_dir:
            format = "png"
        else:
            by_suffix = {s: f.name for f in reversed(FORMATS.values()) for s in f.suffixes}
            if suffix == ".png":
                raise RenderError(
                    f"{text}: a PNG sequence needs a folder or a numbered pattern like "
                    f"name_%06d.png, not a single file name"
                )
            if suffix not in by_suffix:
                raise RenderError(
                    f"{text}: unknown video format {suffix!r}. Allowed extensions are "
                    f".mp4 (H.264), .mov (ProRes 4444; --format qtrle for QuickTime "
                    f"Animation), .webm (VP9), or a folder or name_%06d.png for a PNG "
                    f"sequence; or give --format"
                )
            format = by_suffix[suffix]
    fmt = FORMATS[format]
    if fmt.sequence:
        if is_pattern:
            m = re.fullmatch(r"(.*)%0(\d)d(.*)", path.name)
            if m is None or path.name.count("%") != 1 or m.group(3).lower() != ".png":
                raise RenderError(
                    f"{text}: a PNG sequence pattern needs one fixed-width number like "
                    f"name_%06d.png (3 to 9 digits) and the .png extension"
                )
            digits = int(m.group(2))
            if not 3 <= digits <= 9:
                raise RenderError(
                    f"{text}: frame numbers need 3 to 9 digits (%03d to %09d), got %0{digits}d"
                )
            name = m.group(1).rstrip("_-. ") or path.parent.name or "frames"
            return _Output(fmt, path.parent, path.name, name, digits)
        if not looks_dir:
            raise RenderError(
                f"{text}: a PNG sequence goes into a folder or a pattern like "
                f"name_%06d.png, not a {suffix} file"
            )
        name = path.name or "frames"
        return _Output(fmt, path, f"{name}_%06d.png", name, 6)
    if is_pattern or looks_dir:
        raise RenderError(
            f"{text}: --format {fmt.name} writes one file; give a name ending in "
            f"{' or '.join(fmt.suffixes)}"
        )
    if suffix not in fmt.suffixes:
        raise RenderError(
            f"{text}: the extension {suffix!r} does not suit --format {fmt.name} "
            f"({fmt.description}); use {' or '.join(fmt.suffixes)}"
        )
    return _Output(fmt, path)


# --------------------------------------------------------------------- the options
@dataclass(frozen=True)
class _Options:
    output: _Output
    fps: Fraction
    width: int
    height: int
    motif: str
    variant: str | None
    palette: Any  # str | None as given
    mapping: Any  # Mapping
    seed: int
    window: tuple[float | None, float | None]
    transparent: bool
    timecode: str | None
    smoothing: float
    drift: float
    resume: bool
    workers: int


def _number(value: Any, name: str, *, lo: float, hi: float, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.number)
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise RenderError(
            f"Invalid value for the {name!r} parameter: expected {what} from {lo:g} to "
            f"{hi:g}, but got {value!r} instead."
        )
    return float(value)


def _check_options(
    out: str | os.PathLike,
    *,
    format: str | None,
    fps: Any,
    size: Any,
    motif: str,
    variant: str | None,
    palette: Any,
    mapping: Any,
    seed: Any,
    window: Any,
    transparent: bool,
    timecode: str | None,
    smoothing: Any,
    drift: Any,
    resume: bool,
    workers: Any,
) -> _Options:
    """Every check that needs no recording: bad options fail before any work."""
    from ..job import parse_window
    from ..mapping import MOTIFS, load_mapping, params_class

    output = _resolve_output(out, format)
    fmt = output.fmt
    rate = parse_fps(fps)
    width, height = parse_size(size)
    if fmt.even and (width % 2 or height % 2):
        raise RenderError(
            f"Invalid value for the 'size' parameter: {fmt.description} needs an even width "
            f"and height (4:2:0 chroma), but got {width}x{height}; try "
            f"{width + width % 2}x{height + height % 2}"
        )
    if motif not in MOTIFS:
        raise RenderError(
            f"Invalid value for the 'motif' parameter. Allowed values are "
            f"{_allowed(MOTIFS)}, but got {motif!r} instead."
        )
    if variant is not None:
        allowed = params_class(motif).variants()
        if variant not in allowed:
            raise RenderError(
                f"Invalid value for the 'variant' parameter of {motif}. Allowed values are "
                f"{_allowed(allowed)}, but got {variant!r} instead."
            )
    if palette is not None:
        from ..motifs.palette import palette as make_palette

        make_palette(palette)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise RenderError(
            f"Invalid value for the 'seed' parameter: expected a whole number 0 or more, "
            f"but got {seed!r} instead."
        )
    if transparent and not fmt.alpha:
        raise RenderError(
            f"{output.path}: {fmt.description} cannot carry transparency; use .mov "
            f"(ProRes 4444), .webm or a PNG sequence with --transparent"
        )
    tc = None
    if timecode is not None:
        tc = parse_timecode(timecode, rate)
        if not fmt.timecode and not fmt.sequence:
            raise RenderError(
                f"{output.path}: {fmt.description} has no timecode track; a timecode "
                f"needs .mov or .mp4 (a PNG sequence records it in its JSON sidecar)"
            )
    smooth = _number(smoothing, "smoothing", lo=0.0, hi=600.0, what="seconds")
    drift_ = _number(drift, "drift", lo=-600.0, hi=600.0, what="tiles per minute")
    if resume and not fmt.sequence:
        raise RenderError(
            f"{output.path}: resume continues an interrupted PNG sequence; a "
            f"{fmt.name} file is always written whole"
        )
    if isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= 64:
        raise RenderError(
            f"Invalid value for the 'workers' parameter: expected a whole number from 0 to "
            f"64, but got {workers!r} instead."
        )
    return _Options(
        output=output,
        fps=rate,
        width=width,
        height=height,
        motif=motif,
        variant=variant,
        palette=palette,
        mapping=load_mapping(mapping),
        seed=int(seed),
        window=parse_window(window),
        transparent=bool(transparent),
        timecode=tc,
        smoothing=smooth,
        drift=drift_,
        resume=bool(resume),
        workers=int(workers),
    )


def _inputs_of(path: Path) -> list[Path]:
    """The recording and its companion files: never overwritten."""
    out = [path]
    if path.suffix.lower() in (".vhdr", ".ahdr"):
        out += [path.with_suffix(s) for s in (".eeg", ".vmrk", ".dat", ".amrk")]
    elif path.suffix.lower() == ".set":
        out.append(path.with_suffix(".fdt"))
    return out


# ------------------------------------------------------------------ the motion plan
@dataclass(frozen=True)
class _Cells:
    """What the workers draw: one repeat cell per distinct keyframe parameter set."""

    motif: str
    params: tuple[Any, ...]  # distinct MotifParams
    palette: Any  # Palette
    seed: int
    tile: int  # pattern pixels
    scale: float  # frame pixels per pattern pixel


def _draw_pattern(cells: _Cells, i: int):
    from ..motifs.registry import get

    # the registry knows where each family lives (mega-mendung is mega_mendung.py)
    make = get(cells.motif).tile()
    return make(
        cells.params[i], tile=(cells.tile, cells.tile), rng=cells.seed, palette=cells.palette
    )


def _draw_cell(cells: _Cells, i: int) -> np.ndarray:
    """The repeat cell of distinct parameter set *i*, in frame pixels (straight RGBA)."""
    from ._ink import cell_size
    from .raster import rasterize

    pattern = _draw_pattern(cells, i)
    cw, ch = cell_size(pattern)
    pw, ph = max(1, round(cw * cells.scale)), max(1, round(ch * cells.scale))
    return rasterize(pattern, width=pw, height=ph, scale=cells.scale)


_WORKER: dict[str, Any] = {}


def _worker_init(cells: _Cells, draw: Callable[[_Cells, int], np.ndarray]) -> None:
    # Ctrl-C on the terminal reaches the whole process group: the main process
    # stops the workers itself, so they must not die with a traceback of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["cells"] = cells
    _WORKER["draw"] = draw


def _worker_draw(i: int) -> np.ndarray:
    return _WORKER["draw"](_WORKER["cells"], i)


def _quantise(params: Any) -> Any:
    """*params* with each float rounded to 1/2000 of its range (invisible steps)."""
    changes = {}
    for name, spec in params.specs().items():
        value = getattr(params, name)
        if spec.range is None or not isinstance(value, float):
            continue
        lo, hi = spec.range
        step = (hi - lo) * _QUANT
        if step > 0:
            q = lo + round((value - lo) / step) * step
            changes[name] = min(hi, max(lo, q))  # only float error can leave the range
    return params.replace(**changes) if changes else params


def _task_order(key_ids: Sequence[int], k_from: int, k_to: int, size: int) -> list[int]:
    """Distinct cells to draw, in order, for keyframes k_from..k_to with an LRU of *size*."""
    cache: OrderedDict[int, None] = OrderedDict()
    tasks = []
    for k in range(k_from, k_to + 1):
        u = key_ids[k]
        if u in cache:
            cache.move_to_end(u)
            continue
        tasks.append(u)
        cache[u] = None
        if len(cache) > size:
            cache.popitem(last=False)
    return tasks


class _CellStream:
    """Keyframe -> cell, consuming drawn cells in the order :func:`_task_order` gave."""

    def __init__(self, key_ids: Sequence[int], k_from: int, drawn: Iterator[np.ndarray]):
        self.key_ids = key_ids
        self.next_k = k_from
        self.drawn = drawn
        self.cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def get(self, k: int) -> np.ndarray:
        while self.next_k <= k:
            u = self.key_ids[self.next_k]
            if u in self.cache:
                self.cache.move_to_end(u)
            else:
                self.cache[u] = next(self.drawn)
                if len(self.cache) > _CACHE:
                    self.cache.popitem(last=False)
            self.next_k += 1
        return self.cache[self.key_ids[k]]


def _ordered(
    tasks: Sequence[int], pool: cf.Executor | None, fn: Callable[[int], np.ndarray], ahead: int
) -> Iterator[np.ndarray]:
    """Results of fn over tasks, in order, at most *ahead* in flight."""
    if pool is None:
        for t in tasks:
            yield fn(t)
        return
    pending: deque[cf.Future] = deque()
    it = iter(tasks)
    try:
        for t in it:
            pending.append(pool.submit(_worker_draw, t))
            if len(pending) >= ahead:
                break
        while pending:
            result = pending.popleft().result()
            for t in it:
                pending.append(pool.submit(_worker_draw, t))
                break
            yield result
    finally:
        for f in pending:
            f.cancel()


# ---------------------------------------------------------------- composing frames
_BUFFERS: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}


def _buffers(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Two uint16 scratch arrays of *shape*, reused from frame to frame."""
    if shape not in _BUFFERS:
        _BUFFERS.clear()
        _BUFFERS[shape] = (np.empty(shape, np.uint16), np.empty(shape, np.uint16))
    return _BUFFERS[shape]


def _mix(a: np.ndarray, b: np.ndarray, w: float, opaque: bool) -> np.ndarray:
    """(1 − w)·a + w·b of two straight-RGBA cells (premultiplied where not opaque)."""
    if w <= 0 or a is b:
        return a
    if w >= 1:
        return b
    if opaque:
        wi = round(w * 256)
        x, y = _buffers(a.shape)
        np.multiply(a, np.uint16(256 - wi), out=x, dtype=np.uint16)
        np.multiply(b, np.uint16(wi), out=y, dtype=np.uint16)
        x += y
        x += 128
        x >>= 8
        out = np.empty(a.shape, np.uint8)
        np.copyto(out, x, casting="unsafe")
        return out
    # weights by coverage: a transparent pixel lends no colour to the mix
    wa = a[..., 3:4].astype(np.float32) * np.float32(1.0 - w)
    wb = b[..., 3:4].astype(np.float32) * np.float32(w)
    alpha = wa + wb
    rgb = a[..., :3] * wa
    rgb += b[..., :3] * wb
    rgb /= np.maximum(alpha, np.float32(1e-3))
    out = np.empty(a.shape, np.uint8)
    np.add(rgb, 0.5, out=rgb)
    out[..., :3] = rgb
    out[..., 3:4] = alpha + np.float32(0.5)
    return out


def _shift_rows(cell: np.ndarray, offset: float, opaque: bool) -> np.ndarray:
    """The cell as seen from row *offset* on: ``out[y] = cell[(y + offset) mod h]``.

    A fractional offset interpolates linearly between the two neighbouring rows, so a
    slow drift glides instead of stepping a whole pixel at a time.
    """
    h = cell.shape[0]
    offset %= h
    i = math.floor(offset)
    f = offset - i
    a = np.roll(cell, -i, axis=0)
    if f < 1.0 / 512:
        return a
    b = np.roll(a, -1, axis=0)
    return _mix(a, b, f, opaque)


def _fill(cell: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Tile *cell* over *out* from its top-left corner (block copies, no indexing)."""
    ch, cw = cell.shape[:2]
    height, width = out.shape[:2]
    rows = min(ch, height)
    for x0 in range(0, width, cw):
        n = min(cw, width - x0)
        out[:rows, x0 : x0 + n] = cell[:rows, :n]
    y0 = ch
    while y0 < height:
        n = min(y0, height - y0)  # double the filled band each time
        out[y0 : y0 + n] = out[:n]
        y0 += n
    return out


@dataclass
class _Motion:
    """Per-frame motion: which keyframes, how far between them, the drift offset."""

    fps: Fraction
    step: int
    drift_px_per_s: float  # rows per second the cloth moves down (negative: up)

    def keys(self, n: int) -> tuple[int, float]:
        return n // self.step, (n % self.step) / self.step

    def offset(self, n: int) -> float:
        return -self.drift_px_per_s * n * self.fps.denominator / self.fps.numerator


def _compose_frames(
    n_from: int,
    n_to: int,
    motion: _Motion,
    stream: _CellStream,
    width: int,
    height: int,
    opaque: bool,
) -> Iterator[np.ndarray]:
    """Frames n_from..n_to-1 as (height, width, 4) uint8 arrays (one buffer, reused)."""
    frame = np.empty((height, width, 4), np.uint8)
    other = np.empty_like(frame)
    for n in range(n_from, n_to):
        k, w = motion.keys(n)
        a = stream.get(k)
        b = stream.get(k + 1) if w > 0 else a
        dy = motion.offset(n)
        if a.shape == b.shape:
            cell = _mix(a, b, w, opaque)
            _fill(_shift_rows(cell, dy, opaque) if dy else cell, frame)
        else:  # the repeat cell changed size between the keyframes: blend whole frames
            _fill(_shift_rows(a, dy, opaque) if dy else a, frame)
            _fill(_shift_rows(b, dy, opaque) if dy else b, other)
            frame[...] = _mix(frame, other, w, opaque)
        yield frame


# ----------------------------------------------- the H.264 path: Y'CbCr from the cells
def _rgba_to_yuv420(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An opaque RGBA cell as BT.709 limited-range Y'CbCr 4:2:0 planes (Y, Cb, Cr).

    Chroma is the 2×2 average (centred siting), which is what a box filter in
    swscale would give; the matrix and range are what the file is tagged with.
    """
    h, w = cell.shape[:2]
    if h % 2 or w % 2:
        raise RenderError(f"internal: a {w}×{h} cell cannot be subsampled to 4:2:0")
    f32 = np.float32
    r, g, b = (cell[..., c].astype(f32) for c in range(3))
    k = f32(219 / 255)
    y = r * f32(0.2126 * k)
    y += g * f32(0.7152 * k)
    y += b * f32(0.0722 * k)
    y += f32(16.5)

    def half(p: np.ndarray) -> np.ndarray:  # 2×2 means
        return (p[0::2, 0::2] + p[1::2, 0::2] + p[0::2, 1::2] + p[1::2, 1::2]) * f32(0.25)

    r, g, b = half(r), half(g), half(b)
    kc = f32(224 / 255)
    cb = r * f32(-0.2126 / 1.8556 * kc)
    cb += g * f32(-0.7152 / 1.8556 * kc)
    cb += b * f32(0.5 * kc)
    cb += f32(128.5)
    cr = r * f32(0.5 * kc)
    cr += g * f32(-0.7152 / 1.5748 * kc)
    cr += b * f32(-0.0722 / 1.5748 * kc)
    cr += f32(128.5)
    return y.astype(np.uint8), cb.astype(np.uint8), cr.astype(np.uint8)


def _draw_yuv(draw: Callable[[_Cells, int], np.ndarray], cells: _Cells, i: int):
    return _rgba_to_yuv420(draw(cells, i))


def _compose_yuv_frames(
    n_from: int, n_to: int, motion: _Motion, stream: _CellStream, width: int, height: int
) -> Iterator[np.ndarray]:
    """Frames as yuv420p bytes (one buffer, reused), composed plane by plane.

    Cross-fades, sub-pixel shifts and tiling are linear, so doing them on the
    Y'CbCr planes of the cells gives the frame that converting the RGBA frame would,
    at 1.5 instead of 4 bytes a pixel, and ffmpeg has nothing left to convert.
    """
    buf = np.empty(width * height * 3 // 2, np.uint8)
    ny, nc = width * height, (width // 2) * (height // 2)
    planes = (
        buf[:ny].reshape(height, width),
        buf[ny : ny + nc].reshape(height // 2, width // 2),
        buf[ny + nc :].reshape(height // 2, width // 2),
    )
    others = tuple(np.empty_like(p) for p in planes)
    for n in range(n_from, n_to):
        k, w = motion.keys(n)
        a = stream.get(k)
        b = stream.get(k + 1) if w > 0 else a
        dy = motion.offset(n)
        for i, (pa, pb) in enumerate(zip(a, b, strict=True)):
            d = dy if i == 0 else dy / 2
            if pa.shape == pb.shape:
                cell = _mix(pa, pb, w, True)
                _fill(_shift_rows(cell, d, True) if d else cell, planes[i])
            else:
                _fill(_shift_rows(pa, d, True) if d else pa, planes[i])
                _fill(_shift_rows(pb, d, True) if d else pb, others[i])
                planes[i][...] = _mix(planes[i], others[i], w, True)
        yield buf


# ---------------------------------------------------------------------- sidecars
def _band_table(env, times: np.ndarray, smoothing: float) -> dict[str, np.ndarray]:
    """Per frame: each band's relative power and RMS amplitude (µV), whole head and
    per region, smoothed like the motion."""
    from ..eeg.envelopes import _moving_average

    n = max(1, round(smoothing * env.rate))
    power = env.power()  # (bands, channels, times)
    groups: dict[str, list[int]] = {"all": list(range(len(env.ch_names)))}
    groups.update(env.regions())
    out: dict[str, np.ndarray] = {}
    for region, idx in groups.items():
        p = _moving_average(power[:, idx, :].mean(axis=1), n)
        total = p.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(total > 0, p / total, 1.0 / len(env.bands))
        for i, band in enumerate(env.bands):
            key = band if region == "all" else f"{region}_{band}"
            out[f"{key}_rel"] = np.interp(times, env.times, rel[i])
            out[f"{key}_uV"] = np.interp(times, env.times, np.sqrt(p[i])) * 1e6
    return out


def _hold_discrete(params: list[Any], hold: int) -> list[Any]:
    """Keep each whole-number or named parameter until a new value lasts *hold* keyframes.

    A smoothed feature that hovers at a rounding boundary would otherwise switch
    the flower count back and forth at every keyframe. A change that lasts (or
    reaches the end of the clip) is taken at the keyframe where it began.
    """
    if hold <= 1 or len(params) < 2:
        return params
    specs = params[0].specs()
    discrete = [
        n
        for n, spec in specs.items()
        if spec.range is None
        or (isinstance(spec.default, int) and not isinstance(spec.default, bool))
    ]
    values = {n: [getattr(p, n) for p in params] for n in discrete}
    held: dict[str, list[Any]] = {}
    for n, seq in values.items():
        out = list(seq)
        current = seq[0]
        for k in range(1, len(seq)):
            if seq[k] != current:
                run = seq[k : k + hold]
                if all(v == seq[k] for v in run):
                    current = seq[k]
            out[k] = current
        held[n] = out
    result = []
    for k, p in enumerate(params):
        changes = {n: held[n][k] for n in discrete if held[n][k] != getattr(p, n)}
        if changes:
            try:
                p = p.replace(**changes)
            except MotifError:  # a combination the motif rejects: keep the mapped one
                pass
        result.append(p)
    return result


def _frame_params(key_params: list[Any], step: int, n_frames: int) -> list[dict[str, Any]]:
    """The parameters each frame shows: numbers interpolated between its two
    keyframes like the cross-fade, names and counts from the nearer keyframe."""
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


# ------------------------------------------------------------------------- the API
def render_video(
    path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    format: str | None = None,
    fps: str | int | Fraction = "30",
    size: str | tuple[int, int] = (1920, 1080),
    motif: str = "kawung",
    variant: str | None = None,
    palette: str | Sequence[str] | None = None,
    mapping: Any = None,
    seed: int = 0,
    window: str | tuple[float | None, float | None] | None = None,
    transparent: bool = False,
    timecode: str | None = None,
    smoothing: float = 1.0,
    drift: float = 0.0,
    resume: bool = False,
    progress: Progress | None = None,
    workers: int = 2,
) -> Path:
    """Render a recording as a video whose motion follows the brain.

    Parameters
    ----------
    path : path-like
        The recording (any format :func:`batik_waves.read_recording` reads).
    out : path-like
        ``.mp4`` (H.264 preview), ``.mov`` (ProRes 4444 with alpha), ``.webm`` (VP9
        with alpha), or a folder or ``name_%06d.png`` pattern (PNG sequence).
    format : {"mp4", "prores", "qtrle", "webm", "png"}, optional
        Overrides the choice by extension (``qtrle``: QuickTime Animation in .mov).
    fps : str, int or Fraction
        24, 25, 30, 60, 23.976, 29.97, 59.94 (kept as exact ratios: 30000/1001).
    size : "WxH" or (width, height)
        Frame size; H.264 needs even numbers.
    motif : {"kawung", "parang"}
    variant, palette, mapping, seed
        As for :func:`batik_waves.render_recording`. Without *palette* the mapping
        picks one colourway for the whole clip (from the whole window).
    window : "START:END" or (start, end), optional
        Seconds of the recording to show; the clip lasts exactly as long.
    transparent : bool
        No ground: the cloth's ground is transparent (alpha formats only).
    timecode : str, optional
        Start timecode ``HH:MM:SS:FF`` for .mov and .mp4 (PNG: in the JSON sidecar).
    smoothing : float
        Seconds over which the band power is averaged (centred) before it moves the
        cloth: longer breathes slower; 0 follows every wobble.
    drift : float
        Slow pan of the cloth, in tiles per minute (positive: the cloth moves down).
    resume : bool
        Continue an interrupted PNG sequence from its first missing frame.
    progress : callable, optional
        Called as ``progress(frames_done, total_frames)``.
    workers : int
        Processes that draw keyframe cells while ffmpeg encodes (0: draw in this
        process).

    Returns
    -------
    Path
        The video file, or the folder of the PNG sequence.

    Raises
    ------
    RenderError
        A bad option (checked before any work), an output that cannot be written,
        ffmpeg failing.
    RecordingError
        The recording cannot be read, or the window lies outside it.
    """
    opts = _check_options(
        out,
        format=format,
        fps=fps,
        size=size,
        motif=motif,
        variant=variant,
        palette=palette,
        mapping=mapping,
        seed=seed,
        window=window,
        transparent=transparent,
        timecode=timecode,
        smoothing=smoothing,
        drift=drift,
        resume=resume,
        workers=workers,
    )
    src = Path(path)
    output = opts.output
    targets = [output.csv] + ([output.json] if output.json else [])
    targets.append(output.path if not output.fmt.sequence else output.frame(0))
    for t in targets:
        check_not_input(t, _inputs_of(src))
    return _render(src, opts, progress or (lambda done, total: None))


def _load(src: Path, opts: _Options):
    """Envelopes of the whole recording (so the window's edges are filtered with real
    signal around them) and the window (start, end) checked against it."""
    from ..eeg.bands import envelopes_from_file
    from ..errors import RecordingError

    env = envelopes_from_file(src)
    t_first = float(env.times[0])
    t_end = t_first + env.duration
    lo, hi = opts.window
    start = t_first if lo is None else lo
    end = t_end if hi is None else hi
    if start >= t_end - 1e-9 or end > t_end + 1e-6 or start < t_first - 1e-9:
        raise RecordingError(
            f"{src}: the window {start:g}:{end:g} s lies outside the recording "
            f"({t_first:g} to {t_end:.6g} s)"
        )
    return env, start, end


def _render(src: Path, opts: _Options, progress: Progress) -> Path:
    from ..mapping import (
        features,
        features_series,
        palette_from_features,
        params_from_features,
    )
    from ..motifs.palette import palette as make_palette

    env, start, end = _load(src, opts)
    n_frames = frame_count(end - start, opts.fps)
    if n_frames < 1:
        raise RenderError(
            f"{src}: the window {start:g}:{end:g} s is shorter than one frame at "
            f"{_fps_text(opts.fps)} fps"
        )
    output = opts.output
    if output.fmt.sequence and n_frames > 10**output.digits:
        raise RenderError(
            f"{output.path / output.pattern}: {n_frames} frames do not fit "
            f"{output.digits}-digit numbers; use a longer %0Nd"
        )
    times = frame_times(start, n_frames, opts.fps)

    # keyframes: parameters every `step` frames, one past the end for the last blend
    step = key_step(opts.fps, opts.smoothing)
    n_keys = (n_frames - 1) // step + 2
    key_times = frame_times(start, n_keys, opts.fps / step)
    mapping = opts.mapping
    feats = features_series(env, key_times, smooth=opts.smoothing)
    whole = features(env.window(start, end))
    pal_spec = opts.palette
    if pal_spec is None:  # one colourway for the whole clip, from the whole window
        pal_spec = palette_from_features(opts.motif, whole, mapping)
    base = params_from_features(opts.motif, whole, mapping, variant=opts.variant)
    steady = {n: getattr(base, n) for n in _STEADY if n in base.specs()}
    pal = make_palette(pal_spec)
    if opts.transparent:
        pal = pal.transparent()

    key_params = [
        params_from_features(
            opts.motif,
            {f: float(v[k]) for f, v in feats.items()},
            mapping,
            variant=opts.variant,
            **steady,
        )
        for k in range(n_keys)
    ]
    hold = max(1, math.ceil(_HOLD * float(opts.fps) / step))
    key_params = [_quantise(p) for p in _hold_discrete(key_params, hold)]
    distinct: dict[Any, int] = {}
    key_ids = [distinct.setdefault(p, len(distinct)) for p in key_params]

    tile_px = max(8, round(min(opts.width, opts.height) / TILES_ACROSS))
    cells = _Cells(
        motif=opts.motif,
        params=tuple(distinct),
        palette=pal,
        seed=opts.seed,
        tile=tile_px,
        scale=1.0,
    )
    motion = _Motion(opts.fps, step, opts.drift * tile_px / 60.0)

    # the sidecar (made now: whatever fails, fails before ffmpeg starts)
    csv_text = _csv_text(
        times,
        _band_table(env, times, opts.smoothing),
        _frame_params(key_params, step, n_frames),
        opts.motif,
    )

    record = {
        "recording": src.name,
        "window_s": [round(start, 6), round(end, 6)],
        "fps": f"{opts.fps.numerator}/{opts.fps.denominator}",
        "fps_float": float(opts.fps),
        "frames": n_frames,
        "width": opts.width,
        "height": opts.height,
        "format": output.fmt.name,
        "motif": opts.motif,
        "variant": opts.variant,
        "palette": pal.as_dict(),
        "mapping": mapping.name,
        "mapping_source": mapping.source,
        "seed": opts.seed,
        "transparent": opts.transparent,
        "timecode": opts.timecode,
        "smoothing_s": opts.smoothing,
        "drift_tiles_per_min": opts.drift,
        "keyframe_step": step,
    }
    metadata = {
        "title": f"batik_waves {opts.motif} from {src.name}",
        "comment": f"window {start:g}:{end:g} s, mapping {mapping.name}, seed {opts.seed}",
    }
    draw = _draw_cell
    if output.fmt.sequence:
        _render_sequence(
            src, opts, output, n_frames, cells, draw, motion, key_ids, record, csv_text, progress
        )
        return output.path
    with atomic_path(output.path) as tmp:
        enc = Encoder(
            output.fmt,
            tmp,
            width=opts.width,
            height=opts.height,
            fps=opts.fps,
            timecode=opts.timecode,
            metadata=metadata,
        )
        _encode(enc, 0, n_frames, opts, cells, draw, motion, key_ids, progress)
    write_text(output.csv, csv_text)
    return output.path


def _encode(
    enc: Encoder,
    n_from: int,
    n_to: int,
    opts: _Options,
    cells: _Cells,
    draw: Callable[[_Cells, int], np.ndarray],
    motion: _Motion,
    key_ids: Sequence[int],
    progress: Progress,
) -> None:
    """Draw cells in the pool, compose frames n_from..n_to-1 and feed them to *enc*."""
    k_from = motion.keys(n_from)[0]
    k_to = min(len(key_ids) - 1, motion.keys(n_to - 1)[0] + 1)
    tasks = _task_order(key_ids, k_from, k_to, _CACHE)
    workers = min(opts.workers, len(tasks), os.cpu_count() or 1)
    yuv = enc.input_pix_fmt == "yuv420p"
    if yuv:  # the workers hand over Y'CbCr planes: 2.7× fewer bytes to blend and pipe
        draw = functools.partial(_draw_yuv, draw)
    pool = None
    if workers >= 2 or (workers == 1 and len(tasks) > 1):
        # fork: the workers inherit the imported modules (shapely, cairo) at once
        ctx = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(cells, draw)
        )
    try:
        drawn = _ordered(tasks, pool, lambda i: draw(cells, i), ahead=2 * workers + 2)
        # The first cell starts the workers, and they must start before ffmpeg: a
        # worker forked later would inherit ffmpeg's stdin and keep it from ever
        # seeing the end of the stream.
        drawn = itertools.chain([next(drawn)], drawn)
        stream = _CellStream(key_ids, k_from, drawn)
        opaque = not opts.transparent and _opaque_ground(cells)
        total = n_to
        progress(n_from, total)
        with enc:
            done = n_from
            frames = (
                _compose_yuv_frames(n_from, n_to, motion, stream, opts.width, opts.height)
                if yuv
                else _compose_frames(n_from, n_to, motion, stream, opts.width, opts.height, opaque)
            )
            for frame in frames:
                enc.write(frame)
                done += 1
                progress(done, total)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _opaque_ground(cells: _Cells) -> bool:
    ground = getattr(cells.palette, "ground", None)
    return ground is not None and (len(ground) == 7 or ground.upper().endswith("FF"))


# ------------------------------------------------------------------ PNG sequences
def _render_sequence(
    src: Path,
    opts: _Options,
    output: _Output,
    n_frames: int,
    cells: _Cells,
    draw: Callable[[_Cells, int], np.ndarray],
    motion: _Motion,
    key_ids: Sequence[int],
    record: dict[str, Any],
    csv_text: str,
    progress: Progress,
) -> None:
    from ..job import sha256

    folder = output.path
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
    present = {int(m.group(1)) for p in folder.iterdir() if (m := regex.match(p.name)) is not None}
    first = 0
    if opts.resume:
        previous = _read_record(output.json)
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
    _clean_partial(folder, regex)
    write_text(output.json, json.dumps({**record, "complete": False}, indent=2) + "\n")
    if first < n_frames:
        enc = Encoder(
            output.fmt,
            folder / output.pattern,
            width=opts.width,
            height=opts.height,
            fps=opts.fps,
            start_number=first,
        )
        try:
            _encode(enc, first, n_frames, opts, cells, draw, motion, key_ids, progress)
        finally:
            _clean_partial(folder, regex)
    else:
        progress(n_frames, n_frames)
    write_text(output.csv, csv_text)
    write_text(output.json, json.dumps({**record, "complete": True}, indent=2) + "\n")


def _clean_partial(folder: Path, regex: re.Pattern) -> None:
    """Remove the temporary files of frames an interrupted ffmpeg left half-written."""
    for p in folder.iterdir():
        if p.name.endswith(".tmp") and regex.match(p.name[: -len(".tmp")]):
            p.unlink(missing_ok=True)


def _read_record(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RenderError(f"{path}: cannot read the sequence record to resume: {err}") from err
    return data if isinstance(data, dict) else None
