"""Benchmark: the gallery kiosk, served by ``batik-waves kiosk`` in its own process.

1. Latency (``latency``). For each motif, the kiosk runs on ``replay:sample`` at its
   default tile size with one client; the server times each keyframe from the
   moment the chunk that gave it was read to the moment the keyframe was written
   to the client (``/healthz`` ``latency_ms``). p50 / p95 after a warm-up. Target:
   p95 <= 100 ms, over every keyframe sent, and of the fresh draws alone (keyframes
   of parameters seen before come from the cache). The server breaks each keyframe's
   time into stages (``stages_ms``: reader, queue for a worker, generate, rasterize,
   jpeg, return to the server, send), and the drawing alone (one keyframe after
   another in the benchmark's own process, nothing else running) is measured right
   after, in the same run, so a loaded machine shows in both.
2. Throughput and CPU (``load``). 1 client, then 20 clients on loopback for
   ``--seconds`` each: keyframes per second each client received (min / median),
   the server's CPU share (its own process, and its drawing workers, as a share of
   one core), and its RSS at the start and end.
3. Soak (``soak``). Replay faster than real time (the bundled sample announced at
   ``--speed`` times its rate, played by an LSL player in this process, read by the
   kiosk as ``lsl:NAME``), the player dropped for ``--gap`` s and restored every
   minute, two clients connected and a take-home saved each minute, for
   ``--minutes``. The server's RSS every 10 s; reported: RSS growth between the 5th
   minute and the end. Target: < 5 %.

Run: ``.venv/bin/python benchmarks/bench_kiosk.py --quick`` (latency only, ~2-3 min),
``.venv/bin/python benchmarks/bench_kiosk.py latency load`` and
``.venv/bin/python benchmarks/bench_kiosk.py soak --minutes 30 --out soak.json``.
Everything talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from _machine import describe, load_average

BIN = Path(sys.executable).with_name("batik-waves")
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get_json(port: int, path: str, method: str = "GET", timeout: float = 30.0) -> dict:
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        buf = b""
        while chunk := s.recv(65536):
            buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    return json.loads(body) if body.startswith(b"{") else {"status": head.split(b"\r\n")[0]}


class Client(threading.Thread):
    """An SSE client that counts keyframes (the bytes are read and dropped)."""

    def __init__(self, port: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.stop_ev = port, stop
        self.times: list[float] = []

    def run(self) -> None:
        marker = b"\nevent: frame\n"
        with socket.create_connection((HOST, self.port), timeout=10) as s:
            s.sendall(f"GET /events HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            tail = b""
            while not self.stop_ev.is_set():
                try:
                    data = s.recv(262144)
                except TimeoutError:
                    continue
                if not data:
                    return
                buf = tail + data
                n = buf.count(marker)
                now = time.monotonic()
                self.times.extend([now] * n)
                tail = buf[-len(marker) :]

    def rate(self, t0: float, t1: float) -> float:
        return sum(1 for t in self.times if t0 <= t <= t1) / (t1 - t0)


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of *pid* (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # gone meanwhile
        return 0


def children(pid: int) -> list[int]:
    """Every descendant of *pid* (the kiosk's workers are its fork server's children)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    kids = [int(c) for c in fh.read().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


#: The kiosk with Session options the command line does not have (``--compare``).
_SERVE = """
import sys
from batik_waves.kiosk import serve
port, store, motif, antialias = sys.argv[1:]
serve(port=int(port), store=store, motif=motif, antialias=antialias,
      ready=lambda url: print(f"kiosk at {url}", flush=True))
"""


class Kiosk:
    """``batik-waves kiosk`` in a child process, on a free loopback port (with
    *antialias*: the same through :func:`batik_waves.kiosk.serve`)."""

    def __init__(self, *args: str, antialias: str | None = None) -> None:
        self.port = free_port()
        self.store = tempfile.mkdtemp(prefix="bench-kiosk-")
        cmd = [str(BIN), "kiosk", "--port", str(self.port), "--store", self.store, *args]
        if antialias is not None:
            motif = args[args.index("--motif") + 1]
            cmd = [sys.executable, "-c", _SERVE, str(self.port), self.store, motif, antialias]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        if "kiosk at" not in line:
            raise RuntimeError(f"the kiosk did not start: {line!r}")

    def health(self) -> dict:
        return get_json(self.port, "/healthz")

    def wait_state(self, states: tuple[str, ...], timeout: float) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.health().get("state") in states:
                return time.monotonic() - t0
            time.sleep(0.1)
        return float("nan")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def bench_latency(motif: str, seconds: float, antialias: str | None = None) -> dict:
    k = Kiosk("--motif", motif, antialias=antialias)
    stop = threading.Event()
    try:
        k.wait_state(("calibrating", "live"), 30)
        c = Client(k.port, stop)
        c.start()
        time.sleep(5)  # warm-up: the keyframe cache and the workers
        h0 = k.health()
        time.sleep(seconds)
        h = k.health()
        t1 = time.monotonic()
        return {
            "motif": motif,
            "antialias": antialias or "default",
            # every keyframe sent (fresh draws and cache hits), and the fresh draws alone
            "latency_ms": h["latency_ms"],
            "latency_fresh_ms": h["latency_fresh_ms"],
            "stages_ms": {k: (v["p50"], v["p95"]) for k, v in h["stages_ms"].items() if v["n"]},
            "draw_ms": h["draw_ms"],
            "superseded": h["superseded"] - h0["superseded"],
            "client_keyframes_per_s": round(c.rate(t1 - seconds, t1), 2),
            "server_keyframes": h["keyframes"] - h0["keyframes"],
        }
    finally:
        stop.set()
        k.close()


def draw_alone(motif: str, n: int = 24, antialias: str = "fast") -> dict:
    """One keyframe after another in this process, nothing else running: the drawing's
    own cost (ms), measured in the same run as the kiosk's latency."""
    from dataclasses import replace

    from batik_waves.kiosk.session import attract_tasks, draw_keyframe_timed

    tasks = [replace(t, antialias=antialias) for t in attract_tasks(motif, n=n)]
    draw_keyframe_timed(tasks[0])
    rows = []
    for t in tasks:
        t0, t1, t2, t3 = draw_keyframe_timed(t)[1]
        rows.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
    a = np.asarray(rows) * 1e3
    p50, p95 = np.percentile(a, [50, 95], axis=0)
    names = ("total", "generate", "rasterize", "jpeg")
    return {
        "motif": motif,
        "antialias": antialias,
        "draw_alone_ms": {
            k: (round(x, 1), round(y, 1)) for k, x, y in zip(names, p50, p95, strict=True)
        },
    }


def bench_load(n_clients: int, seconds: float, motif: str = "kawung") -> dict:
    k = Kiosk("--motif", motif)
    stop = threading.Event()
    try:
        k.wait_state(("calibrating", "live"), 30)
        clients = [Client(k.port, stop) for _ in range(n_clients)]
        for c in clients:
            c.start()
        time.sleep(5)
        pid = k.proc.pid
        workers = children(pid)
        rss0 = proc_rss(pid)
        cpu0, wcpu0, t0 = proc_cpu(pid), sum(map(proc_cpu, workers)), time.monotonic()
        rss = []
        while time.monotonic() - t0 < seconds:
            time.sleep(min(5.0, seconds / 6))
            rss.append(proc_rss(pid))
        t1 = time.monotonic()
        cpu1, wcpu1 = proc_cpu(pid), sum(map(proc_cpu, workers))
        rates = [c.rate(t0, t1) for c in clients]
        h = k.health()
        return {
            "clients": n_clients,
            "seconds": round(t1 - t0, 1),
            "keyframes_per_s_min": round(min(rates), 2),
            "keyframes_per_s_median": round(float(np.median(rates)), 2),
            "server_cpu_share_of_one_core": round((cpu1 - cpu0) / (t1 - t0), 3),
            "workers_cpu_share_of_one_core": round((wcpu1 - wcpu0) / (t1 - t0), 3),
            "rss_mb_start": round(rss0 / 1e6, 1),
            "rss_mb_end": round(rss[-1] / 1e6, 1),
            "rss_mb_max": round(max(rss) / 1e6, 1),
            "latency_ms": h["latency_ms"],
            "clients_seen_by_server": h["clients"],
        }
    finally:
        stop.set()
        k.close()


def _fast_player(name: str, speed: float):
    import mne
    from mne_lsl.player import PlayerLSL

    from batik_waves.eeg.read import read_recording
    from batik_waves.eeg.simulate import sample_path

    mne.set_log_level("ERROR")
    raw = read_recording(sample_path(), preload=True).pick("eeg")
    raw.set_annotations(None)
    fast = mne.io.RawArray(
        raw.get_data(), mne.create_info(raw.ch_names, raw.info["sfreq"] * speed, "eeg")
    )
    return PlayerLSL(fast, chunk_size=8, name=name, source_id=name, annotations=False)


def bench_soak(minutes: float, speed: float, gap: float, out: str | None) -> dict:
    name = f"bench-kiosk-soak-{os.getpid()}"
    player = _fast_player(name, speed).start()
    k = Kiosk("--source", f"lsl:{name}")
    stop = threading.Event()
    samples: list[dict] = []
    t0 = time.monotonic()
    drops = []
    try:
        k.wait_state(("calibrating", "live"), 30)
        clients = [Client(k.port, stop) for _ in range(2)]
        for c in clients:
            c.start()
        next_drop = t0 + 60.0
        next_sample = t0
        end = t0 + minutes * 60.0
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_drop:
                player.stop()
                attract = k.wait_state(("attract",), gap + 5)
                time.sleep(max(0.0, gap - attract))
                player = _fast_player(name, speed).start()
                live = k.wait_state(("calibrating", "live"), 30)
                drops.append({"attract_s": round(attract, 2), "back_s": round(live, 2)})
                print(f"# {now - t0:.0f} s: drop {len(drops)} {drops[-1]}", file=sys.stderr)
                get_json(k.port, "/take-home", "POST", timeout=60)
                next_drop += 60.0
            if now >= next_sample:
                pid = k.proc.pid
                h = k.health()
                samples.append(
                    {
                        "t_s": round(now - t0, 1),
                        "rss_mb": round(proc_rss(pid) / 1e6, 2),
                        "workers_rss_mb": round(sum(map(proc_rss, children(pid))) / 1e6, 2),
                        "fds": len(os.listdir(f"/proc/{pid}/fd")),
                        "threads": len(os.listdir(f"/proc/{pid}/task")),
                        "state": h["state"],
                        "keyframes_per_s": h["keyframes_per_s"],
                        "restarts": h["source_restarts"],
                    }
                )
                next_sample += 10.0
            time.sleep(0.5)
    finally:
        stop.set()
        k.close()
        player.stop()
    after5 = [s for s in samples if s["t_s"] >= 300.0] or samples
    first, last = after5[0], samples[-1]
    result = {
        "minutes": minutes,
        "speed": speed,
        "drops": len(drops),
        "attract_after_drop_s_max": max((d["attract_s"] for d in drops), default=None),
        "live_after_restore_s_max": max((d["back_s"] for d in drops), default=None),
        "rss_mb_at_5_min": first["rss_mb"],
        "rss_mb_end": last["rss_mb"],
        "rss_growth_pct": round(100.0 * (last["rss_mb"] / first["rss_mb"] - 1.0), 2),
        "workers_rss_mb_at_5_min": first["workers_rss_mb"],
        "workers_rss_mb_end": last["workers_rss_mb"],
        "fds_at_5_min": first["fds"],
        "fds_end": last["fds"],
        "threads_at_5_min": first["threads"],
        "threads_end": last["threads"],
        "source_restarts": last["restarts"],
    }
    if out:
        Path(out).write_text(json.dumps({"result": result, "samples": samples, "drops": drops}))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", nargs="*", default=["latency", "load"], help="latency load soak")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="latency only, 40 s per motif, and the drawing alone beside it (~2-3 min)",
    )
    ap.add_argument("--motifs", default="kawung,parang", help="latency: motifs, comma-separated")
    ap.add_argument(
        "--compare",
        action="store_true",
        help="latency: also with the finest keyframe edges (antialias='best', the old default)",
    )
    ap.add_argument("--seconds", type=float, default=60.0, help="load: seconds per run")
    ap.add_argument("--latency-seconds", type=float, default=30.0)
    ap.add_argument("--minutes", type=float, default=30.0, help="soak: minutes")
    ap.add_argument("--speed", type=float, default=2.0, help="soak: replay speed")
    ap.add_argument("--gap", type=float, default=4.0, help="soak: seconds the player is away")
    ap.add_argument("--out", help="soak: JSON of every sample")
    args = ap.parse_args()
    if args.quick:
        args.what, args.latency_seconds = ["latency"], 40.0
    print(f"# {describe(f'numpy {np.__version__}')}")
    for what in args.what:
        if what == "latency":
            for motif in args.motifs.split(","):
                print(f"# {load_average()}", flush=True)
                print(json.dumps(bench_latency(motif, args.latency_seconds)), flush=True)
                if args.compare:
                    print(f"# {load_average()}", flush=True)
                    result = bench_latency(motif, args.latency_seconds, antialias="best")
                    print(json.dumps(result), flush=True)
                for aa in ("fast", "best"):
                    print(json.dumps(draw_alone(motif, antialias=aa)), flush=True)
            print(f"# {load_average()}", flush=True)
        elif what == "load":
            for n in (1, 20):
                print(json.dumps(bench_load(n, args.seconds)), flush=True)
        elif what == "soak":
            print(json.dumps(bench_soak(args.minutes, args.speed, args.gap, args.out)), flush=True)
        else:
            raise SystemExit(f"unknown benchmark {what!r}: latency, load or soak")


if __name__ == "__main__":
    main()
