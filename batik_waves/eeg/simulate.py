"""Simulated EEG and the bundled sample recordings.

:func:`simulate_eeg` makes a plausible scalp recording on the 10-20 system: a 1/f
background that is correlated between neighbouring electrodes, occipital alpha
(~10 Hz) that rises when the eyes close, frontal-midline theta (~6 Hz) during a
meditative stretch, large brief frontal blinks while the eyes are open, and mains
hum. Annotations mark each stretch and each blink.

:func:`sample_path` returns one of the project's sample recordings (EDF): from
``sample_recordings/`` beside the package when that folder is there, otherwise
regenerated (deterministically, from the same recipe) into a cache folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..errors import RecordingError

__all__ = [
    "SAMPLES",
    "STATES",
    "TEN_TWENTY",
    "SampleRecipe",
    "sample_path",
    "simulate_eeg",
    "write_sample",
]

#: The 19 channels of the classic 10-20 system (modern names T7/T8/P7/P8).
TEN_TWENTY: tuple[str, ...] = (
    "Fp1",
    "Fp2",
    "F7",
    "F3",
    "Fz",
    "F4",
    "F8",
    "T7",
    "C3",
    "Cz",
    "C4",
    "T8",
    "P7",
    "P3",
    "Pz",
    "P4",
    "P8",
    "O1",
    "O2",
)

#: Mental states the simulation knows: name -> (alpha, theta, blinks per second).
#: Alpha is the RMS (µV) at O1/O2, theta the RMS (µV) at Fz.
STATES: dict[str, tuple[float, float, float]] = {
    "eyes open": (3.0, 2.0, 0.3),
    "eyes closed": (13.0, 2.5, 0.0),
    "meditation": (7.0, 11.0, 0.0),
}

_BACKGROUND_RMS = 9.0  # µV, 1-45 Hz broadband 1/f background per channel
_ALPHA_HZ = 10.0
_THETA_HZ = 6.0
_BLINK_UV = 150.0  # peak at Fp1/Fp2
_LINE_UV = 3.0


def _montage():
    import mne

    name = "colin27_1020" if "colin27_1020" in mne.channels.get_builtin_montages() else None
    return mne.channels.make_standard_montage(name or "standard_1020")


def _default_segments(duration: float) -> list[tuple[str, float]]:
    """Eyes open → eyes closed → meditation → eyes open, in proportion to *duration*."""
    parts = (("eyes open", 0.2), ("eyes closed", 0.3), ("meditation", 0.35), ("eyes open", 0.15))
    return [(state, duration * frac) for state, frac in parts]


def _narrowband(n: int, sfreq: float, f0: float, width: float, rng: np.random.Generator):
    """Unit-RMS noise whose spectrum is a Gaussian bump at *f0*: a waxing, waning rhythm."""
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    shape = np.exp(-0.5 * ((freqs - f0) / width) ** 2)
    spec = shape * (rng.standard_normal(freqs.size) + 1j * rng.standard_normal(freqs.size))
    x = np.fft.irfft(spec, n)
    return x / (np.sqrt(np.mean(x**2)) or 1.0)


def _pink(n_ch: int, n: int, sfreq: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS 1/f noise, one row per channel (power ∝ 1/f^1.7 above 1 Hz)."""
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    amp = 1.0 / np.power(np.maximum(freqs, 0.5) + 0.5, 0.85)
    amp[0] = 0.0
    spec = amp * (
        rng.standard_normal((n_ch, freqs.size)) + 1j * rng.standard_normal((n_ch, freqs.size))
    )
    x = np.fft.irfft(spec, n, axis=-1)
    return x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True))


def _weight(pos: np.ndarray, centres: Sequence[np.ndarray], sigma: float) -> np.ndarray:
    d = np.min([np.linalg.norm(pos - c, axis=1) for c in centres], axis=0)
    return np.exp(-0.5 * (d / sigma) ** 2)


def _envelope(times: np.ndarray, bounds: list[tuple[float, float, float]], ramp: float):
    """Piecewise-constant level per segment, joined by raised-cosine ramps of *ramp* s."""
    level = np.zeros_like(times)
    for start, stop, value in bounds:
        level[(times >= start) & (times < stop)] = value
    if bounds:
        level[times >= bounds[-1][1]] = bounds[-1][2]
    width = max(1, int(ramp * (len(times) / max(times[-1] - times[0], 1e-9))))
    kernel = np.hanning(width + 2)[1:-1]
    kernel /= kernel.sum()
    padded = np.concatenate([np.full(width, level[0]), level, np.full(width, level[-1])])
    return np.convolve(padded, kernel, mode="same")[width:-width]


def simulate_eeg(
    duration: float = 150.0,
    sfreq: float = 256.0,
    *,
    rng: np.random.Generator | int,
    ch_names: Sequence[str] = TEN_TWENTY,
    segments: Sequence[tuple[str, float]] | None = None,
    line_freq: float | None = 50.0,
    meas_date: datetime | None = datetime(2024, 3, 1, 9, 0, tzinfo=UTC),
):
    """Simulate a scalp EEG recording with eyes-open, eyes-closed and meditative stretches.

    Parameters
    ----------
    duration : float
        Length in seconds.
    sfreq : float
        Sample rate in Hz.
    rng : numpy.random.Generator | int
        Source of randomness (a seed gives the same recording every time).
    ch_names : sequence of str
        10-20/10-10 electrode names (positions from MNE's standard montage).
    segments : sequence of (state, seconds) | None
        The stretches in order; states are the keys of :data:`STATES`. Their
        seconds must add up to *duration*. Default: eyes open 20 %, eyes closed
        30 %, meditation 35 %, eyes open 15 %.
    line_freq : float | None
        Mains hum frequency (with a weaker second harmonic), or None for none.
    meas_date : datetime | None
        Measurement date written into the recording.

    Returns
    -------
    raw : mne.io.RawArray
        EEG in volts with a 10-20 montage; annotations name each stretch (with its
        duration) and each blink.

    Examples
    --------
    >>> raw = simulate_eeg(10.0, rng=0, segments=[("eyes open", 4.0), ("eyes closed", 6.0)])
    >>> raw.ch_names[:3], raw.info["sfreq"], int(raw.n_times)
    (['Fp1', 'Fp2', 'F7'], 256.0, 2560)
    >>> [a["description"] for a in raw.annotations if a["description"] != "blink"]
    ['eyes open', 'eyes closed']
    """
    import mne

    rng = np.random.default_rng(rng)
    duration = float(duration)
    sfreq = float(sfreq)
    if not (duration > 0 and np.isfinite(duration)):
        raise RecordingError(f"Invalid value for the 'duration' parameter: got {duration!r} s.")
    if not (sfreq >= 100 and np.isfinite(sfreq)):
        raise RecordingError(
            f"Invalid value for the 'sfreq' parameter: it must be at least 100 Hz, got {sfreq!r}."
        )
    segments = list(segments) if segments is not None else _default_segments(duration)
    for state, _ in segments:
        if state not in STATES:
            raise RecordingError(
                f"Invalid state {state!r} in the 'segments' parameter. Allowed values are "
                + ", ".join(repr(s) for s in STATES)
                + "."
            )
    total = sum(float(s) for _, s in segments)
    if abs(total - duration) > 1e-6:
        raise RecordingError(
            f"Invalid value for the 'segments' parameter: they last {total:g} s, "
            f"but the duration is {duration:g} s."
        )
    montage = _montage()
    positions = montage.get_positions()["ch_pos"]
    lookup = {k.lower(): v for k, v in positions.items()}
    missing = [n for n in ch_names if n.lower() not in lookup]
    if missing:
        raise RecordingError(
            f"Invalid value for the 'ch_names' parameter: {', '.join(missing)} "
            "not on the 10-20/10-10 montage."
        )
    pos = np.array([lookup[n.lower()] for n in ch_names])
    n_ch = len(ch_names)
    n = round(duration * sfreq)
    times = np.arange(n) / sfreq

    bounds = []
    t = 0.0
    for state, seconds in segments:
        bounds.append((t, t + float(seconds), state))
        t += float(seconds)

    # Background: independent 1/f sources blurred over the scalp (volume conduction).
    dist = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
    mix = np.exp(-0.5 * (dist / 0.045) ** 2)
    mix /= np.sqrt((mix**2).sum(axis=1, keepdims=True))
    data = _BACKGROUND_RMS * (mix @ _pink(n_ch, n, sfreq, rng))

    # Occipital alpha: two hemispheric generators with their own phase and drift.
    w_left = _weight(pos, [lookup["o1"]], 0.07)
    w_right = _weight(pos, [lookup["o2"]], 0.07)
    alpha_level = _envelope(times, [(a, b, STATES[s][0]) for a, b, s in bounds], ramp=2.0)
    for w, f0 in ((w_left, _ALPHA_HZ), (w_right, _ALPHA_HZ + 0.2)):
        data += np.outer(w, alpha_level * _narrowband(n, sfreq, f0, 0.6, rng))

    # Frontal-midline theta.
    w_theta = _weight(pos, [lookup["fz"]], 0.065)
    theta_level = _envelope(times, [(a, b, STATES[s][1]) for a, b, s in bounds], ramp=4.0)
    data += np.outer(w_theta, theta_level * _narrowband(n, sfreq, _THETA_HZ, 0.5, rng))

    # Blinks: large, brief, positive at Fp1/Fp2, fading backwards over the scalp.
    w_blink = _weight(pos, [lookup["fp1"], lookup["fp2"]], 0.035)
    blinks = []
    for a, b, s in bounds:
        rate = STATES[s][2]
        if rate <= 0:
            continue
        t = a + rng.uniform(0.5, 2.0)
        while t < b - 0.6:
            blinks.append(t)
            t += max(1.2, rng.exponential(1.0 / rate))
    shape_t = np.arange(int(0.45 * sfreq)) / sfreq
    shape = (shape_t / 0.09) ** 2 * np.exp(2.0 - shape_t / 0.045)
    shape /= shape.max()
    for onset in blinks:
        i = round(onset * sfreq)
        seg = shape[: max(0, min(shape.size, n - i))]
        amp = _BLINK_UV * rng.uniform(0.7, 1.2)
        data[:, i : i + seg.size] += np.outer(w_blink * amp, seg)

    # Mains hum: same phase everywhere, amplitude set by each electrode's impedance.
    if line_freq is not None and line_freq < sfreq / 2:
        hum = np.sin(2 * np.pi * line_freq * times + rng.uniform(0, 2 * np.pi))
        if 2 * line_freq < sfreq / 2:
            hum += 0.2 * np.sin(2 * np.pi * 2 * line_freq * times + rng.uniform(0, 2 * np.pi))
        data += np.outer(_LINE_UV * rng.uniform(0.5, 1.5, n_ch), hum)

    info = mne.create_info(list(ch_names), sfreq, "eeg", verbose="error")
    raw = mne.io.RawArray(data * 1e-6, info, verbose="error")
    raw.set_montage(montage, match_case=False, on_missing="ignore", verbose="error")
    if meas_date is not None:
        raw.set_meas_date(meas_date)
    onsets = [a for a, _, _ in bounds] + blinks
    durations = [b - a for a, b, _ in bounds] + [0.3] * len(blinks)
    descriptions = [s for _, _, s in bounds] + ["blink"] * len(blinks)
    order = np.argsort(onsets, kind="stable")
    raw.set_annotations(
        mne.Annotations(
            np.array(onsets)[order],
            np.array(durations)[order],
            np.array(descriptions)[order],
            orig_time=raw.info["meas_date"],
        )
    )
    raw.info["description"] = "batik_waves simulated EEG"
    return raw


# ------------------------------------------------------------------ samples
@dataclass(frozen=True)
class SampleRecipe:
    """How a bundled sample recording is made (everything :func:`simulate_eeg` needs)."""

    name: str
    description: str
    seed: int
    duration: float
    sfreq: float
    ch_names: tuple[str, ...]
    segments: tuple[tuple[str, float], ...]
    line_freq: float | None = 50.0

    def simulate(self):
        """The recording as an :class:`mne.io.RawArray`."""
        return simulate_eeg(
            self.duration,
            self.sfreq,
            rng=self.seed,
            ch_names=self.ch_names,
            segments=self.segments,
            line_freq=self.line_freq,
        )


#: The bundled sample recordings, by name; the first is the default.
SAMPLES: dict[str, SampleRecipe] = {
    "meditation": SampleRecipe(
        name="meditation",
        description="19-channel 10-20 EEG, 150 s: eyes open, eyes closed, meditation, eyes open",
        seed=2024,
        duration=150.0,
        sfreq=256.0,
        ch_names=TEN_TWENTY,
        segments=(
            ("eyes open", 30.0),
            ("eyes closed", 45.0),
            ("meditation", 50.0),
            ("eyes open", 25.0),
        ),
    ),
    "muse": SampleRecipe(
        name="muse",
        description="4-channel Muse-like headband (TP9, AF7, AF8, TP10), 60 s",
        seed=7,
        duration=60.0,
        sfreq=256.0,
        ch_names=("TP9", "AF7", "AF8", "TP10"),
        segments=(("eyes open", 20.0), ("eyes closed", 20.0), ("meditation", 20.0)),
    ),
}

_REPO_SAMPLES = Path(__file__).resolve().parents[2] / "sample_recordings"


def write_sample(name: str, path: str | os.PathLike) -> Path:
    """Simulate sample *name* (a key of :data:`SAMPLES`) and write it as EDF to *path*."""
    import mne

    recipe = _recipe(name)
    raw = recipe.simulate()
    path = Path(path)
    with atomic_path(path) as tmp:
        mne.export.export_raw(tmp, raw, fmt="edf", overwrite=True, verbose="error")
    return path


def _recipe(name: str) -> SampleRecipe:
    try:
        return SAMPLES[name]
    except KeyError:
        allowed = " and ".join(repr(k) for k in SAMPLES)
        raise RecordingError(
            f"Invalid value for the 'name' parameter. Allowed values are {allowed}, "
            f"but got {name!r} instead."
        ) from None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "batik_waves" / "samples"


def sample_path(name: str | None = None) -> Path:
    """Path of a bundled sample recording (EDF).

    Parameters
    ----------
    name : str | None
        A key of :data:`SAMPLES` (``"meditation"``, the default, or ``"muse"``).

    Returns
    -------
    path : pathlib.Path
        ``sample_recordings/<name>.edf`` of the source tree when present; otherwise
        the same recording regenerated once into ``~/.cache/batik_waves/samples``
        (or ``$XDG_CACHE_HOME``).
    """
    recipe = _recipe(name if name is not None else next(iter(SAMPLES)))
    bundled = _REPO_SAMPLES / f"{recipe.name}.edf"
    if bundled.is_file():
        return bundled
    cached = _cache_dir() / f"{recipe.name}.edf"
    if not cached.is_file():
        write_sample(recipe.name, cached)
    return cached
