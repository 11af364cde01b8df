"""Plots of a recording's band envelopes, for artists to see the recording before rendering.

:func:`plot_envelopes` draws into matplotlib axes (one row per band, one line per scalp
region) and is reused by the render command's contact sheet; :func:`save_envelope_plot`
writes a standalone figure atomically. Only matplotlib's object API is used (no
pyplot, no global state), so it is safe in threads and servers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._io import atomic_path, check_not_input
from ..eeg.envelopes import Envelopes
from ..errors import RenderError

__all__ = ["REGION_COLORS", "plot_envelopes", "save_envelope_plot"]

#: Line colour per region, from batik dyes: indigo, teal, gold, madder red, soga brown.
REGION_COLORS: dict[str, str] = {
    "frontal": "#2a4a8c",
    "central": "#2f9488",
    "temporal": "#d79a22",
    "parietal": "#b8333f",
    "occipital": "#6b4226",
    "all": "#3a3a3a",
}
_BAND_COLORS = ("#6b4226", "#2a4a8c", "#2f9488", "#d79a22", "#b8333f")
_PAPER = "#fbf8f1"  # unbleached mori cotton
_INK = "#2b2622"
_FORMATS = (".png", ".svg", ".pdf")


def _binned(values: np.ndarray, times: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of *values* (..., n_times) in at most *n_bins* equal bins of time."""
    n = values.shape[-1]
    if n <= n_bins:
        return times, values
    edges = np.linspace(0, n, n_bins + 1).astype(int)
    sums = np.add.reduceat(values, edges[:-1], axis=-1)
    counts = np.diff(edges)
    centres = np.add.reduceat(times, edges[:-1]) / counts
    return centres, sums / counts


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average over *width* samples (edges use what exists)."""
    if width <= 1:
        return values
    pad = [(0, 0)] * (values.ndim - 1) + [(1, 0)]
    c = np.cumsum(np.pad(values, pad), axis=-1)
    n = values.shape[-1]
    lo = np.clip(np.arange(n) - width // 2, 0, n)
    hi = np.clip(np.arange(n) - width // 2 + width, 0, n)
    return (c[..., hi] - c[..., lo]) / (hi - lo)


def _time_axis(duration: float) -> tuple[float, str]:
    if duration > 3 * 3600:
        return 3600.0, "time (h)"
    if duration > 5 * 60:
        return 60.0, "time (min)"
    return 1.0, "time (s)"


def plot_envelopes(
    env: Envelopes,
    *,
    axes=None,
    ax=None,
    title: str | None = None,
    smooth: float | None = None,
    max_points: int = 1500,
):
    """Draw the band envelopes of *env* over time.

    Parameters
    ----------
    env : Envelopes
        What :func:`batik_waves.band_envelopes` returned.
    axes : sequence of matplotlib Axes | Axes | None
        One Axes per band (one row per band, a line per scalp region); a single
        Axes (every band in it, averaged over channels: a compact overview for
        contact sheets); or None for a new figure with one row per band.
    ax : matplotlib Axes | sequence of Axes | None
        Alias of *axes*.
    title : str | None
        Figure title (or the single Axes' title).
    smooth : float | None
        Moving-average length in seconds; default 1/100 of the duration, at least
        1.5 s, so the lines show the recording's course rather than every wobble.
    max_points : int
        At most this many points per line (longer recordings are averaged in bins).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if axes is None:
        axes = ax
    duration = env.duration
    if smooth is None:
        smooth = max(1.5, duration / 100.0)
    width = max(1, round(smooth * env.rate))
    scale, xlabel = _time_axis(duration)
    t = np.asarray(env.times, dtype=np.float64)
    edge = env.edge if env.n_times > 4 * env.edge * env.rate else 0.0
    core = env._core()
    summary = env.summary()

    if isinstance(axes, Axes):
        ax = axes
        fig = ax.figure
        amp = np.asarray(env.data, dtype=np.float64).mean(axis=1) * 1e6  # (bands, times)
        tt, vv = _binned(_smooth(amp, width), t, max_points)
        for i, band in enumerate(env.bands):
            ax.plot(tt / scale, vv[i], color=_BAND_COLORS[i % 5], lw=1.0, label=band)
        _style(ax, t, scale, edge)
        ax.set_ylabel("µV")
        ax.set_xlabel(xlabel)
        ax.legend(loc="upper right", fontsize="x-small", frameon=False, ncol=len(env.bands))
        if title:
            ax.set_title(title, fontsize="small", color=_INK, loc="left")
        return fig

    n = len(env.bands)
    if axes is None:
        fig = Figure(figsize=(11, 1.6 * n + 1.0), dpi=100, facecolor=_PAPER)
        axs = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    else:
        axs = list(axes)
        if len(axs) != n:
            raise RenderError(f"plot_envelopes: {n} bands need {n} axes, got {len(axs)}")
        fig = axs[0].figure
    regions, pooled = env.pooled()
    pooled = np.asarray(pooled, dtype=np.float64) * 1e6
    tt, vv = _binned(_smooth(pooled, width), t, max_points)
    for i, (ax, band) in enumerate(zip(axs, env.bands, strict=True)):
        lo, hi = env.edges[i]
        for r, region in enumerate(regions):
            ax.plot(
                tt / scale,
                vv[i, r],
                color=REGION_COLORS.get(region, _INK),
                lw=1.1,
                alpha=0.92,
                label=region,
            )
        top = vv[i][:, _core_bins(tt, t, core)].max() if vv.size else 1.0
        ax.set_ylim(0, max(top * 1.08, 1e-3))
        _style(ax, t, scale, edge)
        ax.set_ylabel(f"{band}\n{lo:g}–{hi:g} Hz", rotation=0, ha="right", va="center",
                      fontsize="small", color=_INK)  # fmt: skip
        ax.text(
            1.0,
            1.02,
            f"median {summary.amplitude[band] * 1e6:.3g} µV · "
            f"{summary.relative[band] * 100:.0f}% of power",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize="x-small",
            color=_INK,
            alpha=0.8,
        )
    axs[-1].set_xlabel(xlabel, color=_INK)
    axs[0].legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=len(regions),
        fontsize="x-small",
        frameon=False,
        handlelength=1.5,
    )
    if axes is None:
        fig.supylabel("envelope amplitude (µV)", fontsize="small", color=_INK, x=0.005)
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontsize="medium", color=_INK)
        height = 1.6 * n + 1.0
        fig.subplots_adjust(left=0.11, right=0.985, top=1 - 0.7 / height, bottom=0.45 / height,
                            hspace=0.3)  # fmt: skip
    return fig


def _core_bins(tt: np.ndarray, t: np.ndarray, core: slice) -> np.ndarray:
    """Which plotted points lie outside the filter edges (all if none do)."""
    lo = t[core][0] if len(t[core]) else t[0]
    hi = t[core][-1] if len(t[core]) else t[-1]
    sel = (tt >= lo) & (tt <= hi)
    return sel if sel.any() else np.ones(tt.shape, bool)


def _style(ax, t: np.ndarray, scale: float, edge: float) -> None:
    ax.set_facecolor(_PAPER)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#8a8178")
    ax.tick_params(colors="#5a534c", labelsize="x-small")
    ax.grid(axis="y", color="#e4ddd0", lw=0.6)
    ax.set_axisbelow(True)
    t0, t1 = float(t[0]), float(t[-1])
    ax.set_xlim(t0 / scale, t1 / scale)
    if edge > 0:  # where the filters are still settling
        for a, b in ((t0, t0 + edge), (t1 - edge, t1)):
            ax.axvspan(a / scale, b / scale, color="#d9d2c5", alpha=0.45, lw=0)


def save_envelope_plot(
    env: Envelopes,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Draw :func:`plot_envelopes` into a new figure and write it atomically to *path*.

    The format follows the suffix: ``.png``, ``.svg`` or ``.pdf``.

    Raises
    ------
    RenderError
        An unsupported suffix or a place that cannot be written.
    """
    path = Path(path)
    check_plot_path(path)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plot_envelopes(env, title=title)
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        try:
            fig.savefig(tmp, dpi=dpi, facecolor=fig.get_facecolor(), format=path.suffix[1:].lower())
        except OSError as err:
            raise RenderError(f"{path}: cannot write the plot: {err.strerror or err}") from err
    return path


def check_plot_path(path: str | os.PathLike, inputs: Sequence[str | os.PathLike] = ()) -> None:
    """Raise :class:`RenderError` unless *path* has a plot suffix and is not an input."""

    path = Path(path)
    check_not_input(path, inputs)
    if path.suffix.lower() not in _FORMATS:
        raise RenderError(
            f"{path}: unsupported plot format {path.suffix or '(none)'!r}; "
            f"use {', '.join(_FORMATS)}"
        )
    if path.is_dir():
        raise RenderError(f"{path}: is a directory")
