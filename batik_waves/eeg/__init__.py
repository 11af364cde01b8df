"""Reading, cleaning and band envelopes of EEG recordings."""

from __future__ import annotations

from .envelopes import DEFAULT_BANDS, REGIONS, BandSummary, Envelopes, channel_region

__all__ = ["DEFAULT_BANDS", "REGIONS", "BandSummary", "Envelopes", "channel_region"]
