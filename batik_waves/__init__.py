"""batik_waves: a generative art engine that turns brainwaves into Javanese batik.

The road every user walks: recording → clean signal → band envelopes → features over
time → motif parameters over time (the timeline) → pattern geometry → output. Public names are imported lazily, so the
command line starts fast and heavy dependencies load only when used.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._lazy import lazy_exports

try:
    __version__ = version("batik-waves")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

# public name -> module that defines it
_API = {
    "BatikWavesError": "errors",
    "RecordingError": "errors",
    "MotifError": "errors",
    "RenderError": "errors",
    "SourceError": "errors",
    "BatikWavesWarning": "errors",
    "ParameterError": "errors",
    "MappingError": "errors",
    "read_recording": "eeg.read",
    "clean": "eeg.clean",
    "plan_cleaning": "eeg.clean",
    "CleaningPlan": "eeg.clean",
    "simulate_eeg": "eeg.simulate",
    "sample_path": "eeg.simulate",
    "band_envelopes": "eeg.bands",
    "envelopes_from_file": "eeg.bands",
    "Envelopes": "eeg.envelopes",
    "BandSummary": "eeg.envelopes",
    "DEFAULT_BANDS": "eeg.envelopes",
    "Pattern": "motifs.pattern",
    "Layer": "motifs.pattern",
    "kawung": "motifs.kawung",
    "parang": "motifs.parang",
    "KawungParams": "motifs.kawung",
    "kawung_cloth": "motifs.kawung",
    "palette": "motifs.palette",
    "Palette": "motifs.palette",
    "PALETTES": "motifs.palette",
    "FILLERS": "motifs.isen",
    "ParangParams": "motifs.parang",
    "MOTIFS": "motifs.registry",
    "render_recording": "jobs.still",
    "remake": "jobs.still",
    "render_video": "jobs.video",
    "render_batch": "jobs.batch",
    "load_mapping": "mapping.rules",
    "params_for": "mapping.rules",
    "offline_track": "timeline",
    "CausalTimeline": "timeline",
    "Track": "timeline",
    "to_svg": "render.svg",
    "save_svg": "render.svg",
    "save_png": "render.png",
    "rasterize": "render.raster",
}

__all__ = ["__version__", *_API]


__getattr__, _dir = lazy_exports(__name__, _API)


def __dir__():
    return sorted(__all__)
