"""From band envelopes to motif parameters: a legible, editable mapping.

A recording becomes a handful of *features*, numbers an artist can reason about:
each band's share of the power (``alpha`` 0.24 means alpha carries a quarter of the
power), a few ratios, the same shares per scalp region (``occipital_alpha``), and how
much the composition moves over time (``variability``). Shares, not amplitudes: the
composition differs between states of mind far more than between skulls, so two
people at rest make kin cloths and one person at rest and at work does not.

A :class:`Mapping` turns features into motif parameters with two kinds of rule, both
written in a TOML file that an artist can copy and edit (see
``batik_waves/mapping/presets/default.toml``):

- a **rule** maps one feature over its expected range (``from``) onto one numeric
  parameter over an output range (``to``) along a curve (``linear``, ``smoothstep``,
  ``ease-in``, ``ease-out``), optionally inverted. Beyond its expected range a
  feature saturates: the parameter stays at the end of its output range.
- a **choice** picks a discrete value (a filler kind, the palette) by thresholds on a
  feature: ``thresholds = [0.2, 0.4]`` with ``values = ["a", "b", "c"]`` gives ``a``
  below 0.2, ``b`` from 0.2 to 0.4 and ``c`` above.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .._check import allowed_text
from ..eeg.envelopes import BandSummary, Envelopes
from ..errors import MappingError, MotifError
from ..motifs import registry
from ..motifs.palette import palette as make_palette
from .extract import FEATURES, features

__all__ = [
    "CURVES",
    "Choice",
    "Mapping",
    "Rule",
    "family_from_features",
    "load_mapping",
    "palette_from_features",
    "param_distance",
    "params_class",
    "params_for",
    "params_from_features",
    "presets",
]


# -------------------------------------------------------------------------- rules
def _smoothstep(t: float) -> float:
    return t * t * (3.0 - 2.0 * t)


#: Curve name -> function on [0, 1].
CURVES: dict[str, Callable[[float], float]] = {
    "linear": lambda t: t,
    "smoothstep": _smoothstep,
    "ease-in": lambda t: t * t,
    "ease-out": lambda t: 1.0 - (1.0 - t) * (1.0 - t),
}


def _allowed(values: Sequence[Any]) -> str:
    return allowed_text(values)


@dataclass(frozen=True)
class Rule:
    """One feature drives one numeric parameter of one motif.

    Attributes
    ----------
    motif, parameter, feature : str
        What drives what.
    feature_range : (float, float)
        The feature's expected range (``from`` in TOML); beyond it the output saturates.
    output : (float, float)
        The parameter's range (``to`` in TOML), within the parameter's allowed range.
    curve : str
        One of :data:`CURVES`.
    invert : bool
        High feature gives the low end of *output*.
    follow : float
        How far the moment's departure from the recording's own baseline moves the
        parameter, in output ranges per unit of departure (``follow`` in TOML; 0: the
        rule reads only the feature's value). Departures count doublings: +1 is a
        moment whose feature is twice the recording's median, −1 half of it
        (:func:`~batik_waves.mapping.extract.departures_series`).
        The whole recording (a tile) departs by 0, so ``follow`` shapes the story
        along a cloth and a video, never who the recording is.
    overall : bool
        The rule reads the whole recording's (or window's) value of its feature, not
        the moment's (``overall`` in TOML): who this is. Alone, the parameter keeps
        that value all along a cloth; with ``follow``, it starts there and each
        moment's departure from the recording's baseline moves it: what changed.
    """

    motif: str
    parameter: str
    feature: str
    feature_range: tuple[float, float]
    output: tuple[float, float]
    curve: str = "linear"
    invert: bool = False
    follow: float = 0.0
    overall: bool = False

    def position(self, x: float) -> float:
        """Where feature value *x* puts the parameter, 0 (start of output) to 1 (end)."""
        lo, hi = self.feature_range
        if math.isnan(float(x)):  # a band the recording cannot hold: the neutral middle
            x = (lo + hi) / 2.0
        t = (float(x) - lo) / (hi - lo)
        t = min(1.0, max(0.0, t)) if math.isfinite(t) else (1.0 if t > 0 else 0.0)
        t = CURVES[self.curve](t)
        return 1.0 - t if self.invert else t

    def moved(self, x: float, departure: float = 0.0) -> float:
        """:meth:`position` of *x*, moved by ``follow`` times its *departure* from the
        recording's own baseline (within 0 to 1)."""
        t = self.position(x)
        if self.follow and departure and math.isfinite(departure):
            t += self.follow * (-departure if self.invert else departure)
            t = min(1.0, max(0.0, t))
        return t

    def value(self, x: float, departure: float = 0.0) -> float:
        """The parameter value for feature value *x* (and its *departure* from the
        recording's own baseline, which moves it by ``follow``, within the output)."""
        a, b = self.output
        return a + (b - a) * self.moved(x, departure)

    def to_dict(self) -> dict[str, Any]:
        return {
            "motif": self.motif,
            "parameter": self.parameter,
            "feature": self.feature,
            "from": list(self.feature_range),
            "to": list(self.output),
            "curve": self.curve,
            "invert": self.invert,
            **({"follow": self.follow} if self.follow else {}),
            **({"overall": True} if self.overall else {}),
        }

    def describe(self) -> str:
        a, b = self.output
        arrow = f"{_fmt(a)} → {_fmt(b)}" if not self.invert else f"{_fmt(b)} → {_fmt(a)}"
        lo, hi = self.feature_range
        reads = "the whole recording's " if self.overall else ""
        follows = f", following its departures ×{_fmt(self.follow)}" if self.follow else ""
        return (
            f"{self.motif}.{self.parameter}: {arrow} as {reads}{self.feature} goes "
            f"{_fmt(lo)} → {_fmt(hi)} ({self.curve}{follows})"
        )


@dataclass(frozen=True)
class Choice:
    """A discrete value (a filler kind, a palette) picked by thresholds on a feature.

    ``values[i]`` is chosen when ``thresholds[i-1] <= x < thresholds[i]``.
    *motif* ``"*"`` applies to every motif; *parameter* ``"palette"`` chooses the
    colourway rather than a motif parameter.
    """

    motif: str
    parameter: str
    feature: str
    thresholds: tuple[float, ...]
    values: tuple[Any, ...]

    def pick(self, x: float) -> Any:
        if math.isnan(float(x)):  # a band the recording cannot hold: the neutral middle
            x = (self.thresholds[0] + self.thresholds[-1]) / 2.0
        i = int(np.searchsorted(np.asarray(self.thresholds), float(x), side="right"))
        return self.values[i]

    def applies_to(self, motif: str) -> bool:
        return self.motif in ("*", motif)

    def to_dict(self) -> dict[str, Any]:
        return {
            "motif": self.motif,
            "parameter": self.parameter,
            "feature": self.feature,
            "thresholds": list(self.thresholds),
            "values": list(self.values),
        }

    def describe(self) -> str:
        parts = [repr(self.values[0])]
        for th, v in zip(self.thresholds, self.values[1:], strict=True):
            parts.append(f"from {_fmt(th)} {v!r}")
        return f"{self.motif}.{self.parameter} by {self.feature}: " + ", ".join(parts)


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, int | float) else repr(x)


# ------------------------------------------------------------------------ Mapping
def params_class(motif: str, classes: MappingABC[str, type] | None = None) -> type:
    """The params class (``KawungParams``, ...) of *motif*, from the motif registry."""
    if classes is not None and motif in classes:
        return classes[motif]
    if classes is not None:
        raise MappingError(
            f"Invalid value for the 'motif' parameter. Allowed values are "
            f"{_allowed(list(classes))}, but got {motif!r} instead."
        )
    try:
        return registry.get(motif).params_class()
    except MotifError as err:
        raise MappingError(str(err)) from None


@dataclass(frozen=True)
class Mapping:
    """How features become motif parameters: rules, choices, fixed values.

    Build one with :meth:`from_toml` or :func:`load_mapping`.

    Attributes
    ----------
    name, description : str
        Shown on the contact sheet and in the JSON record.
    rules : tuple of Rule
    choices : tuple of Choice
    fixed : dict
        Motif -> {parameter: value} set before the rules (a preset's base look).
    palette : str or None
        The colourway when no palette choice applies (None: the motif's default).
    variant_spread : float
        With a named variant, a rule moves that variant's own parameters only this
        fraction of its output range around the variant's value, so picis stays picis.
    smooth : float
        Seconds of smoothing for features along the cloth (and video).
    source : str
        Where the mapping came from (a preset name or a file path).
    """

    name: str
    description: str = ""
    rules: tuple[Rule, ...] = ()
    choices: tuple[Choice, ...] = ()
    fixed: MappingABC[str, MappingABC[str, Any]] = field(default_factory=dict)
    palette: str | None = None
    variant_spread: float = 0.35
    smooth: float = 4.0
    source: str = ""

    # ----------------------------------------------------------------- reading
    @classmethod
    def from_toml(
        cls, path: str | Path, *, classes: MappingABC[str, type] | None = None
    ) -> Mapping:
        """Read and validate a mapping TOML file.

        Errors name the file, the key and what is allowed.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise MappingError(f"{path}: no such mapping file") from None
        except (OSError, UnicodeDecodeError) as err:
            raise MappingError(f"{path}: cannot read the mapping file: {err}") from err
        return cls.from_text(text, source=str(path), classes=classes)

    @classmethod
    def from_text(
        cls, text: str, *, source: str = "<text>", classes: MappingABC[str, type] | None = None
    ) -> Mapping:
        """Parse mapping TOML *text* (see :meth:`from_toml`)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise MappingError(f"{source}: invalid TOML: {err}") from err
        return cls.from_dict(data, source=source, classes=classes)

    @classmethod
    def from_dict(
        cls,
        data: MappingABC[str, Any],
        *,
        source: str = "<dict>",
        classes: MappingABC[str, type] | None = None,
    ) -> Mapping:
        """Build and validate from a dict shaped like the TOML file."""
        p = _Parser(source, classes)
        known = {
            "name",
            "description",
            "palette",
            "variant_spread",
            "smooth",
            "rule",
            "choice",
            "fixed",
        }
        p.no_unknown(data, known, "")
        name = p.string(data, "name", "", default=Path(source).stem)
        description = p.string(data, "description", "", default="")
        palette = data.get("palette")
        if palette is not None:
            palette = p.palette_value(palette, "palette")
        spread = p.number(data, "variant_spread", "", default=0.35, lo=0.0, hi=1.0)
        smooth = p.number(data, "smooth", "", default=4.0, lo=0.0, hi=600.0)
        rules = tuple(p.rule(r, i) for i, r in enumerate(p.table_list(data, "rule")))
        choices = tuple(p.choice(c, i) for i, c in enumerate(p.table_list(data, "choice")))
        fixed = p.fixed(data.get("fixed", {}))
        seen: dict[tuple[str, str], str] = {}
        for i, r in enumerate(rules):
            key = (r.motif, r.parameter)
            if key in seen:
                raise MappingError(
                    f"{source}: rule[{i}] drives {r.motif}.{r.parameter}, which {seen[key]} "
                    f"already drives; give each parameter one rule"
                )
            seen[key] = f"rule[{i}]"
        return cls(
            name=name,
            description=description,
            rules=rules,
            choices=choices,
            fixed=fixed,
            palette=palette,
            variant_spread=spread,
            smooth=smooth,
            source=source,
        )

    # --------------------------------------------------------------- writing
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, and shaped like the TOML file (``from_dict`` reads it back)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.palette is not None:
            out["palette"] = self.palette
        out["variant_spread"] = self.variant_spread
        out["smooth"] = self.smooth
        out["fixed"] = {m: dict(v) for m, v in self.fixed.items()}
        out["rule"] = [r.to_dict() for r in self.rules]
        out["choice"] = [c.to_dict() for c in self.choices]
        return out

    def describe(self, motif: str | None = None) -> list[str]:
        """One line per rule and choice (for *motif* only, if given), for people."""
        lines = [r.describe() for r in self.rules if motif in (None, r.motif)]
        lines += [c.describe() for c in self.choices if motif is None or c.applies_to(motif)]
        return lines

    def motifs(self) -> tuple[str, ...]:
        names = {r.motif for r in self.rules} | {c.motif for c in self.choices} | set(self.fixed)
        return tuple(sorted(names - {"*"}))


class _Parser:
    """Validation of mapping dicts, with messages naming file, key and allowed values."""

    def __init__(self, source: str, classes: MappingABC[str, type] | None) -> None:
        self.source = source
        self.classes = classes
        self._specs: dict[str, dict[str, Any]] = {}

    def fail(self, where: str, why: str) -> MappingError:
        return MappingError(f"{self.source}: {where}: {why}")

    def no_unknown(self, table: MappingABC[str, Any], known: set[str], where: str) -> None:
        if not isinstance(table, MappingABC):
            raise self.fail(where or "top level", f"expected a table, got {table!r}")
        for key in table:
            if key not in known:
                raise self.fail(
                    f"{where}{key}",
                    f"unknown key. Allowed keys are {_allowed(sorted(known))}",
                )

    def string(self, table, key: str, where: str, *, default: Any = ...) -> str:
        if key not in table:
            if default is ...:
                raise self.fail(f"{where}{key}", "missing key")
            return default
        v = table[key]
        if not isinstance(v, str):
            raise self.fail(f"{where}{key}", f"expected a string, got {v!r}")
        return v

    def number(self, table, key: str, where: str, *, default: Any = ..., lo=None, hi=None):
        if key not in table:
            if default is ...:
                raise self.fail(f"{where}{key}", "missing key")
            return default
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.fail(f"{where}{key}", f"expected a number, got {v!r}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise self.fail(f"{where}{key}", f"allowed range is {lo} to {hi}, but got {v!r}")
        return float(v)

    def pair(self, table, key: str, where: str) -> tuple[float, float]:
        if key not in table:
            raise self.fail(f"{where}{key}", "missing key (a pair like [0.05, 0.5])")
        v = table[key]
        ok = (
            isinstance(v, list)
            and len(v) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
            and all(math.isfinite(x) for x in v)
        )
        if not ok:
            raise self.fail(
                f"{where}{key}", f"expected a pair of numbers like [0.05, 0.5], got {v!r}"
            )
        return float(v[0]), float(v[1])

    def table_list(self, data, key: str) -> list:
        v = data.get(key, [])
        if not isinstance(v, list) or not all(isinstance(t, MappingABC) for t in v):
            raise self.fail(key, f"expected [[{key}]] tables, got {v!r}")
        return v

    def motif(self, value: Any, where: str, *, star: bool = False) -> str:
        allowed = list(self.classes if self.classes is not None else registry.names())
        if star:
            allowed.append("*")
        if value not in allowed:
            raise self.fail(
                where, f"Allowed values are {_allowed(allowed)}, but got {value!r} instead"
            )
        return value

    def specs(self, motif: str) -> dict[str, Any]:
        if motif not in self._specs:
            self._specs[motif] = params_class(motif, self.classes).specs()
        return self._specs[motif]

    def parameter(self, motif: str, value: Any, where: str):
        specs = self.specs(motif)
        if value not in specs:
            raise self.fail(
                where,
                f"{motif} has no parameter {value!r}. Allowed parameters are "
                f"{_allowed(list(specs))}",
            )
        return specs[value]

    def feature(self, value: Any, where: str) -> str:
        if value not in FEATURES:
            raise self.fail(
                where, f"unknown feature {value!r}. Allowed features are {_allowed(list(FEATURES))}"
            )
        return value

    def palette_value(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a palette name or '#hex,#hex,...', got {value!r}")
        try:
            make_palette(value)
        except MotifError as err:
            raise self.fail(where, str(err)) from None
        return value

    def rule(self, t: MappingABC[str, Any], i: int) -> Rule:
        w = f"rule[{i}]."
        self.no_unknown(
            t,
            {"motif", "parameter", "feature", "from", "to", "curve", "invert", "follow", "overall"},
            w,
        )
        motif = self.motif(t.get("motif"), f"{w}motif")
        param = self.string(t, "parameter", w)
        spec = self.parameter(motif, param, f"{w}parameter")
        if spec.range is None:
            raise self.fail(
                f"{w}parameter",
                f"{motif}.{param} takes one of {_allowed(spec.choices or ())}, not a number: "
                f"drive it with a [[choice]] instead",
            )
        feature = self.feature(t.get("feature"), f"{w}feature")
        fr = self.pair(t, "from", w)
        if fr[0] == fr[1]:
            raise self.fail(f"{w}from", f"the feature range must not be empty, got {list(fr)}")
        out = self.pair(t, "to", w)
        lo, hi = spec.range
        for x in out:
            if not lo <= x <= hi:
                raise self.fail(
                    f"{w}to",
                    f"{motif}.{param} allows {lo} to {hi}{' ' + spec.unit if spec.unit else ''}, "
                    f"but the output range is {list(out)}",
                )
        curve = t.get("curve", "linear")
        if curve not in CURVES:
            raise self.fail(
                f"{w}curve", f"Allowed values are {_allowed(list(CURVES))}, but got {curve!r}"
            )
        invert = t.get("invert", False)
        if not isinstance(invert, bool):
            raise self.fail(f"{w}invert", f"expected true or false, got {invert!r}")
        follow = self.number(t, "follow", w, default=0.0, lo=0.0, hi=4.0)
        overall = t.get("overall", False)
        if not isinstance(overall, bool):
            raise self.fail(f"{w}overall", f"expected true or false, got {overall!r}")
        return Rule(motif, param, feature, fr, out, curve, invert, float(follow), overall)

    def choice(self, t: MappingABC[str, Any], i: int) -> Choice:
        w = f"choice[{i}]."
        self.no_unknown(t, {"motif", "parameter", "feature", "thresholds", "values"}, w)
        motif = self.motif(t.get("motif", "*"), f"{w}motif", star=True)
        param = self.string(t, "parameter", w)
        feature = self.feature(t.get("feature"), f"{w}feature")
        th = t.get("thresholds")
        if (
            not isinstance(th, list)
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in th)
            or any(b <= a for a, b in itertools.pairwise(th))
        ):
            raise self.fail(f"{w}thresholds", f"expected increasing numbers, got {th!r}")
        values = t.get("values")
        if not isinstance(values, list) or len(values) != len(th) + 1:
            raise self.fail(
                f"{w}values",
                f"expected {len(th) + 1} values (one more than thresholds), got {values!r}",
            )
        if param == "palette":
            values = [self.palette_value(v, f"{w}values") for v in values]
        elif param == "family":  # -m auto: the motif family itself
            if motif != "*":
                raise self.fail(f"{w}motif", "a family choice applies to every motif: use '*'")
            families = list(self.classes if self.classes is not None else registry.names())
            for v in values:
                if v not in families:
                    raise self.fail(
                        f"{w}values",
                        f"Allowed families are {_allowed(families)}, but got {v!r} instead",
                    )
        else:
            motifs = list(self.classes if self.classes is not None else registry.names())
            for m in [motif] if motif != "*" else motifs:
                spec = self.parameter(m, param, f"{w}parameter")
                for v in values:
                    try:
                        spec.check(m, param, v)
                    except MotifError as err:
                        raise self.fail(f"{w}values", str(err)) from None
        return Choice(motif, param, feature, tuple(float(x) for x in th), tuple(values))

    def fixed(self, table: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(table, MappingABC):
            raise self.fail("fixed", f"expected [fixed.<motif>] tables, got {table!r}")
        out: dict[str, dict[str, Any]] = {}
        for motif, values in table.items():
            self.motif(motif, f"fixed.{motif}")
            if not isinstance(values, MappingABC):
                raise self.fail(f"fixed.{motif}", f"expected a table, got {values!r}")
            for key, v in values.items():
                spec = self.parameter(motif, key, f"fixed.{motif}.{key}")
                try:
                    spec.check(motif, key, v)
                except MotifError as err:
                    raise self.fail(f"fixed.{motif}.{key}", str(err)) from None
            out[motif] = dict(values)
        return out


# --------------------------------------------------------------------- loading
def _preset_dir():
    return resources.files("batik_waves.mapping") / "presets"


def presets() -> tuple[str, ...]:
    """Names of the bundled mappings (``default`` first)."""
    names = sorted(
        p.name[: -len(".toml")] for p in _preset_dir().iterdir() if p.name.endswith(".toml")
    )
    return tuple(sorted(names, key=lambda n: (n != "default", n)))


def load_mapping(
    spec: str | Path | Mapping | None = None, *, classes: MappingABC[str, type] | None = None
) -> Mapping:
    """A mapping from a preset name (``None`` means ``"default"``), a TOML path or itself."""
    if isinstance(spec, Mapping):
        return spec
    if spec is None:
        spec = "default"
    if isinstance(spec, str) and spec in presets():
        res = _preset_dir() / f"{spec}.toml"
        m = Mapping.from_text(res.read_text(encoding="utf-8"), source=spec, classes=classes)
        return m
    path = Path(spec)
    if path.suffix.lower() == ".toml" or path.exists():
        return Mapping.from_toml(path, classes=classes)
    raise MappingError(
        f"Invalid value for the 'mapping' parameter. Allowed values are a TOML file or one of "
        f"{_allowed(presets())}, but got {str(spec)!r} instead."
    )


# ---------------------------------------------------------------- parameters
def _check_features(feats: MappingABC[str, float], mapping: Mapping) -> None:
    needed = {r.feature for r in mapping.rules} | {c.feature for c in mapping.choices}
    missing = sorted(needed - set(feats))
    if missing:
        raise MappingError(
            f"mapping {mapping.name!r} needs the feature {missing[0]!r}, which is missing "
            f"from the features given (compute them with batik_waves.mapping.features)"
        )


def params_from_features(
    motif: str,
    feats: MappingABC[str, float],
    mapping: Mapping | str | Path | None = None,
    *,
    variant: str | None = None,
    classes: MappingABC[str, type] | None = None,
    departures: MappingABC[str, float] | None = None,
    overall: MappingABC[str, float] | None = None,
    **overrides: Any,
):
    """The motif parameters that *mapping* gives for features *feats*.

    Order: the motif's defaults, the mapping's ``fixed`` values, the *variant* (whose
    own parameters the rules then move only ``variant_spread`` of their range around
    the variant's value), the rules and choices, and last *overrides*.

    Parameters
    ----------
    motif : str
        ``"kawung"`` or ``"parang"``.
    feats : mapping
        Feature values, as :func:`features` returns them.
    mapping : Mapping, str, Path or None
        See :func:`load_mapping`.
    variant : str, optional
        A named variant of the motif (``KawungParams.variants()``).
    departures : mapping, optional
        Feature name -> the moment's departure from the recording's own baseline
        (see :attr:`Rule.follow`); absent: none (a whole recording, a tile).
    overall : mapping, optional
        The whole recording's (or window's) features, which rules marked
        :attr:`Rule.overall` read instead of *feats*; absent: *feats* are the whole.
    **overrides
        Parameter values that win over everything.

    Returns
    -------
    MotifParams
        ``KawungParams`` or ``ParangParams``.
    """
    mapping = load_mapping(mapping, classes=classes)
    cls = params_class(motif, classes)
    _check_features(feats, mapping)
    if overall is not None:
        _check_features(overall, mapping)
    specs = cls.specs()
    values: dict[str, Any] = cls().to_dict()
    palette_spec = specs.get("palette")

    def named_palette(name: Any) -> bool:  # a params class may carry its palette's name
        return palette_spec is not None and name in (palette_spec.choices or ())

    if named_palette(mapping.palette):
        values["palette"] = mapping.palette
    values.update(mapping.fixed.get(motif, {}))
    own: set[str] = set()
    if variant is not None:
        own = set(cls._VARIANTS.get(variant, {})) if hasattr(cls, "_VARIANTS") else set()
        values.update(cls.variant(variant).to_dict())
    for rule in (r for r in mapping.rules if r.motif == motif):
        x = (overall if rule.overall and overall is not None else feats)[rule.feature]
        d = departures.get(rule.feature, 0.0) if departures else 0.0
        spec = specs[rule.parameter]
        if rule.parameter in own:
            a, b = rule.output
            v = values[rule.parameter] + (rule.moved(x, d) - 0.5) * mapping.variant_spread * (b - a)
            lo, hi = spec.range
            v = min(hi, max(lo, v))  # the variant's value moved, saturating at the range
        else:
            v = rule.value(x, d)
        if isinstance(spec.default, int) and not isinstance(spec.default, bool):
            v = round(v)
        values[rule.parameter] = v
    for choice in mapping.choices:
        if not choice.applies_to(motif) or choice.parameter in own or choice.parameter == "family":
            continue
        picked = choice.pick(feats[choice.feature])
        if choice.parameter == "palette" and not named_palette(picked):
            continue  # a hex palette: the renderer gets it from palette_from_features
        values[choice.parameter] = picked
    values.update(overrides)
    return cls.from_dict(values)


def palette_from_features(
    motif: str, feats: MappingABC[str, float], mapping: Mapping | str | Path | None = None
) -> str | None:
    """The colourway *mapping* chooses for *motif* (None: the motif's default)."""
    mapping = load_mapping(mapping)
    _check_features(feats, mapping)
    chosen = mapping.palette
    for choice in mapping.choices:
        if choice.parameter == "palette" and choice.applies_to(motif):
            chosen = choice.pick(feats[choice.feature])
    return chosen


def family_from_features(
    feats: MappingABC[str, float], mapping: Mapping | str | Path | None = None
) -> tuple[str, dict[str, Any]]:
    """The motif family *mapping* chooses for a recording's overall features (``-m
    auto``), and why: ``{"feature": ..., "value": ..., "thresholds": ...}``. Without a
    family choice in the mapping: the first registered family."""
    mapping = load_mapping(mapping)
    chosen, why = registry.names()[0], {"rule": "the mapping has no family choice"}
    for choice in mapping.choices:
        if choice.parameter == "family":
            x = feats[choice.feature]
            chosen = choice.pick(x)
            why = {
                "feature": choice.feature,
                "value": float(x),
                "thresholds": list(choice.thresholds),
                "values": list(choice.values),
            }
    return chosen, why


def params_for(
    motif: str,
    source: Envelopes | BandSummary,
    mapping: Mapping | str | Path | None = None,
    *,
    variant: str | None = None,
    window: tuple[float | None, float | None] | None = None,
    classes: MappingABC[str, type] | None = None,
    **overrides: Any,
):
    """Motif parameters straight from envelopes (or a window of them) or a summary."""
    if window is not None:
        if not isinstance(source, Envelopes):
            raise MappingError("a window needs Envelopes, not a summary")
        source = source.window(*window)
    return params_from_features(
        motif, features(source), mapping, variant=variant, classes=classes, **overrides
    )


def param_distance(a, b, *, only: Sequence[str] | None = None) -> float:
    """How different two sets of motif parameters look, 0 (the same) upwards.

    The root-mean-square of the numeric differences, each as a fraction of its
    parameter's allowed range, with a differing choice (a palette, a filler kind)
    counting as a whole range. *only* restricts it to some parameters (say, the ones
    a mapping drives).

    >>> from dataclasses import dataclass
    >>> from batik_waves.motifs._params import MotifParams, param
    >>> @dataclass(frozen=True)
    ... class P(MotifParams):
    ...     x: float = param(0.0, range=(0.0, 10.0))
    ...     k: str = param("a", choices=("a", "b"))
    >>> param_distance(P(x=0.0), P(x=5.0)), param_distance(P(), P(k="b"))
    (0.3535533905932738, 0.7071067811865476)
    """
    if type(a) is not type(b):
        raise MappingError(
            f"cannot compare {type(a).__name__} with {type(b).__name__}: different motifs"
        )
    specs = a.specs()
    names = list(specs) if only is None else list(only)
    total = 0.0
    for name in names:
        spec = specs[name]
        va, vb = getattr(a, name), getattr(b, name)
        if spec.range is not None:
            lo, hi = spec.range
            total += ((va - vb) / (hi - lo)) ** 2
        else:
            total += 0.0 if va == vb else 1.0
    return math.sqrt(total / max(1, len(names)))
