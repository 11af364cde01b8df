"""Nothing left behind: ``render``, ``video`` and ``batch`` killed or interrupted at random moments.

Each case runs the command line in a subprocess on a copy of the bundled sample,
records every descendant process it starts (pool workers, ffmpeg) by walking
``/proc`` while it runs, sends a signal at a random moment (in the first second,
or once encoding has begun) and checks that

- no descendant survives a few seconds later;
- every file under a final name is whole (PNG decodes, SVG parses, JSON loads,
  CSV rows are complete, the video probes with ``render.encode.probe``);
- after SIGTERM, SIGINT and SIGHUP: exit status 128 + signal, no traceback,
  no temporary file left either;
- the input recording is unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from utils import default_sigint, free_port, proc_stat

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="needs Linux /proc to follow descendants"
)

# One seed for the whole module: the moments differ between cases, not between runs.
SEED = 14
VIDEO = ("--size", "320x180", "--fps", "10", "--window", "0:30", "-q", "--workers", "2")
RENDER = ("--size", "96", "--quiet")
BATCH = ("--size", "96", "--quiet", "--jobs", "2", "--window", "0:30")
GONE_WITHIN = 5.0  # seconds for every descendant to end after the signal
RUN_LIMIT = 60.0  # seconds any one command may take


def _descendants(root: int) -> set[tuple[int, int]]:
    """(pid, start time) of every live descendant of *root* now."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = proc_stat(int(entry))
        if st is not None:
            children.setdefault(st[0], []).append((int(entry), st[2]))
    out: set[tuple[int, int]] = set()
    todo = [root]
    while todo:
        for pid, start in children.get(todo.pop(), ()):
            if (pid, start) not in out:
                out.add((pid, start))
                todo.append(pid)
    return out


def _alive(pid: int, start: int) -> bool:
    st = proc_stat(pid)
    return st is not None and st[2] == start and st[1] not in ("Z", "X")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_whole(folder: Path) -> list[Path]:
    """Check every file under a final name in *folder*; return the temporary ones."""
    from PIL import Image

    from batik_waves.render.encode import probe

    temporary = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if hidden or path.name.endswith(".tmp"):
            temporary.append(path)
            continue
        suffix = path.suffix.lower()
        if suffix == ".png":
            with Image.open(path) as im:
                im.load()
        elif suffix == ".svg":
            ET.parse(path)
        elif suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif suffix == ".csv":
            rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
            assert rows and all(len(r) == len(rows[0]) for r in rows), path
        elif suffix in (".mp4", ".mov", ".webm"):
            assert probe(path).frames > 0, path
        else:
            pytest.fail(f"unexpected output {path}")
    return temporary


def _encoding(out: Path, kind: str) -> bool:
    """Whether the run has started writing its video (the temporary file or a frame)."""
    if kind == "batch":  # a worker has written its first tile: both are rendering
        return out.is_dir() and any(out.rglob("*.svg"))
    if kind == "mp4":
        return any(p.stat().st_size > 0 for p in out.parent.glob(f".{out.stem}.*.mp4"))
    if kind == "mov":  # segments: the parts' folder
        return any(p.stat().st_size > 0 for p in out.parent.glob(f".{out.stem}.*/part*.mov"))
    return out.is_dir() and any(out.glob("*.png"))


def _run_and_signal(args, *, sig: int, moment: str, delay: float, out: Path, kind: str, cwd):
    """Start the command, send *sig* at the moment asked; return (rc, stderr, seen)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # stderr to a file, not a pipe: survivors would hold a pipe open forever
    log = Path(cwd) / "stderr.txt"
    with open(log, "wb") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "batik_waves", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            env=env,
            start_new_session=True,  # our signals reach it alone, as a kill(1) would
            # a shell that started the suite in the background ignores SIGINT, and its
            # children would inherit that: give the command Ctrl-C's default back
            preexec_fn=default_sigint,
        )
    seen: set[tuple[int, int]] = set()
    t0 = time.monotonic()
    armed_at = t0 + delay if moment == "start" else None
    sent = False
    while proc.poll() is None and time.monotonic() - t0 < RUN_LIMIT:
        seen |= _descendants(proc.pid)
        now = time.monotonic()
        if armed_at is None and _encoding(out, kind):
            armed_at = now + delay
        if armed_at is not None and now >= armed_at:
            seen |= _descendants(proc.pid)
            proc.send_signal(sig)
            sent = True
            break
        time.sleep(0.01)
    else:
        if proc.poll() is None:  # pragma: no cover - a hung run
            proc.kill()
            proc.wait()
            pytest.fail(f"{args[0]} did not finish within {RUN_LIMIT} s")
    try:
        proc.wait(timeout=RUN_LIMIT)
    except subprocess.TimeoutExpired:  # pragma: no cover - a run that ignores the signal
        proc.send_signal(signal.SIGUSR1)  # its threads' stacks, to say where it is stuck
        time.sleep(1.0)
        proc.kill()
        proc.wait()
        stacks = log.read_text("utf-8", "replace")[-6000:]
        pytest.fail(f"{args[0]} did not stop after {signal.Signals(sig).name}:\n{stacks}")
    return proc.returncode, log.read_text("utf-8", "replace"), seen, sent


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:  # gone meanwhile (a short-lived helper)
        return ""


def _survivors(seen: set[tuple[int, int]]) -> list[str]:
    deadline = time.monotonic() + GONE_WITHIN
    while True:
        left = [(p, s) for p, s in seen if _alive(p, s)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    out = []
    for pid, _ in left:
        out.append(_cmdline(pid)[:80] or str(pid))
        os.kill(pid, signal.SIGKILL)  # do not leave them to the next test
    return out


CASES = [
    # (command, output kind, signal, moment)
    ("video", "mp4", signal.SIGKILL, "start"),
    ("video", "mp4", signal.SIGKILL, "encoding"),
    ("video", "mp4", signal.SIGTERM, "encoding"),
    ("video", "mp4", signal.SIGINT, "encoding"),
    ("video", "mp4", signal.SIGHUP, "start"),
    ("video", "png", signal.SIGKILL, "encoding"),
    ("video", "png", signal.SIGTERM, "encoding"),
    ("render", "files", signal.SIGTERM, "start"),
    ("render", "files", signal.SIGKILL, "start"),
    ("batch", "batch", signal.SIGKILL, "encoding"),
    ("batch", "batch", signal.SIGTERM, "encoding"),
    ("batch", "batch", signal.SIGINT, "encoding"),
    ("video", "mov", signal.SIGKILL, "encoding"),  # ProRes in two segments
    ("video", "mov", signal.SIGTERM, "encoding"),
]


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    from batik_waves.eeg.simulate import sample_path

    folder = tmp_path_factory.mktemp("input")
    src = folder / "meditation.edf"
    shutil.copyfile(sample_path(), src)
    return src


@pytest.mark.parametrize(
    ("command", "kind", "sig", "moment"),
    CASES,
    ids=[f"{c}-{k}-{s.name}-{m}" for c, k, s, m in CASES],
)
def test_killed_run_leaves_nothing_behind(tmp_path, recording, command, kind, sig, moment):
    rng = np.random.default_rng([SEED, CASES.index((command, kind, sig, moment))])
    before = (_sha(recording), recording.stat().st_mtime_ns)
    out_dir = tmp_path / "out"  # only outputs in here (the log is beside it)
    out_dir.mkdir()
    if command == "video":
        out = out_dir / {"mp4": "v.mp4", "mov": "v.mov"}.get(kind, "frames")
        args = ["video", str(recording), "-o", str(out), *VIDEO]
        if kind == "mov":
            args += ["--segments", "2", "--transparent"]
    elif command == "batch":  # two recordings: both pool workers busy
        second = tmp_path / "second" / "muse.edf"
        second.parent.mkdir()
        shutil.copyfile(
            Path(__file__).resolve().parents[2] / "sample_recordings" / "muse.edf", second
        )
        out = out_dir / "b"
        args = ["batch", str(recording), str(second), "-o", str(out), *BATCH]
    else:
        out = out_dir / "r"
        args = ["render", str(recording), "-o", str(out), *RENDER]
    # the first second (imports, reading, the first cells), or 0-0.6 s into encoding
    delay = float(rng.uniform(0.05, 1.0) if moment == "start" else rng.uniform(0.0, 0.6))
    rc, err, seen, sent = _run_and_signal(
        args, sig=sig, moment=moment, delay=delay, out=out, kind=kind, cwd=tmp_path
    )
    where = f"{command} {kind} {sig.name} at {moment}+{delay:.2f} s"

    assert _survivors(seen) == [], f"{where}: processes survived"
    temporary = _check_whole(out_dir)
    assert (_sha(recording), recording.stat().st_mtime_ns) == before, f"{where}: input changed"
    assert "Traceback" not in err, f"{where}: {err}"
    if not sent or rc == 0:  # finished before the moment came: it must be whole
        assert rc == 0, f"{where}: {err}"
        assert temporary == []
        return
    if sig == signal.SIGKILL:
        assert rc == -signal.SIGKILL
        return
    # a clean stop: the signal's status, nothing temporary left behind; a signal
    # that lands before Python has installed its handlers ends it by default
    assert rc in (128 + sig, -sig), f"{where}: exit status {rc}: {err}"
    assert temporary == [], f"{where}: left {temporary}"
    if command == "video" and kind in ("mp4", "mov"):
        assert not out.exists(), f"{where}: a partial video under its final name"


def _serving(port: int) -> bool:
    """Whether the kiosk on *port* has drawn its first keyframes."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return json.loads(r.read())["keyframes"] > 0
    except (OSError, ValueError, KeyError):
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=lambda s: s.name)
def test_killed_kiosk_leaves_nothing_behind(tmp_path, sig):
    # its keyframe workers come from a fork server: killed, the kiosk must take the
    # server and the workers with it (each child of a fork server inherits the pipe
    # whose closing ends the server; held, server and workers outlived the kiosk)
    pytest.importorskip("starlette", reason="the kiosk extra is not installed")
    pytest.importorskip("mne_lsl", reason="the live extra is not installed")
    port = free_port()
    store = tmp_path / "store"
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "batik_waves", "kiosk", "--port", str(port), "--store", store],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            start_new_session=True,
        )
    seen: set[tuple[int, int]] = set()
    try:
        end = time.monotonic() + RUN_LIMIT
        while not _serving(port):
            assert proc.poll() is None, log.read_text("utf-8", "replace")
            assert time.monotonic() < end, "the kiosk drew nothing within a minute"
            seen |= _descendants(proc.pid)
            time.sleep(0.2)
        seen |= _descendants(proc.pid)
        kinds = " ".join(_cmdline(p) for p, _ in seen)
        assert "forkserver" in kinds, "the keyframe workers were expected from a fork server"
        proc.send_signal(sig)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _survivors(seen) == [], f"kiosk {sig.name}: processes survived"
    err = log.read_text("utf-8", "replace")
    assert "Traceback" not in err, err
    assert rc in ((-sig,) if sig == signal.SIGKILL else (128 + sig, -sig, 0)), (rc, err)
