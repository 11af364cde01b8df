from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image
from utils import assert_images_close, load_png, mosaic, synthetic

from batik_waves.errors import RenderError
from batik_waves.render import rasterize, render_png_array, save_png


def png_chunks(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8].decode("ascii")
        chunks.setdefault(kind, data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return chunks


def test_natural_size_rgb_for_an_opaque_ground(tmp_path):
    out = save_png(synthetic("edges"), tmp_path / "t.png")
    with Image.open(out) as im:
        assert im.size == (120, 96) and im.mode == "RGB"
    assert "pHYs" not in png_chunks(out)


def test_transparent_ground_gives_rgba_with_real_alpha(tmp_path):
    out = save_png(synthetic("transparent"), tmp_path / "t.png", width=240)
    with Image.open(out) as im:
        assert im.mode == "RGBA" and im.size == (240, 192)
        a = np.asarray(im)[..., 3]
    assert (a == 0).mean() > 0.2 and (a == 255).mean() > 0.1


@pytest.mark.parametrize(
    "size,width,repeat,expected",
    [
        ((120, 96), 317, (1, 1), (317, 254)),
        ((121, 97), 300, (1, 1), (300, 240)),
        ((120, 96), None, (3, 2), (360, 192)),
        ((120, 96), 1000, (3, 2), (1000, 533)),
    ],
)
def test_exact_pixel_size(tmp_path, size, width, repeat, expected):
    out = save_png(synthetic("edges", size=size), tmp_path / "t.png", width=width, repeat=repeat)
    with Image.open(out) as im:
        assert im.size == expected


def test_300_dpi_writes_phys_11811_px_per_metre(tmp_path):
    out = save_png(synthetic("edges"), tmp_path / "t.png", width=480, dpi=300)
    x, y, unit = struct.unpack(">IIB", png_chunks(out)["pHYs"])
    assert (x, y, unit) == (11811, 11811, 1)
    with Image.open(out) as im:
        assert im.size == (480, 384)  # dpi is metadata only


def test_repeat_is_the_mosaic_of_the_tile_and_sharp(tmp_path):
    p = synthetic("edges", repeat="half-drop")
    tile = render_png_array(p, width=240)
    rep = render_png_array(p, width=480, repeat=(2, 2))
    assert_images_close(rep, mosaic(tile, 2, 2, "half-drop"), mad=0.5)


def test_png_matches_rasterize(tmp_path):
    p = synthetic("transparent", repeat="half-brick")
    out = save_png(p, tmp_path / "t.png", width=300)
    png = load_png(out)
    assert_images_close(png, rasterize(p, width=300, height=png.shape[0]), mad=2.0)


def test_write_is_atomic_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "t.png"
    target.write_bytes(b"old")
    with pytest.raises(RenderError):
        save_png(synthetic("edges"), target, width=0)
    assert target.read_bytes() == b"old"
    save_png(synthetic("edges"), target)
    assert [x.name for x in tmp_path.iterdir()] == ["t.png"]
    assert load_png(target).shape == (96, 120, 4)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"width": 0}, "width"),
        ({"width": 12.5}, "width"),
        ({"width": 40000}, "width"),
        ({"width": 30000, "repeat": (1, 4)}, "32767"),
        ({"dpi": 0}, "dpi"),
        ({"dpi": "300"}, "dpi"),
        ({"dpi": float("nan")}, "dpi"),
        ({"repeat": (0, 2)}, "repeat"),
        ({"compress_level": 12}, "compress_level"),
    ],
)
def test_bad_arguments_are_render_errors(tmp_path, kwargs, match):
    with pytest.raises(RenderError, match=match):
        save_png(synthetic("edges"), tmp_path / "t.png", **kwargs)
    assert not list(tmp_path.iterdir())
