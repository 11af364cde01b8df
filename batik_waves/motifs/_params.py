"""Declaring motif parameters: each declares its default, range and unit in one place.

A motif's parameters are a frozen dataclass deriving from :class:`MotifParams` whose
fields are made with :func:`param`. Construction validates every field and names the
field, the allowed range and the value on failure; nothing is ever clamped silently.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Demo(MotifParams):
...     size: float = param(1.0, range=(0.5, 2.0), unit="× P", doc="how big")
...     kind: str = param("dot", choices=("dot", "star"), doc="what")
>>> Demo(size=3.0)
Traceback (most recent call last):
...
batik_waves.errors.MotifError: Invalid value for the 'size' parameter of Demo. Allowed range is 0.5 to 2.0, but got 3.0 instead.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import MotifError

__all__ = ["REPEATS", "ROLES", "MotifParams", "Spec", "param"]

#: How tiles are laid: block, half-drop (columns shifted by half), half-brick (rows).
REPEATS: tuple[str, ...] = ("block", "half-drop", "half-brick")

#: How a parameter behaves over time (see :class:`Spec`).
ROLES = ("continuous", "structural", "steady")


@dataclass(frozen=True)
class Spec:
    """What a parameter accepts (a numeric range, inclusive, or a set of choices) and
    how it behaves over time.

    ``role`` is one of :data:`ROLES`:

    - ``"continuous"``: follows the brain moment by moment (smoothed);
    - ``"structural"``: lays out the lattice or the ground (flower count, band count,
      rotation, polarity); a cloth keeps its tile's, a video holds each value for a
      minimum time so the lattice does not re-form every second;
    - ``"steady"``: held at the recording's overall value through a video (the wax
      does not re-crack every frame).

    Discrete parameters (choices, whole numbers) are quantised to their values
    whatever their role.
    """

    default: Any
    range: tuple[float, float] | None = None
    choices: tuple[Any, ...] | None = None
    unit: str = ""
    doc: str = ""
    role: str = "continuous"

    @property
    def discrete(self) -> bool:
        """True for choices, booleans and whole numbers."""
        return self.choices is not None or isinstance(self.default, bool | int | str)

    @property
    def count(self) -> bool:
        """True for a structural whole number with a range (cells across the tile)."""
        return (
            self.role == "structural"
            and self.range is not None
            and isinstance(self.default, int)
            and not isinstance(self.default, bool)
        )

    def check(self, owner: str, name: str, value: Any) -> Any:
        where = f"the {name!r} parameter of {owner}"
        if self.choices is not None:
            if value not in self.choices:
                allowed = ", ".join(repr(c) for c in self.choices)
                raise MotifError(
                    f"Invalid value for {where}. Allowed values are {allowed}, "
                    f"but got {value!r} instead."
                )
            return value
        if self.range is not None:
            lo, hi = self.range
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise MotifError(
                    f"Invalid value for {where}. Expected a number from {lo} to {hi}, "
                    f"but got {value!r} instead."
                )
            if not math.isfinite(value) or not lo <= value <= hi:
                raise MotifError(
                    f"Invalid value for {where}. Allowed range is {lo} to {hi}, "
                    f"but got {value!r} instead."
                )
            if isinstance(self.default, int) and not isinstance(self.default, bool):
                if value != int(value):
                    raise MotifError(
                        f"Invalid value for {where}. Expected a whole number from {lo} to "
                        f"{hi}, but got {value!r} instead."
                    )
                return int(value)
            return float(value)
        if isinstance(self.default, bool) and not isinstance(value, bool):
            raise MotifError(f"Invalid value for {where}. Expected True or False, got {value!r}.")
        return value


def param(
    default: Any,
    *,
    range: tuple[float, float] | None = None,
    choices: tuple[Any, ...] | None = None,
    unit: str = "",
    doc: str = "",
    role: str = "continuous",
) -> Any:
    """A dataclass field that carries its :class:`Spec` (default, range or choices, unit,
    role)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    spec = Spec(default, range, tuple(choices) if choices is not None else None, unit, doc, role)
    return dataclasses.field(default=default, metadata={"spec": spec})


class MotifParams:
    """Base of ``KawungParams`` and ``ParangParams``: validation, variants, dicts.

    Subclasses are frozen dataclasses. They set ``_VARIANTS`` to a mapping of variant
    name -> field overrides, and may override :meth:`_check` for rules that tie
    fields together (the longest petal depends on its width, say).
    """

    _VARIANTS: ClassVar[Mapping[str, Mapping[str, Any]]] = {}

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f in dataclasses.fields(self):
            spec = f.metadata.get("spec")
            if spec is None:
                continue
            value = spec.check(owner, f.name, getattr(self, f.name))
            object.__setattr__(self, f.name, value)
        self._check()

    def _check(self) -> None:
        """Cross-field rules; raise :class:`MotifError` naming the fields."""

    # ------------------------------------------------------------------ specs
    @classmethod
    def specs(cls) -> dict[str, Spec]:
        """Field name -> :class:`Spec`, in declaration order."""
        return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls) if "spec" in f.metadata}

    @classmethod
    def names_with_role(cls, role: str) -> tuple[str, ...]:
        """The fields whose :attr:`Spec.role` is *role*, in declaration order."""
        return tuple(k for k, s in cls.specs().items() if s.role == role)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, variant: str | None = None):
        """Build from a dict (a TOML table, say); unknown keys raise :class:`MotifError`."""
        specs = cls.specs()
        unknown = sorted(set(values) - set(specs))
        if unknown:
            raise MotifError(
                f"Unknown parameter {unknown[0]!r} for {cls.__name__}. Allowed parameters are "
                f"{', '.join(map(repr, specs))}."
            )
        base = cls.variant(variant) if variant is not None else cls()
        return dataclasses.replace(base, **dict(values))

    def to_dict(self) -> dict[str, Any]:
        """Field name -> value, JSON-ready."""
        return {name: getattr(self, name) for name in self.specs()}

    def replace(self, **changes: Any):
        """A copy with *changes*; unknown names raise :class:`MotifError`."""
        return self.from_dict({**self.to_dict(), **changes})

    # --------------------------------------------------------------- variants
    @classmethod
    def variants(cls) -> tuple[str, ...]:
        """Names of the named variants (classical presets) of this motif."""
        return tuple(cls._VARIANTS)

    @classmethod
    def variant(cls, name: str):
        """The parameters of the variant *name*."""
        try:
            overrides = cls._VARIANTS[name]
        except KeyError:
            allowed = ", ".join(repr(v) for v in cls._VARIANTS)
            raise MotifError(
                f"Invalid value for the 'variant' parameter of {cls.__name__}. Allowed values "
                f"are {allowed}, but got {name!r} instead."
            ) from None
        return cls(**dict(overrides))
