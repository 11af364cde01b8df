"""The jobs: what a user asks for, walked down the road for them.

- :mod:`.options`: every option declared once (validation, CLI flags, records);
- :mod:`.still`: tiles, cloths, the contact sheet and the JSON record
  (:func:`render_recording`, :func:`remake`);
- :mod:`.video`: video for editors (:func:`render_video`);
- :mod:`.batch`: many recordings on a local pool or a Dask cluster (:func:`render_batch`).

Names are imported lazily.
"""

from __future__ import annotations

import importlib

_API = {
    "render_recording": "still",
    "remake": "still",
    "RenderedMotif": "still",
    "render_video": "video",
    "render_batch": "batch",
    "BatchReport": "batch",
    "OPTIONS": "options",
    "resolve": "options",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
