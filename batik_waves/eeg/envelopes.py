"""The Envelopes station: band amplitude envelopes of a recording, and views of them.

An :class:`Envelopes` holds what :func:`batik_waves.band_envelopes` measured and
nothing more. Everything else (relative power, regions, normalisation, a window's
summary) is derived on demand, never stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import RecordingError

__all__ = [
    "DEFAULT_BANDS",
    "REGIONS",
    "BandSummary",
    "Envelopes",
    "channel_region",
]

#: Default frequency bands (Hz): name -> (low, high).
DEFAULT_BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}

#: Scalp regions in front-to-back order.
REGIONS: tuple[str, ...] = ("frontal", "central", "temporal", "parietal", "occipital")

# Longest prefixes first: "FC3" is central, "FT7" temporal, "TP9" temporal, "PO7" parietal.
_PREFIX_REGION = (
    ("FP", "frontal"),
    ("AF", "frontal"),
    ("FC", "central"),
    ("FT", "temporal"),
    ("CP", "central"),
    ("TP", "temporal"),
    ("PO", "parietal"),
    ("F", "frontal"),
    ("C", "central"),
    ("T", "temporal"),
    ("P", "parietal"),
    ("O", "occipital"),
    ("I", "occipital"),
)
_NAME_RE = re.compile(r"^(?:EEG[\s_:-]*)?([A-Za-z]{1,2}?)(\d{1,2}|[zZ])(?![A-Za-z])")


def channel_region(name: str) -> str | None:
    """Return the scalp region of a 10-20/10-10 channel *name*, or None.

    Spellings seen in the wild are accepted: ``O1``, ``O1..``, ``EEG O1-REF``,
    ``o1``, ``EXG Channel 0`` (no region).

    Examples
    --------
    >>> channel_region("EEG O1-REF"), channel_region("Fc3."), channel_region("TP9")
    ('occipital', 'central', 'temporal')
    >>> channel_region("ECG") is None
    True
    """
    m = _NAME_RE.match(name.strip().strip("."))
    if not m:
        return None
    letters = m.group(1).upper()
    # A 10-20 label is letters followed by a number or z; whatever follows
    # (reference suffix, dots) is ignored.
    for prefix, region in _PREFIX_REGION:
        if letters == prefix:
            return region
    return None


@dataclass(frozen=True)
class BandSummary:
    """What a stretch of a recording looked like, band by band.

    Attributes
    ----------
    start, end : float
        The window, in seconds from the start of the recording.
    bands : tuple of str
        Band names in order.
    amplitude : dict
        Band -> median envelope amplitude (volts) over time and channels.
    relative : dict
        Band -> relative power (0..1, summing to 1 over the bands): the composition
        of the signal, which differs between people far less than amplitude does.
    regions : dict
        Region -> {band -> {"amplitude": volts, "relative": 0..1}}, for the regions
        that have channels.
    """

    start: float
    end: float
    bands: tuple[str, ...]
    amplitude: dict[str, float]
    relative: dict[str, float]
    regions: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready dict (amplitudes in µV, rounded for reading)."""
        return {
            "start_s": round(self.start, 3),
            "end_s": round(self.end, 3),
            "bands": list(self.bands),
            "amplitude_uV": {b: round(v * 1e6, 4) for b, v in self.amplitude.items()},
            "relative_power": {b: round(v, 5) for b, v in self.relative.items()},
            "regions": {
                r: {
                    b: {
                        "amplitude_uV": round(d["amplitude"] * 1e6, 4),
                        "relative_power": round(d["relative"], 5),
                    }
                    for b, d in per.items()
                }
                for r, per in self.regions.items()
            },
        }


@dataclass(frozen=True)
class Envelopes:
    """Band amplitude envelopes of a recording.

    Attributes
    ----------
    bands : tuple of str
        Band names, e.g. ``("delta", "theta", "alpha", "beta", "gamma")``.
    edges : tuple of (float, float)
        Each band's edges in Hz.
    ch_names : tuple of str
        The channels, in the order of ``data``'s second axis.
    times : ndarray, shape (n_times,)
        Sample times in seconds from the start of the recording.
    data : ndarray, shape (n_bands, n_channels, n_times)
        Envelope amplitude in volts (float32 is fine).
    rate : float
        Sample rate of ``times`` in Hz.
    edge : float
        Seconds at each end where the band filters are still settling; views
        that summarise skip them when the recording is long enough.
    origin : str
        Where the envelopes came from: ``"signal"`` (computed from raw samples) or
        ``"band_power"`` (read from a recording that holds only band powers, such as
        a NeuroSky log or a Mind Monitor CSV without RAW columns; see
        :mod:`batik_waves.eeg.bandpower`). Records should show it.
    """

    bands: tuple[str, ...]
    edges: tuple[tuple[float, float], ...]
    ch_names: tuple[str, ...]
    times: np.ndarray
    data: np.ndarray
    rate: float
    edge: float = 0.0
    origin: str = "signal"

    def __post_init__(self) -> None:
        data = np.asarray(self.data)
        if data.ndim != 3:
            raise ValueError(f"data must be 3-D (bands, channels, times), got shape {data.shape}")
        nb, nc, nt = data.shape
        if nb != len(self.bands) or nb != len(self.edges):
            raise ValueError(
                f"{nb} bands in data but {len(self.bands)} names, {len(self.edges)} edges"
            )
        if nc != len(self.ch_names):
            raise ValueError(f"{nc} channels in data but {len(self.ch_names)} names")
        if np.shape(self.times) != (nt,):
            raise ValueError(f"times has shape {np.shape(self.times)}, expected ({nt},)")
        object.__setattr__(self, "bands", tuple(self.bands))
        object.__setattr__(self, "edges", tuple((float(a), float(b)) for a, b in self.edges))
        object.__setattr__(self, "ch_names", tuple(self.ch_names))

    # ----------------------------------------------------------------- basics
    @property
    def n_times(self) -> int:
        return int(self.data.shape[2])

    @property
    def duration(self) -> float:
        """Seconds covered, from the first to one sample past the last."""
        return self.n_times / self.rate

    def band_index(self, band: str) -> int:
        try:
            return self.bands.index(band)
        except ValueError:
            raise KeyError(
                f"Invalid band {band!r}. Allowed values are {', '.join(map(repr, self.bands))}."
            ) from None

    def window(self, start: float | None = None, end: float | None = None) -> Envelopes:
        """The envelopes between *start* and *end* seconds (inclusive of start)."""
        t = np.asarray(self.times)
        lo = t[0] if start is None else start
        hi = t[-1] + 1.0 / self.rate if end is None else end
        if hi <= lo:
            raise RecordingError(f"empty window {lo:g}:{hi:g} s")
        sel = (t >= lo - 1e-9) & (t < hi - 1e-9)
        if not sel.any():
            raise RecordingError(
                f"window {lo:g}:{hi:g} s lies outside the recording "
                f"({t[0]:g}–{t[-1] + 1 / self.rate:g} s)"
            )
        return Envelopes(
            self.bands,
            self.edges,
            self.ch_names,
            t[sel],
            self.data[:, :, sel],
            self.rate,
            edge=max(0.0, self.edge - max(0.0, float(t[sel][0] - t[0]))),
            origin=self.origin,
        )

    def _core(self) -> slice:
        """Samples away from the filter edges (the whole record if it is too short)."""
        k = round(self.edge * self.rate)
        if k and self.n_times > 4 * k:
            return slice(k, self.n_times - k)
        return slice(None)

    # ------------------------------------------------------------ derived views
    def power(self) -> np.ndarray:
        """Envelope power (V²), shape (n_bands, n_channels, n_times), float64."""
        d = np.asarray(self.data, dtype=np.float64)
        return d * d

    def relative_power(self) -> np.ndarray:
        """Each band's share of the power at each channel and time (sums to 1 over bands)."""
        p = self.power()
        total = p.sum(axis=0, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(total > 0, p / total, 1.0 / len(self.bands))
        return rel

    def regions(self) -> dict[str, list[int]]:
        """Region -> indices of its channels, for the regions that have any."""
        out: dict[str, list[int]] = {}
        for i, name in enumerate(self.ch_names):
            r = channel_region(name)
            if r is not None:
                out.setdefault(r, []).append(i)
        return {r: out[r] for r in REGIONS if r in out}

    def pooled(self, values: np.ndarray | None = None) -> tuple[tuple[str, ...], np.ndarray]:
        """Average *values* (default: the amplitudes) over each region's channels.

        Returns the region names and an array (n_bands, n_regions, n_times). When no
        channel has a 10-20 name (an OpenBCI with numbered channels), one region
        ``"all"`` holds the mean of every channel.
        """
        v = np.asarray(self.data if values is None else values)
        regs = self.regions()
        if not regs:
            return ("all",), v.mean(axis=1, keepdims=True)
        return tuple(regs), np.stack([v[:, idx, :].mean(axis=1) for idx in regs.values()], axis=1)

    def normalized(self) -> np.ndarray:
        """Robust per-recording normalisation of the amplitudes.

        Each band and channel is divided by its own median over time (away from the
        filter edges), so 1.0 means "typical for this person", 2.0 twice that. The
        median ignores blinks and bursts that would dominate a mean or a maximum.
        """
        d = np.asarray(self.data, dtype=np.float64)
        med = np.median(d[:, :, self._core()], axis=2, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(med > 0, d / med, 0.0)

    def composition(self, smooth: float = 0.0) -> np.ndarray:
        """Relative power per band over time, averaged over channels: (n_bands, n_times).

        *smooth* is a time constant in seconds for a zero-phase exponential-like
        smoothing (a centred moving average of that length), 0 for none.
        """
        # Composition of the channel-averaged power, which is steadier than averaging
        # per-channel ratios where a quiet channel's ratio counts as much as a loud one.
        p = self.power().mean(axis=1)
        if smooth > 0:
            p = _moving_average(p, max(1, round(smooth * self.rate)))
        total = p.sum(axis=0, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, p / total, 1.0 / len(self.bands))

    def summary(self, start: float | None = None, end: float | None = None) -> BandSummary:
        """A :class:`BandSummary` of the window *start*..*end* (default: everything)."""
        env = self if start is None and end is None else self.window(start, end)
        core = env._core()
        d = np.asarray(env.data[:, :, core], dtype=np.float64)
        p = d * d
        amp = np.median(d, axis=2)  # (bands, channels)
        mean_p = p.mean(axis=2)  # (bands, channels)

        def rel(pw: np.ndarray) -> np.ndarray:
            tot = pw.sum()
            return pw / tot if tot > 0 else np.full(pw.shape, 1.0 / len(pw))

        amplitude = {b: float(np.median(amp[i])) for i, b in enumerate(env.bands)}
        relative_all = rel(mean_p.mean(axis=1))
        relative = {b: float(relative_all[i]) for i, b in enumerate(env.bands)}
        regions: dict[str, dict[str, dict[str, float]]] = {}
        for r, idx in env.regions().items():
            rr = rel(mean_p[:, idx].mean(axis=1))
            regions[r] = {
                b: {"amplitude": float(np.median(amp[i, idx])), "relative": float(rr[i])}
                for i, b in enumerate(env.bands)
            }
        t0 = float(env.times[0])
        return BandSummary(
            start=t0,
            end=t0 + env.duration,
            bands=env.bands,
            amplitude=amplitude,
            relative=relative,
            regions=regions,
        )

    # --------------------------------------------------------------- builders
    @classmethod
    def from_arrays(
        cls,
        data: np.ndarray,
        *,
        rate: float,
        ch_names: Sequence[str],
        bands: Mapping[str, tuple[float, float]] | None = None,
        t0: float = 0.0,
        edge: float = 0.0,
        origin: str = "signal",
    ) -> Envelopes:
        """Build Envelopes from an array, with times starting at *t0*."""
        bands = dict(DEFAULT_BANDS if bands is None else bands)
        data = np.asarray(data)
        times = t0 + np.arange(data.shape[2]) / rate
        return cls(
            tuple(bands), tuple(bands.values()), tuple(ch_names), times, data, rate, edge, origin
        )


def _moving_average(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving average along the last axis, edges averaged over what exists."""
    if n <= 1:
        return x
    c = np.cumsum(np.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 0)]), axis=-1)
    m = x.shape[-1]
    half = n // 2
    lo = np.clip(np.arange(m) - half, 0, m)
    hi = np.clip(np.arange(m) - half + n, 0, m)
    return (c[..., hi] - c[..., lo]) / (hi - lo)
