"""render.encode and render.frames: rates, timecodes, output names, frame composition."""

from __future__ import annotations

import subprocess
from fractions import Fraction

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
