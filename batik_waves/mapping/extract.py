"""Features: the numbers an artist reasons about, from band envelopes.

A recording becomes a handful of *features*: each band's share of the power
(``alpha`` 0.24 means alpha carries a quarter of the power), a few ratios, the same
shares per scalp region (``occipital_alpha``), and how much the composition moves
over time (``variability``). Shares, not amplitudes: the composition differs between
states of mind far more than between skulls.

Three ways to get them:

- :func:`features`: one value each, for a whole recording or a window of it;
- :func:`features_series`: at given times, smoothed over a window that is either
  centred (``causal=False``: offline, may look ahead) or trailing (``causal=True``:
  each value depends only on samples at or before its time);
- :class:`CausalFeatures`: the trailing series computed incrementally, chunk by
  chunk, in bounded memory; it gives what :func:`features_series` gives with
  ``causal=True`` on the whole series.

A band the recording cannot hold (above its Nyquist frequency) is missing from the
envelopes; the shares are then of the bands there are, and every feature that reads
the missing band is NaN, which the mapping's rules answer with their neutral value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingABC
from typing import Any

import numpy as np

from ..eeg.envelopes import REGIONS, BandSummary, Envelopes, _moving_average
from ..errors import MappingError

__all__ = [
    "BANDS",
    "FEATURES",
    "Baseline",
    "CausalFeatures",
    "baseline",
    "departures",
    "features",
    "features_series",
]

#: The bands the features are named after.
BANDS = ("delta", "theta", "alpha", "beta", "gamma")


def _feature_docs() -> dict[str, str]:
    docs = {
        "delta": "delta's share of the power (0–1); deep, slow waves, also eye movements",
        "theta": "theta's share of the power (0–1); drowsy, inward, memory",
        "alpha": "alpha's share of the power (0–1); relaxed wakefulness, eyes closed",
        "beta": "beta's share of the power (0–1); alert, focused, thinking hard",
        "gamma": "gamma's share of the power (0–1); fast activity, also muscle tension",
        "slow": "delta + theta share",
        "fast": "beta + gamma share",
        "alpha_beta": "alpha / beta power ratio (above 1: more relaxed than busy)",
        "theta_beta": "theta / beta power ratio",
        "posterior_alpha": "alpha's share at the back of the head (occipital, else parietal, "
        "else the whole head): the eyes-closed rhythm",
        "variability": "how much the composition moves over time: root-mean-square "
        "distance of the 1 s composition from its mean (0 for a single summary)",
    }
    for region in REGIONS:
        for band in BANDS:
            docs[f"{region}_{band}"] = (
                f"{band}'s share of the power over {region} channels (the whole head "
                f"when the recording has no {region} channel)"
            )
    return docs


#: Every feature name a mapping may use -> what it measures.
FEATURES: dict[str, str] = _feature_docs()

#: Seconds of the composition's own smoothing inside ``variability``.
_COMPOSITION_SMOOTH = 1.0


def _posterior(regions: MappingABC[str, Any], whole: Any, pick: Callable[[Any], Any]) -> Any:
    for region in ("occipital", "parietal"):
        if region in regions:
            return pick(regions[region])
    return whole


def _derived(shares: MappingABC[str, Any]) -> dict[str, Any]:
    """Ratios and sums from band shares (floats or arrays; NaN where a band is missing)."""
    eps = 1e-6
    out: dict[str, Any] = {}
    out["slow"] = shares["delta"] + shares["theta"]
    out["fast"] = shares["beta"] + shares["gamma"]
    out["alpha_beta"] = shares["alpha"] / (shares["beta"] + eps)
    out["theta_beta"] = shares["theta"] / (shares["beta"] + eps)
    return out


def _band_shares(bands: Sequence[str], values: MappingABC[str, Any]) -> dict[str, Any]:
    """The five named shares; a band the envelopes lack is NaN."""
    if not any(b in bands for b in BANDS):
        raise MappingError(
            f"the mapping reads the bands {', '.join(BANDS)}, but the envelopes hold none of "
            f"them (they hold {', '.join(bands)})"
        )
    return {b: values[b] if b in bands else math.nan for b in BANDS}


def _shares(power: np.ndarray, bands: Sequence[str]) -> dict[str, Any]:
    """power: (n_bands, ...) -> the five named shares over the remaining axes."""
    total = power.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(total > 0, power / total, 1.0 / len(bands))
    nan = np.full(power.shape[1:], np.nan)
    return _band_shares(bands, {b: rel[i] for i, b in enumerate(bands)}) | {
        b: nan for b in BANDS if b not in bands
    }


def _variability(env: Envelopes) -> float:
    comp = env.composition(smooth=_COMPOSITION_SMOOTH)[:, env._core()]
    if comp.shape[1] < 2:
        return 0.0
    dev = comp - comp.mean(axis=1, keepdims=True)
    return float(np.sqrt((dev * dev).sum(axis=0).mean()))


def features(source: Envelopes | BandSummary) -> dict[str, float]:
    """The mapping's features of a recording (or a window of one).

    Parameters
    ----------
    source : Envelopes or BandSummary
        Envelopes give every feature; a summary (a single moment) gives
        ``variability`` 0.

    Returns
    -------
    dict
        Feature name -> value, one entry for every name in :data:`FEATURES` (NaN for a
        feature that reads a band the envelopes lack).

    Examples
    --------
    >>> import numpy as np
    >>> from batik_waves.eeg.envelopes import Envelopes
    >>> data = np.ones((5, 1, 640)) * np.array([1, 1, 2, 1, 0.5])[:, None, None]
    >>> f = features(Envelopes.from_arrays(data, rate=64.0, ch_names=["O1"]))
    >>> round(f["alpha"], 3), round(f["occipital_alpha"], 3), round(f["variability"], 6)
    (0.552, 0.552, 0.0)
    """
    if isinstance(source, Envelopes):
        summary = source.summary()
        variability = _variability(source)
    elif isinstance(source, BandSummary):
        summary = source
        variability = 0.0
    else:
        raise TypeError(f"expected Envelopes or BandSummary, got {type(source).__name__}")
    shares = _band_shares(summary.bands, summary.relative)
    out: dict[str, float] = dict(shares)
    out.update(_derived(shares))

    def region_share(per: Any, band: str) -> float:
        return per[band]["relative"] if band in per else math.nan

    out["posterior_alpha"] = _posterior(
        summary.regions, shares["alpha"], lambda per: region_share(per, "alpha")
    )
    for region in REGIONS:
        per = summary.regions.get(region)
        for band in BANDS:
            out[f"{region}_{band}"] = region_share(per, band) if per is not None else shares[band]
    out["variability"] = variability
    return {k: float(out[k]) for k in FEATURES}


# ------------------------------------------------------------------ over time
def _trailing_average(x: np.ndarray, n: int) -> np.ndarray:
    """Trailing moving average of the last *n* samples along the last axis (the first
    samples average over what exists)."""
    if n <= 1:
        return x
    c = np.cumsum(np.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 0)]), axis=-1)
    m = x.shape[-1]
    hi = np.arange(1, m + 1)
    lo = np.maximum(0, hi - n)
    return (c[..., hi] - c[..., lo]) / (hi - lo)


def _groups(env: Envelopes) -> dict[str, list[int]]:
    """'all' and each region present -> channel indices."""
    out: dict[str, list[int]] = {"all": list(range(len(env.ch_names)))}
    out.update(env.regions())
    return out


def _features_from_power(
    group_power: MappingABC[str, np.ndarray],
    bands: Sequence[str],
    rate: float,
    *,
    smooth: float,
    variability_window: float,
    average: Callable[[np.ndarray, int], np.ndarray],
) -> dict[str, np.ndarray]:
    """Features at every sample from per-group mean power (n_bands, n_times)."""
    n = max(1, round(smooth * rate))
    lengths = {p.shape[-1] for p in group_power.values()}
    if len(lengths) == 1:  # one call for every group: the live path runs this per chunk
        names = list(group_power)
        smoothed = average(np.stack([group_power[g] for g in names]), n)
        per = {g: _shares(smoothed[i], bands) for i, g in enumerate(names)}
    else:
        per = {g: _shares(average(p, n), bands) for g, p in group_power.items()}
    out: dict[str, np.ndarray] = dict(per["all"])
    out.update(_derived(out))
    for region in REGIONS:
        for band in BANDS:
            out[f"{region}_{band}"] = per[region][band] if region in per else out[band]
    out["posterior_alpha"] = _posterior(
        {r: v for r, v in per.items() if r != "all"}, out["alpha"], lambda s: s["alpha"]
    )
    # variability: RMS distance of the 1 s composition from its local mean
    p = group_power["all"]
    k = max(1, round(_COMPOSITION_SMOOTH * rate))
    pk = average(p, k)
    total = pk.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        comp = np.where(total > 0, pk / total, 1.0 / len(bands))
    m = max(2, round(variability_window * rate))
    mean, mean_sq = average(np.stack([comp, comp * comp]), m)
    out["variability"] = np.sqrt(np.clip((mean_sq - mean * mean).sum(axis=0), 0.0, None))
    return out


def features_series(
    envelopes: Envelopes,
    times: Sequence[float] | np.ndarray,
    *,
    smooth: float = 4.0,
    variability_window: float = 10.0,
    causal: bool = False,
) -> dict[str, np.ndarray]:
    """The features at each of *times* (seconds), smoothed over *smooth* seconds.

    Offline (``causal=False``) the composition is averaged in a centred window of
    *smooth* seconds around each time and interpolated linearly between envelope
    samples, so the motif moves with the recording but does not twitch. Causal
    (``causal=True``) the window trails each time and the value at a time is that of
    the newest envelope sample at or before it: nothing later is read. With a
    *smooth* longer than the recording, every offline value equals :func:`features`
    of the whole recording (up to the filter edges it skips).

    Returns
    -------
    dict
        Feature name -> ndarray of ``len(times)`` values.
    """
    times = np.asarray(times, dtype=np.float64)
    if smooth < 0 or not math.isfinite(smooth):
        raise MappingError(
            f"Invalid value for the 'smooth' parameter: expected seconds 0 or more, "
            f"but got {smooth!r} instead."
        )
    power = envelopes.power()  # (bands, channels, times)
    groups = {g: power[:, idx, :].mean(axis=1) for g, idx in _groups(envelopes).items()}
    series = _features_from_power(
        groups,
        envelopes.bands,
        envelopes.rate,
        smooth=smooth,
        variability_window=variability_window,
        average=_trailing_average if causal else _moving_average,
    )
    t = np.asarray(envelopes.times, dtype=np.float64)
    if causal:
        idx = np.clip(np.searchsorted(t, times + 1e-9, side="right") - 1, 0, len(t) - 1)
        return {k: np.asarray(series[k], dtype=np.float64)[idx] for k in FEATURES}
    return {k: np.interp(times, t, series[k]) for k in FEATURES}


# ------------------------------------------------------------------ baselines
#: Seconds between the samples a recording's baseline is measured on.
_BASELINE_STEP = 0.25

#: Feature -> (10th, 50th, 90th percentile) over a recording: its own baseline.
Baseline = dict[str, tuple[float, float, float]]


def baseline(envelopes: Envelopes, names: Sequence[str], *, smooth: float = 4.0) -> Baseline:
    """Each feature's own distribution over the recording (away from filter edges),
    smoothed like the moments it will be compared with."""
    t = envelopes.times[envelopes._core()]
    if len(t) < 2:
        t = envelopes.times
    grid = np.arange(float(t[0]), float(t[-1]) + 1e-9, _BASELINE_STEP)
    series = features_series(envelopes, grid, smooth=smooth)
    out: Baseline = {}
    for n in names:
        x = series[n][np.isfinite(series[n])]
        if len(x):
            lo, mid, hi = np.percentile(x, [10.0, 50.0, 90.0])
            out[n] = (float(lo), float(mid), float(hi))
    return out


def departures(series: MappingABC[str, np.ndarray], base: Baseline) -> dict[str, np.ndarray]:
    """Each moment's departure from the baseline: (value − median) / (p90 − p10); 0
    where the feature does not move (a spread under a millionth) or is missing.

    >>> d = departures({"alpha": np.array([0.1, 0.2, 0.4])}, {"alpha": (0.1, 0.2, 0.3)})
    >>> [round(float(v), 2) for v in d["alpha"]]
    [-0.5, 0.0, 1.0]
    """
    out = {}
    for n, (lo, mid, hi) in base.items():
        x = np.asarray(series[n], dtype=np.float64)
        spread = hi - lo
        if spread < 1e-6:
            out[n] = np.zeros_like(x)
        else:
            d = (x - mid) / spread
            out[n] = np.where(np.isfinite(d), d, 0.0)
    return out


class CausalFeatures:
    """Trailing-window features computed chunk by chunk, in bounded memory.

    Feed it :class:`~batik_waves.eeg.envelopes.Envelopes` pieces in time order (the
    same bands and channels each time); each :meth:`push` returns the features at
    every new envelope sample, equal (to float rounding) to
    ``features_series(whole, whole.times, causal=True)`` of all the pieces joined.

    Parameters
    ----------
    bands, ch_names : sequence of str
        What every piece holds.
    rate : float
        The pieces' sample rate (Hz).
    smooth, variability_window : float
        As for :func:`features_series`.
    """

    def __init__(
        self,
        bands: Sequence[str],
        ch_names: Sequence[str],
        rate: float,
        *,
        smooth: float = 4.0,
        variability_window: float = 10.0,
    ) -> None:
        self.bands = tuple(bands)
        self.ch_names = tuple(ch_names)
        self.rate = float(rate)
        self.smooth = float(smooth)
        self.variability_window = float(variability_window)
        n = max(1, round(self.smooth * self.rate))
        k = max(1, round(_COMPOSITION_SMOOTH * self.rate))
        m = max(2, round(self.variability_window * self.rate))
        # the history the trailing windows need: the 1 s composition's window feeds
        # the variability window, so it reaches back k + m samples. Averages over the
        # oldest kept samples are cut short by the buffer, but only the new samples'
        # values are returned, and their windows lie wholly in it.
        self._keep = max(n, k + m)
        self._history: dict[str, np.ndarray] = {}
        self._seen_regions: dict[str, bool] = {}

    def reset(self) -> None:
        """Forget the past (a new visitor)."""
        self._history = {}
        self._seen_regions = {}

    def push(self, piece: Envelopes) -> dict[str, np.ndarray]:
        """The features at each sample of *piece* (feature name -> ndarray).

        The pieces must hold the same bands; their channels may change (a live
        stream leaves out a channel while it is bad): each region pools the channels
        a piece has, and a region a piece lacks takes the whole head's power, as
        :func:`features_series` does for a recording without that region.
        """
        if tuple(piece.bands) != self.bands:
            raise MappingError("every envelope piece must hold the same bands as the first")
        new = piece.n_times
        power = piece.power()
        present = _groups(piece)
        whole = power[:, present["all"], :].mean(axis=1)
        groups = {}
        for g in ("all", *REGIONS):
            p = power[:, present[g], :].mean(axis=1) if g in present else whole
            old = self._history.get(g)
            groups[g] = p if old is None else np.concatenate([old, p], axis=1)
        # a region no piece has held yet pools nothing of its own: leave it out, so
        # the features fall back to the whole head exactly as offline
        held = {g for g, p in self._seen_regions.items() if p} | set(present)
        self._seen_regions.update(dict.fromkeys(present, True))
        groups = {g: p for g, p in groups.items() if g in held or g == "all"}
        series = _features_from_power(
            groups,
            self.bands,
            self.rate,
            smooth=self.smooth,
            variability_window=self.variability_window,
            average=_trailing_average,
        )
        self._history = {g: p[:, -self._keep :] for g, p in groups.items()}
        return {k: np.asarray(series[k], dtype=np.float64)[-new:] for k in FEATURES}
