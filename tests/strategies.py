"""Hypothesis strategies for motif parameters, generated from their specs.

One strategy per parameter class, shared by every property test: a new parameter
(or a new family) is drawn as soon as its spec declares it.
"""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from batik_waves.errors import MotifError

__all__ = ["motif_params", "value"]


def value(spec, *, max_count: int | None = None):
    """Any value the spec allows: a choice, a boolean, a whole number (at most
    *max_count*, which bounds the work, not the validity) or a finite float."""
    if spec.choices is not None:
        return st.sampled_from(spec.choices)
    if isinstance(spec.default, bool):
        return st.booleans()
    lo, hi = spec.range
    if isinstance(spec.default, int):
        top = int(hi) if max_count is None else min(int(hi), max_count)
        return st.integers(int(lo), top)
    return st.floats(lo, hi, allow_nan=False)


def motif_params(cls, *, some: int | None = None, max_count: int | None = None):
    """Parameters of *cls*.

    With *some* = None every field is drawn; with *some* = k a variant (or none) is
    drawn and then up to k of its fields, so the examples stay near the classical
    presets. A cross-field rule that rejects a draw (it names the fields) makes
    hypothesis draw again.
    """
    specs = cls.specs()
    if some is None:
        return st.builds(cls, **{n: value(s, max_count=max_count) for n, s in specs.items()})

    @st.composite
    def near_variants(draw):
        variant = draw(st.sampled_from((None, *cls.variants())))
        names = draw(st.sets(st.sampled_from(sorted(specs)), max_size=some))
        values = {n: draw(value(specs[n], max_count=max_count)) for n in sorted(names)}
        try:
            return cls.from_dict(values, variant=variant)
        except MotifError as err:
            assert f"parameters of {cls.__name__}" in str(err)
            assume(False)

    return near_variants()
