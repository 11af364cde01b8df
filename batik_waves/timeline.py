"""The timeline: envelopes over time become motif parameters over time, in one place.

Every output that shows a recording's time (the cloth, the video and its sidecar,
the kiosk) asks the timeline for the motif's parameters at the times it needs. The
timeline holds, once:

- the **features** at each time (:mod:`batik_waves.mapping.extract`), smoothed over
  the mapping's ``smooth`` seconds, held over blinks and muscle
  (:mod:`batik_waves.eeg.artifacts`) offline, with each moment's departure from the
  recording's own baseline for the rules that ``follow`` it and the whole window's
  features for the rules that read it ``overall``;
- the mapping's **rules** (:func:`~batik_waves.mapping.rules.params_from_features`);
- the **policy** (:class:`Policy`) of what may change over time:

  - *structural* parameters (declared on the motifs' specs: flower and band counts,
    rotation, polarity) either keep the whole window's values (a cloth keeps its
    tile's lattice) or change only when a new value lasts :attr:`Policy.hold`
    seconds (a video's lattice re-forms at a calm pace); every other discrete
    parameter (a filler kind) is held the same way;
  - *steady* parameters (the wax crackle) keep the whole window's value where the
    policy says so (a video's veins would boil otherwise);
  - float parameters are quantised to :attr:`Policy.quantum` of their range, so
    moments that look the same share one drawing;

- the **colourway**: one for the whole track, chosen from the whole window's
  features unless the caller names one (:func:`colourway`).

Two modes:

- **offline** (:func:`offline_track`): centred smoothing that may look ahead, and a
  hold that takes a lasting change at the moment it began; used by the cloth, the
  video and batch;
- **causal** (:class:`CausalTimeline`): each output depends only on samples at or
  before its time, and a discrete change is taken once it has lasted the hold; fed
  chunk by chunk it gives the same parameters as when fed the whole series at once;
  used by the kiosk.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .eeg.artifacts import artifact_mask
from .eeg.envelopes import Envelopes, _moving_average
from .errors import MotifError
from .mapping.extract import CausalFeatures, departures_series, features, features_series
from .mapping.rules import (
    Mapping,
    load_mapping,
    palette_from_features,
    params_class,
    params_from_features,
)
from .motifs.palette import Palette
from .motifs.palette import palette as make_palette

__all__ = [
    "CausalHold",
    "CausalTimeline",
    "Policy",
    "Track",
    "band_table",
    "base_params",
    "colourway",
    "offline_track",
]

#: Seconds a new discrete value must last before a video takes it.
HOLD = 2.0
#: Seconds a new discrete value must last before a cloth takes it. A choice whose
#: feature hovers at its threshold would otherwise flip every few seconds and stripe
#: the cloth (ceplok's 4 and 8 petals on the OpenBCI sample changed 8 times in 60 s);
#: held, the cloth shows zones, as a pagi-sore cloth does. The offline hold takes a
#: lasting change where it began, so a zone is never late.
CLOTH_HOLD = 8.0
#: Float parameters are rounded to this fraction of their range.
QUANTUM = 1.0 / 1000.0


@dataclass(frozen=True)
class Policy:
    """What a track lets change over time.

    Attributes
    ----------
    smooth : float or None
        Seconds of smoothing of the features; None: the mapping's ``smooth``.
    structure : {"hold", "fixed"}
        ``"fixed"``: structural parameters keep the base's values (a cloth keeps its
        tile's lattice); ``"hold"``: they change like other discrete parameters.
    hold : float
        Seconds a new discrete value must last before it is taken (0: at once).
    steady : bool
        Steady parameters (crackle) keep the base's value.
    quantum : float or None
        Round float parameters to this fraction of their range (None: exact).
    departures : bool
        Rules with ``follow`` also read each moment's departure from the
        recording's own baseline
        (:func:`~batik_waves.mapping.extract.departures_series`); rules marked
        ``overall`` read the whole window's features (offline tracks).
    artifacts : bool
        Blinks, eye movements and muscle (:mod:`batik_waves.eeg.artifacts`) do not
        move the forms: the features hold over them (offline tracks).
    """

    smooth: float | None = None
    structure: str = "hold"
    hold: float = HOLD
    steady: bool = True
    quantum: float | None = QUANTUM
    departures: bool = True
    artifacts: bool = True

    def __post_init__(self) -> None:
        if self.structure not in ("hold", "fixed"):
            raise ValueError(f"structure must be 'hold' or 'fixed', got {self.structure!r}")

    @classmethod
    def cloth(cls, smooth: float | None = None) -> Policy:
        """A cloth: the tile's lattice all along, discrete changes held for
        :data:`CLOTH_HOLD`, every other parameter free, exact."""
        return cls(smooth=smooth, structure="fixed", hold=CLOTH_HOLD, steady=False, quantum=None)

    @classmethod
    def video(cls, smooth: float | None = None) -> Policy:
        """A video or the kiosk: discrete changes held, crackle steady, quantised."""
        return cls(smooth=smooth)


@dataclass(frozen=True)
class Track:
    """The timeline's output: times and the motif parameters at each.

    Attributes
    ----------
    motif, variant : str
        What is drawn.
    times : ndarray
        Seconds in the recording (or on the live source's clock).
    params : tuple of MotifParams
        The parameters at each time.
    features : dict of str to ndarray
        The (smoothed) features that gave them, for sidecars and records.
    base : MotifParams
        The parameters of the whole window (the tile's).
    palette : Palette
        The colourway every moment is drawn in.
    smooth : float
        Seconds of smoothing used.
    """

    motif: str
    variant: str | None
    times: np.ndarray
    params: tuple[Any, ...]
    features: dict[str, np.ndarray]
    base: Any
    palette: Palette
    smooth: float = 0.0
    policy: Policy = field(default_factory=Policy)

    def __len__(self) -> int:
        return len(self.params)

    def at(self, t: float) -> Any:
        """The parameters at the track time nearest *t*."""
        i = int(np.argmin(np.abs(self.times - float(t))))
        return self.params[i]


# ------------------------------------------------------------------ the pieces
def colourway(
    motif: str,
    whole: MappingABC[str, float],
    mapping: Mapping,
    *,
    palette: str | Sequence[str] | Palette | None = None,
    params: Any = None,
    transparent: bool = False,
) -> Palette:
    """The colourway of a whole track: the caller's, else the mapping's choice for the
    whole window, else the parameters' own; transparent on request."""
    spec: Any = palette
    if spec is None:
        spec = palette_from_features(motif, whole, mapping)
    if spec is None and params is not None:
        spec = getattr(params, "palette", None)
    pal = make_palette(spec)
    return pal.transparent() if transparent else pal


def _palette_override(motif: str, palette: Any) -> dict[str, Any]:
    """The params' own ``palette`` field when the colourway is one of its names."""
    spec = params_class(motif).specs().get("palette")
    if spec is None or not isinstance(palette, str):
        return {}
    name = palette.strip().lower()
    return {"palette": name} if name in (spec.choices or ()) else {}


def base_params(
    motif: str,
    whole: MappingABC[str, float],
    mapping: Mapping,
    *,
    variant: str | None = None,
    palette: Any = None,
) -> Any:
    """The parameters of a whole window (a tile): its overall features mapped."""
    return params_from_features(
        motif, whole, mapping, variant=variant, **_palette_override(motif, palette)
    )


def band_table(env: Envelopes, times: np.ndarray, smooth: float) -> dict[str, np.ndarray]:
    """Per time: each band's share of the power and RMS amplitude (µV), for the whole
    head and per region, smoothed (centred) like the motion."""
    n = max(1, round(smooth * env.rate))
    power = env.power()  # (bands, channels, times)
    groups: dict[str, list[int]] = {"all": list(range(len(env.ch_names)))}
    groups.update(env.regions())
    out: dict[str, np.ndarray] = {}
    for region, idx in groups.items():
        p = _moving_average(power[:, idx, :].mean(axis=1), n)
        total = p.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(total > 0, p / total, 1.0 / len(env.bands))
        for i, band in enumerate(env.bands):
            key = band if region == "all" else f"{region}_{band}"
            out[f"{key}_rel"] = np.interp(times, env.times, rel[i])
            out[f"{key}_uV"] = np.interp(times, env.times, np.sqrt(p[i])) * 1e6
    return out


def quantise(params: Any, quantum: float = QUANTUM) -> Any:
    """*params* with each float rounded to *quantum* of its range (invisible steps)."""
    changes = {}
    for name, spec in params.specs().items():
        value = getattr(params, name)
        if spec.range is None or not isinstance(value, float):
            continue
        lo, hi = spec.range
        step = (hi - lo) * quantum
        if step > 0:
            q = lo + round((value - lo) / step) * step
            changes[name] = min(hi, max(lo, q))  # only float error can leave the range
    return params.replace(**changes) if changes else params


def _discrete(cls: type, policy: Policy) -> list[str]:
    """The parameters whose values the hold governs."""
    return [
        n
        for n, spec in cls.specs().items()
        if spec.discrete and not (policy.structure == "fixed" and spec.role == "structural")
    ]


def _pinned(cls: type, base: Any, policy: Policy) -> dict[str, Any]:
    """Values every moment takes from the base, by the policy."""
    out = {}
    for n, spec in cls.specs().items():
        if (spec.role == "structural" and policy.structure == "fixed") or (
            spec.role == "steady" and policy.steady
        ):
            out[n] = getattr(base, n)
    return out


def _apply_held(p: Any, held: MappingABC[str, Any]) -> Any:
    changes = {n: v for n, v in held.items() if getattr(p, n) != v}
    if not changes:
        return p
    try:
        return p.replace(**changes)
    except MotifError:  # a combination the motif rejects: keep the mapped one
        return p


def _hold_offline(params: list[Any], times: np.ndarray, names: Sequence[str], hold: float):
    """Keep each of *names* until a new value lasts *hold* seconds; a change that lasts
    (or reaches the end) is taken at the time it began."""
    if hold <= 0 or len(params) < 2 or not names:
        return params
    held: dict[str, list[Any]] = {}
    for n in names:
        seq = [getattr(p, n) for p in params]
        out = list(seq)
        current = seq[0]
        for k in range(1, len(seq)):
            if seq[k] != current:
                j = int(np.searchsorted(times, times[k] + hold - 1e-9, side="left"))
                if all(v == seq[k] for v in seq[k : j + 1]):
                    current = seq[k]
            out[k] = current
        held[n] = out
    return [_apply_held(p, {n: held[n][k] for n in names}) for k, p in enumerate(params)]


# --------------------------------------------------------------------- offline
def offline_track(
    env: Envelopes,
    times: Sequence[float] | np.ndarray,
    *,
    motif: str,
    mapping: Mapping | str | None = None,
    variant: str | None = None,
    palette: str | Sequence[str] | Palette | None = None,
    transparent: bool = False,
    policy: Policy | None = None,
    base: Any = None,
) -> Track:
    """The motif parameters at *times* of a recording's envelopes, offline.

    Parameters
    ----------
    env : Envelopes
        The window's envelopes (filtered with a margin around it, then cut).
    times : array of float
        Seconds at which the caller needs parameters (cloth rows, keyframes).
    motif, variant : str
        What is drawn.
    mapping : Mapping or str, optional
        The mapping (a preset name, a TOML path or a Mapping).
    palette : str or Palette, optional
        The colourway; default: the mapping's choice for the whole window.
    transparent : bool
        A transparent ground.
    policy : Policy, optional
        Default :meth:`Policy.video`.
    base : MotifParams, optional
        The whole window's parameters (a tile fitted to its size); default: the
        whole window's features mapped.
    """
    mapping = load_mapping(mapping)
    policy = policy or Policy.video()
    smooth = mapping.smooth if policy.smooth is None else float(policy.smooth)
    times = np.asarray(times, dtype=np.float64)
    whole = features(env)
    if base is None:
        base = base_params(motif, whole, mapping, variant=variant, palette=palette)
    pal = colourway(motif, whole, mapping, palette=palette, params=base, transparent=transparent)
    cls = type(base)
    fixed = {**_palette_override(motif, pal.name or palette), **_pinned(cls, base, policy)}
    mask = artifact_mask(env) if policy.artifacts else False
    series = features_series(env, times, smooth=smooth, artifacts=mask)
    followed = sorted({r.feature for r in mapping.rules if r.follow and r.motif == motif})
    moved: dict[str, np.ndarray] = {}
    if policy.departures and followed:
        moved = departures_series(env, times, followed, smooth=smooth, artifacts=mask)
    params = [
        params_from_features(
            motif,
            {f: float(v[k]) for f, v in series.items()},
            mapping,
            variant=variant,
            departures={f: float(v[k]) for f, v in moved.items()},
            overall=whole,
            **fixed,
        )
        for k in range(len(times))
    ]
    params = _hold_offline(params, times, _discrete(cls, policy), policy.hold)
    if policy.quantum:
        params = [quantise(p, policy.quantum) for p in params]
    return Track(motif, variant, times, tuple(params), series, base, pal, smooth, policy)


# ---------------------------------------------------------------------- causal
class CausalHold:
    """The causal hold: a new value of one of *names* is taken once it has lasted
    *hold* seconds (and kept until another has)."""

    def __init__(self, names: Sequence[str], hold: float) -> None:
        self.names = tuple(names)
        self.hold = float(hold)
        self._held: dict[str, Any] = {}
        self._candidate: dict[str, tuple[Any, float]] = {}

    def step(self, p: Any, t: float) -> Any:
        """*p* at time *t*, with the held values."""
        if self.hold <= 0 or not self.names:
            return p
        if not self._held:
            self._held = {n: getattr(p, n) for n in self.names}
            return p
        for n in self.names:
            v = getattr(p, n)
            if v == self._held[n]:
                self._candidate.pop(n, None)
                continue
            cand = self._candidate.get(n)
            if cand is None or cand[0] != v:
                self._candidate[n] = cand = (v, t)
            if t - cand[1] >= self.hold - 1e-9:
                self._held[n] = v
                self._candidate.pop(n, None)
        return _apply_held(p, self._held)


class CausalTimeline:
    """Motif parameters from live envelopes, each depending only on the past.

    Feed it envelope pieces in time order with :meth:`push`; it returns a
    :class:`Track` of the parameters at each new envelope sample (or at the *times*
    asked for, each answered by the newest sample at or before it). Chunk by chunk
    it gives what it gives for the whole series at once.

    Live there is no whole recording yet: rules marked ``overall`` read the moment
    (the policy pins steady parameters to the first piece's), ``follow`` adds no
    departure and artifacts are not left out. A live departure would be
    :class:`~batik_waves.eeg.normalise.Normaliser` in ``"doublings"`` mode on each
    channel's trailing features: the same definition against a running median.

    Parameters
    ----------
    motif, variant, mapping, palette, transparent
        As for :func:`offline_track`. Without *palette* the colourway is the
        mapping's choice for the first piece's features, kept for the session
        (a cloth does not change colour under a visitor).
    bands, ch_names : sequence of str
        What every piece holds.
    rate : float
        The pieces' sample rate (Hz).
    policy : Policy, optional
        Default :meth:`Policy.video`.
    base : MotifParams, optional
        Parameters to pin structural and steady values to; default: those of the
        first piece.
    """

    def __init__(
        self,
        *,
        motif: str,
        bands: Sequence[str],
        ch_names: Sequence[str],
        rate: float,
        mapping: Mapping | str | None = None,
        variant: str | None = None,
        palette: str | Sequence[str] | Palette | None = None,
        transparent: bool = False,
        policy: Policy | None = None,
        base: Any = None,
    ) -> None:
        self.motif = motif
        self.variant = variant
        self.mapping = load_mapping(mapping)
        self.policy = policy or Policy.video()
        self.smooth = (
            self.mapping.smooth if self.policy.smooth is None else float(self.policy.smooth)
        )
        self._palette_arg = palette
        self._transparent = transparent
        self._features = CausalFeatures(bands, ch_names, rate, smooth=self.smooth)
        self._base_arg = base
        self.reset()

    def reset(self) -> None:
        """Forget the past: a new visitor."""
        self._features.reset()
        self._base = self._base_arg
        self._palette: Palette | None = None
        self._fixed: dict[str, Any] = {}
        self._hold = CausalHold((), 0.0)
        self._last: tuple[float, dict[str, float]] | None = None

    @property
    def palette(self) -> Palette | None:
        """The session's colourway (None before the first piece)."""
        return self._palette

    def _start(self, feats: MappingABC[str, float]) -> None:
        if self._base is None:
            self._base = base_params(
                self.motif, feats, self.mapping, variant=self.variant, palette=self._palette_arg
            )
        self._palette = colourway(
            self.motif,
            feats,
            self.mapping,
            palette=self._palette_arg,
            params=self._base,
            transparent=self._transparent,
        )
        cls = type(self._base)
        self._fixed = {
            **_palette_override(self.motif, self._palette.name or self._palette_arg),
            **_pinned(cls, self._base, self.policy),
        }
        self._hold = CausalHold(_discrete(cls, self.policy), self.policy.hold)

    def push(self, piece: Envelopes, times: Sequence[float] | None = None) -> Track:
        """The parameters after *piece*: at each of its samples, or at *times*.

        *times* may lie anywhere from the newest sample of the previous piece to the
        newest of this one; each is answered by the newest sample at or before it.
        """
        series = self._features.push(piece)
        t = np.asarray(piece.times, dtype=np.float64)
        if times is None:
            idx = np.arange(len(t))
            out_times = t
        else:
            if self._last is not None:  # the previous piece's newest sample answers too
                t_prev, row = self._last
                t = np.concatenate([[t_prev], t])
                series = {k: np.concatenate([[row[k]], v]) for k, v in series.items()}
            out_times = np.asarray(times, dtype=np.float64)
            idx = np.searchsorted(t, out_times + 1e-9, side="right") - 1
            if len(idx) and (idx.min() < 0 or out_times.max() > t[-1] + 1e-9):
                raise ValueError(
                    "causal times must lie between the previous piece's newest sample "
                    "and this piece's newest"
                )
        if len(piece.times):
            self._last = (float(piece.times[-1]), {k: float(v[-1]) for k, v in series.items()})
        params = []
        feats_out = {k: v[idx] for k, v in series.items()}
        for j, i in enumerate(idx):
            feats = {f: float(v[i]) for f, v in series.items()}
            if self._palette is None:
                self._start(feats)
            p = params_from_features(
                self.motif, feats, self.mapping, variant=self.variant, **self._fixed
            )
            p = self._hold.step(p, float(out_times[j]))
            if self.policy.quantum:
                p = quantise(p, self.policy.quantum)
            params.append(p)
        assert self._palette is not None or not params
        return Track(
            self.motif,
            self.variant,
            out_times,
            tuple(params),
            feats_out,
            self._base,
            self._palette if self._palette is not None else make_palette(None),
            self.smooth,
            self.policy,
        )
