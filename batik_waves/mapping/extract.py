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

from ..eeg.artifacts import artifact_mask, fill_gaps
from ..eeg.envelopes import REGIONS, BandSummary, Envelopes, _moving_average
from ..eeg.normalise import doublings
from ..errors import MappingError

__all__ = [
    "BANDS",
    "FEATURES",
    "CausalFeatures",
    "departures_series",
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
#: A moment whose smoothing window is less than this share clean (not blinks or
#: muscle) takes the features of the clean moments around it.
_MIN_CLEAN = 0.25


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


def _clean_average(
    x: np.ndarray, m: int, clean: np.ndarray | None, average=_moving_average
) -> np.ndarray:
    """*average* of *x* over *m* samples reading only the *clean* ones (all when None);
    where a window holds too few, the clean moments around it fill in (interpolated,
    or the last one held when *average* trails)."""
    if clean is None:
        return average(x, m)
    w = clean.astype(np.float64)
    share = average(w, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = average(x * w, m) / share
    gap = share < (_MIN_CLEAN if m > 1 else 0.5)
    return fill_gaps(out, gap, causal=average is _trailing_average)


def _mask_of(envelopes: Envelopes, artifacts: bool | np.ndarray) -> np.ndarray | None:
    """The artifact mask *artifacts* asks for (True: found; an array: checked), or None."""
    if artifacts is False:
        return None
    mask = artifact_mask(envelopes) if artifacts is True else np.asarray(artifacts, bool)
    if mask.shape != (envelopes.n_times,):
        raise MappingError(
            f"the artifact mask must hold one value per envelope sample "
            f"({envelopes.n_times}), but has shape {mask.shape}"
        )
    return mask


def _features_from_power(
    group_power: MappingABC[str, np.ndarray],
    bands: Sequence[str],
    rate: float,
    *,
    smooth: float,
    variability_window: float,
    average: Callable[[np.ndarray, int], np.ndarray],
    clean: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Features at every sample from per-group mean power (n_bands, n_times).

    With *clean* (bool per sample), the averages read only the clean samples, and a
    moment whose window holds too few of them takes the features of the clean moments
    around it (interpolated offline, the last one held when *average* trails).
    """
    n = max(1, round(smooth * rate))

    def avg(x: np.ndarray, m: int) -> np.ndarray:
        return _clean_average(x, m, clean, average)

    lengths = {p.shape[-1] for p in group_power.values()}
    if len(lengths) == 1:  # one call for every group: the live path runs this per chunk
        names = list(group_power)
        smoothed = avg(np.stack([group_power[g] for g in names]), n)
        per = {g: _shares(smoothed[i], bands) for i, g in enumerate(names)}
    else:
        per = {g: _shares(avg(p, n), bands) for g, p in group_power.items()}
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
    pk = avg(p, k)
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
    artifacts: bool | np.ndarray = False,
) -> dict[str, np.ndarray]:
    """The features at each of *times* (seconds), smoothed over *smooth* seconds.

    Offline (``causal=False``) the composition is averaged in a centred window of
    *smooth* seconds around each time and interpolated linearly between envelope
    samples, so the motif moves with the recording but does not twitch. Causal
    (``causal=True``) the window trails each time and the value at a time is that of
    the newest envelope sample at or before it: nothing later is read. With a
    *smooth* longer than the recording, every offline value equals :func:`features`
    of the whole recording (up to the filter edges it skips).

    With ``artifacts=True`` (or a bool array, True at each envelope sample to leave
    out) blinks, eye movements and muscle (:func:`batik_waves.eeg.artifacts.artifact_mask`)
    do not count: the averages read the clean samples only, and where a window is
    mostly artifact the features hold over it (interpolated between the clean moments
    either side). The mask reads the whole recording, so it is offline only (with
    ``causal=True`` it is a :class:`MappingError`); a recording that is artifact
    throughout is read as it is.

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
    clean = None
    if artifacts is not False:
        if causal:  # the mask reads the whole recording (medians, centred padding)
            raise MappingError(
                "artifact handling reads the whole recording, so it is offline only: "
                "use artifacts=False with causal=True"
            )
        mask = _mask_of(envelopes, artifacts)
        # nothing masked, or everything (no clean moment to hold): read every sample
        clean = None if not mask.any() or mask.all() else ~mask
    series = _features_from_power(
        groups,
        envelopes.bands,
        envelopes.rate,
        smooth=smooth,
        variability_window=variability_window,
        average=_trailing_average if causal else _moving_average,
        clean=clean,
    )
    t = np.asarray(envelopes.times, dtype=np.float64)
    if causal:
        idx = np.clip(np.searchsorted(t, times + 1e-9, side="right") - 1, 0, len(t) - 1)
        return {k: np.asarray(series[k], dtype=np.float64)[idx] for k in FEATURES}
    return {k: np.interp(times, t, series[k]) for k in FEATURES}


# ------------------------------------------------------------------ departures
#: Departures count values below this as this (a share of a thousandth, a ratio near
#: 0): a band that is nearly absent does not swing by many doublings on noise.
_SHARE_FLOOR = 1e-3

#: The share of a feature's channels whose departures make its departure: the
#: quarter where it moves most over the recording (at least one channel).
QUARTER = 0.25


def _channel_features(power: np.ndarray, bands: Sequence[str]) -> dict[str, np.ndarray]:
    """power (n_bands, n_channels, n_times) -> the features each channel has alone
    (shares and ratios; a region's feature is the channel's own share)."""
    shares = _shares(power, bands)
    out = dict(shares)
    out.update(_derived(shares))
    out["posterior_alpha"] = shares["alpha"]
    for region in REGIONS:
        for band in BANDS:
            out[f"{region}_{band}"] = shares[band]
    return out


def _channels_of(feature: str, env: Envelopes) -> list[int]:
    """The channels a feature reads: its region's (or the back of the head's for
    ``posterior_alpha``), else all."""
    regions = env.regions()
    every = list(range(len(env.ch_names)))
    if feature == "posterior_alpha":
        return regions.get("occipital") or regions.get("parietal") or every
    region = feature.split("_", 1)[0]
    if region in REGIONS and feature != region:
        return regions.get(region) or every
    return every


def departures_series(
    envelopes: Envelopes,
    times: Sequence[float] | np.ndarray,
    names: Sequence[str],
    *,
    smooth: float = 4.0,
    artifacts: bool | np.ndarray = False,
    quarter: float = QUARTER,
) -> dict[str, np.ndarray]:
    """Each moment's departure from the recording's own baseline, in doublings.

    On each channel, a feature's departure is ``log2(value / median)``: 0 at this
    recording's usual level, +1 where the feature is twice it, −1 at half
    (:func:`batik_waves.eeg.normalise.doublings`, which a live ``Normaliser`` in
    ``"doublings"`` mode computes against its running median). The
    median is the channel's own over the recording (away from filter edges and,
    with *artifacts*, from blinks and muscle), so it is per-person normalisation:
    a loud amplifier or a thin skull changes nothing, and the same doubling reads
    as the same change in every recording. The feature's departure is the mean over
    the *quarter* of its channels whose departures spread most over the recording
    (p10 to p90): alpha doubling on two of eight channels shows at full strength
    rather than diluted by six that stay still. ``variability`` has no channel of
    its own and departs on the whole head.

    Parameters
    ----------
    envelopes : Envelopes
    times : array of float
        Seconds at which departures are wanted.
    names : sequence of str
        Features (of :data:`FEATURES`).
    smooth : float
        Seconds of centred smoothing, as for :func:`features_series`.
    artifacts : bool or ndarray
        As for :func:`features_series`.
    quarter : float
        The share of channels that make each feature's departure (0 to 1].

    Returns
    -------
    dict
        Feature name -> ndarray of ``len(times)`` departures (0 where a feature is
        missing or never moves).

    Examples
    --------
    >>> data = np.ones((5, 4, 1280)) * 1e-5
    >>> data[2, 3, 960:] *= np.sqrt(2.0)  # for the last 5 s, alpha power doubles on one
    >>> env = Envelopes.from_arrays(data, rate=64.0, ch_names=["a", "b", "c", "d"])
    >>> d = departures_series(env, [5.0, 18.0], ["alpha"], smooth=1.0)["alpha"]
    >>> [round(float(v), 2) for v in d]  # its share goes from 1/5 to 2/6: 0.74 doublings
    [0.0, 0.74]
    """
    if not 0 < quarter <= 1:
        raise MappingError(
            f"Invalid value for the 'quarter' parameter: expected a share above 0 up to 1, "
            f"but got {quarter!r} instead."
        )
    times = np.asarray(times, dtype=np.float64)
    t = np.asarray(envelopes.times, dtype=np.float64)
    core = np.zeros(envelopes.n_times, dtype=bool)
    core[envelopes._core()] = True
    mask = _mask_of(envelopes, artifacts)
    if mask is None:
        mask = np.zeros(envelopes.n_times, dtype=bool)
    clean = None if not mask.any() else ~mask
    usable = core & ~mask
    if not usable.any():
        usable = core
    n = max(1, round(smooth * envelopes.rate))
    power = envelopes.power()
    smoothed = _clean_average(power, n, clean)
    per = _channel_features(smoothed, envelopes.bands)
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name not in FEATURES:
            raise MappingError(
                f"unknown feature {name!r}. Allowed features are {', '.join(FEATURES)}"
            )
        if name == "variability":
            x = features_series(envelopes, t, smooth=smooth, artifacts=mask)[name][None, :]
        else:
            x = per[name][_channels_of(name, envelopes)]
        d = doublings(x, np.median(x[:, usable], axis=1, keepdims=True), floor=_SHARE_FLOOR)
        d = np.where(np.isfinite(d), d, 0.0)
        lo, hi = np.percentile(d[:, usable], [10.0, 90.0], axis=1)
        k = max(1, math.ceil(quarter * d.shape[0]))
        pick = np.argsort(-(hi - lo), kind="stable")[:k]
        out[name] = np.interp(times, t, d[pick].mean(axis=0))
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
