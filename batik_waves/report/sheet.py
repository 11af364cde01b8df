"""The contact sheet: what the brain did, and the batik it made, on one page.

Top: the band envelopes over time (with the scalp regions they came from) and the
features the mapping read. Below, one row per motif: the tile, a 3 × 3 repeat, and
the cloth standing on the right with the recording's time marked along it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path
from ..render.raster import rasterize
from .plots import plot_envelopes

__all__ = ["contact_sheet", "format_duration", "tiles_sheet"]

_SHEET_DPI = 100
_INK = "#2B2118"
_MUTED = "#7A6A58"
_PAPER = "#FBF8F1"


def format_duration(seconds: float) -> str:
    """``182.4`` -> ``'3 min 02 s'``; ``42`` -> ``'42 s'``.

    >>> format_duration(182.4), format_duration(42), format_duration(3725)
    ('3 min 02 s', '42 s', '1 h 02 min 05 s')
    """
    s = round(float(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min {s:02d} s"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def _clock(seconds: float) -> str:
    s = round(float(seconds))
    m, s = divmod(s, 60)
    return f"{m}:{s:02d}"


def _image(pattern, width: int, height: int, *, repeats: int = 1) -> np.ndarray:
    if repeats == 1:
        return rasterize(pattern, width=width, height=height)
    return rasterize(pattern, width=width, height=height, scale=width / (repeats * pattern.width))


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("#D8CFC0")


def _feature_line(feats: MappingABC[str, float]) -> str:
    parts = [f"{b} {100 * feats[b]:.0f} %" for b in ("delta", "theta", "alpha", "beta", "gamma")]
    parts.append(f"alpha at the back {100 * feats['posterior_alpha']:.0f} %")
    parts.append(f"alpha/beta {feats['alpha_beta']:.2f}")
    parts.append(f"variability {feats['variability']:.3f}")
    return "power shares: " + " · ".join(parts)


def _regions_line(envelopes) -> str:
    regions = envelopes.regions()
    if not regions:
        return f"{len(envelopes.ch_names)} channels without 10-20 names, pooled as one region"
    used = ", ".join(f"{r} ({len(idx)})" for r, idx in regions.items())
    return f"{len(envelopes.ch_names)} channels; regions used: {used}"


def _plot_envelopes(axes, envelopes) -> None:

    plot_envelopes(envelopes, axes=axes)


def contact_sheet(
    path: str | os.PathLike,
    *,
    envelopes,
    rendered: Sequence[Any],
    title: str,
    duration: float,
    mapping,
    feats: MappingABC[str, float],
) -> Path:
    """Write the contact sheet PNG of a render job and return its path.

    Parameters
    ----------
    path : path-like
        Where the PNG goes (written atomically).
    envelopes : Envelopes
        The recording's band envelopes (drawn over time).
    rendered : sequence of batik_waves.jobs.still.RenderedMotif
        Per motif: the tile, the cloth and the parameters along it.
    title : str
        The recording's name.
    duration : float
        Seconds rendered.
    mapping : Mapping
        The mapping used (its name goes into the title).
    feats : mapping
        The features of the whole recording.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    n = len(rendered)
    tile_in = 3.1
    env_h = 4.2
    cloth_h = env_h + (tile_in + 0.45) * n - 0.5
    cloth_w = cloth_h / 2.5
    cloth_x = 0.55 + 2 * tile_in + 0.2 + 0.75
    fig_w = max(cloth_x + n * (cloth_w + 0.55) + 0.1, 11.0)
    fig_h = 1.15 + env_h + 0.55 + tile_in * n + 0.45 * n + 0.2
    fig = Figure(figsize=(fig_w, fig_h), dpi=_SHEET_DPI, facecolor=_PAPER)
    fig.text(
        0.02,
        1 - 0.32 / fig_h,
        f"{title}  ·  {format_duration(duration)}  ·  mapping: {mapping.name}",
        fontsize=15,
        fontweight="bold",
        color=_INK,
        va="top",
    )
    fig.text(
        0.02,
        1 - 0.68 / fig_h,
        _feature_line(feats),
        fontsize=9,
        color=_MUTED,
        va="top",
    )

    def axes(x_in: float, y_top_in: float, w_in: float, h_in: float):
        return fig.add_axes(
            (x_in / fig_w, 1 - (y_top_in + h_in) / fig_h, w_in / fig_w, h_in / fig_h)
        )

    # band envelopes over time: one row per band, a line per scalp region
    left = 0.55
    top = 1.15
    env_x = left + 0.75  # room for the band labels
    env_w = 2 * tile_in + 0.2 - 0.75
    nb = len(envelopes.bands)
    row = (env_h - 0.95) / nb
    env_axes = [axes(env_x, top + 0.3 + i * row, env_w, row - 0.12) for i in range(nb)]
    for a in env_axes[:-1]:
        a.sharex(env_axes[-1])
    _plot_envelopes(env_axes, envelopes)
    for a in env_axes[:-1]:
        a.tick_params(labelbottom=False, labelsize=7)
    env_axes[-1].tick_params(labelsize=7)
    for a in env_axes:
        a.yaxis.label.set_fontsize(7)
        a.tick_params(axis="y", labelsize=6)
        for t in a.texts:
            t.set_fontsize(6)
    fig.text(
        left / fig_w,
        1 - (top + env_h - 0.12) / fig_h,
        _regions_line(envelopes),
        fontsize=8,
        color=_MUTED,
        va="top",
    )

    # per motif: tile and 3 × 3 repeat
    y = top + env_h + 0.45
    px = round(tile_in * _SHEET_DPI * 1.5)
    for r in rendered:
        variant = f" {r.variant}" if r.variant else ""
        a = axes(left, y, tile_in, tile_in)
        a.imshow(_image(r.tile, px, px), interpolation="antialiased")
        a.set_title(
            f"{r.motif}{variant} · tile · {r.palette.name}", fontsize=10, color=_INK, loc="left"
        )
        _bare(a)
        b = axes(left + tile_in + 0.2, y, tile_in, tile_in)
        b.imshow(_image(r.tile, px, px, repeats=3), interpolation="antialiased")
        b.set_title(f"3 × 3 repeat ({r.tile.repeat})", fontsize=10, color=_INK, loc="left")
        _bare(b)
        y += tile_in + 0.45

    # the cloths, standing on the right, time running down
    x = cloth_x
    for r in rendered:
        c = axes(x, top + 0.25, cloth_w, cloth_h)
        ch = round(cloth_h * _SHEET_DPI * 1.5)
        cw = max(1, round(ch * r.cloth.width / r.cloth.height))
        c.imshow(_image(r.cloth, cw, ch), interpolation="antialiased", aspect="auto")
        c.set_title(f"{r.motif} cloth", fontsize=10, color=_INK, loc="left")
        c.set_xticks([])
        ticks = np.linspace(0, ch - 1, 5)
        secs = np.linspace(r.cloth_params[0][1], r.cloth_params[-1][1], 5)
        c.set_yticks(ticks, [_clock(s) for s in secs], fontsize=7, color=_MUTED)
        c.tick_params(length=2, color="#D8CFC0")
        for s in c.spines.values():
            s.set_color("#D8CFC0")
        x += cloth_w + 0.55
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=_SHEET_DPI, facecolor=_PAPER)
    return Path(path)


def tiles_sheet(
    path: str | os.PathLike,
    rows: Sequence[tuple[str, Sequence[Any]]],
    *,
    title: str = "",
    columns: Sequence[str] = (),
    px: int = 300,
    repeats: int = 1,
) -> Path:
    """A plain grid of tiles: one row per label, one Pattern per column.

    Used to compare recordings side by side (the mapping's legibility check) and for
    the documentation pictures.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    n_rows = len(rows)
    n_cols = max(len(p) for _, p in rows)
    size = px / _SHEET_DPI
    fig = Figure(
        figsize=(
            1.6 + n_cols * (size + 0.15),
            0.5 + n_rows * (size + 0.3) + (0.3 if columns else 0),
        ),
        dpi=_SHEET_DPI,
        facecolor=_PAPER,
    )
    W, H = fig.get_size_inches()
    if title:
        fig.text(0.01, 1 - 0.25 / H, title, fontsize=12, fontweight="bold", color=_INK, va="top")
    top = 0.5 + (0.3 if columns else 0)
    for j, name in enumerate(columns):
        fig.text((1.6 + j * (size + 0.15)) / W, 1 - (top - 0.08) / H, name, fontsize=9, color=_INK)
    for i, (label, patterns) in enumerate(rows):
        y = top + i * (size + 0.3)
        fig.text(0.1 / W, 1 - (y + size / 2) / H, label, fontsize=9, color=_INK, va="center")
        for j, p in enumerate(patterns):
            ax = fig.add_axes(
                ((1.6 + j * (size + 0.15)) / W, 1 - (y + size) / H, size / W, size / H)
            )
            ax.imshow(_image(p, px, px, repeats=repeats))
            _bare(ax)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=_SHEET_DPI, facecolor=_PAPER)
    return Path(path)
