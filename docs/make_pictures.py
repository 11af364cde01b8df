"""Make the README's pictures (docs/*.png) from the bundled sample recording.

    python docs/make_pictures.py [OUT_DIR]
    python docs/make_pictures.py --variants [OUT_DIR]   # only the variants-*.png sheets

Writes, each a small palette PNG (well under 300 KB):

- ``tile-kawung.png``, ``tile-parang.png``: the tiles ``batik-waves render`` makes for
  the bundled sample (a corner, at print scale);
- ``cloth.png``: both cloths, time running down;
- ``sheet.png``: the contact sheet, scaled down;
- ``mapping.png``: how band power moves the motifs: from eyes open (little alpha) to
  rest with eyes closed (much alpha), both motifs, with the default mapping;
- ``families.png``: every variant of mega mendung and truntum, a tile each;
- ``states.png``: three real recordings (rest eyes closed, mental arithmetic, eyes
  open), when ../shared/eeg is present;
- ``story.png``: the OpenBCI sample's cloths (blinks and jaw clenches, then alpha),
  time running down, when ../shared/eeg is present;
- ``variants-<family>.png`` for all six families (kawung, parang, mega-mendung,
  truntum, ceplok, nitik): every named variant, a 1024 px tile scaled down beside a
  corner of it at 1:1 (``docs/motifs.md`` shows them).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from batik_waves import render_recording
from batik_waves.jobs._common import load
from batik_waves.jobs.still import _cloth_span
from batik_waves.mapping import (
    FEATURES,
    features,
    load_mapping,
    palette_from_features,
    params_from_features,
)
from batik_waves.motifs import registry
from batik_waves.motifs.kawung import kawung
from batik_waves.motifs.parang import parang
from batik_waves.render import rasterize
from batik_waves.report.sheet import tiles_sheet

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "eeg"
MAX_BYTES = 300_000


def save_small(img: Image.Image, path: Path, *, colours: int = 96) -> Path:
    """Save as an optimised palette PNG, fewer colours until it is under MAX_BYTES."""
    img = img.convert("RGB")
    while True:
        q = img.quantize(colors=colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        q.save(path, optimize=True)
        if path.stat().st_size <= MAX_BYTES or colours <= 16:
            return path
        colours //= 2


def _sweep(path: Path) -> None:
    """Features lerped from an eyes-open recording to a resting, eyes-closed one."""
    eyes_open = {"delta": 0.65, "theta": 0.12, "alpha": 0.09, "beta": 0.11, "gamma": 0.03}
    eyes_open |= {"posterior_alpha": 0.12, "alpha_beta": 0.8, "variability": 0.15}
    rest = {"delta": 0.24, "theta": 0.10, "alpha": 0.43, "beta": 0.21, "gamma": 0.015}
    rest |= {"posterior_alpha": 0.62, "alpha_beta": 2.1, "variability": 0.14}
    base = dict.fromkeys(FEATURES, 0.1)
    mapping = load_mapping("default")
    steps = np.linspace(0.0, 1.0, 5)
    rows = []
    for motif, make in (("kawung", kawung), ("parang", parang)):
        pats = []
        for t in steps:
            f = dict(base)
            for k in eyes_open:
                f[k] = (1 - t) * eyes_open[k] + t * rest[k]
            params = params_from_features(motif, f, mapping)
            pats.append(
                make(
                    params, tile=(300, 300), rng=1, palette=palette_from_features(motif, f, mapping)
                )
            )
        rows.append((motif, pats))
    columns = []
    for t in steps:
        pa = (1 - t) * eyes_open["posterior_alpha"] + t * rest["posterior_alpha"]
        d = (1 - t) * eyes_open["delta"] + t * rest["delta"]
        columns.append(f"alpha back {pa:.0%}, delta {d:.0%}")
    tiles_sheet(
        path,
        rows,
        title="default mapping: from eyes open (left) to rest with eyes closed (right)",
        columns=columns,
        px=190,
    )


def _families(path: Path) -> None:
    """Every variant of mega mendung and truntum, one tile each."""
    from batik_waves.motifs.mega_mendung import MegaMendungParams, mega_mendung
    from batik_waves.motifs.truntum import TruntumParams, truntum

    rows = []
    for label, cls, make in (
        ("mega mendung", MegaMendungParams, mega_mendung),
        ("truntum", TruntumParams, truntum),
    ):
        pats = [make(cls.variant(v), tile=(400, 400), rng=1) for v in cls.variants()]
        rows.append((label, pats))
    columns = [
        " / ".join(v)
        for v in zip((*MegaMendungParams.variants(), ""), TruntumParams.variants(), strict=True)
    ]
    tiles_sheet(path, rows, title="mega mendung and truntum", columns=columns, px=220)


def _states(path: Path) -> bool:
    from batik_waves.eeg.bands import envelopes_from_file

    recs = {
        "rest, eyes closed": SHARED / "physionet_eegmat" / "Subject00_1.edf",
        "mental arithmetic": SHARED / "physionet_eegmat" / "Subject04_2.edf",
        "eyes open": SHARED / "physionet_eegmmidb" / "S001R01.edf",
    }
    if not all(p.exists() for p in recs.values()):
        return False
    rows = []
    for label, p in recs.items():
        f = features(envelopes_from_file(p))
        pats = [
            make(
                params_from_features(m, f),
                tile=(320, 320),
                rng=1,
                palette=palette_from_features(m, f),
            )
            for m, make in (("kawung", kawung), ("parang", parang))
        ]
        rows.append((label, pats))
    tiles_sheet(
        path,
        rows,
        title="three states of mind, default mapping",
        columns=["kawung", "parang"],
        px=220,
    )
    return True


def _story(path: Path) -> bool:
    """The OpenBCI sample's cloths side by side, with the recording's time beside them."""
    from PIL import ImageDraw

    rec = SHARED / "openbci" / "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
    if not rec.exists():
        return False
    motifs = ("kawung", "parang", "ceplok", "nitik")
    with tempfile.TemporaryDirectory() as tmp:
        paths = render_recording(rec, out=tmp, sheet=False, motif=list(motifs), size=512, seed=0)
        by_name = {p.name: p for p in paths}
        t0, t1 = _cloth_span(load(rec, (None, None)))  # the seconds the cloth runs over
        w, h, margin, top = 200, 500, 120, 18
        sheet = Image.new("RGB", (margin + len(motifs) * (w + 12), h + top + 4), "#FBF8F1")
        draw = ImageDraw.Draw(sheet)
        for i, m in enumerate(motifs):
            cloth = next(p for n, p in by_name.items() if n.endswith(f"-{m}-cloth.png"))
            with Image.open(cloth) as im:
                x = margin + i * (w + 12)
                sheet.paste(im.convert("RGB").resize((w, h), Image.LANCZOS), (x, top))
            draw.text((x + 2, 2), m, fill="#1E1A1D")
        for t, label in (
            (0, "0 s blinks, jaw"),
            (28, "28 s alpha rises"),
            (75, "75 s blinks, jaw"),
        ):
            y = top + round(h * (max(t, t0) - t0) / (t1 - t0))
            draw.line([(0, y), (margin - 6, y)], fill="#1E1A1D")
            draw.text((2, y + 2), label, fill="#1E1A1D")
    sheet.save(path)
    return True


def _variants(path: Path, motif: str) -> None:
    """Every variant of *motif*: the 1024 px tile at a quarter size, and a 1:1 corner."""
    from PIL import ImageDraw

    entry = registry.get(motif)
    cls, make = entry.params_class(), entry.tile()
    names = cls.variants()
    cell, label, cols = 224, 18, 4
    rows = -(-len(names) // cols)
    sheet = Image.new("RGB", (cols * (2 * cell + 12), rows * (cell + label + 12)), "#FBF8F1")
    draw = ImageDraw.Draw(sheet)
    for i, name in enumerate(names):
        tile = rasterize(make(cls.variant(name), tile=(1024, 1024), rng=3), width=1024, height=1024)
        im = Image.fromarray(tile).convert("RGB")
        x, y = (i % cols) * (2 * cell + 12), (i // cols) * (cell + label + 12)
        draw.text((x + 2, y + 2), f"{motif} {name}  (tile, and a corner at 1:1)", fill="#1E1A1D")
        sheet.paste(im.resize((cell, cell), Image.LANCZOS), (x, y + label))
        sheet.paste(im.crop((0, 0, cell, cell)), (x + cell + 4, y + label))
    sheet.save(path)


def variant_sheets(out: Path, tmp: Path) -> list[Path]:
    """``variants-<family>.png`` of every registered family into *out*."""
    written = []
    for motif in registry.names():
        _variants(tmp / f"variants-{motif}.png", motif)
        with Image.open(tmp / f"variants-{motif}.png") as im:
            written.append(save_small(im, out / f"variants-{motif}.png", colours=128))
    return written


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = render_recording(out=tmp, size=1024, seed=0)
        by_name = {p.name: p for p in paths}
        stem = next(n for n in by_name if n.endswith(".json"))[: -len(".json")]
        for motif in ("kawung", "parang"):
            with Image.open(by_name[f"{stem}-{motif}.png"]) as im:
                written.append(
                    save_small(
                        im.crop((0, 0, 640, 640)).resize((480, 480)), out / f"tile-{motif}.png"
                    )
                )
        cloths = [Image.open(by_name[f"{stem}-{m}-cloth.png"]) for m in ("kawung", "parang")]
        w, h = 240, 600
        strip = Image.new("RGB", (2 * w + 20, h), "#FBF8F1")
        for i, c in enumerate(cloths):
            strip.paste(c.convert("RGB").resize((w, h), Image.LANCZOS), (i * (w + 20), 0))
            c.close()
        written.append(save_small(strip, out / "cloth.png"))
        with Image.open(by_name[f"{stem}-sheet.png"]) as im:
            scale = 1100 / im.size[0]
            small = im.resize((1100, round(im.size[1] * scale)), Image.LANCZOS)
            written.append(save_small(small, out / "sheet.png", colours=256))
        _sweep(tmp / "mapping.png")
        with Image.open(tmp / "mapping.png") as im:
            written.append(save_small(im, out / "mapping.png"))
        _families(tmp / "families.png")
        with Image.open(tmp / "families.png") as im:
            written.append(save_small(im, out / "families.png"))
        written += variant_sheets(out, tmp)
        if _states(tmp / "states.png"):
            with Image.open(tmp / "states.png") as im:
                written.append(save_small(im, out / "states.png"))
        if _story(tmp / "story.png"):
            with Image.open(tmp / "story.png") as im:
                written.append(save_small(im, out / "story.png"))
    return written


if __name__ == "__main__":
    args = sys.argv[1:]
    only_variants = "--variants" in args
    args = [a for a in args if a != "--variants"]
    folder = Path(args[0]) if args else HERE
    if only_variants:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            paths = variant_sheets(folder, Path(tmp))
    else:
        paths = main(folder)
    for p in paths:
        print(f"{p}  {p.stat().st_size / 1000:.0f} kB")
