"""Recordings that hold band powers instead of samples, read into Envelopes directly.

NeuroSky ThinkGear logs (and the apps that log its values) and Mind Monitor CSVs
recorded without RAW columns hold one row of band powers every second or so. They
become :class:`~batik_waves.eeg.envelopes.Envelopes` with amplitude = √power, on
their own time grid, marked ``origin="band_power"`` so that records can say so.

- NeuroSky: ``delta, theta, lowAlpha, highAlpha, lowBeta, highBeta, lowGamma,
  midGamma`` (``highGamma`` as the connector's JSON spells it), in any case and with
  any separators ("Low Alpha", "low_alpha"); ``attention``, ``meditation`` and
  ``poorSignal`` are optional. The eight bands are pooled into five (power summed),
  each with its edges. The powers are in the chip's units; √power is scaled by the
  raw signal's volts per count, which puts typical values in the tens of µV.
- Mind Monitor: ``Delta_TP9 ... Gamma_TP10``, log10 of power in µV²; amplitude is
  √(10**value) µV.
"""

from __future__ import annotations

import csv
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import RecordingError
from .envelopes import Envelopes

__all__ = [
    "MIND_MONITOR_BANDS",
    "NEUROSKY_BANDS",
    "NEUROSKY_POOLS",
    "band_power_kind",
    "read_band_powers",
]

#: NeuroSky's eight on-chip bands and their edges (Hz).
NEUROSKY_BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 2.75),
    "theta": (3.5, 6.75),
    "lowalpha": (7.5, 9.25),
    "highalpha": (10.0, 11.75),
    "lowbeta": (13.0, 16.75),
    "highbeta": (18.0, 29.75),
    "lowgamma": (31.0, 39.75),
    "midgamma": (41.0, 49.75),
}
#: The five bands the eight are pooled into.
NEUROSKY_POOLS: dict[str, tuple[str, ...]] = {
    "delta": ("delta",),
    "theta": ("theta",),
    "alpha": ("lowalpha", "highalpha"),
    "beta": ("lowbeta", "highbeta"),
    "gamma": ("lowgamma", "midgamma"),
}
#: Mind Monitor's bands and edges (Hz).
MIND_MONITOR_BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (7.5, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 44.0),
}
_MM_RE = re.compile(r"^(delta|theta|alpha|beta|gamma)_([a-z0-9]+)$")
_TIME_KEYS = ("timestamp", "time", "times", "seconds", "elapsed", "t", "timesec", "times")
# Volts per NeuroSky raw count (1.8 V / 4096 / gain 2000).
_COUNT_VOLTS = 1.8 / 4096 / 2000


def _key(name: str) -> str:
    """``"Low Alpha"``, ``"low_alpha"``, ``"lowAlpha"`` -> ``"lowalpha"``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _first_row(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                delim = max(",;\t", key=line.count)
                return [c.strip() for c in next(csv.reader([line], delimiter=delim))]
    return []


def band_power_kind(path: str | os.PathLike) -> str | None:
    """``"neurosky"`` or ``"mind_monitor"`` if the CSV at *path* holds band powers only.

    Only the header is read. A Mind Monitor CSV with RAW_ columns is a raw recording
    (None).
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    try:
        header = _first_row(path)
    except OSError:
        return None
    keys = [_key(h) for h in header]
    if any(k.startswith("raw") for k in keys):
        return None
    lower = [h.strip().lower() for h in header]
    if sum(bool(_MM_RE.match(h)) for h in lower) >= 4:
        return "mind_monitor"
    named = set(keys) & (set(NEUROSKY_BANDS) | {"highgamma"})
    if len(named) >= 4:
        return "neurosky"
    return None


def _parse_time(cell: str) -> float:
    cell = cell.strip()
    try:
        return float(cell)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            return datetime.strptime(cell, fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    return math.nan


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _table(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise RecordingError(f"{path}: no rows of band powers")
    delim = max(",;\t", key=lines[0].count)
    rows = list(csv.reader(lines, delimiter=delim))
    return [c.strip() for c in rows[0]], rows[1:]


def _regular(path: Path, times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, float]:
    """Values (..., n) at irregular *times* resampled onto a grid at their median rate."""
    step = float(np.median(np.diff(times)))
    if not step > 0:
        raise RecordingError(f"{path}: the band-power rows have no increasing times")
    n = math.floor((times[-1] - times[0]) / step + 1e-6) + 1
    grid = times[0] + np.arange(n) * step
    flat = values.reshape(-1, values.shape[-1])
    out = np.empty((flat.shape[0], n))
    for i, row in enumerate(flat):
        ok = np.isfinite(row)
        out[i] = np.interp(grid, times[ok], row[ok]) if ok.sum() >= 2 else np.nan
    return out.reshape(*values.shape[:-1], n), 1.0 / step


def read_band_powers(path: str | os.PathLike) -> Envelopes:
    """Read a band-power recording (NeuroSky log, Mind Monitor without RAW) into Envelopes.

    Parameters
    ----------
    path : path-like
        A CSV whose header names NeuroSky's bands or Mind Monitor's ``Delta_TP9``...

    Returns
    -------
    Envelopes
        Five bands, amplitude in volts, ``origin="band_power"``, times in seconds
        from the first row, on the file's own (median) time step.

    Raises
    ------
    RecordingError
        No recognisable band-power column, fewer than two rows, no numbers.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordingError(f"{path}: no such file")
    kind = band_power_kind(path)
    if kind is None:
        raise RecordingError(
            f"{path}: no band-power columns: expected NeuroSky's delta, theta, lowAlpha, "
            "highAlpha, lowBeta, highBeta, lowGamma, midGamma or Mind Monitor's Delta_TP9..."
        )
    header, rows = _table(path)
    keys = [_key(h) for h in header]
    t_col = next((keys.index(k) for k in _TIME_KEYS if k in keys), None)
    if t_col is None:
        t_col = next((i for i, k in enumerate(keys) if k.startswith(("time", "timestamp"))), None)
    if kind == "neurosky":
        cols = {}
        for band in NEUROSKY_BANDS:
            alias = "highgamma" if band == "midgamma" else band
            if band in keys or alias in keys:
                cols[band] = keys.index(band if band in keys else alias)
        pools = {
            p: [cols[b] for b in members if b in cols] for p, members in NEUROSKY_POOLS.items()
        }
        pools = {p: c for p, c in pools.items() if c}
        ch_names: tuple[str, ...] = ("Fp1",)
        edges = {
            p: (
                min(NEUROSKY_BANDS[b][0] for b in NEUROSKY_POOLS[p] if b in cols),
                max(NEUROSKY_BANDS[b][1] for b in NEUROSKY_POOLS[p] if b in cols),
            )
            for p in pools
        }
    else:
        lower = [h.strip().lower() for h in header]
        chans: list[str] = []
        for h in lower:
            m = _MM_RE.match(h)
            if m and m.group(2).upper() not in chans:
                chans.append(m.group(2).upper())
        ch_names = tuple(chans)
        pools = {}
        for band in MIND_MONITOR_BANDS:
            idx = [
                lower.index(f"{band}_{c.lower()}") for c in chans if f"{band}_{c.lower()}" in lower
            ]
            if len(idx) == len(chans):
                pools[band] = idx
        edges = {b: MIND_MONITOR_BANDS[b] for b in pools}
    if not pools:
        raise RecordingError(f"{path}: no complete band among its band-power columns")
    table = np.array(
        [[_number(r[c]) if c < len(r) else math.nan for c in range(len(header))] for r in rows]
    ).reshape(len(rows), len(header))
    band_cols = sorted({c for cs in pools.values() for c in cs})
    has_values = np.isfinite(table[:, band_cols]).any(axis=1) if rows else np.zeros(0, bool)
    if has_values.sum() < 2:
        raise RecordingError(
            f"{path}: {int(has_values.sum())} row(s) of band powers: at least two are needed"
        )
    rows_kept = [r for r, k in zip(rows, has_values, strict=True) if k]
    table = table[has_values]
    if t_col is not None:
        times = np.array([_parse_time(r[t_col]) if t_col < len(r) else math.nan for r in rows_kept])
        if not np.isfinite(times).all():
            raise RecordingError(f"{path}: unreadable times in column {header[t_col]!r}")
        times = times - times[0]
        if np.median(np.diff(times)) >= 100.0:  # milliseconds
            times = times / 1000.0
    else:
        times = np.arange(len(rows_kept), dtype=np.float64)  # NeuroSky logs: once a second
    order = np.argsort(times, kind="stable")
    times, table = times[order], table[order]
    if kind == "neurosky":
        power = np.stack([np.nansum(table[:, c], axis=1) for c in pools.values()])[:, None, :]
        if np.nanmin(power) < 0:
            raise RecordingError(f"{path}: negative band powers")
        amp = np.sqrt(power) * _COUNT_VOLTS
    else:
        logp = np.stack([table[:, c].T for c in pools.values()])  # (bands, channels, n)
        amp = np.sqrt(10.0**logp) * 1e-6
    amp, rate = _regular(path, times, amp)
    if not np.isfinite(amp).any():
        raise RecordingError(f"{path}: no numbers among the band powers")
    amp = np.nan_to_num(amp, nan=0.0)
    n = amp.shape[-1]
    return Envelopes(
        tuple(pools),
        tuple(edges[b] for b in pools),
        ch_names,
        np.arange(n) / rate,
        amp.astype(np.float32),
        rate,
        origin="band_power",
    )
