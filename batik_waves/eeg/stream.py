"""Band envelopes computed causally, chunk by chunk, from a live source.

:class:`EnvelopeStream` takes :class:`~batik_waves.eeg.sources.Chunk` s of any size
(from one sample up) and returns the new envelope samples as
:class:`~batik_waves.eeg.envelopes.Envelopes` pieces with the offline conventions:
the same bands, amplitude in volts, one sample every ``1 / out_rate`` s, times on
the source's clock (multiples of ``1 / out_rate``).

Per sample, as offline (:mod:`batik_waves.eeg.clean`): EEG channels only, the
channels found bad left out of the average reference and of the output, the mains
notch (IIR, causal). Then, per band, one of two methods:

- ``"fir"`` (default): MNE's own band FIR (the one the offline envelopes use), made
  analytic (complex taps: the filter plus its Hilbert transform) and applied
  causally, evaluated only at the output times. Its magnitude *is* the offline
  envelope, delayed by half the filter (delta 1.65 s, gamma 0.22 s at 256 Hz).
- ``"iir"``: a 0.5 Hz high-pass, then a complex Butterworth filter (a low-pass moved
  up to the band's centre, passing the band's positive frequencies only) whose
  magnitude times two is the envelope: 50-280 ms of delay, but a passband that
  differs from MNE's (r 0.64-0.94 against the offline envelopes on the sample).

Every filter keeps its state between chunks, so the chunking never shows in the
output. :attr:`EnvelopeStream.delay` gives each band's delay.

Bad channels are judged every ``check_every`` seconds over the last ``check_window``
seconds (flat, railed, mains-dominated, too large; see
:func:`batik_waves.eeg.quality.channel_checks`) and come back after two good checks
in a row. The checks fall on fixed sample counts, so they too are independent of
the chunking.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import SourceError
from .bands import check_bands
from .envelopes import DEFAULT_BANDS, Envelopes
from .quality import channel_checks

__all__ = ["EnvelopeStream"]

#: A jump in the input times larger than this (s) is a dropout: the filters restart.
GAP = 0.5
#: Quality of the notch filters.
NOTCH_Q = 30.0
#: The analytic FIR's taps below this fraction of the largest are dropped (its
#: Hilbert half decays slowly, and every tap kept ahead of the centre adds delay).
TAPS_FLOOR = 2e-3
#: Corner (Hz) of the IIR method's high-pass, ahead of its envelope filters.
HIGHPASS = 0.5


def _analytic_fir(rate: float, lo: float, hi: float) -> tuple[np.ndarray, int]:
    """MNE's band FIR made analytic (complex taps) and the index of its centre.

    Filtering with it gives the analytic signal of the offline band signal, delayed
    by the centre index: its magnitude is the offline envelope, causally.
    """
    from scipy.signal import hilbert

    from .bands import _fir

    h = _fir(float(rate), float(lo), float(hi))
    n = h.size
    pad = np.zeros(3 * n)
    pad[n : 2 * n] = h
    a = hilbert(pad)  # h + j H{h}: the band's positive frequencies, doubled
    mag = np.abs(a)
    keep = np.flatnonzero(mag > TAPS_FLOOR * mag.max())
    first, last = keep[0], keep[-1]
    centre = n + (n - 1) // 2
    half = max(centre - first, last - centre)
    taps = a[centre - half : centre + half + 1]
    return taps.astype(np.complex128), half


def _modulated_lowpass(order: int, half_width: float, centre: float, rate: float) -> np.ndarray:
    """A complex SOS filter passing centre ± half_width Hz (positive frequencies only)."""
    from scipy.signal import butter

    sos = butter(order, half_width, fs=rate, output="sos").astype(np.complex128)
    w = np.exp(2j * np.pi * centre / rate)
    sos[:, 1] *= w
    sos[:, 2] *= w * w
    sos[:, 4] *= w
    sos[:, 5] *= w * w
    return sos


def _group_delay(sos: np.ndarray, freq: float, rate: float) -> float:
    """Group delay (s) of the SOS cascade *sos* at *freq* Hz, by a numeric phase slope."""
    from scipy.signal import sosfreqz

    df = 0.01
    f = np.array([freq - df, freq + df])
    _, h = sosfreqz(sos, worN=f, fs=rate, whole=True)
    dphi = np.angle(h[1] / h[0])
    return float(-dphi / (2 * np.pi * 2 * df))


class EnvelopeStream:
    """Causal band envelopes of a live stream.

    Parameters
    ----------
    ch_names, ch_types : sequence of str
        The source's channels (only ``"eeg"`` ones are used).
    rate : float
        The source's sampling rate (Hz).
    bands : dict | None
        Band name -> (low, high) Hz (default :data:`DEFAULT_BANDS`); bands reaching
        Nyquist are left out with a warning, as offline.
    out_rate : float
        Envelope samples per second.
    line_freq : float | "auto" | None
        Mains frequency to notch (harmonics too); ``"auto"`` detects 50 or 60 Hz from
        the first ``check_window`` seconds; None for no notch.
    reference : "average" | None
        Average reference over the good channels (when there are three or more).
    method : "fir" | "iir"
        MNE's FIR made analytic (matches the offline envelopes) or the low-latency
        complex IIR (see the module docstring).
    order : int
        Order of the IIR method's envelope filters.
    check_every, check_window : float
        How often (s) the channels are checked, over how many seconds.

    Examples
    --------
    >>> from batik_waves.eeg.sources import Chunk
    >>> rng = np.random.default_rng(0)
    >>> es = EnvelopeStream(["Cz"], ["eeg"], 256.0, line_freq=None)
    >>> x = rng.normal(0, 10e-6, (1, 512))
    >>> env = es.push(Chunk(np.arange(512) / 256.0, x, ("Cz",), ("eeg",), 256.0))
    >>> env.data.shape, env.rate
    ((5, 1, 128), 64.0)
    """

    def __init__(
        self,
        ch_names: Sequence[str],
        ch_types: Sequence[str],
        rate: float,
        *,
        bands: Mapping[str, Sequence[float]] | None = None,
        out_rate: float = 64.0,
        line_freq: float | str | None = "auto",
        reference: str | None = "average",
        method: str = "fir",
        order: int = 4,
        check_every: float = 0.5,
        check_window: float = 2.0,
    ) -> None:
        from scipy.signal import butter

        self.rate = float(rate)
        if not (math.isfinite(self.rate) and self.rate > 0):
            raise SourceError(f"a stream needs a positive sampling rate, got {rate!r}")
        if not (0 < out_rate <= self.rate):
            raise SourceError(
                f"out_rate must be above 0 and at most the sampling rate ({self.rate:g} Hz), "
                f"got {out_rate!r}"
            )
        self.out_rate = float(out_rate)
        names = list(ch_names)
        types = list(ch_types)
        self._picks = np.array([i for i, t in enumerate(types) if t == "eeg"], dtype=int)
        if self._picks.size == 0:
            raise SourceError(f"no EEG channel among {', '.join(names) or 'none'}")
        self.ch_names = tuple(names[i] for i in self._picks)
        self.n_in = len(names)
        self.bands = check_bands(DEFAULT_BANDS if bands is None else bands, self.rate)
        if reference not in ("average", None):
            raise SourceError(f"reference must be 'average' or None, got {reference!r}")
        self.reference = reference
        if isinstance(line_freq, str) and line_freq != "auto":
            raise SourceError(f"line_freq must be a number, 'auto' or None, got {line_freq!r}")
        self._line_setting = line_freq
        self.order = int(order)
        self._check_n = max(1, round(check_every * self.rate))
        self._win_n = max(self._check_n, round(check_window * self.rate))

        self.method = method
        self.delay: dict[str, float] = {}
        self._env_sos: list[np.ndarray] = []
        self._fir_taps: list[np.ndarray] = []
        if method == "fir":
            for name, (lo, hi) in self.bands.items():
                taps, centre = _analytic_fir(self.rate, lo, hi)
                # reversed in time, real and imaginary parts as two columns: a real
                # matrix product gives the analytic signal without complex copies
                rev = taps[::-1]
                self._fir_taps.append(np.ascontiguousarray(np.stack([rev.real, rev.imag], 1)))
                self.delay[name] = centre / self.rate
            self._n_taps = max(t.shape[0] for t in self._fir_taps)
        elif method == "iir":
            self._hp_sos = butter(2, HIGHPASS, btype="highpass", fs=self.rate, output="sos")
            for name, (lo, hi) in self.bands.items():
                centre = 0.5 * (lo + hi)
                env = _modulated_lowpass(self.order, 0.5 * (hi - lo), centre, self.rate)
                self._env_sos.append(env)
                self.delay[name] = _group_delay(env, centre, self.rate)
            self._n_taps = 0
        else:
            raise SourceError(f"method must be 'fir' or 'iir', got {method!r}")
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget everything: filter states, the channel checks, the output grid."""
        n = len(self.ch_names)
        self._zi_env = [np.zeros((s.shape[0], n, 2), dtype=np.complex128) for s in self._env_sos]
        if self.method == "iir":
            self._zi_hp = np.zeros((self._hp_sos.shape[0], n, 2))
        self._hist = np.zeros((n, self._n_taps))
        self._tt_last = np.empty(0)
        self.line_freq = None if self._line_setting == "auto" else self._line_setting
        self._line_pending = self._line_setting == "auto"
        self._notch_sos = self._make_notch(self.line_freq)
        self._zi_notch = (
            None if self._notch_sos is None else np.zeros((self._notch_sos.shape[0], n, 2))
        )
        self._offset: np.ndarray | None = None
        self._win = np.zeros((n, self._win_n))
        self._win_fill = 0
        self._since_check = 0
        self.bad: dict[str, str] = {}
        self._good_runs = np.zeros(n, dtype=int)
        self._good = np.ones(n, dtype=bool)
        self._prev_t: float | None = None
        self._prev_e: np.ndarray | None = None
        self._next_k: int | None = None

    def _make_notch(self, line_freq) -> np.ndarray | None:
        from scipy.signal import iirnotch, tf2sos

        if line_freq is None:
            return None
        nyq = self.rate / 2.0
        freqs = [f for f in np.arange(1, 100) * float(line_freq) if f + 2.0 < nyq]
        if not freqs:
            return None
        return np.vstack([tf2sos(*iirnotch(f, NOTCH_Q, fs=self.rate)) for f in freqs])

    @property
    def picks(self) -> np.ndarray:
        """Indices of the EEG channels (those used) among the chunk's channels."""
        return self._picks.copy()

    @property
    def good(self) -> tuple[str, ...]:
        """The channels currently used."""
        return tuple(c for c, g in zip(self.ch_names, self._good, strict=True) if g)

    # ------------------------------------------------------------------- push
    def push(self, chunk) -> Envelopes | None:
        """Filter a chunk; return the envelope samples it completes, or None.

        Parameters
        ----------
        chunk : Chunk
            The source's newest samples (its channels as given to the constructor).

        Returns
        -------
        Envelopes | None
            The good channels' envelopes at the output times the chunk reached.
        """
        data = np.asarray(chunk.data, dtype=np.float64)
        times = np.asarray(chunk.times, dtype=np.float64)
        if data.shape[0] != self.n_in:
            raise SourceError(
                f"chunk has {data.shape[0]} channels, the stream was set up for {self.n_in}"
            )
        if times.size == 0:
            return None
        if self._prev_t is not None and times[0] - self._prev_t > GAP:
            self.reset()
        raw = data[self._picks]
        if self._offset is None:
            self._offset = raw[:, :1].copy()
        x = raw - self._offset
        pieces_t: list[np.ndarray] = []
        pieces_e: list[np.ndarray] = []
        goods: list[np.ndarray] = []
        start = 0
        n = times.size
        while start < n:
            stop = min(n, start + self._check_n - self._since_check)
            t_out, e_out = self._segment(times[start:stop], x[:, start:stop], raw[:, start:stop])
            if t_out.size:
                pieces_t.append(t_out)
                pieces_e.append(e_out)
                goods.append(self._good.copy())
            self._since_check += stop - start
            if self._since_check >= self._check_n:
                self._since_check = 0
                self._check()
            start = stop
        if not pieces_t:
            return None
        # one piece holds one channel set: the one in use for its last segment
        good = goods[-1]
        if not good.any():
            return None
        out_t = np.concatenate(pieces_t)
        out_e = np.concatenate([e[:, good] for e in pieces_e], axis=2)
        return Envelopes(
            tuple(self.bands),
            tuple(self.bands.values()),
            tuple(c for c, g in zip(self.ch_names, good, strict=True) if g),
            out_t,
            out_e.astype(np.float32),
            self.out_rate,
        )

    def _segment(
        self, times: np.ndarray, x: np.ndarray, raw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        from scipy.signal import sosfilt

        m = x.shape[1]
        # the window of raw samples (offset included: it tells a saturated amplifier)
        # for the checks, kept in time order
        if m >= self._win_n:
            self._win[:] = raw[:, -self._win_n :]
        else:
            self._win[:, :-m] = self._win[:, m:]
            self._win[:, -m:] = raw
        self._win_fill = min(self._win_n, self._win_fill + m)

        if self.reference == "average" and self._good.sum() >= 3:
            x = x - x[self._good].mean(axis=0, keepdims=True)
        if self._notch_sos is not None:
            x, self._zi_notch = sosfilt(self._notch_sos, x, axis=1, zi=self._zi_notch)
        t_out, lo, hi, frac = self._grid(times)
        n_b, n_c = len(self.bands), x.shape[0]
        if self.method == "iir":
            x, self._zi_hp = sosfilt(self._hp_sos, x, axis=1, zi=self._zi_hp)
            xc = x.astype(np.complex128)
            env = np.empty((n_b, n_c, m))
            for i, es in enumerate(self._env_sos):
                z, self._zi_env[i] = sosfilt(es, xc, axis=1, zi=self._zi_env[i])
                np.abs(z, out=env[i])
            env *= 2.0
            if self._prev_e is not None:
                env_tt = np.concatenate((self._prev_e, env), axis=2)
            else:
                env_tt = env
            self._prev_e = env[:, :, -1:].copy()
            if not t_out.size:
                return t_out, np.empty((n_b, n_c, 0))
            out = env_tt[:, :, lo] * (1.0 - frac) + env_tt[:, :, hi] * frac
            return t_out, out
        # FIR: the history of filtered input, the envelope only where the grid needs it
        hist = np.concatenate((self._hist, x), axis=1)
        self._hist = hist[:, -self._n_taps :]
        if not t_out.size:
            return t_out, np.empty((n_b, n_c, 0))
        n_tt = len(self._tt_last)
        base = hist.shape[1] - n_tt  # column of tt[0] in hist
        need = np.unique(np.concatenate((lo, hi[frac > 0])))
        cols = base + need
        val = np.empty((n_b, n_c, need.size))
        starts = cols[:, None] + np.arange(self._n_taps)[None, :] - self._n_taps + 1
        win_all = hist[:, starts]  # (channels, outputs, longest filter)
        for i, taps in enumerate(self._fir_taps):
            k = taps.shape[0]
            re_im = win_all[:, :, self._n_taps - k :] @ taps
            np.hypot(re_im[..., 0], re_im[..., 1], out=val[i])
        pos = np.searchsorted(need, lo)
        out = val[:, :, pos]
        if (frac > 0).any():
            out = out * (1.0 - frac) + val[:, :, np.searchsorted(need, hi)] * frac
        return t_out, out

    def _grid(self, times: np.ndarray):
        """The output times this segment reaches and where they fall among its samples.

        Returns ``(t_out, lo, hi, frac)``: indices into ``[previous sample] + times``
        (just ``times`` for the first segment) and the interpolation fraction.
        """
        r = self.out_rate
        if self._prev_t is None:
            tt = times
            if self._next_k is None:
                self._next_k = math.ceil(times[0] * r - 1e-9)
        else:
            tt = np.concatenate(([self._prev_t], times))
        self._tt_last = tt
        self._prev_t = float(times[-1])
        k_last = math.floor(self._prev_t * r + 1e-9)
        if k_last < self._next_k:
            e = np.empty(0, dtype=int)
            return np.empty(0), e, e, np.empty(0)
        ks = np.arange(self._next_k, k_last + 1)
        self._next_k = k_last + 1
        t_out = ks / r
        lo = np.clip(np.searchsorted(tt, t_out + 1e-9, side="right") - 1, 0, len(tt) - 1)
        hi = np.minimum(lo + 1, len(tt) - 1)
        span = tt[hi] - tt[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(span > 0, (t_out - tt[lo]) / span, 0.0)
        frac = np.clip(frac, 0.0, 1.0)
        frac[np.abs(frac) < 1e-6] = 0.0
        return t_out, lo, hi, frac

    def _check(self) -> None:
        if self._win_fill < min(self._win_n, round(self.rate)):
            return  # under a second of data: too little to judge
        win = self._win[:, -self._win_fill :]
        if self._line_pending and self._win_fill == self._win_n:
            self._line_pending = False
            self._detect_line(win)
        lf = self.line_freq if self.line_freq is not None else (50.0, 60.0)
        reasons = channel_checks(win, self.rate, line_freq=lf).reasons
        for c, reason in enumerate(reasons):
            name = self.ch_names[c]
            if reason is not None:
                self._good[c] = False
                self._good_runs[c] = 0
                self.bad[name] = reason
            elif not self._good[c]:
                self._good_runs[c] += 1
                if self._good_runs[c] >= 2:
                    self._good[c] = True
                    self.bad.pop(name, None)

    def _detect_line(self, win: np.ndarray) -> None:
        from .clean import _detect_line

        found = _detect_line([win], self.rate)
        if found is not None:
            self.line_freq = found
            self._notch_sos = self._make_notch(found)
            if self._notch_sos is not None:
                self._zi_notch = np.zeros((self._notch_sos.shape[0], len(self.ch_names), 2))
