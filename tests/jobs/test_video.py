"""render_video and ``batik-waves video``: formats, timing, sidecars, bad input, Ctrl-C.

Clips are short and small (160×90, a second or two) and are checked with ffmpeg's own
probe output (imageio-ffmpeg ships no ffprobe): codec, pixel format, alpha, the frame
rate as an exact ratio, the frame count.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from utils import default_sigint

from batik_waves import cli
from batik_waves.errors import RecordingError, RenderError
from batik_waves.jobs import video as V
from batik_waves.render.encode import FORMATS, PRORES_AW, PRORES_KS, ffmpeg_exe, probe, read_frame

ROOT = Path(__file__).resolve().parents[2]
SMALL = (160, 90)


@pytest.fixture(scope="module")
def sample():
    from batik_waves.eeg.simulate import sample_path

    return sample_path()


@pytest.fixture(autouse=True)
def _envelopes_once(monkeypatch):
    """Read the sample's envelopes once for the whole file (the reading is tested
    elsewhere); render_video still calls envelopes_from_file for every clip."""
    import batik_waves.jobs._common as common

    real = common.envelopes_from_file
    cache = _envelopes_once.cache  # type: ignore[attr-defined]

    def cached(path, **kw):
        key = (str(path), tuple(sorted(kw.items())))
        if key not in cache:
            cache[key] = real(path, **kw)
        return cache[key]

    monkeypatch.setattr(common, "envelopes_from_file", cached)


_envelopes_once.cache = {}  # type: ignore[attr-defined]


def _render(sample, out, **kw):
    kw.setdefault("size", SMALL)
    kw.setdefault("fps", "12")
    kw.setdefault("window", "28:30")
    kw.setdefault("workers", 1)
    return V.render_video(sample, out, **kw)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------------ timing
def test_key_step_follows_smoothing():
    assert V.key_step(Fraction(30), 0.0) == 1
    assert V.key_step(Fraction(30), 0.25) < V.key_step(Fraction(30), 0.5) < 15
    assert V.key_step(Fraction(30), 1.0) == V.key_step(Fraction(30), 3.0) == 15
    assert V.key_step(Fraction(60000, 1001), 100.0) == 29  # at most half a second apart


# ----------------------------------------------------------------- every format
def test_mp4_h264_preview(sample, tmp_path):
    out = _render(sample, tmp_path / "clip.mp4", fps="29.97", window="28:29")
    info = probe(out)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 160, 90)
    assert "bt709" in info.color and "tv" in info.color
    assert info.rate == Fraction(30000, 1001)
    assert info.frames == V.frame_count(1.0, Fraction(30000, 1001)) == 30
    # +faststart: the index (moov) precedes the media data
    head = out.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)
    rows = _rows(tmp_path / "clip.csv")
    assert len(rows) == 30 and [int(r["frame"]) for r in rows] == list(range(30))
    for r in rows:
        t = Fraction(28) + Fraction(int(r["frame"])) * Fraction(1001, 30000)
        assert float(r["time_s"]) == pytest.approx(float(t), abs=1e-6)
    cols = rows[0].keys()
    for col in ("alpha_rel", "alpha_uV", "occipital_alpha_rel", "frontal_theta_uV"):
        assert col in cols
    assert "kawung.flowers" in cols and "kawung.petal_width" in cols
    # Rec.709: a mid-grey frame area decodes to the colours it was given
    rgba = read_frame(out, 0)
    assert rgba.shape == (90, 160, 4) and rgba[..., 3].min() == 255


def test_h264_frames_match_the_rgba_frames(sample, tmp_path):
    """The H.264 path blends Y'CbCr planes of the cells; decoded, a frame must show the
    colours of the RGBA frame (a wrong matrix or range shifts them by many levels)."""
    kw = dict(size=(320, 180), window="29:30", drift=7.0)
    mp4 = _render(sample, tmp_path / "c.mp4", **kw)
    seq = _render(sample, tmp_path / "s", **kw)
    for i in (0, 5, 11):  # a keyframe, a blend, the last frame
        a = read_frame(mp4, i)[..., :3].astype(int)
        b = np.asarray(Image.open(seq / f"s_{i:06d}.png"))[..., :3].astype(int)
        # pixel by pixel they differ by 7 to 9 levels on average: 4:2:0 chroma and
        # compression on fine crackle at 320x180, and frame 11 cross-fades a dark
        # cloth into a light one (the eyes close at 29 s), which the H.264 path blends
        # in Y'CbCr. Averaged over 4x4 blocks that noise goes (2.6 to 4.7 levels);
        # a wrong matrix or range would shift whole colours, blocks and means alike.
        assert np.abs(_blocks(a) - _blocks(b)).mean() < 6, i
        assert np.all(np.abs((a - b).mean(axis=(0, 1))) < 2.5), i


def _blocks(x: np.ndarray, k: int = 4) -> np.ndarray:
    h, w = x.shape[0] // k * k, x.shape[1] // k * k
    return x[:h, :w].reshape(h // k, k, w // k, k, -1).mean(axis=(1, 3))


def test_prores_4444_with_alpha_and_timecode(sample, tmp_path):
    out = _render(
        sample,
        tmp_path / "clip.mov",
        fps="23.976",
        window="28:30",
        transparent=True,
        timecode="01:00:00:00",
    )
    info = probe(out)
    assert (info.codec, info.profile, info.tag) == ("prores", "4444", "ap4h")
    assert (
        FORMATS["prores"].codec[:2] == ("-c:v", "prores_ks") and "-q:v" in FORMATS["prores"].codec
    )
    # the encoder is fed yuva444p10le; ffmpeg 9's decoder reports every ProRes 4444
    # file as 12-bit, whatever the encoder received
    assert FORMATS["prores"].pix_fmt == "yuva444p10le"
    assert info.pix_fmt == "yuva444p12le"
    assert info.color.startswith("tv, bt709")  # one name: primaries, transfer, matrix
    assert info.rate == Fraction(24000, 1001)
    assert info.frames == V.frame_count(2.0, Fraction(24000, 1001)) == 48
    assert info.metadata.get("timecode") == "01:00:00:00"
    alpha = read_frame(out, 0)[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255


def _decoded(path: Path, n: int) -> np.ndarray:
    """Every frame of *path* decoded as RGBA, shape (n, h, w, 4)."""
    info = probe(path)
    out = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgba", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, np.uint8).reshape(n, info.height, info.width, 4)


@pytest.mark.parametrize("codec", [None, PRORES_AW])
def test_faster_prores_frames_match_prores_ks(sample, tmp_path, monkeypatch, codec):
    """The faster encoders' frames (the format's fixed quantiser, and prores_aw),
    decoded, are the frames prores_ks made with its quantiser search: the mean
    absolute difference per channel, alpha included, stays under a level in 255."""
    kw = dict(size=(320, 180), window="29:30", transparent=True, drift=7.0, segments=1)
    if codec is not None:
        monkeypatch.setitem(FORMATS, "prores", replace(FORMATS["prores"], codec=codec))
    fast = _render(sample, tmp_path / "fast.mov", **kw)
    monkeypatch.setitem(FORMATS, "prores", replace(FORMATS["prores"], codec=PRORES_KS))
    slow = _render(sample, tmp_path / "ks.mov", **kw)
    assert (probe(slow).profile, probe(slow).tag) == (probe(fast).profile, probe(fast).tag)
    a, b = (_decoded(p, 12).astype(np.float32) for p in (fast, slow))
    # what an editor composites: colour weighted by coverage (the colour of a fully
    # transparent pixel is never seen), and the alpha itself
    pa, pb = (x[..., :3] * x[..., 3:] / 255 for x in (a, b))
    mad = np.abs(pa - pb).mean(axis=(0, 1, 2))
    assert np.all(mad < 1.0), mad  # measured -q:v 4: 0.51, 0.22, 0.40; prores_aw: 0.66, 0.29, 0.51
    assert np.abs(a[..., 3] - b[..., 3]).mean() < 0.1  # alpha: 16 bits in both
    assert (a[..., 3] == 0).mean() > 0.01 and (a[..., 3] == 255).mean() > 0.01
    # and the frames differ from each other far more than the two encoders do
    assert np.abs(a[0] - a[11]).mean() > 10 * mad.mean()


def _crcs(path: Path) -> list[str]:
    """Each video packet's CRC, in order (the framecrc muxer, streams copied)."""
    args = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy"]
    out = subprocess.run(
        [*args, "-f", "framecrc", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # stream, dts, pts, duration, size, crc[, flags where the packet is not a keyframe]
    return [line.split(",")[5].strip() for line in out.splitlines() if line[:1] != "#"]


@pytest.mark.parametrize(
    ("name", "fmt", "segments", "workers"),
    [("clip.mov", "prores", 3, 1), ("clip.mxf", "dnxhr", 2, 2)],  # 2: a cell worker each
)
def test_segments_join_into_the_single_pass(sample, tmp_path, name, fmt, segments, workers):
    """Segments encoded side by side, joined by the concat demuxer: the same packets
    as one pass (nothing duplicated, nothing missing), one continuous timecode from
    the first frame, every frame one frame long."""
    kw = dict(size=(320, 180), fps="29.97", window="28:30", timecode="00:59:59;28", format=fmt)
    one = _render(sample, tmp_path / "one" / name, segments=1, **kw)
    seen = []
    three = _render(
        sample,
        tmp_path / "three" / name,
        segments=segments,
        workers=workers,
        progress=lambda i, n: seen.append(i),
        **kw,
    )
    a, b = probe(one), probe(three)
    assert b.frames == a.frames == V.frame_count(2.0, Fraction(30000, 1001)) == 60
    assert b.rate == a.rate == Fraction(30000, 1001)
    assert b.metadata.get("timecode") == a.metadata.get("timecode") == "00:59:59;28"
    assert len(set(b.durations)) == 1 and b.durations == a.durations
    assert (b.codec, b.profile, b.pix_fmt) == (a.codec, a.profile, a.pix_fmt)
    assert _crcs(three) == _crcs(one)  # packet for packet
    assert seen[-1] == 60 and seen == sorted(seen)
    assert sorted(p.name for p in (tmp_path / "three").iterdir()) == ["clip.csv", name]


def test_h264_through_the_feeder_is_the_inline_render_packet_for_packet(
    sample, tmp_path, monkeypatch
):
    """Frames handed to ffmpeg by the feeder thread from rotating buffers, cells drawn
    by a pool: the same packets as frames written inline, one buffer, no pool (a
    frame overwritten, doubled or lost would change a packet)."""

    kw = dict(size=(320, 180), fps="29.97", window="28:30", timecode="00:59:59;28")
    fed = _render(sample, tmp_path / "fed" / "clip.mp4", workers=2, **kw)
    monkeypatch.setattr(V.Feeder, "DEPTH", 0)  # the composing thread writes each frame
    inline = _render(sample, tmp_path / "inline" / "clip.mp4", workers=0, **kw)
    a, b = probe(inline), probe(fed)
    assert b.frames == a.frames == V.frame_count(2.0, Fraction(30000, 1001)) == 60
    assert b.rate == a.rate == Fraction(30000, 1001) and len(set(b.durations)) == 1
    assert b.metadata.get("timecode") == "00:59:59;28"
    assert _crcs(fed) == _crcs(inline)
    # the clip moves (held stretches repeat packets, cross-fades do not)
    assert len(set(_crcs(fed))) > 20


def test_a_failing_segment_fails_the_render_and_leaves_nothing(sample, tmp_path, monkeypatch):
    def broken(fmt, target, **kw):
        raise RenderError(f"{Path(target).name}: no ffmpeg today")

    monkeypatch.setattr(V, "Encoder", broken)  # the forked segments inherit it
    out = tmp_path / "out" / "clip.mov"
    with pytest.raises(RenderError, match=r"segment \d of 2 failed .*no ffmpeg today"):
        _render(sample, out, segments=2)
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "fmt", "profile", "pix", "tag"),
    [
        ("clip.mxf", None, "DNXHR HQ", "yuv422p", ""),
        ("clip.mov", "dnxhr", "DNXHR HQ", "yuv422p", "AVdh"),
        ("clip.mxf", "dnxhr-444", "DNXHR 444", "yuv444p10le", ""),
    ],
)
def test_dnxhr(sample, tmp_path, name, fmt, profile, pix, tag):
    out = _render(
        sample, tmp_path / name, format=fmt, size=(256, 144), fps="23.976", timecode="01:00:00:00"
    )
    info = probe(out)
    assert (info.codec, info.profile, info.pix_fmt, info.tag) == ("dnxhd", profile, pix, tag)
    assert (info.width, info.height) == (256, 144)
    assert "bt709" in info.color  # (ffmpeg reads no range back from a DNxHR 444 MXF)
    assert info.rate == Fraction(24000, 1001)
    assert info.frames == V.frame_count(2.0, Fraction(24000, 1001)) == 48
    assert info.metadata.get("timecode") == "01:00:00:00"
    rgba = read_frame(out, 20)
    assert rgba[..., 3].min() == 255 and rgba[..., :3].std() > 5  # opaque, not blank


def test_4k_h264_and_prores(sample, tmp_path):
    for name, kw in (("uhd.mp4", {}), ("uhd.mov", {"transparent": True})):
        out = _render(sample, tmp_path / name, size=(3840, 2160), window="28:28.2", fps="10", **kw)
        info = probe(out)
        assert (info.width, info.height, info.frames) == (3840, 2160, 2)
        frame = read_frame(out, 1)
        assert frame.shape == (2160, 3840, 4) and frame[..., :3].std() > 5


def test_qtrle_keeps_alpha(sample, tmp_path):
    out = _render(sample, tmp_path / "anim.mov", format="qtrle", transparent=True, fps="25")
    info = probe(out)
    assert (info.codec, info.pix_fmt) == ("qtrle", "argb")
    assert info.rate == 25 and info.frames == 50
    assert read_frame(out, 10)[..., 3].min() == 0


def test_webm_vp9_alpha_and_frames_of_different_moments_differ(sample, tmp_path):
    # 27 s to 31 s: the sample's eyes close at 30 s and alpha floods in
    out = _render(sample, tmp_path / "clip.webm", transparent=True, window="27:31", fps="12")
    info = probe(out)
    assert info.codec == "vp9" and info.metadata.get("alpha_mode") == "1"
    assert info.frames == 48 and info.fps_text == "12"
    first = read_frame(out, 0, decoder="libvpx-vp9")
    last = read_frame(out, 47, decoder="libvpx-vp9")
    for f in (first, last):  # libvpx keeps the alpha plane: ground and cloth
        assert (f[..., 3] < 32).mean() > 0.05 and (f[..., 3] > 224).mean() > 0.05
    assert np.mean(first[..., 3] != last[..., 3]) > 0.05
    diff = np.abs(first.astype(int) - last.astype(int)).mean()
    assert diff > 10
    rows = _rows(tmp_path / "clip.csv")
    assert float(rows[-1]["occipital_alpha_rel"]) > float(rows[0]["occipital_alpha_rel"]) + 0.1


def test_png_sequence_rgba_srgb_with_sidecars(sample, tmp_path):
    folder = tmp_path / "frames"
    out = _render(
        sample, folder, fps="25", window="28:29", transparent=True, timecode="00:00:10:00"
    )
    assert out == folder
    names = sorted(p.name for p in folder.glob("*.png"))
    assert names == [f"frames_{i:06d}.png" for i in range(25)]
    with Image.open(folder / names[0]) as im:
        assert im.mode == "RGBA" and im.size == SMALL
        assert "srgb" in im.info or b"sRGB" in (folder / names[0]).read_bytes()[:200]
        assert np.asarray(im)[..., 3].min() == 0
    record = json.loads((folder / "frames.json").read_text())
    assert record["fps"] == "25/1" and record["frames"] == 25 and record["complete"]
    assert record["timecode"] == "00:00:10:00" and record["pattern"] == "frames_%06d.png"
    assert len(_rows(folder / "frames.csv")) == 25
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    # a render of the same window with fewer frames removes the stale ones
    _render(sample, folder, fps="12", window="28:29")
    assert len(list(folder.glob("frames_*.png"))) == 12


def test_drift_pans_the_cloth(sample, tmp_path):
    still = _render(sample, tmp_path / "a", window="28:29", smoothing=600.0)
    moving = _render(sample, tmp_path / "b", window="28:29", smoothing=600.0, drift=60.0)
    a0, a8 = (np.asarray(Image.open(still / f"a_{i:06d}.png")) for i in (0, 8))
    b0, b8 = (np.asarray(Image.open(moving / f"b_{i:06d}.png")) for i in (0, 8))
    assert np.array_equal(a0, b0)  # frame 0 has not moved yet
    assert np.abs(a0.astype(int) - a8.astype(int)).mean() < 2  # a steady cloth stays put
    assert np.abs(b0.astype(int) - b8.astype(int)).mean() > 10  # 60 tiles/min: it moves
    # downwards, one 90 px tile a second: frame 8 (2/3 s) is the still frame 8 moved
    # down by 60 rows
    assert np.array_equal(b8[60:], a8[:-60])


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["-o", "{d}/x.avi"], "unknown video format"),
        (["-o", "{d}/x.mp4", "--size", "161x90"], "even width and height"),
        (["-o", "{d}/x.mp4", "--fps", "29.9"], "'fps' parameter"),
        (["-o", "{d}/x.mov", "--timecode", "25:00:00:00"], "'timecode' parameter"),
        (["-o", "{d}/x.mp4", "--window", "140:200"], "lies outside the recording"),
        (["-o", "{d}/x.mp4", "--window", "30:20"], "END must come after START"),
        (["-o", "{d}/x.mp4", "--transparent"], "cannot carry transparency"),
        (["-o", "{d}/x.mxf", "--transparent"], "the formats with alpha are prores (.mov)"),
        (["-o", "{d}/x.mov", "--format", "dnxhr-444", "--transparent"], "webm (.webm), png"),
        (["-o", "{d}/x.mxf", "--size", "160x90"], "at least 256x120"),
        (["-o", "{d}/x.mp4", "--segments", "2"], "'segments' parameter"),
        (["-o", "{d}/x.mov", "--segments", "0"], "'segments' parameter"),
        (["-o", "{d}/x.mp4", "--resume"], "resume continues an interrupted PNG"),
        (["-o", "{d}/x.webm", "--timecode", "01:00:00:00"], "no timecode track"),
        (["-o", "{d}/x.mp4", "--motif", "batik"], "'motif' parameter"),
        (["-o", "{d}/x.mp4", "--palette", "sogan"], "'palette' parameter"),
        (["-o", "{d}/x.mp4", "--smoothing", "-1"], "'smoothing' parameter"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(sample, tmp_path, capsys, args, match):
    d = tmp_path / "out"
    argv = ["video", str(sample), *(a.format(d=d) for a in args), "--quiet"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("batik-waves: error: ") and match in err
    assert not d.exists() or not list(d.iterdir())


def test_missing_recording(tmp_path, capsys):
    assert cli.main(["video", str(tmp_path / "nope.edf"), "-o", str(tmp_path / "x.mp4")]) == 2
    err = capsys.readouterr().err
    assert "nope.edf" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_library_raises_recording_error_for_a_window_outside(sample, tmp_path):
    with pytest.raises(RecordingError, match="outside the recording"):
        _render(sample, tmp_path / "x.mp4", window="149.99:151")


def test_the_input_is_never_overwritten(tmp_path):
    rec = tmp_path / "rec.csv"  # a muse-lsl recording is a CSV: the sidecar would hit it
    rec.write_text("timestamps,TP9\n")
    with pytest.raises(RenderError, match="overwrite the input"):
        V.render_video(rec, tmp_path / "rec.mp4")
    with pytest.raises(RenderError, match="overwrite the input"):
        V.render_video(rec, tmp_path / "rec_%06d.png")  # sidecar rec.csv beside the frames
    assert rec.read_text() == "timestamps,TP9\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.csv"]


# ------------------------------------------------------------ Ctrl-C and resume
def _video_cmd(sample, out, *extra, window="20:30"):
    return [
        sys.executable,
        "-m",
        "batik_waves",
        "video",
        str(sample),
        "-o",
        str(out),
        "--size",
        "160x90",
        "--fps",
        "24",
        "--window",
        window,
        "--quiet",
        *extra,
    ]


def _interrupt_when(proc, ready, timeout=60.0):
    t0 = time.monotonic()
    while not ready():
        assert proc.poll() is None, "finished before it could be interrupted"
        assert time.monotonic() - t0 < timeout
        time.sleep(0.05)
    # a run that ended meanwhile would take no Ctrl-C: say so, not "exit status 0"
    assert proc.poll() is None, "ran to its end before the Ctrl-C (make the run longer)"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.slow
def test_ctrl_c_leaves_nothing_and_resume_completes_the_sequence(sample, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    folder = tmp_path / "seq"
    # 60 s, 1440 frames: ffmpeg writes its 20th PNG when Python has sent about 40
    # frames, and a 10 s run (240 frames) then ended 0.35 s later. A poller on a
    # loaded machine woke after that, and its Ctrl-C met a finished run (exit 0, in
    # CI). Now about 2.5 s of frames are left when it looks.
    window = "20:80"
    n = 60 * 24
    with subprocess.Popen(
        _video_cmd(sample, folder, "--workers", "0", window=window),
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_sigint,
    ) as proc:
        rc, err = _interrupt_when(proc, lambda: len(list(folder.glob("seq_*.png"))) >= 20)
    assert rc == 130 and "interrupted" in err and "Traceback" not in err
    done = sorted(folder.glob("seq_*.png"))
    assert 20 <= len(done) < n
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert not (folder / "seq.csv").exists()
    assert not json.loads((folder / "seq.json").read_text())["complete"]
    for p in done:  # every frame present is whole
        with Image.open(p) as im:
            im.load()
    stamp = {p.name: p.stat().st_mtime_ns for p in done}

    subprocess.run(_video_cmd(sample, folder, "--resume", window=window), check=True, env=env)
    frames = sorted(folder.glob("seq_*.png"))
    assert len(frames) == n
    assert all(p.stat().st_mtime_ns == stamp[p.name] for p in done)  # kept, not redrawn
    assert json.loads((folder / "seq.json").read_text())["complete"]

    # the resumed sequence equals an uninterrupted one
    ref = tmp_path / "ref"
    subprocess.run(_video_cmd(sample, ref, window=window), check=True, env=env)
    for i in (0, len(done) - 1, len(done), len(done) + 1, n - 1):
        a = np.asarray(Image.open(folder / f"seq_{i:06d}.png"))
        b = np.asarray(Image.open(ref / f"ref_{i:06d}.png"))
        assert np.array_equal(a, b), i

    # resuming with other settings is refused, naming what changed
    r = subprocess.run(
        [*_video_cmd(sample, folder, "--resume", window=window), "--seed", "3"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 2 and "seed" in r.stderr and "cannot resume" in r.stderr


@pytest.mark.slow
def test_ctrl_c_during_a_video_leaves_no_file(sample, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "clip.mp4"
    with subprocess.Popen(
        _video_cmd(sample, out, window="0:150"),
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_sigint,
    ) as proc:
        rc, err = _interrupt_when(
            proc, lambda: any(p.stat().st_size > 5000 for p in tmp_path.glob(".clip*"))
        )
    assert rc == 130 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no clip.mp4, no temporary file, no sidecar
