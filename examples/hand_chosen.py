"""Batik from hand-chosen parameters, without any EEG.

    python examples/hand_chosen.py [OUT_DIR]

Every motif parameter has a documented range (``KawungParams.specs()``); the named
classical variants are presets (``KawungParams.variants()``), and ``replace`` tweaks
one. Here: a kawung sen with sari split lines in indigo, and a parang barong in
Solo sogan, each as SVG and PNG, plus a 3 × 3 repeat of the kawung.
"""

from __future__ import annotations

import sys
from pathlib import Path

from batik_waves.motifs.kawung import KawungParams, kawung
from batik_waves.motifs.parang import ParangParams, parang
from batik_waves.render.png import save_png
from batik_waves.render.svg import save_svg


def main(out: Path) -> list[Path]:
    for name, spec in KawungParams.specs().items():
        rng = spec.range if spec.range is not None else spec.choices
        print(f"kawung {name:14s} {spec.default!r:>12}  {rng}  {spec.unit}  {spec.doc}")
    k = KawungParams.variant("sen")
    p = ParangParams.variant("barong").replace(notch=20.0)
    kaw = kawung(k, tile=(600, 600), rng=1, palette="indigo")
    par = parang(p, tile=(600, 600), rng=1, palette="solo-sogan")
    return [
        save_svg(kaw, out / "kawung-sen.svg"),
        save_png(kaw, out / "kawung-sen.png", dpi=300),
        save_png(kaw, out / "kawung-sen-3x3.png", repeat=(3, 3), width=900),
        save_svg(par, out / "parang-barong.svg"),
        save_png(par, out / "parang-barong.png", dpi=300),
    ]


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("batik-out/examples/hand_chosen")
    for p in main(folder):
        print(p)
