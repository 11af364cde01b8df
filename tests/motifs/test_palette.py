from __future__ import annotations

import pytest

from batik_waves.errors import MotifError
from batik_waves.motifs.palette import PALETTES, Palette, mix, palette

BATIK_HEX = {
    "#F1E9D8", "#F7F4EC", "#E5CF9A", "#B36B2C", "#8A5A30", "#4A2E1F", "#1E1A1D",
    "#1B2A4A", "#2F4B7C", "#7E9CC4", "#9E1B1E", "#E8A7B8", "#8CC7A1", "#B8A2D1",
}  # fmt: skip


@pytest.mark.parametrize("name", PALETTES)
def test_named_palettes_use_batik_colours_and_contrast(name):
    p = palette(name)
    assert p.name == name
    for role in ("ground", "ink", "fill", "accent", "crackle"):
        assert getattr(p, role) in BATIK_HEX, (name, role)
    # the motif must stand out from the cloth
    assert p.luminance("ground") - p.luminance("ink") > 0.4


def test_expected_palette_names():
    assert set(PALETTES) == {
        "yogya-sogan", "solo-sogan", "indigo", "bang-biru", "lasem", "pekalongan",
    }  # fmt: skip
    assert palette(None) == palette("yogya-sogan")
    assert palette(" Indigo ") == palette("indigo")


def test_custom_hex_lists_fill_roles_in_order():
    full = palette(["#111111", "#222222", "#333333", "#444444", "#555555"])
    assert (full.ground, full.ink, full.fill, full.accent, full.crackle) == (
        "#111111", "#222222", "#333333", "#444444", "#555555",
    )  # fmt: skip
    assert full.name == "custom"
    two = palette("#f1e9d8, #1b2a4a")
    assert two.ground == "#F1E9D8" and two.ink == "#1B2A4A"
    assert two.accent == "#1B2A4A"
    assert two.fill == mix("#1B2A4A", "#F1E9D8", 0.65)
    assert two.crackle == two.fill
    one = palette(["#fff"])
    assert one.ground == "#FFFFFF"
    assert one.luminance("ink") < 0.3  # a light cloth gets a dark ink
    dark = palette(["#101010"])
    assert dark.luminance("ink") > 0.6


def test_transparent_and_dark_ground():
    p = palette("yogya-sogan")
    t = p.transparent()
    assert t.ground is None and t.is_transparent and t.ink == p.ink
    d = p.dark_ground()
    assert (d.ground, d.ink) == (p.ink, p.ground)
    with pytest.raises(MotifError, match="transparent"):
        t.dark_ground()
    assert isinstance(palette(p), Palette) and palette(p) is p


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("sogan", r"Allowed values are 'yogya-sogan', 'solo-sogan'.*but got 'sogan'"),
        ("#12345", r"hex colour.*'#12345'"),
        ("#F1E9D8, brown", r"'ink' colour.*'brown'"),
        ([], "1 to 5 hex colours"),
        (["#FFFFFF"] * 6, "1 to 5 hex colours"),
        (42, "name or a list"),
    ],
)
def test_bad_palettes_are_named(spec, match):
    with pytest.raises(MotifError, match=match):
        palette(spec)


def test_palette_validates_roles():
    with pytest.raises(MotifError, match="'fill' colour"):
        Palette("x", "#FFFFFF", "#000000", "oops", "#000000", "#000000")
