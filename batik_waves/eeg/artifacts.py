"""Moments that are not states of mind: blinks, eye movements and muscle.

A blink is a large, slow deflection at the front of the head (tens to hundreds of
µV, a third of a second); clenching the jaw or tensing the forehead adds broadband,
high-frequency muscle activity (EMG) for as long as it lasts. Both swamp the band
shares for a few seconds: a blink makes a moment look like deep sleep (delta), a
clenched jaw like intense focus (beta, gamma). Neither says what the mind is doing,
so the features that move a cloth's forms hold over them (see
:func:`batik_waves.mapping.extract.features_series`).

The test follows MNE's ``annotate_amplitude`` and ``annotate_muscle_zscore`` in
spirit, on the band envelopes rather than the raw signal: a moment is an artifact
where, on any channel, the *slow* (delta) or the *fast* (gamma) envelope, smoothed
over half a second, is more than :data:`SLOW_RATIO` or :data:`FAST_RATIO` times that
channel's own median over the recording; the moment is padded by :data:`PAD`
seconds either side. A ratio to each channel's median (rather than a z-score) keeps
the test fair in a recording that is one-third artifact, whose spread the artifacts
themselves would inflate.

Measured on the recordings in ``../shared/eeg`` and the bundled samples (fraction of
envelope samples over the ratios, before padding): the OpenBCI sample (blinks, eye
movements and two jaw clenches) 35 % slow, 16 % fast; ``meditation.edf`` 8 % slow (its
simulated blinks and the background's own slow swings); PhysioNet rest with eyes
closed 10 %, mental arithmetic 10 %, eyes open 21 % (real blinks), no muscle in any of
the three. The slow ratio is low enough to catch the eye movements that swing the
OpenBCI sample's frontal delta two- to threefold while its alpha is up; the cost is
that a clean recording's slowest swings are left out too, which changes little, since
the features hold over them from the moments either side.
"""

from __future__ import annotations

import numpy as np

from .._check import check_number
from .envelopes import Envelopes, _moving_average

__all__ = ["FAST_RATIO", "PAD", "SLOW_RATIO", "artifact_mask", "fill_gaps"]

#: Delta amplitude over the channel's median above which a moment is a blink or an
#: eye movement (2.5: over six times the power).
SLOW_RATIO = 2.5
#: Gamma amplitude over the channel's median above which a moment is muscle
#: (4: sixteen times the power; EEG's own gamma never swings so far).
FAST_RATIO = 4.0
#: Seconds added either side of an artifact (the deflection's slopes, filter ringing).
PAD = 0.5
#: Seconds of smoothing of the envelopes before the test.
_SMOOTH = 0.5


def artifact_mask(
    envelopes: Envelopes,
    *,
    slow: float = SLOW_RATIO,
    fast: float = FAST_RATIO,
    pad: float = PAD,
) -> np.ndarray:
    """True at each envelope sample that a blink, an eye movement or muscle swamps.

    Parameters
    ----------
    envelopes : Envelopes
        The recording's (or a window's) envelopes; each channel's median is taken over
        them, away from the filter edges.
    slow, fast : float
        Amplitude ratios to the channel's median, for delta and for gamma (a band
        the envelopes lack is not tested).
    pad : float
        Seconds marked either side of each artifact.

    Returns
    -------
    ndarray of bool, shape (n_times,)

    Examples
    --------
    >>> data = np.full((5, 2, 640), 1e-5)
    >>> data[0, 1, 300:320] = 2e-4  # a blink on the second channel at 4.7 s
    >>> mask = artifact_mask(Envelopes.from_arrays(data, rate=64.0, ch_names=["Fp1", "O1"]))
    >>> round(float(mask.sum()) / 64.0, 2), bool(mask[0]), bool(mask[310])
    (1.8, False, True)
    """
    slow = check_number(slow, "slow", lo=1.0, lo_open=True)
    fast = check_number(fast, "fast", lo=1.0, lo_open=True)
    pad = check_number(pad, "pad", lo=0.0, unit="s")
    n = envelopes.n_times
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    k = max(1, round(_SMOOTH * envelopes.rate))
    for band, ratio in (("delta", slow), ("gamma", fast)):
        if band not in envelopes.bands:
            continue
        d = np.asarray(envelopes.data[envelopes.band_index(band)], dtype=np.float64)
        p = _moving_average(d * d, k)  # (channels, times): power, smoothed
        med = np.median(p[:, envelopes._core()], axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):
            mask |= np.any((med > 0) & (p > ratio * ratio * med), axis=0)
    r = round(pad * envelopes.rate)
    if r and mask.any():
        c = np.cumsum(np.concatenate([[0], mask.astype(np.int64)]))
        idx = np.arange(n)
        mask = (c[np.minimum(n, idx + r + 1)] - c[np.maximum(0, idx - r)]) > 0
    return mask


def fill_gaps(x: np.ndarray, gap: np.ndarray, *, causal: bool = False) -> np.ndarray:
    """*x* (..., n_times) with its values at *gap* replaced: interpolated linearly in
    time between the clean samples either side (offline), or the last clean value held
    (``causal=True``). Before the first clean sample the first clean value holds; with
    no clean sample at all, *x* is returned as it is.

    >>> x = np.array([1.0, 9.0, 9.0, 4.0])
    >>> gap = np.array([False, True, True, False])
    >>> fill_gaps(x, gap).tolist(), fill_gaps(x, gap, causal=True).tolist()
    ([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 4.0])
    """
    x = np.asarray(x, dtype=np.float64)
    gap = np.asarray(gap, dtype=bool)
    good = np.flatnonzero(~gap)
    if good.size == 0 or good.size == gap.size:
        return x
    idx = np.arange(gap.size)
    if causal:
        last = np.maximum.accumulate(np.where(~gap, idx, -1))
        src = np.where(last >= 0, last, good[0])
        return x[..., src]
    flat = x.reshape(-1, gap.size)
    out = np.stack([np.interp(idx, good, row[good]) for row in flat])
    return out.reshape(x.shape)
