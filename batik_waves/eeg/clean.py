"""Cleaning a recording: keep good EEG channels, fill NaN gaps, notch the mains, re-reference.

:func:`plan_cleaning` decides what to do from a handful of short blocks spread over
the recording (so it works on a lazily loaded, hours-long file with bounded memory);
:func:`clean` applies the plan to a copy. The streaming path applies the same plan
block by block with :func:`fill_nans`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import RecordingError, warn
from .read import read_samples, reading, source_name

__all__ = ["CleaningPlan", "clean", "describe", "fill_nans", "plan_cleaning"]

#: A channel whose typical standard deviation is below this (volts) is flat.
FLAT_STD = 0.05e-6
#: ... or below this fraction of the median channel's.
FLAT_RELATIVE = 0.01
#: A channel with more than this fraction of samples pinned at its extremes is railed.
RAILED_FRACTION = 0.05
#: A constant offset beyond this (volts) means the amplifier input is saturated.
RAILED_OFFSET = 0.05
#: A channel with more than this fraction of NaN samples is left out.
NAN_FRACTION = 0.5
#: A mains peak must stand this many times above its neighbourhood to count.
LINE_PEAK_RATIO = 4.0
#: A recording shorter than this many samples, or seconds, is too short to judge.
MIN_SAMPLES = 16
MIN_SECONDS = 0.25

_N_BLOCKS = 12
_BLOCK_SECONDS = 4.0


@dataclass(frozen=True)
class CleaningPlan:
    """What :func:`clean` will do to a recording.

    Attributes
    ----------
    ch_names : tuple of str
        The good EEG channels that are kept, in the recording's order.
    bad : dict
        EEG channels left out: name -> reason (``"flat"``, ``"railed"``,
        ``"mostly NaN"``, ``"marked bad in the file"``).
    line_freq : float | None
        Mains frequency to notch (50 or 60 Hz, with harmonics below Nyquist), or
        None when there is no mains peak (or it lies at or above Nyquist).
    reference : bool
        Whether to apply an average reference (at least three good channels).
    not_eeg : dict
        Channels left out because they are not EEG: name -> MNE type (``"ecg"``,
        ``"bio"`` for SaO2, ``"misc"`` for a DC input, ...).
    """

    ch_names: tuple[str, ...]
    bad: dict[str, str] = field(default_factory=dict)
    line_freq: float | None = None
    reference: bool = False
    not_eeg: dict[str, str] = field(default_factory=dict)

    def notch_freqs(self, sfreq: float) -> list[float]:
        """The mains frequency and its harmonics that lie safely below Nyquist."""
        if self.line_freq is None:
            return []
        nyq = sfreq / 2.0
        return [f for f in np.arange(1, 100) * self.line_freq if f + 2.0 < nyq]


def _label(raw) -> str:
    return source_name(raw)


def fill_nans(data: np.ndarray) -> tuple[np.ndarray, int]:
    """Linearly interpolate NaN stretches along the last axis (time).

    Leading and trailing NaNs take the nearest finite value; a channel with no
    finite value becomes zeros. The input is never modified: a copy is returned
    when there is something to fill, the input itself otherwise.

    Parameters
    ----------
    data : ndarray, shape (..., n_times)
        Samples, one row per channel.

    Returns
    -------
    data : ndarray
        The samples without NaN (same shape and dtype).
    n_filled : int
        How many samples were filled.

    Examples
    --------
    >>> out, n = fill_nans(np.array([[0.0, np.nan, np.nan, 3.0], [np.nan, 1.0, 1.0, 1.0]]))
    >>> out.tolist(), n
    ([[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0]], 3)
    """
    data = np.asarray(data)
    nan = np.isnan(data)
    n_filled = int(nan.sum())
    if n_filled == 0:
        return data, 0
    out = data.copy()
    flat = out.reshape(-1, out.shape[-1])
    mask = nan.reshape(-1, out.shape[-1])
    x = np.arange(out.shape[-1])
    for row, m in zip(flat, mask, strict=True):
        if not m.any():
            continue
        good = ~m
        if not good.any():
            row[:] = 0.0
            continue
        row[m] = np.interp(x[m], x[good], row[good])
    return out, n_filled


def _blocks(raw, picks: list[int]) -> list[np.ndarray]:
    sfreq = raw.info["sfreq"]
    n = raw.n_times
    block = max(1, round(_BLOCK_SECONDS * sfreq))
    if n <= _N_BLOCKS * block * 1.25:
        return [read_samples(raw, picks=picks)]
    starts = np.linspace(0, n - block, _N_BLOCKS).astype(int)
    return [read_samples(raw, picks=picks, start=int(s), stop=int(s) + block) for s in starts]


def _channel_verdicts(blocks: list[np.ndarray]) -> list[str | None]:
    """A reason per channel to leave it out, or None."""
    data = np.concatenate(blocks, axis=1)
    n_ch, n_t = data.shape
    nan_frac = np.isnan(data).mean(axis=1) if n_t else np.ones(n_ch)
    # Typical spread: the median over blocks of each block's std (robust to one artefact).
    typical = np.full(n_ch, np.nan)
    for c in range(n_ch):
        spreads = [np.std(x) for b in blocks if (x := b[c][np.isfinite(b[c])]).size > 1]
        if spreads:
            typical[c] = float(np.median(spreads))
    verdicts: list[str | None] = []
    for c in range(n_ch):
        if nan_frac[c] > NAN_FRACTION or not np.isfinite(typical[c]):
            verdicts.append("mostly NaN")
            continue
        verdicts.append(None)
    ok = [c for c in range(n_ch) if verdicts[c] is None and np.isfinite(typical[c])]
    reference = float(np.median(typical[ok])) if ok else 0.0
    for c in ok:
        x = data[c][np.isfinite(data[c])]
        lo, hi = x.min(), x.max()
        flat = typical[c] < FLAT_STD or typical[c] < FLAT_RELATIVE * reference
        if flat:
            saturated = abs(float(np.median(x))) > RAILED_OFFSET
            verdicts[c] = "railed" if saturated else "flat"
            continue
        span = hi - lo
        pinned = np.mean((x <= lo + 1e-4 * span) | (x >= hi - 1e-4 * span))
        if pinned > RAILED_FRACTION:
            verdicts[c] = "railed"
    return verdicts


def _detect_line(blocks: list[np.ndarray], sfreq: float) -> float | None:
    """50 or 60 Hz if the mean spectrum of *blocks* has a mains peak, else None."""
    from scipy.signal import welch

    nyq = sfreq / 2.0
    candidates = [f for f in (50.0, 60.0) if f + 6.0 < nyq]
    if not candidates:
        return None
    psds = []
    freqs = None
    for b in blocks:
        if b.shape[-1] < int(sfreq):
            continue
        b, _ = fill_nans(b)
        nper = int(min(b.shape[-1], 2 * sfreq))
        freqs, p = welch(b, fs=sfreq, nperseg=nper, detrend="linear", axis=-1)
        scale = np.median(p, axis=-1, keepdims=True)
        scale[scale <= 0] = 1.0
        psds.append(np.mean(p / scale, axis=0))
    if not psds or freqs is None:
        return None
    psd = np.mean(psds, axis=0)
    best, best_ratio = None, LINE_PEAK_RATIO
    for f in candidates:
        peak = psd[(freqs >= f - 1.0) & (freqs <= f + 1.0)]
        around = psd[(np.abs(freqs - f) >= 2.5) & (np.abs(freqs - f) <= 6.0)]
        if peak.size == 0 or around.size == 0:
            continue
        ratio = float(peak.max() / max(np.median(around), 1e-300))
        if ratio > best_ratio:
            best, best_ratio = f, ratio
    return best


def plan_cleaning(raw, *, line_freq: float | str | None = "auto") -> CleaningPlan:
    """Decide which EEG channels to keep, which mains to notch and whether to re-reference.

    Only a dozen 4-second blocks spread over the recording are read, so a lazily
    loaded recording of many hours stays on disk.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The recording (preloaded or not). It is not modified.
    line_freq : "auto" | float | None
        ``"auto"`` detects 50 or 60 Hz from the spectrum (None when there is no
        peak); a number is taken as given; None disables the notch.

    Returns
    -------
    plan : CleaningPlan

    Raises
    ------
    RecordingError
        When the recording has no EEG channel, or no good one.
    """
    import mne

    label = _label(raw)
    sfreq = float(raw.info["sfreq"])
    picks = list(mne.pick_types(raw.info, eeg=True, exclude=[]))
    if not picks:
        raise RecordingError(f"{label}: no EEG channels")
    names = [raw.ch_names[i] for i in picks]
    if raw.n_times == 0:
        raise RecordingError(f"{label}: the recording holds no samples")
    if raw.n_times < max(MIN_SAMPLES, sfreq * MIN_SECONDS):
        raise RecordingError(
            f"{label}: too short: {raw.n_times} sample(s) ({raw.n_times / sfreq:.3g} s); "
            f"judging its channels needs at least {max(MIN_SAMPLES / sfreq, MIN_SECONDS):.3g} s"
        )
    if isinstance(line_freq, str):
        if line_freq != "auto":
            raise RecordingError(
                "Invalid value for the 'line_freq' parameter. Allowed values are 'auto', "
                f"None or a frequency in Hz, but got {line_freq!r} instead."
            )
    elif line_freq is not None:
        line_freq = float(line_freq)
        if not 0 < line_freq:
            raise RecordingError(
                f"Invalid value for the 'line_freq' parameter: it must be positive, "
                f"but got {line_freq!r} instead."
            )

    blocks = _blocks(raw, picks)
    verdicts = _channel_verdicts(blocks)
    marked = set(raw.info["bads"])
    bad: dict[str, str] = {}
    for name, verdict in zip(names, verdicts, strict=True):
        if verdict is not None:
            bad[name] = verdict
        elif name in marked:
            bad[name] = "marked bad in the file"
    good = [n for n in names if n not in bad]
    if not good:
        reasons = set(bad.values())
        if len(reasons) == 1:
            raise RecordingError(f"{label}: all EEG channels are {reasons.pop()}")
        listed = ", ".join(f"{n} ({r})" for n, r in bad.items())
        raise RecordingError(f"{label}: no usable EEG channel: {listed}")
    if bad:
        warn(f"{label}: leaving out {len(bad)} bad EEG channel(s): {_listing(bad)}")

    if line_freq == "auto":
        keep = [names.index(n) for n in good]
        detected = _detect_line([b[keep] for b in blocks], sfreq)
    else:
        detected = line_freq
        if detected is not None and detected + 2.0 >= sfreq / 2.0:
            warn(
                f"{label}: mains at {detected:g} Hz is at or above Nyquist "
                f"({sfreq / 2:g} Hz); no notch"
            )
            detected = None
    types = raw.get_channel_types()
    not_eeg = {n: t for n, t in zip(raw.ch_names, types, strict=True) if t != "eeg"}
    return CleaningPlan(
        ch_names=tuple(good),
        bad=bad,
        line_freq=detected,
        reference=len(good) >= 3,
        not_eeg=not_eeg,
    )


def clean(raw, *, line_freq: float | str | None = "auto", reference: str | None = "average"):
    """Return a cleaned copy of *raw*: good EEG only, NaN filled, mains notched, re-referenced.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The recording; never modified.
    line_freq : "auto" | float | None
        Mains frequency: detected (``"auto"``), given in Hz, or None for no notch.
    reference : "average" | None
        ``"average"`` re-references to the mean of the good channels when there
        are at least three; None keeps the recording's reference.

    Returns
    -------
    raw : mne.io.BaseRaw
        A preloaded copy holding only the good EEG channels.

    Raises
    ------
    RecordingError
        No EEG channels, or none good (see :func:`plan_cleaning`).

    Warns
    -----
    BatikWavesWarning
        Naming the channels left out and the NaN samples filled.
    """
    if reference not in ("average", None):
        raise RecordingError(
            "Invalid value for the 'reference' parameter. Allowed values are 'average' "
            f"and None, but got {reference!r} instead."
        )
    label = _label(raw)
    plan = plan_cleaning(raw, line_freq=line_freq)
    out = raw.copy().pick(list(plan.ch_names))
    with reading(raw):
        out.load_data(verbose="error")
    filled, n_filled = fill_nans(out._data)
    if n_filled:
        where = [n for n, row in zip(out.ch_names, out._data, strict=True) if np.isnan(row).any()]
        out._data[:] = filled
        warn(
            f"{label}: filled {n_filled} NaN sample(s) by linear interpolation in "
            f"{', '.join(where)}"
        )
    sfreq = out.info["sfreq"]
    freqs = plan.notch_freqs(sfreq)
    if freqs:
        _notch(out, freqs)
    if plan.reference and reference == "average":
        out.set_eeg_reference("average", projection=False, verbose="error")
    return out


def _notch(raw, freqs: list[float]) -> None:
    """Notch *freqs* in place; an FIR when the recording is long enough, else IIR."""
    sfreq = raw.info["sfreq"]
    # MNE's default notch FIR is 6.6 s long (1 Hz transition band).
    if raw.n_times > 6.6 * sfreq:
        raw.notch_filter(freqs, picks="eeg", verbose="error")
    else:
        for f in freqs:  # MNE's IIR notch takes one frequency at a time
            raw.notch_filter(f, picks="eeg", method="iir", verbose="error")


def _listing(bad: dict[str, str], limit: int = 12) -> str:
    """``"E1 (railed), E2 (flat), ... and 150 more"``: a line a person reads."""
    items = [f"{n} ({r})" for n, r in bad.items()]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def describe(plan: CleaningPlan) -> str:
    """One line describing *plan*."""
    parts = [f"{len(plan.ch_names)} EEG channel(s)"]
    if plan.bad:
        parts.append("left out " + ", ".join(f"{n} ({r})" for n, r in plan.bad.items()))
    parts.append(f"notch {plan.line_freq:g} Hz" if plan.line_freq else "no notch")
    parts.append("average reference" if plan.reference else "reference as recorded")
    return "; ".join(parts)
