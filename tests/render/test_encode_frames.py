"""render.encode and render.frames: rates, timecodes, output names, frame composition."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from batik_waves.errors import BatikWavesError, ParameterError
from batik_waves.jobs.options import check_frame_size
from batik_waves.render import encode as E
from batik_waves.render import frames as F
from batik_waves.render.encode import ffmpeg_exe


# ------------------------------------------------------------------ option parsing
@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("24", Fraction(24)),
        ("25", Fraction(25)),
        ("30", Fraction(30)),
        ("60", Fraction(60)),
        ("23.976", Fraction(24000, 1001)),
        ("29.97", Fraction(30000, 1001)),
        ("59.94", Fraction(60000, 1001)),
        ("30000/1001", Fraction(30000, 1001)),
        (12, Fraction(12)),
    ],
)
def test_fps_is_an_exact_ratio(text, rate):
    assert E.parse_fps(text) == rate


@pytest.mark.parametrize("bad", ["29.9", "0", "-30", "abc", "30/0", "", "1000", 29.9, True])
def test_bad_fps_is_rejected(bad):
    with pytest.raises(ParameterError, match="'fps' parameter"):
        E.parse_fps(bad)


@pytest.mark.parametrize("bad", ["1920", "1920x", "x1080", "10x10", "1920*1080", (1920,), (0, 5)])
def test_bad_size_is_rejected(bad):
    with pytest.raises(ParameterError, match="'size' parameter"):
        check_frame_size(bad)


@pytest.mark.parametrize(
    ("tc", "fps", "match"),
    [
        ("1:00:00:00", Fraction(25), "HH:MM:SS:FF"),
        ("24:00:00:00", Fraction(25), "hours"),
        ("00:60:00:00", Fraction(25), "minutes"),
        ("00:00:00:25", Fraction(25), "frame 25"),
        ("00:00:00;00", Fraction(25), "drop-frame"),
        ("00:01:00;00", Fraction(30000, 1001), "skips"),
    ],
)
def test_bad_timecode_is_rejected(tc, fps, match):
    with pytest.raises(ParameterError, match=match):
        E.parse_timecode(tc, fps)


def test_timecode_accepts_drop_frame_where_it_exists():
    assert E.parse_timecode("00:10:00;00", Fraction(30000, 1001)) == "00:10:00;00"
    assert E.parse_timecode("01:00:00:29", Fraction(30)) == "01:00:00:29"


# ------------------------------------------------------------------------ timing
@pytest.mark.parametrize("fps", ["23.976", "24", "25", "29.97", "30", "59.94", "60"])
@pytest.mark.parametrize("duration", [1.0, 2.5, 60.0, 150.0, 7.3])
def test_frame_count_is_duration_times_fps_rounded(fps, duration):
    rate = E.parse_fps(fps)
    n = E.frame_count(duration, rate)
    exact = Fraction(duration) * rate
    assert abs(n - exact) <= Fraction(1, 2)
    # the clip lasts the window's duration to within half a frame
    assert abs(Fraction(n) / rate - Fraction(duration)) <= Fraction(1, 2) / rate


def test_frame_times_are_start_plus_n_over_fps():
    rate = Fraction(30000, 1001)
    t = E.frame_times(12.5, 1800, rate)
    n = np.arange(1800)
    ref = np.array([float(Fraction(12.5) + Fraction(int(k)) / rate) for k in n])
    assert np.max(np.abs(t - ref)) < 1e-12
    assert E.frame_times(12.5, 5, rate, first=100)[0] == pytest.approx(ref[100], abs=1e-12)


# --------------------------------------------------------------- output resolution
@pytest.mark.parametrize(
    ("out", "fmt", "expected"),
    [
        ("a/clip.mp4", None, "mp4"),
        ("a/clip.mov", None, "prores"),
        ("a/clip.mov", "qtrle", "qtrle"),
        ("a/clip.webm", None, "webm"),
        ("a/frames", None, "png"),
        ("a/frames/", None, "png"),
        ("a/shot_%06d.png", None, "png"),
        ("a/clip.mxf", None, "dnxhr"),
        ("a/clip.MXF", "dnxhr-444", "dnxhr-444"),
        ("a/clip.mov", "dnxhr", "dnxhr"),
    ],
)
def test_format_from_the_name(tmp_path, out, fmt, expected):
    assert E.resolve_output(tmp_path / out, fmt).fmt.name == expected


def test_dnxhr_goes_into_mxf_or_mov():
    dnx = E.FORMATS["dnxhr"]
    assert (dnx.muxer_for("a/clip.mxf"), dnx.muxer_for("a/clip.MOV")) == ("mxf", "mov")
    assert E.FORMATS["prores"].muxer_for("a/clip.mov") == "mov"
    assert ("-profile:v", "dnxhr_hq") == dnx.codec[2:4] and dnx.pix_fmt == "yuv422p"
    assert E.FORMATS["dnxhr-444"].codec[3] == "dnxhr_444"
    assert E.FORMATS["dnxhr-444"].pix_fmt == "yuv444p10le"
    assert not dnx.alpha and dnx.intra and dnx.timecode


def test_alpha_formats_names_every_format_with_alpha():
    text = E.alpha_formats()
    for f in E.FORMATS.values():
        assert (f"{f.name} (" in text) == f.alpha, f.name
    assert E.FORMATS["prores"].intra and not E.FORMATS["mp4"].intra


def test_only_intra_only_formats_join(tmp_path):
    with pytest.raises(BatikWavesError, match="not intra-only"):
        E.join_segments([tmp_path / "a.mp4"], tmp_path / "b.mp4", fmt=E.FORMATS["mp4"])


def test_a_join_of_unreadable_segments_is_a_render_error(tmp_path):
    (tmp_path / "a.mov").write_bytes(b"not a movie")
    with pytest.raises(BatikWavesError, match="could not join"):
        E.join_segments([tmp_path / "a.mov"], tmp_path / "b.mov", fmt=E.FORMATS["prores"])
    assert [p.name for p in tmp_path.iterdir()] == ["a.mov"] or not (
        tmp_path / "b.mov"
    ).stat().st_size


def test_sequence_names(tmp_path):
    o = E.resolve_output(tmp_path / "shot_%04d.png", None)
    assert (o.path, o.frame(7).name, o.csv.name, o.json.name) == (
        tmp_path,
        "shot_0007.png",
        "shot.csv",
        "shot.json",
    )
    o = E.resolve_output(tmp_path / "take2", None)
    assert o.frame(0) == tmp_path / "take2" / "take2_000000.png"
    assert o.csv == tmp_path / "take2" / "take2.csv"
    assert E.resolve_output(tmp_path / "clip.mov", None).csv == tmp_path / "clip.csv"


@pytest.mark.parametrize(
    ("out", "fmt", "match"),
    [
        ("clip.avi", None, "unknown video format '.avi'"),
        ("clip.mp4", "gif", "'format' parameter"),
        ("clip.mp4", "prores", "does not suit --format prores"),
        ("clip.png", None, "needs a folder or a numbered pattern"),
        ("shot_%d.png", None, "fixed-width"),
        ("shot_%02d.png", None, "3 to 9 digits"),
        ("shot_%06d.jpg", None, "fixed-width"),
        ("frames", "mp4", "writes one file"),
        ("clip.mxf", "prores", "does not suit --format prores"),
        ("clip.mp4", "dnxhr", "use .mxf or .mov"),
    ],
)
def test_bad_output_names(tmp_path, out, fmt, match):
    with pytest.raises(BatikWavesError, match=match):
        E.resolve_output(tmp_path / out, fmt)


# ------------------------------------------------------------- frame composition
def test_fill_equals_tiling_reference():
    rng = np.random.default_rng(0)
    cell = rng.integers(0, 256, (37, 53, 4), dtype=np.uint8)
    out = np.empty((90, 160, 4), np.uint8)
    F.fill(cell, out)
    ref = np.tile(cell, (3, 4, 1))[:90, :160]
    assert np.array_equal(out, ref)


def test_shift_rows_matches_index_reference():
    rng = np.random.default_rng(1)
    cell = rng.integers(0, 256, (20, 8, 4), dtype=np.uint8)
    cell[..., 3] = 255
    y = (np.arange(20) + 7) % 20
    assert np.array_equal(F.shift_rows(cell, 7.0, True), cell[y])
    assert np.array_equal(F.shift_rows(cell, -13.0, True), cell[y])
    half = F.shift_rows(cell, 7.5, True).astype(int)
    ref = (cell[y].astype(int) + cell[(y + 1) % 20].astype(int)) / 2
    assert np.max(np.abs(half - ref)) <= 1


def test_mix_of_transparent_cells_weights_colour_by_coverage():
    a = np.array([[[200, 0, 0, 255], [0, 0, 0, 0], [10, 20, 30, 255]]], np.uint8)
    b = np.array([[[0, 0, 200, 0], [0, 100, 0, 128], [10, 20, 30, 255]]], np.uint8)
    out = F.mix(a, b, 0.5, opaque=False)
    # transparent pixels lend no colour; coverage mixes linearly
    assert out.tolist() == [[[200, 0, 0, 128], [0, 100, 0, 64], [10, 20, 30, 255]]]
    assert F.mix(a, b, 0.0, opaque=False) is a
    rng = np.random.default_rng(2)
    c, d = (rng.integers(0, 256, (9, 9, 4), dtype=np.uint8) for _ in range(2))
    ref = c.astype(float) * 0.75 + d.astype(float) * 0.25
    assert np.max(np.abs(F.mix(c, d, 0.25, opaque=True) - ref)) <= 1


def test_cell_stream_draws_each_distinct_cell_once_in_task_order():
    key_ids = [0, 0, 1, 1, 2, 0, 3, 3, 1]
    tasks = F.task_order(key_ids, 0, len(key_ids) - 1, size=8)
    assert tasks == [0, 1, 2, 3]
    drawn = iter([np.full((1, 1, 4), u, np.uint8) for u in tasks])
    stream = F.CellStream(key_ids, 0, drawn)
    assert [int(stream.get(k)[0, 0, 0]) for k in range(len(key_ids))] == key_ids
    # a small cache re-draws what it evicted, and the stream agrees with the order
    tasks = F.task_order(key_ids, 2, len(key_ids) - 1, size=2)
    assert tasks == [1, 2, 0, 3, 1]


def test_rgba_to_yuv_matches_ffmpeg_bt709():
    colours = np.array(
        [[255, 0, 0], [0, 255, 0], [0, 0, 255], [241, 233, 216], [27, 42, 74], [128, 128, 128]]
    )
    cell = np.zeros((12, 2, 4), np.uint8)
    cell[..., 3] = 255
    cell[..., :3] = np.repeat(colours, 2, axis=0)[:, None, :]
    y, cb, cr = F.rgba_to_yuv420(cell)
    raw = subprocess.run(
        [
            *(ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", "2x12"),
            *("-i", "-", "-vf", "scale=out_color_matrix=bt709:out_range=tv:flags=neighbor"),
            *("-pix_fmt", "yuv444p", "-f", "rawvideo", "-"),
        ],
        input=cell.tobytes(),
        capture_output=True,
        check=True,
    ).stdout
    ref = np.frombuffer(raw, np.uint8).reshape(3, 12, 2).astype(int)
    assert np.abs(y.astype(int) - ref[0]).max() <= 1
    assert np.abs(cb.astype(int) - ref[1][::2, ::2]).max() <= 1
    assert np.abs(cr.astype(int) - ref[2][::2, ::2]).max() <= 1


def test_rgba_to_yuv_tables_match_the_floating_point_reference():
    rng = np.random.default_rng(3)
    cell = rng.integers(0, 256, (64, 96, 4), dtype=np.uint8)
    cell[..., 3] = 255
    cell[:2, :2, :3] = 0  # black and white reach the ends of the range: 16 and 235
    cell[2:4, :2, :3] = 255
    fast, ref = F.rgba_to_yuv420(cell), F.rgba_to_yuv420_reference(cell)
    for name, a, b in zip("Y Cb Cr".split(), fast, ref, strict=True):
        assert a.shape == b.shape and a.dtype == np.uint8, name
        diff = np.abs(a.astype(int) - b)
        assert diff.max() <= 1, name
        assert (diff > 0).mean() < 0.01, name  # fixed point rounds a few ties the other way
    assert fast[0][0, 0] == 16 and fast[0][2, 0] == 235
    assert fast[1][0, 0] == fast[2][0, 0] == 128 == fast[1][1, 0] == fast[2][1, 0]


# ------------------------------------------------------------------ the blend
@pytest.mark.parametrize("shape", [(37, 53, 4), (40, 30), (9, 9, 4)])
def test_blend_gives_mix_pixel_for_pixel(shape):
    rng = np.random.default_rng(4)
    a, b = (rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(2))
    a.flat[:4] = 0
    b.flat[:4] = 255  # the largest steps up and down: b - a wraps around in uint16
    a.flat[4:8] = 255
    b.flat[4:8] = 0
    blend = F.Blend()
    for w in (1e-4, 1 / 15, 0.25, 0.5, 7 / 15, 0.999, 1 - 1e-4):
        out = np.zeros_like(a)
        blend.into(a, b, w, out)
        assert np.array_equal(out, F.mix(a, b, w, opaque=True)), w
    # a corner of the pair (a frame smaller than the cell), written into a strided view
    rows, cols = min(shape[0], 20), min(shape[1], 25)
    frame = np.zeros((20, 100, *shape[2:]), np.uint8)
    blend.into(a, b, 0.3, frame[:rows, :cols])
    assert np.array_equal(frame[:rows, :cols], F.mix(a, b, 0.3, opaque=True)[:rows, :cols])
    assert not frame[:, cols:].any() and not frame[rows:].any()


def test_repeat_corner_equals_fill():
    rng = np.random.default_rng(5)
    cell = rng.integers(0, 256, (37, 53, 4), dtype=np.uint8)
    ref = F.fill(cell, np.empty((90, 160, 4), np.uint8))
    out = np.zeros((90, 160, 4), np.uint8)
    out[:37, :53] = cell
    assert np.array_equal(F.repeat_corner(out, 37, 53), ref)


def _plain_frames(cells, key_ids, n, motion, size, yuv):
    """Frames the plain way: mix the two cells, shift them, tile them (no Blend)."""
    w, h = size
    for i in range(n):
        k, t = motion.keys(i)
        a, b = cells[key_ids[k]], cells[key_ids[k + 1]]
        dy = motion.offset(i)
        if yuv:
            planes = []
            for j, (pa, pb) in enumerate(zip(a, b, strict=True)):
                ph, pw = (h, w) if j == 0 else (h // 2, w // 2)
                cell = F.shift_rows(F.mix(pa, pb, t, True), dy if j == 0 else dy / 2, True)
                planes.append(F.fill(cell, np.empty((ph, pw), np.uint8)).ravel())
            yield np.concatenate(planes)
        else:
            cell = F.shift_rows(F.mix(a, b, t, True), dy, True)
            yield F.fill(cell, np.empty((h, w, 4), np.uint8))


@pytest.mark.parametrize("yuv", [False, True])
@pytest.mark.parametrize("drift", [0.0, 37.0])
def test_composed_frames_equal_the_plain_composition(yuv, drift):
    """The composers (the blend fast path, rotating buffers) give, frame for frame,
    mix → shift → fill; each frame stays intact until *buffers* more are made."""
    rng = np.random.default_rng(6)
    rgba = []
    for _ in range(3):
        c = rng.integers(0, 256, (24, 36, 4), dtype=np.uint8)
        c[..., 3] = 255
        rgba.append(c)
    cells = [F.rgba_to_yuv420(c) for c in rgba] if yuv else rgba
    key_ids = [0, 1, 1, 2, 0]  # keyframes 1 and 2 show the same cell: no blend
    motion = F.Motion(Fraction(30), 4, drift)
    n, size = 16, (100, 50)
    ref = [f.copy() for f in _plain_frames(cells, key_ids, n, motion, size, yuv)]
    for buffers in (1, 4):
        stream = F.CellStream(key_ids, 0, iter([cells[u] for u in F.task_order(key_ids, 0, 4, 8)]))
        kw = {"motion": motion, "stream": stream, "width": size[0], "height": size[1]}
        made = (
            F.compose_yuv_frames(0, n, buffers=buffers, **kw)
            if yuv
            else F.compose_frames(0, n, opaque=True, buffers=buffers, **kw)
        )
        held: list[np.ndarray] = []
        for i, frame in enumerate(made):
            assert np.array_equal(frame, ref[i]), (buffers, i)
            held.append(frame)
            # the frames still held (fewer than *buffers* ago) are untouched
            for j in range(max(0, i - buffers + 1), i + 1):
                assert np.array_equal(held[j], ref[j]), (buffers, i, j)


# ------------------------------------------------------------------ the feeder
class _SlowEncoder:
    """An encoder stand-in: records what it is given, slowly; fails when told to."""

    def __init__(self, fail_at: int | None = None):
        self.seen: list[bytes] = []
        self.fail_at = fail_at
        self.aborted = False

    def write(self, frame):
        time.sleep(0.002)
        if self.fail_at is not None and len(self.seen) == self.fail_at:
            raise E.RenderError("clip.mp4: ffmpeg stopped: a test")
        self.seen.append(frame.tobytes())

    def abort(self):
        self.aborted = True


def test_feeder_writes_every_frame_in_order_from_rotating_buffers():
    enc = _SlowEncoder()
    feeder = E.Feeder(enc)  # type: ignore[arg-type]
    ring = [np.empty(64, np.uint8) for _ in range(feeder.buffers)]
    with feeder:
        for i in range(50):
            buf = ring[i % len(ring)]
            buf[:] = i  # what a composer does to a buffer it reuses
            feeder.put(buf)
    assert [s[0] for s in enc.seen] == list(range(50))
    assert all(len(set(s)) == 1 for s in enc.seen)  # no frame overwritten while waiting
    assert not feeder._thread.is_alive() and not enc.aborted


def test_feeder_hands_the_encoders_error_to_the_composer():
    enc = _SlowEncoder(fail_at=3)
    with pytest.raises(E.RenderError, match="ffmpeg stopped"):
        with E.Feeder(enc) as feeder:  # type: ignore[arg-type]
            for _ in range(100):
                feeder.put(np.zeros(8, np.uint8))
    assert len(enc.seen) == 3 and not feeder._thread.is_alive()


def test_feeder_stops_the_encoder_when_the_composer_fails():
    enc = _SlowEncoder()
    with pytest.raises(KeyboardInterrupt):
        with E.Feeder(enc) as feeder:  # type: ignore[arg-type]
            for i in range(10):
                feeder.put(np.zeros(8, np.uint8))
                if i == 4:
                    raise KeyboardInterrupt
    assert enc.aborted and not feeder._thread.is_alive()


@pytest.mark.parametrize("interrupted", [False, True], ids=["done", "ctrl-c"])
def test_feeder_ends_although_a_ctrl_c_broke_the_queues_wake_up(interrupted):
    # a Ctrl-C raised in Condition.notify between waking the writer and forgetting
    # its waiter leaves that waiter first in line (CPython 3.11): the next notify
    # wakes it, not the writer. Here that state is made by hand: a stale waiter, held
    # as the woken writer holds its own. Without a timed wait the writer slept in
    # get() for ever and __exit__ joined it for ever (a Ctrl-C'd video hung so).
    enc = _SlowEncoder()
    feeder = E.Feeder(enc)  # type: ignore[arg-type]
    feeder.__enter__()
    feeder.put(np.zeros(8, np.uint8))
    deadline = time.monotonic() + 10
    while feeder._queue.qsize() and time.monotonic() < deadline:
        time.sleep(0.01)  # the writer took it and waits for the next
    stale = threading.Lock()
    stale.acquire()
    feeder._queue.not_empty._waiters.appendleft(stale)
    closing = threading.Thread(
        target=feeder.__exit__,
        args=(KeyboardInterrupt, KeyboardInterrupt(), None) if interrupted else (None,) * 3,
        daemon=True,
    )
    closing.start()
    closing.join(10)
    assert not closing.is_alive(), "the feeder never ended"
    assert not feeder._thread.is_alive()
    assert enc.aborted == interrupted and len(enc.seen) == 1


def test_ctrl_c_while_ffmpeg_finishes_stops_ffmpeg(tmp_path):
    # the last frames are sent and Python waits for ffmpeg to write them: a Ctrl-C
    # there must stop ffmpeg too, not leave it writing frames after the clean-up
    fmt = E.FORMATS["png"]
    enc = E.Encoder(fmt, tmp_path / "f_%06d.png", width=64, height=32, fps=Fraction(30))
    with pytest.raises(KeyboardInterrupt):
        with enc:
            enc.write(np.zeros((32, 64, 4), np.uint8))
            proc = enc._proc
            proc.send_signal(signal.SIGSTOP)  # ffmpeg still busy when the Ctrl-C comes
            wait = proc.wait
            calls = []

            def interrupted_wait(timeout=None):
                calls.append(timeout)
                if len(calls) == 1:
                    raise KeyboardInterrupt
                return wait(timeout)

            proc.wait = interrupted_wait
    assert calls and proc.returncode == -signal.SIGKILL  # killed and reaped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux pipes")
def test_the_pipe_into_ffmpeg_is_widened(tmp_path):
    import fcntl

    fmt = E.FORMATS["mp4"]
    with E.Encoder(fmt, tmp_path / "a.mp4", width=64, height=32, fps=Fraction(30)) as enc:
        size = fcntl.fcntl(enc._proc.stdin.fileno(), 1032)  # F_GETPIPE_SZ
        enc.write(np.zeros(64 * 32 * 3 // 2, np.uint8))
    max_size = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    assert size == min(E.PIPE_BYTES, max_size) > 65536
    assert E.probe(tmp_path / "a.mp4").frames == 1
