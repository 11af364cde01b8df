"""The jobs: what a user asks for, walked down the road for them.

- :mod:`.options`: every option declared once (validation, CLI flags, records);
- :mod:`.still`: tiles, cloths, the contact sheet and the JSON record
  (:func:`render_recording`, :func:`remake`);
- :mod:`.video`: video for editors (:func:`render_video`);
- :mod:`.batch`: many recordings on a local pool or a Dask cluster (:func:`render_batch`).

Names are imported lazily.
"""

from __future__ import annotations

from .._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _API)
