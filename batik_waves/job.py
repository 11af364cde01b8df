"""The artist's job: from a recording to a finished batik set in one call.

:func:`render_recording` reads a recording, measures its band envelopes, maps them to
motif parameters and writes, per motif, a seamless tile (SVG and PNG with print DPI),
a long cloth (kain panjang, about 1 : 2.5) along which the recording's time runs, a
contact sheet and a JSON record from which every output can be made again exactly.
``batik-waves render`` is a thin call to it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from ._files import check_not_input, write_text
from .errors import RenderError
from .mapping import (
    MOTIFS,
    Mapping,
    features,
    features_series,
    load_mapping,
    palette_from_features,
    params_class,
    params_from_features,
)

__all__ = [
    "CLOTH_RATIO",
    "DEFAULT_DPI",
    "DEFAULT_SIZE",
    "RenderedMotif",
    "check_options",
    "default_out",
    "motif_list",
    "parse_window",
    "remake",
    "render_recording",
    "sha256",
]

#: Default tile size in pixels.
DEFAULT_SIZE = 2048
#: DPI written into PNGs when none is asked for (what textile printers want).
DEFAULT_DPI = 300.0
#: Length : width of the cloth (a kain panjang is about 1.05 m × 2.6 m).
CLOTH_RATIO = 2.5
#: Longest side of the cloth in pixels: the cloth is for showing, not for printing.
CLOTH_MAX_LENGTH = 5120
#: Positions along the cloth at which the features are sampled (and recorded).
CLOTH_SAMPLES = 257
#: Positions along the cloth whose parameters the JSON record lists.
RECORD_SAMPLES = 11

#: Steps along the cloth at which the parameters change (every blade or flower row
#: takes those of the nearest step).
CLOTH_STEPS = 200
# Parameters that lay out the lattice and the ground: the cloth keeps the tile's (its
# scale, direction and which colour is the cloth), and the recording moves everything
# else along it.
_CLOTH_STRUCTURE = {
    "kawung": ("flowers", "rotation", "polarity"),
    "parang": ("bands", "blades", "strip", "direction", "polarity"),
}

Progress = Callable[[float, float], None]


def _allowed(values: Sequence[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def motif_list(motif: str | Sequence[str]) -> tuple[str, ...]:
    """``"all"`` -> every motif; a name or list of names, checked."""
    names = tuple(MOTIFS) if motif == "all" else (motif,) if isinstance(motif, str) else motif
    names = tuple(names)
    for m in names:
        if m not in MOTIFS:
            raise RenderError(
                f"Invalid value for the 'motif' parameter. Allowed values are "
                f"{_allowed([*MOTIFS, 'all'])}, but got {m!r} instead."
            )
    if not names:
        raise RenderError("Invalid value for the 'motif' parameter: no motif given.")
    return names


def parse_window(text: str | Sequence[float | None] | None) -> tuple[float | None, float | None]:
    """``"10:70"`` (seconds; either side may be empty) -> (10.0, 70.0).

    >>> parse_window("10:70"), parse_window(":30"), parse_window("12.5:")
    ((10.0, 70.0), (None, 30.0), (12.5, None))
    """
    if text is None:
        return (None, None)
    if isinstance(text, str):
        parts = text.split(":")
        if len(parts) != 2:
            raise RenderError(
                f"Invalid value for the 'window' parameter: expected START:END in seconds "
                f"(like 10:70 or 30:), but got {text!r} instead."
            )
        try:
            lo, hi = (float(p) if p.strip() else None for p in parts)
        except ValueError:
            raise RenderError(
                f"Invalid value for the 'window' parameter: expected START:END in seconds "
                f"(like 10:70 or 30:), but got {text!r} instead."
            ) from None
    else:
        lo, hi = text
        lo = None if lo is None else float(lo)
        hi = None if hi is None else float(hi)
    for v in (lo, hi):
        if v is not None and (not math.isfinite(v) or v < 0):
            raise RenderError(
                f"Invalid value for the 'window' parameter: seconds must be 0 or more, got {text!r}."
            )
    if lo is not None and hi is not None and hi <= lo:
        raise RenderError(
            f"Invalid value for the 'window' parameter: END must come after START, got {text!r}."
        )
    return (lo, hi)


@dataclass(frozen=True)
class _Options:
    motifs: tuple[str, ...]
    variants: dict[str, str | None]
    palette: str | None
    size: int
    dpi: float
    cm: float | None
    repeat: str | None
    seed: int
    mapping: Mapping
    window: tuple[float | None, float | None]
    transparent: bool


def check_options(
    *,
    motif: str | Sequence[str] = "all",
    variant: str | None = None,
    palette: str | None = None,
    size: int | None = None,
    dpi: float | None = None,
    cm: float | None = None,
    repeat: str | None = None,
    seed: int = 0,
    mapping: Mapping | str | os.PathLike | None = None,
    window: str | Sequence[float | None] | None = None,
    transparent: bool = False,
) -> _Options:
    """Validate every option of :func:`render_recording` before anything is read."""
    motifs = motif_list(motif)
    variants: dict[str, str | None] = dict.fromkeys(motifs)
    if variant is not None:
        owners = [m for m in motifs if variant in params_class(m).variants()]
        if not owners:
            allowed = [v for m in motifs for v in params_class(m).variants()]
            raise RenderError(
                f"Invalid value for the 'variant' parameter. Allowed values are "
                f"{_allowed(allowed)}, but got {variant!r} instead."
            )
        for m in owners:
            variants[m] = variant
    if palette is not None:
        from .motifs.palette import palette as make_palette

        make_palette(palette)
    if dpi is not None and (
        isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 10 <= dpi <= 4800
    ):
        raise RenderError(
            f"Invalid value for the 'dpi' parameter: expected 10 to 4800, but got {dpi!r} instead."
        )
    dpi_f = float(dpi) if dpi is not None else DEFAULT_DPI
    if cm is not None:
        if size is not None:
            raise RenderError("give the tile size in pixels (size) or in cm (cm), not both")
        if isinstance(cm, bool) or not isinstance(cm, int | float) or not 0 < cm <= 500:
            raise RenderError(
                f"Invalid value for the 'cm' parameter: expected a length above 0 up to 500 cm, "
                f"but got {cm!r} instead."
            )
        size = round(cm / 2.54 * dpi_f)
    if size is None:
        size = DEFAULT_SIZE
    if isinstance(size, bool) or not isinstance(size, int) or not 16 <= size <= 20000:
        raise RenderError(
            f"Invalid value for the 'size' parameter: expected a whole number of pixels from 16 "
            f"to 20000, but got {size!r} instead."
        )
    if repeat is not None:
        from .motifs.pattern import REPEATS

        if repeat not in REPEATS:
            raise RenderError(
                f"Invalid value for the 'repeat' parameter. Allowed values are "
                f"{_allowed(REPEATS)}, but got {repeat!r} instead."
            )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise RenderError(
            f"Invalid value for the 'seed' parameter: expected a whole number 0 or more, "
            f"but got {seed!r} instead."
        )
    return _Options(
        motifs=motifs,
        variants=variants,
        palette=palette,
        size=int(size),
        dpi=dpi_f,
        cm=None if cm is None else float(cm),
        repeat=repeat,
        seed=int(seed),
        mapping=load_mapping(mapping),
        window=parse_window(window),
        transparent=bool(transparent),
    )


def sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("batik-waves", "numpy", "scipy", "mne", "shapely", "cairosvg", "cairocffi"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    for dist in ("matplotlib", "pillow"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def default_out(path: str | os.PathLike) -> Path:
    """The default output folder of a recording: ``batik-out/<stem>``."""
    return Path("batik-out") / _stem(path)


def _stem(path: str | os.PathLike) -> str:
    name = Path(path).name
    for ext in (".fif.gz", ".edf.gz", ".csv.gz"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return Path(name).stem


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return round(value, 10) if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class RenderedMotif:
    """What one motif of a job produced (the sheet draws these)."""

    motif: str
    variant: str | None
    params: Any
    palette: Any
    tile: Any  # Pattern
    cloth: Any  # Pattern
    cloth_params: list[tuple[float, float, Any]]  # (fraction along, seconds, params)


def _cloth_size(size: int) -> tuple[int, int]:
    length = min(CLOTH_MAX_LENGTH, round(size * CLOTH_RATIO))
    return max(16, round(length / CLOTH_RATIO)), length


def _make_motif(
    motif: str,
    env,
    feats: dict[str, float],
    opts: _Options,
) -> RenderedMotif:
    from .motifs.palette import palette as make_palette
    from .motifs.registry import get

    # the registry knows where each family lives (mega-mendung is mega_mendung.py)
    make_tile, make_cloth = get(motif).tile(), get(motif).cloth()
    variant = opts.variants.get(motif)
    mapping = opts.mapping
    overrides: dict[str, Any] = {}
    spec = params_class(motif).specs().get("palette")
    if opts.palette is not None and spec is not None:
        name = opts.palette.strip().lower()
        if name in (spec.choices or ()):
            overrides["palette"] = name  # the params name the colourway they are drawn in
    params = params_from_features(motif, feats, mapping, variant=variant, **overrides)
    pal_spec = opts.palette
    if pal_spec is None:
        pal_spec = palette_from_features(motif, feats, mapping)
    if pal_spec is None:
        pal_spec = getattr(params, "palette", None)
    pal = make_palette(pal_spec)
    if opts.transparent:
        pal = pal.transparent()
    kw: dict[str, Any] = {"tile": (opts.size, opts.size), "rng": opts.seed, "palette": pal}
    if opts.repeat is not None:
        kw["repeat"] = opts.repeat
    params, tile = _fit_tile(motif, make_tile, params, kw)

    # the cloth: time runs from the top of the cloth to its foot
    t0, t1 = float(env.times[0]), float(env.times[-1])
    core = env._core()
    ct = env.times[core]
    if len(ct) >= 2:
        t0, t1 = float(ct[0]), float(ct[-1])
    fractions = np.linspace(0.0, 1.0, CLOTH_SAMPLES)
    series = features_series(env, t0 + fractions * (t1 - t0), smooth=mapping.smooth)

    def feats_at(y: float) -> dict[str, float]:
        y = min(1.0, max(0.0, float(y)))
        return {k: float(np.interp(y, fractions, v)) for k, v in series.items()}

    cache: dict[float, Any] = {}
    # the lattice of the cloth is the tile's, so cloth and tile share one scale
    structure = {k: getattr(params, k) for k in _CLOTH_STRUCTURE.get(motif, ())}

    def params_at(y: float):
        key = round(min(1.0, max(0.0, float(y))) * CLOTH_STEPS) / CLOTH_STEPS
        if key not in cache:
            cache[key] = params_from_features(
                motif, feats_at(key), mapping, variant=variant, **{**overrides, **structure}
            )
        return cache[key]

    cloth = make_cloth(params_at, size=_cloth_size(opts.size), rng=opts.seed, palette=pal)
    record = [
        (float(f), t0 + float(f) * (t1 - t0), params_at(float(f)))
        for f in np.linspace(0.0, 1.0, RECORD_SAMPLES)
    ]
    return RenderedMotif(motif, variant, params, pal, tile, cloth, record)


# The parameters that count lattice cells across the tile. Some counts cannot close
# seamlessly on some tiles and repeats (kawung rows must be whole; a half-brick needs
# an even count): the nearest count that does is used, with a warning.
_LATTICE = {"kawung": ("flowers",), "parang": ("bands", "blades")}


def _fit_tile(motif: str, make_tile, params, kw: dict[str, Any]):
    from .errors import MotifError, warn

    try:
        return params, make_tile(params, **kw)
    except MotifError as err:
        first = err
    keys = _LATTICE.get(motif, ())
    for delta in (1, -1, 2, -2, 3, -3, 4, -4):
        try:
            alt = params.replace(**{k: getattr(params, k) + delta for k in keys})
            tile = make_tile(alt, **kw)
        except MotifError:
            continue
        old = ", ".join(f"{k}={getattr(params, k)}" for k in keys)
        new = ", ".join(f"{k}={getattr(alt, k)}" for k in keys)
        w, h = kw["tile"]
        warn(
            f"{motif}: {old} cannot close seamlessly on a {w}×{h} "
            f"{kw.get('repeat', 'block')} tile; drawn with {new} instead"
        )
        return alt, tile
    raise first


def _check_targets(targets: Sequence[Path], inputs: Sequence[Path]) -> None:
    for t in targets:
        check_not_input(t, inputs)


def _inputs_of(path: Path) -> list[Path]:
    """The recording and its companion files (BrainVision .eeg/.vmrk): never overwritten."""
    out = [path]
    if path.suffix.lower() in (".vhdr", ".ahdr"):
        out += [path.with_suffix(s) for s in (".eeg", ".vmrk", ".dat", ".amrk")]
    elif path.suffix.lower() == ".set":
        out.append(path.with_suffix(".fdt"))
    return out


def render_recording(
    path: str | os.PathLike | None = None,
    *,
    motif: str | Sequence[str] = "all",
    out: str | os.PathLike | None = None,
    variant: str | None = None,
    palette: str | None = None,
    size: int | None = None,
    dpi: float | None = None,
    cm: float | None = None,
    repeat: str | None = None,
    seed: int = 0,
    mapping: Mapping | str | os.PathLike | None = None,
    window: str | Sequence[float | None] | None = None,
    transparent: bool = False,
    sheet: bool = True,
    progress: Progress | None = None,
) -> list[Path]:
    """Render batik from a recording: tile, cloth, contact sheet and JSON record.

    Parameters
    ----------
    path : path-like, optional
        The recording (any format :func:`batik_waves.read_recording` reads). None
        renders the bundled sample recording.
    motif : {"all", "kawung", "parang"} or list of str
        Which motifs to render.
    out : path-like, optional
        Output folder (created, or reused if it exists); default
        ``batik-out/<recording stem>``.
    variant : str, optional
        A named variant (``picis``, ``barong``...); with several motifs it applies to
        the motif that has it.
    palette : str, optional
        A colourway name or ``"#hex,#hex,..."``; default: the one the mapping chooses.
    size : int, optional
        Tile side in pixels (default 2048). The cloth is as wide and 2.5 times as long
        (at most 5120 px long).
    dpi : float, optional
        Print resolution written into the PNGs (default 300).
    cm : float, optional
        Tile side in centimetres at *dpi* (instead of *size*): ``cm=20, dpi=300`` is a
        2362 px tile that prints 20 cm wide.
    repeat : {"block", "half-drop", "half-brick"}, optional
        How tiles are laid (default: the motif's own).
    seed : int
        Seed of the maker's hand (crackle, line wobble); same seed, same files.
    mapping : Mapping, str or path-like, optional
        A preset name (``default``, ``calm``, ``vivid``, ``classic``) or a TOML file.
    window : "START:END" or (start, end), optional
        Only this stretch of the recording, in seconds.
    transparent : bool
        Leave the ground transparent (for compositing).
    sheet : bool
        Also write the contact sheet.
    progress : callable, optional
        ``progress(done, total)`` with *done* going from 0 to *total*.

    Returns
    -------
    list of Path
        The files written, in the order: per motif tile SVG, tile PNG, cloth SVG,
        cloth PNG; then the sheet and the JSON record.

    Raises
    ------
    RecordingError
        The recording cannot be read or is unusable. Nothing has been written.
    RenderError, MotifError
        A bad option (checked before the recording is read) or an output that cannot
        be written.
    """
    from .eeg.bands import envelopes_from_file
    from .render.png import save_png
    from .render.svg import save_svg

    opts = check_options(
        motif=motif,
        variant=variant,
        palette=palette,
        size=size,
        dpi=dpi,
        cm=cm,
        repeat=repeat,
        seed=seed,
        mapping=mapping,
        window=window,
        transparent=transparent,
    )
    if path is None:
        from .eeg.simulate import sample_path

        path = sample_path()
    path = Path(path)
    stem = _stem(path)
    folder = Path(out) if out is not None else default_out(path)
    report: Progress = progress if progress is not None else (lambda done, total: None)

    # Every name this job writes, checked against the inputs before anything happens.
    names: list[Path] = []
    for m in opts.motifs:
        names += [folder / f"{stem}-{m}.svg", folder / f"{stem}-{m}.png"]
        names += [folder / f"{stem}-{m}-cloth.svg", folder / f"{stem}-{m}-cloth.png"]
    sheet_path = folder / f"{stem}-sheet.png"
    json_path = folder / f"{stem}.json"
    _check_targets([*names, sheet_path, json_path], _inputs_of(path))

    n_steps = 4.0 + 4.0 * len(opts.motifs) + (1.0 if sheet else 0.0) + 0.5
    report(0.0, n_steps)
    window_arg = None if opts.window == (None, None) else opts.window
    env = envelopes_from_file(
        path, window=window_arg, progress=lambda d, t: report(4.0 * d / t if t else 0.0, n_steps)
    )
    digest = sha256(path)
    feats = features(env)
    summary = env.summary()
    report(4.0, n_steps)

    written: list[Path] = []
    rendered: list[RenderedMotif] = []
    outputs: list[dict[str, Any]] = []
    step = 4.0
    for m in opts.motifs:
        r = _make_motif(m, env, feats, opts)
        rendered.append(r)
        step += 1.0
        report(step, n_steps)
        tile_svg, tile_png, cloth_svg, cloth_png = (
            folder / f"{stem}-{m}.svg",
            folder / f"{stem}-{m}.png",
            folder / f"{stem}-{m}-cloth.svg",
            folder / f"{stem}-{m}-cloth.png",
        )
        written.append(save_svg(r.tile, tile_svg))
        written.append(save_png(r.tile, tile_png, dpi=opts.dpi))
        step += 1.0
        report(step, n_steps)
        written.append(save_svg(r.cloth, cloth_svg))
        step += 0.5
        report(step, n_steps)
        written.append(save_png(r.cloth, cloth_png, dpi=opts.dpi))
        step += 1.5
        report(step, n_steps)
        common = {
            "motif": m,
            "variant": opts.variants.get(m),
            "palette": r.palette.as_dict(),
            "seed": opts.seed,
            "repeat": r.tile.repeat,
        }
        outputs.append(
            {
                "file": tile_svg.name,
                "kind": "tile",
                "format": "svg",
                "width": r.tile.width,
                "height": r.tile.height,
                **common,
                "params": r.params.to_dict(),
            }
        )
        outputs.append(
            {
                "file": tile_png.name,
                "kind": "tile",
                "format": "png",
                "width": r.tile.width,
                "height": r.tile.height,
                "dpi": opts.dpi,
                "print_cm": round(r.tile.width / opts.dpi * 2.54, 3),
                **common,
                "params": r.params.to_dict(),
            }
        )
        along = [
            {"fraction": round(f, 4), "time_s": round(t, 3), "params": p.to_dict()}
            for f, t, p in r.cloth_params
        ]
        for fmt, p in (("svg", cloth_svg), ("png", cloth_png)):
            entry = {
                "file": p.name,
                "kind": "cloth",
                "format": fmt,
                "width": r.cloth.width,
                "height": r.cloth.height,
                **common,
                "time_runs": "top to bottom",
                "smooth_s": opts.mapping.smooth,
                "params_along": along,
            }
            if fmt == "png":
                entry["dpi"] = opts.dpi
            outputs.append(entry)

    duration = float(env.duration)
    if sheet:
        from .sheet import contact_sheet

        contact_sheet(
            sheet_path,
            envelopes=env,
            rendered=rendered,
            title=path.name,
            duration=duration,
            mapping=opts.mapping,
            feats=feats,
        )
        written.append(sheet_path)
        outputs.append({"file": sheet_path.name, "kind": "sheet", "format": "png"})
        step += 1.0
        report(step, n_steps)

    record = {
        "batik_waves": _versions()["batik-waves"],
        "source": {
            "file": path.name,
            "path": str(path),
            "sha256": digest,
            "size_bytes": path.stat().st_size,
            "duration_s": round(duration, 3),
            "start_s": round(float(env.times[0]), 3),
            "channels": list(env.ch_names),
            "regions": {r: [env.ch_names[i] for i in idx] for r, idx in env.regions().items()},
            "bands": {b: list(e) for b, e in zip(env.bands, env.edges, strict=True)},
            "envelope_rate_hz": env.rate,
        },
        "options": {
            "motif": list(opts.motifs),
            "variant": variant,
            "palette": opts.palette,
            "size": opts.size,
            "dpi": opts.dpi,
            "cm": opts.cm,
            "repeat": opts.repeat,
            "seed": opts.seed,
            "mapping": opts.mapping.source,
            "window": list(opts.window),
            "transparent": opts.transparent,
        },
        "mapping": opts.mapping.to_dict(),
        "summary": summary.to_dict(),
        "features": feats,
        "outputs": outputs,
        "versions": _versions(),
        "remake": "batik_waves.job.remake(this file) makes every output again",
    }
    write_text(json_path, json.dumps(_json_ready(record), indent=2, ensure_ascii=False) + "\n")
    written.append(json_path)
    report(n_steps, n_steps)
    return written


def remake(
    record: str | os.PathLike,
    *,
    out: str | os.PathLike | None = None,
    recording: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Make every output of a JSON record again (into *out*, default: beside the record).

    The recording is found at the recorded path (or *recording*) and must have the
    recorded SHA-256; the mapping is taken from the record itself, so an edited or
    lost mapping file does not matter. With the same package versions the SVGs come
    out byte-identical.
    """
    record = Path(record)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        source, options = data["source"], dict(data["options"])
        mapping_dict = data["mapping"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise RenderError(f"{record}: not a batik_waves render record ({err})") from err
    path = Path(recording) if recording is not None else Path(source["path"])
    if not path.exists():
        raise RenderError(f"{record}: the recording {path} is gone; pass recording=")
    digest = sha256(path)
    if digest != source["sha256"]:
        raise RenderError(
            f"{path}: SHA-256 {digest[:12]}… differs from the record's {source['sha256'][:12]}…: "
            f"not the recording these outputs were made from"
        )
    options["mapping"] = Mapping.from_dict(mapping_dict, source=str(options.get("mapping")))
    options["sheet"] = any(o.get("kind") == "sheet" for o in data.get("outputs", []))
    if options.get("cm") is not None:
        options["size"] = None
    return render_recording(
        path, out=out if out is not None else record.parent, progress=progress, **options
    )
