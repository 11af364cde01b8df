"""A 20 cm tile at 300 DPI for a textile printer (print-on-demand fabric).

    python examples/print_tile.py [OUT_DIR] [RECORDING]

Textile printers want 300 DPI PNG (1 cm = 118.11 px), seamless, in RGB. A 20 cm
tile at 300 DPI is 2362 px square; the PNG carries the DPI so the printer lays it at
the right size. Half-drop is the usual repeat for apparel (``repeat="half-drop"``;
kawung then moves to the nearest flower count that closes seamlessly, with a warning).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

from batik_waves import render_recording


def main(out: Path, recording: str | None = None) -> list[Path]:
    paths = render_recording(
        recording, motif="kawung", out=out, cm=20, dpi=300, repeat="block", sheet=False
    )
    tile = next(p for p in paths if p.name.endswith("-kawung.png"))
    with Image.open(tile) as im:
        cm = im.size[0] / im.info["dpi"][0] * 2.54
        print(
            f"{tile.name}: {im.size[0]} × {im.size[1]} px at {im.info['dpi'][0]:.0f} DPI = {cm:.1f} cm"
        )
    return paths


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("batik-out/examples/print_tile")
    rec = sys.argv[2] if len(sys.argv) > 2 else None
    main(folder, rec)
