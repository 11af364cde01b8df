"""From band envelopes to motif parameters: a legible, editable mapping.

- :mod:`.extract`: the numbers an artist reasons about (each band's share of the
  power, ratios, per-region shares, variability), for a whole recording, at given
  times (offline or causal), or incrementally;
- :mod:`.rules`: the :class:`Mapping` of rules and choices, read from TOML (the
  bundled presets are in ``presets/``), and :func:`params_from_features`.

Names are imported lazily: checking a mapping option needs no signal processing.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_API = {
    "BANDS": "extract",
    "FEATURES": "extract",
    "CausalFeatures": "extract",
    "features": "extract",
    "features_series": "extract",
    "CURVES": "rules",
    "Choice": "rules",
    "Mapping": "rules",
    "Rule": "rules",
    "family_from_features": "rules",
    "load_mapping": "rules",
    "palette_from_features": "rules",
    "param_distance": "rules",
    "params_class": "rules",
    "params_for": "rules",
    "params_from_features": "rules",
    "presets": "rules",
}

__all__ = sorted(_API)


__getattr__, __dir__ = lazy_exports(__name__, _API)
