"""Validation helpers with one message format (MNE style).

Messages name the parameter, the allowed values and what was received:

>>> check_choice("kwaung", ("kawung", "parang"), "motif")
Traceback (most recent call last):
...
batik_waves.errors.ParameterError: Invalid value for the 'motif' parameter. Allowed values are 'kawung' and 'parang', but got 'kwaung' instead.
>>> check_number(3, "seed", lo=0, integer=True)
3
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .errors import ParameterError

__all__ = ["allowed_text", "check_choice", "check_number", "invalid"]


def allowed_text(values: Iterable[Any]) -> str:
    """``'a', 'b' and 'c'``: the allowed values, quoted, in order.

    >>> allowed_text(["a", "b", "c"])
    "'a', 'b' and 'c'"
    >>> allowed_text(["only"])
    "'only'"
    """
    vals = [repr(v) for v in values]
    if len(vals) <= 1:
        return "".join(vals)
    return ", ".join(vals[:-1]) + " and " + vals[-1]


def invalid(name: str, why: str, cls: type[ParameterError] = ParameterError) -> ParameterError:
    """``Invalid value for the 'name' parameter: why`` as *cls*."""
    return cls(f"Invalid value for the {name!r} parameter: {why}")


def check_choice(
    value: Any, allowed: Iterable[Any], name: str, cls: type[ParameterError] = ParameterError
) -> Any:
    """*value* if it is one of *allowed*, else *cls* naming all three."""
    allowed = tuple(allowed)
    try:
        ok = value in allowed
    except TypeError:
        ok = False
    if not ok:
        raise cls(
            f"Invalid value for the {name!r} parameter. Allowed values are "
            f"{allowed_text(allowed)}, but got {value!r} instead."
        )
    return value


def check_number(
    value: Any,
    name: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    integer: bool = False,
    lo_open: bool = False,
    unit: str = "",
    cls: type[ParameterError] = ParameterError,
) -> Any:
    """*value* as an int or float if it is a finite number in range, else *cls*.

    >>> check_number(2.5, "dpi", lo=10, hi=4800)
    Traceback (most recent call last):
    ...
    batik_waves.errors.ParameterError: Invalid value for the 'dpi' parameter: expected a number from 10 to 4800, but got 2.5 instead.
    """
    kind = "a whole number" if integer else "a number"
    if lo is not None and hi is not None:
        span = f" above {lo} up to {hi}" if lo_open else f" from {lo} to {hi}"
    elif lo is not None:
        span = f" above {lo}" if lo_open else f" of {lo} or more"
    elif hi is not None:
        span = f" up to {hi}"
    else:
        span = ""
    unit_text = f" {unit}" if unit else ""
    msg = f"expected {kind}{span}{unit_text}, but got {value!r} instead."
    if isinstance(value, bool):
        raise invalid(name, msg, cls)
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    if integer:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise invalid(name, msg, cls)
    elif not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(name, msg, cls)
    if lo is not None and (value <= lo if lo_open else value < lo):
        raise invalid(name, msg, cls)
    if hi is not None and value > hi:
        raise invalid(name, msg, cls)
    return value
