"""Truntum: parameters, variants, determinism, seams, property tests, the cloth."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from utils import assert_seamless, seam_excess

from batik_waves.errors import MotifError
from batik_waves.motifs.palette import PALETTES
from batik_waves.motifs.registry import get
from batik_waves.motifs.truntum import (
    TruntumParams,
    _shape_key,
    _templates,
    truntum,
    truntum_cloth,
    truntum_rows,
)
from batik_waves.render import rasterize, to_svg

VARIANTS = [None, *TruntumParams.variants()]


@pytest.mark.parametrize(
    "field,value,allowed",
    [("fields", 1, "2 to 48"), ("heart", 0.5, "0.0 to 0.35"), ("petal_width", 0.9, "0.2 to 0.6")],
)
def test_a_bad_value_names_the_field_the_range_and_the_value(field, value, allowed):
    with pytest.raises(MotifError, match=rf"'{field}'.*{allowed}.*{value}"):
        TruntumParams(**{field: value})


def test_bad_choices_and_odd_half_brick_counts_are_refused():
    with pytest.raises(MotifError, match=r"'flower'.*'star'.*'rose'"):
        TruntumParams(flower="rose")
    with pytest.raises(MotifError, match="field count across must be even, but got 7"):
        truntum(TruntumParams(fields=7), tile=(140, 140), repeat="half-brick")


def test_registered_with_its_roles():
    entry = get("truntum")
    assert entry.params_class() is TruntumParams
    assert entry.tile() is truntum and entry.cloth() is truntum_cloth
    assert TruntumParams.names_with_role("structural") == ("fields", "grid", "polarity")
    assert TruntumParams.names_with_role("steady") == ("crackle",)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_draws_one_flower_per_field(variant):
    p = TruntumParams.variant(variant) if variant else TruntumParams()
    pat = truntum(p, tile=(240, 240), rng=1, palette=None)
    rows, _ = truntum_rows(p.fields, p.grid, 240, 240)
    petals = pat.layer("petals").geometry
    assert petals.is_valid and box(0, 0, 240, 240).buffer(1e-6).contains(petals)
    # the flowers cover a share of the field that follows flower_size
    share = petals.area / (240 * 240)
    assert 0.02 < share < 0.6
    if p.cecek != "none":
        assert not pat.layer("cecek").geometry.is_empty
    # the dark ground: the flowers are lighter than it
    assert pat.background is not None
    assert _luminance(pat.layer("petals").fill) > _luminance(pat.background) + 0.4
    assert rows >= 1


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_flower_size_grows_the_flowers():
    small = truntum(TruntumParams(flower_size=0.35, wobble=0.0), tile=(200, 200))
    big = truntum(TruntumParams(flower_size=0.8, wobble=0.0), tile=(200, 200))
    ratio = big.layer("petals").geometry.area / small.layer("petals").geometry.area
    assert ratio == pytest.approx((0.8 / 0.35) ** 2, rel=0.25)


@pytest.mark.parametrize("palette", [*PALETTES, "#F0E0D0,#102030"])
def test_every_colourway_draws(palette):
    pat = truntum(TruntumParams(fields=4), tile=(96, 96), palette=palette)
    assert not pat.layer("petals").geometry.is_empty
    assert truntum(tile=(96, 96), palette=palette, transparent=True).background is None


def test_the_same_seed_gives_the_same_svg_and_another_seed_another_hand():
    p = TruntumParams.variant("truntum-rapet")
    a = to_svg(truntum(p, tile=(160, 160), rng=5))
    assert a == to_svg(truntum(p, tile=(160, 160), rng=5))
    assert a != to_svg(truntum(p, tile=(160, 160), rng=6))


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
@pytest.mark.parametrize("variant", ["truntum", "truntum-melati"])
def test_seamless_for_every_repeat(variant, repeat):
    pat = truntum(TruntumParams.variant(variant), tile=(192, 192), repeat=repeat, rng=2)
    img = rasterize(pat, width=192, height=192)
    assert_seamless(img, repeat=repeat)
    if repeat == "block":
        assert seam_excess(pat, lambda q: rasterize(q, width=192, height=192)) < 1.0


def _params():
    def field(spec):
        if spec.choices is not None:
            return st.sampled_from(spec.choices)
        if isinstance(spec.default, bool):
            return st.booleans()
        lo, hi = spec.range
        if spec.count:
            return st.integers(2, 12).map(lambda n: n - n % 2)  # even: every repeat
        if isinstance(spec.default, int):
            return st.integers(int(lo), int(hi))
        return st.floats(lo, hi, allow_nan=False)

    return st.builds(TruntumParams, **{k: field(s) for k, s in TruntumParams.specs().items()})


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    p=_params(),
    repeat=st.sampled_from(("block", "half-drop", "half-brick")),
    seed=st.integers(0, 99),
)
def test_any_params_in_range_give_valid_geometry_inside_the_tile(p, repeat, seed):
    pat = truntum(p, tile=(160, 144), repeat=repeat, rng=seed)
    tile = box(0, 0, 160, 144).buffer(1e-6)
    for layer in pat.layers:
        assert layer.geometry.is_valid, layer.name
        assert layer.geometry.is_empty or tile.contains(layer.geometry)
    assert pat.layer("petals").geometry.area > 0.01 * 160 * 144


def test_the_cloth_follows_its_params_down_the_length():
    cloth = truntum_cloth(
        lambda y: TruntumParams(flower_size=0.35 if y < 0.5 else 0.8, wobble=0.0),
        size=(200, 480),
        rng=1,
    )
    assert cloth.size == (200, 480) and cloth.metadata["motif"] == "truntum-cloth"
    petals = cloth.layer("petals").geometry
    top = petals.intersection(box(0, 0, 200, 200)).area
    foot = petals.intersection(box(0, 280, 200, 480)).area
    assert foot > 3 * top
    with pytest.raises(MotifError, match="TruntumParams"):
        truntum_cloth(lambda y: None, size=(100, 200))


def test_kuntum_is_a_bud_in_its_calyx_on_a_stem():
    p = TruntumParams.variant("truntum-kuntum").replace(turn=0.0)
    t = _templates(_shape_key(p), 200.0, 0)
    R = 0.5 * p.flower_size * 200.0
    parts = sorted(shapely.get_parts(t.petals), key=lambda g: g.bounds[1])
    assert len(parts) >= 2  # the bud, and its calyx and stem, parted by the ground
    bud, base = parts[0], shapely.union_all(parts[1:])
    x0, y0, x1, y1 = bud.bounds
    # the bud stands tip up: narrow at its top, full lower down, taller than wide
    near_tip = bud.intersection(shapely.box(x0, y0, x1, y0 + 0.08 * (y1 - y0)))
    assert near_tip.bounds[2] - near_tip.bounds[0] < 0.3 * (x1 - x0)
    assert y1 - y0 > 1.4 * (x1 - x0)
    # the calyx cups the bud's foot with a sepal rising at each side past its flanks
    assert base.bounds[0] < x0 and base.bounds[2] > x1
    assert base.bounds[1] < y1 < base.bounds[3]
    assert bud.distance(base) > 0.02 * R  # parted by a line of the ground
    # a short, thin stem hangs below the cup
    stem = base.intersection(shapely.box(-R, y1 + 0.45 * R, R, R))
    assert not stem.is_empty and stem.bounds[3] > y1 + 0.6 * R
    assert stem.bounds[2] - stem.bounds[0] < 0.3 * (x1 - x0)
    # the wrapped petals' seams lie on the bud
    assert not t.veins.is_empty and bud.buffer(1e-6).contains(t.veins)
