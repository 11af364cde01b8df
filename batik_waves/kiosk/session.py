"""One kiosk session: a live source becomes a stream of keyframes every page shares.

A :class:`Session` owns, for the life of the server:

- **one reader thread**: source → :class:`~batik_waves.eeg.sources.Watchdog` →
  :class:`~batik_waves.eeg.stream.EnvelopeStream` →
  :class:`~batik_waves.timeline.CausalTimeline`; each envelope piece gives the
  motif's parameters now, and a keyframe of them is drawn, at most
  :attr:`Session.fps` times a second;
- **a small process pool** (:func:`draw_keyframe` of a picklable
  :class:`KeyTask`; :func:`default_workers`, one core fewer than the machine has)
  so a slow frame never stalls the reader nor the event loop;
- **a pacer thread** that decides the state (``live``, ``calibrating``,
  ``attract``) and, in attract mode, keeps the cloth moving from a recorded loop
  (the bundled sample drawn through the same path at start-up);
- **a** :class:`Ring` of encoded keyframes: each keyframe is encoded once and
  every client reads the newest one, so a slow client drops frames and memory
  never grows.

The envelopes use the low-latency ``iir`` method: the kiosk answers a visitor
within a fraction of a second (50-280 ms of group delay against ~0.8 s for the
FIR that matches offline renders), and the mapping's smoothing hides the IIR's
slightly rougher envelopes.
"""

from __future__ import annotations

import base64
import concurrent.futures as cf
import io
import json
import math
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._procs import close_pool, pool_initializer, worker_context
from ..eeg.normalise import Normaliser
from ..eeg.quality import channel_checks, sensor_quality
from ..eeg.sources import DEFAULT_SOURCE, Source, clock, open_source, parse_spec
from ..eeg.stream import EnvelopeStream
from ..errors import SourceError
from ..motifs import registry
from ..motifs.palette import Palette
from ..render.raster import rasterize
from ..timeline import CausalTimeline, Policy

__all__ = [
    "DEFAULT_TILE",
    "KEYFRAME_ANTIALIAS",
    "STAGES",
    "STATES",
    "KeyTask",
    "Keyframe",
    "Ring",
    "Session",
    "Timing",
    "default_workers",
    "draw_keyframe",
    "draw_keyframe_timed",
]

#: What the page shows.
STATES: tuple[str, ...] = ("live", "calibrating", "attract")
#: Default keyframe tile side (px). The page shows about one tile across the screen's
#: short side, as the video does, so a kawung flower is a hand's width on a gallery
#: screen; 512 px keeps that sharp enough at 1080p while a keyframe takes 35-80 ms
#: of one core (kawung, parang; quiet).
DEFAULT_TILE = 512
#: JPEG quality of keyframes (a tile side that is a multiple of 16 keeps the JPEG
#: blocks on the tile's edges, so the repeat shows no seam).
JPEG_QUALITY = 88
#: Keyframe edges: cairo's fast antialiasing. It halves cairo's filling of a 512 px
#: keyframe (kawung 23 -> 12 ms, parang 26 -> 14 ms of one core; a third of the whole
#: rasterising, the rest is flattening the geometry); once the page has
#: scaled the tile up to ~900 px on a 1080p screen and JPEG has softened it, the edges
#: look the same as ``"best"`` (``docs/kiosk.md``). Take-homes keep the finest edges.
KEYFRAME_ANTIALIAS = "fast"
#: Seconds of samples the quality checks look at.
QUALITY_WINDOW = 2.0
#: Quantum of the kiosk's float parameters: coarse enough that calm moments repeat
#: and come from the keyframe cache, fine enough that a change never jumps.
KIOSK_QUANTUM = 1.0 / 400.0


# ------------------------------------------------------------------ drawing
@dataclass(frozen=True)
class KeyTask:
    """One keyframe to draw: a picklable description, so any worker draws it."""

    motif: str
    params: Any  # MotifParams
    palette: Palette
    seed: int
    tile: int
    quality: int = JPEG_QUALITY
    antialias: str = KEYFRAME_ANTIALIAS


def draw_keyframe(task: KeyTask) -> bytes:
    """The repeat cell of *task* as JPEG bytes (an opaque ground; see :data:`JPEG_QUALITY`)."""
    return draw_keyframe_timed(task)[0]


#: The stages of a drawn keyframe's road, in order (see :class:`Timing`).
STAGES: tuple[str, ...] = (
    "reader",
    "queue",
    "generate",
    "rasterize",
    "jpeg",
    "return",
    "send",
)


def draw_keyframe_timed(task: KeyTask) -> tuple[bytes, tuple[float, float, float, float]]:
    """:func:`draw_keyframe` and the :func:`~batik_waves.eeg.sources.clock` times (the
    system's monotonic clock, the same in every process) it started, generated the
    pattern, rasterised it and encoded the JPEG."""
    from PIL import Image

    t0 = clock()
    make = registry.get(task.motif).tile()
    pattern = make(task.params, tile=(task.tile, task.tile), rng=task.seed, palette=task.palette)
    t1 = clock()
    cw, ch = pattern.cell_size
    w, h = max(1, round(cw)), max(1, round(ch))
    cell = rasterize(pattern, width=w, height=h, scale=1.0, antialias=task.antialias)
    t2 = clock()
    buf = io.BytesIO()
    # straight from the RGBA buffer: no copy of the RGB planes first
    Image.frombuffer("RGBA", (w, h), cell, "raw", "RGBA", 0, 1).convert("RGB").save(
        buf, "JPEG", quality=task.quality
    )
    return buf.getvalue(), (t0, t1, t2, clock())


@dataclass(frozen=True)
class Timing:
    """Where one keyframe's time went: :func:`~batik_waves.eeg.sources.clock` stamps.

    ``arrival`` is when the chunk that gave its parameters was read, ``offered`` when
    the reader had its parameters, ``submitted`` when a worker was free and took it,
    ``stamps`` the worker's (start, generated, rasterised, encoded), ``returned``
    when the JPEG was back in the server. A keyframe from the cache has no stamps.
    """

    arrival: float
    offered: float
    submitted: float
    stamps: tuple[float, float, float, float] | None = None
    returned: float = math.nan

    @property
    def fresh(self) -> bool:
        return self.stamps is not None

    def stages(self, sent: float) -> dict[str, float]:
        """Seconds per stage of :data:`STAGES` (a cached keyframe: reader, queue, send)."""
        out = {"reader": self.offered - self.arrival, "queue": self.submitted - self.offered}
        if self.stamps is not None:
            t0, t1, t2, t3 = self.stamps
            out.update(
                queue=t0 - self.offered,
                generate=t1 - t0,
                rasterize=t2 - t1,
                jpeg=t3 - t2,
                send=sent - self.returned,
            )
            out["return"] = self.returned - t3
        else:
            out["send"] = sent - self.submitted
        return out


# ------------------------------------------------------------------ the ring
@dataclass(frozen=True)
class Keyframe:
    """An encoded keyframe, ready to send to every client as it is.

    Attributes
    ----------
    seq : int
        Increasing number (per session).
    state : str
        One of :data:`STATES`.
    message : bytes
        The Server-Sent Event (``id``, ``event: frame``, JSON ``data`` with the
        image as a ``data:`` URL), encoded once.
    size : int
        JPEG bytes.
    timing : Timing or None
        Where a live keyframe's time went (None for attract frames).
    """

    seq: int
    state: str
    message: bytes
    size: int
    timing: Timing | None = None


class Ring:
    """A bounded ring of keyframes that the session fills (one publish at a time) and
    many readers share.

    Readers ask for the newest keyframe after the one they have (:meth:`after`);
    a reader that falls behind skips straight to the newest, so a slow client
    drops frames instead of queueing them. Publishing is thread-safe; waiting is
    for asyncio readers (:meth:`wait`) or threads (:meth:`wait_sync`).
    """

    def __init__(self, size: int = 8) -> None:
        self._frames: deque[Keyframe] = deque(maxlen=max(1, int(size)))
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._waiters: list[tuple[Any, Any]] = []  # (loop, asyncio.Event), bounded by clients
        self.published = 0
        self._times: deque[float] = deque(maxlen=256)

    def publish(self, frame: Keyframe) -> None:
        with self._lock:
            self._frames.append(frame)
            self.published += 1
            self._times.append(clock())
            waiters = list(self._waiters)
            self._cond.notify_all()
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed
                pass

    def newest(self) -> Keyframe | None:
        with self._lock:
            return self._frames[-1] if self._frames else None

    def after(self, seq: int) -> Keyframe | None:
        """The newest keyframe if it is newer than *seq*, else None."""
        f = self.newest()
        return f if f is not None and f.seq > seq else None

    def rate(self, window: float = 2.0) -> float:
        """Keyframes published per second over the last *window* seconds."""
        now = clock()
        with self._lock:
            n = sum(1 for t in self._times if now - t <= window)
        return n / window

    async def wait(self, seq: int, timeout: float) -> Keyframe | None:
        """Wait (asyncio) up to *timeout* s for a keyframe newer than *seq*."""
        import asyncio

        f = self.after(seq)
        if f is not None:
            return f
        event = asyncio.Event()
        item = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.append(item)
        try:
            f = self.after(seq)  # published between the first look and registering
            if f is None:
                try:
                    await asyncio.wait_for(event.wait(), timeout)
                except TimeoutError:
                    return None
                f = self.after(seq)
            return f
        finally:
            with self._lock:
                self._waiters.remove(item)

    def wait_sync(self, seq: int, timeout: float) -> Keyframe | None:
        """Wait (a thread) up to *timeout* s for a keyframe newer than *seq*."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._frames and self._frames[-1].seq > seq:
                    return self._frames[-1]
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)


def _sse(seq: int, payload: dict, jpeg: bytes) -> bytes:
    img = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    data = json.dumps({**payload, "seq": seq, "img": img}, separators=(",", ":"))
    return f"id: {seq}\nevent: frame\ndata: {data}\n\n".encode()


# --------------------------------------------------------------- the session
@dataclass
class _Visitor:
    """What the take-home needs of the current visitor (bounded)."""

    number: int
    started: float  # wall clock
    rows: deque = field(default_factory=lambda: deque(maxlen=720))  # (t, params)
    latest: Any = None
    last_row: float = -math.inf


class Session:
    """The kiosk's live pipeline (see the module docstring).

    Parameters
    ----------
    spec : str | Source
        A source spec (``"replay:sample"``, ``"lsl:Muse"``) or a Source not yet open.
    motif : str
        The motif drawn.
    mapping, palette, variant
        As for :class:`~batik_waves.timeline.CausalTimeline`.
    tile : int
        Keyframe tile side in px.
    fps : float
        Most keyframes a second.
    workers : int or None
        Keyframe drawing processes (0: a thread in this process); None:
        :func:`default_workers`, one core fewer than the machine has. Take-homes are
        drawn by one more process of their own, so they never wait behind keyframes.
    stale : float
        Seconds without a new sample before attract mode (and the watchdog's limit).
    calibration : float
        Seconds a new visitor is ``calibrating``.
    new_visitor : float
        A dropout longer than this (s) starts a new visitor.
    attract_frames : int
        Keyframes in the attract loop (played forth and back).
    seed : int
        Seed of the maker's hand (the same for every keyframe: the cloth stays one cloth).
    antialias : {"best", "fast"}
        Keyframe edges (:func:`~batik_waves.render.raster.rasterize`'s *antialias*;
        see :data:`KEYFRAME_ANTIALIAS`).
    drawer : callable, optional
        What draws a keyframe: a picklable function of a :class:`KeyTask` returning
        ``(jpeg, stamps)`` like :func:`draw_keyframe_timed` (the default; tests pass
        a slow one).
    source_kw
        Passed to :func:`~batik_waves.eeg.sources.open_source`.
    """

    def __init__(
        self,
        spec: str | Source = DEFAULT_SOURCE,
        *,
        motif: str = "kawung",
        mapping: Any = None,
        palette: Any = None,
        variant: str | None = None,
        tile: int = DEFAULT_TILE,
        fps: float = 12.0,
        workers: int | None = None,
        stale: float = 2.0,
        calibration: float = 10.0,
        new_visitor: float = 10.0,
        attract_frames: int = 48,
        ring: int = 8,
        cache: int = 64,
        seed: int = 0,
        antialias: str = KEYFRAME_ANTIALIAS,
        drawer: Callable[[KeyTask], tuple[bytes, tuple]] | None = None,
        poll: float = 0.005,
        **source_kw: Any,
    ) -> None:
        registry.get(motif)  # an unknown motif fails here, before anything starts
        self.spec = spec
        self.motif = motif
        self.variant = variant
        self.mapping = mapping
        self.palette_arg = palette
        self.tile = int(tile)
        self.fps = float(fps)
        self.workers = default_workers() if workers is None else int(workers)
        self.stale = float(stale)
        self.calibration = float(calibration)
        self.new_visitor = float(new_visitor)
        self.attract_frames = int(attract_frames)
        self.seed = int(seed)
        self.antialias = antialias
        self.drawer = drawer if drawer is not None else draw_keyframe_timed
        self.poll = float(poll)
        self.source_kw = dict(source_kw)
        self.ring = Ring(ring)
        self.version = secrets.token_hex(8)
        self.started_at = time.time()
        self._t0 = clock()
        self._cache: OrderedDict[Any, bytes] = OrderedDict()
        self._cache_size = int(cache)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pool: cf.Executor | None = None
        self._side: cf.Executor | None = None  # take-homes: never behind keyframes
        self._in_flight = 0
        # the drawer's one-place slot: the newest live keyframe waiting for a worker
        self._wake = threading.Condition(self._lock)
        self._pending: tuple[KeyTask, float, float] | None = None
        self._last_live = -math.inf
        self._background: deque[tuple[KeyTask, cf.Future]] = deque()
        self.superseded = 0  # live parameters replaced by newer ones before a worker was free
        self._waited = False  # the pending parameters have been passed over once
        self._last_offer = -math.inf
        self._offer_period = math.inf
        self._seq = 0
        # publishing is serialised, so sequence numbers reach the ring in order, and a
        # live keyframe of an older chunk never follows a newer one on screen
        self._publishing = threading.Lock()
        self._newest_live = -math.inf  # arrival of the chunk behind the newest live frame
        self._src: Source | None = None
        self._attract: list[bytes] = []
        self._last_jpeg: bytes | None = None  # the newest live keyframe
        self._sample = None
        self._attract_i = 0
        self.state = "attract"
        self.reason = "starting"
        self.quality: dict[str, str] = {}
        self.bad: dict[str, str] = {}
        self.palette: Palette | None = None
        # per keyframe sent (the first client's write): arrival -> sent (s), and its stages
        self.latencies: deque[float] = deque(maxlen=2048)
        self.fresh_latencies: deque[float] = deque(maxlen=2048)
        self.stage_times: dict[str, deque[float]] = {k: deque(maxlen=2048) for k in STAGES}
        self.draw_times: deque[float] = deque(maxlen=2048)  # submit -> JPEG back (s)
        self._last_sent = 0
        self.visitor: _Visitor | None = None
        self.visitors = 0
        self.errors: deque[str] = deque(maxlen=16)
        self._norm = Normaliser(calibration=self.calibration, window=120.0, dropout=new_visitor)
        self._flat = False

    # ---------------------------------------------------------------- control
    def open_source(self) -> Source:
        """Open the source behind a watchdog (raises SourceError, e.g. an unknown kind)."""
        if isinstance(self.spec, Source):
            from ..eeg.sources import Watchdog

            src = Watchdog(self.spec, limit=self.stale, backoff=0.25, max_backoff=1.0).open()
        else:
            kind, _ = parse_spec(self.spec)
            kw = dict(self.source_kw)
            if kind in ("replay", "lsl"):
                kw.setdefault("timeout", min(2.0, self.stale))
            # a kiosk retries often: a headset put back on is drawn again within a
            # second or two (a failed LSL look-up ends as soon as the stream is back)
            kw.setdefault("backoff", 0.25)
            kw.setdefault("max_backoff", 1.0)
            src = open_source(self.spec, watchdog=True, limit=self.stale, **kw)
        return src

    def start(self) -> Session:
        """Open the source, start the pool and the threads (call from the main thread)."""
        if self._threads:
            return self
        import mne  # noqa: F401  (the filter design imports it: before the source starts)

        self._stop.clear()
        self._sample = sample_arrays()
        try:  # a pool that fails to start (or a source that fails to open) stops them all
            if self.workers > 0:
                # from a fork server, not fork(): the kiosk (and a test session) runs
                # threads, and a forked worker could inherit a lock one of them held
                ctx = worker_context(preload=[__name__])
                initializer, initargs = pool_initializer(server=True)
                self._pool = cf.ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=ctx,
                    initializer=initializer,
                    initargs=initargs,
                )
                # at the keyframes' own priority: niced by 5 it took 4-12 s instead of 2-4 s
                # on a loaded machine, and a visitor is waiting for it
                self._side = cf.ProcessPoolExecutor(
                    max_workers=1, mp_context=ctx, initializer=initializer, initargs=initargs
                )
                # the workers start now (and the fork server with them, from this thread)
                list(self._pool.map(_noop, range(self.workers)))
                self._side.submit(_noop, 0).result()
            else:
                self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-draw")
                self._side = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-side")
            self._src = self.open_source()
        except BaseException:
            self._shutdown_pools()
            raise
        for name, target in (
            ("kiosk-reader", self._read_loop),
            ("kiosk-pacer", self._pace_loop),
            ("kiosk-drawer", self._draw_loop),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        """Stop the threads, the pool and the source (safe to call twice)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for t in self._threads:
            t.join(timeout=10)
        self._threads = []
        self._shutdown_pools()
        if self._src is not None:
            self._src.close()
            self._src = None

    def _shutdown_pools(self) -> None:
        # bounded: a stuck worker is killed, never waited for (a kiosk stops to
        # restart, and must); a take-home being drawn (4-12 s on a loaded machine)
        # gets time to finish so that the visitor's batik is kept
        for pool, grace in ((self._pool, 5.0), (self._side, 20.0)):
            if pool is not None:
                killed = close_pool(pool, grace=grace)
                if killed:
                    self.errors.append(f"stop: killed stuck worker(s) {killed}")
        self._pool = self._side = None
        with self._lock:
            self._pending = None
            while self._background:
                self._background.popleft()[1].cancel()

    def __enter__(self) -> Session:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def source(self) -> Source | None:
        """The watched source (its ``.source`` is the device's own)."""
        return self._src

    # ----------------------------------------------------------------- status
    def status(self) -> dict:
        """What ``/healthz`` reports about the pipeline."""
        src = self._src
        age = src.newest_age if src is not None else math.inf
        return {
            "state": self.state,
            "reason": self.reason,
            "source": self.spec if isinstance(self.spec, str) else self.spec.label,
            "source_state": src.state if src is not None else "closed",
            "newest_age_s": round(min(age, 1e6), 3),
            "source_restarts": getattr(src, "restarts", 0),
            "keyframes_per_s": round(self.ring.rate(), 2),
            "keyframes": self.ring.published,
            "quality": dict(self.quality),
            "visitors": self.visitors,
            "uptime_s": round(clock() - self._t0, 1),
            "version": self.version,
            "attract_loop": len(self._attract),
            "latency_ms": _percentiles(self.latencies),
            "latency_fresh_ms": _percentiles(self.fresh_latencies),
            "stages_ms": {k: _percentiles(v) for k, v in self.stage_times.items()},
            "draw_ms": _percentiles(self.draw_times),
            "superseded": self.superseded,
        }

    def sent(self, frame: Keyframe) -> None:
        """Record that *frame* left the server (the server calls it after each write;
        a keyframe is counted once, at its first client)."""
        now = clock()
        timing = frame.timing
        with self._lock:
            if timing is None or frame.seq <= self._last_sent:
                return
            self._last_sent = frame.seq
            self.latencies.append(now - timing.arrival)
            if timing.fresh:
                self.fresh_latencies.append(now - timing.arrival)
            for k, v in timing.stages(now).items():
                self.stage_times[k].append(v)

    def snapshot(self):
        """The current visitor for a take-home (a ``store.Snapshot``), or None."""
        from .store import Snapshot

        vis, pal = self.visitor, self.palette
        if vis is None or vis.latest is None or pal is None:
            return None
        rows = tuple(vis.rows)
        t0 = rows[0][0] if rows else 0.0
        return Snapshot(
            motif=self.motif,
            variant=self.variant,
            params=vis.latest,
            rows=tuple((t - t0, p) for t, p in rows),
            palette=pal,
            seed=self.seed,
            visitor=vis.number,
            started=vis.started,
            source=self.spec if isinstance(self.spec, str) else self.spec.label,
        )

    def draw(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        """Run *fn(*args)* (picklable) off the event loop, in a process of its own
        beside the keyframe workers: a take-home never waits behind keyframes."""
        if self._side is None:
            raise SourceError("the kiosk session is not running")
        return self._side.submit(fn, *args)

    # ------------------------------------------------------------- the reader
    def _read_loop(self) -> None:
        # the kiosk runs for days: a bug in one chunk's processing must not end the
        # reader; it is recorded (``/healthz`` shows the last errors) and the
        # pipeline starts afresh after a pause
        while not self._stop.is_set():
            try:
                self._read_until_stopped()
            except Exception as err:  # recorded, then restarted
                self.errors.append(f"reader: {type(err).__name__}: {err}")
                self._stop.wait(0.5)

    def _read_until_stopped(self) -> None:
        stream: EnvelopeStream | None = None
        timeline: CausalTimeline | None = None
        tl_bands: tuple[str, ...] = ()
        raw: np.ndarray | None = None
        filled = 0
        next_quality = 0.0
        src = self._src
        while not self._stop.is_set():
            try:
                chunk = src.read()
            except SourceError as err:  # closed under us: the watchdog reopens
                self.errors.append(str(err))
                chunk = None
            if chunk is None:
                self._stop.wait(self.poll)
                continue
            arrival = clock()
            if stream is None or stream.n_in != len(chunk.ch_names) or stream.rate != chunk.rate:
                stream = EnvelopeStream(chunk.ch_names, chunk.ch_types, chunk.rate, method="iir")
                raw = np.zeros((len(stream.ch_names), round(QUALITY_WINDOW * chunk.rate)))
                filled = 0
                timeline = None
            eeg = chunk.data[stream.picks]
            m = min(eeg.shape[1], raw.shape[1])
            raw[:, :-m] = raw[:, m:]
            raw[:, -m:] = eeg[:, -m:]
            filled = min(raw.shape[1], filled + m)
            if arrival >= next_quality and filled >= raw.shape[1] // 2:
                next_quality = arrival + 0.5
                self._check_quality(src, stream, raw[:, -filled:])
            env = stream.push(chunk)
            if env is None:
                continue
            self._norm.update(env.times, env.power().mean(axis=(1,)))
            if self._norm.visitors != self.visitors:  # a new visitor (or the first)
                self.visitors = self._norm.visitors
                self.visitor = _Visitor(self.visitors, time.time())
                if timeline is not None:
                    timeline.reset()
            if timeline is None or tl_bands != tuple(env.bands):
                tl_bands = tuple(env.bands)
                timeline = CausalTimeline(
                    motif=self.motif,
                    bands=env.bands,
                    ch_names=env.ch_names,
                    rate=env.rate,
                    mapping=self.mapping,
                    variant=self.variant,
                    palette=self.palette_arg,
                    policy=Policy(quantum=KIOSK_QUANTUM),
                )
            track = timeline.push(env, times=[float(env.times[-1])])
            params = track.params[-1]
            self.palette = track.palette
            vis = self.visitor
            vis.latest = params
            if env.times[-1] - vis.last_row >= 1.0:
                vis.rows.append((float(env.times[-1]), params))
                vis.last_row = float(env.times[-1])
            if self._live_state() == "attract":
                continue
            task = KeyTask(
                self.motif, params, track.palette, self.seed, self.tile, antialias=self.antialias
            )
            self.offer(task, arrival)

    def _check_quality(self, src: Source, stream: EnvelopeStream, window: np.ndarray) -> None:
        line = stream.line_freq or (50.0, 60.0)
        self.quality = sensor_quality(
            window, stream.rate, stream.ch_names, line_freq=line, device=src.device_quality()
        )
        checks = channel_checks(window, stream.rate, line_freq=line)
        self._flat = all(r in ("flat", "railed") for r in checks.reasons)
        self.bad = dict(stream.bad)

    def _live_state(self) -> str:
        """The state the source's data asks for (the pacer's verdict is :attr:`state`)."""
        if self._reason():
            return "attract"
        return "live" if self._norm.state == "live" else "calibrating"

    def _reason(self) -> str:
        """Why the page should show attract, or "" when the source is fit to draw from."""
        src = self._src
        if src is None or src.newest_age > self.stale:
            return "no fresh samples"
        if self._flat:
            return "every channel flat or railed"
        dev = src.device_quality()
        if dev and all(v == "poor" for v in dev.values()):
            return "the headset reports poor contact"
        return ""

    # ------------------------------------------------------------ the drawing
    # One drawer thread hands keyframes to the workers, newest first. A worker takes
    # at most one keyframe at a time. The reader *offers* every new set of parameters;
    # it waits in a one-place slot, and a newer offer replaces it (``superseded``), so
    # no keyframe is ever drawn behind stale ones. A live keyframe goes out at most
    # ``fps`` times a second, from the cache when its parameters were drawn before.
    # The attract loop's frames are drawn only when no live keyframe waits.
    def offer(self, task: KeyTask, arrival: float) -> None:
        """Ask for a live keyframe of *task*, from a chunk read at *arrival*."""
        now = clock()
        with self._wake:
            if self._pending is not None:
                self.superseded += 1
            dt = now - self._last_offer
            if 0 < dt < 1.0:  # how often chunks come (a smoothed period)
                p = self._offer_period
                self._offer_period = dt if math.isinf(p) else 0.8 * p + 0.2 * dt
            self._last_offer = now
            self._waited = False
            self._pending = (task, arrival, now)
            self._wake.notify()

    def _capacity(self) -> int:
        return max(1, self.workers)

    def _draw_loop(self) -> None:
        interval = 1.0 / self.fps
        while not self._stop.is_set():
            job = None
            with self._wake:
                wait = None
                free = self._in_flight < self._capacity()
                if self._pending is not None:
                    now = clock()
                    due = self._last_live + interval - now
                    able = free or self._cached(self._pending[0]) is not None
                    if due > 0 or not able:
                        self._waited = True
                        wait = due if due > 0 else None
                    else:
                        hold = hold_for_next_chunk(now - self._pending[2], self._offer_period)
                        if self._waited and hold > 0:
                            wait = hold
                        else:
                            job = ("live", *self._pending)
                            self._pending = None
                            # on the keyframe clock (drawing on the chunk after it is due
                            # must not slow the rate), unless a whole interval behind
                            sched = self._last_live + interval
                            self._last_live = sched if now - sched < interval else now
                # background frames leave a worker free for the next live keyframe (with
                # one worker: they go only when no live keyframe waits)
                cap = self._capacity()
                if cap > 1:
                    room = self._in_flight < cap - 1
                else:
                    room = self._in_flight == 0 and self._pending is None
                if job is None and room and self._background:
                    job = ("background", *self._background.popleft())
                if job is None:
                    self._wake.wait(wait if wait is not None else 0.5)
                    continue
            try:
                if job[0] == "live":
                    self._submit(job[1], job[2], job[3])
                else:
                    self._submit_background(job[1], job[2])
            except Exception as err:  # recorded; the next keyframe is drawn as usual
                self.errors.append(f"drawer: {type(err).__name__}: {err}")

    # The cache's key is the KeyTask itself: frozen, all it draws and nothing else.
    def _cached(self, task: KeyTask) -> bytes | None:
        """The cached JPEG of *task* (call with the lock held)."""
        jpeg = self._cache.get(task)
        if jpeg is not None:
            self._cache.move_to_end(task)
        return jpeg

    def _keep(self, task: KeyTask, jpeg: bytes) -> None:
        with self._lock:
            self._cache[task] = jpeg
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _start_drawing(self, task: KeyTask) -> cf.Future | None:
        pool = self._pool
        if pool is None:
            return None
        with self._lock:
            self._in_flight += 1
        try:
            return pool.submit(self.drawer, task)
        except RuntimeError:  # shutting down
            self._freed()
            return None

    def _freed(self) -> None:
        with self._wake:
            self._in_flight -= 1
            self._wake.notify()

    def _submit(self, task: KeyTask, arrival: float, offered: float) -> None:
        submitted = clock()
        with self._lock:
            jpeg = self._cached(task)
        if jpeg is not None:
            state = self._live_state()
            if state != "attract":
                self._publish(jpeg, state, Timing(arrival, offered, submitted))
            return
        fut = self._start_drawing(task)
        if fut is not None:
            fut.add_done_callback(lambda f: self._drawn(f, task, arrival, offered, submitted))

    def _drawn(self, fut: cf.Future, task: KeyTask, arrival, offered, submitted) -> None:
        self._freed()
        if fut.cancelled():
            return
        err = fut.exception()
        if err is not None:
            self.errors.append(f"{type(err).__name__}: {err}")
            return
        jpeg, stamps = fut.result()
        returned = clock()
        self.draw_times.append(returned - submitted)
        self._keep(task, jpeg)
        state = self._live_state()
        if state != "attract":
            self._publish(jpeg, state, Timing(arrival, offered, submitted, stamps, returned))

    def _submit_background(self, task: KeyTask, out: cf.Future) -> None:
        fut = self._start_drawing(task)
        if fut is None:
            out.cancel()
            return

        def done(f: cf.Future) -> None:
            self._freed()
            if f.cancelled():
                out.cancel()
            elif f.exception() is not None:
                out.set_exception(f.exception())
            else:
                out.set_result(f.result()[0])

        fut.add_done_callback(done)

    def _draw_in_background(self, task: KeyTask) -> cf.Future:
        """Draw *task* when no live keyframe waits (a future of its JPEG)."""
        out: cf.Future = cf.Future()
        with self._wake:
            self._background.append((task, out))
            self._wake.notify()
        return out

    def _publish(self, jpeg: bytes, state: str, timing: Timing | None = None) -> None:
        """Send *jpeg* to every client, unless it is a live keyframe of a chunk older
        than one already sent (a slow fresh draw finishing after a newer cached one)."""
        payload = {"state": state, "quality": dict(self.quality), "version": self.version}
        if state == "attract":
            payload["reason"] = self.reason
        with self._publishing:
            if timing is not None:
                if timing.arrival < self._newest_live:
                    return
                self._newest_live = timing.arrival
            if state != "attract":
                self._last_jpeg = jpeg
            with self._lock:
                self._seq += 1
                seq = self._seq
            frame = Keyframe(seq, state, _sse(seq, payload, jpeg), len(jpeg), timing)
            self.ring.publish(frame)

    # -------------------------------------------------------------- the pacer
    def _pace_loop(self) -> None:
        interval = 1.0 / self.fps
        loop_ready = threading.Event()
        threading.Thread(
            target=self._make_attract, args=(loop_ready,), name="kiosk-attract", daemon=True
        ).start()
        next_tick = clock()
        while not self._stop.is_set():
            state = self._live_state()
            self.state = state
            self.reason = self._reason() if state == "attract" else ""
            now = clock()
            # until the loop is drawn (a slow motif takes seconds), the last live
            # keyframe stands in: the page learns the state from the frames it gets
            loop = self._attract or ([self._last_jpeg] if self._last_jpeg else [])
            if state == "attract" and loop:
                n = len(loop)
                period = max(1, 2 * n - 2)  # forth and back: the loop has no seam
                i = self._attract_i % period
                self._attract_i += 1
                frame = loop[i if i < n else period - i]
                self._publish(frame, "attract")
            next_tick += interval
            if next_tick < now:
                next_tick = now + interval
            self._stop.wait(max(0.0, next_tick - clock()))

    def _make_attract(self, ready: threading.Event) -> None:
        """Draw the attract loop: the bundled sample through the live path."""
        try:
            tasks = attract_tasks(
                self.motif,
                n=self.attract_frames,
                mapping=self.mapping,
                palette=self.palette_arg,
                variant=self.variant,
                seed=self.seed,
                tile=self.tile,
                fps=self.fps,
                sample=self._sample,
                antialias=self.antialias,
            )
            frames = [self._draw_in_background(task) for task in tasks]
            self._attract = [f.result() for f in frames]
        except (RuntimeError, cf.CancelledError) as err:  # stopped while drawing
            self.errors.append(f"attract loop: {err}")
        finally:
            self._sample = None  # the sample's arrays are needed only for the loop
            ready.set()


def default_workers() -> int:
    """Keyframe workers by default: one fewer than the cores this process may use, and
    at least one.

    The spare core runs the server, the reader (source, envelopes, timeline), the
    replay player and, on a gallery PC, the browser. On this project's 2-core machine
    two workers drew each keyframe a third slower than one worker alone did, because
    they fought those for the cores: p95 latency 104 and 147 ms (kawung, parang)
    against 84 and 118 ms with one, at 11-12 keyframes a second either way.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return max(1, cores - 1)


def _percentiles(values) -> dict[str, float | None]:
    """p50 and p95 in ms of a deque of seconds (None when empty)."""
    v = np.asarray(list(values), dtype=np.float64)
    if v.size == 0:
        return {"p50": None, "p95": None, "n": 0}
    p50, p95 = np.percentile(v, [50, 95]) * 1e3
    return {"p50": round(float(p50), 1), "p95": round(float(p95), 1), "n": int(v.size)}


def _noop(i: int) -> int:
    return i


#: Chunks that come at least this often (s) are waited for (see hold_for_next_chunk).
NEXT_CHUNK = 0.05


def hold_for_next_chunk(age: float, period: float) -> float:
    """Seconds to hold parameters that waited *age* s for a worker (or for the keyframe
    rate), when chunks come every *period* s: 0 means draw them now.

    When a worker frees up between two chunks, the next chunk is at most one short
    period away, and a keyframe drawn from it is that much fresher when it reaches the
    screen; the waiting parameters would be superseded by it anyway. A slow source
    (longer periods than :data:`NEXT_CHUNK`) is not waited for, and parameters are held
    at most one and a half periods (a source that paused is drawn as it stopped).

    >>> hold_for_next_chunk(0.010, 0.031)   # 31 ms chunks: the next comes in ~36 ms
    0.0365
    >>> hold_for_next_chunk(0.050, 0.031), hold_for_next_chunk(0.010, 1.0)
    (0.0, 0.0)
    """
    if not period <= NEXT_CHUNK:
        return 0.0
    return round(max(0.0, 1.5 * period - age), 6)


def attract_tasks(
    motif: str,
    *,
    n: int,
    mapping: Any = None,
    palette: Any = None,
    variant: str | None = None,
    seed: int = 0,
    tile: int = DEFAULT_TILE,
    fps: float = 12.0,
    start: float = 20.0,
    sample: tuple[np.ndarray, tuple[str, ...], float] | None = None,
    antialias: str = KEYFRAME_ANTIALIAS,
) -> list[KeyTask]:
    """The keyframes of the attract loop: *n* moments of the bundled sample, one
    keyframe interval apart, from *start* s in, through the same envelopes and
    timeline as a live visitor."""
    from ..eeg.sources import Chunk

    data, names, rate = sample if sample is not None else sample_arrays()
    types = ("eeg",) * len(names)

    stream = EnvelopeStream(names, types, rate, method="iir")
    timeline: CausalTimeline | None = None
    step = max(1, round(rate / fps))
    # the loop's moments are 2 keyframe intervals apart: a calm breathing, not a replay
    want = [start + k * 2.0 / fps for k in range(n)]
    out: list[KeyTask] = []
    end = min(data.shape[1], round((want[-1] + 1.0) * rate))
    for i0 in range(0, end, step):
        i1 = min(end, i0 + step)
        times = np.arange(i0, i1) / rate
        env = stream.push(Chunk(times, data[:, i0:i1], names, types, rate))
        if env is None:
            continue
        if timeline is None:
            timeline = CausalTimeline(
                motif=motif,
                bands=env.bands,
                ch_names=env.ch_names,
                rate=env.rate,
                mapping=mapping,
                variant=variant,
                palette=palette,
                policy=Policy(quantum=KIOSK_QUANTUM),
            )
        track = timeline.push(env, times=[float(env.times[-1])])
        while len(out) < n and env.times[-1] >= want[len(out)]:
            out.append(
                KeyTask(motif, track.params[-1], track.palette, seed, tile, antialias=antialias)
            )
    while len(out) < n and out:  # a short sample: repeat its last moment
        out.append(out[-1])
    return out


def sample_arrays() -> tuple[np.ndarray, tuple[str, ...], float]:
    """The bundled sample's EEG (volts), channel names and rate.

    Read it from the main thread before other threads start: the readers silence
    chatty libraries with ``redirect_stdout``, which is not thread-safe.
    """
    from ..eeg.read import read_recording
    from ..eeg.simulate import sample_path

    raw = read_recording(sample_path(), preload=True)
    raw.pick("eeg")
    return raw.get_data(), tuple(raw.ch_names), float(raw.info["sfreq"])


def rss_bytes() -> int:
    """This process's resident memory in bytes (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
