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
import itertools
import math
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import RenderError

__all__ = [
    "CACHE",
    "Blend",
    "CellStream",
    "Motion",
    "Scratch",
    "compose_frames",
    "compose_yuv_frames",
    "fill",
    "mix",
    "ordered",
    "repeat_corner",
    "rgba_to_yuv420",
    "rgba_to_yuv420_reference",
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
    """Results of fn over tasks, in order, at most *ahead* in flight.

    With a pool, the first *ahead* tasks are submitted at once, before the first
    result is asked for: the pool's processes exist when this returns, and the first
    cells are drawn while the caller starts its encoder.
    """
    if pool is None:
        return (fn(t) for t in tasks)
    it = iter(tasks)
    pending: deque[cf.Future] = deque(pool.submit(fn, t) for t in itertools.islice(it, ahead))
    return _results(pending, it, pool, fn)


def _results(
    pending: deque[cf.Future], it: Iterator[int], pool: cf.Executor, fn: Callable
) -> Iterator[np.ndarray]:
    try:
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
    rows, cols = min(ch, out.shape[0]), min(cw, out.shape[1])
    out[:rows, :cols] = cell[:rows, :cols]
    return repeat_corner(out, ch, cw)


def repeat_corner(out: np.ndarray, ch: int, cw: int) -> np.ndarray:
    """Tile the top-left ``ch × cw`` block of *out* (already drawn) over the rest."""
    height, width = out.shape[:2]
    rows = min(ch, height)
    for x0 in range(cw, width, cw):
        n = min(cw, width - x0)
        out[:rows, x0 : x0 + n] = out[:rows, :n]
    y0 = ch
    while y0 < height:
        n = min(y0, height - y0)  # double the filled band each time
        out[y0 : y0 + n] = out[:n]
        y0 += n
    return out


class Blend:
    """Cross-fades of two opaque cells at many weights: :func:`mix`'s pixels in
    three passes instead of six, written straight into the frame.

    ``mix`` computes ``(a·(256 − wi) + b·wi + 128) >> 8``, which is
    ``(256·a + 128 + (b − a)·wi) >> 8``. The first term and ``b − a`` are made once
    per pair of cells; each frame then multiplies, adds and shifts. The sum always
    lies in 0 … 65 408, so uint16 arithmetic, even where ``b − a`` wraps around,
    gives it exactly.
    """

    def __init__(self) -> None:
        self._pair: tuple[np.ndarray, np.ndarray, int, int] | None = None
        self._base = self._diff = self._tmp = np.empty(0, np.uint16)

    def into(self, a: np.ndarray, b: np.ndarray, w: float, out: np.ndarray) -> None:
        """Write the blend of the top-left ``out``-sized part of *a* and *b* into *out*."""
        rows, cols = out.shape[:2]
        pair = self._pair
        if pair is None or pair[0] is not a or pair[1] is not b or pair[2:] != (rows, cols):
            self._pair = None
            pa, pb = a[:rows, :cols], b[:rows, :cols]
            if self._base.shape != pa.shape:
                self._base, self._diff, self._tmp = (np.empty(pa.shape, np.uint16) for _ in "bdt")
            np.left_shift(pa, 8, out=self._base, dtype=np.uint16)
            self._base += 128
            np.subtract(pb, pa, out=self._diff, dtype=np.uint16)  # modulo 2**16
            self._pair = (a, b, rows, cols)
        np.multiply(self._diff, np.uint16(round(w * 256)), out=self._tmp)
        self._tmp += self._base
        np.right_shift(self._tmp, 8, out=out, casting="unsafe")


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
    buffers: int = 1,
) -> Iterator[np.ndarray]:
    """Frames n_from..n_to-1 as (height, width, 4) uint8 arrays.

    *buffers* frame buffers are used in turn: frame *n* is overwritten when frame
    *n* + *buffers* is composed (one, the default, for a consumer that is done with
    a frame before it asks for the next; :attr:`.encode.Feeder.buffers` for a
    :class:`~.encode.Feeder`).
    """
    ring = [np.empty((height, width, 4), np.uint8) for _ in range(max(1, buffers))]
    other = np.empty_like(ring[0])
    scratch = Scratch()
    blend = Blend()
    for n in range(n_from, n_to):
        frame = ring[n % len(ring)]
        k, w = motion.keys(n)
        a = stream.get(k)
        b = stream.get(k + 1) if w > 0 else a
        dy = motion.offset(n)
        if opaque and not dy and a.shape == b.shape and a is not b:
            _blend_fill(blend, a, b, w, frame)
        elif a.shape == b.shape:
            cell = mix(a, b, w, opaque, scratch)
            fill(shift_rows(cell, dy, opaque, scratch) if dy else cell, frame)
        else:  # the repeat cell changed size between the keyframes: blend whole frames
            fill(shift_rows(a, dy, opaque, scratch) if dy else a, frame)
            fill(shift_rows(b, dy, opaque, scratch) if dy else b, other)
            frame[...] = mix(frame, other, w, opaque, scratch)
        yield frame


def _blend_fill(blend: Blend, a: np.ndarray, b: np.ndarray, w: float, out: np.ndarray) -> None:
    """Blend cells *a* and *b* into the top-left corner of *out*, then tile it."""
    ch, cw = a.shape[:2]
    blend.into(a, b, w, out[: min(ch, out.shape[0]), : min(cw, out.shape[1])])
    repeat_corner(out, ch, cw)


# ----------------------------------------------- the H.264 path: Y'CbCr from the cells
def _table(coefs: tuple[float, ...], n: int, scale: float, dtype) -> tuple[np.ndarray, ...]:
    """Read-only lookup tables ``round(v · c · scale)`` for v = 0 … n − 1, one per c."""
    tables = []
    for c in coefs:
        t = np.round(np.arange(n) * (c * scale)).astype(dtype)
        t.flags.writeable = False
        tables.append(t)
    return tuple(tables)


# BT.709 into limited range: Y' = 16 + 219/255 · (Kr R + Kg G + Kb B), in 1/256 of a
# level (uint16: the sum stays below 65 536); Cb, Cr = 128 + 224/255 · (…) from the
# sums of 2×2 pixels (0 … 1020), in 1/65 536 of a level (int32: they may be negative).
_KR, _KG, _KB = 0.2126, 0.7152, 0.0722
_Y_LUT = _table((_KR, _KG, _KB), 256, 219 / 255 * 256, np.uint16)
_CB_LUT = _table((-_KR / 1.8556, -_KG / 1.8556, 0.5), 1021, 224 / 255 / 4 * 65536, np.int32)
_CR_LUT = _table((0.5, -_KG / 1.5748, -_KB / 1.5748), 1021, 224 / 255 / 4 * 65536, np.int32)


def rgba_to_yuv420(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An opaque RGBA cell as BT.709 limited-range Y'CbCr 4:2:0 planes (Y, Cb, Cr).

    Chroma is the 2×2 average (centred siting), which is what a box filter in
    swscale would give; the matrix and range are what the file is tagged with.
    Each term comes from a lookup table in fixed point (1/256 of a level for Y',
    1/65 536 for chroma): within one level of :func:`rgba_to_yuv420_reference`,
    and equal to it for all but a few pixels in a thousand.
    """
    h, w = cell.shape[:2]
    if h % 2 or w % 2:
        raise RenderError(f"internal: a {w}×{h} cell cannot be subsampled to 4:2:0")
    acc = np.empty((h, w), np.uint16)
    term = np.empty((h, w), np.uint16)
    np.take(_Y_LUT[0], cell[..., 0], out=acc)
    for c in (1, 2):
        np.take(_Y_LUT[c], cell[..., c], out=term)
        acc += term
    acc += round(16.5 * 256)  # the offset, and a half for rounding
    acc >>= 8
    y = acc.astype(np.uint8)
    sums = []  # of each 2×2 block, per channel
    for c in range(3):
        p = cell[..., c]
        q = np.add(p[0::2, 0::2], p[1::2, 0::2], dtype=np.uint16)
        q += p[0::2, 1::2]
        q += p[1::2, 1::2]
        sums.append(q)
    chroma = []
    for tables in (_CB_LUT, _CR_LUT):
        total = np.take(tables[0], sums[0])
        total += np.take(tables[1], sums[1])
        total += np.take(tables[2], sums[2])
        total += round(128.5 * 65536)
        total >>= 16
        chroma.append(total.astype(np.uint8))
    return y, chroma[0], chroma[1]


def rgba_to_yuv420_reference(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`rgba_to_yuv420` in floating point, plainly: the reference of its tests."""
    rgb = cell[..., :3].astype(np.float64)
    k = np.array([_KR, _KG, _KB])
    y = 16 + 219 / 255 * (rgb @ k)
    h, w = cell.shape[:2]
    mean = rgb.reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))
    cb = 128 + 224 / 255 * (mean @ np.array([-_KR / 1.8556, -_KG / 1.8556, 0.5]))
    cr = 128 + 224 / 255 * (mean @ np.array([0.5, -_KG / 1.5748, -_KB / 1.5748]))
    return tuple(np.floor(p + 0.5).astype(np.uint8) for p in (y, cb, cr))  # type: ignore[return-value]


def _yuv_planes(buf: np.ndarray, width: int, height: int) -> tuple[np.ndarray, ...]:
    ny, nc = width * height, (width // 2) * (height // 2)
    return (
        buf[:ny].reshape(height, width),
        buf[ny : ny + nc].reshape(height // 2, width // 2),
        buf[ny + nc :].reshape(height // 2, width // 2),
    )


def compose_yuv_frames(
    n_from: int,
    n_to: int,
    *,
    motion: Motion,
    stream: CellStream,
    width: int,
    height: int,
    buffers: int = 1,
) -> Iterator[np.ndarray]:
    """Frames as yuv420p bytes, composed plane by plane.

    Cross-fades, sub-pixel shifts and tiling are linear, so doing them on the
    Y'CbCr planes of the cells gives the frame that converting the RGBA frame would,
    at 1.5 instead of 4 bytes a pixel, and ffmpeg has nothing left to convert.
    *buffers* is as in :func:`compose_frames`.
    """
    ring = [np.empty(width * height * 3 // 2, np.uint8) for _ in range(max(1, buffers))]
    ring_planes = [_yuv_planes(buf, width, height) for buf in ring]
    others = tuple(np.empty_like(p) for p in ring_planes[0])
    scratch = Scratch()
    blends = (Blend(), Blend(), Blend())
    for n in range(n_from, n_to):
        buf, planes = ring[n % len(ring)], ring_planes[n % len(ring)]
        k, w = motion.keys(n)
        a = stream.get(k)
        b = stream.get(k + 1) if w > 0 else a
        dy = motion.offset(n)
        for i, (pa, pb) in enumerate(zip(a, b, strict=True)):
            d = dy if i == 0 else dy / 2
            if not d and pa.shape == pb.shape and pa is not pb:
                _blend_fill(blends[i], pa, pb, w, planes[i])
            elif pa.shape == pb.shape:
                cell = mix(pa, pb, w, True, scratch)
                fill(shift_rows(cell, d, True, scratch) if d else cell, planes[i])
            else:
                fill(shift_rows(pa, d, True, scratch) if d else pa, planes[i])
                fill(shift_rows(pb, d, True, scratch) if d else pb, others[i])
                planes[i][...] = mix(planes[i], others[i], w, True, scratch)
        yield buf
