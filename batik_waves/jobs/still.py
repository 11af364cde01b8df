"""The artist's job: from a recording to a finished batik set in one call.

:func:`render_recording` reads a recording, measures its band envelopes, maps them to
motif parameters and writes, per motif, a seamless tile (SVG and PNG with print DPI),
a long cloth (kain panjang, about 1 : 2.5) along which the recording's time runs, a
contact sheet and a JSON record from which every output can be made again exactly
(:func:`remake`). ``batik-waves render`` is a thin call to it.

The tile shows the whole window's features; the cloth asks the timeline
(:func:`batik_waves.timeline.offline_track`) for the parameters at each row, keeping
the tile's lattice all along it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._io import json_ready, sha256, versions, write_text
from ..eeg.envelopes import Envelopes
from ..errors import MotifError, RenderError, warn
from ..mapping.extract import features
from ..mapping.rules import Mapping, family_from_features
from ..motifs import registry
from ..render.png import save_png
from ..render.svg import save_svg
from ..report.sheet import contact_sheet
from ..timeline import Policy, base_params, colourway, offline_track
from ._common import Progress, check_targets, load, no_progress, stem
from ._common import recording as recording_of
from .options import AUTO, Resolved, resolve
from .options import record as options_record

__all__ = [
    "CLOTH_RATIO",
    "RenderedMotif",
    "default_out",
    "make_motif",
    "remake",
    "render_recording",
]

#: Length : width of the cloth (a kain panjang is about 1.05 m × 2.6 m).
CLOTH_RATIO = 2.5
#: Longest side of the cloth in pixels: the cloth is for showing, not for printing.
CLOTH_MAX_LENGTH = 5120
#: Steps along the cloth at which the parameters change (every blade or flower row
#: takes those of the nearest step).
CLOTH_STEPS = 200
#: Positions along the cloth whose parameters the JSON record lists.
RECORD_SAMPLES = 11


def default_out(path: str | os.PathLike) -> Path:
    """The default output folder of a recording: ``batik-out/<stem>``."""
    return Path("batik-out") / stem(path)


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


def fit_tile(motif: str, params: Any, **kw: Any) -> tuple[Any, Any]:
    """Draw the tile of *params*; if its lattice counts (the structural whole numbers
    its specs declare) cannot close seamlessly on this tile and repeat, draw the
    nearest counts that do, with a warning. Returns (params drawn, Pattern)."""
    make = registry.get(motif).tile()
    try:
        return params, make(params, **kw)
    except MotifError as err:
        first = err
    keys = [n for n, spec in params.specs().items() if spec.count]
    for delta in (1, -1, 2, -2, 3, -3, 4, -4):
        try:
            alt = params.replace(**{k: getattr(params, k) + delta for k in keys})
            tile = make(alt, **kw)
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


def _cloth_span(env: Envelopes) -> tuple[float, float]:
    """Seconds the cloth runs over: the window, less filter edges that settle."""
    t = env.times[env._core()]
    if len(t) < 2:
        t = env.times
    return float(t[0]), float(t[-1])


def make_motif(motif: str, env: Envelopes, opts: Resolved) -> RenderedMotif:
    """The tile and the cloth of one motif from a window's envelopes."""
    mapping = opts.mapping
    variant = opts.variants.get(motif)
    whole = features(env)
    params = base_params(motif, whole, mapping, variant=variant, palette=opts.palette)
    pal = colourway(
        motif,
        whole,
        mapping,
        palette=opts.palette,
        params=params,
        transparent=opts.transparent,
    )
    kw: dict[str, Any] = {"tile": (opts.size, opts.size), "rng": opts.seed, "palette": pal}
    if opts.repeat is not None:
        kw["repeat"] = opts.repeat
    params, tile = fit_tile(motif, params, **kw)

    # the cloth: time runs from the top of the cloth to its foot, the tile's lattice
    # all along it
    t0, t1 = _cloth_span(env)
    steps = np.linspace(0.0, 1.0, CLOTH_STEPS + 1)
    track = offline_track(
        env,
        t0 + steps * (t1 - t0),
        motif=motif,
        mapping=mapping,
        variant=variant,
        palette=opts.palette,
        transparent=opts.transparent,
        policy=Policy.cloth(),
        base=params,
    )

    def params_at(y: float):
        return track.params[round(min(1.0, max(0.0, float(y))) * CLOTH_STEPS)]

    make_cloth = registry.get(motif).cloth()
    cloth = make_cloth(params_at, size=_cloth_size(opts.size), rng=opts.seed, palette=pal)
    along = [
        (float(f), t0 + float(f) * (t1 - t0), params_at(float(f)))
        for f in np.linspace(0.0, 1.0, RECORD_SAMPLES)
    ]
    return RenderedMotif(motif, variant, params, pal, tile, cloth, along)


def _names(folder: Path, name: str, motifs: tuple[str, ...]) -> dict[str, Path]:
    out = {}
    for m in motifs:
        out[f"{m}.svg"] = folder / f"{name}-{m}.svg"
        out[f"{m}.png"] = folder / f"{name}-{m}.png"
        out[f"{m}-cloth.svg"] = folder / f"{name}-{m}-cloth.svg"
        out[f"{m}-cloth.png"] = folder / f"{name}-{m}-cloth.png"
    out["sheet"] = folder / f"{name}-sheet.png"
    out["json"] = folder / f"{name}.json"
    return out


def _outputs_of(r: RenderedMotif, names: dict[str, Path], opts: Resolved) -> list[dict]:
    """The record's entries for one motif's four files."""
    m = r.motif
    common = {
        "motif": m,
        "variant": r.variant,
        "palette": r.palette.as_dict(),
        "seed": opts.seed,
        "repeat": r.tile.repeat,
    }
    size = {"width": r.tile.width, "height": r.tile.height}
    tile = {"kind": "tile", **size, **common, "params": r.params.to_dict()}
    along = [
        {"fraction": round(f, 4), "time_s": round(t, 3), "params": p.to_dict()}
        for f, t, p in r.cloth_params
    ]
    cloth = {
        "kind": "cloth",
        "width": r.cloth.width,
        "height": r.cloth.height,
        **common,
        "time_runs": "top to bottom",
        "smooth_s": opts.mapping.smooth,
        "params_along": along,
    }
    print_cm = round(r.tile.width / opts.dpi * 2.54, 3)
    return [
        {"file": names[f"{m}.svg"].name, **_first(tile, "svg")},
        {
            "file": names[f"{m}.png"].name,
            **_first(tile, "png"),
            "dpi": opts.dpi,
            "print_cm": print_cm,
        },
        {"file": names[f"{m}-cloth.svg"].name, **_first(cloth, "svg")},
        {"file": names[f"{m}-cloth.png"].name, **_first(cloth, "png"), "dpi": opts.dpi},
    ]


def _first(entry: dict, fmt: str) -> dict:
    """*entry* with ``format`` right after ``kind`` (the record's order)."""
    out = {"kind": entry["kind"], "format": fmt}
    out.update({k: v for k, v in entry.items() if k != "kind"})
    return out


def _size_bytes(path: Path) -> int:
    """A file's size, or the sum of a folder recording's (EGI MFF) files."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _source(path: Path, env: Envelopes, digest: str) -> dict[str, Any]:
    return {
        "file": path.name,
        "path": str(path),
        "sha256": digest,
        "size_bytes": _size_bytes(path),
        "duration_s": round(float(env.duration), 3),
        "start_s": round(float(env.times[0]), 3),
        "channels": list(env.ch_names),
        "regions": {r: [env.ch_names[i] for i in idx] for r, idx in env.regions().items()},
        "bands": {b: list(e) for b, e in zip(env.bands, env.edges, strict=True)},
        "envelope_rate_hz": env.rate,
        # "signal": computed from raw samples; "band_power": read from a file of band
        # powers (a NeuroSky log, Mind Monitor without RAW)
        "envelopes_from": env.origin,
    }


def render_recording(
    path: str | os.PathLike | None = None,
    *,
    out: str | os.PathLike | None = None,
    sheet: bool = True,
    progress: Progress | None = None,
    **options: Any,
) -> list[Path]:
    """Render batik from a recording: tile, cloth, contact sheet and JSON record.

    Parameters
    ----------
    path : path-like, optional
        The recording (any format :func:`batik_waves.read_recording` reads). None
        renders the bundled sample recording.
    out : path-like, optional
        Output folder (created, or reused if it exists); default
        ``batik-out/<recording stem>``.
    sheet : bool
        Also write the contact sheet.
    progress : callable, optional
        ``progress(done, total)`` with *done* going from 0 to *total*.
    **options
        The render options of :mod:`batik_waves.jobs.options` (each checked before
        the recording is read): ``motif`` ("all", a name or a list), ``variant``,
        ``palette``, ``size`` (tile side, px, default 2048) or ``cm`` (at ``dpi``,
        default 300), ``repeat``, ``seed``, ``mapping`` (a preset name, a TOML file
        or a Mapping), ``window`` ("START:END" or a pair of seconds) and
        ``transparent``.

    Returns
    -------
    list of Path
        The files written, in the order: per motif tile SVG, tile PNG, cloth SVG,
        cloth PNG; then the sheet and the JSON record.

    Raises
    ------
    ParameterError
        A bad option (checked before the recording is read). Nothing is written.
    RecordingError
        The recording cannot be read or is unusable. Nothing has been written.
    RenderError
        An output cannot be written.
    """
    opts = resolve("render", options)
    src = recording_of(path)
    name = stem(src)
    folder = Path(out) if out is not None else default_out(src)
    report = progress or no_progress
    auto = opts.motifs == (AUTO,)
    # every name this job may write, checked against the inputs before anything happens
    names = _names(folder, name, registry.names() if auto else opts.motifs)
    check_targets(list(names.values()), src)

    n_steps = 4.0 + 4.0 * len(opts.motifs) + (1.0 if sheet else 0.0) + 0.5
    report(0.0, n_steps)
    env = load(src, opts.window, progress=lambda d, t: report(4.0 * d / t if t else 0.0, n_steps))
    digest = sha256(src)
    report(4.0, n_steps)
    family = None
    if auto:  # the mapping chooses the family from the recording's overall features
        chosen, why = family_from_features(features(env), opts.mapping)
        family = {"motif": AUTO, "chosen": chosen, **why}
        opts = opts.replace(motifs=(chosen,), variants={chosen: None})

    written: list[Path] = []
    rendered: list[RenderedMotif] = []
    outputs: list[dict[str, Any]] = []
    step = 4.0
    for m in opts.motifs:
        r = make_motif(m, env, opts)
        rendered.append(r)
        step += 1.0
        report(step, n_steps)
        written.append(save_svg(r.tile, names[f"{m}.svg"]))
        written.append(save_png(r.tile, names[f"{m}.png"], dpi=opts.dpi))
        step += 1.0
        report(step, n_steps)
        written.append(save_svg(r.cloth, names[f"{m}-cloth.svg"]))
        step += 0.5
        report(step, n_steps)
        written.append(save_png(r.cloth, names[f"{m}-cloth.png"], dpi=opts.dpi))
        step += 1.5
        report(step, n_steps)
        outputs += _outputs_of(r, names, opts)

    feats = features(env)
    if sheet:
        contact_sheet(
            names["sheet"],
            envelopes=env,
            rendered=rendered,
            title=src.name,
            duration=float(env.duration),
            mapping=opts.mapping,
            feats=feats,
        )
        written.append(names["sheet"])
        outputs.append({"file": names["sheet"].name, "kind": "sheet", "format": "png"})
        step += 1.0
        report(step, n_steps)

    vers = versions()
    rec = {
        "batik_waves": vers["batik-waves"],
        "source": _source(src, env, digest),
        "options": {**options_record(opts), **({"motif": [AUTO]} if auto else {})},
        **({"family": family} if family else {}),
        "mapping": opts.mapping.to_dict(),
        "summary": env.summary().to_dict(),
        "features": feats,
        "outputs": outputs,
        "versions": vers,
        "remake": "batik_waves.remake(this file) makes every output again",
    }
    text = json.dumps(json_ready(rec), indent=2, ensure_ascii=False) + "\n"
    written.append(write_text(names["json"], text))
    report(n_steps, n_steps)
    return written


def read_record(path: str | os.PathLike) -> dict[str, Any]:
    """A render record's JSON, checked for the parts :func:`remake` needs."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["source"]["sha256"], data["options"], data["mapping"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise RenderError(f"{path}: not a batik_waves render record ({err})") from err
    return data


def record_options(data: dict[str, Any]) -> dict[str, Any]:
    """The render options a record was made with, ready for :func:`render_recording`."""
    options = dict(data["options"])
    options["mapping"] = Mapping.from_dict(data["mapping"], source=str(options.get("mapping")))
    if options.get("cm") is not None:
        options["size"] = None
    return options


def remake(
    record: str | os.PathLike,
    *,
    out: str | os.PathLike | None = None,
    recording: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Make every output of a JSON record again (into *out*, default: beside the record).

    The recording is found at the recorded path (or *recording*) and must have
    the recorded SHA-256; the mapping is taken from the record itself, so an edited or
    lost mapping file does not matter. With the same package versions the SVGs come
    out byte-identical.
    """
    record_path = Path(record)
    data = read_record(record_path)
    source = data["source"]
    path = Path(recording) if recording is not None else Path(source["path"])
    if not path.exists():
        raise RenderError(f"{record_path}: the recording {path} is gone; pass recording=")
    digest = sha256(path)
    if digest != source["sha256"]:
        raise RenderError(
            f"{path}: SHA-256 {digest[:12]}… differs from the record's {source['sha256'][:12]}…: "
            f"not the recording these outputs were made from"
        )
    sheet = any(o.get("kind") == "sheet" for o in data.get("outputs", []))
    return render_recording(
        path,
        out=out if out is not None else record_path.parent,
        sheet=sheet,
        progress=progress,
        **record_options(data),
    )
