"""Every example in examples/ runs into a temporary folder and writes what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def test_there_are_examples():
    assert {"custom_mapping.py", "custom_palette.py", "print_tile.py", "hand_chosen.py"} <= set(
        SCRIPTS
    )


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    pngs = [p for p in written if p.suffix == ".png"]
    assert pngs, f"{script} wrote no PNG"
    for p in pngs:
        with Image.open(p) as im:
            assert min(im.size) >= 64
    assert not [p for p in written if p.name.startswith(".")], "temporary files left behind"
    if script == "print_tile.py":
        tile = next(p for p in pngs if p.name.endswith("-kawung.png"))
        with Image.open(tile) as im:
            assert im.size == (2362, 2362)
            assert im.info["dpi"] == pytest.approx((300, 300), abs=0.05)
        assert "20.0 cm" in proc.stdout
    if script == "custom_mapping.py":
        assert (tmp_path / "my-mapping.toml").exists()
        record = next(p for p in written if p.suffix == ".json")
        assert '"name": "my-theta"' in record.read_text(encoding="utf-8")
