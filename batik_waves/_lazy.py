"""Lazy re-exports for package ``__init__`` modules: a name is imported on first use.

>>> import types
>>> getattr_, dir_ = lazy_exports("batik_waves", {"ParameterError": "errors"})
>>> getattr_("ParameterError").__name__, dir_()
('ParameterError', ['ParameterError'])
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, api: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for *package*, whose public name *n* lives in its
    submodule ``api[n]``; a name once imported is kept in the package's namespace."""

    def __getattr__(name: str) -> Any:
        try:
            module = api[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(api)

    return __getattr__, __dir__
