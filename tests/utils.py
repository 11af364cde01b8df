"""Test helpers: synthetic patterns that stress the renderers, and image assertions."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from PIL import Image
from shapely.affinity import rotate, scale, translate
from shapely.geometry import LineString, MultiLineString, Point, box

from batik_waves.motifs import registry
from batik_waves.motifs.pattern import Layer, Pattern, wrap_on_torus

__all__ = [
    "assert_images_close",
    "assert_seamless",
    "check_outputs",
    "default_sigint",
    "dense_scene",
    "free_port",
    "load_png",
    "mean_abs_diff",
    "mosaic",
    "motif_pattern",
    "proc_stat",
    "seam_excess",
    "seam_ratios",
    "shifted",
    "story_ratio",
    "synthetic",
]

SOGA = "#4A2E1F"
CREAM = "#F1E9D8"
INDIGO = "#1B2A4A"
RED = "#9E1B1E"


def _wrap_lines(lines, w, h, repeat):
    return wrap_on_torus(MultiLineString(lines), w, h, repeat)


def synthetic(
    name: str = "edges", *, size: tuple[int, int] = (120, 96), repeat: str = "block"
) -> Pattern:
    """A small pattern with everything a renderer must get right.

    ``edges``: discs crossing edges and a corner, a polygon with a hole across an
    edge, stroked diagonal lines crossing edges, a wax layer with thin veins clipped
    to it, an outlined polygon cut by the tile border, and metadata full of ``<&">``.
    ``transparent``: the same on a transparent ground, with a half-transparent layer.
    ``lines-near-edge``: thick strokes just inside the border (their width spills
    into the next tile).
    """
    w, h = size
    md = {
        "title": 'Sample <tile> & "friends"',
        "motif": "synthetic",
        "recording": "Patient <Ñame> & co \"quoted\" 'single'",
    }
    if name == "lines-near-edge":
        lines = [
            LineString([(w - 1.0, 0.0), (w - 1.0, h)]),
            LineString([(0, 2.0), (w, 2.0)]),
            LineString([(w * 0.2, h * 0.3), (w * 0.7, h * 0.6)]),
        ]
        layers = (
            Layer("ink", None, MultiLineString(lines), stroke=INDIGO, stroke_width=6.0),
            Layer("dot", RED, Point(w / 2, h / 2).buffer(h / 8)),
        )
        return Pattern(w, h, CREAM, layers, repeat, md)

    discs = shapely.union_all(
        [
            Point(0, h * 0.4).buffer(h * 0.18),  # crosses the left edge
            Point(w * 0.55, h).buffer(h * 0.15),  # crosses the bottom edge
            Point(w, 0).buffer(h * 0.2),  # sits on a corner
        ]
    )
    ring = (
        Point(w * 0.95, h * 0.75)
        .buffer(h * 0.16)
        .difference(Point(w * 0.95, h * 0.75).buffer(h * 0.08))
    )
    petal = rotate(scale(Point(w * 0.45, h * 0.45).buffer(1.0), h * 0.22, h * 0.1), 35)
    wax = wrap_on_torus(shapely.union_all([discs, ring, petal]), w, h, repeat)
    veins = []
    rng = np.random.default_rng(3)
    for _ in range(40):
        x, y = rng.uniform(-0.2, 1.2, 2) * (w, h)
        a = rng.uniform(0, math.pi)
        d = rng.uniform(4, 16)
        veins.append(
            LineString([(x, y), (x + d * math.cos(a), y + d * math.sin(a)), (x + d, y + d * 0.4)])
        )
    diag = [LineString([(-w * 0.2, h * 0.9), (w * 0.5, -h * 0.2)])]
    diag.append(translate(diag[0], w * 0.6, h * 0.3))
    outlined = wrap_on_torus(box(w * 0.7, h * 0.05, w * 1.15, h * 0.3), w, h, repeat)
    ground = CREAM if name == "edges" else None
    layers = (
        Layer("wax", INDIGO, wax),
        Layer(
            "crackle",
            None,
            _wrap_lines(veins, w, h, repeat),
            stroke=CREAM,
            stroke_width=0.7,
            clip_to="wax",
        ),
        Layer(
            "outlined",
            "#B36B2C",
            outlined,
            stroke=SOGA,
            stroke_width=2.0,
            opacity=0.6 if name == "transparent" else 1.0,
        ),
        Layer("diagonals", None, _wrap_lines(diag, w, h, repeat), stroke=RED, stroke_width=3.0),
    )
    if name not in ("edges", "transparent"):
        raise ValueError(name)
    return Pattern(w, h, ground, layers, repeat, md)


def dense_scene(*, size: tuple[int, int] = (1920, 1080), pitch: float = 48.0) -> Pattern:
    """A kawung-like stand-in with thousands of elements (for tests and benchmarks).

    Petals (ellipses with an inner seed hole) on a 45° lattice, node dots, and crackle
    veins clipped to the petals.
    """
    w, h = size
    petals, dots = [], []
    rng = np.random.default_rng(0)
    for cx in np.arange(0, w, pitch):
        for cy in np.arange(0, h, pitch):
            for ang in (45, 135):
                e = rotate(
                    scale(Point(cx + pitch / 2, cy).buffer(1.0, 8), pitch * 0.3, pitch * 0.16),
                    ang,
                    origin=(cx + pitch / 2, cy),
                )
                seed = scale(e, 0.4, 0.4)
                petals.append(e.difference(seed))
            dots.append(Point(cx, cy).buffer(pitch * 0.07, 4))
    petals = wrap_on_torus(shapely.union_all(petals), w, h)
    dots = wrap_on_torus(shapely.union_all(dots), w, h)
    veins = []
    for _ in range(int(w * h / 900)):
        x, y = rng.uniform(0, 1, 2) * (w, h)
        a = rng.uniform(0, math.pi)
        veins.append(LineString([(x, y), (x + 9 * math.cos(a), y + 9 * math.sin(a))]))
    layers = (
        Layer("petals", SOGA, petals),
        Layer(
            "crackle",
            None,
            wrap_on_torus(MultiLineString(veins), w, h),
            stroke=CREAM,
            stroke_width=0.6,
            clip_to="petals",
        ),
        Layer("nodes", INDIGO, dots),
        Layer("outline", None, petals.boundary, stroke=INDIGO, stroke_width=1.2),
    )
    return Pattern(w, h, CREAM, layers, "block", {"title": "dense synthetic scene"})


def motif_pattern(
    motif: str, variant: str | None = None, *, tile=(160, 160), repeat=None, rng=0, **changes
) -> Pattern:
    """A registered motif's Pattern (a motif that cannot be imported fails the test).

    *changes* replace fields of the variant's parameters (``flowers=1``...).
    """
    entry = registry.get(motif)
    params_cls = entry.params_class()
    params = params_cls.variant(variant) if variant else params_cls()
    if changes:
        params = params.replace(**changes)
    kwargs = {"tile": tile, "rng": rng}
    if repeat is not None:
        kwargs["repeat"] = repeat
    return entry.tile()(params, **kwargs)


# ---------------------------------------------------------------- images


def load_png(data_or_path) -> np.ndarray:
    """A PNG (path or bytes) as an (H, W, 4) uint8 RGBA array."""
    from PIL import Image

    src = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    with Image.open(src) as im:
        return np.asarray(im.convert("RGBA"))


def _composite(rgba: np.ndarray) -> np.ndarray:
    """RGB over a mid-grey checker-free ground, as float, so alpha differences count."""
    a = rgba[..., 3:4].astype(np.float64) / 255.0
    return rgba[..., :3].astype(np.float64) * a + 128.0 * (1.0 - a)


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference in grey levels of two RGBA images (composited on grey)."""
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.abs(_composite(a) - _composite(b)).mean())


def assert_images_close(a: np.ndarray, b: np.ndarray, *, mad: float = 2.0) -> None:
    """Assert two RGBA images differ by less than *mad* grey levels on average."""
    d = mean_abs_diff(a, b)
    assert d < mad, f"images differ by {d:.3f} grey levels on average (allowed < {mad})"


def mosaic(img: np.ndarray, nx: int = 2, ny: int = 2, repeat: str = "block") -> np.ndarray:
    """*img* laid nx × ny times as the repeat kind lays it (even sizes for half repeats)."""
    h, w = img.shape[:2]
    if repeat == "block":
        return np.tile(img, (ny, nx, 1))
    if repeat == "half-drop":  # column i moves down by i·h/2
        col = np.tile(img, (ny, 1, 1))
        return np.concatenate([np.roll(col, i * (h // 2), axis=0) for i in range(nx)], axis=1)
    if repeat == "half-brick":  # row j moves right by j·w/2
        row = np.tile(img, (1, nx, 1))
        return np.concatenate([np.roll(row, j * (w // 2), axis=1) for j in range(ny)], axis=0)
    raise ValueError(repeat)


def seam_ratios(tile: np.ndarray, repeat: str = "block") -> tuple[float, float]:
    """How much a seam stands out in the 2×2 mosaic of *tile*, for columns and rows.

    Returns ``(seam / p95)`` for the vertical and the horizontal seam, where *seam*
    is the mean |difference| between the two pixel columns (rows) either side of the
    seam and *p95* the 95th percentile of that quantity over every pair of
    neighbouring columns (rows) inside the mosaic.
    """
    m = _composite(mosaic(tile, 2, 2, repeat))
    h, w = tile.shape[:2]
    col = np.abs(np.diff(m, axis=1)).mean(axis=(0, 2))  # between column i and i + 1
    row = np.abs(np.diff(m, axis=0)).mean(axis=(1, 2))
    out = []
    for profile, seam in ((col, w - 1), (row, h - 1)):
        ref = np.percentile(profile, 95)
        out.append(float(profile[seam] / max(ref, 1e-9)))
    return out[0], out[1]


def assert_seamless(tile: np.ndarray, *, repeat: str = "block", factor: float = 1.5) -> None:
    """Assert the seams of a 2×2 mosaic differ no more than ordinary neighbours do."""
    cx, cy = seam_ratios(tile, repeat)
    assert cx <= factor and cy <= factor, (
        f"seam stands out: vertical seam {cx:.2f}×, horizontal seam {cy:.2f}× the 95th "
        f"percentile of neighbouring column/row differences (allowed {factor}×)"
    )


def shifted(pattern: Pattern, dx: float, dy: float) -> Pattern:
    """The same cloth with the tile window moved by (dx, dy): geometry re-wrapped."""
    w, h, rep = pattern.width, pattern.height, pattern.repeat
    return pattern.with_layers(
        dataclasses.replace(
            lyr,
            # make_valid: a slightly self-intersecting outline must not stop the check
            geometry=wrap_on_torus(translate(shapely.make_valid(lyr.geometry), dx, dy), w, h, rep),
        )
        for lyr in pattern.layers
    )


def seam_excess(pattern: Pattern, render) -> float:
    """How much the seams of a 2×2 block mosaic differ from the same cloth drawn whole.

    The tile window is moved by half a tile (geometry re-wrapped, so the shapes that
    were cut by the border become whole): the line of cloth under the seams then runs
    through the middle of the picture, drawn without any seam. The result is the
    largest difference, in grey levels averaged along the line, between the |step|
    across a seam of the mosaic and the |step| across that same line drawn whole. A
    hairline seam or a cut stroke makes it large whatever the motif; a shape edge that
    happens to lie on the seam does not. *render* maps a Pattern to RGBA pixels of a
    size whose halves are whole pixels.
    """
    assert pattern.repeat == "block", "seam_excess compares block mosaics"
    a = render(pattern)
    h, w = a.shape[:2]
    assert w % 2 == 0 and h % 2 == 0
    b = _composite(render(shifted(pattern, pattern.width / 2, pattern.height / 2)))
    m = _composite(mosaic(a))
    col = abs(np.abs(m[:, w] - m[:, w - 1]).mean() - np.abs(b[:, w // 2] - b[:, w // 2 - 1]).mean())
    row = abs(np.abs(m[h] - m[h - 1]).mean() - np.abs(b[h // 2] - b[h // 2 - 1]).mean())
    return float(max(col, row))


# ------------------------------------------------------------------ jobs


def check_outputs(paths: list, folder, stem: str, motifs, size: int, dpi=300.0):
    """Every output present, PNGs of the right size and DPI, SVGs valid, JSON complete."""
    names = sorted(p.name for p in paths)
    expected = [f"{stem}.json", f"{stem}-sheet.png"]
    for m in motifs:
        expected += [f"{stem}-{m}.{e}" for e in ("svg", "png")]
        expected += [f"{stem}-{m}-cloth.{e}" for e in ("svg", "png")]
    assert names == sorted(expected)
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected)  # nothing stray
    for m in motifs:
        with Image.open(folder / f"{stem}-{m}.png") as im:
            assert im.size == (size, size)
            assert im.info["dpi"] == pytest.approx((dpi, dpi), abs=0.05)
            px = np.asarray(im.convert("RGB"), dtype=float)
            assert px.std() > 5  # a motif, not a flat colour
        with Image.open(folder / f"{stem}-{m}-cloth.png") as im:
            w, h = im.size
            assert 2.4 < h / w < 2.6
        for suffix in ("", "-cloth"):
            root = ET.parse(folder / f"{stem}-{m}{suffix}.svg").getroot()
            assert root.tag.endswith("svg")
            assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 0
    with Image.open(folder / f"{stem}-sheet.png") as im:
        sheet = np.asarray(im.convert("L"), dtype=float)
        assert min(im.size) > 500 and sheet.std() > 10
    record = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    for key in ("source", "options", "mapping", "summary", "features", "outputs", "versions"):
        assert key in record, key
    assert len(record["source"]["sha256"]) == 64
    files = {o["file"] for o in record["outputs"]}
    assert files == set(expected) - {f"{stem}.json"}
    for o in record["outputs"]:
        if o["kind"] == "tile":
            assert o["params"] and o["palette"]["ink"].startswith("#")
        if o["kind"] == "cloth":
            assert len(o["params_along"]) >= 2
    return record


def story_ratio(track, stretches) -> tuple[float, float, float]:
    """How clearly a cloth's rows tell a recording's stretches apart.

    Each row's moving parameters (continuous and steady, numeric: what a cloth lets
    change) as fractions of their spec ranges; per stretch ``(start, end)`` seconds the
    mean vector. *between*: the smallest distance of two stretches' means; *within*:
    the largest distance between the means of one stretch's first and second halves.
    Returns ``(between / within, between, within)``.
    """
    specs = type(track.base).specs()
    names = [
        n
        for n, s in specs.items()
        if s.range is not None and not s.discrete and s.role != "structural"
    ]
    lo = np.array([specs[n].range[0] for n in names])
    span = np.array([specs[n].range[1] - specs[n].range[0] for n in names])
    rows = (np.array([[getattr(p, n) for n in names] for p in track.params]) - lo) / span
    t = np.asarray(track.times)
    means, within = [], []
    for a, b in stretches:
        inside = (t >= a) & (t <= b)
        first, second = inside & (t < (a + b) / 2), inside & (t >= (a + b) / 2)
        assert first.sum() >= 3 and second.sum() >= 3, f"too few rows in {a}-{b} s"
        means.append(rows[inside].mean(axis=0))
        within.append(float(np.linalg.norm(rows[first].mean(axis=0) - rows[second].mean(axis=0))))
    between = min(
        float(np.linalg.norm(means[i] - means[j]))
        for i in range(len(means))
        for j in range(i + 1, len(means))
    )
    worst = max(within)
    return (between / worst if worst > 0 else math.inf), between, worst


def default_sigint() -> None:
    """``preexec_fn`` of a child the test will Ctrl-C: SIGINT back to its default.

    A shell that started the suite in the background ignores SIGINT, and children
    inherit that (Python then installs no KeyboardInterrupt handler): the child
    would run on through the test's Ctrl-C.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port(kind: int | None = None) -> int:
    """A loopback port free at this moment (TCP, or *kind*: ``socket.SOCK_DGRAM``)."""
    import socket

    with socket.socket(socket.AF_INET, kind or socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of *pid* from Linux ``/proc``, or None when it
    is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            text = fh.read()
    except OSError:
        return None
    rest = text[text.rfind(")") + 2 :].split()  # the name may hold spaces
    return int(rest[1]), rest[0], int(rest[19])
