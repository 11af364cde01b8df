"""Encoding video: formats editors import, output naming, rates, the ffmpeg process.

- :data:`FORMATS` and :class:`VideoFormat`: what each ``--format`` writes and carries;
- :func:`resolve_output`: a file name, folder or ``name_%06d.png`` pattern -> where
  and what to write (:class:`Output`), checked before any work;
- :func:`parse_fps`, :func:`parse_timecode`, :func:`frame_count`,
  :func:`frame_times`: exact rates (23.976 is 24000/1001) and frame timing;
- :class:`Encoder`: the ffmpeg process frames are piped into; :func:`probe`,
  :func:`read_frame`: reading back what was written;
- PNG sequences: :func:`present_frames`, :func:`clean_partial`,
  :func:`read_sequence_record` for resuming.

The binary is the one imageio-ffmpeg ships (a static GPL build of ffmpeg with
libx264, prores_ks, qtrle, libvpx-vp9 and png). Frames go in as raw RGBA on stdin;
nothing is written as an intermediate image.

There is no ffprobe beside that ffmpeg, so :func:`probe` reads what ``ffmpeg -i``
prints and counts packets with the ``framecrc`` muxer, which also gives each
packet's duration in the stream's time base: the exact frame rate as a ratio.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

try:  # Linux and macOS; the pipe is only widened on Linux
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from .._check import check_choice
from .._procs import popen_kwargs
from ..errors import ParameterError, RenderError

__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "FPS_CHOICES",
    "PRORES_AW",
    "PRORES_KS",
    "Encoder",
    "Feeder",
    "Output",
    "Probe",
    "VideoFormat",
    "alpha_formats",
    "clean_partial",
    "ffmpeg_exe",
    "fps_text",
    "frame_count",
    "frame_times",
    "join_segments",
    "parse_fps",
    "parse_timecode",
    "present_frames",
    "probe",
    "read_frame",
    "read_sequence_record",
    "resolve_output",
]

# Rec.709 for video: convert RGB with the BT.709 matrix into limited range, then tag
# primaries, transfer and matrix (output options alone tag only the matrix).
_TAG_709 = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
# PNG is sRGB: ffmpeg's PNG encoder writes the sRGB chunk for these tags.
_YUV_IN = (
    *("-pix_fmt", "yuv420p", "-color_range", "tv", "-colorspace", "bt709"),
    *("-color_primaries", "bt709", "-color_trc", "bt709"),
)
_TAG_SRGB = "setparams=color_primaries=bt709:color_trc=iec61966-2-1"


@dataclass(frozen=True)
class VideoFormat:
    """One output format: its codec arguments and what it can carry.

    Attributes
    ----------
    name : str
        The ``--format`` value.
    description : str
        For people (help text, errors).
    suffixes : tuple of str
        File extensions that choose it (empty for an image sequence).
    muxer : str
        ffmpeg's ``-f`` value.
    codec : tuple of str
        Encoder arguments.
    pix_fmt : str
        The pixel format the encoder receives.
    filters : str
        The ``-vf`` chain (conversion and colour tags).
    alpha : bool
        Whether the format keeps the alpha channel.
    even : bool
        Whether width and height must be even (4:2:0 chroma in H.264).
    timecode : bool
        Whether the container carries a timecode track.
    extra : tuple of str
        Output options after the codec's (muxer flags).
    intra : bool
        Whether every frame is coded alone (ProRes, DNxHR): segments encoded side by
        side then join without re-encoding (:func:`join_segments`).
    min_size : (int, int)
        The smallest width and height the encoder takes.
    """

    name: str
    description: str
    suffixes: tuple[str, ...]
    muxer: str
    codec: tuple[str, ...]
    pix_fmt: str
    filters: str
    alpha: bool
    even: bool = False
    timecode: bool = False
    extra: tuple[str, ...] = field(default=())
    intra: bool = False
    min_size: tuple[int, int] = (1, 1)

    @property
    def sequence(self) -> bool:
        return self.muxer == "image2"

    def muxer_for(self, path: str | os.PathLike) -> str:
        """ffmpeg's ``-f`` for *path*: DNxHR goes into MXF, or QuickTime for ``.mov``."""
        if self.muxer == "mxf" and Path(path).suffix.lower() == ".mov":
            return "mov"
        return self.muxer


#: DNxHR's smallest frame (ffmpeg's dnxhd encoder refuses anything smaller).
_DNXHR_MIN = (256, 120)

#: The ProRes 4444 arguments of prores_ks; the format adds a fixed quantiser, and
#: benchmarks/bench_video.py measures these (its quantiser search) and prores_aw too.
PRORES_KS = (
    *("-c:v", "prores_ks", "-profile:v", "4444"),
    *("-alpha_bits", "16", "-vendor", "apl0"),
)


#: prores_aw's ProRes 4444 (ap4h with alpha), measured beside the format's.
PRORES_AW = ("-c:v", "prores_aw", "-profile:v", "4", "-vendor", "apl0")


def _yuv(pix_fmt: str) -> str:
    return f"scale=out_color_matrix=bt709:out_range=tv,format={pix_fmt},{_TAG_709}"


#: Format name -> :class:`VideoFormat`.
FORMATS: dict[str, VideoFormat] = {
    f.name: f
    for f in (
        VideoFormat(
            "mp4",
            "H.264 preview (.mp4, no alpha)",
            (".mp4",),
            "mp4",
            # ultrafast at CRF 23: a preview format. On real 1080p batik frames fed
            # from memory it encoded 1.9-2.3x faster than superfast (the encoder
            # set the pace of the whole render) and, without superfast's mb-tree
            # and adaptive quantisation, spent ~45 % more bits for a higher luma
            # PSNR (47.8 against 45.0 dB): no preview lost detail to the speed.
            ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "23"),
            "yuv420p",
            _yuv("yuv420p"),
            alpha=False,
            even=True,
            timecode=True,
            extra=("-movflags", "+faststart"),
        ),
        VideoFormat(
            "prores",
            "ProRes 4444 with alpha (.mov)",
            (".mov",),
            "mov",
            # prores_ks with a fixed quantiser (-q:v 4): the encoder OUTPUTS.md vouches
            # for in Premiere, Resolve and Final Cut, without the quantiser search per
            # slice that was most of its time. As fast as prores_aw or faster on real
            # batik frames (two bench runs of three), closer to the frames fed (0.37 against
            # 0.46 levels), in a file 8 % larger; the README has the measurements.
            (*PRORES_KS, "-q:v", "4"),
            "yuva444p10le",
            _yuv("yuva444p10le"),
            alpha=True,
            timecode=True,
            intra=True,
        ),
        VideoFormat(
            "qtrle",
            "QuickTime Animation with alpha (.mov)",
            (".mov",),
            "mov",
            ("-c:v", "qtrle"),
            "argb",
            "format=argb,setparams=color_primaries=bt709:color_trc=bt709",
            alpha=True,
            timecode=True,
        ),
        VideoFormat(
            "webm",
            "VP9 with alpha (.webm)",
            (".webm",),
            "webm",
            (
                "-c:v",
                "libvpx-vp9",
                "-b:v",
                "0",
                "-crf",
                "32",
                "-deadline",
                "good",
                "-cpu-used",
                "5",
                "-row-mt",
                "1",
            ),
            "yuva420p",
            _yuv("yuva420p"),
            alpha=True,
        ),
        VideoFormat(
            "dnxhr",
            "DNxHR HQ, 8-bit 4:2:2 (.mxf, or .mov)",
            (".mxf", ".mov"),
            "mxf",
            ("-c:v", "dnxhd", "-profile:v", "dnxhr_hq"),
            "yuv422p",
            _yuv("yuv422p"),
            alpha=False,
            timecode=True,
            intra=True,
            min_size=_DNXHR_MIN,
        ),
        VideoFormat(
            "dnxhr-444",
            "DNxHR 444, 10-bit 4:4:4 (.mxf, or .mov)",
            (".mxf", ".mov"),
            "mxf",
            ("-c:v", "dnxhd", "-profile:v", "dnxhr_444"),
            "yuv444p10le",
            _yuv("yuv444p10le"),
            alpha=False,
            timecode=True,
            intra=True,
            min_size=_DNXHR_MIN,
        ),
        VideoFormat(
            "png",
            "PNG sequence, RGBA sRGB (a folder or a name_%06d.png pattern)",
            (),
            "image2",
            # zlib level 3: most of level 9's compression at a fraction of its time
            ("-c:v", "png", "-compression_level", "3"),
            "rgba",
            f"format=rgba,{_TAG_SRGB}",
            alpha=True,
            # each frame is written to a temporary name and renamed: a frame that is
            # present is complete, which is what --resume relies on
            extra=("-atomic_writing", "1"),
        ),
    )
}


#: The ``--format`` values.
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)


def alpha_formats() -> str:
    """The formats that carry alpha, for error messages.

    >>> alpha_formats()
    'prores (.mov), qtrle (.mov), webm (.webm), png (a folder or name_%06d.png)'
    """
    return ", ".join(
        f"{f.name} ({' or '.join(f.suffixes) or 'a folder or name_%06d.png'})"
        for f in FORMATS.values()
        if f.alpha
    )


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


# ------------------------------------------------------------------ rates, timing
def parse_fps(value: str | int | float | Fraction) -> Fraction:
    """A frame rate as an exact ratio.

    ``"29.97"`` is NTSC's 30000/1001 (likewise 23.976 and 59.94); whole numbers and
    ratios like ``"30000/1001"`` are taken as they are.

    >>> parse_fps("29.97"), parse_fps("25"), parse_fps("24000/1001")
    (Fraction(30000, 1001), Fraction(25, 1), Fraction(24000, 1001))
    >>> parse_fps("29.9")
    Traceback (most recent call last):
    ...
    batik_waves.errors.ParameterError: Invalid value for the 'fps' parameter. Allowed values are 24, 25, 30, 60, 23.976, 29.97, 59.94 (or a whole number up to 240, or a ratio like 30000/1001), but got '29.9' instead.
    """
    err = ParameterError(
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
    batik_waves.errors.ParameterError: Invalid value for the 'timecode' parameter: frame 25 does not exist at 25 fps (frames run 00 to 24), got '00:00:00:25'.
    """
    m = _TC.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise ParameterError(
            f"Invalid value for the 'timecode' parameter: expected HH:MM:SS:FF (like "
            f"01:00:00:00; HH:MM:SS;FF for drop-frame), but got {value!r} instead."
        )
    hh, mm, ss, sep, ff = m.groups()
    h, mi, s, f = int(hh), int(mm), int(ss), int(ff)
    nominal = math.ceil(fps)
    rate_text = fps_text(fps)
    if h > 23 or mi > 59 or s > 59:
        raise ParameterError(
            f"Invalid value for the 'timecode' parameter: hours run 00 to 23, minutes and "
            f"seconds 00 to 59, got {value!r}."
        )
    if f >= nominal:
        raise ParameterError(
            f"Invalid value for the 'timecode' parameter: frame {f} does not exist at "
            f"{rate_text} fps (frames run 00 to {nominal - 1:02d}), got {value!r}."
        )
    drop = sep in ";."
    if drop:
        if fps not in (Fraction(30000, 1001), Fraction(60000, 1001)):
            raise ParameterError(
                f"Invalid value for the 'timecode' parameter: drop-frame timecode (';') "
                f"exists only at 29.97 and 59.94 fps, not at {rate_text} fps; got {value!r}."
            )
        dropped = 2 if nominal == 30 else 4
        if s == 0 and mi % 10 != 0 and f < dropped:
            raise ParameterError(
                f"Invalid value for the 'timecode' parameter: drop-frame timecode skips "
                f"frames 00 to {dropped - 1:02d} at the start of minute {mi}, got {value!r}."
            )
    return f"{h:02d}:{mi:02d}:{s:02d}{';' if drop else ':'}{f:02d}"


def fps_text(fps: Fraction) -> str:
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


# ----------------------------------------------------------------------- the output
@dataclass(frozen=True)
class Output:
    """Where a video goes: one file, or a folder of numbered PNGs with a pattern."""

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


def resolve_output(out: str | os.PathLike, format: str | None) -> Output:
    text = os.fspath(out)
    path = Path(text)
    suffix = path.suffix.lower()
    if format is not None:
        check_choice(format, FORMAT_NAMES, "format")
    is_pattern = "%" in path.name
    looks_dir = text.endswith(("/", os.sep)) or path.is_dir() or (suffix == "" and not is_pattern)
    if format is None:
        if is_pattern or looks_dir:
            format = "png"
        else:
            # the first format that names a suffix owns it (.mov is ProRes)
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
                    f"Animation, --format dnxhr for DNxHR), .mxf (DNxHR HQ), .webm "
                    f"(VP9), or a folder or name_%06d.png for a PNG "
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
            return Output(fmt, path.parent, path.name, name, digits)
        if not looks_dir:
            raise RenderError(
                f"{text}: a PNG sequence goes into a folder or a pattern like "
                f"name_%06d.png, not a {suffix} file"
            )
        name = path.name or "frames"
        return Output(fmt, path, f"{name}_%06d.png", name, 6)
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
    return Output(fmt, path)


# ------------------------------------------------------------------ PNG sequences
def clean_partial(folder: Path, regex: re.Pattern) -> None:
    """Remove the temporary files of frames an interrupted ffmpeg left half-written."""
    for p in folder.iterdir():
        if p.name.endswith(".tmp") and regex.match(p.name[: -len(".tmp")]):
            p.unlink(missing_ok=True)


def read_sequence_record(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RenderError(f"{path}: cannot read the sequence record to resume: {err}") from err
    return data if isinstance(data, dict) else None


def present_frames(output: Output) -> set[int]:
    """The frame numbers of a sequence already in its folder."""
    regex = output.frame_regex()
    return {
        int(m.group(1)) for p in output.path.iterdir() if (m := regex.match(p.name)) is not None
    }


# ------------------------------------------------------------------------ ffmpeg
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary that imageio-ffmpeg ships."""
    try:
        import imageio_ffmpeg
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise RenderError(
            "video needs imageio-ffmpeg (pip install imageio-ffmpeg), which ships ffmpeg"
        ) from err
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as err:  # pragma: no cover - a broken installation
        raise RenderError(f"ffmpeg not found: {err}") from err


def _fraction_arg(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"


#: Bytes a pipe into ffmpeg holds (Linux's default is 64 KiB): a 1080p frame then
#: crosses in a few reads instead of fifty, which cut ffmpeg's system time per
#: 1080p H.264 frame (2.9 to 1.7 ms in one loaded run, 1.7 to 1.5 ms in another).
PIPE_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux's fcntl (not in Python's fcntl module before 3.10)


def _widen_pipe(pipe: Any) -> None:
    """Ask Linux for a larger pipe buffer; elsewhere, or when refused, keep the default."""
    if fcntl is None or not sys.platform.startswith("linux") or pipe is None:
        return
    with contextlib.suppress(OSError):  # capped by /proc/sys/fs/pipe-max-size
        fcntl.fcntl(pipe.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)


class Encoder:
    """An ffmpeg process that reads raw RGBA frames on stdin and encodes them.

    Use as a context manager: leaving it normally waits for ffmpeg and raises
    :class:`RenderError` if it failed; leaving it by an exception (Ctrl-C included)
    kills ffmpeg at once. ffmpeg runs in its own session, so a Ctrl-C on the
    terminal reaches only Python, which then stops ffmpeg itself.

    Parameters
    ----------
    fmt : VideoFormat
    target : path
        The file (or the ``%06d`` pattern) ffmpeg writes.
    width, height : int
    fps : Fraction
    timecode : str, optional
        ``HH:MM:SS:FF`` (``;`` before the frames for drop-frame).
    start_number : int
        First frame number of an image sequence.
    metadata : dict, optional
        Container metadata (title, comment).
    """

    def __init__(
        self,
        fmt: VideoFormat,
        target: str | os.PathLike,
        *,
        width: int,
        height: int,
        fps: Fraction,
        timecode: str | None = None,
        start_number: int = 0,
        metadata: dict[str, str] | None = None,
    ) -> None:
        self.fmt = fmt
        # H.264 takes Y'CbCr 4:2:0 made by the caller (BT.709, limited range): the
        # cells are converted once each instead of every frame being converted here
        self.input_pix_fmt = "yuv420p" if fmt.name == "mp4" else "rgba"
        self.target = Path(target)
        self.width = width
        self.height = height
        yuv = self.input_pix_fmt == "yuv420p"
        self.frame_bytes = width * height * 3 // 2 if yuv else width * height * 4
        source = _YUV_IN if yuv else ("-pix_fmt", "rgba")
        args = [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            *source,
            "-s",
            f"{width}x{height}",
            "-framerate",
            _fraction_arg(fps),
            "-i",
            "pipe:0",
            "-an",
            "-vf",
            _TAG_709 if yuv else fmt.filters,
            *fmt.codec,
            "-pix_fmt",
            fmt.pix_fmt,
            *fmt.extra,
        ]
        if timecode is not None and fmt.timecode:
            args += ["-timecode", timecode]
        for key, value in (metadata or {}).items():
            if not fmt.sequence:
                args += ["-metadata", f"{key}={value}"]
        if fmt.sequence:
            args += ["-start_number", str(start_number)]
        args += ["-f", fmt.muxer_for(self.target), str(self.target)]
        self.args = args
        self._proc: subprocess.Popen | None = None
        self._log = None
        self.frames = 0

    def __enter__(self) -> Encoder:
        self._log = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                self.args,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                start_new_session=True,
                **popen_kwargs(),  # killed with us, even by SIGKILL
            )
        except OSError as err:
            self._log.close()
            raise RenderError(f"{self.args[0]}: cannot start ffmpeg: {err.strerror}") from err
        _widen_pipe(self._proc.stdin)
        return self

    def write(self, frame: np.ndarray) -> None:
        """Send one frame: (height, width, 4) RGBA, or yuv420p bytes for H.264."""
        if frame.nbytes != self.frame_bytes or frame.dtype != np.uint8:
            raise ValueError(
                f"frame has shape {frame.shape} {frame.dtype}, expected "
                f"{self.frame_bytes} bytes of {self.input_pix_fmt}"
            )
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(memoryview(np.ascontiguousarray(frame)).cast("B"))
        except (BrokenPipeError, OSError) as err:
            self._proc.wait()
            raise RenderError(f"{self.target}: ffmpeg stopped: {self._tail()}") from err
        self.frames += 1

    def _tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return " | ".join(text[-3:]) or f"exit status {self._proc and self._proc.returncode}"

    def close(self) -> None:
        """Finish the stream and wait for ffmpeg; raise RenderError if it failed.

        Interrupted while it waits (Ctrl-C as ffmpeg writes the last frames), it
        stops ffmpeg too, rather than leave it writing after the clean-up."""
        assert self._proc is not None
        with contextlib.suppress(BrokenPipeError, OSError):
            self._proc.stdin.close()
        try:
            rc = self._proc.wait()
        except BaseException:
            self.abort()
            raise
        if rc != 0:
            raise RenderError(f"{self.target}: ffmpeg failed: {self._tail()}")

    def abort(self) -> None:
        """Stop ffmpeg now (after Ctrl-C or an error) and reap it."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(OSError):
            proc.send_signal(signal.SIGKILL)
        with contextlib.suppress(OSError):
            proc.stdin.close()
        proc.wait()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.close()
            else:
                self.abort()
        finally:
            if self._log is not None:
                self._log.close()


class Feeder:
    """A thread that writes frames into an :class:`Encoder`, so that the next frame
    is composed while ffmpeg reads this one.

    Writing into ffmpeg's pipe releases the GIL, so composing (numpy, which releases
    it too) and writing overlap instead of taking turns. At most *depth* frames wait
    in a bounded queue, plus the one being written: a composer that reuses its frame
    buffers must rotate at least ``depth + 2`` of them (:attr:`buffers`), so that no
    buffer is overwritten before it has been written.

    Use inside the encoder's ``with``: leaving normally hands over the last frame and
    waits for the thread, raising the encoder's :class:`RenderError` if ffmpeg
    stopped; leaving by an exception (Ctrl-C included) kills ffmpeg first, so the
    thread's write returns at once, and the thread is joined before the exception
    goes on.

    Parameters
    ----------
    enc : Encoder
        An entered encoder (its ffmpeg running).
    depth : int or None
        Frames that may wait for the writer (None: :data:`DEPTH`); 0: no thread, the
        composing thread writes each frame itself (one buffer is enough).

    Attributes
    ----------
    buffers : int
        Frame buffers a composer must rotate for this depth.
    """

    #: Frames waiting for the writer by default.
    DEPTH = 2

    #: Seconds the writer waits for a frame before it looks again. A Ctrl-C (or
    #: SIGTERM's Interrupted) is raised in the composing thread wherever it is, and
    #: CPython's ``Condition.notify`` is not safe against that: raised between
    #: waking the writer and forgetting its waiter, it leaves that waiter behind, and
    #: the next notify (the closing ``None``) wakes the stale waiter instead of the
    #: writer. A wait without a timeout then lasted for ever: a Ctrl-C'd video hung in
    #: ``join()`` with its writer in ``get()`` (seen in a test run, stacks by py-spy).
    POLL_S = 0.1

    def __init__(self, enc: Encoder, depth: int | None = None) -> None:
        depth = self.DEPTH if depth is None else int(depth)
        if depth < 0:
            raise ValueError(f"depth must be 0 or more, got {depth}")
        self.enc = enc
        self.buffers = depth + 2 if depth else 1
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._stopping = False  # the composer left by an exception: nothing more comes
        self._thread = (
            threading.Thread(target=self._run, name="batik-feeder", daemon=True) if depth else None
        )

    def _run(self) -> None:
        while True:
            try:
                frame = self._queue.get(timeout=self.POLL_S)
            except queue.Empty:
                if self._stopping:
                    return
                continue
            if frame is None or self._stopping:
                return
            if self._error is not None:
                continue  # ffmpeg stopped: drain, so put() never blocks for ever
            try:
                self.enc.write(frame)
            except BaseException as err:  # handed to the composing thread
                self._error = err

    def __enter__(self) -> Feeder:
        if self._thread is not None:
            self._thread.start()
        return self

    def put(self, frame: np.ndarray) -> None:
        """Hand over one frame (blocks while *depth* frames wait); raise the
        encoder's error if ffmpeg has stopped."""
        if self._thread is None:
            self.enc.write(frame)
            return
        if self._error is not None:
            raise self._error
        self._queue.put(frame)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._thread is None:
            return
        if exc_type is not None:
            # the writer's write fails at once and it leaves at its next look, with
            # no handing over (the queue's own state may be what the exception broke)
            self._stopping = True
            self.enc.abort()
            self._thread.join()
            return
        self._queue.put(None)  # the writer drains whatever waits, so this returns
        self._thread.join()
        if self._error is not None:
            raise self._error


def join_segments(
    parts: Sequence[str | os.PathLike],
    target: str | os.PathLike,
    *,
    fmt: VideoFormat,
    timecode: str | None = None,
    metadata: dict[str, str] | None = None,
) -> None:
    """Join segments of an intra-only video into *target* without re-encoding.

    ffmpeg's concat demuxer reads the segments one after the other and the packets
    are copied: frame *n* of segment *i + 1* follows the last frame of segment *i*
    with the same duration, so the joined file has every frame once and one
    continuous timecode (written here, from *timecode*, for the whole file).

    Parameters
    ----------
    parts : sequence of path
        The segments, in order, all encoded with *fmt* at the same size and rate.
    target : path
        The joined file (overwritten).
    fmt : VideoFormat
        Must be intra-only (``fmt.intra``).
    timecode : str, optional
        The start timecode of the joined file.
    metadata : dict, optional
        Container metadata (title, comment).

    Raises
    ------
    RenderError
        ffmpeg failed to join them.
    """
    if not fmt.intra:
        raise RenderError(f"internal: {fmt.name} is not intra-only; its segments cannot be copied")
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix=".segments_", dir=target.parent) as folder:
        listing = Path(folder) / "segments.txt"
        lines = []
        for part in parts:
            text = str(Path(part).resolve()).replace("'", "'\\''")
            lines.append(f"file '{text}'\n")
        listing.write_text("".join(lines), encoding="utf-8")
        args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        args += ["-f", "concat", "-safe", "0", "-i", str(listing)]
        args += ["-map", "0:v:0", "-c", "copy", "-map_metadata", "-1"]
        if timecode is not None and fmt.timecode:
            args += ["-timecode", timecode]
        for key, value in (metadata or {}).items():
            args += ["-metadata", f"{key}={value}"]
        args += ["-f", fmt.muxer_for(target), str(target)]
        try:
            done = subprocess.run(
                args,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
                start_new_session=True,
                **popen_kwargs(),
            )
        except OSError as err:
            raise RenderError(f"{args[0]}: cannot start ffmpeg: {err.strerror}") from err
    if done.returncode != 0:
        tail = " | ".join(done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:])
        raise RenderError(f"{target}: ffmpeg could not join the segments: {tail}")


# ------------------------------------------------------------------------ probing
@dataclass(frozen=True)
class Probe:
    """What ffmpeg says about a video file (what ffprobe would, for our checks).

    Attributes
    ----------
    codec : str
        e.g. ``"h264"``, ``"prores"``, ``"qtrle"``, ``"vp9"``.
    profile : str
        e.g. ``"High"``, ``"4444"`` ("" when not shown).
    tag : str
        The container's codec tag, e.g. ``"ap4h"`` for ProRes 4444 in a MOV, ``"avc1"``
        ("" when not shown, as in MXF).
    pix_fmt : str
        The decoder's pixel format (ffmpeg 9 decodes ProRes 4444 as
        ``yuva444p12le`` whatever the encoder received).
    color : str
        The colour description in parentheses, e.g. ``"tv, bt709, progressive"``.
    width, height : int
    frames : int
        Number of video packets (one per frame for these intra/inter codecs).
    rate : Fraction or None
        Exact frame rate from the packet durations and time base (None when the
        time base cannot express it, as WebM's milliseconds for 30000/1001).
    fps_text : str
        The rate as ffmpeg prints it (``"29.97"``).
    metadata : dict
        Stream and container metadata (``alpha_mode``, ``timecode``, ...).
    time_base : Fraction
    durations : tuple of int
        Each packet's duration in *time_base* units, in presentation order.
    """

    codec: str
    profile: str
    tag: str
    pix_fmt: str
    color: str
    width: int
    height: int
    frames: int
    rate: Fraction | None
    fps_text: str
    metadata: dict[str, str]
    time_base: Fraction
    durations: tuple[int, ...]


_STREAM = re.compile(
    r"Stream #0:(?P<idx>\d+)[^:]*: Video: (?P<codec>\w+)(?: \((?P<profile>[^)]*)\))?"
    r".*?, (?P<pix>[a-z0-9]+)(?:\((?P<color>[^)]*)\))?, (?P<w>\d+)x(?P<h>\d+)"
)
_FPS = re.compile(r", ([\d.]+k?) fps")
_TAG = re.compile(r"\(([0-9A-Za-z ]{4}) / 0x[0-9a-fA-F]+\)")
_PACKETS = ("-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-")
_META = re.compile(r"^\s+(\w+)\s*:\s?(.*)$")


def probe(path: str | os.PathLike) -> Probe:
    """Describe the first video stream of *path* (codec, pixel format, rate, frames)."""
    ff = ffmpeg_exe()
    path = Path(path)
    info = subprocess.run(
        [ff, "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    m = _STREAM.search(info)
    if m is None:
        raise RenderError(f"{path}: no video stream found: {info.strip().splitlines()[-1:]}")
    line = info[m.start() : info.find("\n", m.start())]
    fps = _FPS.search(line)
    tag = _TAG.search(line)
    metadata: dict[str, str] = {}
    for raw in info.splitlines():
        mm = _META.match(raw)
        if mm and mm.group(1) not in metadata:
            metadata[mm.group(1)] = mm.group(2).strip()
    crc = subprocess.run(
        [ff, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), *_PACKETS],
        capture_output=True,
        text=True,
        check=False,
    )
    if crc.returncode != 0:
        raise RenderError(f"{path}: ffmpeg cannot read the packets: {crc.stderr.strip()}")
    tb = Fraction(1, 1)
    packets: list[tuple[int, int]] = []
    for raw in crc.stdout.splitlines():
        if raw.startswith("#tb 0:"):
            tb = Fraction(raw.split(":", 1)[1].strip())
        elif raw and not raw.startswith("#"):
            cols = [c.strip() for c in raw.split(",")]
            packets.append((int(cols[2]), int(cols[3])))  # pts, duration
    packets.sort()
    durations = tuple(d for _, d in packets)
    rate = None
    if durations and len(set(durations)) == 1 and durations[0] > 0:
        rate = 1 / (durations[0] * tb)
    return Probe(
        codec=m.group("codec"),
        profile=m.group("profile") or "",
        tag=tag.group(1) if tag else "",
        pix_fmt=m.group("pix"),
        color=m.group("color") or "",
        width=int(m.group("w")),
        height=int(m.group("h")),
        frames=len(packets),
        rate=rate,
        fps_text=fps.group(1) if fps else "",
        metadata=metadata,
        time_base=tb,
        durations=durations,
    )


def read_frame(path: str | os.PathLike, index: int, *, decoder: str | None = None) -> np.ndarray:
    """Decode frame *index* of *path* as an (height, width, 4) RGBA uint8 array.

    *decoder* picks the decoder (``"libvpx-vp9"`` keeps a WebM's alpha, which
    ffmpeg's native VP9 decoder drops).
    """
    info = probe(path)
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if decoder:
        args += ["-c:v", decoder]
    args += ["-i", str(path), "-vf", rf"select=eq(n\,{int(index)})", "-frames:v", "1"]
    args += ["-f", "rawvideo", "-pix_fmt", "rgba", "-"]
    out = subprocess.run(args, capture_output=True, check=False)
    n = info.width * info.height * 4
    if out.returncode != 0 or len(out.stdout) < n:
        raise RenderError(f"{path}: cannot decode frame {index}: {out.stderr.decode()[-300:]}")
    return np.frombuffer(out.stdout[:n], np.uint8).reshape(info.height, info.width, 4)
