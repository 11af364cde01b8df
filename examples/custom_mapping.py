"""Render a recording with your own mapping: copy the default TOML, change it, use it.

    python examples/custom_mapping.py [OUT_DIR] [RECORDING]

The default mapping (``batik_waves/mapping/presets/default.toml``) is written for artists to
copy: each ``[[rule]]`` says which brain feature drives which motif parameter, over
which range. Here we copy it, make parang's bands follow theta instead of alpha, and
force a Pekalongan colourway for every state of mind.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from batik_waves import render_recording


def main(out: Path, recording: str | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    text = (resources.files("batik_waves.mapping") / "presets" / "default.toml").read_text("utf-8")
    text = text.replace('name = "default"', 'name = "my-theta"', 1)
    # the same colourway whatever the state of mind
    text = text.replace(
        'values = ["lasem", "solo-sogan", "indigo"]',
        'values = ["pekalongan", "pekalongan", "pekalongan"]',
    )
    # parang's bands and blades follow theta (drowsy, inward) instead of alpha:
    # more theta, broader bands
    for name in ("bands", "blades"):
        text = text.replace(
            f'parameter = "{name}"\nfeature = "posterior_alpha"\nfrom = [0.12, 0.6]',
            f'parameter = "{name}"\nfeature = "theta"\nfrom = [0.08, 0.25]',
        )
    mine = out / "my-mapping.toml"
    mine.write_text(text, encoding="utf-8")
    return render_recording(recording, motif="parang", out=out, mapping=mine, size=512, sheet=True)


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("batik-out/examples/custom_mapping")
    rec = sys.argv[2] if len(sys.argv) > 2 else None
    for p in main(folder, rec):
        print(p)
