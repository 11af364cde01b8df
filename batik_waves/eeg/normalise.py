"""Per-person normalisation: each moment against this visitor's (or recording's) own range.

Scalp, skull and electrode contact change a person's band amplitudes several-fold,
so a motif that answers raw amplitude answers the headset, not the mind. A
:class:`Normaliser` first calibrates (default 20 s), then keeps running percentiles
over the last few minutes, and expresses each value against them. After a dropout
longer than ``dropout`` seconds a new visitor is assumed: the history is dropped and
a new calibration starts.

The same object serves live use (:meth:`Normaliser.update` chunk by chunk) and
offline use (:func:`normalise_series` over a whole recording), with identical
results: every decision falls on sample times, never on chunk boundaries.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._check import check_choice, check_number
from ..errors import ParameterError

__all__ = ["DOUBLINGS_LIMIT", "MODES", "Normaliser", "doublings", "normalise_series"]

#: ``ratio``: value / running median (1 = typical for this person).
#: ``range``: (value - p_low) / (p_high - p_low) (0 = low, 1 = high for this person).
#: ``doublings``: :func:`doublings` of the value against the running median (0 =
#: typical, +1 twice, -1 half): the mapping's departures, live.
MODES = ("ratio", "range", "doublings")

#: Doublings stop here: a moment sixteen times (or a sixteenth of) its usual is as far
#: as any.
DOUBLINGS_LIMIT = 4.0


def doublings(values, median, *, floor: float = 0.0) -> np.ndarray:
    """How many doublings *values* lie above *median* (negative: below), within
    ±:data:`DOUBLINGS_LIMIT`; values and median under *floor* count as *floor*. NaN
    where either is NaN, or where the median (after the floor) is not positive.

    The one definition of a departure from a person's own baseline: the mapping's
    offline departures (:func:`batik_waves.mapping.extract.departures_series`, against
    the recording's median) and a live :class:`Normaliser` in ``"doublings"`` mode
    (against its running median) both use it.

    >>> doublings(np.array([2.0, 1.0, 0.25, 0.0]), 1.0).tolist()
    [1.0, 0.0, -2.0, -4.0]
    """
    x = np.maximum(np.asarray(values, dtype=np.float64), floor)
    m = np.maximum(np.asarray(median, dtype=np.float64), floor)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.log2(x / m)
    d = np.where(m > 0, d, np.nan)
    return np.clip(d, -DOUBLINGS_LIMIT, DOUBLINGS_LIMIT)


class Normaliser:
    """Running per-person normalisation of feature values.

    Parameters
    ----------
    calibration : float
        Seconds of calibration at the start of each visitor (state ``calibrating``);
        the statistics then come from what has been seen so far.
    window : float
        Seconds of history the running percentiles cover once live.
    dropout : float
        A gap in the times longer than this (s) starts a new visitor.
    refresh : float
        Seconds between recomputations of the percentiles.
    history_rate : float
        Samples per second kept for the percentiles (the first sample of each
        ``1 / history_rate`` s cell), which bounds memory and cost.
    mode : "ratio" | "range" | "doublings"
        See :data:`MODES`. (The live ``"doublings"`` use no floor and no choice of
        channels, unlike the offline departures, which floor shares at 1e-3 and
        average the quarter of channels that move most.)
    percentiles : (float, float)
        The low and high percentiles of ``range`` mode.

    Attributes
    ----------
    state : str
        ``"calibrating"`` or ``"live"`` (``"waiting"`` before the first value).
    visitors : int
        Visitors seen (dropouts + 1).

    Examples
    --------
    >>> norm = Normaliser(calibration=2.0, window=10.0)
    >>> t = np.arange(0, 4, 0.25)
    >>> out = norm.update(t, np.full((1, t.size), 5e-6))
    >>> float(out[0, -1]), norm.state
    (1.0, 'live')
    """

    def __init__(
        self,
        calibration: float = 20.0,
        window: float = 180.0,
        *,
        dropout: float = 10.0,
        refresh: float = 1.0,
        history_rate: float = 4.0,
        mode: str = "ratio",
        percentiles: tuple[float, float] = (10.0, 90.0),
    ) -> None:
        self.calibration = check_number(calibration, "calibration", lo=0, unit="s")
        self.window = check_number(window, "window", lo=0, lo_open=True, unit="s")
        self.dropout = check_number(dropout, "dropout", lo=0, lo_open=True, unit="s")
        self.refresh = check_number(refresh, "refresh", lo=0, lo_open=True, unit="s")
        self.history_rate = check_number(history_rate, "history_rate", lo=0, lo_open=True)
        self.mode = check_choice(mode, MODES, "mode")
        lo, hi = (check_number(p, "percentiles", lo=0, hi=100) for p in percentiles)
        if not lo < hi:
            raise ParameterError(
                f"Invalid value for the 'percentiles' parameter: expected low < high, "
                f"but got {percentiles!r} instead."
            )
        self.percentiles = (float(lo), float(hi))
        self._cap = math.ceil(self.window * self.history_rate) + 2
        self._shape: tuple[int, ...] | None = None
        self.visitors = 0
        self.reset()

    def reset(self) -> None:
        """Forget the current visitor (the next value starts a new calibration)."""
        self._start: float | None = None
        self._last_t: float | None = None
        self._next_refresh = -math.inf
        self._last_cell: int | None = None
        self._stats: np.ndarray | None = None
        self._hist_t = np.empty(self._cap)
        self._hist_v: np.ndarray | None = None
        self._n_hist = 0
        self._head = 0

    @property
    def state(self) -> str:
        if self._start is None or self._last_t is None:
            return "waiting"
        return "calibrating" if self._last_t - self._start < self.calibration else "live"

    # ---------------------------------------------------------------- update
    def update(self, times: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Normalise *values* (..., n_times) taken at *times* (n_times,) seconds.

        Returns an array of the same shape (float64). Values are NaN where the input
        is NaN or no statistic exists for that feature yet.
        """
        t = np.asarray(times, dtype=np.float64)
        v = np.asarray(values, dtype=np.float64)
        if t.ndim != 1 or v.shape[-1:] != t.shape:
            raise ParameterError(
                f"Invalid values: expected shape (..., {t.size}) for {t.size} times, but "
                f"got {v.shape} instead."
            )
        if self._shape is None:
            self._shape = v.shape[:-1]
        elif v.shape[:-1] != self._shape:
            raise ParameterError(
                f"Invalid values: features of shape {v.shape[:-1]}, but this normaliser "
                f"was fed {self._shape} before."
            )
        if t.size > 1 and np.any(np.diff(t) < 0):
            raise ParameterError("Invalid times: they must not decrease")
        x = v.reshape(-1, t.size)
        out = np.empty_like(x)
        n = t.size
        i = 0
        while i < n:
            ti = float(t[i])
            if self._last_t is not None and ti - self._last_t > self.dropout:
                self.reset()
            if self._start is None:
                self._start = ti
                self._next_refresh = ti
                self.visitors += 1
            # the segment i..j-1 holds no refresh and no dropout after sample i
            j = i + 1
            if j < n:
                stop_refresh = np.searchsorted(t, self._next_refresh_after(ti), side="left")
                gaps = np.flatnonzero(np.diff(t[i:]) > self.dropout)
                stop_gap = i + 1 + int(gaps[0]) if gaps.size else n
                j = max(j, min(int(stop_refresh), stop_gap, n))
            self._add_history(t[i : i + 1], x[:, i : i + 1])
            if ti >= self._next_refresh:
                self._refresh(ti)
                while self._next_refresh <= ti:
                    self._next_refresh += self.refresh
            self._add_history(t[i + 1 : j], x[:, i + 1 : j])
            out[:, i:j] = self._apply(x[:, i:j])
            self._last_t = float(t[j - 1])
            i = j
        return out.reshape(v.shape)

    def _next_refresh_after(self, ti: float) -> float:
        nxt = self._next_refresh
        while nxt <= ti:
            nxt += self.refresh
        return nxt

    def _add_history(self, t: np.ndarray, x: np.ndarray) -> None:
        if t.size == 0:
            return
        cells = np.floor(t * self.history_rate).astype(np.int64)
        first = np.ones(cells.size, dtype=bool)
        first[1:] = cells[1:] != cells[:-1]
        if self._last_cell is not None:
            first[0] = cells[0] != self._last_cell
        self._last_cell = int(cells[-1])
        idx = np.flatnonzero(first)
        if self._hist_v is None:
            self._hist_v = np.empty((self._cap, x.shape[0]))
        for k in idx:
            self._hist_t[self._head] = t[k]
            self._hist_v[self._head] = x[:, k]
            self._head = (self._head + 1) % self._cap
            self._n_hist = min(self._cap, self._n_hist + 1)

    def _refresh(self, now: float) -> None:
        if self._n_hist == 0 or self._hist_v is None:
            return
        keep = self._hist_t[: self._n_hist] > now - self.window
        hist = self._hist_v[: self._n_hist][keep]
        if hist.shape[0] == 0:
            return
        qs = self.percentiles if self.mode == "range" else (50.0,)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN feature: NaN stat
            self._stats = np.nanpercentile(hist, qs, axis=0)

    def _apply(self, x: np.ndarray) -> np.ndarray:
        if self._stats is None:
            return np.full_like(x, np.nan)
        if self.mode == "doublings":
            return doublings(x, self._stats[0][:, None])
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.mode == "ratio":
                med = self._stats[0][:, None]
                return np.where(med > 0, x / med, np.where(np.isnan(med), np.nan, 1.0))
            lo = self._stats[0][:, None]
            span = self._stats[1][:, None] - lo
            return np.where(span > 0, (x - lo) / span, np.where(np.isnan(span), np.nan, 0.5))


def normalise_series(times: np.ndarray, values: np.ndarray, **kw) -> np.ndarray:
    """Normalise a whole series at once: the same as feeding it to a :class:`Normaliser`.

    Parameters
    ----------
    times : ndarray, shape (n_times,)
    values : ndarray, shape (..., n_times)
    **kw
        :class:`Normaliser` parameters.

    Examples
    --------
    >>> t = np.arange(0, 30, 0.5)
    >>> v = np.where(t < 15, 1.0, 3.0)[None]
    >>> out = normalise_series(t, v, calibration=5.0, window=10.0)
    >>> float(out[0, 0]), float(out[0, -1])
    (1.0, 1.0)
    """
    return Normaliser(**kw).update(times, values)
