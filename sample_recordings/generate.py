"""Regenerate the sample recordings in this folder (deterministic: same bytes every run).

Usage (from the project root)::

    .venv/bin/python sample_recordings/generate.py

Each recording is simulated by :func:`batik_waves.eeg.simulate.simulate_eeg` from a
fixed recipe in :data:`batik_waves.eeg.simulate.SAMPLES` and written as EDF+ (with
its annotations) by MNE's exporter.
"""

from __future__ import annotations

import sys
from pathlib import Path

from batik_waves.eeg.simulate import SAMPLES, write_sample

__all__ = ["main"]


def main(folder: Path | None = None) -> list[Path]:
    """Write every sample recording into *folder* (default: beside this script)."""
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent
    return [write_sample(name, folder / f"{name}.edf") for name in SAMPLES]


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(path)
