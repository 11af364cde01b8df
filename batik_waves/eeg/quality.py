"""Per-sensor signal quality: good, fair or poor, from the data and from the device.

The data checks are the offline cleaning's (:mod:`batik_waves.eeg.clean`) applied to
a short window: a flat channel, a railed one (pinned at the amplifier's limits or
saturated by a large offset), one dominated by mains hum, and an amplitude out of
the range scalp EEG has. Devices that judge their own contact (Muse's horseshoe,
NeuroSky's poorSignalLevel) are combined by taking the worse of the two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .clean import FLAT_RELATIVE, FLAT_STD, RAILED_FRACTION, RAILED_OFFSET

__all__ = [
    "LEVELS",
    "ChannelChecks",
    "channel_checks",
    "sensor_quality",
    "worst",
]

#: Quality levels, best first.
LEVELS: tuple[str, ...] = ("good", "fair", "poor")
#: Share of the 1-45 Hz power (plus mains) within ±1 Hz of the mains frequency
#: above which a channel is dominated by mains hum (poor), and where it starts to show.
MAINS_POOR = 0.5
MAINS_FAIR = 0.2
#: Detrended standard deviation (volts) above which a channel is fair, then poor:
#: scalp EEG is tens of µV; hundreds mean movement, a loose electrode or a bad contact.
STD_FAIR = 75e-6
STD_POOR = 200e-6


@dataclass(frozen=True)
class ChannelChecks:
    """Measurements of a window of samples, one value per channel.

    Attributes
    ----------
    std : ndarray
        Standard deviation after removing a linear trend (volts).
    offset : ndarray
        Median value (volts): a saturated amplifier sits far from zero.
    pinned : ndarray
        Fraction of samples at the window's extremes (railed).
    mains : ndarray
        Share of the power at the mains frequency (0..1; 0 without a mains frequency).
    reasons : tuple of (str or None)
        Why a channel is unusable: ``"flat"``, ``"railed"``, ``"mains"``,
        ``"too large"``, or None.
    """

    std: np.ndarray
    offset: np.ndarray
    pinned: np.ndarray
    mains: np.ndarray
    reasons: tuple[str | None, ...]


def channel_checks(
    data: np.ndarray, rate: float, *, line_freq: float | Sequence[float] | None = (50.0, 60.0)
) -> ChannelChecks:
    """Check a window of samples (n_channels, n_samples) in volts, channel by channel.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        At least a second of samples gives a meaningful mains share.
    rate : float
        Sampling rate (Hz).
    line_freq : float | sequence of float | None
        Mains frequencies to look for (the strongest counts); None for none.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(0, 10e-6, (3, 512))
    >>> x[1] = 0.0
    >>> channel_checks(x, 256.0).reasons
    (None, 'flat', None)
    """
    x = np.asarray(data, dtype=np.float64)
    n_ch, n = x.shape
    offset = np.median(x, axis=1) if n else np.zeros(n_ch)
    if n >= 2:
        t = np.linspace(-1.0, 1.0, n)
        slope = (x @ t) / (t @ t)
        resid = x - x.mean(axis=1, keepdims=True) - slope[:, None] * t
        std = resid.std(axis=1)
        lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
        span = hi - lo
        pinned = np.where(
            span[:, 0] > 0,
            ((x <= lo + 1e-4 * span) | (x >= hi - 1e-4 * span)).mean(axis=1),
            1.0,
        )
    else:
        resid = x - x.mean(axis=1, keepdims=True)
        std = np.zeros(n_ch)
        pinned = np.ones(n_ch)
    mains = _mains_share(resid, rate, line_freq)
    good_std = std[std >= FLAT_STD]
    typical = float(np.median(good_std)) if good_std.size else 0.0
    reasons: list[str | None] = []
    for c in range(n_ch):
        if std[c] < FLAT_STD or (n_ch >= 3 and std[c] < FLAT_RELATIVE * typical):
            reasons.append("railed" if abs(offset[c]) > RAILED_OFFSET else "flat")
        elif pinned[c] > RAILED_FRACTION or abs(offset[c]) > RAILED_OFFSET:
            reasons.append("railed")
        elif mains[c] > MAINS_POOR:
            reasons.append("mains")
        elif std[c] > STD_POOR:
            reasons.append("too large")
        else:
            reasons.append(None)
    return ChannelChecks(std, offset, pinned, mains, tuple(reasons))


def _mains_share(x: np.ndarray, rate: float, line_freq) -> np.ndarray:
    n_ch, n = x.shape
    if line_freq is None or n < int(rate // 2):
        return np.zeros(n_ch)
    freqs = [float(line_freq)] if np.isscalar(line_freq) else [float(f) for f in line_freq]
    freqs = [f for f in freqs if f + 1.0 < rate / 2.0]
    if not freqs:
        return np.zeros(n_ch)
    spec = np.abs(np.fft.rfft(x * np.hanning(n), axis=1)) ** 2
    f = np.fft.rfftfreq(n, 1.0 / rate)
    band = (f >= 1.0) & (f <= 45.0)
    best = np.zeros(n_ch)
    for lf in freqs:
        near = np.abs(f - lf) <= 1.0
        peak = spec[:, near].sum(axis=1)
        total = spec[:, band & ~near].sum(axis=1) + peak
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, peak / total, 0.0)
        best = np.maximum(best, share)
    return best


def worst(*levels: str | None) -> str:
    """The worst of quality *levels* (None ignored; ``good`` when none given).

    >>> worst("good", None, "fair")
    'fair'
    """
    given = [LEVELS.index(v) for v in levels if v is not None]
    return LEVELS[max(given)] if given else "good"


def sensor_quality(
    data: np.ndarray,
    rate: float,
    ch_names: Sequence[str],
    *,
    line_freq: float | Sequence[float] | None = (50.0, 60.0),
    device: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Quality per sensor: ``good``, ``fair`` or ``poor``.

    Poor: flat, railed, mains-dominated or too large (see :func:`channel_checks`),
    or the device says poor. Fair: noticeable mains hum, a large amplitude, or the
    device says fair. A sensor the device reports on takes the worse of the two.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        A recent window (a couple of seconds), volts.
    rate : float
    ch_names : sequence of str
    line_freq : float | sequence of float | None
        As for :func:`channel_checks`.
    device : dict | None
        Channel -> the device's own verdict (``Source.device_quality()``).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(0, 10e-6, (2, 512))
    >>> sensor_quality(x, 256.0, ["TP9", "AF7"], device={"AF7": "fair"})
    {'TP9': 'good', 'AF7': 'fair'}
    """
    checks = channel_checks(data, rate, line_freq=line_freq)
    device = dict(device or {})
    out: dict[str, str] = {}
    for c, name in enumerate(ch_names):
        if checks.reasons[c] is not None:
            level = "poor"
        elif checks.mains[c] > MAINS_FAIR or checks.std[c] > STD_FAIR:
            level = "fair"
        else:
            level = "good"
        out[name] = worst(level, device.get(name))
    return out
