"""Composing video frames from repeat cells: cross-fade, drift, fill, Y'CbCr.

A frame of batik is a periodic pattern, so only one repeat cell (one tile, two for
half-drop and half-brick repeats) is drawn per keyframe. This module turns those
cells into frames: it blends the two cells around a frame (:func:`mix`), shifts the
blend for a slow drift with sub-pixel interpolation (:func:`shift_rows`), fills the
frame by block copies (:func:`fill`), and for H.264 does all of that on the cells'
BT.709 Y'CbCr 4:2:0 planes (:func:`rgba_to_yuv420`, :func:`compose_yuv_frames`):
blending is linear, so blending planes equals converting the blend.

It knows nothing of recordings or motifs: cells are arrays, keyframes are indices.
Scratch buffers belong to each composer (:class:`Scratch`), never to the module, so
threads and processes compose side by side.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import RenderError

__all__ = [
    "CACHE",
    "CellStream",
    "Motion",
    "Scratch",
    "compose_frames",
    "compose_yuv_frames",
    "fill",
    "mix",
    "ordered",
    "rgba_to_yuv420",
    "shift_rows",
    "task_order",
]

#: Cells kept in memory while composing (and simulated for the work order).
CACHE = 8


# ------------------------------------------------------------------ cell order
def task_order(key_ids: Sequence[int], k_from: int, k_to: int, size: int) -> list[int]:
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


class CellStream:
    """Keyframe -> cell, consuming drawn cells in the order :func:`task_order` gave."""

    def __init__(
        self,
        key_ids: Sequence[int],
        k_from: int,
        drawn: Iterator[np.ndarray],
        size: int = CACHE,
    ):
        self.key_ids = key_ids
        self.size = size
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
                if len(self.cache) > self.size:
                    self.cache.popitem(last=False)
            self.next_k += 1
        return self.cache[self.key_ids[k]]


def ordered(
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
            pending.append(pool.submit(fn, t))
            if len(pending) >= ahead:
                break
        while pending:
            result = pending.popleft().result()
            for t in it:
                pending.append(pool.submit(fn, t))
                break
            yield result
    finally:
        for f in pending:
            f.cancel()


# ---------------------------------------------------------------- composing frames
class Scratch:
    """Two uint16 scratch arrays, reused from frame to frame by one composer (each
    thread or process composing frames has its own)."""

    def __init__(self) -> None:
        self._shape: tuple[int, ...] | None = None
        self._pair: tuple[np.ndarray, np.ndarray] | None = None

    def get(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        if self._shape != shape or self._pair is None:
            self._pair = (np.empty(shape, np.uint16), np.empty(shape, np.uint16))
            self._shape = shape
        return self._pair


def mix(
    a: np.ndarray, b: np.ndarray, w: float, opaque: bool, scratch: Scratch | None = None
) -> np.ndarray:
    """(1 − w)·a + w·b of two straight-RGBA cells (premultiplied where not opaque)."""
    if w <= 0 or a is b:
        return a
    if w >= 1:
        return b
    if opaque:
        wi = round(w * 256)
        x, y = (scratch or Scratch()).get(a.shape)
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


def shift_rows(
    cell: np.ndarray, offset: float, opaque: bool, scratch: Scratch | None = None
) -> np.ndarray:
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
    return mix(a, b, f, opaque, scratch)


def fill(cell: np.ndarray, out: np.ndarray) -> np.ndarray:
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
class Motion:
    """Per-frame motion: which keyframes, how far between them, the drift offset."""

    fps: Fraction
    step: int
    drift_px_per_s: float  # rows per second the cloth moves down (negative: up)

    def keys(self, n: int) -> tuple[int, float]:
        return n // self.step, (n % self.step) / self.step

    def offset(self, n: int) -> float:
        return -self.drift_px_per_s * n * self.fps.denominator / self.fps.numerator


def compose_frames(
    n_from: int,
    n_to: int,
    *,
    motion: Motion,
    stream: CellStream,
    width: int,
    height: int,
    opaque: bool,
) -> Iterator[np.ndarray]:
    """Frames n_from..n_to-1 as (height, width, 4) uint8 arrays (one buffer, reused)."""
    frame = np.empty((height, width, 4), np.uint8)
    other = np.empty_like(frame)
    scratch = Scratch()
    for n in range(n_from, n_to):
        k, w = motion.keys(n)
        a = stream.get(k)
        b = stream.get(k + 1) if w > 0 else a
        dy = motion.offset(n)
        if a.shape == b.shape:
            cell = mix(a, b, w, opaque, scratch)
            fill(shift_rows(cell, dy, opaque, scratch) if dy else cell, frame)
        else:  # the repeat cell changed size between the keyframes: blend whole frames
            fill(shift_rows(a, dy, opaque, scratch) if dy else a, frame)
            fill(shift_rows(b, dy, opaque, scratch) if dy else b, other)
            frame[...] = mix(frame, other, w, opaque, scratch)
        yield frame


# ----------------------------------------------- the H.264 path: Y'CbCr from the cells
def rgba_to_yuv420(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def compose_yuv_frames(
    n_from: int, n_to: int, *, motion: Motion, stream: CellStream, width: int, height: int
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
    scratch = Scratch()
    for n in range(n_from, n_to):
        k, w = motion.keys(n)
        a = stream.get(k)
        b = stream.get(k + 1) if w > 0 else a
        dy = motion.offset(n)
        for i, (pa, pb) in enumerate(zip(a, b, strict=True)):
            d = dy if i == 0 else dy / 2
            if pa.shape == pb.shape:
                cell = mix(pa, pb, w, True, scratch)
                fill(shift_rows(cell, d, True, scratch) if d else cell, planes[i])
            else:
                fill(shift_rows(pa, d, True, scratch) if d else pa, planes[i])
                fill(shift_rows(pb, d, True, scratch) if d else pb, others[i])
                planes[i][...] = mix(planes[i], others[i], w, True, scratch)
        yield buf
