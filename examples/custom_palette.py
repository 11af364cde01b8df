"""Build a custom colourway and draw both motifs in it.

    python examples/custom_palette.py [OUT_DIR]

A palette names five roles: the ground (the cloth), the ink (outlines and solid
parts), the fill, the accent (small marks) and the crackle veins. Give one to five
hex colours in that order; missing roles are derived from the ones given.
"""

from __future__ import annotations

import sys
from pathlib import Path

from batik_waves.motifs.kawung import KawungParams, kawung
from batik_waves.motifs.palette import palette
from batik_waves.motifs.parang import ParangParams, parang
from batik_waves.render.png import save_png
from batik_waves.render.svg import save_svg

# a Lasem-like red on ivory, with indigo accents and soga crackle
MY_COLOURS = ["#EFE3C8", "#7A1418", "#B8412F", "#1B2A4A", "#8A5A30"]


def main(out: Path) -> list[Path]:
    pal = palette(MY_COLOURS)
    written = []
    for name, pattern in (
        ("kawung", kawung(KawungParams(), tile=(512, 512), rng=7, palette=pal)),
        ("parang", parang(ParangParams(), tile=(512, 512), rng=7, palette=pal)),
    ):
        written.append(save_svg(pattern, out / f"my-palette-{name}.svg"))
        written.append(save_png(pattern, out / f"my-palette-{name}.png", dpi=300))
    return written


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("batik-out/examples/custom_palette")
    for p in main(folder):
        print(p)
